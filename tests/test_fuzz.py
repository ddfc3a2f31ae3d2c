"""Fuzz the API from its own OpenAPI description (schemathesis, in-process over WSGI).

Every operation in ``/api/openapi.json`` gets generated requests, both schema-valid
("positive") and schema-violating ("negative": wrong types, missing fields, extra
fields, odd strings). Each response must:

- never be a 5xx (``not_a_server_error``);
- use a status code, content type, headers and body the description declares
  (``status_code_conformance``, ``content_type_conformance``,
  ``response_headers_conformance``, ``response_schema_conformance``);
- reject schema-violating input with a 4xx (``negative_data_rejection``).

``positive_data_acceptance`` is left out on purpose: some schema-valid requests are
rightly refused by rules a JSON schema cannot state (a message of only spaces, a
message over the limit once Unicode-normalised).

Bounded in CI: ``FUZZ_EXAMPLES`` examples per operation and mode (default 60). For a
thorough run: ``FUZZ_EXAMPLES=1000 python -m pytest tests/test_fuzz.py -s`` (the number
of cases run is printed at the end). Rate limiting is off, as for every load from one address.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chatbot.api.app import create_app
from chatbot.config import Settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
_INDEX = Path(tempfile.mkdtemp(prefix="chatbot-fuzz-index-"))
APP = create_app(Settings(rate_limit="off", index_cache=_INDEX, log_messages=False))
SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CASES: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    total = sum(CASES.values())
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(STATUSES.items()))
    print(f"\nfuzz: {total} generated requests over {len(OPERATIONS)} operations ({by_status})")


def test_every_operation_is_fuzzed() -> None:
    paths = {op.path for op in OPERATIONS}
    assert {"/api/chat", "/api/health", "/api/documents", "/api/documents/{document_id}"} <= paths, paths


def _run(operation: Any, mode: GenerationMode) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        response = case.call()
        CASES[f"{operation.method} {operation.path}"] += 1
        STATUSES[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    fuzz()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_fuzz_operation(operation: Any, mode: GenerationMode) -> None:
    try:
        _run(operation, mode)
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip(f"{operation.method.upper()} {operation.path} takes no input that can violate its schema")
