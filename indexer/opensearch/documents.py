"""An analysed article as the document the cluster stores, and its tokens read back.

The analyser (`indexer.analysis`) gives each term its positions and
character spans. Positions are token ordinals, and several tokens may
share one: a Chinese word and the dictionary words inside it (all
spanning the whole word), a joined word's first part and the parts run
together (`12` and `12inch` of `12-inch`). The first token of each
position is the *word*, the others are *extra*:

* the words, in position order, joined by spaces, are `<field>_words`: the
  `whitespace` analyzer numbers them 0, 1, 2... exactly as the analyser
  did, so phrases match the same runs of words;
* the extra tokens are `<field>_extra`, where they never push the words
  after them to later positions; term queries look there too;
* and, for phrases, the extra tokens again in *layers* that keep their
  positions: `<field>_sub1` holds each position's first extra token,
  `<field>_sub2` its second, and so on (`LAYERS`), with the filler `_`
  (never a term) where a position has none. A phrase is a `span_near` of
  each word found in the words or, masked as the words field, in any
  layer: it matches a word at consecutive positions whether it is a word
  or inside one, as Whoosh's phrase check does (`集成电路产业` in
  `集成电路产业链`). Only a word's ninth and later sub-words (4 positions in
  245,000 of the benchmark corpus) are matched as terms, not in phrases.

At a shared position the word is the token with the earliest span, and of
those spanning the same characters the longest (a word is longer than the
words inside it; a first part ends before the joined form).

Offsets: each token's `(start, length)`, words then extra tokens, in the
order of the two strings, with starts as differences from the previous
token's, packed as little-endian unsigned 16-bit integers (32-bit when a
number does not fit: the first byte says which) and base64-encoded into a
`binary` field. Snippets and highlighted titles are cut from the stored
text at these offsets (`highlights`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np

from indexer.ingest.analysed import AnalysedArticle, Terms

MAX_TOKEN_CHARS = 255  # the whitespace tokenizer cuts longer tokens in pieces
LAYERS = 8  # positioned layers of extra tokens, for phrases
FILLER = "_"  # holds a layer's place where a position has no extra token
# What a hit, a related article or an exported row shows (`doc_summary`).
SUMMARY_FIELDS = ["id", "title", "date", "date_precision", "lang", "source", "places"]


@dataclass
class Streams:
    """One field's tokens: `words[i]` at position i; `extra[j]` at position `extra_at[j]`."""

    words: list[str]
    extra: list[str]
    extra_at: list[int]
    spans: np.ndarray  # (start, end) rows: the words', then the extra tokens'

    def layers(self) -> list[str]:
        """The layer strings (`<field>_sub1`...): k-th extra token of each position, or `_`."""
        rows: list[list[str]] = []
        rank, last = 0, None
        for token, at in zip(self.extra, self.extra_at, strict=True):
            rank = rank + 1 if at == last else 0
            last = at
            if rank >= LAYERS:
                continue
            if rank == len(rows):
                rows.append([])
            row = rows[rank]
            row.extend([FILLER] * (at - len(row)))
            row.append(token)
        return [" ".join(row) for row in rows]


def token_streams(terms: Terms) -> Streams:
    """The words and extra tokens of one field, with their spans (see module doc)."""
    tokens = [(p, s, e, t) for t, occurrences in terms.items() for p, s, e in occurrences]
    tokens.sort(key=lambda x: (x[0], x[1], x[2], -len(x[3])))
    words: list[str] = []
    extra: list[str] = []
    extra_at: list[int] = []
    word_spans: list[tuple[int, int]] = []
    extra_spans: list[tuple[int, int]] = []
    last = None
    for pos, start, end, term in tokens:
        if pos != last:
            words.append(fit(term))
            word_spans.append((start, end))
            last = pos
        else:
            extra.append(fit(term))
            extra_at.append(len(words) - 1)
            extra_spans.append((start, end))
    spans = np.asarray(word_spans + extra_spans, dtype=np.int64).reshape(-1, 2)
    return Streams(words, extra, extra_at, spans)


def fit(term: str) -> str:
    """A term as one whitespace token: never longer than the tokenizer keeps whole."""
    return term[:MAX_TOKEN_CHARS]


def pack_offsets(spans: np.ndarray, words: int) -> str:
    """Spans (start, end) of `words` words then extra tokens, packed (see module doc)."""
    if not len(spans):
        return ""
    starts = spans[:, 0]
    deltas = np.diff(starts, prepend=0)
    if words < len(spans):
        deltas[words] = starts[words]  # the extra tokens start over from 0
    values = np.column_stack([deltas, spans[:, 1] - starts]).ravel()
    if values.min() >= 0 and values.max() < 1 << 16:
        raw = b"\x02" + values.astype("<u2").tobytes()
    else:
        raw = b"\x04" + values.astype("<u4").tobytes()
    return base64.b64encode(raw).decode("ascii")


def unpack_offsets(packed: str, words: int) -> np.ndarray:
    """The (start, end) rows `pack_offsets` packed."""
    if not packed:
        return np.empty((0, 2), dtype=np.int64)
    raw = base64.b64decode(packed)
    dtype = "<u2" if raw[0] == 2 else "<u4"
    values = np.frombuffer(raw, dtype=dtype, offset=1).astype(np.int64).reshape(-1, 2)
    deltas, lengths = values[:, 0], values[:, 1]
    starts = np.empty(len(values), dtype=np.int64)
    starts[:words] = np.cumsum(deltas[:words])
    starts[words:] = np.cumsum(deltas[words:])
    return np.column_stack([starts, starts + lengths])


def field_source(name: str, text: str, terms: Terms) -> dict:
    streams = token_streams(terms)
    fields = {
        name: text,
        f"{name}_words": " ".join(streams.words),
        f"{name}_offsets": pack_offsets(streams.spans, len(streams.words)),
    }
    if streams.extra:
        fields[f"{name}_extra"] = " ".join(streams.extra)
    for k, layer in enumerate(streams.layers(), start=1):
        fields[f"{name}_sub{k}"] = layer
    return fields


def article_source(article: AnalysedArticle, run: int) -> dict:
    """The document stored for one article (fields as in `mapping`)."""
    source = {
        "id": article.id,
        "path": article.path,
        "part": article.part,
        "filesig": article.filesig,
        "run": run,
        **field_source("title", article.title, article.title_terms),
        **field_source("body", article.body, article.body_terms),
        "url": article.url,
        "date_precision": article.date_precision,
    }
    optional = {
        "grams": article.grams,
        "date": article.date,
        "month": article.month,
        "year": article.year,
        "lang": article.lang,
        "source": article.source,
        "places": article.places,
        "places_all": article.places_all,
    }
    source.update((name, value) for name, value in optional.items() if value)
    return source


def stored_tokens(source: dict, name: str) -> tuple[list[str], np.ndarray]:
    """Every token of a stored field (words, then extra) with its (start, end)."""
    words = source.get(f"{name}_words", "").split()
    extra = source.get(f"{name}_extra", "").split()
    spans = unpack_offsets(source.get(f"{name}_offsets", ""), len(words))
    return words + extra, spans


def as_stored(source: dict) -> dict:
    """A hit's source as `doc_summary` reads a stored document (places comma-joined)."""
    return {**source, "places": ",".join(source.get("places") or [])}
