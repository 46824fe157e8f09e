"""Query execution over Whoosh's postings with numpy: match, score, count.

Whoosh's own searcher scores every match one document at a time in Python
(even with `limit=10`), which is what makes it slow on common words. Here a
term's postings are read block by block straight into arrays, boolean logic
is set algebra on sorted document arrays, BM25 is computed for all matches
at once, and facets are `bincount`s over column arrays (see `columns`).
Phrases are verified with the stored positions, only on documents that
already contain every word of the phrase.

An `IndexView` belongs to one Whoosh searcher (one index generation and
commit); the service replaces it, never mutates it, when the index changes.
"""

from __future__ import annotations

import gc
import math
import threading
from bisect import bisect_left
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate, chain, pairwise
from operator import itemgetter
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Characters
from whoosh.matching import ReadTooFar
from whoosh.system import _INT_SIZE

from indexer.analysis import query_terms
from indexer.analysis.bigrams import cjk_bigrams
from indexer.index.budget import UNLIMITED, Budget
from indexer.index.columns import CODED_FIELDS, PLACE_FIELDS, SegmentCache
from indexer.index.counting import MultiCounter
from indexer.query import (
    And,
    FieldFilter,
    MatchAll,
    Not,
    OnlyStopWords,
    Or,
    Phrase,
    Prefix,
    QueryError,
    Term,
)

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = {"title": 2.0, "body": 1.0}
MAX_PREFIX_TERMS = 256
DENSE_RATIO = 16  # a union this share of the archive or more is added densely
MASK_CACHE = 64  # filter masks kept per view (100 kB each at 100k documents)
PHRASE_KEEP_CANDIDATES = 512  # phrase checks with more candidates leave no decoded blocks behind
BLOCK_CACHE_BYTES = 24 * 2**20  # decoded posting blocks kept per view, by their values' size
PHRASE_CACHE_BYTES = 8 * 2**20  # verified phrases kept per view, by their arrays' size
FRAGMENT_CACHE_BYTES = 4 * 2**20  # documents checked for pasted fragments, per view
BIGRAM_FIELD = "grams"
BIGRAM_SCORE = 0.001  # a span found only by its bigrams ranks below every word match
EMPTY_DOCS = np.empty(0, dtype=np.int64)
EMPTY_SCORES = np.empty(0, dtype=np.float32)

_segment_cache = SegmentCache()


@contextmanager
def paused_gc():
    """Hold Python's cyclic garbage collector while postings are unpickled.

    Unpickling a common term's postings creates hundreds of thousands of
    tuples and lists; every 700 of them the collector runs, and now and
    then it walks the whole heap (jieba's dictionary, the gazetteer, the
    columns). Measured on "develop" at 100k documents: 111 ms to load its
    positions with the collector running, 17 ms without. Nothing decoded
    here forms reference cycles, so the pause only defers the work to one
    collection afterwards. Nested and concurrent pauses only re-enable what
    they found enabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Matches:
    docs: np.ndarray  # sorted global document numbers
    scores: np.ndarray  # aligned with docs

    @classmethod
    def empty(cls):
        return cls(EMPTY_DOCS, EMPTY_SCORES)


def _union(a: Matches, b: Matches) -> Matches:
    if not len(a.docs):
        return b
    if not len(b.docs):
        return a
    size = int(max(a.docs[-1], b.docs[-1])) + 1
    if len(a.docs) + len(b.docs) < size // DENSE_RATIO:
        docs = np.concatenate([a.docs, b.docs])
        scores = np.concatenate([a.scores, b.scores])
        uniq, inverse = np.unique(docs, return_inverse=True)
        return Matches(uniq, np.bincount(inverse, weights=scores).astype(np.float32))
    # Common words match much of the archive: adding into a dense array is
    # linear where sorting the concatenation is not.
    total = np.zeros(size, dtype=np.float64)
    present = np.zeros(size, dtype=bool)
    total[a.docs] += a.scores
    total[b.docs] += b.scores
    present[a.docs] = True
    present[b.docs] = True
    docs = np.flatnonzero(present)
    return Matches(docs, total[docs].astype(np.float32))


def _find(sorted_docs: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `docs`: whether it is in `sorted_docs`, and where."""
    idx = np.searchsorted(sorted_docs, docs)
    np.minimum(idx, len(sorted_docs) - 1, out=idx)
    return sorted_docs[idx] == docs, idx


