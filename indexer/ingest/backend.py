"""The seam between an indexing run and whatever stores the index.

`indexer.ingest.run` decides what changed and analyses it; a backend only
stores: it tells which files it holds (with their content signatures),
deletes a file's articles, takes analysed articles through sinks (one per
worker process, so no article crosses a process boundary) and makes a
round of changes visible at once with `commit`. A rebuild writes a new
generation that `finish` swaps in whole. The Whoosh backend
(`indexer.index.writer.WhooshIndex`) is the embedded default; the
OpenSearch backend (`indexer.opensearch.writer.OpenSearchIndex`) writes to
a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from indexer.ingest.analysed import AnalysedArticle

BACKENDS = ("whoosh", "opensearch")


class ArticleSink(Protocol):
    def add(self, article: AnalysedArticle) -> None:
        """Store one article (invisible until the session commits what `finish` returns)."""

    def finish(self) -> object:
        """End this sink; what it returns (picklable) goes to `WriteSession.commit`."""

    def abandon(self) -> None:
        """End this sink after a failure; what it stored is never committed."""


class WriteSession(Protocol):
    rebuilt: bool
    generation: str

    def known_files(self) -> dict[str, str]:
        """path -> filesig of every file whose articles the index holds."""

    def begin_round(self) -> None:
        """Start a round of changes that one `commit` makes visible."""

    def delete_file(self, path: str) -> None:
        """Remove the articles of `path` (visible at the next commit)."""

    def sink(self) -> ArticleSink:
        """A sink in this process, committed with the round."""

    def sink_factory(self) -> Callable[[], ArticleSink]:
        """Makes a sink inside a forked worker; its `finish()` goes to `commit`."""

    def commit(self, handovers: list) -> None:
        """Make this round's deletions and additions visible together."""

    def finish(self, **meta) -> None:
        """Record the run (and swap in a rebuilt index); the run succeeded."""

    def abandon(self) -> None:
        """The run failed: drop what no commit made visible, at once."""


@runtime_checkable
class IndexBackend(Protocol):
    def lock(self, wait: float = 0) -> AbstractContextManager:
        """The one indexing run allowed at a time; raises `IndexBusy` after `wait` s."""

    def exists(self) -> bool:
        """Whether there is an index users can search."""

    def begin(self, *, rebuild: bool, sources: list[str]) -> WriteSession:
        """Start a run: in place, or into a new generation when asked or needed."""

    def describe_failure(self, before) -> str:
        """What a failed run left users, for the one-line error (see `checkpoint`)."""

    def checkpoint(self):
        """A token of the last commit, taken before a run to tell later what it changed."""


def open_index_backend(settings: Mapping) -> IndexBackend:
    """The configured backend for writing (the `BACKEND` setting, as for searching)."""
    name = str(settings.get("BACKEND") or "whoosh").lower()
    if name == "whoosh":
        from indexer.index.writer import WhooshIndex

        return WhooshIndex(settings["INDEX"])
    if name == "opensearch":
        from indexer.opensearch.connection import ClusterConfig
        from indexer.opensearch.writer import OpenSearchIndex

        return OpenSearchIndex(ClusterConfig.from_settings(settings))
    raise ValueError(f"unknown BACKEND {name!r}: one of {', '.join(BACKENDS)}")
