"""The user's query language, parsed into a small tree. Pure Python.

Syntax: plain words (all must match), `OR`, `AND`, `NOT` / `-word`,
`"phrases"`, `(groups)`, `field:value` prefixes (title, body, source, lang,
location) and trailing `*` prefixes.

The parser never raises on syntax: an unbalanced quote runs to the end, a
missing `)` is implied, a stray `)` or operator is dropped, an unknown
`field:` prefix is searched as words. Only input no one could mean as a
query is refused (`QueryError`, which the API turns into a 400): too long,
control characters, too many terms. That is what hypothesis checks in
tests/test_query_parser.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 64
MIN_PREFIX = 2
TEXT_FIELDS = ("title", "body")
FILTER_FIELDS = {"source": "source", "lang": "lang", "location": "location", "place": "location"}
KNOWN_FIELDS = set(TEXT_FIELDS) | set(FILTER_FIELDS)


class QueryError(ValueError):
    """A query that cannot be searched; the message says why, for the user."""

    code = "invalid_query"


class OnlyStopWords(QueryError):
    """Every word of the query is too common to search on its own."""

    code = "only_stop_words"

    def __init__(self, words):
        self.words = list(words)
        shown = ", ".join(f"'{w}'" for w in self.words[:8])
        super().__init__(
            f"{shown} {'is' if len(self.words) == 1 else 'are'} too common to search "
            f"on {'its' if len(self.words) == 1 else 'their'} own; add a more specific word"
        )


@dataclass(frozen=True)
class Term:
    text: str
    field: str | None = None  # None: title and body


@dataclass(frozen=True)
class Prefix:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class FieldFilter:
    """`source:`, `lang:` or `location:` inside the query: a filter, no score."""

    field: str
    value: str


@dataclass(frozen=True)
class And:
    """All children must match.

    `explicit` marks a group the user joined with `AND`: it stays strict
    when a query with no complete match is relaxed (see `index.relaxing`).
    """

    children: tuple
    explicit: bool = False


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class MatchAll:
    pass


_TOKEN = re.compile(
    r"""
    (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<quote>(?P<qfield>[A-Za-z]+:)?"(?P<qtext>[^"]*)(?:"|$))
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def check_query(text: str) -> str:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})")
    if _CONTROL.search(text):
        raise QueryError("query contains control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QueryError("query is not valid text (lone surrogate)") from exc
    return text.replace("\u3000", " ").strip()


def _lex(text: str) -> list[tuple[str, str, str | None]]:
    """(kind, text, field) tokens; kinds: ( ) OR AND NOT word phrase prefix neg."""
    tokens = []
    for m in _TOKEN.finditer(text):
        if m.group("lparen"):
            tokens.append(("(", "(", None))
        elif m.group("rparen"):
            tokens.append((")", ")", None))
        elif m.group("quote") is not None:
            field = m.group("qfield")
            field = field[:-1].lower() if field else None
            if field is not None and field not in KNOWN_FIELDS:
                tokens.append(("word", m.group("qfield")[:-1], None))
                field = None
            tokens.append(("phrase", m.group("qtext"), field))
        else:
            word = m.group("word")
            if word in ("&", "|"):
                # Headlines write them ("police & soldiers", "Opinion | Site name"):
                # pasted, they join words as a space does. OR is written OR or ||,
                # a strict group AND or &&.
                continue
            elif word in ("OR", "||"):
                tokens.append(("OR", word, None))
            elif word in ("AND", "&&"):
                tokens.append(("AND", word, None))
            elif word == "NOT":
                tokens.append(("NOT", word, None))
            else:
                neg = False
                if word.startswith("-") and len(word) > 1:
                    neg, word = True, word[1:]
                elif word.startswith("+") and len(word) > 1:
                    word = word[1:]
                field = None
                name, sep, rest = word.partition(":")
                if sep and name.lower() in KNOWN_FIELDS:
                    field, word = name.lower(), rest
                if neg:
                    tokens.append(("NOT", "-", None))
                if not word:
                    # `title:` followed by a group or phrase: keep the field.
                    tokens.append(("field", "", field))
                    continue
                kind = "prefix" if word.endswith("*") else "word"
                tokens.append((kind, word, field))
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0
        self.clauses = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self):
        nodes = []
        while self.peek() is not None:
            node = self.or_expr()
            if node is not None:
                nodes.append(node)
            elif self.peek() is not None and self.peek()[0] == ")":
                self.take()  # a stray closing parenthesis
        return _and(nodes)

    def or_expr(self):
        left = self.and_expr()
        options = [left] if left is not None else []
        while self.peek() is not None and self.peek()[0] == "OR":
            self.take()
            right = self.and_expr()
            if right is not None:
                options.append(right)
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(tuple(options))

    def and_expr(self):
        parts = []
        explicit = False
        while True:
            tok = self.peek()
            if tok is None or tok[0] in ("OR", ")"):
                break
            if tok[0] == "AND":
                self.take()
                explicit = True
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return _and(parts, explicit)

    def unary(self):
        tok = self.peek()
        if tok[0] == "NOT":
            self.take()
            if self.peek() is None or self.peek()[0] in ("OR", ")"):
                return None
            child = self.unary()
            return Not(child) if child is not None else None
        return self.primary(None)

    def primary(self, field):
        kind, text, tfield = self.take()
        field = tfield or field
        if kind == "(":
            node = self.or_expr()
            if self.peek() is not None and self.peek()[0] == ")":
                self.take()
            return _with_field(node, field) if field else node
        if kind == "field":
            nxt = self.peek()
            if nxt is not None and nxt[0] in ("(", "phrase", "word", "prefix"):
                return self.primary(field)
            return None
        if kind == "phrase":
            text = text.strip()
            return self._leaf(Phrase, text, field) if text else None
        if kind == "prefix":
            stem = text.rstrip("*")
            if not stem or not any(c.isalnum() for c in stem):
                return None  # `*` alone means nothing
            if stem.isascii() and len(stem) < MIN_PREFIX:
                raise QueryError(f"'{text}': type at least {MIN_PREFIX} letters before *")
            return self._leaf(Prefix, stem, field)
        if kind == "word":
            if not any(c.isalnum() for c in text):
                return None
            return self._leaf(Term, text, field)
        return None  # stray operator

    def _leaf(self, cls, text, field):
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QueryError(f"query has too many terms (at most {MAX_CLAUSES})")
        if field in FILTER_FIELDS:
            return FieldFilter(FILTER_FIELDS[field], text)
        return cls(text, field)


