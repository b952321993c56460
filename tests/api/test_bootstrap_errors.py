"""First-start admin, and the shape of errors."""

from __future__ import annotations

from pathlib import Path

from api.bootstrap import ensure_admin
from broadcast.store.store import open_store
from tests.api.conftest import Api, make_settings


def test_first_start_creates_admin_with_a_random_token(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = open_store(settings.db_url)
    token = ensure_admin(store, settings)
    assert token is not None and len(token) > 20
    user = store.users.user_for_token(token)
    assert user is not None and user.name == "admin" and user.role.value == "admin"
    assert ensure_admin(store, settings) is None
    store.close()


def test_bootstrap_token_from_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, bootstrap_token="loa_bootstrap-token-0123456789")
    store = open_store(settings.db_url)
    assert ensure_admin(store, settings) == "loa_bootstrap-token-0123456789"
    assert store.users.user_for_token("loa_bootstrap-token-0123456789") is not None
    store.close()


def test_errors_are_json_with_code_and_vietnamese_message(api: Api) -> None:
    missing = api.client.get("/api/khong-co")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "message": "Không tìm thấy địa chỉ này."}
    not_found = api.client.get("/api/scripts/12345", headers=api.auth("operator"))
    assert not_found.json() == {"code": "not_found", "message": "Không tìm thấy tin bài số 12345"}
    invalid = api.client.post("/api/scripts", json={"title": ""}, headers=api.auth("editor"))
    body = invalid.json()
    assert invalid.status_code == 422
    assert body["code"] == "invalid_request"
    assert "title" in body["message"] and "text" in body["message"]
    assert {e["field"] for e in body["errors"]} == {"title", "text"}
    not_json = api.client.post(
        "/api/scripts",
        content=b"{not json",
        headers={**api.auth("editor"), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert not_json.json()["code"] == "invalid_request"


def test_openapi_documents_the_error_shape(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    post_scripts = schema["paths"]["/api/scripts"]["post"]
    assert post_scripts["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    upload = schema["paths"]["/api/scripts/upload"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