def _intersect(a: Matches, b: Matches) -> Matches:
    if not len(a.docs) or not len(b.docs):
        return Matches.empty()
    small, large = (a, b) if len(a.docs) <= len(b.docs) else (b, a)
    size = int(large.docs[-1]) + 1
    if len(small.docs) >= size // DENSE_RATIO:
        # Both common: scatter the longer into a dense array, a linear pass
        # where binary searches would be n log n and miss the cache.
        dense = np.full(size, np.nan, dtype=np.float32)
        dense[large.docs] = large.scores
        inside = small.docs < size
        theirs = np.full(len(small.docs), np.nan, dtype=np.float32)
        theirs[inside] = dense[small.docs[inside]]
        hit = ~np.isnan(theirs)
        return Matches(small.docs[hit], small.scores[hit] + theirs[hit])
    # Look the shorter list up in the longer one: no sort of both.
    hit, idx = _find(large.docs, small.docs)
    return Matches(small.docs[hit], small.scores[hit] + large.scores[idx[hit]])


def _exclude(a: Matches, docs: np.ndarray) -> Matches:
    if not len(a.docs) or not len(docs):
        return a
    hit, _idx = _find(docs, a.docs)
    keep = ~hit
    return Matches(a.docs[keep], a.scores[keep])


class IndexView:
    """Everything a query needs from one opened index, as arrays."""

    def __init__(self, searcher, gazetteer=None):
        self.searcher = searcher
        self.reader = searcher.reader()
        # Held by whoever reads through `reader` (see Searcher._with_retry).
        self.lock = threading.RLock()
        self.gazetteer = gazetteer
        self.schema = searcher.schema
        leaves = self.reader.leaf_readers()
        self.leaves = leaves
        self.doc_count_all = self.reader.doc_count_all()
        segs = [(_segment_cache.get(r), off) for r, off in leaves]
        n = self.doc_count_all
        self.live = np.zeros(n, dtype=bool)
        self.date = np.zeros(n, dtype=np.int32)
        self.lengths = {f: np.ones(n, dtype=np.float32) for f in FIELD_WEIGHTS}
        for arr, off in segs:
            sl = slice(off, off + arr.doc_count)
            self.live[sl] = arr.live
            self.date[sl] = arr.date
            for f in FIELD_WEIGHTS:
                self.lengths[f][sl] = arr.lengths[f]
        self.live_count = int(self.live.sum())
        self.avg_length = {
            f: float(self.lengths[f][self.live].mean()) if self.live_count else 1.0
            for f in FIELD_WEIGHTS
        }
        self.coded = {f: self._merge_coded(segs, f) for f in CODED_FIELDS}
        self.multi = {f: self._merge_multi(segs, f) for f in PLACE_FIELDS}
        # Where each document's entries start in `multi` (its docs are sorted).
        self.multi_indptr = {
            f: np.searchsorted(self.multi[f][1], np.arange(n + 1)) for f in PLACE_FIELDS
        }
        codes, docs, vocab, _table = self.multi["places_all"]
        self.place_counter = MultiCounter(codes, docs, self.multi_indptr["places_all"], len(vocab))
        self._postings: OrderedDict = OrderedDict()
        self._postings_lock = threading.Lock()
        self._place_docs: dict = {}
        self._masks: OrderedDict = OrderedDict()
        self._blocks: dict = {}
        self._ranks: dict = {}
        self.decoded = DecodedBlocks(BLOCK_CACHE_BYTES)
        self.phrases = SizedCache(PHRASE_CACHE_BYTES)
        self.fragments = SizedCache(FRAGMENT_CACHE_BYTES)  # fragment -> {docnum: held}

    # -- columns -------------------------------------------------------
    def _merge_coded(self, segs, field):
        vocab = [""]
        table = {"": 0}
        codes = np.zeros(self.doc_count_all, dtype=np.int32)
        for arr, off in segs:
            seg_codes, seg_vocab = arr.coded[field]
            remap = np.empty(len(seg_vocab), dtype=np.int32)
            for i, v in enumerate(seg_vocab):
                code = table.get(v)
                if code is None:
                    code = table[v] = len(vocab)
                    vocab.append(v)
                remap[i] = code
            codes[off : off + arr.doc_count] = remap[seg_codes]
        return codes, vocab, table

    def _merge_multi(self, segs, field):
        vocab: list = []
        table: dict = {}
        all_codes, all_docs = [], []
        for arr, off in segs:
            multi, seg_vocab = arr.multi[field]
            remap = np.empty(len(seg_vocab), dtype=np.int32)
            for i, v in enumerate(seg_vocab):
                code = table.get(v)
                if code is None:
                    code = table[v] = len(vocab)
                    vocab.append(v)
                remap[i] = code
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
            vocab = self.multi[field][2] if field in self.multi else self.coded[field][1]
            rank = np.empty(len(vocab), dtype=np.int64)
            rank[sorted(range(len(vocab)), key=vocab.__getitem__)] = np.arange(len(vocab))
            self._ranks[field] = rank
        return rank

    def _cached_mask(self, key, make) -> np.ndarray:
        """Filter masks are reused: people click the same facets again and again.

        Callers must not modify the returned array.
        """
        with self._postings_lock:
            mask = self._masks.get(key)
            if mask is not None:
                self._masks.move_to_end(key)
                return mask
        mask = make()
        mask.flags.writeable = False
        with self._postings_lock:
            self._masks[key] = mask
            while len(self._masks) > MASK_CACHE:
                self._masks.popitem(last=False)
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

    def date_mask(self, lo: int, hi: int) -> np.ndarray:
        return self._cached_mask(("date", lo, hi), lambda: (self.date >= lo) & (self.date <= hi))

    # -- postings --------------------------------------------------------
    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docs, term frequencies) of one term in one field, live docs only."""
        key = (field, term)
        with self._postings_lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        docs_parts, tf_parts, blocks = [], [], []
        btext = term.encode("utf-8")
        boost = self.schema[field].format.field_boost or 1.0
        with paused_gc():
            for reader, offset in self.leaves:
                ids, weights, leaf_blocks = _read_leaf_postings(reader, field, btext)
                blocks.append(leaf_blocks)
                if len(ids):
                    docs_parts.append(ids + offset)
                    tf_parts.append(weights / boost)
        if docs_parts:
            docs = np.concatenate(docs_parts)
            tfs = np.concatenate(tf_parts).astype(np.float32)
            keep = self.live[docs]
            result = (docs[keep], tfs[keep])
        else:
            result = (EMPTY_DOCS, EMPTY_SCORES)
        with self._postings_lock:
            self._postings[key] = result
            self._blocks[key] = blocks
            while len(self._postings) > 2048:
                old, _ = self._postings.popitem(last=False)
                self._blocks.pop(old, None)
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
        with self._postings_lock:
            blocks = self._blocks.get(key)
        if blocks is None:
            self.postings(field, term)
            with self._postings_lock:
                blocks = self._blocks.get(key)
        docs = np.asarray(sorted(docs), dtype=np.int64)
        found: dict[int, bytes] = {}
        if blocks is None or not len(docs):
            return found
        btext = term.encode("utf-8")
        with paused_gc():
            for n, ((leaf, offset), leaf_blocks) in enumerate(
                zip(self.leaves, blocks, strict=True)
            ):
                lo, hi = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
                if lo < hi:
                    local = docs[lo:hi] - offset
                    cache = (self.decoded, (n, field, btext), keep)
                    _leaf_values(leaf, field, btext, leaf_blocks, local, offset, found, cache)
        return found

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
        """Documents holding every CJK bigram of `text` (see `analysis.bigrams`).

        Rarest bigram first, so the candidates shrink as fast as they can.
        Scored at `BIGRAM_SCORE`: below any document its words found.
        """
        if BIGRAM_FIELD not in self.schema:  # an index built before the field
            return Matches.empty()
        grams = list(dict.fromkeys(cjk_bigrams(text)))
        if not grams:
            return Matches.empty()
        lists = sorted((self.postings(BIGRAM_FIELD, g)[0] for g in grams), key=len)
        docs = lists[0]
        for other in lists[1:]:
            if not len(docs):
                break
            hit, _idx = _find(other, docs)
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


class Evaluation:
    """Evaluates one parsed query on a view; remembers what it looked up.

    Stop words are dropped from a query the way the index dropped them
    from the text: a word made only of stop words (`the`, `of`, 的) is no
    constraint, in an AND or an OR, so `the wafer` finds what `wafer`
    finds. Inside a quoted phrase they cost nothing either: the index
    numbered positions without them. A query whose every word is a stop
    word raises `OnlyStopWords` rather than answering nothing or everything.

    With `bigrams`, a Chinese word also matches the documents that hold
    all its character bigrams (`IndexView.bigram_matches`), ranked below
    the documents its words found: the searcher asks for that when the
    words found too little.
    """

    def __init__(
        self,
        view: IndexView,
        expansions: dict | None = None,
        bigrams: bool = False,
        budget: Budget = UNLIMITED,
    ):
        self.view = view
        self.budget = budget
        self.expansions = expansions or {}
        self.bigrams = bigrams
        self.highlight_terms: dict[str, set] = {"title": set(), "body": set()}
        self.filters: list[FieldFilter] = []
        self.stopped: list[str] = []

    def run(self, node) -> Matches:
        m = self.eval(node)
        if m is None and self.stopped and not self.filters:
            raise OnlyStopWords(dict.fromkeys(self.stopped))
        return m if m is not None else self.view.all_live()

    def eval(self, node) -> Matches | None:
        """None means "no constraint" (match everything)."""
        self.budget.check()
        if isinstance(node, MatchAll):
            return None
        if isinstance(node, Term):
            return self._word(node)
        if isinstance(node, Phrase):
            return self._phrase(node.text, node.field)
        if isinstance(node, Prefix):
            return self._prefix(node)
        if isinstance(node, FieldFilter):
            self.filters.append(node)
            return None
        if isinstance(node, Or):
            result = None
            for child in node.children:
                m = self.eval(child)
                if m is None:
                    if isinstance(child, Term | Phrase):
                        continue  # a stop word: no option, not every document
                    return None
                result = m if result is None else _union(result, m)
            return result
        if isinstance(node, And):
            positives = [c for c in node.children if not isinstance(c, Not)]
            negatives = [c.child for c in node.children if isinstance(c, Not)]
            result = None
            for child in positives:
                m = self.eval(child)
                if m is None:
                    continue
                result = m if result is None else _intersect(result, m)
            if negatives:
                if result is None:
                    result = self.view.all_live()
                for child in negatives:
                    m = self._negated(child)
                    if m is not None:
                        result = _exclude(result, m.docs)
            return result
        if isinstance(node, Not):
            m = self._negated(node.child)
            base = self.view.all_live()
            return _exclude(base, m.docs) if m is not None else base
        return None

    def _negated(self, node) -> Matches | None:
        # Highlights come only from positive clauses.
        saved = {k: set(v) for k, v in self.highlight_terms.items()}
        saved_filters = list(self.filters)
        if isinstance(node, FieldFilter):
            m = self._filter_as_matches(node)
        else:
            m = self.eval(node)
        self.highlight_terms, self.filters = saved, saved_filters
        return m

    def _filter_as_matches(self, node: FieldFilter) -> Matches:
        from indexer.index.filters import filter_mask

        mask = filter_mask(self.view, node.field, [node.value])
        docs = np.flatnonzero(mask & self.view.live).astype(np.int64)
        return Matches(docs, np.zeros(len(docs), dtype=np.float32))

    def _fields(self, field):
        return (field,) if field else tuple(FIELD_WEIGHTS)

    def _word(self, node: Term) -> Matches | None:
        if not query_terms(node.text):
            self.stopped.append(node.text)
            return None
        m = self._text(node.text, node.field)
        for alt in self.expansions.get(node.text, ()):
            m = _union(m, self._text(alt, node.field))
        return m

    def _text(self, text: str, field) -> Matches:
        """A word as typed: one term, or several (Chinese, 12-inch)."""
        terms = query_terms(text)
        if not terms:
            return Matches.empty()
        cjk = any(_is_cjk(c) for c in text)
        if len(terms) == 1:
            result = self._terms_any_field(terms, field)
        elif cjk:
            # Unquoted Chinese: every word must occur, anywhere.
            result = None
            for term in dict.fromkeys(terms):
                m = self._terms_any_field([term], field)
                result = m if result is None else _intersect(result, m)
        else:
            return self._phrase(text, field)
        if cjk and self.bigrams and field is None:
            result = _union(result, self.view.bigram_matches(text))
        return result

    def _terms_any_field(self, terms, field) -> Matches:
        result = Matches.empty()
        for f in self._fields(field):
            for term in terms:
                self.budget.check()
                self.highlight_terms[f].add(term)
                result = _union(result, self.view.term_matches(f, term))
        return result

    def _prefix(self, node: Prefix) -> Matches:
        result = Matches.empty()
        prefix = node.text.lower()
        for f in self._fields(node.field):
            for term in self.view.prefix_terms(f, prefix):
                self.budget.check()
                self.highlight_terms[f].add(term)
                result = _union(result, self.view.term_matches(f, term))
        return result

    def _phrase(self, text: str, field) -> Matches | None:
        terms = query_terms(text)
        if not terms:
            self.stopped.append(text)
            return None
        alternatives = [terms] + [query_terms(a) for a in self.expansions.get(text, ())]
        result = Matches.empty()
        for f in self._fields(field):
            for words in alternatives:
                if not words:
                    continue
                if len(words) == 1:
                    self.highlight_terms[f].add(words[0])
                    result = _union(result, self.view.term_matches(f, words[0]))
                    continue
                result = _union(result, self._phrase_in_field(f, words))
        return result

    def _phrase_in_field(self, field: str, words: list[str]) -> Matches:
        """A phrase's matches in one field, verified once per index view.

        A verified phrase is kept like a term's postings (`IndexView.phrases`):
        every page of its results and every click on a facet runs the same
        search again, and re-checking thousands of candidates' positions
        each time was what made phrase queries slow.
        """
        view = self.view
        key = (field, tuple(words))
        matches = view.phrases.get(key)
        if matches is None:
            matches = self._verified_phrase(field, words)
            matches.docs.flags.writeable = matches.scores.flags.writeable = False
            view.phrases.put_sized(key, matches, matches.docs.nbytes + matches.scores.nbytes + 200)
        if len(matches.docs):
            for w in words:
                self.highlight_terms[field].add(w)
        return matches

    def _verified_phrase(self, field: str, words: list[str]) -> Matches:
        view = self.view
        candidates = None
        for w in dict.fromkeys(words):
            self.budget.check()
            m = view.term_matches(field, w)
            candidates = m if candidates is None else _intersect(candidates, m)
            if not len(candidates.docs):
                return Matches.empty()
        self.budget.check()
        keep = _verify_phrase(view, field, words, candidates.docs, self.budget)
        return Matches(candidates.docs[keep], candidates.scores[keep])


def skip_to(matcher, docnum: int) -> None:
    """`matcher.skip_to(docnum)`, with a binary search inside the block.

    Whoosh's own skip_to steps through a block one posting at a time in
    Python; snippets and phrase checks skip to a few documents in long
    posting lists, where that stepping was most of their cost. The matcher
    ends in exactly the state Whoosh's skip_to leaves it in.
    """
    if type(matcher) is not W3LeafMatcher:
        matcher.skip_to(docnum)
        return
    if not matcher.is_active():
        raise ReadTooFar
    if docnum <= matcher.id():
        return
    while matcher.is_active() and docnum > matcher._maxid:
        matcher._next_block()
    if matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        matcher._i = bisect_left(matcher._ids, docnum)


def _verify_phrase(view, field: str, words: list[str], docs: np.ndarray, budget=None) -> np.ndarray:
    """Which candidate docs hold `words` at consecutive positions.

    A common phrase has thousands of candidates: only their position lists
    are read (see `IndexView.postings_values`), then matched all at once
    (`_phrase_matches`); other formats fall back to one document at a time.
    """
    fmt = view.schema[field].format
    keep = len(docs) <= PHRASE_KEEP_CANDIDATES
    with paused_gc():
        values = {}
        for w in dict.fromkeys(words):
            if budget is not None:
                budget.check()
            values[w] = view.postings_values(field, w, docs, keep)
        if type(fmt) is Characters:
            found = _phrase_matches(words, values, docs)
            if found is not None:
                return found
        return _phrase_matches_by_doc(fmt, words, values, docs)


def _phrase_matches(words: list[str], values: dict, docs: np.ndarray) -> np.ndarray | None:
    """`_phrase_matches_by_doc` for Characters postings, as array operations.

    Decoding a posting value one `pickle.loads` and one running sum at a
    time was most of a common phrase's cost (44,000 values for "integrated
    circuit" at 100k documents). Each value is a complete pickle of
    (position delta, start delta, length) tuples, so all of a word's values
    are spliced into one pickle of a list of lists and loaded at once; the
    positions come from one cumulative sum restarted at each document. A
    phrase occurrence starting at position s in candidate i is the key
    i * 2**32 + s, found by every word k at its position s + k: the
    matches are the keys all words share. None when the values are not
    shaped as expected (then the caller decodes them one by one).
    """
    located = {}
    for w, by_doc in values.items():
        decoded = _positions_by_candidate(by_doc, docs)
        if decoded is None:
            return None
        located[w] = decoded
    keys = None
    for k, w in enumerate(words):
        idx, pos = located[w]
        if k:  # an earlier position cannot follow a start at 0 or later
            usable = pos >= k
            idx, pos = idx[usable], pos[usable] - k
        mine = idx * _STRIDE + pos  # documents in order, positions ascending...
        if len(mine) > 1 and (mine[1:] < mine[:-1]).any():
            mine = np.sort(mine)  # ...unless a format wrote them otherwise
        if keys is None:
            keys = mine
        elif len(mine):
            keys = keys[mine[np.minimum(np.searchsorted(mine, keys), len(mine) - 1)] == keys]
        else:
            keys = mine
        if not len(keys):
            break
    keep = np.zeros(len(docs), dtype=bool)
    if keys is not None and len(keys):
        keep[keys // _STRIDE] = True
    return keep


_STRIDE = 1 << 32
_PICKLE2 = b"\x80\x02"


def _positions_by_candidate(by_doc: dict, docs: np.ndarray):
    """(candidate index, position) of every occurrence in `by_doc`'s values."""
    if not by_doc:
        return EMPTY_DOCS, EMPTY_DOCS
    raw = list(by_doc.values())
    # Each value: a big-endian occurrence count, then pickle protocol 2
    # (header, body, STOP). The spliced pickle is MARK, the bodies, LIST.
    counts = np.frombuffer(b"".join(v[:_INT_SIZE] for v in raw), dtype=">u4").astype(np.int64)
    if not counts.all():
        return None
    heads = b"".join(v[_INT_SIZE : _INT_SIZE + 2] for v in raw)
    if heads != _PICKLE2 * len(raw) or b"".join(v[-1:] for v in raw) != b"." * len(raw):
        return None
    try:
        lists = loads(b"(" + b"".join(v[_INT_SIZE + 2 : -1] for v in raw) + b"l.")
    except Exception:
        return None
    if len(lists) != len(raw) or list(map(len, lists)) != counts.tolist():
        return None
    deltas = np.fromiter(
        map(itemgetter(0), chain.from_iterable(lists)), dtype=np.int64, count=int(counts.sum())
    )
    running = np.cumsum(deltas)
    firsts = np.cumsum(counts) - counts
    positions = running - np.repeat(running[firsts] - deltas[firsts], counts)
    docnums = np.fromiter(by_doc, dtype=np.int64, count=len(by_doc))
    return np.repeat(np.searchsorted(docs, docnums), counts), positions


