"""What the OpenSearch backend stores for an article, checked without a cluster.

Phrases must match the same runs of words as in Whoosh, so the words field
must hold exactly one token per analyser position, in order; snippets are
cut at stored offsets, so the offsets must come back exactly.
"""

from __future__ import annotations

import pytest

from indexer.analysis.pipeline import _shared, term_positions
from indexer.opensearch.documents import pack_offsets, token_streams, unpack_offsets
from indexer.opensearch.mapping import mappings

from .conftest import SEEDS

TEXTS = [
    *(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))),
    "The U.S. ships 12-inch GaN-on-Si wafers; US$10 for 3D-IC.",
    "中华人民共和国国务院 晶圆厂 研发和制造 集成电路产业链",
    "臺灣積體電路製造 ＡＢＣ１２３ mixed 江阴 text",
    "",
]


def _first_token_per_position(text: str) -> list[str]:
    firsts, last = [], None
    for t in _shared()(text, positions=True, chars=True, mode="index"):
        if t.pos != last:
            firsts.append(t.text)
            last = t.pos
    return firsts


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_the_words_field_holds_one_token_per_position_in_order(text):
    streams = token_streams(term_positions(text))
    words, extra, spans = streams.words, streams.extra, streams.spans
    assert words == _first_token_per_position(text)
    every = sorted(
        (s, e, t) for t, occurrences in term_positions(text).items() for _p, s, e in occurrences
    )
    stored = zip(words + extra, spans.tolist(), strict=True)
    assert sorted((int(s), int(e), t) for t, (s, e) in stored) == every


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_offsets_come_back_exactly(text):
    streams = token_streams(term_positions(text))
    words, spans = streams.words, streams.spans
    assert (unpack_offsets(pack_offsets(spans, len(words)), len(words)) == spans).all()


def test_offsets_past_65535_characters_still_fit():
    text = "wafer " + "x" * 70_000 + " wafer"
    streams = token_streams(term_positions(text))
    words, spans = streams.words, streams.spans
    packed = pack_offsets(spans, len(words))
    assert (unpack_offsets(packed, len(words)) == spans).all()


def test_the_mapping_is_strict_and_indexes_tokens_with_the_whitespace_analyzer():
    mapping = mappings()
    assert mapping["dynamic"] == "strict"
    for field in ("title_words", "body_words", "title_extra", "body_extra"):
        assert mapping["properties"][field]["analyzer"] == "whitespace"
    assert mapping["properties"]["body"]["index"] is False


def test_layers_put_each_extra_token_at_its_word_position():
    text = "我们正在建设集成电路产业链和新的晶圆厂。 The U.S. 12-inch fab"
    streams = token_streams(term_positions(text))
    positions = {}
    for t, occurrences in term_positions(text).items():
        for p, _s, _e in occurrences:
            positions.setdefault(p, []).append(t)
    layers = [layer.split() for layer in streams.layers()]
    for k, layer in enumerate(layers):
        for p, token in enumerate(layer):
            if token != "_":
                assert token in positions[p] and token != streams.words[p], (k, p, token)
    # Every extra token is in a layer, at its word's position.
    placed = sorted((p, t) for layer in layers for p, t in enumerate(layer) if t != "_")
    expected = sorted((p, t) for p, ts in positions.items() for t in ts if t != streams.words[p])
    assert placed == expected
    assert "集成" in layers[0] or "集成" in layers[1]
