"""Checks that a slot or an adjustment is well formed (not whether it clashes: see conflicts;
a whole timetable: see ``timetable_check``)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from broadcast.errors import ScheduleError
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Slot
from broadcast.scheduling.recurrence import is_regular_occurrence
from broadcast.scheduling.wording import local_moment_text

MAX_SLOT_DURATION = timedelta(hours=24)


class TimetableError(ScheduleError):
    """A timetable that cannot be used; ``where`` names the slot or program if known."""

    def __init__(self, message: str, *, code: str, where: str | None = None) -> None:
        super().__init__(message, code=code)
        self.where = where


def validate_slot(slot: Slot) -> None:
    """Raise ``ScheduleError`` (Vietnamese message, stable code) if the slot is malformed."""
    where = f"Khung '{slot.id}'"
    if not slot.id or slot.id != slot.id.strip():
        raise ScheduleError(f"Mã khung không hợp lệ: '{slot.id}'.", code="bad_id")
    if not slot.program_id:
        raise ScheduleError(f"{where}: thiếu chương trình.", code="missing_field")
    if slot.time.tzinfo is not None or slot.time.microsecond:
        raise ScheduleError(
            f"{where}: giờ phát phải là giờ địa phương, chính xác đến giây.", code="bad_time"
        )
    if any(not 0 <= day <= 6 for day in slot.days):
        raise ScheduleError(f"{where}: ngày trong tuần không hợp lệ.", code="unknown_weekday")
    if slot.on_date is not None:
        if slot.days or slot.valid_from is not None or slot.valid_until is not None:
            raise ScheduleError(
                f"{where}: khung phát một lần (date) không được có days, from hay until.",
                code="bad_slot_kind",
            )
    elif not slot.days:
        raise ScheduleError(
            f"{where}: cần days (các ngày trong tuần) hoặc date (phát một lần).",
            code="missing_days",
        )
    if (
        slot.valid_from is not None
        and slot.valid_until is not None
        and slot.valid_from > slot.valid_until
    ):
        raise ScheduleError(
            f"{where}: ngày bắt đầu (from) sau ngày kết thúc (until).", code="bad_range"
        )
    if slot.max_duration is not None and (
        slot.max_duration <= timedelta(0)
        or slot.max_duration > MAX_SLOT_DURATION
        or slot.max_duration.microseconds
    ):
        raise ScheduleError(
            f"{where}: thời lượng tối đa phải từ 1 giây đến 24 giờ, tính bằng giây nguyên.",
            code="bad_duration",
        )
    if slot.clusters is not None and not slot.clusters:
        raise ScheduleError(
            f"{where}: danh sách cụm loa trống; bỏ trống trường này để phát trên mọi cụm loa.",
            code="no_clusters",
        )


def validate_adjustment(adjustment: Adjustment, slot: Slot, tz: ZoneInfo) -> None:
    """Raise ``ScheduleError`` unless the adjustment names a regular occurrence of ``slot``."""
    where = f"Khung '{slot.id}'"
    if adjustment.slot_id != slot.id:
        raise ScheduleError(f"{where}: điều chỉnh thuộc khung khác.", code="bad_adjustment")
    start = adjustment.original_start
    if start.tzinfo is None or not is_regular_occurrence(slot, start, tz):
        when = local_moment_text(start, tz) if start.tzinfo else f"{start:%H:%M %d/%m/%Y}"
        raise ScheduleError(
            f"{where}: không có lần phát nào lúc {when} để bỏ hoặc dời.",
            code="not_an_occurrence",
        )
    if adjustment.kind is AdjustmentKind.MOVE:
        if adjustment.new_start is None or adjustment.new_start.tzinfo is None:
            raise ScheduleError(f"{where}: thiếu giờ phát mới khi dời.", code="bad_adjustment")
    elif adjustment.new_start is not None:
        raise ScheduleError(f"{where}: bỏ một lần phát không có giờ mới.", code="bad_adjustment")
