"""Facets as small classes that turn raw counts into plain dicts.

As in Datasette: each facet knows its request parameter, reads what is
selected from the request, and returns `{"value", "label", "count",
"selected", "toggle_url"}` dicts (locations add `level` and `parent`, the
timeline's dates their `granularity`). The JSON API and the HTML page render
the same dicts. Counts come from `Searcher.search`, which counts each facet
under every filter except its own (multi-select), from the index's columns.
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import MultiDict

from indexer.extract.gazetteer import LEVEL_RANK, load_gazetteer
from indexer.search.places import resolve_places
from service.links import encoded_pair, joined_url, url_with
from service.timeline import chosen_period, parent_period, timeline_window

LEVELS = tuple(LEVEL_RANK)  # a place's level as a position in per-level lists
LANG_LABELS = {"en": "English", "zh": "中文", "mixed": "Mixed 混合"}


def toggled_url(args: MultiDict, path: str, param: str, value: str, multi: bool = True) -> str:
    """The URL of this page with `param=value` switched on or off (back to page 1)."""
    pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    present = (param, value) in pairs
    if present:
        pairs = [(k, v) for k, v in pairs if (k, v) != (param, value)]
    else:
        if not multi:
            pairs = [(k, v) for k, v in pairs if k != param]
        pairs.append((param, value))
    return url_with(path, pairs)


def without_params(args: MultiDict, path: str, names) -> str:
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in names and k != "page"]
    return url_with(path, pairs)


class Facet:
    name = ""
    param = ""

    def __init__(self, args: MultiDict, path: str, limit: int = 50):
        self.args = args
        self.path = path
        self.limit = limit
        # This page's parameters but the page, encoded once for every toggle link,
        # and the link's start that switching a value on only appends to.
        self._pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"]
        self._encoded = [encoded_pair(k, v) for k, v in self._pairs]
        self._present = set(self._pairs)
        self._prefix = path + "?" + "".join(e + "&" for e in self._encoded)

    def selected_values(self) -> list[str]:
        return [v for v in self.args.getlist(self.param) if v]

    def toggle_url(self, value: str) -> str:
        """`toggled_url(self.args, self.path, self.param, value)`, from the encoded parameters."""
        pair = (self.param, value)
        if pair in self._present:
            kept = [e for p, e in zip(self._pairs, self._encoded, strict=True) if p != pair]
            return joined_url(self.path, kept)
        return self._prefix + encoded_pair(*pair)

    def entry(self, value, label, count, selected, toggle_value=None) -> dict:
        return {
            "value": value,
            "label": label,
            "count": count,
            "selected": selected,
            "toggle_url": self.toggle_url(value if toggle_value is None else toggle_value),
        }

    def facet_results(self, counts: dict) -> list[dict]:
        raise NotImplementedError


class LangFacet(Facet):
    name = param = "lang"

    def facet_results(self, counts):
        selected = set(self.selected_values())
        out = [
            self.entry(v, LANG_LABELS.get(v, v), c, v in selected)
            for v, c in counts.get("lang", [])
        ]
        return _with_selected(
            out, selected, lambda v: self.entry(v, LANG_LABELS.get(v, v), 0, True)
        )


class SourceFacet(Facet):
    name = param = "source"

    def facet_results(self, counts):
        selected = {v.lower() for v in self.selected_values()}
        out = [self.entry(v, v, c, v.lower() in selected) for v, c in counts.get("source", [])]
        out = out[: self.limit] + [e for e in out[self.limit :] if e["selected"]]
        return out


class LocationFacet(Facet):
    """Places with everything inside them counted: Jiangsu counts Jiangyin's articles."""

    name = param = "location"

    def facet_results(self, counts):
        gazetteer = load_gazetteer()
        raw = self.selected_values()
        selected_ids, _unknown = resolve_places(raw)
        # Toggle with the value the user chose, so chips remove what was added.
        by_id = {}
        for value in raw:
            for pid in resolve_places([value])[0]:
                by_id.setdefault(pid, value)
        out = []
        per_level = [0] * len(LEVELS)  # places of each level met so far
        # Counts come most frequent first: once every level has its `limit`
        # places and every selected place is listed, the rest is skipped unread.
        open_levels = len(LEVELS)
        unlisted = set(selected_ids)
        chosen = set(selected_ids)
        limit = self.limit
        rows = _place_rows(gazetteer, self.param)
        prefix = self._prefix
        typed = {v for k, v in self._pairs if k == self.param}  # a toggle link takes these off
        for pid, count in counts.get("location", []):
            if not open_levels and not unlisted:
                break
            row = rows.get(pid)
            if row is None:
                continue
            level, entry, pair = row  # level: its position in LEVELS
            n = per_level[level] = per_level[level] + 1
            if n == limit:
                open_levels -= 1
            if pid in chosen:
                unlisted.discard(pid)
                out.append(self._place_entry(gazetteer.get(pid), count, True, by_id.get(pid, pid)))
            elif n <= limit:
                # `_place_entry(place, count, False, pid)`, from the place's own entry.
                entry = entry.copy()
                entry["count"] = count
                entry["toggle_url"] = self.toggle_url(pid) if pid in typed else prefix + pair
                out.append(entry)
        seen = {e["value"] for e in out}
        for pid in selected_ids:
            if pid not in seen and (place := gazetteer.get(pid)) is not None:
                out.append(self._place_entry(place, 0, True, by_id.get(pid, pid)))
        return out

    def _place_entry(self, place, count, selected, toggle_value):
        return place_entry(place, count, selected, self.toggle_url(toggle_value))


