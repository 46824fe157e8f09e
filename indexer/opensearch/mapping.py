"""The index template: a strict mapping, versioned, for every index behind the alias.

Users search an alias (`OPENSEARCH_INDEX`, default `newsarchive`); the
documents live in a concrete index `<alias>-<stamp>` behind it, created
from the template `<alias>` (pattern `<alias>-*`). A rebuild creates the
next concrete index and moves the alias in one `_aliases` call.

Fields (`dynamic: strict`: a document with any other field is refused):

* `title_words`, `body_words`: the analysed terms, one token per position,
  joined by spaces, in fields with the built-in `whitespace` analyzer.
  Positions are the analyser's, so `match_phrase` matches what Whoosh's
  phrase check matches.
* `title_extra`, `body_extra`: the tokens the analyser adds at a position
  already taken (a long Chinese word's dictionary sub-words, a joined
  word's run-together form: `晶圆` in `晶圆厂`, `12inch`). Apart, so they
  never push the words after them to later positions; no positions kept.
  `title_sub1`... `body_sub8`: the same tokens in layers that keep their
  positions, for phrases (see `documents`); left out of `_source` (4 %
  more index on 2,000 benchmark articles).
* `title`, `body`: the text as stored, not indexed; `title_offsets`,
  `body_offsets`: each token's character span, packed (`documents`), not
  indexed: snippets are cut from the stored text at those offsets.
* `grams`: the hashed CJK bigram keys (`indexer.analysis.bigrams`), a
  keyword field: the candidates for a pasted Chinese span; left out of
  `_source` (kept there, they made the index 15 % bigger).
* Filters and facets, keywords with doc values: `lang`, `source`,
  `places`, `places_all` (each place with its ancestors), `month`,
  `year`; `date` (YYYYMMDD as an integer; absent when undated).
* `path`, `filesig`: which file each article came from and its content
  signature, for incremental runs; `run`: the indexing run that wrote it.

The mapping's `_meta` records the run state (`writer`). `MAPPING_VERSION`
is the template's version: an index of another version is rebuilt.
"""

from __future__ import annotations

from datetime import UTC, datetime

from indexer.opensearch.documents import LAYERS

MAPPING_VERSION = 3
TEMPLATE_PRIORITY = 100

_WORDS = {"type": "text", "analyzer": "whitespace"}
_EXTRA = {**_WORDS, "index_options": "freqs"}
_LAYER = {**_WORDS, "index_options": "positions", "norms": False}
_STORED_TEXT = {"type": "text", "index": False}
_STORED_KEYWORD = {"type": "keyword", "index": False, "doc_values": False}
# Global ordinals built at each refresh, not by the first search after it.
_FACET = {"type": "keyword", "eager_global_ordinals": True}


def mappings() -> dict:
    layers = {f"{f}_sub{k}": _LAYER for f in ("title", "body") for k in range(1, LAYERS + 1)}
    return {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION},
        # Indexed, never read back: the layers repeat the extra tokens, and the
        # bigram keys were a seventh of the whole index as stored source.
        "_source": {"excludes": ["title_sub*", "body_sub*", "grams"]},
        "properties": {
            **layers,
            "id": {"type": "keyword"},
            "path": {"type": "keyword"},
            "part": {"type": "integer", "index": False},
            "filesig": _STORED_KEYWORD,
            "run": {"type": "long"},
            "title": _STORED_TEXT,
            "body": _STORED_TEXT,
            "title_words": _WORDS,
            "body_words": _WORDS,
            "title_extra": _EXTRA,
            "body_extra": _EXTRA,
            "title_offsets": {"type": "binary"},
            "body_offsets": {"type": "binary"},
            "grams": {"type": "keyword", "doc_values": False},
            "url": _STORED_KEYWORD,
            "date": {"type": "integer"},
            "date_precision": _STORED_KEYWORD,
            "month": _FACET,
            "year": _FACET,
            "lang": _FACET,
            "source": _FACET,
            "places": _FACET,
            "places_all": _FACET,
        },
    }


def template(alias: str, max_result_window: int) -> dict:
    """The composable index template for `<alias>-*` indices."""
    return {
        "index_patterns": [f"{alias}-*"],
        "priority": TEMPLATE_PRIORITY,
        "version": MAPPING_VERSION,
        "_meta": {"description": f"newsarchive articles behind the alias {alias}"},
        "template": {
            "settings": {
                "index": {
                    # Deep pages as the service allows them (MAX_PAGE x MAX_PER_PAGE).
                    "max_result_window": max(max_result_window, 10_000),
                    # Only a run's commit makes its changes visible (`writer`).
                    "refresh_interval": "-1",
                }
            },
            "mappings": mappings(),
        },
    }


def ensure_template(client, alias: str, max_result_window: int) -> None:
    """Put the template unless the cluster holds this version already."""
    wanted = template(alias, max_result_window)
    if client.indices.exists_index_template(name=alias):
        found = client.indices.get_index_template(name=alias)
        current = found["index_templates"][0]["index_template"]
        window = current["template"]["settings"]["index"].get("max_result_window")
        if current.get("version") == MAPPING_VERSION and window == str(
            wanted["template"]["settings"]["index"]["max_result_window"]
        ):
            return
    client.indices.put_index_template(name=alias, body=wanted)


def new_index_name(alias: str) -> str:
    """`<alias>-<UTC stamp>`: later builds sort after earlier ones."""
    return f"{alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"


def lock_index(alias: str) -> str:
    """The index holding the alias's indexing lock (outside the template's pattern)."""
    return f"{alias}.lock"
