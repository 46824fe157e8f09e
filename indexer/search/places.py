"""Places named in a request or a query, resolved through the bilingual gazetteer.

A place filter may be typed in English or Chinese, by name, alias or id;
a query word that names a place also searches its name in the other
language (无锡 finds English articles about Wuxi).
"""

from __future__ import annotations

from indexer.extract.gazetteer import load_gazetteer
from indexer.search.query import Phrase, Term, leaves


def resolve_places(values) -> tuple[list[str], list[str]]:
    """Place ids for names/aliases/ids in either language, and the unknown ones."""
    gazetteer = load_gazetteer()
    ids, unknown = [], []
    for value in values:
        value = value.strip()
        if not value:
            continue
        place = gazetteer.get(value)
        found = [place] if place is not None else gazetteer.lookup_all(value)
        if not found:
            unknown.append(value)
        for p in found:
            if p.id not in ids:
                ids.append(p.id)
    return ids, unknown


def place_expansions(tree) -> tuple[dict, dict]:
    """Other-language names of places named by query words (无锡 -> Wuxi)."""
    gazetteer = load_gazetteer()
    expansions: dict[str, list[str]] = {}
    expanded: dict[str, list[str]] = {}
    for leaf in leaves(tree):
        if not isinstance(leaf, Term | Phrase) or leaf.text in expansions:
            continue
        place = gazetteer.lookup(leaf.text, ids=False)
        if place is None or (place.ambiguous and not leaf.text[:1].isupper()):
            continue
        alts = [
            name
            for name in (place.name_en, place.name_zh)
            if name and name.lower() != leaf.text.lower() and name != leaf.text
        ]
        if alts:
            expansions[leaf.text] = alts
            expanded[leaf.text] = alts
    return expansions, expanded


def place_label(gazetteer, pid) -> str:
    place = gazetteer.get(pid)
    return place.label if place else pid


def place_dicts(value: str) -> list[dict]:
    gazetteer = load_gazetteer()
    out = []
    for pid in (value or "").split(","):
        place = gazetteer.get(pid) if pid else None
        if place is not None:
            out.append(
                {
                    "id": place.id,
                    "name": place.name_en,
                    "name_zh": place.name_zh,
                    "label": place.label,
                    "level": place.level,
                    "parent": place.parent or None,
                }
            )
    return out
