"""JSON responses through orjson are byte for byte what Flask's own provider writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask.json.provider import DefaultJSONProvider

from service.json_provider import FastJSONProvider, compact_json


def _flask_bytes(app, obj) -> bytes:
    reference = DefaultJSONProvider(app)
    reference.ensure_ascii = reference.sort_keys = False
    return reference.response(obj).get_data()


@dataclass
class Point:
    x: int
    label: str


class Words(str):
    pass


TRICKY = [
    {"text": 'a\u2028b\x7f\x00\x1f"\\/<>&é中文', "n": 2**63 - 1, "neg": -(2**63)},
    {"floats": [0.0, -0.0, 1.0, 0.1, 12.3456, 1e-4, 9.99e15, 123456789.123]},
    {"small": 1.5e-05},
    {"big": 1e16},
    {"nan": float("nan"), "inf": [float("-inf")]},
    1.5e-05,
    {"huge_int": 2**70},
    {"when": datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "day": date(2024, 5, 1)},
    {"point": Point(1, "p"), "words": Words("w"), "tuple": (1, "a", None, True)},
    {"records": [{"value": "cn", "count": 3, "parent": None}, {"score": float("nan")}]},
    {"hits": [{"score": 1.5, "places": ["cn"]}, {"score": 3.3e-07}]},
    [[{"a": [{"b": 1e-9}]}], {"c": 2}],
    [{"a": 1}, ({"b": float("inf")},)],
    {"records": [{"a": 1.0}, {"b": [{"c": -0.0, "d": (2.5, "x")}]}], "e": ()},
    {1: "non-string key"},
    {"surrogate": "\ud800"},
    [],
    "plain",
    None,
]


@pytest.mark.parametrize("obj", TRICKY, ids=range(len(TRICKY)))
def test_the_same_bytes_as_flask_for_awkward_values(app, obj):
    fast = FastJSONProvider(app)
    fast.ensure_ascii = fast.sort_keys = False
    try:
        expected = _flask_bytes(app, obj)
    except (TypeError, UnicodeEncodeError):
        with pytest.raises((TypeError, UnicodeEncodeError)):
            fast.response(obj).get_data()
        return
    assert fast.response(obj).get_data() == expected


def test_orjson_writes_the_common_case_itself(app):
    obj = {"hits": [{"title": "晶圆", "score": 1.2345}], "total": 3, "relaxed": None}
    assert compact_json(obj, app.json.default) == _flask_bytes(app, obj)
    assert compact_json({"small": 1e-5}, app.json.default) is None  # json's exponent form


def test_api_answers_are_the_same_bytes(client, app):
    for params in (
        {"q": "wafer"},
        {"q": "集成电路", "page": "2", "per_page": "3"},
        {"q": "wafer", "location": "Wuxi", "date_from": "2020-01-01"},
        {"q": "", "sort": "newest"},
    ):
        response = client.get("/api/search", query_string=params)
        assert response.status_code == 200
        assert response.get_data() == _flask_bytes(app, json.loads(response.get_data()))
    assert client.get("/api/openapi.json").get_data() == _flask_bytes(
        app, client.get("/api/openapi.json").get_json()
    )


@pytest.mark.parametrize(
    "obj",
    [
        {"hits": [{"score": 1.0}, {"score": 1e-5}]},
        {"facets": {"location": [{"count": 1}, {"count": 2, "x": [{"y": float("nan")}]}]}},
        [{"a": "b"}, {"c": (1, 3.3e-07)}],
        {"deep": [[[{"inf": float("-inf")}]]]},
    ],
    ids=range(4),
)
def test_floats_json_writes_otherwise_are_found_deep_in_lists_of_records(app, obj):
    assert compact_json(obj, app.json.default) is None


def test_lists_of_plain_records_go_through_orjson(app):
    facets = [{"value": str(i), "count": i, "selected": i == 3, "parent": None} for i in range(50)]
    obj = {"facets": {"location": facets, "lang": []}, "took_ms": 1.25, "hits": [{"score": 0.5}]}
    assert compact_json(obj, app.json.default) == _flask_bytes(app, obj)
