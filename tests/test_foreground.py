"""Requests go first: a view built after a commit waits while requests are served.

The build and the requests share one interpreter lock; without the
pauses a request that arrived during the build ran at about half speed.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from indexer.index.foreground import Foreground
from indexer.index.searcher import Searcher

from .conftest import add_article, commit_archive, total_of


def _in_thread(fn) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def test_a_pause_returns_at_once_when_no_request_is_served():
    foreground = Foreground(longest_pause=30)
    pause = foreground.pauser()
    started = time.monotonic()
    pause()
    assert time.monotonic() - started < 1
    assert foreground.pauses == 0


def test_a_pause_lasts_until_the_last_request_ends():
    foreground = Foreground(longest_pause=30, most_waiting=60)
    pause = foreground.pauser()
    done = threading.Event()
    first, second = foreground.serving(), foreground.serving()
    first.__enter__()
    second.__enter__()
    waiting = _in_thread(lambda: (pause(), done.set()))
    time.sleep(0.2)
    first.__exit__(None, None, None)
    time.sleep(0.2)
    assert not done.is_set()  # one request is still being served
    second.__exit__(None, None, None)
    waiting.join(10)
    assert done.is_set()
    assert foreground.pauses == 1


def test_a_pause_is_bounded_at_each_step_and_in_all():
    foreground = Foreground(longest_pause=0.05, most_waiting=0.12)
    pause = foreground.pauser()
    with foreground.serving():  # a request that never ends
        started = time.monotonic()
        pause()
        one = time.monotonic() - started
        for _ in range(10):
            pause()
        total = time.monotonic() - started
    assert 0.04 < one < 5
    assert 0.1 < total < 5
    assert foreground.pauses <= 3  # 0.05 + 0.05 + 0.02 at most, then no more waiting


@contextmanager
def _committed(index, longest_pause, most_waiting):
    """A background searcher whose index has just had an article committed."""
    archive, index_dir = index
    with Searcher(index_dir, background=True) as searcher:
        searcher.open_view()
        foreground = searcher._views.foreground
        foreground.longest_pause, foreground.most_waiting = longest_pause, most_waiting
        add_article(archive, "new.txt", "Quantum widgets")
        commit_archive(index_dir, archive)
        yield searcher, foreground


def test_the_next_view_waits_while_a_request_is_being_served(live_index):
    with _committed(live_index, 30, 60) as (searcher, foreground):
        with foreground.serving():  # a request served by another thread meanwhile
            assert total_of(searcher, "quantum") == 0  # notices the commit: the build starts
            time.sleep(0.5)
            assert foreground.pauses >= 1
            assert total_of(searcher, "quantum") == 0  # not swapped in while held back
        searcher.wait_for_swap(30)
        assert total_of(searcher, "quantum") == 1


def test_the_next_view_comes_in_under_requests_that_never_stop(live_index):
    with _committed(live_index, 0.02, 0.1) as (searcher, foreground):
        with foreground.serving():
            assert total_of(searcher, "quantum") == 0
            searcher.wait_for_swap(30)
            assert total_of(searcher, "quantum") == 1
        assert foreground.pauses >= 1


def test_a_search_is_counted_as_served_while_it_runs(live_index):
    _archive, index_dir = live_index
    with Searcher(index_dir, background=True) as searcher:
        searcher.open_view()
        foreground, answer, seen = searcher._views.foreground, searcher._answer, []

        def counted(view, request):
            seen.append(foreground._serving)
            return answer(view, request)

        searcher._answer = counted
        total_of(searcher, "wafer")
        assert seen == [1] and foreground._serving == 0
