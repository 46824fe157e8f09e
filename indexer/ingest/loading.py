"""Loading one archive file: read, clean, extract and analyse it, in any process.

This is the work the indexing workers share out (see `workers`) and what
a run with few files does in its own process. Whatever goes wrong with one
file becomes that file's error and the run goes on.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.ingest.analysed import AnalysedArticle
from indexer.ingest.files import content_hash, file_stat, make_filesig, same_content

log = logging.getLogger("newsarchive.index")


@dataclass
class FileResult:
    path: str
    filesig: str
    articles: list[AnalysedArticle]
    warnings: list[str]
    error: str | None = None


@dataclass
class FileOutcome:
    """What became of one file; its articles went to a sink, not along with this."""

    path: str
    filesig: str
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    documents: int = 0
    unchanged: bool = False


def load_file(path_str: str) -> FileResult:
    """Read, clean, enrich and analyse one file (runs in a worker)."""
    from indexer.extract import enrich
    from indexer.ingest.analysed import analyse
    from indexer.sources import SourceError, read_articles

    path = Path(path_str)
    try:
        stat = file_stat(path)
        filesig = make_filesig(stat, content_hash(path))
        articles, warnings = read_articles(path, path_str)
        analysed = [analyse(enrich(a), filesig) for a in articles]
    except SourceError as exc:
        return FileResult(path_str, "", [], [], str(exc) or type(exc).__name__)
    except OSError as exc:
        return FileResult(path_str, "", [], [], f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a bug in a reader must not stop the archive
        log.exception("unexpected error reading %s", path_str)
        return FileResult(path_str, "", [], [], f"internal error: {type(exc).__name__}: {exc}")
    return FileResult(path_str, filesig, analysed, list(warnings))


def file_into(path: str, old_sig: str | None, sink_for) -> FileOutcome:
    """Load `path` and hand its articles to `sink_for()`, unless its content is unchanged.

    `sink_for` is called only when there is something to add, so a worker
    that meets only unchanged or broken files opens no writer at all.
    """
    result = load_file(path)
    outcome = FileOutcome(result.path, result.filesig, result.warnings, result.error)
    if result.error is not None:
        return outcome
    if same_content(old_sig, result.filesig):
        outcome.unchanged = True  # touched, not changed: nothing to re-index
        return outcome
    if result.articles:
        sink = sink_for()
        for article in result.articles:
            sink.add(article)
        outcome.documents = len(result.articles)
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
