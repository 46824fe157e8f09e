"""Byte-for-byte answers of the API to the benchmark queries: `python -m bench snapshot`.

A restructuring must not change what users get. This asks the JSON API
(through Flask's test client, so the service's own rendering is included)
every benchmark query of `bench.queries`, pages 1 and 2, with facets and
snippets, plus a few shapes that exercise stop words, relaxed answers and
pasted fragments, and writes one line per answer with `took_ms` removed.
Two snapshots of the same index are compared with `cmp`.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.queries import QUERIES

EXTRA = (
    "the development of",
    "semiconductor manufacturing xylophone",
    "集成电路产业链",
    "路研发和制造",
    "wafer OR silicon -Wuxi",
    "title:development",
    "develop*",
    "-the wafer",
    "wafer -the",
    "-wafer",
    "the -of",
    "wafer OR the",
    '"the wafer" semiconductor',
    "半导体 -的",
)


def requests() -> list[dict]:
    out = []
    for query in QUERIES:
        params = {"q": query.q}
        if query.location:
            params["location"] = query.location
        if query.date_from:
            params["date_from"] = query.date_from
        if query.date_to:
            params["date_to"] = query.date_to
        out.append(params)
    out.extend({"q": q} for q in EXTRA)
    out.append({"q": "", "sort": "newest"})
    return [dict(p, page=str(page)) for p in out for page in (1, 2)]


def snapshot(index: Path, out: Path) -> int:
    from service import create_app

    app = create_app({"TESTING": True, "INDEX": str(index), "QUERY_TIMEOUT_MS": 0})
    client = app.test_client()
    lines = []
    for params in requests():
        response = client.get("/api/search", query_string=params)
        body = response.get_json()
        if isinstance(body, dict):
            body.pop("took_ms", None)
        lines.append(json.dumps([params, response.status_code, body], ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n", "utf-8")
    return len(lines)
