"""The Whoosh schema, built for fast queries rather than small files.

* `title` and `body` store character offsets (`chars=True`), so snippets are
  cut from the stored text at the offsets in the postings: no document is
  ever re-analysed to highlight it.
* `grams` holds the CJK character bigrams of title and body, hashed into
  65,536 keys, documents only: it finds a pasted Chinese span whatever
  words its edges cut (`indexer.analysis.bigrams`).
* Every field a facet or a filter reads has a column (`sortable=True`):
  `date` (YYYYMMDD, zeros for unknown parts), `month`, `year`, `lang`,
  `source`, `places` and `places_all`. `indexer.index.columns` loads them once
  per segment into arrays, so facet counts never touch per-document objects.
* `path` and `filesig` (content hash, size, mtime) have columns too: the
  incremental indexer reads the whole archive's state from them without
  unpickling a single stored document.
* `signature` (a column only) holds each body's near-duplicate signature
  (`indexer.analysis.minhash`), empty for very short bodies; with the `id`
  column (its tie-break) it is what `indexer.index.stories` groups copies
  of one story by, per segment, without reading stored documents. (Version
  6 added both; an index of version 5 is rebuilt by the next indexing run.)
"""

from __future__ import annotations

from whoosh import columns, fields
from whoosh.codec.whoosh3 import W3Codec

from indexer.analysis import bilingual_analyzer
from indexer.index.fields import BilingualText, CjkBigrams

SCHEMA_VERSION = 6


def build_schema() -> fields.Schema:
    analyzer = bilingual_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        path=fields.ID(stored=True, sortable=True),
        part=fields.STORED(),
        filesig=fields.ID(stored=True, sortable=True),
        title=BilingualText(analyzer=analyzer, stored=True, chars=True, field_boost=2.0),
        body=BilingualText(analyzer=analyzer, stored=True, chars=True),
        grams=CjkBigrams(),
        url=fields.STORED(),
        date=fields.NUMERIC(int, bits=32, stored=True, sortable=True, signed=False, default=0),
        date_precision=fields.STORED(),
        month=fields.ID(sortable=True),
        year=fields.ID(sortable=True),
        lang=fields.ID(stored=True, sortable=True),
        source=fields.ID(stored=True, sortable=True),
        places=fields.KEYWORD(stored=True, commas=True, sortable=True),
        places_all=fields.KEYWORD(commas=True, sortable=True),
        signature=fields.COLUMN(columns.VarBytesColumn()),
    )


def codec() -> W3Codec:
    """Whoosh's codec: faster zlib, no per-posting length lookups at commit.

    Whoosh records each posting block's shortest and longest document for
    its own BM25 shortcuts, looking up a field length per posting: 12 % of
    an indexing run's CPU. newsarchive scores with the per-document length
    columns (which stay), so it never reads those block figures. An
    instance attribute, not a subclass: the codec is pickled into the
    index, and a plain W3Codec stays readable whatever this module becomes.

    Posting blocks are compressed at zlib level 1 instead of 3: 3-5 %
    faster indexing for 1 % more bytes, and reading is as fast (measured
    on the 2k benchmark corpus). Level 0 (no zlib) indexed 17 % faster
    but made the index half as big again. (`inlinelimit` above 1 would
    spare rare terms a block, but Whoosh 2.7.5 fails at commit with it.)
    """
    c = W3Codec(compression=1)
    c.length_stats = False
    return c


TEXT_FIELDS = ("title", "body")
