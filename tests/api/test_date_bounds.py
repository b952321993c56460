"""Every date the API takes is held to 2000-01-01 .. 2099-12-31: outside it a clear 422
``date_out_of_range`` (never a 500 from an overflow), and the OpenAPI schema says so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api
from tests.api.helpers import approved_program

EXTREMES = ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"]


@pytest.fixture(scope="module")
def station(shared_api: Api) -> Iterator[tuple[Api, TestClient, str]]:
    program = approved_program(shared_api)
    created = shared_api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00", "days": ["mon"], "id": "sang"},
        headers=shared_api.auth("admin"),
    )
    assert created.status_code == 201, created.text
    # Errors the app does not handle would surface as 500s here instead of exceptions.
    client = TestClient(shared_api.app, raise_server_exceptions=False)
    yield shared_api, client, program["id"]


def _requests(day: str, program_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    at = f"{day}T06:00:00"
    return [
        ("GET", "/api/timetable", {"params": {"from": day}}),
        ("GET", "/api/timetable", {"params": {"from": "2025-01-01", "to": day}}),
        ("GET", "/api/log", {"params": {"from": day}}),
        ("GET", "/api/log", {"params": {"to": day}}),
        ("GET", "/api/reports/airtime", {"params": {"from": day[:7]}}),
        ("GET", "/api/reports/airtime.csv", {"params": {"to": day[:7]}}),
        ("POST", "/api/slots", {"json": {"program_id": program_id, "time": "07:00", "date": day}}),
        (
            "POST",
            "/api/slots",
            {"json": {"program_id": program_id, "time": "07:00", "days": ["tue"],
                      "valid_from": day}},
        ),
        (
            "POST",
            "/api/slots",
            {"json": {"program_id": program_id, "time": "07:00", "days": ["tue"],
                      "valid_until": day}},
        ),
        ("PATCH", "/api/slots/sang", {"json": {"date": day}}),
        ("PATCH", "/api/slots/sang", {"json": {"valid_until": day}}),
        ("POST", "/api/slots/sang/skip", {"json": {"original_start": at}}),
        ("POST", "/api/slots/sang/skip", {"json": {"original_start": at + "+07:00"}}),
        (
            "POST",
            "/api/slots/sang/move",
            {"json": {"original_start": at, "new_start": f"{day}T06:30:00"}},
        ),
        (
            "POST",
            "/api/slots/sang/move",
            {"json": {"original_start": "2025-06-02T06:00:00", "new_start": at}},
        ),
        ("DELETE", "/api/slots/sang/adjustments", {"params": {"original_start": at}}),
    ]  # fmt: skip


@pytest.mark.parametrize("day", EXTREMES)
def test_dates_out_of_range_are_a_clear_422(station: tuple[Api, TestClient, str], day: str) -> None:
    api, client, program_id = station
    for method, url, kwargs in _requests(day, program_id):
        response = client.request(method, url, headers=api.auth("admin"), **kwargs)
        assert response.status_code == 422, (method, url, kwargs, response.text)
        body = response.json()
        assert body["code"] == "date_out_of_range", (method, url, body)
        assert "01/01/2000" in body["message"] and "31/12/2099" in body["message"]
    assert [s["id"] for s in api.client.get("/api/slots", headers=api.auth("admin")).json()] == [
        "sang"
    ]


def test_the_edges_of_the_range_are_accepted(station: tuple[Api, TestClient, str]) -> None:
    api, client, program_id = station
    admin = api.auth("admin")
    for params in ({"from": "2000-01-01"}, {"from": "2099-12-25", "to": "2099-12-31"}):
        assert client.get("/api/timetable", params=params, headers=admin).status_code == 200
        assert client.get("/api/log", params=params, headers=admin).status_code == 200
    months = {"from": "2000-01", "to": "2000-12"}
    assert client.get("/api/reports/airtime", params=months, headers=admin).status_code == 200
    last = client.post(
        "/api/slots",
        json={"program_id": program_id, "time": "21:00", "date": "2099-12-31", "id": "cuoi"},
        headers=admin,
    )
    assert last.status_code == 201, last.text
    assert client.delete("/api/slots/cuoi", headers=admin).status_code == 200


def _request_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    components = spec["components"]["schemas"]

    def walk(where: str, schema: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(schema, dict):
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                yield from walk(f"{where}->{name}", components[name])
                return
            yield where, schema
            for key, value in schema.items():
                if key != "examples":
                    yield from walk(f"{where}.{key}", value)
        elif isinstance(schema, list):
            for index, item in enumerate(schema):
                yield from walk(f"{where}[{index}]", item)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                yield from walk(f"{method} {path} {parameter['name']}", parameter["schema"])
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                yield from walk(f"{method} {path} body", media.get("schema", {}))


def test_every_date_the_api_takes_states_the_range_in_its_schema(shared_api: Api) -> None:
    spec = shared_api.client.get("/openapi.json").json()
    dated = [
        (where, schema)
        for where, schema in _request_schemas(spec)
        if schema.get("format") in ("date", "date-time")
    ]
    assert len(dated) >= 10
    unbounded = [where for where, schema in dated if schema.get("pattern") != "^20[0-9]{2}-"]
    assert unbounded == []
