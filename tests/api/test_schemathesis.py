"""Property-based run of schemathesis against /openapi.json, in process (ASGI), as admin:
no 5xx, and every response matches the schema (status documented, content type, body).

The app is built when the module is imported (schemathesis reads the schema at collection;
its lazy ``from_fixture`` loader does not work with this pytest), in a temporary folder that
the module fixture removes at the end.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import build_api
from tests.api.helpers import approved_program

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]

_FOLDER = Path(tempfile.mkdtemp(prefix="loa-fuzz-"))
API = build_api(_FOLDER)
schema = schemathesis.openapi.from_asgi("/openapi.json", API.app)


@pytest.fixture(scope="module", autouse=True)
def seeded() -> Iterator[None]:
    """Something for the generated requests to find: an approved program and a slot."""
    with API.client:
        program = approved_program(API)
        created = API.client.post(
            "/api/slots",
            json={"program_id": program["id"], "time": "06:00", "days": ["mon"], "id": "sang"},
            headers=API.auth("admin"),
        )
        assert created.status_code == 201
        yield
    API.store.close()
    shutil.rmtree(_FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=API.auth("admin"), checks=CHECKS)
