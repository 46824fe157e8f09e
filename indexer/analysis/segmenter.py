"""Chinese word segmentation, loaded once per process.

The segmenter is jieba's dictionary and algorithm run by `rjieba` (jieba-rs):
on Chinese text it produces jieba's tokens 30-40x faster with less than half
the memory (tests/test_analysis.py compares it with the `jieba`
package on the seeds). Index and query must be segmented alike, so the
segmenter's `fingerprint` (engine, version, user dictionary, gazetteer names)
is recorded in the index and a mismatch forces a rebuild.

The dictionary is loaded on first use and kept for the life of the process;
gunicorn's `preload_app` loads it once before forking its workers.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from importlib import metadata, resources
from pathlib import Path

ENGINE = "rjieba"
USERDICT_ENV = "NEWSARCHIVE_USERDICT"

_lock = threading.Lock()
_instance: Segmenter | None = None
_userdict: str | None = None  # set by `use_userdict` (the service's config file)


def read_userdict(text: str) -> list[tuple[str, int | None, str | None]]:
    """Parse jieba's user dictionary format: `word [freq] [tag]` per line."""
    entries = []
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word = parts[0]
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((word, freq, tag))
    return entries


def _bundled_userdict() -> str:
    return resources.files("indexer.analysis").joinpath("data/userdict.txt").read_text("utf-8")


def _gazetteer_words() -> Iterable[str]:
    from indexer.extract.gazetteer import load_gazetteer

    return load_gazetteer().segmenter_words()


class Segmenter:
    """A jieba-compatible segmenter with the project's words added."""

    def __init__(self, extra_userdict: str | os.PathLike | None = None):
        import rjieba

        self._jieba = rjieba.Jieba()
        digest = hashlib.sha256()
        digest.update(f"{ENGINE}-{metadata.version('rjieba')}\n".encode())
        sources = [_bundled_userdict()]
        if extra_userdict:
            sources.append(Path(extra_userdict).read_text("utf-8"))
        for text in sources:
            for word, freq, tag in read_userdict(text):
                self._jieba.add_word(word, freq, tag)
                digest.update(f"{word} {freq} {tag}\n".encode())
        for word in sorted(set(_gazetteer_words())):
            # A place name is a word: 江阴 must never split into 江/阴.
            self._jieba.add_word(word, None, "ns")
            digest.update(f"{word} ns\n".encode())
        self.fingerprint = f"{ENGINE}:{digest.hexdigest()[:16]}"

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) for every segment, whitespace included."""
        return self._jieba.tokenize(text)

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text)

    def has_word(self, word: str) -> bool:
        return self._jieba.has_word(word)


def use_userdict(path: str | os.PathLike | None) -> None:
    """Segment with this extra user dictionary (the USERDICT setting), wherever it was set.

    The CLI reads USERDICT from the environment; the service also from its
    config file, and calls this before the segmenter is first used, so that
    queries are cut as the index was. A segmenter built with another
    dictionary is dropped.
    """
    global _instance, _userdict
    with _lock:
        wanted = str(path) if path else None
        if wanted != _userdict:
            _userdict = wanted
            _instance = None


def get_segmenter() -> Segmenter:
    """The process-wide segmenter, built on first call."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = Segmenter(_userdict or os.environ.get(USERDICT_ENV) or None)
    return _instance
