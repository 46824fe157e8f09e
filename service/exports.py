"""A search's articles as a file: GET /api/export?format=csv|jsonl.

Researchers take results into spreadsheets and notebooks. The export takes
/api/search's words, filters and sort, and up to `EXPORT_LIMIT` articles
from the top (`limit` asks for fewer); `page` and `per_page` do not apply.
One row per article: `COLUMNS`, and the article's text with `body=1`.

The answer is streamed: the backend searches first (a bad query is still
a 400 before anything is sent, and the search keeps its time budget), then
reads the articles in batches while the response is written, so a 10,000-row
export with bodies holds one batch in memory, not the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from service.links import EXPORT_PATH, NOT_FOR_EXPORTS, search_pairs
from service.params import ParamError, search_request
from service.search_index import check_grouping, exporting_backend

bp = Blueprint("exports", __name__)

EXPORT_LIMIT = 10_000

COLUMNS = ("id", "title", "date", "date_precision", "language", "source", "places", "url")
FORMATS = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
}
ROWS_PER_CHUNK = 100  # rows written to the client at a time
FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True}
# A spreadsheet takes a cell starting with one of these for a formula (or,
# for tab and carriage return, shifts it into one): `=HYPERLINK(...)` in a
# title would run on the researcher's machine.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@bp.get(EXPORT_PATH)
def export():
    args = request.args
    for name in ("format", "body", "limit"):
        if len(args.getlist(name)) > 1:
            raise ParamError(f"{name} may be given only once")
    fmt = args.get("format") or "csv"
    if fmt not in FORMATS:
        raise ParamError(f"format must be one of: {', '.join(FORMATS)}")
    flag = (args.get("body") or "").strip().lower()
    if flag not in FLAGS:
        raise ParamError("body must be 1 or 0")
    limit = _limit(args.get("limit"))
    search_args = MultiDict(search_pairs(args, NOT_FOR_EXPORTS))
    req = replace(search_request(search_args), facets=False, snippets=False)

    backend = exporting_backend()
    check_grouping(req)  # `story=` filters the export; `group` does not apply to it
    articles = backend.export(req, limit, body=FLAGS[flag])
    records = as_records(articles, request.host_url.rstrip("/"))
    columns = COLUMNS + (("body",) if FLAGS[flag] else ())
    chunks = csv_chunks(records, columns) if fmt == "csv" else jsonl_chunks(records)
    response = Response(chunks, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = attachment(export_filename(req.q, fmt))
    return response


def _limit(raw: str | None) -> int:
    if raw is None or raw.strip() == "":
        return EXPORT_LIMIT
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParamError(f"limit must be a whole number, not {raw[:40]!r}") from None
    if not 1 <= value <= EXPORT_LIMIT:
        raise ParamError(f"limit must be between 1 and {EXPORT_LIMIT}")
    return value


def as_records(articles: Iterable[dict], site: str) -> Iterator[dict]:
    """Backend summaries as export rows; `url` is the article's page here, absolute."""
    for article in articles:
        record = {
            "id": article["id"],
            "title": article["title"],
            "date": article["date"],
            "date_precision": article["date_precision"],
            "language": article["lang"],
            "source": article["source"],
            "places": article["locations"],
            "url": f"{site}/doc/{article['id']}",
        }
        if "body" in article:
            record["body"] = article["body"]
        yield record


def csv_chunks(records: Iterable[dict], columns: tuple) -> Iterator[bytes]:
    """CSV in UTF-8 with a byte-order mark, `ROWS_PER_CHUNK` rows at a time.

    Why the BOM: Excel reads a CSV file without one in the computer's
    legacy code page (GBK in China, Windows-1252 in the West), so Chinese
    titles arrive as mojibake; with it, Excel (and LibreOffice, pandas with
    encoding="utf-8-sig") reads UTF-8. Places are joined with "; ".
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    for n, record in enumerate(records, 1):
        writer.writerow([csv_cell(record.get(c)) for c in columns])
        if n % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def csv_cell(value) -> str:
    """A value as a cell a spreadsheet shows as text, never runs as a formula.

    A cell starting with = + - @ (or a tab or carriage return) gets a
    leading apostrophe, as OWASP advises: Excel and LibreOffice then show
    the text instead of evaluating it. JSON lines are not guarded: programs
    read them, and they get the text as it is.
    """
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def jsonl_chunks(records: Iterable[dict]) -> Iterator[bytes]:
    """One JSON object per line (UTF-8, no BOM: JSON must not start with one)."""
    lines = []
    for record in records:
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        if len(lines) == ROWS_PER_CHUNK:
            yield "".join(lines).encode("utf-8")
            lines = []
    yield "".join(lines).encode("utf-8")


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def export_filename(q: str, fmt: str) -> str:
    """newsarchive-<the query's words>-<today>.<format>, e.g. newsarchive-江阴-2024-05-01.csv."""
    words = re.sub(r"[^\w]+", "-", q or "", flags=re.UNICODE).strip("-_")[:60].strip("-")
    day = datetime.now(UTC).date().isoformat()
    return f"newsarchive-{words or 'all'}-{day}.{fmt}"


def attachment(filename: str) -> str:
    """Content-Disposition with an ASCII name for old clients and the UTF-8 one (RFC 6266)."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"--+", "-", plain.replace('"', ""))
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
