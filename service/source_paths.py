"""Source files named relative to their archive folder, never as server paths.

The index stores each document's file as the absolute path the indexer
resolved. Shown as is, it would tell anyone the server's directory layout;
public answers give it as `<archive folder's name>/<path inside it>`, the
folder being one of the configured `SOURCES`. A file outside every
configured folder (indexed from elsewhere, or the setting changed since) is
given by its file name alone.
"""

from __future__ import annotations

import os
from pathlib import PurePath

from flask import current_app

from service.links import document_with_urls


def archive_roots(sources: str) -> list[tuple[PurePath, str]]:
    """(folder resolved as the indexer resolves it, its configured name) per source."""
    roots = []
    for entry in str(sources or "").split(os.pathsep):
        if entry:
            resolved = PurePath(os.path.realpath(entry))
            name = PurePath(os.path.normpath(entry)).name or resolved.name
            roots.append((resolved, name))
    # The innermost folder names a file best when folders are nested.
    return sorted(roots, key=lambda root: len(root[0].parts), reverse=True)


def public_path(path: str, roots: list[tuple[PurePath, str]]) -> str:
    """`path` relative to the archive folder holding it, prefixed by that folder's name."""
    if not path:
        return ""
    file = PurePath(path)
    for root, name in roots:
        if file == root:  # a single file configured as a source
            return file.name
        if file.is_relative_to(root):
            return str(PurePath(name) / file.relative_to(root))
    return file.name


def public_document(doc: dict) -> dict:
    """The searcher's document with its `path` made public and its links added."""
    roots = archive_roots(current_app.config.get("SOURCES", ""))
    return {**document_with_urls(doc), "path": public_path(doc.get("path", ""), roots)}
