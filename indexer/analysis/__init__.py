"""Text analysis shared by the index and the queries.

The pipeline (`pipeline.bilingual_analyzer`) is built from Whoosh's
analysis parts; this package loads it, and Whoosh, only when a name below
is first used, so that modules needing only the segmenter's configuration
(the service's factory) load no search engine.
"""

from __future__ import annotations

from importlib import import_module

_HOMES = {
    "analyze": "indexer.analysis.pipeline",
    "bilingual_analyzer": "indexer.analysis.pipeline",
    "query_terms": "indexer.analysis.pipeline",
    "fold": "indexer.analysis.tokenizer",
    "get_segmenter": "indexer.analysis.segmenter",
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
