"""Highlight spans from Whoosh's postings: the character offsets stored with each term.

The spans go to the backend-neutral fragmenter and formatter in
`indexer.search.snippets`; no document is ever re-analysed.
"""

from __future__ import annotations

import numpy as np

from indexer.index.matches import locate
from indexer.index.whoosh_postings import skip_to


def term_spans(reader, field: str, terms, docnum: int) -> list[tuple[int, int, str]]:
    """(start, end, term) for every occurrence of `terms` in one document."""
    return spans_for_docs(reader, field, terms, [docnum])[docnum]


def spans_for_docs(
    reader, field: str, terms, docnums, holding=None, values=None
) -> dict[int, list[tuple[int, int, str]]]:
    """`term_spans` of several documents, reading each term's postings once.

    Opening a term's postings and skipping to a document costs far more
    than decoding the document's offsets, so a results page visits its
    documents in order with one matcher per term instead of one per term
    and document. `holding(term, docnums)`, when given, says cheaply
    (from postings the query already read) which documents hold a term,
    so terms absent from the whole page are never opened.
    `values(term, docs)`, when given, returns the encoded postings of those
    documents directly (`IndexView.postings_values`).
    """
    wanted = sorted(set(docnums))
    found: dict[int, list] = {d: [] for d in wanted}
    decode = reader.schema[field].format.decode_characters
    for term in terms:
        docs = holding(term, wanted) if holding else wanted
        if not docs:
            continue
        if values is not None:
            for d, value in values(term, docs).items():
                # Characters postings decode as (position, startchar, endchar).
                found[d].extend((s, e, term) for _pos, s, e in decode(value))
            continue
        btext = term.encode("utf-8")
        if (field, btext) not in reader:
            continue
        m = reader.postings(field, btext)
        for d in docs:
            if not m.is_active():
                break
            skip_to(m, d)
            if m.is_active() and m.id() == d:
                # Characters postings decode as (position, startchar, endchar).
                found[d].extend((s, e, term) for _pos, s, e in m.value_as("characters"))
    for spans in found.values():
        spans.sort()
    return found


def page_spans(view, evaluation, page_docs) -> dict:
    """Highlight spans of a page's documents, per field, then per document."""

    def holding_in(field):
        def holding(term, docnums) -> list[int]:
            docs = view.postings(field, term)[0]
            if not len(docs):
                return []
            wanted = np.asarray(docnums, dtype=np.int64)
            return wanted[locate(docs, wanted)[0]].tolist()

        return holding

    def values_in(field):
        return lambda term, docs: view.postings_values(field, term, docs)

    return {
        field: spans_for_docs(
            view.reader,
            field,
            evaluation.highlight_terms[field],
            page_docs,
            holding_in(field),
            values_in(field),
        )
        for field in ("title", "body")
    }
