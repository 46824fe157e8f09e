"""A TEXT field that also accepts text analysed elsewhere.

Analysis (jieba, stemming, encoding postings) is most of the cost of adding
a document. Worker processes run it in parallel and hand the writer a
`PreAnalyzed` value; the writer, which Whoosh allows only one of, then just
files the postings. Plain strings still work, so queries, tests and small
runs need no workers.
"""

from __future__ import annotations

from collections import defaultdict

from whoosh import fields, formats

from indexer.analysis.bigrams import BigramTokenizer, gram_keys


class PreAnalyzed:
    """Posting values `(term_bytes, freq, weight, encoded)` of one field value."""

    __slots__ = ("items", "text")

    def __init__(self, text: str, items: list):
        self.text = text
        self.items = items

    def __reduce__(self):
        return (PreAnalyzed, (self.text, self.items))


class BilingualText(fields.TEXT):
    def index(self, value, **kwargs):
        if isinstance(value, PreAnalyzed):
            return iter(value.items)
        return super().index(value, **kwargs)

    def to_column_value(self, value):
        return super().to_column_value(value.text if isinstance(value, PreAnalyzed) else value)

    def preanalyze(self, text: str) -> PreAnalyzed:
        """Analyse `text` exactly as `index()` would, into a picklable value."""
        fmt = self.format
        seen = defaultdict(list)
        for t in self.analyzer(text, positions=True, chars=True, mode="index"):
            seen[t.text].append((t.pos, t.startchar, t.endchar))
        boost = fmt.field_boost
        items = [
            (term.encode("utf-8"), len(poslist), len(poslist) * boost, fmt.encode(poslist))
            for term, poslist in seen.items()
        ]
        return PreAnalyzed(text, items)


class CjkBigrams(fields.FieldType):
    """Which documents hold each CJK character bigram (see `analysis.bigrams`).

    No positions and no frequencies: the field only finds candidates for
    a pasted span; its exact place is checked on the stored text.
    """

    def __init__(self):
        super().__init__(formats.Existence(), BigramTokenizer(), scorable=False, stored=False)

    def index(self, value, **kwargs):
        if isinstance(value, PreAnalyzed):
            return iter(value.items)
        return super().index(value, **kwargs)

    def preanalyze(self, text: str) -> PreAnalyzed:
        items = [(g.encode("ascii"), 1, 1.0, b"") for g in gram_keys(text)]
        return PreAnalyzed("", items)
