"""Adjusting airtime: change a slot, pause/resume, skip or move one occurrence, undo."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta

from tests.api.conftest import Api
from tests.api.helpers import approved_program


def make_slot(api: Api, slot_id: str, at: str, days: list[str], program_id: str) -> None:
    response = api.client.post(
        "/api/slots",
        json={"program_id": program_id, "time": at, "days": days, "id": slot_id},
        headers=api.auth("editor"),
    )
    assert response.status_code == 201, response.text


def test_patch_moves_the_time_and_checks_clashes(api: Api) -> None:
    program = approved_program(api)
    make_slot(api, "sang", "06:00", ["mon"], program["id"])
    make_slot(api, "chieu", "17:00", ["mon"], program["id"])
    moved = api.client.patch(
        "/api/slots/chieu",
        json={"time": "18:15", "max_duration_seconds": 900},
        headers=api.auth("editor"),
    )
    assert moved.status_code == 200
    assert moved.json()["time"] == "18:15:00"
    assert api.store.slots.get("chieu").time == time(18, 15)
    clash = api.client.patch("/api/slots/chieu", json={"time": "06:00"}, headers=api.auth("editor"))
    assert clash.status_code == 409
    assert clash.json()["other_slot_id"] == "sang"
    assert api.store.slots.get("chieu").time == time(18, 15)
    days = api.client.patch("/api/slots/chieu", json={"days": "daily"}, headers=api.auth("editor"))
    assert days.json()["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    cleared = api.client.patch(
        "/api/slots/chieu", json={"max_duration_seconds": None}, headers=api.auth("editor")
    )
    assert cleared.json()["max_duration_seconds"] is None


def test_put_replaces_and_keeps_pause(api: Api) -> None:
    program = approved_program(api)
    make_slot(api, "sang", "06:00", ["mon"], program["id"])
    api.client.post("/api/slots/sang/pause", headers=api.auth("editor"))
    replaced = api.client.put(
        "/api/slots/sang",
        json={"program_id": program["id"], "time": "07:00", "date": "2031-06-02"},
        headers=api.auth("editor"),
    )
    assert replaced.status_code == 200
    assert replaced.json()["date"] == "2031-06-02"
    assert replaced.json()["days"] == []
    assert replaced.json()["paused"] is True
    mismatch = api.client.put(
        "/api/slots/sang",
        json={"program_id": program["id"], "time": "07:00", "days": ["mon"], "id": "khac"},
        headers=api.auth("editor"),
    )
    assert mismatch.status_code == 422


def test_paused_slot_does_not_clash_until_resumed(api: Api) -> None:
    program = approved_program(api)
    make_slot(api, "sang", "06:00", ["mon"], program["id"])
    assert api.client.post("/api/slots/sang/pause", headers=api.auth("editor")).status_code == 200
    make_slot(api, "thay-the", "06:00", ["mon"], program["id"])
    resumed = api.client.post("/api/slots/sang/resume", headers=api.auth("editor"))
    assert resumed.status_code == 409
    assert resumed.json()["other_slot_id"] == "thay-the"


def test_skip_and_move_one_occurrence_then_undo(api: Api) -> None:
    program = approved_program(api)
    make_slot(api, "sang", "06:00", ["mon"], program["id"])
    make_slot(api, "trua", "11:00", ["mon"], program["id"])
    calls_before = len(api.station.called("timetable_changed"))
    skip = api.client.post(
        "/api/slots/sang/skip",
        json={"original_start": "2031-06-02T06:00:00+07:00"},
        headers=api.auth("editor"),
    )
    assert skip.status_code == 201, skip.text
    assert skip.json()["kind"] == "skip"
    not_an_occurrence = api.client.post(
        "/api/slots/sang/skip",
        json={"original_start": "2031-06-03T06:00:00+07:00"},  # a Tuesday
        headers=api.auth("editor"),
    )
    assert not_an_occurrence.status_code == 422
    assert not_an_occurrence.json()["code"] == "not_an_occurrence"
    clash = api.client.post(
        "/api/slots/sang/move",
        json={"original_start": "2031-06-09T06:00:00", "new_start": "2031-06-09T11:00:00"},
        headers=api.auth("editor"),
    )
    assert clash.status_code == 409
    assert clash.json()["other_slot_id"] == "trua"
    move = api.client.post(
        "/api/slots/sang/move",
        json={"original_start": "2031-06-09T06:00:00", "new_start": "2031-06-09T09:30:00"},
        headers=api.auth("editor"),
    )
    assert move.status_code == 201
    assert move.json()["new_start"] == "2031-06-09T09:30:00+07:00"
    listed = api.client.get("/api/slots/sang/adjustments", headers=api.auth("operator")).json()
    assert [a["kind"] for a in listed] == ["skip", "move"]
    undo = api.client.delete(
        "/api/slots/sang/adjustments",
        params={"original_start": "2031-06-02T06:00:00+07:00"},
        headers=api.auth("editor"),
    )
    assert undo.status_code == 200
    again = api.client.delete(
        "/api/slots/sang/adjustments",
        params={"original_start": "2031-06-02T06:00:00+07:00"},
        headers=api.auth("editor"),
    )
    assert again.status_code == 404
    assert len(api.station.called("timetable_changed")) == calls_before + 3


def test_delete_slot(api: Api) -> None:
    program = approved_program(api)
    make_slot(api, "sang", "06:00", ["mon"], program["id"])
    assert api.client.delete("/api/slots/sang", headers=api.auth("editor")).status_code == 200
    assert api.client.get("/api/slots/sang", headers=api.auth("editor")).status_code == 404
    assert api.client.get("/api/slots", headers=api.auth("operator")).json() == []


def test_twenty_parallel_creations_all_get_their_own_id(api: Api) -> None:
    # Issue 9 #8: ids were made outside the lock, so parallel creations of one program at one
    # clock time (on different days, so they do not clash) collided on the same id.
    program = approved_program(api)
    first = date.today() + timedelta(days=2)
    start = threading.Barrier(20)

    def create(day: int) -> tuple[int, str]:
        body = {"program_id": program["id"], "time": "06:00",
                "date": (first + timedelta(days=day)).isoformat()}
        start.wait()
        response = api.client.post("/api/slots", json=body, headers=api.auth("editor"))
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(create, range(20)))
    assert [status for status, _ in results] == [201] * 20, results
    ids = {json.loads(text)["id"] for _, text in results}
    assert len(ids) == 20
    assert len(api.client.get("/api/slots", headers=api.auth("editor")).json()) == 20
