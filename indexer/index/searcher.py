"""The search facade: one object per process, plain objects in and out.

`Searcher` is opened once per process and shared by all threads. Each call
takes the current `IndexView` (an immutable snapshot) from `views.CurrentView`,
which builds the next one after a commit (in the background, for the
service) and retires old ones.

`search()` returns a `SearchResult` of plain data: the JSON API and the HTML
page render the very same object.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from indexer.article import PubDate
from indexer.extract.gazetteer import load_gazetteer
from indexer.index.answers import KeptAnswers
from indexer.index.evaluation import Evaluation
from indexer.index.exporting import stored_articles
from indexer.index.facet_counts import count_facets
from indexer.index.filters import filter_mask
from indexer.index.foreground import no_pause
from indexer.index.related import related_articles
from indexer.index.relaxing import RELAX_BELOW, relaxed_matches
from indexer.index.segments import SEGMENTS
from indexer.index.selection import Selection, page_of, story_page_of
from indexer.index.snippets import page_spans, term_spans
from indexer.index.store import IndexStore
from indexer.index.suggestions import suggest
from indexer.index.view import IndexView
from indexer.index.views import CurrentView
from indexer.search.budget import Budget
from indexer.search.dates import date_bound, month_within
from indexer.search.errors import FilterError, QueryTooExpensive
from indexer.search.fragments import fragment_of, wants_bigrams
from indexer.search.places import place_dicts, place_expansions, place_label, resolve_places
from indexer.search.query import QueryError, parse_query
from indexer.search.request import SORTS, IndexVersion, SearchRequest, SearchResult
from indexer.search.snippets import make_snippet, mark
from indexer.search.summaries import doc_summary

log = logging.getLogger("newsarchive.search")

WARM_ANSWERS = 32  # a view after a commit answers again the requests its predecessor answered last
WARM_ANSWERS_SECONDS = 0.5  # ...for at most this long

__all__ = ["Searcher"]


@dataclass
class Found:
    """What a request selects before any page of it is read: a search's first half."""

    tree: object
    sort: str
    budget: Budget
    evaluation: Evaluation
    selection: Selection
    masks: dict
    expanded: dict
    unknown_locations: list
    complete: int  # articles with every word, before relaxing
    exact: bool  # an article holds the query's exact text
    relaxed: dict | None
    days_in: int | None = None  # the month (YYYYMM) whose days the timeline counts


