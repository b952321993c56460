"""The minimal contract integrators rely on (issue 5), exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from broadcast.programs import Segment
from broadcast.scheduling.model import Outcome, Priority
from tests.api.conftest import Api
from tests.api.helpers import approved_program, create_program, create_script


def test_post_script_is_201_with_id_and_approve_is_200(api: Api) -> None:
    response = api.client.post(
        "/api/scripts",
        json={"title": "Lịch tiêm chủng", "text": "Tiêm chủng ngày 5/6.", "topic": "y-te"},
        headers=api.auth("editor"),
    )
    assert response.status_code == 201
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["status"] == "draft"
    approve = api.client.post(f"/api/scripts/{body['id']}/approve", headers=api.auth("approver"))
    assert approve.status_code == 200
    assert approve.json()["status"] == "approved"
    assert approve.json()["approved_by"] == "approver"
    assert api.store.scripts.get(body["id"]).approved_at is not None


def test_post_program_is_201_with_id(api: Api) -> None:
    script = create_script(api)
    response = api.client.post(
        "/api/programs",
        json={
            "title": "Bản tin sáng",
            "segments": [
                {"type": "script", "script_id": script["id"]},
                {"type": "jingle", "name": "intro"},
            ],
        },
        headers=api.auth("editor"),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == "ban-tin-sang"
    stored = api.store.programs.get(body["id"])
    assert stored.segments == (Segment.stored_script(script["id"]), Segment.jingle("intro"))
    again = create_program(api, script["id"])
    assert again["id"] == "ban-tin-sang-2"


def test_post_slot_one_off_and_recurring_are_201(api: Api) -> None:
    program = approved_program(api)
    changes_before = len(api.station.called("timetable_changed"))
    one_off = api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00:00", "date": "2031-05-02"},
        headers=api.auth("editor"),
    )
    assert one_off.status_code == 201, one_off.text
    assert one_off.json()["id"]
    recurring = api.client.post(
        "/api/slots",
        json={
            "program_id": program["id"],
            "time": "17:30:00",
            "days": ["mon", "wed", "fri"],
            "priority": "priority",
        },
        headers=api.auth("editor"),
    )
    assert recurring.status_code == 201, recurring.text
    slot = api.store.slots.get(recurring.json()["id"])
    assert slot.days == frozenset({0, 2, 4})
    assert slot.priority is Priority.PRIORITY
    assert api.store.slots.get(one_off.json()["id"]).on_date is not None
    assert len(api.station.called("timetable_changed")) == changes_before + 2


def test_clash_is_409_naming_the_other_slot_and_time(api: Api) -> None:
    program = approved_program(api)
    first = api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00", "days": ["tue"], "id": "sang"},
        headers=api.auth("editor"),
    )
    assert first.status_code == 201
    clash = api.client.post(
        "/api/slots",
        json={"program_id": program["id"], "time": "06:00:30", "date": "2031-05-06"},
        headers=api.auth("editor"),
    )
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "schedule_conflict"
    assert body["other_slot_id"] == "sang"
    assert body["clash_at"] == "2031-05-06T06:00:30+07:00"
    # The operator reads program titles and times; ids stay in the fields for API clients.
    assert "«Bản tin sáng» (06:00 thứ Ba)" in body["message"] and "06:00:30" in body["message"]
    assert "'sang'" not in body["message"]
    assert api.store.slots.count() == 1


def test_invalid_slot_fields_are_422(api: Api) -> None:
    program = approved_program(api)
    bad_bodies = [
        {"program_id": program["id"], "time": "25:00:00", "date": "2031-05-02"},
        {"program_id": program["id"], "time": "06:00:00"},  # neither date nor days
        {"program_id": program["id"], "time": "06:00", "date": "2031-05-02", "days": ["mon"]},
        {"program_id": program["id"], "time": "06:00", "days": ["monday"]},
        {"program_id": program["id"], "time": "06:00", "date": "2031-02-30"},
        {"program_id": program["id"], "time": "06:00", "days": ["mon"], "priority": "high"},
        {"time": "06:00", "days": ["mon"]},
    ]
    for body in bad_bodies:
        response = api.client.post("/api/slots", json=body, headers=api.auth("editor"))
        assert response.status_code == 422, body
        assert response.json()["code"] == "invalid_request"
        assert response.json()["message"]
    unknown = api.client.post(
        "/api/slots",
        json={"program_id": "khong-co", "time": "06:00", "days": ["mon"]},
        headers=api.auth("editor"),
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_program"
    assert api.store.slots.count() == 0


def test_get_log_has_the_fields_of_broadcast_log_json(api: Api) -> None:
    program = approved_program(api)
    start = datetime(2031, 5, 2, 6, 0, tzinfo=UTC)
    api.store.as_run.append(
        program_id=program["id"],
        priority="normal",
        scheduled_start=start,
        slot_id=None,
        actual_start=start + timedelta(seconds=0.2),
        end=start + timedelta(minutes=3),
        outcome=Outcome.AIRED,
        engines=["espeak"],
        lateness=timedelta(seconds=0.2),
    )
    response = api.client.get("/api/log", headers=api.auth("operator"))
    assert response.status_code == 200
    [entry] = response.json()
    assert set(entry) == {
        "id",
        "slot",
        "announcement",  # added in version 2 (announcements have their own ids)
        "cluster",  # added in version 2: where it aired ("local": the station's output)
        "note",  # added in version 2: why what aired differs from the plan
        "details",  # added for relay and live: a relay's gaps, a live broadcast's device
        "program",
        "program_title",
        "topic",
        "priority",
        "scheduled_start",
        "actual_start",
        "end",
        "outcome",
        "lateness_seconds",
        "engines",
        "error",
        "render_id",  # the render that was played (to listen back to it)
        "stopped_by_operator",  # stopped on purpose: not a fault to alert about
        "topic_name",  # the column's name (the page shows no slugs)
    }
    assert entry["program"] == program["id"]
    assert entry["program_title"] == "Bản tin sáng"
    assert entry["outcome"] == "aired"
    assert entry["scheduled_start"] == "2031-05-02T13:00:00+07:00"
    assert entry["lateness_seconds"] == 0.2
    assert entry["engines"] == ["espeak"]


def test_log_filters(api: Api) -> None:
    program = approved_program(api)
    for day, outcome in ((1, Outcome.AIRED), (2, Outcome.MISSED), (3, Outcome.AIRED)):
        start = datetime(2031, 5, day, 0, 0, tzinfo=UTC)
        api.store.as_run.append(
            program_id=program["id"],
            priority="normal",
            scheduled_start=start,
            outcome=outcome,
            actual_start=start,
            end=start + timedelta(minutes=1),
        )
    get = api.client.get
    headers = api.auth("operator")
    assert len(get("/api/log?outcome=missed", headers=headers).json()) == 1
    newest_first = get("/api/log?from=2031-05-02&to=2031-05-03", headers=headers).json()
    assert [e["scheduled_start"][:10] for e in newest_first] == ["2031-05-03", "2031-05-02"]
    assert len(get("/api/log?limit=1", headers=headers).json()) == 1
    assert get("/api/log?outcome=exploded", headers=headers).status_code == 422


def test_without_token_401_and_wrong_role_403(api: Api) -> None:
    body = {"title": "A", "text": "Xin chào.", "topic": "t"}
    assert api.client.post("/api/scripts", json=body).status_code == 401
    assert api.client.get("/api/log").status_code == 401
    assert (
        api.client.post("/api/scripts", json=body, headers=api.auth("operator")).status_code == 403
    )
    script = create_script(api)
    approve = api.client.post(f"/api/scripts/{script['id']}/approve", headers=api.auth("editor"))
    assert approve.status_code == 403
    assert approve.json() == {
        "code": "forbidden",
        "message": "Tài khoản của bạn không có quyền làm việc này.",
    }
    assert api.store.scripts.get(script["id"]).status == "draft"
