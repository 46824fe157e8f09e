"""`python -m bench extract`: newsarchive's HTML reader against trafilatura on real pages.

Two page sets, scored side by side for both extractors:

* English: the 181 pages of Scrapinghub's article-extraction-benchmark, with
  the article body a person checked (`ground-truth.json`). They are copied
  into the git-ignored cache `bench/corpus/devset/scrapinghub/` from a local
  checkout or bare git directory (`--scrapinghub`), or cloned from GitHub when
  the cache is empty. Downloaded pages are never committed.
* Dates only: the 200 multilingual news pages of htmldate's own "mediacloud
  2020" evaluation (`tests/test_set/`, `tests/eval_mediacloud_2020.json`),
  cached in `bench/corpus/devset/htmldate/` the same way (`--htmldate`). They
  are htmldate's home ground, so they test whether the ranking around
  htmldate keeps what it gets right.
* Chinese pages of trafilatura's own evaluation (`tests/eval/`, with the
  title, date and text snippets that must or must not be in the body from
  `tests/evaldata.json`), cached in `bench/corpus/devset/trafilatura/`
  (`--trafilatura`): few, but real and written by nobody here.
* Chinese (and a few English): the hand-written pages in the shapes of portals, regional papers,
  government sites and platform articles, `tests/fixtures/extract/*.html`,
  each with its expected title, date and body in a `.json` beside it.

GeneralNewsExtractor's and newspaper's test pages are the project's
held-out check and must never be added here.

Scores per page: body F1 (bag of word tokens for English, of characters for
Chinese, so segmentation never matters), whether the title is exactly the
expected one and whether the date is the expected day. The table reports
mean F1, pages under 0.5, titles and dates right.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / "corpus" / "devset"
FIXTURES = REPO / "tests" / "fixtures" / "extract"
SCRAPINGHUB_URL = "https://github.com/scrapinghub/article-extraction-benchmark"
HTMLDATE_URL = "https://github.com/adbar/htmldate"
TRAFILATURA_URL = "https://github.com/adbar/trafilatura"
_KANA = re.compile("[\u3040-\u30ff]")

_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"\w+")
_NOT_CHAR = re.compile(r"[\s\W_]")


@dataclass
class Page:
    name: str
    lang: str  # "en" | "zh"
    html: bytes
    body: str | None  # None: a page scored on its date only
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    url: str | None = None
    must_have: list[str] = field(default_factory=list)  # snippets the body must hold
    must_not: list[str] = field(default_factory=list)  # ... and must not


@dataclass
class Scores:
    f1: list[float] = field(default_factory=list)
    titles: int = 0
    titled: int = 0
    dates: int = 0
    dated: int = 0
    snippets: int = 0
    snippets_total: int = 0
    seconds: float = 0.0
    worst: list[tuple[float, str]] = field(default_factory=list)


# -- the page sets -------------------------------------------------------------


def scrapinghub_pages(source: Path | None = None) -> list[Page]:
    """The English benchmark pages, copied into the cache first if needed."""
    folder = CACHE / "scrapinghub"
    if not (folder / "ground-truth.json").exists():
        _fill_scrapinghub(folder, source)
    truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        path = folder / "html" / f"{key}.html.gz"
        if path.exists():
            html = gzip.decompress(path.read_bytes())
            pages.append(Page(key[:12], "en", html, item["articleBody"], url=item.get("url")))
    return pages


def _fill_scrapinghub(folder: Path, source: Path | None) -> None:
    _copy_from_repo(
        folder,
        source,
        SCRAPINGHUB_URL,
        lambda n: n == "ground-truth.json" or (n.startswith("html/") and n.endswith(".gz")),
    )


def htmldate_pages(source: Path | None = None) -> list[Page]:
    """htmldate's mediacloud 2020 pages with their dates, copied into the cache first."""
    folder = CACHE / "htmldate"
    truth_file = folder / "tests" / "eval_mediacloud_2020.json"
    if not truth_file.exists():
        _copy_from_repo(
            folder,
            source,
            HTMLDATE_URL,
            lambda n: n == "tests/eval_mediacloud_2020.json" or n.startswith("tests/test_set/"),
        )
    truth = json.loads(truth_file.read_text("utf-8"))
    pages = []
    for url, item in sorted(truth.items()):
        path = folder / "tests" / "test_set" / item["file"]
        if path.exists() and item.get("date"):
            pages.append(Page(path.stem, "", path.read_bytes(), None, date=item["date"], url=url))
    return pages


def trafilatura_zh_pages(source: Path | None = None) -> list[Page]:
    """The Chinese pages of trafilatura's evaluation, with its expected snippets."""
    folder = CACHE / "trafilatura"
    truth_file = folder / "tests" / "evaldata.json"
    if not truth_file.exists():
        _copy_from_repo(
            folder,
            source,
            TRAFILATURA_URL,
            lambda n: n == "tests/evaldata.json" or n.startswith("tests/eval/"),
        )
    truth = json.loads(truth_file.read_text("utf-8"))
    pages = []
    for url, item in sorted(truth.items()):
        snippets = " ".join(item.get("with", []))
        if not _CJK.search(snippets) or _KANA.search(snippets):
            continue
        path = folder / "tests" / "eval" / item["file"]
        if path.exists():
            pages.append(
                Page(
                    path.stem[:30],
                    "zh",
                    path.read_bytes(),
                    None,
                    title=(item.get("title") or "").strip() or None,
                    date=item.get("date"),
                    url=url,
                    must_have=item.get("with", []),
                    must_not=item.get("without", []),
                )
            )
    return pages


