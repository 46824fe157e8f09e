"""No dead ends: when no article has all the words, the ones with most of them.

A query of everyday words is an implicit AND, and one word the archive
lacks (a typo, a word the article did not use, one word too many in a
pasted fragment) used to empty the whole result. When the strict query
finds fewer than `RELAX_BELOW` articles, the searcher asks this module for
the articles that match at least half of the words (or, when none does,
as many as any article does), ranked by how many
they match and then by score, and says so in the result
(`{"matched_words": 3, "of": 4}`).

What stays strict: quoted phrases, groups joined with an explicit `AND`,
field filters and negations apply to every relaxed candidate as they did.
Each word counts once: a Chinese word counts each of its segmented words,
an `OR` group or a prefix counts as one word. Stop words do not count.
"""

from __future__ import annotations

import numpy as np

from indexer.index.evaluation import Evaluation
from indexer.index.matches import Matches

RELAX_BELOW = 3  # strict results below which partial matches are added


def relaxed_matches(evaluation: Evaluation, tree) -> tuple[Matches, np.ndarray, int] | None:
    """Matches of at least half the words, each with how many it matched.

    Returns (matches, counts aligned with matches.docs, number of words), or
    None when the query has fewer than two words to count.
    """
    units, required, excluded = evaluation.word_units(tree)
    if len(units) < 2:
        return None
    view = evaluation.view
    n = view.doc_count_all
    counts = np.zeros(n, dtype=np.int32)
    scores = np.zeros(n, dtype=np.float64)
    for m in units:
        counts[m.docs] += 1
        scores[m.docs] += m.scores
    allowed = view.live.copy()
    for m in required:
        keep = np.zeros(n, dtype=bool)
        keep[m.docs] = True
        allowed &= keep
    for m in excluded:
        allowed[m.docs] = False
    # At least half of the words; fewer only when no article has half.
    best = int(counts[allowed].max()) if allowed.any() else 0
    needed = max(1, min(-(-len(units) // 2), best))
    docs = np.flatnonzero(allowed & (counts >= needed)).astype(np.int64)
    matches = Matches(docs, scores[docs].astype(np.float32))
    return matches, counts[docs], len(units)
