"""The most expensive query shapes, found by trying them: `python -m bench shapes --index DIR`.

A public search box meets queries written to be slow. Rather than guess,
this walks a small grid of the shapes known to cost most in this engine,
built from the index's own most common words (the worst case for each):

* `or-k`: an OR of the k most common words (k up to the parser's 64 terms);
* `and-k`: the same words AND-ed;
* `phrase-repeat-r`: the most common word repeated r times in quotes (every
  candidate's positions are read and matched);
* `phrase-common-k`: k common words in quotes;
* `prefix`: the two-letter prefix with the most words under the 256 limit;
* `deep-page`: a common word's last allowed page (page 1000 of 100);
* `pasted`: a long pasted sentence of common words (the fragment check).

Each runs once on a fresh searcher (nothing cached: the first time is what
a flood of new queries costs) with no time budget, then once under the
service's default budget, and the table says how long it took and whether
the budget refused it.
"""

from __future__ import annotations

import time
from pathlib import Path

from indexer.index.searcher import Searcher
from indexer.search.errors import QueryError, QueryTooExpensive
from indexer.search.request import SearchRequest
from indexer.settings import SETTINGS_BY_NAME


def common_words(index: Path, n: int = 64) -> list[str]:
    with Searcher(index) as searcher:
        view = searcher.view()
        counts = []
        for btext, info in view.reader.iter_field("body"):
            text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            if text.isalpha() and len(text) > 2:
                counts.append((info.doc_frequency(), text))
        counts.sort(reverse=True)
        return [t for _df, t in counts[:n]]


def widest_prefix(index: Path) -> str:
    with Searcher(index) as searcher:
        view = searcher.view()
        best, size = "de", 0
        for a in "abcdefghijklmnopqrstuvwxyz":
            for b in "abcdefghijklmnopqrstuvwxyz":
                try:
                    n = len(view.prefix_terms("body", a + b))
                except QueryError:
                    continue
                if n > size:
                    best, size = a + b, n
        return best


def shapes(index: Path) -> list[tuple[str, SearchRequest]]:
    words = common_words(index)
    top = words[0]
    out = []
    for k in (2, 8, 16, 32, 64):
        out.append((f"or-{k}", SearchRequest(q=" OR ".join(words[:k]))))
    for k in (4, 16):
        out.append((f"and-{k}", SearchRequest(q=" ".join(words[:k]))))
    for r in (2, 4, 6, 8):
        out.append((f"phrase-repeat-{r}", SearchRequest(q='"' + " ".join([top] * r) + '"')))
    out.append(("phrase-common-4", SearchRequest(q='"' + " ".join(words[:4]) + '"')))
    out.append(("prefix", SearchRequest(q=widest_prefix(index) + "*")))
    out.append(("deep-page", SearchRequest(q=top, page=1000, per_page=100)))
    out.append(("pasted", SearchRequest(q=" ".join(words[:12]))))
    return out


def run(index: Path, log=print) -> dict:
    from indexer.analysis import get_segmenter

    get_segmenter()  # loaded once per process: not any query's cost
    budget_ms = SETTINGS_BY_NAME["QUERY_TIMEOUT_MS"].default
    rows = []
    for name, request in shapes(index):
        row = {"shape": name, "q": request.q[:80]}
        for label, timeout in (("unlimited", None), ("budget", budget_ms)):
            with Searcher(index, query_timeout_ms=timeout) as searcher:
                searcher.view()  # opening the index is not the query's cost
                started = time.perf_counter()
                try:
                    result = searcher.search(request)
                    row[f"{label}_total"] = result.total
                    row[f"{label}_outcome"] = "answered"
                except QueryTooExpensive:
                    row[f"{label}_outcome"] = "refused"
                except QueryError as exc:
                    row[f"{label}_outcome"] = f"400: {exc}"
                row[f"{label}_ms"] = round((time.perf_counter() - started) * 1000, 1)
        log(f"{name}: {row['unlimited_ms']} ms, {row['budget_outcome']} under {budget_ms} ms")
        rows.append(row)
    return {"index": str(index), "budget_ms": budget_ms, "shapes": rows}


def markdown(results: dict) -> str:
    lines = [
        f"| shape | first time, no budget | under the {results['budget_ms']} ms budget |",
        "|---|---|---|",
    ]
    for r in results["shapes"]:
        lines.append(
            f"| {r['shape']} | {r['unlimited_ms']} ms | {r['budget_outcome']} "
            f"({r['budget_ms']} ms) |"
        )
    return "\n".join(lines)
