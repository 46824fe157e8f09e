"""Work split by articles, not by files: what the workers are handed.

A folder of small files is shared out a file at a time. A big JSON Lines
file is cut into ranges of about `RANGE_BYTES` (`sources.lines`), each a
task of its own, so one 5-million-line export keeps every core busy and no
process holds more than a range of it. The parent hashes a big file in the
same pass that cuts it: an export that was only touched is not re-read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from indexer.ingest.files import (
    add_sidecar,
    file_stat,
    make_filesig,
    same_content,
)
from indexer.sources.lines import LineRange, plan_ranges

RANGE_BYTES = 4 << 20  # about 1,300 articles of 3 KB: a few seconds of one core's work


@dataclass(frozen=True, slots=True)  # a million files: a million of these
class Task:
    path: str
    old_sig: str | None  # what the index holds for this file, if anything
    lines: LineRange | None = None  # one range of a big JSON Lines file
    filesig: str | None = None  # known for ranges: the parent hashed the file
    estimate: int = 1  # articles expected, for the progress bar


@dataclass(slots=True)
class FilePlan:
    """The tasks of one file (one, or one per range), or why there are none."""

    path: str
    tasks: list[Task]
    unchanged: bool = False
    error: str | None = None

    @property
    def estimate(self) -> int:
        return sum(t.estimate for t in self.tasks)


def is_json_lines(path: str) -> bool:
    """Whether `path` may be cut into ranges (when big), and so must be planned to be counted."""
    return Path(path).suffix.lower() == ".jsonl"


def plan_file(path: str, old_sig: str | None) -> FilePlan:
    p, range_bytes = Path(path), RANGE_BYTES
    try:
        big = is_json_lines(path) and p.stat().st_size > range_bytes
    except OSError:
        big = False  # the worker reports it
    if not big:
        return FilePlan(path, [Task(path, old_sig)])
    try:
        stat = file_stat(p)
        digest = hashlib.blake2b(digest_size=16)
        ranges = plan_ranges(p, range_bytes, digest)
        add_sidecar(p, digest)  # as `files.content_hash` does
    except OSError as exc:
        return FilePlan(path, [], error=f"cannot read: {exc.strerror or exc}")
    filesig = make_filesig(stat, digest.hexdigest())
    if same_content(old_sig, filesig):
        return FilePlan(path, [], unchanged=True)
    return FilePlan(path, [Task(path, old_sig, r, filesig, max(r.lines, 1)) for r in ranges])
