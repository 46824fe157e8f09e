"""Big JSON Lines files, read a byte range at a time.

An export of a CMS or a crawler is often one file of millions of lines. Read
whole, it costs memory in proportion to its size and keeps one core busy
while the other waits. So a big `.jsonl` file is cut into byte ranges that
end at line ends (`plan_ranges`), each range is read on its own, in any
worker (`read_lines`), and no process ever holds more than one range.

An article's identity within a JSON Lines file is its line number (`part`
is the 0-based line index), whichever range it was read in, so its id does
not depend on how the file was cut; a line that fails is reported by its
line number. Lines are UTF-8 (as JSON requires; a UTF-8 byte-order mark is
skipped); a line that is not is decoded by the same detection as any file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

READ_BLOCK = 1 << 20


@dataclass(frozen=True)
class LineRange:
    start: int  # byte offset of the range's first line
    end: int  # byte offset just past its last line's newline (or the end of the file)
    first_line: int  # 1-based number of its first line
    lines: int  # newlines in the range (the last line may have none)


def plan_ranges(path: Path, target_bytes: int, digest=None) -> list[LineRange]:
    """Cut `path` into ranges of about `target_bytes`, at line ends, in one pass.

    `digest` (a hashlib object), when given, is fed every byte on the way, so
    the file is hashed by the same read that cuts it.
    """
    ranges: list[LineRange] = []
    start, line, newlines, offset = 0, 1, 0, 0
    carry_start = 0
    with open(path, "rb") as f:
        while block := f.read(READ_BLOCK):
            if digest is not None:
                digest.update(block)
            pos = 0
            while offset + len(block) - carry_start >= target_bytes:
                # The first newline at or after the target cuts the range.
                want = max(carry_start + target_bytes - offset, pos)
                cut = block.find(b"\n", want)
                if cut < 0:
                    break
                newlines += block.count(b"\n", pos, cut + 1)
                end = offset + cut + 1
                ranges.append(LineRange(start, end, line, newlines))
                line += newlines
                start, carry_start, newlines, pos = end, end, 0, cut + 1
            newlines += block.count(b"\n", pos)
            offset += len(block)
    if offset > start:
        ranges.append(LineRange(start, offset, line, newlines))
    return ranges


def read_lines(path: Path, part: LineRange) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes without the newline) for every line of the range."""
    number = part.first_line
    with open(path, "rb") as f:
        f.seek(part.start)
        remaining = part.end - part.start
        while remaining > 0:
            raw = f.readline(remaining)
            if not raw:
                break
            remaining -= len(raw)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            yield number, raw.rstrip(b"\r\n")
            number += 1
