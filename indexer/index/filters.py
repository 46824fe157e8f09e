"""Filters as boolean document masks over an `IndexView`.

Values within one filter are OR-ed, different filters AND-ed. A place
includes everything inside it because documents carry `places_all` (each
place with its ancestors): filtering on Jiangsu finds the Jiangyin articles.
"""

from __future__ import annotations

import numpy as np

from indexer.extract import normalize_lang
from indexer.search.errors import FilterError
from indexer.search.places import resolve_places


def filter_mask(view, field: str, values) -> np.ndarray:
    values = [v for v in values if v and v.strip()]
    if field == "location":
        ids, _unknown = resolve_places(values)
        return view.place_mask(ids)
    if field == "lang":
        langs = [normalize_lang(v) or v.strip().lower() for v in values]
        return view.coded_mask("lang", langs)
    if field == "source":
        _codes, vocab, _table = view.coded["source"]
        wanted = {v.strip().lower() for v in values}
        return view.coded_mask("source", [s for s in vocab if s and s.lower() in wanted])
    raise FilterError(f"unknown filter {field!r}")
