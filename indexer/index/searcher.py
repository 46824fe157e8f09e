"""The search facade: one object per process, plain objects in and out.

`Searcher` is opened once per process and shared by all threads. Each call
takes the current `IndexView` (an immutable snapshot); when an indexing run
has committed, or a rebuild has swapped the generation, the next call builds
a new view and later calls use it. Views being used by other threads are
never closed under them; retired ones are closed after a grace period.

`search()` returns a `SearchResult` of plain data: the JSON API and the HTML
page render the very same object.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from indexer.analysis.bigrams import has_cjk_pair
from indexer.article import PubDate
from indexer.extract.gazetteer import load_gazetteer
from indexer.index.budget import Budget
from indexer.index.evaluation import Evaluation
from indexer.index.filters import FilterError, date_bound, filter_mask, resolve_places
from indexer.index.fragments import Fragment, containing, fragment_of
from indexer.index.matches import Matches, union
from indexer.index.relaxing import RELAX_BELOW, relaxed_matches
from indexer.index.snippets import make_snippet, mark, spans_for_docs, term_spans
from indexer.index.store import IndexMissing, IndexStore
from indexer.index.view import IndexView
from indexer.query import Phrase, QueryError, Term, leaves, parse_query

log = logging.getLogger("newsarchive.search")

SORTS = ("relevance", "newest", "oldest")
FACET_FILTERS = {"location": "location", "date": "date", "year": "date", "lang": "lang"}
RETIRE_AFTER = 120.0
FRAGMENT_ENTRY_BYTES = 8192  # what a fragment's checked documents are counted as, per view
BIGRAM_BELOW = 10  # a Chinese query finding fewer articles by its words tries bigrams

__all__ = ["FilterError", "QueryError", "SearchRequest", "SearchResult", "Searcher"]


@dataclass
class SearchRequest:
    q: str = ""
    page: int = 1
    per_page: int = 10
    sort: str | None = None
    locations: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    langs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    facets: bool = True
    snippets: bool = True


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    sort: str
    took_ms: float
    hits: list[dict]
    facets: dict  # name -> list of (value, count); plus "undated": int
    expanded: dict
    suggestion: str | None
    unknown_locations: list[str] = field(default_factory=list)
    generation: str = ""
    relaxed: dict | None = None  # {"matched_words", "of", "complete"} when words were dropped


class Searcher:
    def __init__(self, index_dir, query_timeout_ms: float | None = None):
        """`query_timeout_ms`: each search's time budget (see `budget`); None: no limit."""
        self.query_timeout = None if query_timeout_ms is None else query_timeout_ms / 1000
        self.store = IndexStore(index_dir)
        self._lock = threading.Lock()
        self._view: IndexView | None = None
        self._generation: str | None = None
        self._ix = None
        self._retired: list[tuple[float, object]] = []

    # -- keeping current ---------------------------------------------------
    def view(self) -> IndexView:
        """The view of the latest committed index (opening it if needed)."""
        current = self.store.current_name()
        view = self._view
        if view is not None and current == self._generation:
            try:
                if view.searcher.up_to_date():
                    return view
            except OSError:
                pass
        with self._lock:
            current = self.store.current_name()
            if current is None:
                raise IndexMissing(f"no index in {self.store.root}")
            if self._view is not None and current == self._generation:
                try:
                    if self._view.searcher.up_to_date():
                        return self._view
                except OSError:
                    pass
            if current != self._generation or self._ix is None:
                self._ix = self.store.open(self.store.root / current)
            view = IndexView(self._ix.searcher(), load_gazetteer())
            if self._view is not None:
                self._retired.append((time.monotonic(), self._view.searcher))
            self._view, self._generation = view, current
            self._close_retired()
            return view

    def _close_retired(self):
        now = time.monotonic()
        keep = []
        for retired_at, searcher in self._retired:
            if now - retired_at > RETIRE_AFTER:
                try:
                    searcher.close()
                except Exception:
                    pass
            else:
                keep.append((retired_at, searcher))
        self._retired = keep

    def _with_retry(self, fn):
        """Run fn(view); if the files under an old view vanished, retry on a new one.

        One request at a time per view: Whoosh's readers seek and read shared
        file handles, so two threads reading postings of one reader at once
        read each other's offsets (gunicorn's gthread workers did exactly
        that: "read length must be non-negative"). Searching is CPU-bound
        under the GIL anyway, so the lock costs no throughput.
        """
        view = self.view()
        try:
            with view.lock:
                return fn(view)
        except (OSError, EOFError) as exc:
            log.warning("index changed under a request (%s); retrying", exc)
            with self._lock:
                self._view = None
                self._generation = None
            view = self.view()
            with view.lock:
                return fn(view)

    def close(self) -> None:
        """Close every searcher this object opened (the process is done with it)."""
        with self._lock:
            if self._view is not None:
                self._retired.append((float("-inf"), self._view.searcher))
                self._view = None
                self._generation = None
            for _when, searcher in self._retired:
                try:
                    searcher.close()
                except Exception:
                    pass
            self._retired = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def generation(self) -> str | None:
        return self._generation

    # -- searching --------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        return self._with_retry(lambda view: self._search(view, request))

    def _search(self, view: IndexView, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        tree = parse_query(req.q)
        sort = req.sort or ("relevance" if (req.q or "").strip() else "newest")
        if sort not in SORTS:
            raise FilterError(f"sort must be one of {', '.join(SORTS)}")

        budget = Budget(self.query_timeout, tree)
        expansions, expanded = place_expansions(tree)
        evaluation = Evaluation(view, expansions, budget=budget)
        matches = evaluation.run(tree)

        # Filters from parameters and from `field:value` in the query.
        masks: dict[str, np.ndarray] = {}
        unknown_locations: list[str] = []
        locations = list(req.locations)
        langs = list(req.langs)
        sources = list(req.sources)
        for f in evaluation.filters:
            {"location": locations, "lang": langs, "source": sources}[f.field].append(f.value)
        if locations:
            _ids, unknown_locations = resolve_places(locations)
            masks["location"] = filter_mask(view, "location", locations)
        if langs:
            masks["lang"] = filter_mask(view, "lang", langs)
        if sources:
            masks["source"] = filter_mask(view, "source", sources)
        if req.date_from or req.date_to:
            lo = date_bound(req.date_from, end=False) if req.date_from else 1
            hi = date_bound(req.date_to, end=True) if req.date_to else 99991299
            if lo > hi:
                raise FilterError("date_from is after date_to")
            masks["date"] = view.date_mask(max(lo, 1), hi)

        selection = _Selection.of(view, matches, masks)
        fragment = fragment_of(tree)
        if fragment is not None:
            selection.mark_fragments(view, fragment)
            if _wants_bigrams(tree, selection):
                evaluation = Evaluation(view, expansions, bigrams=True, budget=budget)
                selection = _Selection.of(view, evaluation.run(tree), masks)
                selection.mark_fragments(view, fragment)
        complete = selection.total
        relaxed = None
        exact = fragment is not None and selection.fragments_found
        if complete < RELAX_BELOW and req.q and not exact:
            relaxed = self._relax(view, evaluation, tree, masks, selection, fragment)
            if relaxed is not None:
                selection, relaxed = relaxed
        total = selection.total
        budget.check()

        per_page = req.per_page
        start = (req.page - 1) * per_page
        page_docs, page_scores = _page(
            view, selection.docs, selection.scores, sort, start, per_page, selection.tiers
        )
        spans = _page_spans(view, evaluation, page_docs) if req.snippets else None
        hits = [
            self._hit(view, int(d), float(s), spans)
            for d, s in zip(page_docs, page_scores, strict=True)
        ]

        budget.check()
        facets = _facets(view, selection.in_query, masks) if req.facets else {}
        suggestion = None
        if complete < 3 and req.q and not exact:
            suggestion = _suggest(view, tree)
        return SearchResult(
            query=req.q or "",
            total=total,
            page=req.page,
            per_page=per_page,
            sort=sort,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            facets=facets,
            expanded=expanded,
            suggestion=suggestion,
            unknown_locations=unknown_locations,
            generation=self._generation or "",
            relaxed=relaxed,
        )

    @staticmethod
    def _relax(view, evaluation, tree, masks, strict: _Selection, fragment):
        """The relaxed selection and its description, or None when it adds nothing."""
        found = relaxed_matches(evaluation, tree)
        if found is None:
            return None
        matches, counts, words = found
        selection = _Selection.of(view, matches, masks, counts)
        partial = selection.tiers < words
        if not partial.any():
            return None
        best = int(selection.tiers[partial].max())
        if fragment is not None:
            selection.mark_fragments(view, fragment)
        described = {"matched_words": best, "of": words, "complete": strict.total}
        return selection, described

    def _hit(self, view, docnum, score, spans: dict | None) -> dict:
        stored = view.searcher.stored_fields(docnum)
        title = stored.get("title", "")
        body = stored.get("body", "")
        hit = _doc_summary(stored)
        hit["score"] = round(score, 4)
        if spans is not None:
            t_spans, b_spans = spans["title"][docnum], spans["body"][docnum]
            hit["title_html"] = mark(title, [(s, e) for s, e, _ in t_spans])
            hit["snippet"] = make_snippet(body, b_spans)
        return hit

    # -- documents -------------------------------------------------------
    def document(self, doc_id: str, q: str | None = None) -> dict | None:
        return self._with_retry(lambda view: self._document(view, doc_id, q))

    def _document(self, view, doc_id, q):
        docnum = view.searcher.document_number(id=doc_id)
        if docnum is None:
            return None
        stored = view.searcher.stored_fields(docnum)
        doc = _doc_summary(stored)
        doc["body"] = stored.get("body", "")
        doc["path"] = stored.get("path", "")
        doc["part"] = stored.get("part", 0)
        doc["url_original"] = stored.get("url") or None
        doc["places"] = _place_dicts(stored.get("places", ""))
        if q:
            try:
                tree = parse_query(q)
            except QueryError:
                tree = None
            if tree is not None:
                expansions, _ = place_expansions(tree)
                ev = Evaluation(view, expansions)
                ev.run(tree)
                r = view.reader
                t = term_spans(r, "title", ev.highlight_terms["title"], docnum)
                b = term_spans(r, "body", ev.highlight_terms["body"], docnum)
                doc["title_html"] = mark(doc["title"], [(s, e) for s, e, _ in t])
                doc["body_html"] = mark(doc["body"], [(s, e) for s, e, _ in b])
        doc["related"] = self._related(view, docnum, doc)
        return doc

    def _related(self, view, docnum, doc, limit=5) -> list[dict]:
        """More like this: the document's most distinctive terms, OR-ed."""
        from indexer.analysis import analyze

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
        return [_doc_summary(view.searcher.stored_fields(int(docs[i]))) for i in order]

    # -- statistics ------------------------------------------------------
    def stats(self) -> dict:
        return self._with_retry(self._stats)

    def _stats(self, view) -> dict:
        meta = self.store.meta()
        codes, vocab, _ = view.coded["lang"]
        live = view.live
        langs = np.bincount(codes[live], minlength=len(vocab))
        dated = view.date[live & (view.date > 0)]
        pcodes, pdocs, pvocab, _ = view.multi["places"]
        pc = np.bincount(pcodes[live[pdocs]], minlength=len(pvocab)) if len(pcodes) else []
        gaz = load_gazetteer()
        top = sorted(
            ((int(c), pvocab[i]) for i, c in enumerate(pc) if c), key=lambda x: (-x[0], x[1])
        )[:10]
        gen_dir = self.store.root / (self._generation or "")
        size = sum(p.stat().st_size for p in gen_dir.iterdir() if p.is_file())
        return {
            "documents": int(view.live_count),
            "by_language": {vocab[i] or "unknown": int(c) for i, c in enumerate(langs) if c},
            "date_range": {
                "first": PubDate.from_int(int(dated.min())).iso if len(dated) else None,
                "last": PubDate.from_int(int(dated.max())).iso if len(dated) else None,
                "undated": int((view.date[live] == 0).sum()),
            },
            "top_locations": [
                {"id": pid, "label": _place_label(gaz, pid), "count": c} for c, pid in top
            ],
            "index_bytes": size,
            "index_path": str(gen_dir),
            "generation": self._generation,
            "segments": len(view.leaves),
            "last_update": meta.get("last_update"),
            "last_change": meta.get("last_change"),
            "segmenter": meta.get("segmenter"),
        }


class _Selection:
    """The documents a search selects, with their scores and rank tiers.

    `in_query` is every document the query matches (facets count it under
    each filter but their own); `docs`/`scores` are those that pass every
    filter. `tiers` rank before scores: the number of words a relaxed
    match holds, plus one for a document holding the query's exact text.
    """

    def __init__(self, in_query, docs, scores, tiers):
        self.in_query = in_query
        self.docs = docs
        self.scores = scores
        self.tiers = tiers
        self._found = False

    @classmethod
    def of(cls, view, matches: Matches, masks: dict, counts=None) -> _Selection:
        in_query = np.zeros(view.doc_count_all, dtype=bool)
        in_query[matches.docs] = True
        final = in_query.copy()
        for m in masks.values():
            final &= m
        keep = final[matches.docs]
        tiers = counts[keep] if counts is not None else None
        return cls(in_query, matches.docs[keep], matches.scores[keep], tiers)

    @property
    def total(self) -> int:
        return len(self.docs)

    @property
    def fragments_found(self) -> bool:
        return self._found

    def mark_fragments(self, view, fragment: Fragment) -> None:
        """Move the documents holding `fragment` up a tier (doubling the others' tiers)."""
        top = self.tiers if self.tiers is not None else np.zeros(len(self.docs), np.int32)
        # Only the best tier's documents can hold every word in order, and
        # only documents holding each of its bigrams can hold a Chinese text.
        eligible = top == top.max() if len(top) else top.astype(bool)
        if fragment.chinese:
            grams = view.bigram_matches(fragment.text).docs
            if len(grams):
                eligible &= _find_mask(grams, self.docs)
        idx = np.flatnonzero(eligible)
        seen = view.fragments.get(fragment.text)
        if seen is None:
            seen = {}
            view.fragments.put(fragment.text, seen, FRAGMENT_ENTRY_BYTES)
        found = idx[
            containing(_stored_text(view), self.docs[idx], self.scores[idx], fragment, seen)
        ]
        self._found = bool(len(found))
        if len(found) or self.tiers is not None:
            tiers = top.astype(np.int32) * 2
            tiers[found] += 1
            self.tiers = tiers


def _find_mask(sorted_docs: np.ndarray, docs: np.ndarray) -> np.ndarray:
    idx = np.minimum(np.searchsorted(sorted_docs, docs), len(sorted_docs) - 1)
    return sorted_docs[idx] == docs


def _stored_text(view):
    def text(docnum: int) -> tuple[str, str]:
        stored = view.searcher.stored_fields(docnum)
        return stored.get("title", ""), stored.get("body", "")

    return text


def _wants_bigrams(tree, selection: _Selection) -> bool:
    """Whether a Chinese query found too little by its words: then try its bigrams.

    Too little: fewer than `BIGRAM_BELOW` articles, or a single Chinese
    word (a pasted span) that no best-scored article holds as typed.
    """
    cjk = [leaf for leaf in leaves(tree) if isinstance(leaf, Term) and has_cjk_pair(leaf.text)]
    if not cjk:
        return False
    if selection.total < BIGRAM_BELOW:
        return True
    return isinstance(tree, Term) and not selection.fragments_found


def place_expansions(tree) -> tuple[dict, dict]:
    """Other-language names of places named by query words (无锡 -> Wuxi)."""
    gazetteer = load_gazetteer()
    expansions: dict[str, list[str]] = {}
    expanded: dict[str, list[str]] = {}
    for leaf in leaves(tree):
        if not isinstance(leaf, Term | Phrase) or leaf.text in expansions:
            continue
        place = gazetteer.lookup(leaf.text, ids=False)
        if place is None or (place.ambiguous and not leaf.text[:1].isupper()):
            continue
        alts = [
            name
            for name in (place.name_en, place.name_zh)
            if name and name.lower() != leaf.text.lower() and name != leaf.text
        ]
        if alts:
            expansions[leaf.text] = alts
            expanded[leaf.text] = alts
    return expansions, expanded


def _page_spans(view, evaluation, page_docs) -> dict:
    """Highlight spans of a page's documents, per field, then per document."""

    def contains_in(field):
        def contains(term, docnum) -> bool:
            docs = view.postings(field, term)[0]
            i = int(np.searchsorted(docs, docnum))
            return i < len(docs) and int(docs[i]) == docnum

        return contains

    def values_in(field):
        return lambda term, docs: view.postings_values(field, term, docs)

    return {
        field: spans_for_docs(
            view.reader,
            field,
            evaluation.highlight_terms[field],
            page_docs,
            contains_in(field),
            values_in(field),
        )
        for field in ("title", "body")
    }


def _page(view, docs, scores, sort, start, count, tiers=None):
    if not len(docs) or start >= len(docs):
        return [], []
    dates = view.date[docs]
    if sort == "relevance":
        keys = (-dates, -scores)  # highest score first; newer first among equal scores
    elif sort == "newest":
        keys = (-scores, -dates)
    else:
        dates = np.where(dates == 0, 10**9, dates.astype(np.int64))  # undated last
        keys = (-scores, dates)
    if tiers is not None and sort == "relevance":
        keys = (*keys, -tiers.astype(np.int64))  # a higher tier first
    wanted = start + count
    if len(docs) > 4 * wanted:
        # Sort only the candidates for the page: everything that ties or beats
        # the page's last document on the main key. Same order, a fraction of
        # the work when a query matches much of the archive.
        main = keys[-1]
        cut = np.partition(main, wanted - 1)[wanted - 1]
        near = np.flatnonzero(main <= cut)
        docs, scores = docs[near], scores[near]
        keys = tuple(k[near] for k in keys)
    chosen = np.lexsort(keys)[start : start + count]
    return docs[chosen].tolist(), scores[chosen].tolist()


def _facets(view, in_query: np.ndarray, masks: dict) -> dict:
    """Counts per facet value, each under every filter but its own."""
    selections: dict = {}

    def selected(own: str) -> np.ndarray:
        """The documents a facet counts: numbers, computed once per distinct filter set."""
        key = own if own in masks else None
        if key not in selections:
            base = in_query.copy()
            for name, m in masks.items():
                if name != own:
                    base &= m
            selections[key] = np.flatnonzero(base)
        return selections[key]

    facets: dict = {}
    in_dates = selected("date")
    for name in ("month", "year"):
        codes, vocab, _ = view.coded[name]
        counts = np.bincount(codes[in_dates], minlength=len(vocab))
        facets[name] = sorted(
            ((vocab[i], int(counts[i])) for i in np.flatnonzero(counts).tolist() if vocab[i]),
            reverse=True,
        )
    facets["undated"] = int(np.count_nonzero(view.date[in_dates] == 0))

    for name in ("lang", "source"):
        codes, vocab, _ = view.coded[name]
        counts = np.bincount(codes[selected(name)], minlength=len(vocab))
        facets[name] = _by_count(vocab, counts, view.vocab_rank(name), skip_empty=True)

    vocab = view.multi["places_all"][2]
    counts = view.place_counter.count(selected("location"))
    facets["location"] = _by_count(vocab, counts, view.vocab_rank("places_all"))
    return facets


def _by_count(vocab, counts, rank, skip_empty=False) -> list[tuple[str, int]]:
    """(value, count) pairs, most frequent first, then by value (`rank` orders values)."""
    present = np.flatnonzero(counts)
    order = present[np.lexsort((rank[present], -counts[present]))]
    return [
        (vocab[i], c)
        for i, c in zip(order.tolist(), counts[order].tolist(), strict=True)
        if not skip_empty or vocab[i]
    ]


def _place_label(gazetteer, pid) -> str:
    place = gazetteer.get(pid)
    return place.label if place else pid


def _place_dicts(value: str) -> list[dict]:
    gazetteer = load_gazetteer()
    out = []
    for pid in (value or "").split(","):
        place = gazetteer.get(pid) if pid else None
        if place is not None:
            out.append(
                {
                    "id": place.id,
                    "name": place.name_en,
                    "name_zh": place.name_zh,
                    "label": place.label,
                    "level": place.level,
                    "parent": place.parent or None,
                }
            )
    return out


def _doc_summary(stored: dict) -> dict:
    gazetteer = load_gazetteer()
    date = PubDate.from_int(stored.get("date") or 0)
    names = []
    for pid in (stored.get("places") or "").split(","):
        place = gazetteer.get(pid) if pid else None
        if place is not None:
            names.append(place.name_en)
    return {
        "id": stored.get("id"),
        "title": stored.get("title", ""),
        "date": date.iso,
        "date_precision": stored.get("date_precision") or date.precision,
        "lang": stored.get("lang") or None,
        "source": stored.get("source") or None,
        "locations": names,
        "url": f"/doc/{stored.get('id')}",
    }


def _suggest(view, tree) -> str | None:
    """A did-you-mean query: each unknown English word replaced by its nearest."""
    from indexer.analysis import query_terms

    changed = False
    words = []
    for leaf in leaves(tree):
        if not isinstance(leaf, Term):
            continue
        word = leaf.text
        terms = query_terms(word)
        if (
            len(terms) == 1
            and word.isascii()
            and word.isalpha()
            and len(word) > 3
            and not any(len(view.postings(f, terms[0])[0]) for f in ("title", "body"))
        ):
            best = _nearest(view, word.lower())
            if best and best != word.lower():
                words.append(best)
                changed = True
                continue
        words.append(word)
    return " ".join(words) if changed else None


def _nearest(view, word: str) -> str | None:
    corrector = view.searcher.corrector("body")
    options = corrector.suggest(word, limit=5, maxdist=2)
    best = None
    best_df = 0
    for option in options:
        df = len(view.postings("body", option)[0])
        if df > best_df and option.isalpha():
            best, best_df = option, df
    return best
