"""Index views across commits: built in the background, swapped in whole, warm from the start.

The service's searcher (`background=True`) never makes a request wait for
an index to open: the worker opens its view before its first request, and
after a commit the next view is built in a thread while the previous one
answers. These tests hold that build back on purpose to see who answers
meanwhile, and check what a new view keeps from the one it replaces.
"""

from __future__ import annotations

import threading

from indexer.index import searcher as searcher_module
from indexer.index import views as views_module
from indexer.index.searcher import Searcher
from indexer.index.store import IndexStore
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index
from indexer.search.request import SearchRequest

from .conftest import add_article, commit_archive, seeds_copy, total_of


class HeldViews:
    """Makes every IndexView built from now on wait until `release()`; records the threads."""

    def __init__(self, monkeypatch):
        self.gate = threading.Event()
        self.threads: list[str] = []
        original = views_module.IndexView

        def held(*args, **kwargs):
            self.threads.append(threading.current_thread().name)
            self.gate.wait(30)
            return original(*args, **kwargs)

        monkeypatch.setattr(views_module, "IndexView", held)

    def release(self):
        self.gate.set()


def test_a_search_during_a_swap_is_served_by_the_old_view(live_index, monkeypatch):
    archive, index_dir = live_index
    with Searcher(index_dir, background=True) as searcher:
        old = searcher.open_view()
        assert total_of(searcher, "quantum") == 0
        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)

        held = HeldViews(monkeypatch)
        assert total_of(searcher, "quantum") == 0  # answered by the old view at once
        assert searcher.view() is old
        assert held.threads == ["newsarchive-next-view"]  # built aside, not by the request
        held.release()
        searcher.wait_for_swap(30)
        assert searcher.view() is not old
        assert total_of(searcher, "quantum") == 1
        assert searcher.views_built == 2


def test_the_first_request_after_a_commit_does_not_pay_the_open(live_index, monkeypatch):
    archive, index_dir = live_index
    with Searcher(index_dir, background=True) as searcher:
        searcher.open_view()
        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)
        held = HeldViews(monkeypatch)
        requests = [total_of(searcher, q) for q in ("wafer", "quantum", "Wuxi")]
        assert requests[1] == 0 and requests[0] > 0
        # However many requests came meanwhile, one view was being built, in its thread.
        assert held.threads == ["newsarchive-next-view"]
        held.release()
        searcher.wait_for_swap(30)
        assert total_of(searcher, "quantum") == 1


class StoredColumnOpens:
    """Counts the openings of a segment's stored-article column (a loop over its lengths)."""

    def __init__(self, monkeypatch):
        from whoosh.columns import CompressedBytesColumn  # Whoosh's stored-fields column

        self.count = 0
        real = CompressedBytesColumn.Reader.__init__

        def counted(reader, *args):
            self.count += 1
            real(reader, *args)

        monkeypatch.setattr(CompressedBytesColumn.Reader, "__init__", counted)


def test_no_request_opens_the_stored_articles_after_a_start(multi_segment_index, monkeypatch):
    with Searcher(multi_segment_index, background=True) as searcher:
        view = searcher.open_view()
        assert len(view.leaves) > 1
        opens = StoredColumnOpens(monkeypatch)
        every_article = SearchRequest(q="", per_page=view.doc_count_all)
        assert len(searcher.search(every_article).hits) == view.doc_count_all
        assert opens.count == 0


def test_no_request_opens_the_stored_articles_after_a_commit(live_index, monkeypatch):
    archive, index_dir = live_index
    with Searcher(index_dir, background=True) as searcher:
        view = searcher.open_view()
        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)
        opens = StoredColumnOpens(monkeypatch)
        searcher.view()
        searcher.wait_for_swap(30)
        assert searcher.view() is not view
        assert len(searcher.view().leaves) == 2
        assert opens.count == 2  # by the build, in its thread
        every_article = SearchRequest(q="", per_page=100)
        assert len(searcher.search(every_article).hits) == view.doc_count_all + 1
        assert opens.count == 2


