"""Which segments a commit merges: small ones in tiers, never the big ones.

Whoosh's default policy (`MERGE_SMALL`) sorts the segments smallest first and
merges every one up to the first point where their running total of
documents falls below a Fibonacci number. A rebuild writes a segment per
worker every 50,000 articles, so 26 segments of 25,000 articles (650,000
articles, below fib(30) = 832,040) made the 13th round's commit merge all of
them into one, in the parent, on one core: the 1M benchmark found it, a
rebuild stalled for most of an hour spilling the merge's postings. And the
first cron run after such a rebuild would have done the same.

Here a segment is put in a tier by the order of magnitude of its live
documents (1-9, 10-99, 100-999, 1,000-9,999); when a tier holds
`MERGE_FACTOR` segments they are merged into one, so the small segments that
cron runs add every 15 minutes are merged ten at a time, each article about
once per tier. Segments of `BIG_SEGMENT` live articles or more are never
merged by a commit: at most a rebuild (`newsarchive index --rebuild`) writes
them anew. A segment whose articles were all deleted is dropped.
"""

from __future__ import annotations

import math
from collections import defaultdict

MERGE_FACTOR = 10  # segments of one tier merged together
BIG_SEGMENT = 10_000  # live articles from which a segment is left as it is


def tier(live: int) -> int:
    return int(math.log10(live)) if live > 0 else 0


def merge_tiers(writer, segments: list) -> list:
    """Whoosh merge policy: hands the segments to merge to `writer`, returns the rest."""
    from whoosh.reading import SegmentReader

    tiers: dict[int, list] = defaultdict(list)
    kept = []
    for segment in segments:
        live = segment.doc_count()
        if live == 0:
            continue  # nothing left in it: no longer in the index
        if live < BIG_SEGMENT:
            tiers[tier(live)].append(segment)
        kept.append(segment)
    merged = set()
    for level in sorted(tiers):
        group = tiers[level]
        if len(group) < MERGE_FACTOR:
            continue
        for segment in group:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
            merged.add(id(segment))
    return [s for s in kept if id(s) not in merged]
