"""Related articles for an article page: more like this, from the index itself."""

from __future__ import annotations

import numpy as np

from indexer.analysis import analyze
from indexer.index.matches import Matches, union
from indexer.search.summaries import doc_summary


def related_articles(view, docnum: int, doc: dict, limit: int = 5) -> list[dict]:
    """The articles most like `doc`: its most distinctive terms (tf-idf), OR-ed."""

    text = f"{doc['title']}\n{doc['body'][:5000]}"
    counts: dict[str, int] = {}
    for term, *_ in analyze(text, mode="query"):
        if len(term) > 1 and not term.isdigit():
            counts[term] = counts.get(term, 0) + 1
    n = max(view.live_count, 1)
    weighted = []
    for term, tf in counts.items():
        df = len(view.postings("body", term)[0])
        if df <= 1 or df > n * 0.5:
            continue
        weighted.append((tf * np.log(n / df), term))
    weighted.sort(reverse=True)
    matches = Matches.empty()

    for _w, term in weighted[:12]:
        matches = union(matches, view.term_matches("body", term))
    keep = matches.docs != docnum
    docs, scores = matches.docs[keep], matches.scores[keep]
    order = np.argsort(-scores, kind="stable")[:limit]
    return [doc_summary(view.searcher.stored_fields(int(docs[i]))) for i in order]
