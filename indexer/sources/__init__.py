"""Readers that turn archive files into `Article` objects.

`read_articles` is the one entry point the indexer calls per file; it picks
the reader by suffix (`text`, `html`, `jsonl`), then applies the file's
`<file>.meta.json` sidecar (`sidecar`), so a person's corrections always win.
`encoding` turns bytes into clean text, `boilerplate` knows the masthead,
copyright and share-bar lines every format drags along, `markup` cuts HTML
into text blocks, and `fields` maps feed field names to `Article` fields.

Every way a file can fail, from a permission error to a parser bug, comes out
as `SourceError` with a reason a person can act on, so one bad file never
stops a 100k-file archive. Readers are imported when first needed: the HTML
reader's bs4 and trafilatura cost about 0.3 s, which a text-only archive
should not pay.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.article import Article

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".json")
SIDECAR_SUFFIX = ".meta.json"


class SourceError(Exception):
    """A file as a whole cannot be read; str(error) says why, for a person."""


def iter_source_files(sources: list[Path]) -> Iterator[tuple[Path, Path]]:
    """(root, file) for every supported file under each source, in a stable order.

    A folder is walked recursively, entries sorted by name, skipping hidden
    files and folders and `*.meta.json` sidecars (they belong to their
    file); symlinked folders are followed once. A single file given directly
    is yielded with its parent as root, whatever its suffix, so that an
    unsupported one is reported by `read_articles` instead of vanishing.
    """
    for source in sources:
        source = Path(source)
        if source.is_dir():
            yield from ((source, f) for f in _walk(source, set()))
        elif source.is_file() and not source.name.endswith(SIDECAR_SUFFIX):
            yield source.parent, source


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[Path]:
    try:
        info = folder.stat()
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:  # a symlink loop
        return
    seen.add(key)
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            if entry.is_dir():
                yield from _walk(Path(entry.path), seen)
            elif (
                entry.is_file()
                and name.lower().endswith(SUPPORTED_SUFFIXES)
                and not name.endswith(SIDECAR_SUFFIX)
            ):
                yield Path(entry.path)
        except OSError:
            continue


def read_articles(path: Path, rel: str) -> tuple[list[Article], list[str]]:
    """Read one file: its articles, and warnings about records that were skipped.

    Raises SourceError when the file as a whole cannot be read, decoded or
    parsed, or yields no article.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SourceError(
            f"unsupported file type '{suffix or path.name}' "
            f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    data = _read_bytes(path)
    with _reader_errors():
        articles, warnings, numbered = _parse(suffix, data)
        if not articles:
            raise SourceError("no article found" + skipped_note(warnings))
        for part, article in enumerate(articles):
            article.path = rel
            if not numbered:
                article.part = part
        warnings += _apply_sidecar(path, articles)
    return articles, warnings


def read_line_range(path: Path, rel: str, part) -> tuple[list[Article], list[str]]:
    """Read one range of a big JSON Lines file (`lines.LineRange`): its articles and warnings.

    Unlike `read_articles`, a range without articles is no error: the file
    as a whole may still have many.
    """
    from indexer.sources.jsonl import articles_from_lines
    from indexer.sources.lines import read_lines

    with _reader_errors():
        try:
            articles, warnings = articles_from_lines(read_lines(Path(path), part))
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror or exc}") from None
        for article in articles:
            article.path = rel
        warnings += _apply_sidecar(Path(path), articles, whole=False)
    return articles, warnings


@contextmanager
def _reader_errors():
    """Every way a reader can fail becomes a SourceError naming the reason."""
    try:
        yield
    except SourceError:
        raise
    except RecursionError:
        raise SourceError("cannot parse: structure nested too deeply") from None
    except Exception as exc:  # a reader bug must name the file, not stop the archive
        raise SourceError(f"cannot parse: {type(exc).__name__}: {exc}") from exc


def _apply_sidecar(path: Path, articles: list[Article], whole: bool = True) -> list[str]:
    from indexer.sources.sidecar import apply_sidecar, load_sidecar, sidecar_path

    sidecar = load_sidecar(path)
    if sidecar is None:
        return []
    return apply_sidecar(articles, sidecar, sidecar_path(path).name, whole=whole)


def _read_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SourceError("file not found") from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceError("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise SourceError("not a regular file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if not data.strip(b" \t\r\n\x00"):
        raise SourceError("empty file")
    return data


def _parse(suffix: str, data: bytes) -> tuple[list[Article], list[str], bool]:
    """Articles, warnings, and whether the reader numbered them itself (JSON lines)."""
    if suffix in (".html", ".htm"):
        from indexer.sources.html import articles_from_html

        return articles_from_html(data), [], False

    from indexer.sources.encoding import decode

    text = decode(data)
    if not text.strip():
        raise SourceError("empty file (no text)")
    if suffix == ".txt":
        from indexer.sources.text import articles_from_text

        return articles_from_text(text), [], False
    from indexer.sources.jsonl import articles_from_json

    return articles_from_json(text, lines=suffix == ".jsonl")


def skipped_note(warnings: list[str]) -> str:
    """' (N record(s) skipped: …)' for a file none of whose records was an article."""
    if not warnings:
        return ""
    shown = "; ".join(warnings[:3])
    more = f"; and {len(warnings) - 3} more" if len(warnings) > 3 else ""
    return f" ({len(warnings)} record(s) skipped: {shown}{more})"
