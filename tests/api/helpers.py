"""Small builders shared by the API tests."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def create_script(api: Api, *, approve: bool = False, **fields: Any) -> dict[str, Any]:
    body = {"title": "Tin chuyển đổi số", "text": "Xin chào bà con. Hôm nay 12/3.", "topic": "cds"}
    body.update(fields)
    response = api.client.post("/api/scripts", json=body, headers=api.auth("editor"))
    assert response.status_code == 201, response.text
    script: dict[str, Any] = response.json()
    if approve:
        approved = api.client.post(
            f"/api/scripts/{script['id']}/approve", headers=api.auth("approver")
        )
        assert approved.status_code == 200, approved.text
        script = approved.json()
    return script


def create_program(api: Api, script_id: int, title: str = "Bản tin sáng") -> dict[str, Any]:
    response = api.client.post(
        "/api/programs",
        json={
            "title": title,
            "segments": [
                {"type": "jingle", "name": "intro"},
                {"type": "script", "script_id": script_id},
            ],
        },
        headers=api.auth("editor"),
    )
    assert response.status_code == 201, response.text
    program: dict[str, Any] = response.json()
    return program


def approved_program(api: Api, title: str = "Bản tin sáng") -> dict[str, Any]:
    script = create_script(api, approve=True)
    return create_program(api, script["id"], title)
