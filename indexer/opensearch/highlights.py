"""Snippets and highlighted titles of hits, from their stored tokens and offsets.

Whoosh reads a hit's highlight spans from the character offsets in its
postings; here each hit's stored tokens (`<field>_words`, `<field>_extra`)
and their packed offsets (`documents`) give the same `(start, end, term)`
spans: every occurrence of a highlighted term, or of a term beginning with
a highlighted prefix. The project's own fragmenter and formatter
(`indexer.search.snippets`) then cut and mark them, so both backends
return the same snippets. Nothing is re-analysed.
"""

from __future__ import annotations

from indexer.opensearch.documents import stored_tokens
from indexer.search.snippets import make_snippet, mark

STORED_FOR_SNIPPETS = [
    f"{field}_{part}" for field in ("title", "body") for part in ("words", "extra", "offsets")
]


def field_spans(source: dict, field: str, terms: set, prefixes: set) -> list[tuple[int, int, str]]:
    """(start, end, term) of every highlighted token of one stored field, in order."""
    tokens, offsets = stored_tokens(source, field)
    starts = tuple(prefixes)
    spans = [
        (int(s), int(e), token)
        for token, (s, e) in zip(tokens, offsets.tolist(), strict=True)
        if token in terms or (starts and token.startswith(starts))
    ]
    spans.sort()
    return spans


def highlighted(source: dict, translation) -> tuple[str, str]:
    """(title_html, snippet) of one hit for a translated query."""
    title_spans, body_spans = (
        field_spans(source, f, translation.highlight_terms[f], translation.prefixes[f])
        for f in ("title", "body")
    )
    title = source.get("title", "")
    return mark(title, [(s, e) for s, e, _ in title_spans]), make_snippet(
        source.get("body", ""), body_spans
    )


def highlighted_document(source: dict, translation) -> tuple[str, str]:
    """(title_html, body_html) of a whole article."""
    marked = []
    for f in ("title", "body"):
        spans = field_spans(source, f, translation.highlight_terms[f], translation.prefixes[f])
        marked.append(mark(source.get(f, ""), [(s, e) for s, e, _ in spans]))
    return marked[0], marked[1]
