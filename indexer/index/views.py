"""Keeping a process's index view current: `CurrentView`.

A `Searcher` answers every call from the current `IndexView` (an
immutable snapshot of one commit). When an indexing run has committed, or
a rebuild has swapped the generation, a new view is built; views being
used by other threads are never closed under them, and retired ones are
closed after a grace period (or once the last export reading one is done).

How the next view comes in depends on `background`. Without it (the CLI,
scripts, tests), the call that notices the change builds the new view and
uses it. With it (the service), no request waits for an index to open: the
worker opens and warms its view when it starts (`open_view`), and a
request that notices a commit starts building the next view in a thread
and is answered, like every request until that view is ready, by the
previous one; the new view is swapped in when complete. A new view keeps
what the commit did not change (see `segments`).
"""

from __future__ import annotations

import logging
import os
import threading
import time

from indexer.extract.gazetteer import load_gazetteer
from indexer.index.foreground import Foreground, no_pause
from indexer.index.store import CURRENT, IndexStore
from indexer.index.view import IndexView
from indexer.search.errors import IndexMissing

log = logging.getLogger("newsarchive.search")

RETIRE_AFTER = 120.0

# A file time this close to now may be followed by another change within the
# same tick of the file system's clock (a few milliseconds on Linux), which
# its stat would not show: such a signature is not trusted (see `_is_current`).
RACY_NS = 2_000_000_000


def _settled(signature: tuple) -> bool:
    """Whether both times of a `_signature` are older than `RACY_NS`."""
    return time.time_ns() - max(signature[0], signature[1]) > RACY_NS


class CurrentView:
    """The view requests get now, the next one being built, and retired ones."""

    def __init__(self, store: IndexStore, *, background: bool = False, warm=None):
        """`warm(view, previous, pause)`: run on a view built in the background before
        it is swapped in (the `Searcher` answers again there what was asked last)."""
        self.store = store
        self.background = background
        self._warm = warm
        # Requests being served; a build in the background waits for them (see `foreground`).
        self.foreground = Foreground()
        self._lock = threading.Lock()
        self._view: IndexView | None = None
        self._generation: str | None = None
        self._ix = None
        self._retired: list[tuple[float, object]] = []
        self._pinned: dict[int, int] = {}  # id(whoosh searcher) -> exports still reading it
        self._building: threading.Thread | None = None
        self.views_built = 0  # how many views this has built (tests read it)
        self.full_checks = 0  # freshness checks that read the index's files (tests read it)
        self._checked: tuple | None = None  # (view, signature) last found current
        self._closed = False

    def get(self) -> IndexView:
        """The view of the latest committed index (opening it if needed).

        In `background` mode an existing view answers until its successor
        is ready; only the very first view is built by the caller.
        """
        view, generation = self._view, self._generation
        if view is not None and self._is_current(view, generation):
            return view
        if view is not None and self.background:
            self._build_in_background()
            return view
        with self._lock:
            self._closed = False
            if self._view is not None and self._is_current(self._view, self._generation):
                return self._view
            return self._swap_in(*self._build_next())

    def open(self) -> IndexView:
        """Open (or bring up to date) and warm the view now: a worker does it before requests."""
        with self._lock:
            self._closed = False
            view = self._view
            if view is None or not self._is_current(view, self._generation):
                view = self._swap_in(*self._build_next())
        return view

    def _is_current(self, view: IndexView, generation: str | None) -> bool:
        """Whether `view` shows the latest commit; asked by every request.

        Reading the current generation's name and listing its folder for
        Whoosh's latest commit took about 0.3 ms a request. A commit writes
        a new file into the generation's folder and a rebuild replaces
        CURRENT, so when neither the folder nor CURRENT changed since the
        view was last found current (two stats), it still is. Signatures
        whose times are within `RACY_NS` of now are not kept: a change in
        the same clock tick would not show.
        """
        signature = self._signature(generation)
        if signature is not None and self._checked == (view, signature):
            return True
        self.full_checks += 1
        if self.store.current_name() != generation:
            return False
        try:
            current = view.searcher.up_to_date()
        except OSError:
            return False
        if current and signature is not None and _settled(signature):
            self._checked = (view, signature)
        return current

    def _signature(self, generation: str | None) -> tuple | None:
        """CURRENT's time, inode and size, and the generation folder's time and inode."""
        if generation is None:
            return None
        try:
            pointer = os.stat(self.store.root / CURRENT)
            folder = os.stat(self.store.root / generation)
        except OSError:
            return None
        return (
            pointer.st_mtime_ns,
            folder.st_mtime_ns,
            pointer.st_ino,
            pointer.st_size,
            folder.st_ino,
        )

    def _build_next(self, pause=no_pause) -> tuple[IndexView, str, object]:
        """A view of the latest commit, built beside the current one (which goes on serving).

        `pause()` is called between the build's steps (see `foreground`).
        """
        current = self.store.current_name()
        if current is None:
            raise IndexMissing(f"no index in {self.store.root}")
        ix = self._ix
        if current != self._generation or ix is None:
            ix = self.store.open(self.store.root / current)
        view = IndexView(ix.searcher(), load_gazetteer(), previous=self._view, pause=pause)
        view.generation_name = current
        self.views_built += 1
        return view, current, ix

    def _swap_in(self, view: IndexView, generation: str, ix) -> IndexView:
        """Make `view` the one requests get; retire the one it replaces. Holds `_lock`."""
        if self._view is not None:
            self._retired.append((time.monotonic(), self._view.searcher))
        self._view, self._generation, self._ix = view, generation, ix
        self._close_retired()
        return view

    def _build_in_background(self) -> None:
        """Start building the next view unless a build is already running."""
        with self._lock:
            if self._building is not None and self._building.is_alive():
                return
            self._building = threading.Thread(
                target=self._background_build, name="newsarchive-next-view", daemon=True
            )
            self._building.start()

    def _background_build(self) -> None:
        pause = self.foreground.pauser()
        try:
            built = self._build_next(pause)
        except Exception:  # the current view keeps serving; the next request tries again
            log.exception("building the next index view failed")
            return
        if self._warm is not None:
            try:
                self._warm(built[0], self._view, pause)
            except Exception:  # a cold view still answers correctly
                log.exception("warming the next index view failed")
        with self._lock:
            if self._closed:  # closed while this was being built: nobody will use it
                built[0].searcher.close()
                return
            self._swap_in(*built)

    def wait_for_swap(self, timeout: float | None = None) -> None:
        """Wait until a background build that is running has swapped its view in."""
        building = self._building
        if building is not None:
            building.join(timeout)

    def _close_retired(self):
        now = time.monotonic()
        keep = []
        for retired_at, searcher in self._retired:
            if now - retired_at > RETIRE_AFTER and id(searcher) not in self._pinned:
                try:
                    searcher.close()
                except Exception:
                    pass
            else:
                keep.append((retired_at, searcher))
        self._retired = keep

    def forget(self) -> None:
        """Drop the current view (its files vanished): the next call builds a new one."""
        with self._lock:
            self._view = None
            self._generation = None

    def close(self) -> None:
        """Close every searcher opened here (the process is done with them)."""
        with self._lock:
            self._closed = True
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

    def pin(self, searcher, delta: int) -> None:
        with self._lock:
            count = self._pinned.get(id(searcher), 0) + delta
            if count > 0:
                self._pinned[id(searcher)] = count
            else:
                self._pinned.pop(id(searcher), None)
                self._close_retired()  # the last reader of a retired view may have gone

    @property
    def generation(self) -> str | None:
        return self._generation
