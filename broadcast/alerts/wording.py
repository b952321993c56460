"""The Vietnamese text of alerts: each kind's summary, detail and recovery, and the one
message (subject and body) a check sends for its new and cleared alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from broadcast.alerts import model as m

OUTCOME_WORDS = {
    "failed": "không phát được",
    "missed": "bị lỡ, không phát",
    "interrupted": "bị ngắt giữa chừng",
    "aired": "đã phát",
    "late": "đã phát (trễ)",
}


def when(instant: datetime, tz: tzinfo) -> str:
    return f"{instant.astimezone(tz):%H:%M ngày %d/%m/%Y}"


def size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


# --- conditions --------------------------------------------------------------------------


def scheduler_condition(h: m.HealthObservation) -> m.Condition:
    return m.Condition(
        key="scheduler", kind=m.SCHEDULER_STOPPED, active=not h.scheduler_running,
        summary="Bộ lập lịch phát sóng đã dừng",
        detail="Các buổi phát theo lịch sẽ không tự động phát. Hãy khởi động lại dịch vụ Loa "
        "(systemctl restart loa) và xem nhật ký (journalctl -u loa).",
        recovery="Bộ lập lịch phát sóng đã chạy lại.",
    )


def sound_device_condition(h: m.HealthObservation) -> m.Condition:
    reason = f" ({h.sound_device_error})" if h.sound_device_error else ""
    return m.Condition(
        key="sound_device", kind=m.SOUND_DEVICE_MISSING, active=h.sound_device is None,
        summary="Mất thiết bị âm thanh đầu ra",
        detail=f"Không tìm thấy thiết bị âm thanh để phát ra loa{reason}. Các buổi phát sẽ "
        "không ra loa cho đến khi có lại thiết bị: kiểm tra dây cắm card âm thanh.",
        recovery=f"Đã có lại thiết bị âm thanh: {h.sound_device}." if h.sound_device else
        "Đã có lại thiết bị âm thanh.",
    )


def database_condition(h: m.HealthObservation) -> m.Condition:
    return m.Condition(
        key="database", kind=m.DATABASE_UNREACHABLE, active=not h.database,
        summary="Không kết nối được cơ sở dữ liệu",
        detail="Trạm phát không đọc/ghi được cơ sở dữ liệu: lịch phát và nhật ký phát sóng "
        "có thể không được cập nhật.",
        recovery="Đã kết nối lại được cơ sở dữ liệu.",
    )


def tts_condition(h: m.HealthObservation) -> m.Condition:
    names = ", ".join(sorted(h.engines))
    return m.Condition(
        key="tts", kind=m.TTS_UNAVAILABLE, active=not any(h.engines.values()),
        summary="Không còn giọng đọc nào dùng được",
        detail=f"Các bộ chuyển văn bản thành giọng nói ({names}) đều đang lỗi: bài mới sẽ "
        "không dựng được thành âm thanh.",
        recovery="Đã có lại giọng đọc dùng được.",
    )


def disk_condition(d: m.DiskObservation, low: bool, percent: float) -> m.Condition:
    state = f"còn trống {size(d.free_bytes)} trên {size(d.total_bytes)} ({percent:.0f}%)"
    return m.Condition(
        key=f"disk:{d.path}", kind=m.DISK_LOW, active=low,
        summary="Ổ đĩa sắp đầy",
        detail=f"Ổ đĩa chứa dữ liệu trạm phát ({d.path}) {state}. Khi đầy, bài mới không "
        "dựng được và nhật ký không ghi được: hãy dọn bộ nhớ đệm (broadcast cache prune "
        "--older-than 30d) hoặc các bản sao lưu cũ.",
        recovery=f"Ổ đĩa chứa dữ liệu ({d.path}) đã đủ chỗ trống: {state}.",
    )


def voice_condition(b: m.BroadcastObservation, primary: str, *, active: bool) -> m.Condition:
    used = ", ".join(b.engines)
    return m.Condition(
        key="voice_fallback", kind=m.VOICE_FALLBACK, active=active,
        summary="Đang phát bằng giọng đọc dự phòng",
        detail=f"Giọng đọc chính ({primary}) không dùng được; buổi phát '{b.program_title}' "
        f"dùng giọng dự phòng ({used}). Kiểm tra kết nối Internet của máy phát.",
        recovery=f"Giọng đọc chính ({primary}) đã dùng được trở lại.",
    )


# --- broadcasts ----------------------------------------------------------------------------


def broadcast_failed(b: m.BroadcastObservation, tz: tzinfo) -> tuple[str, str]:
    words = OUTCOME_WORDS.get(b.outcome, b.outcome)
    summary = f"Buổi phát '{b.program_title}' lúc {when(b.scheduled_start, tz)} {words}"
    detail = f"Lý do: {b.error}" if b.error else ""
    return summary, detail


def broadcast_fallback(b: m.BroadcastObservation, tz: tzinfo) -> tuple[str, str]:
    summary = (
        f"Buổi phát '{b.program_title}' lúc {when(b.scheduled_start, tz)} đã phát bản dự phòng"
    )
    return summary, b.note or ""


def broadcast_recovered(b: m.BroadcastObservation, tz: tzinfo) -> str:
    return (
        f"Buổi phát sau đó ('{b.program_title}' lúc {when(b.scheduled_start, tz)}) đã phát "
        "bình thường."
    )


# --- the message a check sends ---------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One thing to tell: an alert that opened, or one that cleared. ``title`` is the
    alert's summary; ``detail`` is what it is about when it opens, the recovery when it
    clears."""

    phase: str  # "open" | "close"
    key: str
    kind: str
    title: str
    detail: str
    at: datetime  # when it opened / cleared


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    text: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class StationIdentity:
    name: str
    host: str
    page_url: str | None = None


def compose(
    events: Sequence[Event], station: StationIdentity, now: datetime, tz: tzinfo
) -> AlertMessage:
    opened = [e for e in events if e.phase == "open"]
    closed = [e for e in events if e.phase == "close"]
    prefix = f"[Loa] {station.name}:"
    if len(events) == 1:
        e = events[0]
        subject = f"{prefix} {'CẢNH BÁO' if e.phase == 'open' else 'ĐÃ KHẮC PHỤC'} – {e.title}"
    else:
        parts = []
        if opened:
            parts.append(f"{len(opened)} cảnh báo mới")
        if closed:
            parts.append(f"{len(closed)} đã khắc phục")
        subject = f"{prefix} {', '.join(parts)}"
    lines = [
        f"Trạm phát: {station.name} (máy {station.host})",
        f"Thời điểm kiểm tra: {now.astimezone(tz):%H:%M:%S ngày %d/%m/%Y}",
        "",
    ]
    for e in opened:
        lines.append(f"CẢNH BÁO: {e.title}")
        if e.detail:
            lines.append(f"  {e.detail}")
        lines.append(f"  Phát hiện lúc {when(e.at, tz)}.")
        lines.append("")
    for e in closed:
        lines.append(f"ĐÃ KHẮC PHỤC: {e.title}")
        if e.detail:
            lines.append(f"  {e.detail}")
        lines.append(f"  Lúc {when(e.at, tz)}.")
        lines.append("")
    if station.page_url:
        lines.append(f"Xem trạng thái trạm phát: {station.page_url}")
    lines.append("Thư này do hệ thống Loa tự động gửi; mỗi sự việc chỉ báo một lần.")
    return AlertMessage(subject=subject, text="\n".join(lines) + "\n", events=tuple(events))
