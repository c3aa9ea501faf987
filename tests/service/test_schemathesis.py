"""Property-based calls generated from the OpenAPI document (bounded examples): never a 500.

Driven through Hypothesis directly (one strategy per operation), so it does not depend on the
schemathesis pytest plugin.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.service.conftest import Service

MAX_EXAMPLES = 8


@schemathesis.serializer("message/rfc822")
def _rfc822(_ctx: Any, value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


def test_no_server_error(service: Service) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", service.app)
    headers = service.headers("admin")
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            run()
        except Exception as err:  # collect every failing operation, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(err)[:600]}")
    assert tested >= 15
    requests = service.app.state.service.metrics.requests
    sent = sum(sample.value for metric in requests.collect() for sample in metric.samples
               if sample.name.endswith("_total"))
    assert sent >= tested * 3  # the generated calls really reached the app
    assert not failures, "\n\n".join(failures)
