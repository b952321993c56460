"""Scripts (revisions, approval, preview) and programs (references, approval on air)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.fake_station import FAKE_MP3
from tests.api.helpers import approved_program, create_program, create_script


def test_editing_an_approved_script_returns_it_to_draft_and_keeps_the_revision(api: Api) -> None:
    script = create_script(api, approve=True, text="Bản gốc đã duyệt.")
    assert script["status"] == "approved"
    edited = api.client.put(
        f"/api/scripts/{script['id']}", json={"text": "Bản sửa."}, headers=api.auth("editor")
    )
    assert edited.status_code == 200
    body = edited.json()
    assert body["status"] == "draft"
    assert body["revision"] == 2
    assert body["approved_by"] is None
    revisions = api.client.get(
        f"/api/scripts/{script['id']}/revisions", headers=api.auth("operator")
    ).json()
    assert [r["text"] for r in revisions] == ["Bản gốc đã duyệt.", "Bản sửa."]
    assert revisions[0]["approved_by"] == "approver"
    assert revisions[1]["edited_by"] == "editor"


def test_an_edit_that_changes_nothing_keeps_the_approval(api: Api) -> None:
    script = create_script(api, approve=True)
    same = api.client.put(
        f"/api/scripts/{script['id']}", json={"title": script["title"]}, headers=api.auth("editor")
    )
    assert same.json()["status"] == "approved"


def test_slot_for_a_program_with_an_unapproved_script_is_422(api: Api) -> None:
    script = create_script(api)
    program = create_program(api, script["id"])
    response = api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00", "days": ["mon"]},
        headers=api.auth("editor"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "script_not_approved"
    assert response.json()["script_id"] == script["id"]
    assert api.store.slots.count() == 0


def test_resuming_a_slot_whose_script_went_back_to_draft_is_422(api: Api) -> None:
    script = create_script(api, approve=True)
    program = create_program(api, script["id"])
    api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00", "days": ["mon"], "id": "s"},
        headers=api.auth("editor"),
    )
    assert api.client.post("/api/slots/s/pause", headers=api.auth("editor")).json()["paused"]
    api.client.put(
        f"/api/scripts/{script['id']}", json={"text": "Đã sửa."}, headers=api.auth("editor")
    )
    resumed = api.client.post("/api/slots/s/resume", headers=api.auth("editor"))
    assert resumed.status_code == 422
    assert resumed.json()["code"] == "script_not_approved"
    assert api.store.slots.get("s").paused


def test_program_references_must_exist(api: Api) -> None:
    for segment, code in (
        ({"type": "script", "script_id": 42}, "unknown_script"),
        ({"type": "jingle", "name": "khong-co"}, "unknown_jingle"),
        ({"type": "audio", "name": "khong-co"}, "unknown_audio"),
    ):
        response = api.client.post(
            "/api/programs",
            json={"title": "X", "segments": [segment]},
            headers=api.auth("editor"),
        )
        assert response.status_code == 422, segment
        assert response.json()["code"] == code
    assert api.store.programs.list() == []


def test_program_on_air_cannot_take_an_unapproved_script(api: Api) -> None:
    program = approved_program(api)
    api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00", "days": ["mon"]},
        headers=api.auth("editor"),
    )
    draft = create_script(api)
    response = api.client.put(
        f"/api/programs/{program['id']}",
        json={"title": "Bản tin sáng", "segments": [{"type": "script", "script_id": draft["id"]}]},
        headers=api.auth("editor"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "script_not_approved"


def test_delete_refused_while_in_use(api: Api) -> None:
    program = approved_program(api)
    script_id = program["segments"][1]["script_id"]
    in_use = api.client.delete(f"/api/scripts/{script_id}", headers=api.auth("editor"))
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "script_in_use"
    api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00", "days": ["mon"]},
        headers=api.auth("editor"),
    )
    busy = api.client.delete(f"/api/programs/{program['id']}", headers=api.auth("editor"))
    assert busy.status_code == 409
    assert busy.json()["code"] == "program_in_use"


def test_preview_lists_sentences_readings_and_warnings(api: Api) -> None:
    script = create_script(api, text="Ngày 12/3 họp HĐND. Liên hệ XYZQ.")
    preview = api.client.get(
        f"/api/scripts/{script['id']}/preview", headers=api.auth("operator")
    ).json()
    sentences = preview["sentences"]
    assert sentences[0]["original"] == "Ngày 12/3 họp HĐND."
    assert "mười hai tháng ba" in sentences[0]["reading"]
    assert any(w["code"] == "unknown_abbreviation" for w in sentences[1]["warnings"])


def test_audio_previews_come_from_the_station(api: Api) -> None:
    program = approved_program(api)
    script_id = program["segments"][1]["script_id"]
    audio = api.client.get(f"/api/scripts/{script_id}/audio", headers=api.auth("operator"))
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/mpeg"
    assert audio.content == FAKE_MP3
    assert api.station.called("preview_script") == [((script_id,), {})]
    whole = api.client.get(f"/api/programs/{program['id']}/audio", headers=api.auth("operator"))
    assert whole.status_code == 200
    assert api.station.called("preview_program") == [((program["id"],), {})]
    missing = api.client.get("/api/scripts/999/audio", headers=api.auth("operator"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_script_list_filters(api: Api) -> None:
    create_script(api, topic="a")
    create_script(api, topic="b", approve=True)
    get = api.client.get
    headers = api.auth("operator")
    assert [s["topic"] for s in get("/api/scripts?status=approved", headers=headers).json()] == [
        "b"
    ]
    assert len(get("/api/scripts?topic=a", headers=headers).json()) == 1
    assert get("/api/scripts?status=nonsense", headers=headers).status_code == 422


def test_json_script_text_limit_is_413(api: Api) -> None:
    too_long = "Xin chào bà con. " * 200_000
    response = api.client.post(
        "/api/scripts",
        json={"title": "Dài", "text": too_long, "topic": ""},
        headers=api.auth("editor"),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "script_too_large"


def test_approval_is_tied_to_the_revision_the_approver_read(api: Api) -> None:
    script = create_script(api)
    read = api.client.get(f"/api/scripts/{script['id']}", headers=api.auth("approver")).json()
    assert read["revision"] == 1
    edited = api.client.put(
        f"/api/scripts/{script['id']}",
        json={"text": "Nội dung đã bị sửa sau khi lãnh đạo đọc."},
        headers=api.auth("editor"),
    )
    assert edited.json()["revision"] == 2
    stale = api.client.post(
        f"/api/scripts/{script['id']}/approve",
        json={"revision": read["revision"]},
        headers=api.auth("approver"),
    )
    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert body["code"] == "revision_changed"
    assert (body["read_revision"], body["current_revision"]) == (1, 2)
    assert "đọc lại" in body["message"]
    assert api.store.scripts.get(script["id"]).status == "draft"

    current = api.client.post(
        f"/api/scripts/{script['id']}/approve", json={"revision": 2}, headers=api.auth("approver")
    )
    assert current.status_code == 200, current.text
    assert (current.json()["status"], current.json()["approved_revision"]) == ("approved", 2)


@pytest.mark.parametrize("body", [None, {}, {"revision": None}])
def test_approval_without_a_revision_approves_the_current_one(api: Api, body: object) -> None:
    script = create_script(api)
    kwargs = {} if body is None else {"json": body}
    response = api.client.post(
        f"/api/scripts/{script['id']}/approve", headers=api.auth("approver"), **kwargs
    )
    assert response.status_code == 200, response.text
    assert response.json()["approved_revision"] == 1


@pytest.mark.parametrize("revision", [0, -1, "hai", 2**40])
def test_approval_with_a_malformed_revision_is_422(api: Api, revision: object) -> None:
    script = create_script(api)
    response = api.client.post(
        f"/api/scripts/{script['id']}/approve",
        json={"revision": revision},
        headers=api.auth("approver"),
    )
    assert response.status_code == 422
    assert api.store.scripts.get(script["id"]).status == "draft"