def _with_field(node, field):
    if node is None:
        return None
    if isinstance(node, Term | Prefix | Phrase):
        if field in FILTER_FIELDS:
            return FieldFilter(FILTER_FIELDS[field], node.text)
        return type(node)(node.text, node.field or field)
    if isinstance(node, And):
        kids = tuple(k for k in (_with_field(c, field) for c in node.children) if k is not None)
        return And(kids, node.explicit)
    if isinstance(node, Or):
        kids = tuple(k for k in (_with_field(c, field) for c in node.children) if k is not None)
        return Or(kids)
    if isinstance(node, Not):
        return Not(_with_field(node.child, field))
    return node


def _and(nodes, explicit=False):
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return MatchAll()
    if len(nodes) == 1:
        return nodes[0]
    flat = []
    for n in nodes:
        # An explicit group inside an implicit one keeps its own node, so
        # that it stays strict when the rest is relaxed.
        if isinstance(n, And) and (n.explicit == explicit or explicit):
            flat.extend(n.children)
        else:
            flat.append(n)
    return And(tuple(flat), explicit)


def parse_query(text: str | None):
    """Parse user input into a tree; `MatchAll()` for an empty query."""
    text = check_query(text or "")
    if not text:
        return MatchAll()
    return _Parser(_lex(text)).parse()


def leaves(node):
    """Every Term, Prefix and Phrase that is not negated."""
    if isinstance(node, Term | Prefix | Phrase):
        yield node
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from leaves(child)