class MonthFacet(Facet):
    """Every month with articles, newest first; a month selects date_from=date_to=it."""

    name = "month"
    counts_key = "month"
    _undated: list | None = None  # this page's encoded parameters but its dates
    _undated_start = ""  # the link to this page without dates, ready for one more parameter

    def _selected(self):
        return chosen_period(self.args.get("date_from"), self.args.get("date_to"))

    def _link_start(self) -> str:
        """`_undated_start`, made on first use."""
        if self._undated is None:
            self._undated = [
                e
                for (k, _v), e in zip(self._pairs, self._encoded, strict=True)
                if k not in ("date_from", "date_to")
            ]
            self._undated_start = self.path + "?" + "".join(e + "&" for e in self._undated)
        return self._undated_start

    def _toggle(self, value: str | None) -> str:
        """This page with the date filter set to `value`, or without one."""
        start = self._link_start()
        if not value:
            return joined_url(self.path, self._undated)
        return start + _period_pairs(value)

    def date_entry(self, value: str, count: int, selected: bool, toggle: str | None) -> dict:
        return {
            "value": value,
            "label": value,
            "count": count,
            "selected": selected,
            "toggle_url": self._toggle(toggle),
        }

    def facet_results(self, counts):
        current = self._selected()
        return [
            self.date_entry(value, count, value == current, None if value == current else value)
            for value, count in counts.get(self.counts_key, [])
        ]


class YearFacet(MonthFacet):
    name = "year"
    counts_key = "year"


class DateFacet(MonthFacet):
    """The timeline's periods (see `service.timeline`), newest first, then the undated.

    Each entry says its `granularity` ("year", "month" or "day"; None for
    the undated). Un-choosing a chosen period goes one step up (a day to its
    month), as the timeline zooms out one step at a time.
    """

    name = "date"

    def facet_results(self, counts):
        date_from, date_to = self.args.get("date_from"), self.args.get("date_to")
        years = [value for value, _count in counts.get("year", [])]
        window = timeline_window(date_from, date_to, years)
        current = chosen_period(date_from, date_to)
        out = []
        if window is not None:
            found = dict(counts.get(window.granularity, []))
            if current and window.holds(current) and current not in found:
                found[current] = 0  # chosen, and empty under the other filters: keep it
            for value in sorted(found, reverse=True):
                if not window.holds(value):
                    continue
                selected = value == current
                toggle = parent_period(value) if selected else value
                entry = self.date_entry(value, found[value], selected, toggle)
                entry["granularity"] = window.granularity
                out.append(entry)
        if counts.get("undated"):
            out.append(
                {
                    "value": "undated",
                    "label": "undated",
                    "count": counts["undated"],
                    "selected": False,
                    "toggle_url": None,
                    "granularity": None,
                }
            )
        return out


FACETS = (DateFacet, MonthFacet, YearFacet, LocationFacet, LangFacet, SourceFacet)


def facet_results(counts: dict, args: MultiDict, path: str, limit: int) -> dict:
    return {cls.name: cls(args, path, limit).facet_results(counts) for cls in FACETS}


def warm_facets() -> None:
    """Make the place facet's rows now, before gunicorn forks its workers.

    Made at a worker's first request, they cost it about 5 ms (an encoded
    link for each of the gazetteer's places); made in the master, the
    workers share them.
    """
    _place_rows(load_gazetteer(), LocationFacet.param)


@lru_cache(maxsize=4)
def _place_rows(gazetteer, param: str) -> dict[str, tuple[int, dict, str]]:
    """Each place's level (its position in LEVELS), entry and `param=id`, by place id.

    The entry is the place's, not selected, its count and link to fill in.
    A results page lists a couple of hundred places out of the hundreds
    counted: a copy of an entry made once per process, with its count and
    link filled in, took the location facet to under half its time (and
    one look-up per counted place).
    """
    return {
        place.id: (
            LEVELS.index(place.level),
            place_entry(place, 0, False, None),
            encoded_pair(param, place.id),
        )
        for place in gazetteer
    }


def place_entry(place, count: int, selected: bool, toggle_url: str | None) -> dict:
    """A place's facet entry: `Facet.entry`'s keys, then the place's names, level, parent."""
    return {
        "value": place.id,
        "label": place.label,
        "count": count,
        "selected": selected,
        "toggle_url": toggle_url,
        "name": place.name_en,
        "name_zh": place.name_zh,
        "level": place.level,
        "parent": place.parent or None,
    }


@lru_cache(maxsize=4096)
def _period_pairs(value: str) -> str:
    """`date_from=value&date_to=value`, encoded: the filter a period's link sets."""
    return encoded_pair("date_from", value) + "&" + encoded_pair("date_to", value)


def _with_selected(out, selected, make):
    seen = {e["value"] for e in out}
    return out + [make(v) for v in selected if v not in seen]
