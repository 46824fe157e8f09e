"""Property-based tests of the JSON API against its own OpenAPI spec.

schemathesis generates requests from /api/openapi.json (valid and, with the
negative mode, invalid ones) and checks that the app never answers with a
server error, and that status codes, content types and bodies match the
spec.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode


@pytest.fixture(scope="session")
def api_schema(seed_index):
    from service import create_app

    app = create_app({"TESTING": True, "INDEX": str(seed_index)})
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_spec(case):
    case.call_and_validate()


@schema.parametrize(generation_modes=[GenerationMode.NEGATIVE])
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_invalid_requests_never_cause_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, (case, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
