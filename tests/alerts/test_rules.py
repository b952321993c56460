"""The alert rules as a pure function: observations and known alerts in, alerts to open and
close out (no clock, no database)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.alerts import model as m
from broadcast.alerts.rules import evaluate

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2025, 11, 21, 0, 0, tzinfo=UTC)  # 07:00 in Hà Nội
LIMITS = m.Thresholds(disk_min_free_percent=10, disk_min_free_bytes=500 * 1024**2,
                      primary_engine="gtts")
GB = 1024**3


def healthy(**changes: object) -> m.HealthObservation:
    values: dict[str, object] = dict(
        scheduler_running=True, sound_device="USB Audio", sound_device_error=None,
        database=True, engines={"gtts": True, "espeak": True},
    )
    values.update(changes)
    return m.HealthObservation(**values)  # type: ignore[arg-type]


def aired(entry_id: int, engines: tuple[str, ...] = ("gtts",), **changes: object):
    values: dict[str, object] = dict(
        entry_id=entry_id, slot_id="sang", program_title="Bản tin sáng",
        scheduled_start=T0 + timedelta(hours=entry_id), outcome="aired", error=None,
        engines=engines,
    )
    values.update(changes)
    return m.BroadcastObservation(**values)  # type: ignore[arg-type]


def apply(known: list[m.AlertState], changes: m.AlertChanges, now: datetime) -> None:
    """What the store does with the changes (so a sequence of checks can be played)."""
    closed = {c.key for c in changes.closed}
    for i, state in enumerate(known):
        if state.is_open and state.key in closed:
            known[i] = m.AlertState(state.key, state.kind, state.opened_at, now)
    known.extend(m.AlertState(o.key, o.kind, now) for o in changes.opened)


def test_a_missing_sound_device_opens_once_and_closes_with_the_device_named() -> None:
    known: list[m.AlertState] = []
    first = evaluate(m.Observation(health=healthy(sound_device=None,
                                                  sound_device_error="Không có card")),
                     known, LIMITS, TZ)
    assert [(o.key, o.kind) for o in first.opened] == [("sound_device", m.SOUND_DEVICE_MISSING)]
    assert "Không có card" in first.opened[0].detail
    apply(known, first, T0)
    again = evaluate(m.Observation(health=healthy(sound_device=None)), known, LIMITS, TZ)
    assert not again
    back = evaluate(m.Observation(health=healthy(sound_device="USB Audio")), known, LIMITS, TZ)
    assert back.opened == []
    assert [c.key for c in back.closed] == ["sound_device"]
    assert "USB Audio" in back.closed[0].summary


def test_without_a_health_report_health_alerts_stay_as_they_are() -> None:
    known = [m.AlertState("sound_device", m.SOUND_DEVICE_MISSING, T0)]
    assert not evaluate(m.Observation(health=None), known, LIMITS, TZ)


def test_scheduler_database_and_voices_each_have_their_alert() -> None:
    health = healthy(scheduler_running=False, database=False,
                     engines={"gtts": False, "espeak": False})
    changes = evaluate(m.Observation(health=health), [], LIMITS, TZ)
    assert {o.kind for o in changes.opened} == {
        m.SCHEDULER_STOPPED, m.DATABASE_UNREACHABLE, m.TTS_UNAVAILABLE
    }


def test_disk_alert_on_either_threshold_and_recovery_when_space_is_back() -> None:
    by_percent = m.DiskObservation("/var/lib/loa", free_bytes=int(5 * GB), total_bytes=100 * GB)
    by_bytes = m.DiskObservation("/var/lib/loa", free_bytes=400 * 1024**2, total_bytes=2 * GB)
    roomy = m.DiskObservation("/var/lib/loa", free_bytes=50 * GB, total_bytes=100 * GB)
    for low in (by_percent, by_bytes):
        [opened] = evaluate(m.Observation(disk=low), [], LIMITS, TZ).opened
        assert opened.kind == m.DISK_LOW and "/var/lib/loa" in opened.detail
    assert "5.0 GB" in evaluate(m.Observation(disk=by_percent), [], LIMITS, TZ).opened[0].detail
    assert not evaluate(m.Observation(disk=roomy), [], LIMITS, TZ)
    known = [m.AlertState("disk:/var/lib/loa", m.DISK_LOW, T0)]
    [closed] = evaluate(m.Observation(disk=roomy), known, LIMITS, TZ).closed
    assert "50.0 GB" in closed.summary


def test_each_failed_or_missed_broadcast_opens_one_alert_never_twice() -> None:
    failed = aired(1, outcome="failed", error="Không dựng được bài: lỗi giọng đọc.")
    missed = aired(2, outcome="missed", error="Trạm phát không chạy khi đến giờ phát.")
    changes = evaluate(m.Observation(broadcasts=[failed, missed]), [], LIMITS, TZ)
    assert [o.key for o in changes.opened] == ["broadcast:1", "broadcast:2"]
    assert "Bản tin sáng" in changes.opened[0].summary
    assert "08:00 ngày 21/11/2025" in changes.opened[0].summary  # local time of the slot
    assert "lỗi giọng đọc" in changes.opened[0].detail
    known: list[m.AlertState] = []
    apply(known, changes, T0)
    # Seen again (e.g. the check after a crash): nothing new.
    assert not evaluate(m.Observation(broadcasts=[failed, missed]), known, LIMITS, TZ)
    # Closed alerts are remembered too: no second alert for the same entry.
    closed = [m.AlertState(s.key, s.kind, s.opened_at, T0) for s in known]
    assert not evaluate(m.Observation(broadcasts=[failed]), closed, LIMITS, TZ).opened


def test_a_later_normal_broadcast_clears_the_broadcast_alerts() -> None:
    known = [m.AlertState("broadcast:1", m.BROADCAST_FAILED, T0)]
    changes = evaluate(m.Observation(broadcasts=[aired(2)]), known, LIMITS, TZ)
    assert [c.key for c in changes.closed] == ["broadcast:1"]
    assert "bình thường" in changes.closed[0].summary
    # A failure and a later good broadcast seen in the same check: told and cleared.
    both = evaluate(
        m.Observation(broadcasts=[aired(3, outcome="failed", error="x"), aired(4)]), [],
        LIMITS, TZ,
    )
    assert [o.key for o in both.opened] == ["broadcast:3"]
    assert [c.key for c in both.closed] == ["broadcast:3"]
    # An earlier good broadcast does not clear a later failure.
    later = evaluate(m.Observation(broadcasts=[aired(5)]),
                     [m.AlertState("broadcast:6", m.BROADCAST_FAILED, T0)], LIMITS, TZ)
    assert not later.closed


def test_stops_and_skips_are_not_problems_but_a_crash_cut_is() -> None:
    operator_stop = aired(1, outcome="interrupted", error=None)
    skipped = aired(2, outcome="skipped")
    crash = aired(3, outcome="interrupted", error="Trạm phát dừng đột ngột trong khi phát.")
    changes = evaluate(m.Observation(broadcasts=[operator_stop, skipped, crash]), [],
                       LIMITS, TZ)
    assert [o.key for o in changes.opened] == ["broadcast:3"]
    assert "bị ngắt" in changes.opened[0].summary


def test_a_broadcast_that_aired_a_stand_in_is_reported() -> None:
    note = ("Không phát được nội dung mới (Không dựng được bài: lỗi giọng đọc.); đã phát bản "
            "dựng lúc 05:50 30/11/2026 (tin bài số 1 bản 1).")
    stand_in = aired(1, note=note)
    [opened] = evaluate(m.Observation(broadcasts=[stand_in]), [], LIMITS, TZ).opened
    assert opened.kind == m.BROADCAST_FALLBACK
    assert "đã phát bản dự phòng" in opened.summary
    assert opened.detail == note


def test_the_offline_voice_standing_in_is_one_alert_until_the_online_one_is_back() -> None:
    known: list[m.AlertState] = []
    changes = evaluate(m.Observation(broadcasts=[aired(1, ("espeak",)), aired(2, ("espeak",))]),
                       known, LIMITS, TZ)
    assert [o.kind for o in changes.opened] == [m.VOICE_FALLBACK]
    apply(known, changes, T0)
    assert not evaluate(m.Observation(broadcasts=[aired(3, ("espeak",))]), known, LIMITS, TZ)
    assert not evaluate(m.Observation(broadcasts=[]), known, LIMITS, TZ)  # nothing aired
    back = evaluate(m.Observation(broadcasts=[aired(4, ("gtts", "espeak"))]), known, LIMITS, TZ)
    assert [c.kind for c in back.closed] == [m.VOICE_FALLBACK]


def test_other_parts_report_conditions_of_their_own_kinds() -> None:
    cut = m.Condition(
        key="cluster:thon-dong", kind="cluster_unreachable", active=True,
        summary="Mất liên lạc với cụm loa thôn Đông", detail="Không nhận được tín hiệu 10 phút.",
        recovery="Cụm loa thôn Đông đã liên lạc lại.",
    )
    [opened] = evaluate(m.Observation(conditions=[cut]), [], LIMITS, TZ).opened
    assert (opened.key, opened.kind, opened.summary) == (
        "cluster:thon-dong", "cluster_unreachable", "Mất liên lạc với cụm loa thôn Đông"
    )
    known = [m.AlertState("cluster:thon-dong", "cluster_unreachable", T0)]
    healed = m.Condition(key="cluster:thon-dong", kind="cluster_unreachable", active=False,
                         recovery="Cụm loa thôn Đông đã liên lạc lại.")
    [closed] = evaluate(m.Observation(conditions=[healed]), known, LIMITS, TZ).closed
    assert closed.summary == "Cụm loa thôn Đông đã liên lạc lại."


def test_every_text_is_vietnamese_in_nfc() -> None:
    health = healthy(scheduler_running=False, sound_device=None, database=False,
                     engines={"gtts": False})
    disk = m.DiskObservation("/srv/loa", 1, 100 * GB)
    broadcasts = [aired(1, ("espeak",), outcome="failed", error="Lỗi"),
                  aired(2, note="Đã phát bản dựng trước.")]
    changes = evaluate(m.Observation(health=health, disk=disk, broadcasts=broadcasts), [],
                       LIMITS, TZ)
    assert len(changes.opened) == 7
    for o in changes.opened:
        for text in (o.summary, o.detail):
            assert text == unicodedata.normalize("NFC", text)
        assert o.summary
