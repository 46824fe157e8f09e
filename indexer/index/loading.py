"""Loading one archive file: read, clean, extract, pre-analyse, in any process.

This is the work the indexing workers share out (see `parallel`) and what
a serial run does in its own process. A file's change is decided by its
size and mtime first (`file_stat`), then by its content hash
(`content_hash`, which covers its sidecar too).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis.segmenter import get_segmenter

log = logging.getLogger("newsarchive.index")


SIDECAR_SUFFIX = ".meta.json"


@dataclass
class FileResult:
    path: str
    filesig: str
    docs: list[dict]
    warnings: list[str]
    error: str | None = None


def file_stat(path: Path) -> str:
    """Size and mtime of a file and its sidecar: the cheap change check."""
    parts = []
    for p in (path, path.with_name(path.name + SIDECAR_SUFFIX)):
        try:
            st = p.stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_size}.{st.st_mtime_ns}")
    return "/".join(parts)


def content_hash(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(path.read_bytes())
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.exists():
        digest.update(b"\0sidecar\0")
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def make_filesig(stat: str, digest: str) -> str:
    return f"{digest}|{stat}"


def split_filesig(filesig: str) -> tuple[str, str]:
    digest, _, stat = filesig.partition("|")
    return digest, stat


def load_file(path_str: str) -> FileResult:
    """Read, clean, enrich and pre-analyse one file (runs in a worker)."""
    from indexer.extract import enrich
    from indexer.index.documents import article_fields
    from indexer.sources import SourceError, read_articles

    path = Path(path_str)
    try:
        stat = file_stat(path)
        filesig = make_filesig(stat, content_hash(path))
        articles, warnings = read_articles(path, path_str)
        docs = [article_fields(enrich(a), filesig) for a in articles]
    except SourceError as exc:
        return FileResult(path_str, "", [], [], str(exc) or type(exc).__name__)
    except OSError as exc:
        return FileResult(path_str, "", [], [], f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a bug in a reader must not stop the archive
        log.exception("unexpected error reading %s", path_str)
        return FileResult(path_str, "", [], [], f"internal error: {type(exc).__name__}: {exc}")
    return FileResult(path_str, filesig, docs, list(warnings))


def init_worker(parent_pid: int | None = None):
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    # Load the dictionary once per worker, not per file.
    get_segmenter()


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker when the run that forked it dies, even by SIGKILL.

    A killed run cannot shut its pool down, and its forked workers would wait
    for work forever, holding the inherited descriptor of Whoosh's write lock
    (an flock): every later run would then fail with LockError.
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
