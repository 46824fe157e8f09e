"""Which archive files exist, and whether one changed since it was indexed.

A file's change is decided by its size and mtime first (`file_stat`), then
by its content hash (`content_hash`, which covers its sidecar too): a file
that was only touched is read again but not re-indexed. The pair is kept in
the index as one `filesig` string, so the index itself remembers what it
holds and can never disagree with it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from indexer.sources import SIDECAR_SUFFIX


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
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    add_sidecar(path, digest)
    return digest.hexdigest()


def add_sidecar(path: Path, digest) -> None:
    """Feed `path`'s sidecar, if any, into a content hash of the file."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.exists():
        digest.update(b"\0sidecar\0")
        digest.update(sidecar.read_bytes())


def make_filesig(stat: str, digest: str) -> str:
    return f"{digest}|{stat}"


def split_filesig(filesig: str) -> tuple[str, str]:
    digest, _, stat = filesig.partition("|")
    return digest, stat


def same_content(old: str | None, new: str | None) -> bool:
    """Whether two filesigs name the same content (whatever their mtimes)."""
    return bool(old and new) and split_filesig(old)[0] == split_filesig(new)[0]


def scan_sources(sources: Iterable[Path]) -> list[str]:
    """Every archive file under `sources`, as sorted absolute paths."""
    from indexer.sources import iter_source_files

    seen = []
    for _root, file in iter_source_files([Path(s) for s in sources]):
        seen.append(str(file.resolve()))
    return sorted(set(seen))


def in_scope(path: str, roots: list[Path]) -> bool:
    """Whether `path` lies under one of `roots` (only those runs may delete it)."""
    for root in roots:
        if path == str(root) or path.startswith(str(root).rstrip(os.sep) + os.sep):
            return True
    return False
