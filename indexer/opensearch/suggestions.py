"""Did you mean (the term suggester) and related articles (`more_like_this`).

Did you mean follows Whoosh's rule (`indexer.index.suggestions`): an
English word of more than three letters that is in no title or body is
replaced by the nearest body term within two edits, the most frequent of
the five nearest; other words stay as typed.
"""

from __future__ import annotations

from indexer.analysis import query_terms
from indexer.opensearch.translation import any_of, term_query
from indexer.search.query import Term, leaves

RELATED = 5
RELATED_TERMS = 12


def unknown_word_checks(tree) -> tuple[list[str], dict[int, str]]:
    """The query's words, and which of them (by place) need a look-up: index -> term."""
    words, checks = [], {}
    for leaf in leaves(tree):
        if not isinstance(leaf, Term):
            continue
        word = leaf.text
        terms = query_terms(word)
        if len(terms) == 1 and word.isascii() and word.isalpha() and len(word) > 3:
            checks[len(words)] = terms[0]
        words.append(word)
    return words, checks


def exists_body(term: str) -> dict:
    """A search that says whether any title or body holds `term`."""
    query = any_of([term_query("title", term), term_query("body", term)])
    return {"query": query, "size": 0, "terminate_after": 1, "track_total_hits": True}


def suggest_body(words: dict[int, str]) -> dict:
    """One search asking the term suggester for each word (by place)."""
    suggest = {
        f"w{i}": {
            "text": word.lower(),
            "term": {
                "field": "body_words",
                "size": 5,
                "max_edits": 2,
                "prefix_length": 0,
                "min_word_length": 4,
                "suggest_mode": "always",
                "sort": "score",
            },
        }
        for i, word in words.items()
    }
    return {"size": 0, "track_total_hits": False, "suggest": suggest}


def suggestion(words: list[str], missing: list[int], response: dict) -> str | None:
    """The did-you-mean query from the suggester's answer, or None when nothing changed."""
    changed = False
    out = list(words)
    for i in missing:
        entries = response.get("suggest", {}).get(f"w{i}", [])
        options = [o for e in entries for o in e.get("options", [])]
        best, best_freq = None, 0
        for option in options:
            if option["freq"] > best_freq and option["text"].isalpha():
                best, best_freq = option["text"], option["freq"]
        if best and best != words[i].lower():
            out[i] = best
            changed = True
    return " ".join(out) if changed else None


def related_body(index: str, doc_id: str, fields: list[str]) -> dict:
    """The articles most like one article: its most distinctive terms, OR-ed."""
    return {
        "size": RELATED,
        "_source": fields,
        "track_total_hits": False,
        "query": {
            "more_like_this": {
                "fields": ["title_words", "body_words"],
                "like": [{"_index": index, "_id": doc_id}],
                "max_query_terms": RELATED_TERMS,
                "min_term_freq": 1,
                "min_doc_freq": 2,
                "min_word_length": 2,
                "include": False,
            }
        },
    }
