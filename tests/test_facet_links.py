"""Facet entries built from per-process parts are what the plain definitions give.

Facet links are written from the request's parameters encoded once, and
place entries are copied from entries made once per process (see
`service.facets`): whatever the request, each toggle link must be the page
with that one value switched (`toggled_url`), a period's link the page with
its dates set to that period, each place entry its place's names, and no
request may see what an earlier one did to its entries.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import MultiDict

from indexer.extract.gazetteer import load_gazetteer
from indexer.search.places import resolve_places
from service.facets import (
    LangFacet,
    LocationFacet,
    MonthFacet,
    SourceFacet,
    YearFacet,
    toggled_url,
)
from service.links import url_with

PATH = "/api/search"

ARGS = [
    [],
    [("q", "wafer")],
    [("q", "a&b=c d+e 中文"), ("page", "3"), ("per_page", "25")],
    [("q", "wafer"), ("location", "无锡"), ("location", "Jiangsu"), ("lang", "en")],
    [("location", "cn"), ("location", " cn"), ("location", ""), ("source", "Wuxi Daily")],
    [("q", "x"), ("date_from", "2021-03"), ("date_to", "2021-03"), ("sort", "newest")],
    [("date_from", "2020"), ("date_to", "2021-06"), ("lang", "zh"), ("lang", "mixed")],
]


def _counts() -> dict:
    places = [p.id for p in load_gazetteer()]
    return {
        # Every place (more than the limit per level), most frequent first.
        "location": [(pid, 1000 - i) for i, pid in enumerate(places)] + [("nowhere", 1)],
        "lang": [("en", 7), ("zh", 5), ("mixed", 1)],
        "source": [("Wuxi Daily", 4), ("wuxi daily", 3), ("Xinhua", 2)],
        "month": [("2021-04", 3), ("2021-03", 2), ("2020-12", 1)],
        "year": [("2021", 5), ("2020", 1)],
    }


@pytest.mark.parametrize("pairs", ARGS, ids=range(len(ARGS)))
@pytest.mark.parametrize("facet", [LocationFacet, LangFacet, SourceFacet])
def test_each_value_links_to_the_page_with_that_value_switched(pairs, facet):
    args = MultiDict(pairs)
    typed = {}  # what the user typed for a chosen place: its link takes that off
    if facet is LocationFacet:
        for value in args.getlist("location"):
            for pid in resolve_places([value])[0]:
                typed.setdefault(pid, value)
    entries = facet(args, PATH, limit=5).facet_results(_counts())
    assert entries
    for entry in entries:
        value = typed.get(entry["value"], entry["value"])
        assert entry["toggle_url"] == toggled_url(args, PATH, facet.param, value), entry


@pytest.mark.parametrize("pairs", ARGS, ids=range(len(ARGS)))
@pytest.mark.parametrize("facet", [MonthFacet, YearFacet])
def test_each_period_links_to_the_page_with_its_dates(pairs, facet):
    args = MultiDict(pairs)
    undated = [(k, v) for k, v in pairs if k not in ("page", "date_from", "date_to")]
    chosen = args.get("date_from") if args.get("date_from") == args.get("date_to") else None
    entries = facet(args, PATH, 50).facet_results(_counts())
    assert len(entries) == len(_counts()[facet.counts_key])
    for entry in entries:
        value = entry["value"]
        if value == chosen:
            assert entry["selected"]
            assert entry["toggle_url"] == url_with(PATH, undated)
        else:
            assert not entry["selected"]
            dates = [("date_from", value), ("date_to", value)]
            assert entry["toggle_url"] == url_with(PATH, undated + dates)


def test_each_place_entry_holds_its_place():
    gazetteer = load_gazetteer()
    args = MultiDict([("location", "Wuxi")])
    entries = LocationFacet(args, PATH, limit=3).facet_results(_counts())
    assert [e["value"] for e in entries if e["selected"]] == [gazetteer.lookup("Wuxi").id]
    for entry in entries:
        place = gazetteer.get(entry["value"])
        assert list(entry) == [
            "value", "label", "count", "selected", "toggle_url",
            "name", "name_zh", "level", "parent",
        ]  # fmt: skip
        assert entry["label"] == place.label
        assert (entry["name"], entry["name_zh"]) == (place.name_en, place.name_zh)
        assert entry["level"] == place.level
        assert entry["parent"] == (place.parent or None)
    per_level = {}
    for entry in entries:
        per_level[entry["level"]] = per_level.get(entry["level"], 0) + 1
    assert max(per_level.values()) <= 3 + 1  # the limit, and the chosen place


def test_a_request_does_not_see_what_an_earlier_one_did_to_its_entries():
    first = LocationFacet(MultiDict([("q", "a")]), PATH).facet_results(_counts())
    for entry in first:
        entry["count"] = -1
        entry["label"] = "changed"
        entry["children"] = []
    again = LocationFacet(MultiDict([("q", "b")]), PATH).facet_results(_counts())
    assert all(e["count"] > 0 and e["label"] != "changed" for e in again)
    assert not any("children" in e for e in again)
    assert all(e["toggle_url"].startswith(PATH + "?q=b&location=") for e in again)


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("q", "a&b=c d+e/é中文%"), ("page", "2")],
        [("q", ""), ("location", "江苏|无锡"), ("x", "~-._*'()!")],
        [("page", 2), (b"raw", b"by tes"), ("n", None)],
    ],
)
def test_links_carry_the_query_string_urlencode_writes(pairs):
    expected = PATH + ("?" + urlencode(pairs) if pairs else "")
    assert url_with(PATH, pairs) == expected
    assert url_with(PATH, iter(pairs)) == expected
