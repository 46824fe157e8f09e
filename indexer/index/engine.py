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

import math
import threading
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Characters
from whoosh.matching import ReadTooFar
from whoosh.system import _INT_SIZE

from indexer.analysis import query_terms
from indexer.index.columns import CODED_FIELDS, PLACE_FIELDS, SegmentCache
from indexer.query import (
    And,
    FieldFilter,
    MatchAll,
    Not,
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
EMPTY_DOCS = np.empty(0, dtype=np.int64)
EMPTY_SCORES = np.empty(0, dtype=np.float32)

_segment_cache = SegmentCache()


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
    docs = np.concatenate([a.docs, b.docs])
    scores = np.concatenate([a.scores, b.scores])
    uniq, inverse = np.unique(docs, return_inverse=True)
    return Matches(uniq, np.bincount(inverse, weights=scores).astype(np.float32))


def _intersect(a: Matches, b: Matches) -> Matches:
    docs, ia, ib = np.intersect1d(a.docs, b.docs, assume_unique=True, return_indices=True)
    return Matches(docs, a.scores[ia] + b.scores[ib])


def _exclude(a: Matches, docs: np.ndarray) -> Matches:
    keep = ~np.isin(a.docs, docs, assume_unique=True)
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
        self._postings: OrderedDict = OrderedDict()
        self._postings_lock = threading.Lock()
        self._place_docs: dict = {}

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

    def coded_mask(self, field: str, values) -> np.ndarray:
        codes, _vocab, table = self.coded[field]
        wanted = [table[v] for v in values if v in table]
        if not wanted:
            return np.zeros(self.doc_count_all, dtype=bool)
        return np.isin(codes, wanted)

    def place_mask(self, place_ids, field: str = "places_all") -> np.ndarray:
        codes, docs, _vocab, table = self.multi[field]
        wanted = [table[p] for p in place_ids if p in table]
        mask = np.zeros(self.doc_count_all, dtype=bool)
        if wanted:
            mask[docs[np.isin(codes, wanted)]] = True
        return mask

    def date_mask(self, lo: int, hi: int) -> np.ndarray:
        return (self.date >= lo) & (self.date <= hi)

    # -- postings --------------------------------------------------------
    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docs, term frequencies) of one term in one field, live docs only."""
        key = (field, term)
        with self._postings_lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        docs_parts, tf_parts = [], []
        btext = term.encode("utf-8")
        boost = self.schema[field].format.field_boost or 1.0
        for reader, offset in self.leaves:
            ids, weights = _read_leaf_postings(reader, field, btext)
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
            while len(self._postings) > 2048:
                self._postings.popitem(last=False)
        return result

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
    """Evaluates one parsed query on a view; remembers what it looked up."""

    def __init__(self, view: IndexView, expansions: dict | None = None):
        self.view = view
        self.expansions = expansions or {}
        self.highlight_terms: dict[str, set] = {"title": set(), "body": set()}
        self.filters: list[FieldFilter] = []

    def run(self, node) -> Matches:
        m = self.eval(node)
        return m if m is not None else self.view.all_live()

    def eval(self, node) -> Matches | None:
        """None means "no constraint" (match everything)."""
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
            result = Matches.empty()
            for child in node.children:
                m = self.eval(child)
                if m is None:
                    return None
                result = _union(result, m)
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

    def _word(self, node: Term) -> Matches:
        m = self._text(node.text, node.field)
        for alt in self.expansions.get(node.text, ()):
            m = _union(m, self._text(alt, node.field))
        return m

    def _text(self, text: str, field) -> Matches:
        """A word as typed: one term, or several (Chinese, 12-inch)."""
        terms = query_terms(text)
        if not terms:
            return Matches.empty()
        if len(terms) == 1:
            return self._terms_any_field(terms, field)
        if any(_is_cjk(c) for c in text):
            # Unquoted Chinese: every word must occur, anywhere.
            result = None
            for term in dict.fromkeys(terms):
                m = self._terms_any_field([term], field)
                result = m if result is None else _intersect(result, m)
            return result
        return self._phrase(text, field)

    def _terms_any_field(self, terms, field) -> Matches:
        result = Matches.empty()
        for f in self._fields(field):
            for term in terms:
                self.highlight_terms[f].add(term)
                result = _union(result, self.view.term_matches(f, term))
        return result

    def _prefix(self, node: Prefix) -> Matches:
        result = Matches.empty()
        prefix = node.text.lower()
        for f in self._fields(node.field):
            for term in self.view.prefix_terms(f, prefix):
                self.highlight_terms[f].add(term)
                result = _union(result, self.view.term_matches(f, term))
        return result

    def _phrase(self, text: str, field) -> Matches:
        terms = query_terms(text)
        if not terms:
            return Matches.empty()
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
        view = self.view
        candidates = None
        for w in dict.fromkeys(words):
            m = view.term_matches(field, w)
            candidates = m if candidates is None else _intersect(candidates, m)
            if not len(candidates.docs):
                return Matches.empty()
        keep = _verify_phrase(view.reader, field, words, candidates.docs)
        if keep.any():
            for w in words:
                self.highlight_terms[field].add(w)
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


def _verify_phrase(reader, field: str, words: list[str], docs: np.ndarray) -> np.ndarray:
    """Which candidate docs hold `words` at consecutive positions."""
    by_word = {w: _doc_positions(reader, field, w, docs) for w in dict.fromkeys(words)}
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


def _doc_positions(reader, field: str, word: str, docs: np.ndarray) -> dict[int, set]:
    """The positions of `word` in each of `docs` (sorted global numbers) holding it.

    A common phrase has thousands of candidates; visiting them one by one
    through a matcher cost more than everything else in the query. Here each
    segment's postings are read block by block, the candidates inside a
    block are found with one vectorised search, and only their position
    lists are decoded.
    """
    found: dict[int, set] = {}
    btext = word.encode("utf-8")
    for leaf, offset in reader.leaf_readers():
        lo, hi = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
        if lo < hi:
            _leaf_positions(leaf, field, btext, docs[lo:hi] - offset, offset, found)
    return found


def _leaf_positions(leaf, field, btext, local: np.ndarray, offset: int, found: dict) -> None:
    try:
        terms = leaf._terms
        if (field, btext) not in terms:
            return
        fmt = leaf.schema[field].format
        m = terms.matcher(field, btext, fmt)
    except (KeyError, AttributeError):
        m = leaf.postings(field, btext) if (field, btext) in leaf else None
        if m is None:
            return
    if not isinstance(m, W3LeafMatcher) or m._byteids:
        for d in local.tolist():
            if not m.is_active():
                break
            skip_to(m, d)
            if m.is_active() and m.id() == d:
                found[d + offset] = set(m.value_as("positions"))
        return
    decode = _decode_positions if type(m.format) is Characters else m.format.decode_positions
    i, n = 0, len(local)
    while m.is_active() and i < n:
        if local[i] > m._maxid:
            m._next_block()  # no candidate here: skip the block unread
            continue
        j = int(np.searchsorted(local, m._maxid, side="right"))
        if m._data is None:
            m._read_data()
        ids = np.cumsum(np.asarray(m._data[0], dtype=np.int64))
        chunk = local[i:j]
        idx = np.minimum(np.searchsorted(ids, chunk), len(ids) - 1)
        hit = ids[idx] == chunk
        m._read_values()
        values = m._values
        for d, k in zip(chunk[hit].tolist(), idx[hit].tolist(), strict=True):
            found[d + offset] = set(decode(values[k]))
        i = j
        m._next_block()


def _decode_positions(value: bytes) -> list[int]:
    """`Characters.decode_positions`, with the running sum done by itertools."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(code[0] for code in loads(value[_INT_SIZE:])))


def _read_leaf_postings(reader, field: str, btext: bytes):
    """All postings of a term in one segment, deleted docs included."""
    try:
        terms = reader._terms
        if (field, btext) not in terms:
            return EMPTY_DOCS, EMPTY_SCORES
        fmt = reader.schema[field].format
        m = terms.matcher(field, btext, fmt)
    except (KeyError, AttributeError):
        return EMPTY_DOCS, EMPTY_SCORES
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        ids_parts, w_parts = [], []
        while m.is_active():
            if m._data is None:
                m._read_data()
            ids_parts.append(np.cumsum(np.asarray(m._data[0], dtype=np.int64)))
            m._read_weights()
            w_parts.append(np.asarray(m._weights, dtype=np.float32))
            m._next_block()
        return np.concatenate(ids_parts), np.concatenate(w_parts)
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