class Searcher:
    def __init__(
        self,
        index_dir,
        query_timeout_ms: float | None = None,
        *,
        background=False,
        answer_cache_mb: float = 0,
    ):
        """`query_timeout_ms`: each search's time budget (see `budget`); None: no limit.

        `background`: build views after commits in a thread, serving the
        previous view meanwhile (see `views`).

        `answer_cache_mb`: whole answers kept per view (see `answers`); 0:
        none, so that a library caller or a test sees every search run.
        """
        self.query_timeout = None if query_timeout_ms is None else query_timeout_ms / 1000
        self.store = IndexStore(index_dir)
        self._views = CurrentView(self.store, background=background, warm=self._warm_next)
        self._answer_bytes = int(answer_cache_mb * 2**20)
        self._answers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # view -> kept
        self._answers_lock = threading.Lock()

    # -- keeping current ---------------------------------------------------
    def view(self) -> IndexView:
        """The view to answer from now (see `views.CurrentView.get`)."""
        return self._views.get()

    def open_view(self) -> IndexView:
        """Open (or bring up to date) and warm the view now: a worker does it before requests.

        Warm: every segment's stored articles opened, and one search of
        everything (newest first, facets and a page of hits) to run the code
        paths and read the pages every search needs, so the first user's
        search costs what any other first-seen one does.
        """
        view = self._views.open()
        try:
            with view.lock:
                view.open_stored_columns()
                self._search(view, SearchRequest(q="", sort="newest"))
        except Exception as exc:  # a warm-up never stops a worker; the search will say why
            log.warning("warming the index view failed: %s", exc)
        return view

    def wait_for_swap(self, timeout: float | None = None) -> None:
        """Wait until a background build that is running has swapped its view in."""
        self._views.wait_for_swap(timeout)

    @property
    def views_built(self) -> int:
        return self._views.views_built

    def _with_retry(self, fn):
        """Run fn(view); if the files under an old view vanished, retry on a new one.

        One request at a time per view: Whoosh's readers seek and read shared
        file handles, so two threads reading postings of one reader at once
        read each other's offsets (gunicorn's gthread workers did exactly
        that: "read length must be non-negative"). Searching is CPU-bound
        under the GIL anyway, so the lock costs no throughput.
        """
        with self._views.foreground.serving():
            view = self.view()
            try:
                with view.lock:
                    return fn(view)
            except (OSError, EOFError) as exc:
                log.warning("index changed under a request (%s); retrying", exc)
                self._views.forget()
                view = self.view()
                with view.lock:
                    return fn(view)

    def close(self) -> None:
        """Close every searcher this object opened (the process is done with it)."""
        self._views.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def generation(self) -> str | None:
        return self._views.generation

    # -- searching --------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        return self._with_retry(lambda view: self._answer(view, request))

    def _answer(self, view: IndexView, req: SearchRequest) -> SearchResult:
        if self._answer_bytes <= 0:  # no cache: nothing to look up or keep
            return self._search(view, req)
        started = time.perf_counter()
        with self._answers_lock:
            answers = self._answers.get(view)
            if answers is None:
                answers = self._answers[view] = KeptAnswers(self._answer_bytes)
        kept = answers.get(req)
        if kept is not None:
            return replace(kept, took_ms=round((time.perf_counter() - started) * 1000, 2))
        result = self._search(view, req)
        answers.keep(req, result)
        return result

    def _warm_next(self, view: IndexView, previous: IndexView | None, pause=no_pause) -> None:
        """Ready `view` (built after a commit, not yet in use): open its stored
        articles and answer the requests `previous` answered last."""
        with view.lock:
            view.open_stored_columns(pause)
        with self._answers_lock:
            kept = self._answers.get(previous) if previous is not None else None
        if kept is None:
            return
        started = time.perf_counter()
        for req in kept.recent_requests(WARM_ANSWERS):
            if time.perf_counter() - started > WARM_ANSWERS_SECONDS:
                break
            pause()
            try:
                with view.lock:
                    self._answer(view, req)
            except QueryTooExpensive:
                continue

    def _search(self, view: IndexView, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        found = self._find(view, req)
        selection, budget, evaluation = found.selection, found.budget, found.evaluation

        per_page = req.per_page
        start = (req.page - 1) * per_page
        page = (view, selection.docs, selection.scores, found.sort, start, per_page)
        total_stories = None
        if req.grouped:
            page_docs, page_scores, copies, total_stories = story_page_of(*page, selection.tiers)
        else:
            page_docs, page_scores = page_of(*page, selection.tiers)
        spans = page_spans(view, evaluation, page_docs) if req.snippets else None
        hits = [
            self._hit(view, int(d), float(s), spans)
            for d, s in zip(page_docs, page_scores, strict=True)
        ]
        if req.grouped:
            for hit, docnum, count in zip(hits, page_docs, copies, strict=True):
                hit["story"] = self._story_id(view, int(docnum), hit["id"])
                hit["copies"] = count

        budget.check()
        facets = (
            count_facets(view, selection.in_query, found.masks, found.days_in, selection)
            if req.facets
            else {}
        )
        suggestion = None
        if found.complete < 3 and req.q and not found.exact:
            suggestion = suggest(view, found.tree, budget)
        return SearchResult(
            query=req.q or "",
            total=selection.total,
            page=req.page,
            per_page=per_page,
            sort=found.sort,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            facets=facets,
            expanded=found.expanded,
            suggestion=suggestion,
            unknown_locations=found.unknown_locations,
            generation=view.generation_name or "",
            relaxed=found.relaxed,
            total_stories=total_stories,
        )

    @staticmethod
    def _story_id(view, docnum: int, own_id: str) -> str:
        first = view.stories.first_of(docnum)
        if first == docnum:
            return own_id
        return view.searcher.stored_fields(first).get("id", own_id)

    def story_of(self, doc_id: str) -> str | None:
        """See `backend.GroupingStories`."""

        def find(view):
            docnum = view.searcher.document_number(id=doc_id)
            return None if docnum is None else self._story_id(view, docnum, doc_id)

        return self._with_retry(find)

    def _find(self, view: IndexView, req: SearchRequest) -> Found:
        """Every document `req` selects, scored and tiered, within the time budget."""
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
        days_in = None
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
            days_in = month_within(lo, hi)
        if req.story:
            masks["story"] = view.story_mask(req.story)

        selection = Selection.of(view, matches, masks)
        fragment = fragment_of(tree)
        if fragment is not None:
            selection.mark_fragments(view, fragment)
            if wants_bigrams(tree, selection.total, selection.fragments_found):
                evaluation = Evaluation(view, expansions, bigrams=True, budget=budget)
                selection = Selection.of(view, evaluation.run(tree), masks)
                selection.mark_fragments(view, fragment)
        complete = selection.total
        relaxed = None
        exact = fragment is not None and selection.fragments_found
        if complete < RELAX_BELOW and req.q and not exact:
            relaxed = self._relax(view, evaluation, tree, masks, selection, fragment)
            if relaxed is not None:
                selection, relaxed = relaxed
        budget.check()
        return Found(
            tree=tree,
            sort=sort,
            budget=budget,
            evaluation=evaluation,
            selection=selection,
            masks=masks,
            expanded=expanded,
            unknown_locations=unknown_locations,
            complete=complete,
            exact=exact,
            relaxed=relaxed,
            days_in=days_in,
        )

    @staticmethod
    def _relax(view, evaluation, tree, masks, strict: Selection, fragment):
        """The relaxed selection and its description, or None when it adds nothing."""
        found = relaxed_matches(evaluation, tree)
        if found is None:
            return None
        matches, counts, words = found
        selection = Selection.of(view, matches, masks, counts)
        partial = selection.tiers < words
        if not partial.any():
            return None
        best = int(selection.tiers[partial].max())
        if fragment is not None:
            selection.mark_fragments(view, fragment)
        described = {"matched_words": best, "of": words, "complete": strict.total}
        return selection, described

    def _hit(self, view, docnum, score, spans: dict | None) -> dict:
        stored = view.stored_fields(docnum)
        title = stored.get("title", "")
        body = stored.get("body", "")
        hit = doc_summary(stored)
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
        doc = doc_summary(stored)
        doc["body"] = stored.get("body", "")
        doc["path"] = stored.get("path", "")
        doc["part"] = stored.get("part", 0)
        doc["url_original"] = stored.get("url") or None
        doc["places"] = place_dicts(stored.get("places", ""))
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
        doc["related"] = related_articles(view, docnum, doc)
        return doc

    # -- exporting -------------------------------------------------------
    def export(self, request: SearchRequest, limit: int, body: bool = False) -> Iterator[dict]:
        """See `SearchBackend.export`: the search runs now, the reading as it is consumed."""

        def chosen(view):
            found = self._find(view, request)
            sel = found.selection
            docs, _ = page_of(view, sel.docs, sel.scores, found.sort, 0, limit, sel.tiers)
            return view, np.asarray(docs, dtype=np.int64)

        view, docs = self._with_retry(chosen)
        return self._read_articles(view, docs, body)

    def _read_articles(self, view: IndexView, docs: np.ndarray, body: bool) -> Iterator[dict]:
        """The articles, read as they are consumed; the view is pinned meanwhile.

        An indexing run retires the view it replaces and closes it a while
        later: not while a long download is still reading it.
        """
        self._views.pin(view.searcher, +1)
        try:
            yield from stored_articles(view, docs, body)
        finally:
            self._views.pin(view.searcher, -1)

    # -- versions ---------------------------------------------------------
    def version(self) -> IndexVersion:
        view = self.view()
        return self.store.version(view.generation_name or "", view.reader.generation())

    # -- statistics ------------------------------------------------------
    def stats(self) -> dict:
        return self._with_retry(self._stats)

    def _stats(self, view) -> dict:
        gen_dir = self.store.root / (view.generation_name or "")
        meta = self.store.meta(gen_dir)
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
                {"id": pid, "label": place_label(gaz, pid), "count": c} for c, pid in top
            ],
            "index_bytes": size,
            "index_path": str(gen_dir),
            "generation": view.generation_name,
            "segments": len(view.leaves),
            "last_update": meta.get("last_update"),
            "last_change": meta.get("last_change"),
            "segmenter": meta.get("segmenter"),
        }


def read_segments_ahead(index_dir) -> None:
    """Read the current index's segments before gunicorn forks (see `backend.warm_up`).

    Columns, place bitmaps and the mapped postings arrays (`segments`) read
    in the master are pages the forked workers share, and each worker builds
    its first view from them. No file stays open: each worker opens its own.
    """
    store = IndexStore(index_dir)
    if not store.exists():
        return
    try:
        ix = store.open()
        try:
            with ix.reader() as reader:
                for leaf, _offset in reader.leaf_readers():
                    SEGMENTS.get(leaf)
        finally:
            ix.close()
    except Exception as exc:  # each worker opens the index itself and says what is wrong
        log.warning("could not read the index ahead of the workers: %s", exc)