def _phrase_matches_by_doc(fmt, words: list[str], values: dict, docs: np.ndarray) -> np.ndarray:
    decode = _decode_positions if type(fmt) is Characters else fmt.decode_positions
    by_word = {w: {d: set(decode(v)) for d, v in vs.items()} for w, vs in values.items()}
    keep = np.zeros(len(docs), dtype=bool)
    tables = [by_word[w] for w in words]
    first, rest = tables[0], list(enumerate(tables[1:], start=1))
    for i, d in enumerate(docs.tolist()):
        # Starts s with s + k a position of word k, for every k.
        starts = first.get(d)
        for k, table in rest:
            if not starts:
                break
            found = table.get(d)
            starts = starts.intersection(p - k for p in found) if found else None
        if starts:
            keep[i] = True
    return keep


class SizedCache:
    """Least recently used entries, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put_sized(self, key, value, nbytes: int) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, nbytes)
            self.size += nbytes
            while self.size > self.max_bytes and self._entries:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self.size -= dropped


class DecodedBlocks(SizedCache):
    """Posting blocks already decompressed and unpickled, most recently used kept.

    A block holds 128 postings compressed together, so reading one
    document's positions means decompressing and unpickling the other 127
    too: that was most of a results page's cost (snippets) and of a phrase
    check. People repeat queries and page through results, and a common
    term's first blocks serve many queries, so decoded blocks are kept, as
    SQLite keeps pages. Bounded by the size of the values held.
    """

    def put(self, key, ids: np.ndarray, values) -> None:
        self.put_sized(key, (ids, values), ids.nbytes + sum(map(len, values)) + 40 * len(values))


def _leaf_values(
    leaf, field, btext, blocks, local: np.ndarray, offset: int, found: dict, cache=None
) -> None:
    """Posting values of sorted segment-local `local` docs, into `found` by global number.

    `cache`, when given, is (DecodedBlocks, key prefix for this leaf and term,
    whether to keep the blocks read).
    """
    if blocks is None:  # not Whoosh 3 postings: the matcher's own way
        m = _leaf_matcher(leaf, field, btext)
        if m is None:
            return
        for d in local.tolist():
            if not m.is_active():
                break
            skip_to(m, d)
            if m.is_active() and m.id() == d:
                found[d + offset] = m.value()
        return
    maxids, starts = blocks
    which = np.searchsorted(maxids, local)  # the block that would hold each doc
    inside = which < len(maxids)
    local, which = local[inside], which[inside]
    cuts = [0, *(np.flatnonzero(np.diff(which)) + 1).tolist(), len(local)]
    m = None
    for a, b in pairwise(cuts) if len(local) else ():
        block = int(which[a])
        decoded = cache[0].get((*cache[1], block)) if cache else None
        if decoded is None:
            if m is None:  # opened only when a block must be read
                m = _leaf_matcher(leaf, field, btext)
            m._goto(int(starts[block]))
            m._read_data()
            m._read_values()
            ids = np.cumsum(np.asarray(m._data[0], dtype=np.int64))
            values = m._values
            if cache and cache[2]:
                cache[0].put((*cache[1], block), ids, values)
        else:
            ids, values = decoded[0], decoded[1]
        wanted = local[a:b]
        idx = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        hit = ids[idx] == wanted
        for d, k in zip(wanted[hit].tolist(), idx[hit].tolist(), strict=True):
            found[d + offset] = values[k]


def _leaf_matcher(leaf, field: str, btext: bytes):
    try:
        terms = leaf._terms
        if (field, btext) not in terms:
            return None
        return terms.matcher(field, btext, leaf.schema[field].format)
    except (KeyError, AttributeError):
        return leaf.postings(field, btext) if (field, btext) in leaf else None


def _decode_positions(value: bytes) -> list[int]:
    """`Characters.decode_positions`, with the running sum done by itertools."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(code[0] for code in loads(value[_INT_SIZE:])))


def _read_leaf_postings(reader, field: str, btext: bytes):
    """All postings of a term in one segment, deleted docs included.

    Also returns the block directory (each block's last doc and file
    offset) when the postings are Whoosh 3 blocks, else None.
    """
    m = _leaf_matcher(reader, field, btext)
    if m is None:
        return EMPTY_DOCS, EMPTY_SCORES, None
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        ids_parts, w_parts, maxids, starts = [], [], [], []
        position = m._baseoffset
        while m.is_active():
            maxids.append(m._maxid)
            starts.append(position)
            if m._data is None:
                m._read_data()
            ids_parts.append(np.cumsum(np.asarray(m._data[0], dtype=np.int64)))
            m._read_weights()
            w_parts.append(np.asarray(m._weights, dtype=np.float32))
            position = m._nextoffset
            m._next_block()
        blocks = (np.asarray(maxids, dtype=np.int64), np.asarray(starts, dtype=np.int64))
        return np.concatenate(ids_parts), np.concatenate(w_parts), blocks
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32), None


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
