"""Property-based tests of the JSON API against its own OpenAPI spec.

schemathesis generates requests from /api/openapi.json, both valid ones and
(in its negative mode) invalid ones; each must be answered without a server
error, with the status code, content type and body the spec promises.
(schemathesis' pytest plugin does not run under pytest 9 yet, so the
operations' hypothesis strategies are driven directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

SPEC_PATHS = ["/api/search", "/api/documents/{doc_id}", "/healthz", "/api/export", "/feed.atom"]
SEARCHES = ("/api/search", "/api/export", "/feed.atom")  # the same search parameters


@pytest.fixture(scope="module")
def api_schema(seed_index):
    from service import create_app
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, "INDEX": str(seed_index)})
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    close_searcher(app)


def _operation(schema, path):
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == path:
            return operation
    raise AssertionError(f"{path} is not in the spec")


CASES = [(path, GenerationMode.POSITIVE) for path in SPEC_PATHS] + [
    # Only the searches have parameters whose invalid forms can be generated.
    (path, GenerationMode.NEGATIVE)
    for path in SEARCHES
]


@pytest.mark.parametrize(("path", "mode"), CASES)
def test_api_conforms_to_its_openapi_spec(api_schema, path, mode):
    operation = _operation(api_schema, path)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call()
        assert response.status_code < 500, (case.path, case.query, response.text[:300])
        # Schema-valid input a search still refuses, with a documented 400: an
        # unknown place, 2023-02-30, a one-letter prefix `a*`. A spec cannot say
        # that, so for it the "valid data is accepted" check does not apply.
        # An empty parameter (`lang=&per_page=`) counts as absent, as HTML forms
        # need, so "invalid data is rejected" cannot hold for empty values; the
        # other invalid values are rejected, see test_api.py's 400 cases.
        excluded = [positive_data_acceptance] if path in SEARCHES else []
        if mode is GenerationMode.NEGATIVE:
            excluded.append(negative_data_rejection)
            if response.status_code >= 400:
                assert response.json()["error"]["code"]
        case.validate_response(response, excluded_checks=excluded)

    check()
