"""Schemathesis over the OpenAPI schema: every operation, authenticated as the administrator; no
5xx, and every 4xx carries the error body {code, message, details}.

The operations are driven from one test with Hypothesis directly (the pytest plugin of
schemathesis does not run with this pytest), a few examples each so the suite stays fast.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.web.conftest import Site
from yuanqu.core.auth import Role

EXAMPLES = 10


def check_error_body(response) -> None:
    if 400 <= response.status_code < 500:
        body = response.json()
        assert set(body) == {"code", "message", "details"}, body
        assert body["code"] and body["message"]


def test_every_operation(site: Site) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", site.app)
    headers = {"Authorization": f"Bearer {site.tokens[Role.admin]}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case) -> None:
            response = case.call(headers=headers)
            statuses.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            check_error_body(response)

        exercise()
    assert len(statuses) >= 3 * len(operations)
    assert any(status < 300 for status in statuses)
