"""Free space on the file system that holds the index: reported, and warned about.

A rebuild writes a second index beside the first, and a full disk makes an
indexing run fail; `newsarchive stats`, every indexing run and /healthz
say how much room is left, whatever backend stores the index locally.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DiskSpace:
    """Free space on the file system that holds the index."""

    free_bytes: int
    total_bytes: int
    min_free_bytes: int

    @property
    def low(self) -> bool:
        return self.free_bytes < self.min_free_bytes

    def warning(self) -> str | None:
        if not self.low:
            return None
        return (
            f"only {_megabytes(self.free_bytes)} free on the index's file system "
            f"(warning below {_megabytes(self.min_free_bytes)}): an indexing run "
            "may fail with a full disk"
        )

    def as_dict(self) -> dict:
        return {
            "free_bytes": self.free_bytes,
            "total_bytes": self.total_bytes,
            "min_free_bytes": self.min_free_bytes,
            "low": self.low,
        }


def disk_space(path: str | os.PathLike, min_free_mb: float) -> DiskSpace:
    """Free space where `path` is, or would be created (its nearest existing parent)."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    st = os.statvfs(path)
    return DiskSpace(
        free_bytes=st.f_bavail * st.f_frsize,
        total_bytes=st.f_blocks * st.f_frsize,
        min_free_bytes=int(min_free_mb * 1024 * 1024),
    )


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB"
