"""A relay program in the timetable YAML, the API and the airtime report."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.programs import Program, Segment, relay_durations
from broadcast.scheduling.model import Outcome
from broadcast.scheduling.timetable_yaml import TimetableError, dump_timetable, parse_timetable
from broadcast.store.store import open_store
from tests.api.conftest import Api

VN = ZoneInfo("Asia/Ho_Chi_Minh")

RELAY_YAML = """\
version: 1
timezone: Asia/Ho_Chi_Minh
programs:
  - id: vov1-trua
    title: "Tiếp sóng VOV1 buổi trưa"
    topic: tiep-song-vov
    segments:
      - relay: {url: "http://vov1.example.vn:8000/vov1.mp3", seconds: 1800}
slots:
  - id: vov1-1100
    program: vov1-trua
    time: "11:00"
    days: daily
"""


def test_a_relay_program_reads_and_writes_as_yaml() -> None:
    timetable = parse_timetable(RELAY_YAML)
    (program,) = timetable.programs
    assert program.segments == (Segment.relay("http://vov1.example.vn:8000/vov1.mp3", 1800),)
    assert program.relay is not None and program.relay.seconds == 1800
    again = parse_timetable(dump_timetable(timetable))
    assert again.programs == timetable.programs
    assert relay_durations(timetable.programs) == {"vov1-trua": timedelta(minutes=30)}


@pytest.mark.parametrize(
    ("segments", "code"),
    [
        ('      - relay: {url: "ftp://x.vn/a.mp3", seconds: 60}', "bad_segment"),
        ('      - relay: {url: "http://x.vn/a.mp3"}', "bad_segment"),
        ('      - relay: {url: "http://x.vn/a.mp3", seconds: -5}', "bad_segment"),
        ('      - relay: {url: "http://x.vn/a.mp3", seconds: 60}\n      - jingle: intro',
         "relay_alone"),
    ],
)
def test_bad_relay_segments_are_refused_with_a_reason(segments: str, code: str) -> None:
    text = RELAY_YAML.replace(
        '      - relay: {url: "http://vov1.example.vn:8000/vov1.mp3", seconds: 1800}', segments
    )
    with pytest.raises(TimetableError) as caught:
        parse_timetable(text)
    assert caught.value.code == code
    assert caught.value.message  # Vietnamese, for the operator


def test_segment_json_round_trip_keeps_url_and_seconds() -> None:
    segment = Segment.relay("https://radio.example.vn/live.m3u8", 900)
    assert Segment.from_json(segment.to_json()) == segment
    with pytest.raises(ValueError):
        Segment("relay", url="http://x.vn/a", seconds=0.0)


def test_the_api_takes_a_relay_program_alone(api: Api) -> None:
    body = {"title": "Tiếp sóng đài tỉnh", "topic": "tiep-song-tinh",
            "segments": [{"type": "relay", "url": "http://dai-tinh.example.vn/live.aac",
                          "seconds": 1200}]}
    created = api.client.post("/api/programs", json=body, headers=api.auth("editor"))
    assert created.status_code == 201, created.text
    assert created.json()["segments"] == [
        {"type": "relay", "url": "http://dai-tinh.example.vn/live.aac", "seconds": 1200.0,
         "script_id": None, "name": None, "column": None, "path": None}
    ]
    mixed = dict(body, segments=[*body["segments"], {"type": "jingle", "name": "intro"}])
    refused = api.client.post("/api/programs", json=mixed, headers=api.auth("editor"))
    assert refused.status_code == 422 and refused.json()["code"] == "relay_alone"
    bad_url = dict(body, segments=[{"type": "relay", "url": "file:///etc/passwd",
                                    "seconds": 60}])
    assert api.client.post("/api/programs", json=bad_url,
                           headers=api.auth("editor")).status_code == 422


def test_live_is_for_the_operator_or_approver_one_at_a_time(api: Api) -> None:
    operator = api.auth("operator")
    assert api.client.post("/api/live", json={}, headers=api.auth("editor")).status_code == 403
    answer = api.client.post("/api/live", json={"priority": "normal"}, headers=operator)
    assert answer.status_code == 422  # only priority or emergency
    started = api.client.post("/api/live", json={"priority": "priority"}, headers=operator)
    assert started.status_code == 201 and started.json()["on_air"] is True
    assert started.json()["ordered_by"] == "operator"
    again = api.client.post("/api/live", json={}, headers=api.auth("approver"))
    assert again.status_code == 409 and again.json()["code"] == "live_already"
    assert api.client.get("/api/live", headers=api.auth("editor")).json()["on_air"] is True
    stopped = api.client.delete("/api/live", headers=operator)
    assert stopped.status_code == 200 and stopped.json()["on_air"] is False
    assert stopped.json()["seconds"] is not None
    assert api.client.delete("/api/live", headers=operator).status_code == 404


def test_the_relay_check_says_why_a_url_does_not_answer(api: Api) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens there once closed
    answer = api.client.post("/api/relay/check", json={"url": f"http://127.0.0.1:{port}/x.mp3"},
                             headers=api.auth("editor"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is False and "refused" in body["error"].lower()


def test_the_airtime_report_counts_relayed_time_apart(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'loa.db'}")
    start = datetime(2025, 3, 3, 11, 0, tzinfo=VN)
    for program, topic, details in (
        ("ban-tin", "thong-tin", None),
        ("vov1", "tiep-song-vov", {"relay": {"relayed_seconds": 1500.0,
                                             "fallback_seconds": 300.0}, "gaps": []}),
        ("live", "truc-tiep", {"live": {"device": "mic"}}),
    ):
        entry = store.as_run.append(program_id=program, priority="normal",
                                    scheduled_start=start, topic=topic, program_title=program)
        store.as_run.finish(entry.id, outcome=Outcome.AIRED, actual_start=start,
                            end=start + timedelta(minutes=30), details=details)
    rows = {(r.topic, r.source): r.minutes
            for r in store.as_run.airtime_report(timezone=VN)}
    assert rows == {("thong-tin", "station"): 30.0, ("tiep-song-vov", "relay"): 25.0,
                    ("truc-tiep", "live"): 30.0}
    store.close()


def test_programs_know_their_relay() -> None:
    relay = Program("p", "P", segments=(Segment.relay("http://a.vn/x", 60),))
    plain = Program("q", "Q", segments=(Segment.jingle("intro"),))
    assert relay.relay is not None and plain.relay is None
