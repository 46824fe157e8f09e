"""Loading one archive file: read, clean, extract and analyse it, in any process.

This is the work the indexing workers share out (see `workers`) and what
a run with few files does in its own process. Whatever goes wrong with one
file becomes that file's error and the run goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.ingest.backend import ArticleSink
from indexer.ingest.files import content_hash, file_stat, make_filesig, same_content
from indexer.ingest.tasks import Task

log = logging.getLogger("newsarchive.index")


@dataclass
class FileOutcome:
    """What became of one task (a file, or a range of one); its articles went to a sink.

    `documents` counts what reached the sink even when the task failed later
    (a reader bug on one record): the run then removes the file's articles
    again after its commit, so that the next run reads the file anew.
    """

    path: str
    filesig: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    documents: int = 0
    unchanged: bool = False
    estimate: int = 1


def file_into(task: Task, sink_for: Callable[[], ArticleSink]) -> FileOutcome:
    """Read `task`'s articles and hand them, analysed, to `sink_for()` one at a time.

    Unless the file's content is unchanged. `sink_for` is called only when
    there is something to add, so a worker that meets only unchanged or
    broken files opens no writer at all. One article at a time: memory holds
    the task's raw articles, never all of them analysed.
    """
    from indexer.extract import enrich
    from indexer.ingest.analysed import analyse
    from indexer.sources import SourceError, read_articles, read_line_range

    outcome = FileOutcome(task.path, estimate=task.estimate)
    path = Path(task.path)
    try:
        if task.lines is not None:
            outcome.filesig = task.filesig
            articles, warnings = read_line_range(path, task.path, task.lines)
        else:
            outcome.filesig = make_filesig(file_stat(path), content_hash(path))
            if same_content(task.old_sig, outcome.filesig):
                outcome.unchanged = True  # touched, not changed: nothing to re-index
                return outcome
            articles, warnings = read_articles(path, task.path)
    except SourceError as exc:
        outcome.error = str(exc) or type(exc).__name__
        return outcome
    except OSError as exc:
        outcome.error = f"cannot read: {exc.strerror or exc}"
        return outcome
    outcome.warnings = list(warnings)
    articles.reverse()  # popped in order, each freed once filed
    while articles:
        try:
            analysed = analyse(enrich(articles.pop()), outcome.filesig)
        except Exception as exc:  # a bug in extraction must not stop the archive
            log.exception("unexpected error reading %s", task.path)
            outcome.error = f"internal error: {type(exc).__name__}: {exc}"
            return outcome
        sink_for().add(analysed)  # its OSError (a full disk) stops the run
        outcome.documents += 1
    return outcome


def init_worker(parent_pid: int | None = None):
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    from indexer.analysis.segmenter import get_segmenter

    # Load the dictionary once per worker, not per file.
    get_segmenter()


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker when the run that forked it dies, even by SIGKILL.

    A killed run cannot shut its pool down, and its forked workers would wait
    for work forever, holding inherited descriptors such as the index's
    write lock (an flock): every later run would then fail with LockError.
    """
    try:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)  # Linux
    except (OSError, AttributeError):
        import threading

        def watch():
            while os.getppid() == parent_pid:
                time.sleep(0.2)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent_pid:  # the run died before prctl took effect
        os._exit(1)
