"""Requests before background work in one process: `Foreground`.

After a commit each worker builds its next index view in a thread while
its requests are answered by the previous view (`views.CurrentView`).
Both are Python and share one interpreter lock, which the interpreter
hands between running threads every few milliseconds: a request that
arrived during the build ran at about half speed, 2-3× a warm
first-seen query (22-33 ms against 7-11 at 100k articles).

So requests say when they are being served, and the build, between its
steps (most take a few milliseconds, the longest about 20 at 100k
articles), waits while any is. Numpy releases the
lock inside its loops, so a step in flight costs a request little. A
build waits at most `longest_pause` at one step and `most_waiting` in
all: under constant load the new articles still show within a second or
so of their commit.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

LONGEST_PAUSE = 0.05  # seconds a build waits at one step for requests to end...
MOST_WAITING = 1.0  # ...and in all


def no_pause() -> None:
    """The pause of a build that has nobody to yield to (the caller waits for it)."""


class Foreground:
    """How many requests are being served now, and a pause for work that yields to them."""

    def __init__(self, longest_pause: float = LONGEST_PAUSE, most_waiting: float = MOST_WAITING):
        self.longest_pause = longest_pause
        self.most_waiting = most_waiting
        self._changed = threading.Condition()
        self._serving = 0
        self.pauses = 0  # steps at which background work found requests being served

    @contextmanager
    def serving(self):
        """Around the work of one request (any thread)."""
        with self._changed:
            self._serving += 1
        try:
            yield
        finally:
            with self._changed:
                self._serving -= 1
                if not self._serving:
                    self._changed.notify_all()

    def pauser(self):
        """The `pause()` one piece of background work calls between its steps.

        It returns at once when no request is being served; otherwise it
        waits until none is, for at most `longest_pause`, and once the
        work has waited `most_waiting` in all it no longer waits.
        """
        waited = 0.0

        def pause() -> None:
            nonlocal waited
            with self._changed:
                if not self._serving or waited >= self.most_waiting:
                    return
                self.pauses += 1
                started = time.monotonic()
                longest = min(self.longest_pause, self.most_waiting - waited)
                self._changed.wait_for(lambda: not self._serving, timeout=longest)
                waited += time.monotonic() - started

        return pause
