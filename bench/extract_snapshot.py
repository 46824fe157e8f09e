"""What the readers and `enrich` make of every page at hand: `python -m bench extract-snapshot`.

A restructuring of the readers or of the date code must not change a single
article. This reads every page the development sets keep (the pages of
`bench extract` in the cache bench/corpus/devset/, all of trafilatura's
evaluation pages rather than only its Chinese ones, the feed articles of
`bench devset`), the committed fixture pages and the seed files, and writes
what the index would hold of each: title, body, date and its precision,
language, source, places, and the declared values they came from. Sets whose
files are not cached are skipped and named in the output, so two snapshots
compare only when they read the same pages. Two snapshots are compared with
`cmp`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from bench.extract import CACHE, FIXTURES, REPO, htmldate_pages, scrapinghub_pages

FIELDS = (
    "title",
    "body",
    "url",
    "source",
    "declared_date",
    "latest_date",
    "guessed_date",
    "declared_lang",
    "declared_locations",
    "lang",
    "places",
    "places_all",
)


def _html_pages() -> Iterator[tuple[str, str, bytes, str | None]]:
    """(set, name, bytes, url) of every cached and committed HTML page."""
    if (CACHE / "scrapinghub" / "ground-truth.json").exists():
        for page in scrapinghub_pages():
            yield "scrapinghub", page.name, page.html, page.url
    if (CACHE / "htmldate" / "tests" / "eval_mediacloud_2020.json").exists():
        for page in htmldate_pages():
            yield "htmldate", page.name, page.html, page.url
    evaluation = CACHE / "trafilatura" / "tests"
    if (evaluation / "evaldata.json").exists():
        urls = {
            item["file"]: url
            for url, item in json.loads((evaluation / "evaldata.json").read_text("utf-8")).items()
        }
        for path in sorted((evaluation / "eval").glob("*.html")):
            yield "trafilatura", path.name, path.read_bytes(), urls.get(path.name)
    for folder in (FIXTURES, REPO / "tests" / "fixtures" / "sources"):
        for path in sorted(folder.glob("*.htm*")):
            yield "fixtures", path.relative_to(REPO).as_posix(), path.read_bytes(), None


def _files() -> Iterator[tuple[str, Path]]:
    """(set, path) of the text and feed files read through `read_articles`."""
    for path in sorted((REPO / "seeds").glob("*.txt")):
        yield "seeds", path
    for path in sorted((REPO / "tests" / "fixtures" / "sources").glob("*.txt")):
        yield "fixtures", path
    if (CACHE / "articles.jsonl").exists():
        yield "devset", CACHE / "articles.jsonl"


def _record(article) -> dict:
    from indexer.extract.dates import date_from_path, extract_date

    out = {name: getattr(article, name) for name in FIELDS}
    out["path"], out["part"] = article.path, article.part
    out["date"], out["precision"] = article.date.iso, article.date.precision
    text = f"{article.title}\n{article.body}"
    # The date code's entry points on their own, whatever enrich took.
    out["text_date"] = extract_date(text, path=article.path, url=article.url or "").iso
    out["marked_dateline"] = extract_date(text, marked_only=True).iso
    out["url_date"] = date_from_path(article.url or "").iso
    return out


def records() -> Iterator[dict]:
    from indexer.extract import enrich
    from indexer.sources import SourceError, read_articles
    from indexer.sources.html import articles_from_html

    for set_name, name, html, url in _html_pages():
        try:
            articles = articles_from_html(html)
        except (SourceError, ValueError) as exc:
            yield {"set": set_name, "name": name, "error": f"{type(exc).__name__}: {exc}"}
            continue
        for article in articles:
            if url and not article.url:  # as `bench extract` does
                article.url = url
            yield {"set": set_name, "name": name, **_record(enrich(article))}
    for set_name, path in _files():
        rel = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
        try:
            articles, warnings = read_articles(path, rel)
        except SourceError as exc:
            yield {"set": set_name, "name": rel, "error": str(exc)}
            continue
        for article in articles:
            yield {"set": set_name, "name": rel, **_record(enrich(article))}
        if warnings:
            yield {"set": set_name, "name": rel, "warnings": warnings}


def snapshot(out: Path) -> dict[str, int]:
    """Write one JSON line per article (or failure); articles per set."""
    counts: dict[str, int] = {}
    lines = []
    for record in records():
        counts[record["set"]] = counts.get(record["set"], 0) + 1
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    head = json.dumps({"sets": counts}, sort_keys=True)
    out.write_text("\n".join([head, *lines]) + "\n", "utf-8")
    return counts
