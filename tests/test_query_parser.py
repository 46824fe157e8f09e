"""The query parser accepts anything a person can type, and never crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.search.query import (
    MAX_QUERY_CHARS,
    And,
    FieldFilter,
    MatchAll,
    Not,
    Or,
    Phrase,
    Prefix,
    QueryError,
    Term,
    parse_query,
)

NODES = (And, Or, Not, Term, Phrase, Prefix, FieldFilter, MatchAll)
SYNTAX = st.sampled_from(
    ['"', "(", ")", "*", "-", "+", ":", "OR", "AND", "NOT", "title:", "source:", " ", "江阴", "a"]
)


def _walk(node):
    assert isinstance(node, NODES)
    if isinstance(node, And | Or):
        assert node.children
        for child in node.children:
            _walk(child)
    elif isinstance(node, Not):
        _walk(node.child)


def _parse_or_refuse(text):
    """A tree, or a QueryError with a message (e.g. `a*`: prefix too short)."""
    try:
        tree = parse_query(text)
    except QueryError as exc:
        assert str(exc)
        return
    _walk(tree)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_with_a_query_error(text):
    _parse_or_refuse(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(SYNTAX, max_size=30).map(" ".join))
def test_syntax_soup_always_parses(text):
    _parse_or_refuse(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(SYNTAX, max_size=30).map("".join))
def test_syntax_soup_without_spaces_always_parses(text):
    _parse_or_refuse(text)


def test_plain_words_must_all_match():
    assert parse_query("silicon wafer") == And((Term("silicon"), Term("wafer")))


def test_operators_phrases_fields_and_prefixes():
    assert parse_query('"silicon wafer"') == Phrase("silicon wafer")
    assert parse_query("a OR b") == Or((Term("a"), Term("b")))
    assert parse_query("a -b") == And((Term("a"), Not(Term("b"))))
    assert parse_query("a NOT b") == And((Term("a"), Not(Term("b"))))
    assert parse_query("title:wafer") == Term("wafer", "title")
    assert parse_query("wafer*") == Prefix("wafer")
    assert parse_query("source:Xinhua") == FieldFilter("source", "Xinhua")
    assert parse_query("location:无锡") == FieldFilter("location", "无锡")


@pytest.mark.parametrize("text", ["", "   ", "*", "(", ")", '"', "OR", "NOT", "-", "()", '""'])
def test_empty_or_meaningless_input_matches_everything(text):
    assert parse_query(text) == MatchAll()


def test_unbalanced_quotes_and_parentheses_are_forgiven():
    assert parse_query('"silicon wafer') == Phrase("silicon wafer")
    assert parse_query("(silicon wafer") == And((Term("silicon"), Term("wafer")))
    assert parse_query("silicon) wafer") == And((Term("silicon"), Term("wafer")))


def test_a_lone_ampersand_or_bar_joins_words_as_a_space_does():
    # Headlines write them; pasted, they must not make the query strict (see
    # relaxing) or split it into alternatives.
    assert parse_query("police & soldiers") == And((Term("police"), Term("soldiers")))
    assert parse_query("Opinion | Trump") == And((Term("Opinion"), Term("Trump")))
    assert parse_query("a || b") == Or((Term("a"), Term("b")))
    assert parse_query("police && soldiers") == And(
        (Term("police"), Term("soldiers")), explicit=True
    )
    assert parse_query("police AND soldiers").explicit


def test_unknown_field_prefixes_are_searched_as_words():
    assert parse_query("foo:bar") == Term("foo:bar")


def test_too_long_or_control_characters_are_refused():
    with pytest.raises(QueryError):
        parse_query("a" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(QueryError):
        parse_query("wafer\x00")