def test_a_view_swapped_during_a_search_does_not_change_its_answer(live_index, monkeypatch):
    archive, index_dir = live_index
    with Searcher(index_dir, background=True) as searcher:
        first = searcher.open_view()
        expected = searcher.search(SearchRequest(q="wafer OR quantum", per_page=50))
        paused, resume = threading.Event(), threading.Event()
        real_count = searcher_module.count_facets

        def slow_count(view, *args):
            if threading.current_thread().name == "slow-search":
                paused.set()
                resume.wait(30)
            return real_count(view, *args)

        monkeypatch.setattr(searcher_module, "count_facets", slow_count)
        answers = {}

        def slow_search():
            answers["slow"] = searcher.search(SearchRequest(q="wafer OR quantum", per_page=50))

        slow = threading.Thread(target=slow_search, name="slow-search")
        slow.start()
        assert paused.wait(30)
        # Meanwhile a commit lands and another request brings in the next view.
        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)
        searcher.search(SearchRequest(q="wafer"))
        searcher.wait_for_swap(30)
        assert searcher.view() is not first
        resume.set()
        slow.join(30)
        got = answers["slow"]
        assert got.total == expected.total and got.hits == expected.hits
        assert got.facets == expected.facets and got.generation == expected.generation
        assert total_of(searcher, "wafer OR quantum") == expected.total + 1


def test_an_index_changed_between_two_searches(live_index):
    archive, index_dir = live_index
    with Searcher(index_dir) as searcher:  # the CLI's way: the caller builds the new view
        assert total_of(searcher, "quantum") == 0
        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)
        assert total_of(searcher, "quantum") == 1
        (archive / "new.txt").unlink()
        commit_archive(index_dir, archive)
        assert total_of(searcher, "quantum") == 0
        assert searcher.views_built == 3


def test_a_worker_opens_its_view_before_its_first_request(seed_index, monkeypatch):
    from service import create_app
    from service.search_index import get_searcher, open_in_worker

    app = create_app({"TESTING": True, "INDEX": str(seed_index)})
    open_in_worker(app)
    with app.app_context():
        searcher = get_searcher()
    assert searcher.views_built == 1
    held = HeldViews(monkeypatch)  # any view built from here on would be the request's
    response = app.test_client().get("/api/search", query_string={"q": "wafer"})
    assert response.status_code == 200 and response.get_json()["total"] > 0
    assert held.threads == [] and searcher.views_built == 1
    held.release()
    searcher.close()


def test_a_worker_makes_what_a_first_request_would_before_taking_one(seed_index, monkeypatch):
    from service import create_app
    from service.facets import _place_rows
    from service.search_index import open_in_worker, warm_up

    _place_rows.cache_clear()
    app = create_app({"TESTING": True, "INDEX": str(seed_index)})
    with app.app_context():
        warm_up()  # gunicorn's master, before it forks
    assert _place_rows.cache_info().currsize == 1  # the place facet's rows, shared by workers
    open_in_worker(app)  # a worker
    compiled = []
    real_compile = app.jinja_env.compile
    monkeypatch.setattr(
        app.jinja_env, "compile", lambda *a, **k: compiled.append(a) or real_compile(*a, **k)
    )
    client = app.test_client()
    assert client.get("/", query_string={"q": "wafer"}).status_code == 200
    assert client.get("/api/search", query_string={"q": "wafer"}).status_code == 200
    assert compiled == []  # the page's templates were compiled by the worker's warm-up
    assert _place_rows.cache_info().misses == 1
    with app.app_context():
        from service.search_index import close_searcher

        close_searcher(app)


def test_a_worker_starts_without_an_index(tmp_path):
    from service import create_app
    from service.search_index import open_in_worker

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "none")})
    open_in_worker(app)  # logs and goes on: /healthz reports the missing index
    assert app.test_client().get("/healthz").status_code == 503


