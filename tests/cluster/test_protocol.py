"""The cluster protocol: versioned payloads that round-trip, and what is refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.cluster import protocol as p
from broadcast.errors import ClusterError

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2031, 3, 4, 6, 0, tzinfo=TZ)


def item(**changes: object) -> p.Item:
    fields: dict[str, object] = dict(
        start=START, program="ban-tin", priority="normal", slot="ban-tin-0600",
        title="Bản tin sáng", topic="cds", audio=p.AudioRef("a" * 64, 1234, 61.5),
    )
    fields.update(changes)
    return p.Item(**fields)  # type: ignore[arg-type]


def test_a_plan_round_trips_and_its_version_follows_its_content() -> None:
    plan = p.Plan("thon-1", 100.0, 200.0, (item(), item(slot=None, announcement=7,
                                                          priority="emergency")))
    message = p.decode(plan.to_payload(), "plan")
    assert message["v"] == 1 and message["version"] == plan.version
    again = p.Plan.from_message(message)
    assert again == plan and again.version == plan.version
    later = p.Plan("thon-1", 150.0, 250.0, plan.items)
    assert later.version == plan.version  # re-sent, not changed
    moved = p.Plan("thon-1", 100.0, 200.0, (item(start=START + timedelta(minutes=5)),))
    assert moved.version != plan.version
    shared = plan.to_payload(plan.items_json())
    assert shared == plan.to_payload()


def test_items_name_their_airing_like_the_log() -> None:
    assert item().key.slot_id == "ban-tin-0600"
    assert item().ident == "slot:ban-tin-0600@2031-03-04T06:00:00+07:00"
    announcement = item(slot=None, announcement=3)
    assert announcement.key.announcement_id == 3
    stream = item(kind="stream", audio=None, stream=p.StreamRef("http://icecast/xa", 2.0))
    assert p.Item.from_json(stream.to_json()) == stream


@pytest.mark.parametrize(
    "payload, code",
    [
        (b"\xff", "bad_message"),
        (b"[1]", "bad_message"),
        (json.dumps({"v": 2, "type": "plan"}).encode(), "protocol_version"),
        (json.dumps({"type": "plan"}).encode(), "protocol_version"),
        (json.dumps({"v": 1, "type": "status"}).encode(), "bad_message"),
    ],
)
def test_what_is_not_a_version_1_message_of_the_right_type_is_refused(
    payload: bytes, code: str
) -> None:
    with pytest.raises(ClusterError) as caught:
        p.decode(payload, "plan")
    assert caught.value.code == code


def test_an_item_without_an_offset_or_with_both_owners_is_refused() -> None:
    data = item().to_json()
    with pytest.raises(ClusterError):
        p.Item.from_json({**data, "start": "2031-03-04T06:00:00"})
    with pytest.raises(ClusterError):
        p.Item.from_json({**data, "announcement": 4})
    with pytest.raises(ClusterError):
        p.Item.from_json({k: v for k, v in data.items() if k != "program"})


def test_as_run_reports_round_trip() -> None:
    report = p.AsRunReport(5, item(), "aired", START, START + timedelta(seconds=61))
    message = p.decode(p.asrun_payload("thon-1", [report]), "asrun")
    assert [p.AsRunReport.from_json(e) for e in message["entries"]] == [report]


def test_topics() -> None:
    assert p.cluster_topic("thon-1", "plan") == "loa/v1/clusters/thon-1/plan"
    assert p.cluster_of_topic("loa/v1/clusters/thon-1/asrun") == ("thon-1", "asrun")
    assert p.cluster_of_topic("loa/v1/station/status") is None
