"""The analysis pipeline, Whoosh-style, and the two ways the project runs it.

`bilingual_analyzer()` is
`BilingualTokenizer() | StopFilter() | LowercaseFilter() | EnglishStemFilter()`.
The stop filter runs before lowercasing so that acronyms (US, IT) survive.
Index and query use the same pipeline; the tokenizer only adds sub-words and
joined forms when indexing.
"""

from __future__ import annotations

from whoosh.analysis import LowercaseFilter

from indexer.analysis.filters import EnglishStemFilter, StopFilter
from indexer.analysis.index_terms import index_terms
from indexer.analysis.tokenizer import BilingualTokenizer


def bilingual_analyzer():
    return BilingualTokenizer() | StopFilter() | LowercaseFilter() | EnglishStemFilter()


_analyzer = None


def _shared():
    global _analyzer
    if _analyzer is None:
        _analyzer = bilingual_analyzer()
    return _analyzer


def analyze(text: str, mode: str = "index") -> list[tuple[str, int, int, int]]:
    """(term, position, startchar, endchar) for every token of `text`."""
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in _shared()(text, positions=True, chars=True, mode=mode)
    ]


def term_positions(
    text: str, sequence: list[str] | None = None
) -> dict[str, list[tuple[int, int, int]]]:
    """term -> [(position, startchar, endchar), ...] as the index files them.

    `sequence`, if given, receives the first term of each position in text
    order (the near-duplicate signature's words, `minhash`): collected in
    the same pass, since rebuilding it from the dict cost a fifth as much
    as the analysis itself. What the chain above gives in index mode,
    computed in one loop (`index_terms`).
    """
    return index_terms(text, sequence)


def query_terms(text: str) -> list[str]:
    """The terms a query word or phrase becomes, in order (query mode)."""
    return [t.text for t in _shared()(text, positions=True, mode="query")]
