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
* the extra tokens are `<field>_extra`, where their positions do not matter
  (they are only ever matched as terms).

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

import numpy as np

from indexer.ingest.analysed import AnalysedArticle, Terms

MAX_TOKEN_CHARS = 255  # the whitespace tokenizer cuts longer tokens in pieces


def token_streams(terms: Terms) -> tuple[list[str], list[str], np.ndarray]:
    """(words, extra tokens, spans) of one field: spans are (start, end) rows, words first."""
    tokens = [(p, s, e, t) for t, occurrences in terms.items() for p, s, e in occurrences]
    tokens.sort(key=lambda x: (x[0], x[1], x[2], -len(x[3])))
    words: list[str] = []
    extra: list[str] = []
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
            extra_spans.append((start, end))
    spans = np.asarray(word_spans + extra_spans, dtype=np.int64).reshape(-1, 2)
    return words, extra, spans


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
    words, extra, spans = token_streams(terms)
    fields = {
        name: text,
        f"{name}_words": " ".join(words),
        f"{name}_offsets": pack_offsets(spans, len(words)),
    }
    if extra:
        fields[f"{name}_extra"] = " ".join(extra)
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
