"""Every answer tells the browser not to guess its type (X-Content-Type-Options: nosniff)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


@pytest.mark.parametrize(
    ("method", "url", "role"),
    [
        ("GET", "/api/health", None),
        ("GET", "/api/scripts", "operator"),
        ("GET", "/api/scripts/999", "operator"),  # an error body
        ("GET", "/api/scripts", None),  # 401
        ("POST", "/api/scripts", "editor"),  # 422
        ("GET", "/api/reports/airtime.csv", "operator"),
        ("GET", "/openapi.json", None),
        ("GET", "/static/app.js", None),
        ("GET", "/dang-nhap", None),
    ],
)
def test_every_answer_says_nosniff(
    shared_api: Api, method: str, url: str, role: str | None
) -> None:
    headers = shared_api.auth(role) if role else {}
    response = shared_api.client.request(
        method, url, headers=headers, json={} if method == "POST" else None
    )
    assert response.headers.get("x-content-type-options") == "nosniff", (url, response.status_code)
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
