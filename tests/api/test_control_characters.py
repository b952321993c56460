"""Control characters (other than tab and line breaks) in what a client sends are refused
with 422 ``control_character``, on SQLite and on PostgreSQL (where a NUL byte used to reach
the database and give a 500), and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api, build_api
from tests.store.conftest import db_url, postgres_url  # noqa: F401  (SQLite and PostgreSQL)


@pytest.fixture
def backend(tmp_path: Path, db_url: str) -> Iterator[tuple[Api, TestClient]]:  # noqa: F811
    built = build_api(tmp_path, database_url=db_url)
    with built.client:
        # Unhandled errors answer 500 here, as they would to a real client.
        yield built, TestClient(built.app, raise_server_exceptions=False)
    built.store.close()


SCRIPT = {"title": "Thông báo", "text": "Kính thưa bà con.", "topic": "thong-tin"}
BAD = ["\x00", "\x07", "\x1b[2J", "\x7f", "\x85", "\ud800"]


def _post_json(client: TestClient, url: str, body: object, headers: dict[str, str]) -> object:
    # Sent as raw JSON text: a lone surrogate can be written in JSON ("\ud800") but not
    # encoded by the client library.
    return client.post(
        url,
        content=json.dumps(body, ensure_ascii=True).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )


def test_a_script_with_a_control_character_is_422_and_not_stored(
    backend: tuple[Api, TestClient],
) -> None:
    api, client = backend
    # One API for every case (each build costs a database): the case is in each message.
    for field in ("text", "title", "topic"):
        for bad in BAD:
            case = f"{field} U+{ord(bad[0]):04X}"
            body = {**SCRIPT, field: f"Kính thưa{bad} bà con."}
            response = _post_json(client, "/api/scripts", body, api.auth("editor"))
            assert response.status_code == 422, (case, response.text)
            error = response.json()
            assert error["code"] == "control_character", case
            assert f"U+{ord(bad[0]):04X}" in error["message"] and field in error["message"], case
    assert api.store.scripts.count() == 0


def test_an_edit_with_a_nul_byte_is_422_and_keeps_the_script(
    backend: tuple[Api, TestClient],
) -> None:
    api, client = backend
    created = client.post("/api/scripts", json=SCRIPT, headers=api.auth("editor")).json()
    edited = client.put(
        f"/api/scripts/{created['id']}",
        json={"text": "Nội dung\x00 mới"},
        headers=api.auth("editor"),
    )
    assert edited.status_code == 422 and edited.json()["code"] == "control_character"
    assert api.store.scripts.get(created["id"]).text == SCRIPT["text"]


def test_tab_and_line_breaks_are_kept(backend: tuple[Api, TestClient]) -> None:
    api, client = backend
    text = "Dòng một\tcó tab.\nDòng hai.\r\nDòng ba."
    response = client.post(
        "/api/scripts", json={**SCRIPT, "text": text}, headers=api.auth("editor")
    )
    assert response.status_code == 201, response.text
    assert api.store.scripts.get(response.json()["id"]).text == text


def test_other_bodies_with_a_nul_byte_are_422(backend: tuple[Api, TestClient]) -> None:
    api, client = backend
    for url, body in [
        ("/api/programs", {"title": "Tin\x00", "segments": [{"type": "silence", "seconds": 1}]}),
        ("/api/users", {"name": "lan\x00", "role": "editor"}),
        ("/api/session", {"name": "admin\x00", "password": "mat-khau-du-dai"}),
        ("/api/slots", {"program_id": "a\x00b", "time": "06:00", "days": ["mon"]}),
        ("/api/announcements", {"text": "Bão\x00 số 3", "priority": "emergency"}),
    ]:
        response = client.post(url, json=body, headers=api.auth("admin"))
        assert response.status_code == 422, (url, response.text)
        assert response.json()["code"] == "control_character", url


def test_urls_with_a_control_character_are_422(backend: tuple[Api, TestClient]) -> None:
    api, client = backend
    for url in [
        "/api/scripts?topic=%00",
        "/api/log?program=a%00",
        "/api/slots/sang%00",
        "/api/slots?program_id=%0A",
        # the public pages too: no login stands in front of them
        "/nghe-lai?chuyen-muc=%00",
        "/nghe-lai/ban-tin%00",
        "/feeds/thong-tin%00.xml",
    ]:
        response = client.get(url, headers=api.auth("admin"))
        assert response.status_code == 422, (url, response.text)
        assert response.json()["code"] == "control_character", url


def test_an_upload_whose_text_holds_a_control_character_is_refused(
    backend: tuple[Api, TestClient],
) -> None:
    api, client = backend
    # Past the first 64 KiB, where the binary-file check looks.
    data = ("Kính thưa bà con nhân dân. " * 3000 + "Hết\x00.").encode()
    response = client.post(
        "/api/scripts/upload",
        files={"file": ("tin.txt", data, "text/plain")},
        headers=api.auth("editor"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "script_control_character"
    titled = client.post(
        "/api/scripts/upload",
        files={"file": ("tin.txt", "Kính thưa bà con.".encode(), "text/plain")},
        data={"title": "Tin\x07"},
        headers=api.auth("editor"),
    )
    assert titled.status_code == 422 and titled.json()["code"] == "control_character"
    assert api.store.scripts.count() == 0


def test_the_schema_states_the_rule_on_free_text(backend: tuple[Api, TestClient]) -> None:
    api, client = backend
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    text = schemas["ScriptCreate"]["properties"]["text"]
    assert "\\u0000" in text["pattern"]
    assert "pattern" not in schemas["LoginIn"]["properties"]["password"]
