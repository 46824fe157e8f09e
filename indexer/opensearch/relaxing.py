"""No dead ends on a cluster: when no article has all the words, the ones with most of them.

The same rule as Whoosh's (`indexer.index.relaxing`): a query of everyday
words finding fewer than `RELAX_BELOW` articles also finds those matching
at least half of its words (or, when none does, as many as any article
does), ranked by how many they match, then by score. Quoted phrases,
explicit `AND` groups and field filters stay required; negations still
exclude.

Ranking by the number of words matched is a score: each word is a clause
worth `TIER` plus its own score, so a document matching k words scores
k x TIER plus its BM25, and `minimum_should_match` keeps at least the
words needed. (BM25 sums stay far below `TIER`.)
"""

from __future__ import annotations

from indexer.opensearch.translation import Translation, all_of

TIER = 10_000.0


def relaxable_units(translation: Translation, tree) -> tuple[list, list, list] | None:
    """(word clauses, required clauses, excluded clauses), or None under two words."""
    units, required, excluded = translation.word_units(tree)
    return (units, required, excluded) if len(units) >= 2 else None


def tiered_query(units: list, required: list, excluded: list, needed: int) -> dict:
    """Documents matching at least `needed` of `units`, scored TIER per unit plus BM25."""
    should = [
        {
            "bool": {
                "should": [unit, {"constant_score": {"filter": unit, "boost": TIER}}],
                "minimum_should_match": 1,
            }
        }
        for unit in units
    ]
    query: dict = {"should": should, "minimum_should_match": needed}
    if required:
        query["filter"] = required
    if excluded:
        query["must_not"] = excluded
    return {"bool": query}


def partial_only(query: dict, units: list) -> dict:
    """`query` without the documents that match every unit."""
    return {"bool": {"must": [query], "must_not": [all_of(units)]}}


def tier_of(score: float | None) -> int:
    return int(score // TIER) if score else 0
