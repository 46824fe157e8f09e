"""Reading thousands of stored articles for an export without holding them all.

A search reads only the page it shows; an export reads up to 10,000
articles, some with long bodies. They are read `BATCH` at a time, each
batch under the view's lock (Whoosh's readers share file handles, see
`Searcher._with_retry`), and handed on one by one, so memory holds one
batch whatever the export's size, and searches from other threads get the
lock between batches while a slow client drains a long download.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from indexer.search.summaries import doc_summary

BATCH = 200  # stored articles read per hold of a view's lock


def stored_articles(view, docs: np.ndarray, body: bool) -> Iterator[dict]:
    """The summary of each of `docs` (global document numbers), in their order."""
    for start in range(0, len(docs), BATCH):
        chunk = docs[start : start + BATCH].tolist()
        with view.lock:
            batch = [view.searcher.stored_fields(d) for d in chunk]
        for stored in batch:
            article = doc_summary(stored)
            if body:
                article["body"] = stored.get("body", "")
            yield article
