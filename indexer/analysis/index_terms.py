"""An article's index terms in one pass: the analysis pipeline's index mode, fused.

`bilingual_analyzer()` is a chain of generators that pass one mutable
`Token` along (tokenizer, stop filter, lowercase, stemming), as Whoosh's
analysis is built: right for queries and for Whoosh's own `index()`, but
every token of every article crossing four generators and a dozen
attribute writes was most of the cost of analysing an article once the
postings were written in compiled code. This is the same cut, the same
stop-word rule (a position is dropped with all its tokens when its first
token is a stop word, and later positions close the gap) and the same
terms, in one loop over the tokenizer's matches. `tests/test_analysis.py`
checks that both give the same terms, positions and offsets.
"""

from __future__ import annotations

from indexer.analysis.filters import english_stem, is_stop_word
from indexer.analysis.segmenter import get_segmenter
from indexer.analysis.tokenizer import JOINERS, SEGMENT_RE, _subwords, fold


def _term(text: str) -> str:
    """What the lowercase and stemming filters make of a token's text."""
    return english_stem(text.lower())


def index_terms(
    text: str, sequence: list[str] | None = None
) -> dict[str, list[tuple[int, int, int]]]:
    """term -> [(position, startchar, endchar), ...]: `pipeline.term_positions`.

    `sequence`, if given, receives the first term of each position in text
    order.
    """
    seen: dict[str, list[tuple[int, int, int]]] = {}
    pos = shift = 0  # the tokenizer's position; positions dropped so far

    def add(term: str, entry: tuple[int, int, int]) -> None:
        if term in seen:
            seen[term].append(entry)
        else:
            seen[term] = [entry]

    def position(text: str, start: int, end: int) -> tuple[int, int, int] | None:
        """File the first token of the next position; None if it is dropped (a stop word)."""
        nonlocal pos, shift
        pos += 1
        lowered = text.lower()
        if is_stop_word(text, lowered):
            shift += 1
            return None
        entry = (pos - 1 - shift, start, end)
        term = english_stem(lowered)
        if sequence is not None:
            sequence.append(term)
        add(term, entry)
        return entry

    segmenter = get_segmenter()
    folded = fold(text)
    for match in SEGMENT_RE.finditer(folded):
        base = match.start()
        if match.lastgroup == "cjk":
            for word, start, end in segmenter.tokenize(match.group(0)):
                entry = position(word, base + start, base + end)
                if entry is not None and len(word) > 2:
                    for sub in _subwords(word, segmenter):
                        add(_term(sub), entry)
            continue
        word = match.group(0)
        parts = [p for p in JOINERS.split(word) if p]
        if len(parts) == 1:
            position(word, base, match.end())
            continue
        offset = base
        for i, part in enumerate(parts):
            s = folded.index(part, offset)
            offset = s + len(part)
            entry = position(part, s, offset)
            if entry is not None and i == 0:  # the parts run together, at the first part's position
                add(_term("".join(parts)), (entry[0], base, match.end()))
    return seen
