"""JSON responses written by orjson: the same bytes as Flask's own, a fraction of the time.

A results page's JSON is 50–100 kB (hits, snippets and a few hundred facet
values with their links), and Python's `json` took 1–2 ms to write it: as
long as the rest of the request outside the search. orjson writes it in a
tenth of that. The output must not change, so only what Flask would write
compactly (out of debug mode, `ensure_ascii` and `sort_keys` off, as the
app sets them) goes through orjson, with the options that make it agree
with `json.dumps(..., separators=(",", ":"), ensure_ascii=False)`: types
orjson would write its own way (dates, dataclasses, subclasses of str, int,
dict and list) are handed to Flask's `default` like `json` does, and what
orjson refuses or writes otherwise (lone surrogates, integers past 64 bits,
non-string keys; floats below 1e-4 or from 1e16 up, which it writes
without `json`'s exponent form; NaN and infinities, which `json` writes
as `NaN` and orjson as null) is written by `json` after all. Looking for
such floats walks the object once, about as long as orjson takes to write it.
tests/test_json_provider.py compares the bytes.
"""

from __future__ import annotations

from itertools import chain

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_APPEND_NEWLINE
)


class FastJSONProvider(DefaultJSONProvider):
    def response(self, *args, **kwargs):
        if self.sort_keys or self.ensure_ascii or not self._compact():
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        body = compact_json(obj, self.default)
        if body is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)

    def _compact(self) -> bool:
        return not ((self.compact is None and self._app.debug) or self.compact is False)


def compact_json(obj, default) -> bytes | None:
    """`json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\\n"` as UTF-8, or None.

    None when orjson would write something else, or cannot write it.
    """
    try:
        body = orjson.dumps(obj, default=default, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return None
    return None if _floats_differ(obj) else body


_MAY_HOLD_FLOATS = frozenset((float, dict, list, tuple))
_RECORDS = frozenset((dict,))


def _floats_differ(obj) -> bool:
    """Whether `obj` holds a float that orjson and `json` write differently.

    The types in each container are collected in C (`set(map(type, ...))`),
    and a list of dicts (hits, facet values) is looked at as the values of
    all its dicts at once: only a container that holds a float is looked at
    value by value. A results page has a few hundred facet dicts of
    strings, numbers and booleans; this took the check from twice orjson's
    own time to about as long.
    """
    stack = [(obj,)]
    while stack:
        values = stack.pop()
        kinds = set(map(type, values))
        if kinds == _RECORDS:
            stack.append(tuple(chain.from_iterable(map(dict.values, values))))
            continue
        if kinds.isdisjoint(_MAY_HOLD_FLOATS):
            continue
        for v in values:
            kind = type(v)
            if kind is float:
                if v != 0.0 and not 1e-4 <= abs(v) < 1e16:  # NaN fails the range too
                    return True
            elif kind is dict:
                stack.append(v.values())
            elif kind is list or kind is tuple:
                stack.append(v)
    return False
