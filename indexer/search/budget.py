"""A time budget per search: an expensive query is refused, not left to hold a worker.

A gunicorn worker answers one search at a time per index view; a query
that reads the postings of thirty common words, or checks a phrase with a
word repeated six times against every candidate, would keep it for most
of a second at 100k articles, and a few such requests in a row would
stall everyone else's. So the evaluation looks at the clock between its
steps (each term, each phrase word, each stage of the search) and gives up
with `QueryTooExpensive` once the budget is spent; the API answers 503
with advice. Steps are short (one posting list, one phrase word), so a
refusal comes soon after the budget ends, and nothing half-computed is
kept: caches only ever hold finished entries. The OpenSearch backend
checks the same budget between its requests and hands it to the cluster
as each search's `timeout`.
"""

from __future__ import annotations

import time

from indexer.search.errors import QueryTooExpensive
from indexer.search.query import Or, Phrase, Prefix, leaves


class Budget:
    def __init__(self, seconds: float | None, tree=None):
        self.deadline = None if seconds is None else time.perf_counter() + seconds
        self.seconds = seconds
        self.tree = tree

    def check(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise QueryTooExpensive(advice(self.tree, self.seconds))


UNLIMITED = Budget(None)


def advice(tree, seconds: float | None) -> str:
    """What to change, from the query's shape."""
    tips = []
    words = list(leaves(tree)) if tree is not None else []
    if _widest_or(tree) > 4:
        tips.append("use fewer OR terms")
    if any(isinstance(w, Prefix) for w in words):
        tips.append("type a longer prefix before *")
    if any(isinstance(w, Phrase) for w in words):
        tips.append("make the quoted phrase more specific")
    tips.append("add a filter (a date range, a place or a language)")
    limit = f"{seconds * 1000:.0f} ms" if seconds is not None else "its time limit"
    return f"this query would take longer than {limit} to answer; " + ", or ".join(tips)


def _widest_or(node) -> int:
    if isinstance(node, Or):
        return max(len(node.children), *(_widest_or(c) for c in node.children))
    children = getattr(node, "children", None)
    if children:
        return max(_widest_or(c) for c in children)
    child = getattr(node, "child", None)
    return _widest_or(child) if child is not None else 0
