"""Warnings on the airings to come: a script waiting for approval, a bulletin of the day that
is missing or not approved, each on the right days, with the script an approver may approve."""

from __future__ import annotations

from datetime import datetime, timedelta

from broadcast.programs import Program, Segment
from broadcast.scheduling.model import Slot
from broadcast.station.control import TimetableEntry
from tests.station.rig import T0, TZ, Rig


def _daily(rig: Rig, slot_id: str, program_id: str) -> None:
    rig.store.slots.create(Slot(id=slot_id, program_id=program_id, time=T0.time().replace(
        hour=6), days=frozenset(range(7))))


def _by_day(entries: list[TimetableEntry], program_id: str) -> dict[int, TimetableEntry]:
    return {(e.start.astimezone(TZ).date() - T0.date()).days: e
            for e in entries if e.program_id == program_id}


def _next_three_days(rig: Rig) -> list[TimetableEntry]:
    start = datetime.combine(T0.date() + timedelta(days=1), T0.time(), tzinfo=TZ)
    return rig.station.query.timetable(start, start + timedelta(days=3), now=rig.clock.now())


def test_a_script_waiting_for_approval_warns_on_every_day_its_program_airs(rig: Rig) -> None:
    waiting = rig.store.scripts.create(title="Phòng cháy", text="Bà con chú ý.", topic="cds")
    fine = rig.store.scripts.create(title="Thời tiết", text="Trời nắng.", topic="cds")
    rig.store.scripts.approve(fine.id, by="lanhdao")
    rig.store.programs.create(Program(id="sang", title="Bản tin sáng", topic="cds", segments=(
        Segment.stored_script(fine.id), Segment.stored_script(waiting.id))))
    rig.store.programs.create(Program(id="chieu", title="Bản tin chiều", topic="cds",
                                      segments=(Segment.stored_script(fine.id),)))
    _daily(rig, "sang-6h", "sang")
    _daily(rig, "chieu-6h", "chieu")

    entries = _next_three_days(rig)
    days = _by_day(entries, "sang")
    assert sorted(days) == [1, 2, 3]
    for entry in days.values():
        assert entry.warning is not None and "«Phòng cháy» chưa được duyệt" in entry.warning
        assert entry.warning_script_id == waiting.id
    assert all(e.warning is None for e in _by_day(entries, "chieu").values())


def test_a_bulletin_of_the_day_warns_only_on_the_days_it_is_missing_or_waiting(rig: Rig) -> None:
    column = rig.store.columns.create("Chuyển đổi số")
    day1, day2 = T0.date() + timedelta(days=1), T0.date() + timedelta(days=2)
    ready = rig.store.scripts.create(title="Ký số", text="Bà con cài SmartCA.",
                                     topic=column.id, air_date=day1)
    rig.store.scripts.approve(ready.id, by="lanhdao")
    draft = rig.store.scripts.create(title="Ví điện tử", text="Bà con mở ví.",
                                     topic=column.id, air_date=day2)
    rig.store.programs.create(Program(id="cds", title="Chuyển đổi số", topic=column.id,
                                      segments=(Segment.bulletin(column.id),)))
    _daily(rig, "cds-6h", "cds")

    days = _by_day(_next_three_days(rig), "cds")
    assert days[1].warning is None  # its bulletin is approved
    assert days[2].warning is not None and days[2].warning_script_id == draft.id
    assert "«Ví điện tử» đang chờ duyệt" in days[2].warning
    assert "sẽ phát bản tin gần nhất đã duyệt" in days[2].warning  # said before it airs
    assert days[3].warning is not None and days[3].warning_script_id is None
    assert f"Chưa có bản tin ngày {T0.date() + timedelta(days=3):%d/%m/%Y}" in days[3].warning
