"""Everything a query needs from one opened index, as arrays: the `IndexView`.

An `IndexView` belongs to one Whoosh searcher (one index generation and
commit); the service replaces it, never mutates it, when the index changes.
It holds the columns of every segment merged into arrays (dates, lengths,
coded facet values, places) and the stories copies belong to
(`stories`), reads postings into arrays and scores them
with BM25 for all matches at once, and keeps what queries read again in
bounded caches (`caches`). What comes from one segment alone (its columns,
place bitmaps, postings and decoded blocks) lives in `segments`, shared
with the views before and after this one.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from indexer.analysis.bigrams import gram_keys
from indexer.index.caches import SizedCache
from indexer.index.columns import CODED_FIELDS, PLACE_FIELDS
from indexer.index.counting import SegmentedCounter
from indexer.index.foreground import no_pause
from indexer.index.matches import EMPTY_DOCS, EMPTY_SCORES, Matches, locate
from indexer.index.segments import DECODED, SEGMENTS, live_mask
from indexer.index.stories import Stories
from indexer.index.whoosh_postings import leaf_values, paused_gc
from indexer.search.query import QueryError

K1 = 1.2

B = 0.75

FIELD_WEIGHTS = {"title": 2.0, "body": 1.0}

MAX_PREFIX_TERMS = 256

POSTINGS_CACHE = 2048  # terms whose postings are kept per view

WARM_TERMS = 256  # a view after a commit reads the terms its predecessor read last...
WARM_SECONDS = 0.5  # ...for at most this long
MASK_CACHE = 64  # filter masks kept per view (100 kB each at 100k documents)


PHRASE_CACHE_BYTES = 8 * 2**20  # verified phrases kept per view, by their arrays' size

EVALUATION_CACHE_BYTES = 16 * 2**20  # queries' matches kept per view (`Evaluation.run`)

STORED_CACHE_BYTES = 4 * 2**20  # stored articles kept per view, by their text's length

FRAGMENT_CACHE_BYTES = 4 * 2**20  # documents checked for pasted fragments, per view

BIGRAM_FIELD = "grams"

BIGRAM_SCORE = 0.001  # a span found only by its bigrams ranks below every word match


class IndexView:
    """Everything a query needs from one opened index, as arrays."""

    def __init__(self, searcher, gazetteer=None, previous: IndexView | None = None, pause=no_pause):
        """`previous`: the view this one replaces, whose unchanged parts it may keep.

        `pause()`: called between the steps of building the view, to let
        requests served meanwhile go first (see `foreground`).
        """
        self.searcher = searcher
        self.generation_name: str | None = None  # set by the Searcher that serves it
        self.reader = searcher.reader()
        # Held by whoever reads through `reader` (see Searcher._with_retry).
        self.lock = threading.RLock()
        self.gazetteer = gazetteer
        self.schema = searcher.schema
        leaves = self.reader.leaf_readers()
        self.leaves = leaves
        self.doc_count_all = self.reader.doc_count_all()
        self.segments = []
        for reader, _off in leaves:
            self.segments.append(SEGMENTS.get(reader))
            pause()
        self._leaf_starts = np.array([off for _r, off in leaves], dtype=np.int64)
        segs = [(seg.arrays, off) for seg, (_r, off) in zip(self.segments, leaves, strict=True)]
        n = self.doc_count_all
        self.live = np.zeros(n, dtype=bool)
        self.date = np.zeros(n, dtype=np.int32)
        self.lengths = {f: np.ones(n, dtype=np.float32) for f in FIELD_WEIGHTS}
        for (reader, off), (arr, _off) in zip(leaves, segs, strict=True):
            sl = slice(off, off + arr.doc_count)
            self.live[sl] = live_mask(reader, arr.doc_count)
            self.date[sl] = arr.date
            for f in FIELD_WEIGHTS:
                self.lengths[f][sl] = arr.lengths[f]
        pause()
        self.live_count = int(self.live.sum())
        started = time.perf_counter()
        self.stories = Stories.of(
            [(seg.stories, off) for seg, (_r, off) in zip(self.segments, leaves, strict=True)],
            self.live,
            self.date,
            pause=pause,
        )
        self.stories_seconds = time.perf_counter() - started  # the bench reads it
        self.avg_length = {
            f: float(self.lengths[f][self.live].mean()) if self.live_count else 1.0
            for f in FIELD_WEIGHTS
        }
        self._remaps: dict = {}  # field -> each segment's codes in the merged vocabulary
        self.coded = {}
        for f in CODED_FIELDS:
            pause()
            self.coded[f] = self._merge_coded(segs, f)
        self.multi = {}
        for f in PLACE_FIELDS:
            pause()
            self.multi[f] = self._merge_multi(segs, f)
        pause()
        vocab = self.multi["places_all"][2]
        self.place_counter = SegmentedCounter(
            [
                (off, seg.place_counter, remap)
                for seg, (_r, off), remap in zip(
                    self.segments, leaves, self._remaps["places_all"], strict=True
                )
            ],
            len(vocab),
        )
        # (docs, tfs) and block directories of each term read, by entries
        self._postings = SizedCache(POSTINGS_CACHE)
        self._masks = SizedCache(MASK_CACHE)  # filter masks, by entries
        self._ranks: dict = {}  # one array per facet field: bounded by the schema
        if previous is not None:  # a vocabulary the commit left as it was keeps its ranks
            for field, rank in previous._ranks.items():
                if self._vocab(field) == previous._vocab(field):
                    self._ranks[field] = rank
        self.decoded = DECODED
        self.phrases = SizedCache(PHRASE_CACHE_BYTES)
        self.evaluations = SizedCache(EVALUATION_CACHE_BYTES)
        self._stored = SizedCache(STORED_CACHE_BYTES)
        self.fragments = SizedCache(FRAGMENT_CACHE_BYTES)  # fragment -> {docnum: held}
        if previous is not None:
            self._warm_from(previous, pause)

    def _warm_from(self, previous: IndexView, pause=no_pause) -> None:
        """Read the terms the previous view read last, so the words people are asking
        now are as quick after a commit as before it.

        A view after a commit is built aside while the previous one answers
        (`views`), so this costs users nothing; unchanged segments' postings
        come from `segments`, only new segments are read.
        """
        started = time.perf_counter()
        for field, term in previous._postings.recent_keys(WARM_TERMS):
            if time.perf_counter() - started > WARM_SECONDS:
                break
            pause()
            self.postings(field, term)

    # -- columns -------------------------------------------------------
    def _merge_coded(self, segs, field):
        vocab = [""]
        table = {"": 0}
        codes = np.zeros(self.doc_count_all, dtype=np.int32)
        for arr, off in segs:
            seg_codes, seg_vocab = arr.coded[field]
            remap = _remap(seg_vocab, vocab, table)
            codes[off : off + arr.doc_count] = remap[seg_codes]
        return codes, vocab, table

    def _vocab(self, field: str) -> list:
        return self.multi[field][2] if field in self.multi else self.coded[field][1]

    def _merge_multi(self, segs, field):
        vocab: list = []
        table: dict = {}
        all_codes, all_docs = [], []
        remaps = self._remaps[field] = []
        for arr, off in segs:
            multi, seg_vocab = arr.multi[field]
            remap = _remap(seg_vocab, vocab, table)
            remaps.append(remap)
            all_codes.append(remap[multi.codes] if len(multi.codes) else multi.codes)
            all_docs.append(multi.docs + off)
        codes = np.concatenate(all_codes) if all_codes else np.empty(0, dtype=np.int32)
        docs = np.concatenate(all_docs) if all_docs else np.empty(0, dtype=np.int64)
        return codes, docs, vocab, table

    def vocab_rank(self, field: str) -> np.ndarray:
        """Each value's place in the sorted vocabulary of a coded or place field.

        Facet values are ordered by count, then by value; with the ranks
        numpy does that ordering, not a Python sort per query.
        """
        rank = self._ranks.get(field)
        if rank is None:
            vocab = self._vocab(field)
            rank = np.empty(len(vocab), dtype=np.int64)
            rank[sorted(range(len(vocab)), key=vocab.__getitem__)] = np.arange(len(vocab))
            self._ranks[field] = rank
        return rank

    def _cached_mask(self, key, make) -> np.ndarray:
        """Filter masks are reused: people click the same facets again and again.

        Callers must not modify the returned array.
        """
        mask = self._masks.get(key)
        if mask is not None:
            return mask
        mask = make()
        mask.flags.writeable = False
        self._masks.put(key, mask)
        return mask

    def coded_mask(self, field: str, values) -> np.ndarray:
        codes, _vocab, table = self.coded[field]
        wanted = sorted({table[v] for v in values if v in table})

        def make():
            if not wanted:
                return np.zeros(self.doc_count_all, dtype=bool)
            return np.isin(codes, wanted)

        return self._cached_mask(("coded", field, tuple(wanted)), make)

    def place_mask(self, place_ids, field: str = "places_all") -> np.ndarray:
        codes, docs, _vocab, table = self.multi[field]
        wanted = sorted({table[p] for p in place_ids if p in table})

        def make():
            mask = np.zeros(self.doc_count_all, dtype=bool)
            if wanted:
                mask[docs[np.isin(codes, wanted)]] = True
            return mask

        return self._cached_mask(("place", field, tuple(wanted)), make)

    def story_mask(self, doc_id: str) -> np.ndarray:
        """The articles of the story that the article `doc_id` belongs to (none if absent)."""

        def make():
            docnum = self.searcher.document_number(id=doc_id)
            if docnum is None:
                return np.zeros(self.doc_count_all, dtype=bool)
            return self.stories.mask(docnum) & self.live

        return self._cached_mask(("story", doc_id), make)

    def date_mask(self, lo: int, hi: int) -> np.ndarray:
        return self._cached_mask(("date", lo, hi), lambda: (self.date >= lo) & (self.date <= hi))

    def stored_fields(self, docnum: int) -> dict:
        """An article's stored fields; callers must not modify the dict.

        A search of several words reads its best-scored articles' text to
        find a pasted fragment (`selection.stored_text`), then the page's
        articles for their snippets: mostly the same articles, each a
        decompression and an unpickling. Kept per view, a few megabytes.
        """
        stored = self._stored.get(docnum)
        if stored is None:
            stored = self.searcher.stored_fields(docnum)
            size = len(stored.get("title", "")) + len(stored.get("body", "")) + 500
            self._stored.put(docnum, stored, size)
        return stored

    def open_stored_columns(self, pause=no_pause) -> None:
        """Open each segment's column of stored articles now, not in a user's request.

        Whoosh writes the offsets of a segment's stored articles only when it
        holds more than 32,768 of them; for smaller ones (most of ours) it
        adds up their lengths in a Python loop when the column is first read
        (about 2 ms per 10,000 articles), per segment and per view. The
        first search after a worker started or a commit paid it for every
        segment its page touched.
        """
        for reader, _offset in self.leaves:
            if reader.doc_count_all():
                pause()
                reader.stored_fields(0)

    # -- postings --------------------------------------------------------
    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docs, term frequencies) of one term in one field, live docs only."""
        key = (field, term)
        hit = self._postings.get(key)
        if hit is not None:
            return hit[0]
        docs_parts, tf_parts, blocks = [], [], []
        btext = term.encode("utf-8")
        boost = self.schema[field].format.field_boost or 1.0
        with paused_gc():
            for segment, (reader, offset) in zip(self.segments, self.leaves, strict=True):
                ids, weights, leaf_blocks = segment.postings(reader, field, btext)
                blocks.append(leaf_blocks)
                if len(ids):
                    docs_parts.append(np.add(ids, offset, dtype=np.int64))
                    tf_parts.append(weights / boost)
        if docs_parts:
            docs = np.concatenate(docs_parts)
            tfs = np.concatenate(tf_parts).astype(np.float32)
            keep = self.live[docs]
            result = (docs[keep], tfs[keep])
        else:
            result = (EMPTY_DOCS, EMPTY_SCORES)
        self._postings.put(key, (result, blocks))
        return result

    def postings_values(self, field: str, term: str, docs, keep: bool = True) -> dict[int, bytes]:
        """The encoded posting value (positions, offsets) of `term` in each of `docs`.

        Reading a long posting list up to a few documents used to mean
        stepping through every block header before them (a seek and an
        unpickle each: most of a results page's snippet cost at 100k
        documents). The block directory kept from reading the postings
        sends each document straight to its block.

        Decoded blocks are kept for the next query (see `DecodedBlocks`)
        unless `keep` is false: a phrase check over thousands of candidates
        would push out the blocks that results pages keep coming back to.
        """
        key = (field, term)
        entry = self._postings.get(key)
        if entry is None:
            self.postings(field, term)
            entry = self._postings.get(key)
        blocks = entry[1] if entry is not None else None
        docs = np.asarray(sorted(docs), dtype=np.int64)
        found: dict[int, bytes] = {}
        if blocks is None or not len(docs):
            return found
        btext = term.encode("utf-8")
        fixed_size = self.schema[field].format.fixed_value_size()
        if fixed_size is not None and fixed_size < 0:
            fixed_size = None  # variable-size values, as read_block reads them
        # The segment of each document, and where each segment's run of them ends.
        which = np.searchsorted(self._leaf_starts, docs, side="right") - 1
        ends = [*(np.flatnonzero(np.diff(which)) + 1).tolist(), len(docs)]
        lo = 0
        with paused_gc():
            for hi in ends:
                i = int(which[lo])
                segment, (leaf, offset) = self.segments[i], self.leaves[i]
                cache = (self.decoded, (segment.key, field, btext), keep)
                leaf_values(
                    leaf,
                    field,
                    btext,
                    blocks[i],
                    docs[lo:hi] - offset,
                    offset,
                    found,
                    cache,
                    segment.postings_file(leaf) if fixed_size is None else None,
                )
                lo = hi
        return found

    def phrase_positions(self, field: str, term: str, docs: np.ndarray):
        """(index into `docs`, position) of every occurrence of `term` in sorted `docs`.

        From the segments' stored arrays (`postings_arrays`), without
        decoding a posting block; None when a segment holding the term has
        no stored positions for it.
        """
        btext = term.encode("utf-8")
        idx_parts, pos_parts = [], []
        for segment, (reader, offset) in zip(self.segments, self.leaves, strict=True):
            lo, hi = np.searchsorted(docs, [offset, offset + segment.doc_count])
            if lo == hi:
                continue
            found = segment.positions(reader, field, btext)
            if found is None:
                return None
            term_docs, starts, positions = found
            if not len(term_docs):
                continue
            local = docs[lo:hi] - offset
            rows = np.minimum(np.searchsorted(term_docs, local), len(term_docs) - 1)
            hit = term_docs[rows] == local
            rows = rows[hit]
            first, counts = starts[rows], starts[rows + 1] - starts[rows]
            ends = np.cumsum(counts)
            take = np.repeat(first - (ends - counts), counts) + np.arange(
                int(ends[-1]) if len(ends) else 0
            )
            idx_parts.append(np.repeat(np.flatnonzero(hit) + lo, counts))
            pos_parts.append(positions[take].astype(np.int64))
        if not idx_parts:
            return EMPTY_DOCS, EMPTY_DOCS
        return np.concatenate(idx_parts), np.concatenate(pos_parts)

    def term_matches(self, field: str, term: str) -> Matches:
        docs, tfs = self.postings(field, term)
        if not len(docs):
            return Matches.empty()
        df = len(docs)
        n = max(self.live_count, 1)
        idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        dl = self.lengths[field][docs]
        norm = K1 * (1.0 - B + B * dl / self.avg_length[field])
        scores = idf * tfs * (K1 + 1.0) / (tfs + norm) * FIELD_WEIGHTS[field]
        return Matches(docs, scores.astype(np.float32))

    def bigram_matches(self, text: str) -> Matches:
        """Documents holding every hashed bigram key of `text` (see `analysis.bigrams`).

        A superset of the documents holding its bigrams: keys are shared.
        Rarest bigram first, so the candidates shrink as fast as they can.
        Scored at `BIGRAM_SCORE`: below any document its words found.
        """
        if BIGRAM_FIELD not in self.schema:  # an index built before the field
            return Matches.empty()
        grams = gram_keys(text)
        if not grams:
            return Matches.empty()
        lists = sorted((self.postings(BIGRAM_FIELD, g)[0] for g in grams), key=len)
        docs = lists[0]
        for other in lists[1:]:
            if not len(docs):
                break
            hit, _idx = locate(other, docs)
            docs = docs[hit]
        return Matches(docs, np.full(len(docs), BIGRAM_SCORE, dtype=np.float32))

    def prefix_terms(self, field: str, prefix: str) -> list[str]:
        terms = []
        for btext in self.reader.expand_prefix(field, prefix):
            terms.append(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
            if len(terms) > MAX_PREFIX_TERMS:
                raise QueryError(
                    f"'{prefix}*' matches too many words (more than {MAX_PREFIX_TERMS}); "
                    "type more letters"
                )
        return terms

    # -- evaluation ------------------------------------------------------
    def all_live(self) -> Matches:
        docs = np.flatnonzero(self.live).astype(np.int64)
        return Matches(docs, np.zeros(len(docs), dtype=np.float32))


def _remap(seg_vocab, vocab: list, table: dict) -> np.ndarray:
    """Each of a segment's value codes as a code of the merged vocabulary (extended as needed)."""
    remap = np.empty(len(seg_vocab), dtype=np.int32)
    for i, v in enumerate(seg_vocab):
        code = table.get(v)
        if code is None:
            code = table[v] = len(vocab)
            vocab.append(v)
        remap[i] = code
    return remap