def _copy_from_repo(folder: Path, source: Path | None, url: str, wanted) -> None:
    """Copy the files `wanted(name)` accepts from a checkout, a bare git dir, or a clone."""
    folder.mkdir(parents=True, exist_ok=True)
    if source is None:
        tmp = folder.parent / f"_{folder.name}_clone"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["git", "clone", "--depth", "1", url, str(tmp)], check=True)
        source = tmp
    source = Path(source)
    if (source / ".git").exists() or not (source / "HEAD").exists():  # a checkout
        for path in source.rglob("*"):
            name = path.relative_to(source).as_posix()
            if path.is_file() and wanted(name):
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, folder / name)
        return
    git = ["git", "--git-dir", str(source)]
    names = subprocess.run(
        [*git, "ls-tree", "-r", "--name-only", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    for name in filter(None, names):
        if wanted(name):
            data = subprocess.run([*git, "show", f"HEAD:{name}"], check=True, capture_output=True)
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data.stdout)


def fixture_pages(folder: Path = FIXTURES, lang: str | None = None) -> list[Page]:
    """The hand-written pages (mostly Chinese) and their expected title, date and body."""
    pages = []
    for path in sorted(folder.glob("*.html")):
        expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
        pages.append(
            Page(
                path.stem,
                expected.get("lang", "zh"),
                path.read_bytes(),
                expected["body"],
                title=expected.get("title"),
                date=expected.get("date"),
                url=expected.get("url"),
            )
        )
    return [p for p in pages if lang is None or p.lang == lang]


# -- the extractors -------------------------------------------------------------


def run_newsarchive(page: Page) -> tuple[str, str | None, str | None]:
    from indexer.extract import enrich
    from indexer.sources import SourceError
    from indexer.sources.html import articles_from_html

    try:
        [article] = articles_from_html(page.html)[:1]
    except (SourceError, ValueError):
        return "", None, None
    if page.url and not article.url:
        article.url = page.url
    article = enrich(article)
    return article.body, article.title, article.date.iso


def run_trafilatura(page: Page) -> tuple[str, str | None, str | None]:
    import trafilatura

    from indexer.sources.encoding import declared_html_charset, decode

    html = decode(page.html, declared_html_charset(page.html))
    doc = trafilatura.bare_extraction(html, url=page.url, with_metadata=True)
    if not doc:
        return "", None, None
    doc = doc.as_dict() if hasattr(doc, "as_dict") else doc
    return doc.get("text") or "", doc.get("title"), doc.get("date")


SYSTEMS = {"newsarchive": run_newsarchive, "trafilatura": run_trafilatura}


# -- scoring ----------------------------------------------------------------------


def body_f1(expected: str, got: str, lang: str) -> float:
    """Token F1 for English, character F1 for Chinese (bags, so order is ignored)."""
    if lang == "zh" or _CJK.search(expected):
        want, have = Counter(_NOT_CHAR.sub("", expected)), Counter(_NOT_CHAR.sub("", got))
    else:
        want = Counter(w.lower() for w in _WORD.findall(expected))
        have = Counter(w.lower() for w in _WORD.findall(got))
    common = sum((want & have).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _same_title(expected: str, got: str | None) -> bool:
    return got is not None and " ".join(expected.split()) == " ".join(got.split())


def score(pages: list[Page], system: str, log=None) -> Scores:
    run = SYSTEMS[system]
    out = Scores()
    for page in pages:
        started = time.perf_counter()
        body, title, date = run(page)
        out.seconds += time.perf_counter() - started
        if page.body is not None:
            f1 = body_f1(page.body, body, page.lang)
            out.f1.append(f1)
            out.worst.append((f1, page.name))
        for snippet in page.must_have:
            out.snippets_total += 1
            out.snippets += snippet in body
        for snippet in page.must_not:
            out.snippets_total += 1
            out.snippets += snippet not in body
        if page.title is not None:
            out.titled += 1
            out.titles += _same_title(page.title, title)
        if isinstance(page.date, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", page.date):
            out.dated += 1
            ok = (date or "")[:10] == page.date
            out.dates += ok
            if log and not ok:
                log(f"  {system} date {page.name}: {date} (expected {page.date})")
        if log and page.title is not None and not _same_title(page.title, title):
            log(f"  {system} title {page.name}: {title!r} (expected {page.title!r})")
    out.worst.sort()
    return out


def table(results: dict[str, dict[str, Scores]]) -> str:
    lines = [
        "| set | system | pages | mean body F1 | pages under 0.5 | body snippets right "
        "| titles right | dates right | ms/page |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for set_name, by_system in results.items():
        for system, s in by_system.items():
            n = len(s.f1) or max(s.dated, s.titled)
            mean = f"{sum(s.f1) / len(s.f1):.3f}" if s.f1 else "–"
            under = sum(f < 0.5 for f in s.f1) if s.f1 else "–"
            titles = f"{s.titles}/{s.titled}" if s.titled else "–"
            dates = f"{s.dates}/{s.dated}" if s.dated else "–"
            ms = 1000 * s.seconds / max(n, 1)
            snippets = f"{s.snippets}/{s.snippets_total}" if s.snippets_total else "–"
            cells = [set_name, system, n, mean, under, snippets, titles, dates, f"{ms:.0f}"]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)