def test_an_incremental_commit_reuses_what_unchanged_segments_gave(tmp_path):
    from indexer.index.segments import SEGMENTS

    from .conftest import build_index

    index_dir = tmp_path / "index"
    build_index(index_dir, [seeds_copy(tmp_path)], one_segment_per_file=True)
    archive = tmp_path / "index-staged"  # what the index holds, file by file
    with Searcher(index_dir, background=True) as searcher:
        old = searcher.open_view()
        assert len(old.segments) > 1
        wafer = total_of(searcher, "wafer")
        read = {id(seg): seg.postings_read for seg in old.segments}
        loaded = SEGMENTS.loaded
        # One article added, one changed: a new segment, and a deletion in an old one.
        add_article(archive, "new.txt", "Quantum wafer widgets")
        changed = next(p for p in sorted(archive.iterdir()) if "wafer" in p.read_text("utf-8"))
        changed.write_text(changed.read_text("utf-8").replace("wafer", "germanium"), "utf-8")
        commit_archive(index_dir, archive)
        searcher.search(SearchRequest(q="wafer"))
        searcher.wait_for_swap(30)
        new = searcher.view()
        assert new is not old
        kept = [seg for seg in new.segments if any(seg is o for o in old.segments)]
        assert len(kept) >= len(old.segments) - 1  # only a segment merged away is not kept
        assert SEGMENTS.loaded - loaded == len(new.segments) - len(kept)
        # The words asked before the commit were read by the new view before its swap.
        assert new._postings.get(("body", "wafer")) is not None
        assert total_of(searcher, "wafer") == wafer  # +1 new, -1 changed
        # The unchanged segments' postings of "wafer" were not read again.
        assert all(seg.postings_read == read[id(seg)] for seg in kept)
        assert total_of(searcher, "germanium") == 1
        assert new.place_counter.parts[0][1] is old.place_counter.parts[0][1]


def _age(index_dir, seconds=60):
    """Date CURRENT and the generation's folder `seconds` back: no change is that recent."""
    import os
    import time

    then = time.time() - seconds
    current = index_dir / "CURRENT"
    for path in (current, index_dir / current.read_text().strip()):
        os.utime(path, (then, then))


def test_a_view_found_current_is_not_checked_again_until_a_commit(live_index):
    archive, index_dir = live_index
    _age(index_dir)
    with Searcher(index_dir) as searcher:
        views = searcher._views
        for _ in range(2):  # the view is built, then found current once
            assert total_of(searcher, "quantum") == 0
        checks = views.full_checks
        for _ in range(5):
            assert total_of(searcher, "quantum") == 0
        assert views.full_checks == checks  # two stats each, no listing of the folder

        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)  # a commit writes into the folder
        assert total_of(searcher, "quantum") == 1
        assert views.full_checks > checks

        _age(index_dir)
        assert total_of(searcher, "quantum") == 1
        checks = views.full_checks
        assert total_of(searcher, "quantum") == 1
        assert views.full_checks == checks
        (archive / "new.txt").unlink()
        store = IndexStore(index_dir)
        with store.lock():  # a rebuild: a new generation, CURRENT replaced
            run_index(WhooshIndex(store), [archive], workers=1, rebuild=True)
        assert total_of(searcher, "quantum") == 0


def test_a_change_in_the_same_clock_tick_as_the_last_check_is_still_seen(live_index, monkeypatch):
    """Recent file times are not trusted: a commit may follow within the same tick."""
    import os

    archive, index_dir = live_index
    with Searcher(index_dir) as searcher:
        for _ in range(2):  # the view is built, then found current (times are recent)
            assert total_of(searcher, "quantum") == 0
        current = index_dir / "CURRENT"
        folder = index_dir / current.read_text().strip()
        stamps = {p: os.stat(p) for p in (current, folder)}
        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)
        for path, st in stamps.items():  # as if the commit fell in the same tick
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert total_of(searcher, "quantum") == 1
