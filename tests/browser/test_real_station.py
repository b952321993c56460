"""The operator's whole day in Debian's chromium against a REAL `broadcast serve` (espeak, the
APScheduler station, the player on the virtual loudspeaker): log in as an approver, upload a
script file, approve it, build a program, put it in the timetable through the page's form, see
it in the week, and hear it air at its time; then order an emergency announcement from typed
text (with the confirmation step), see it on "Hôm nay", hear it, stop it from the page and find
it logged as interrupted. Screenshots go to test-artifacts/screenshots/real-*.png."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from playwright.sync_api import expect

from tests.browser.conftest import _watch_errors, confirm, go, screenshot, wait_for_path
from tests.e2e.station_server import TZ, StationServer
from tests.soundpath import Recording, VirtualSpeaker, best_alignment

pytestmark = [pytest.mark.browser, pytest.mark.soundpath]

APPROVER = "lanhdao-that"
PASSWORD = "mat-khau-tram-that"
RATE = 48_000
# Generous: the machine has 2 cores shared with other test runs.
PAGE_TIMEOUT_MS = 30_000
# Slot times on the page have minutes only: the slot is set for the first whole minute at
# least this far ahead (the program is rendered already by "Nghe thử", so this is ample).
SCHEDULE_MARGIN = timedelta(seconds=14)

SCRIPT_FILE_TEXT = (
    "Bản tin thử trên trạm thật\n\n"
    "Kính thưa bà con. Đây là bản tin thử nghiệm của đài truyền thanh xã, "
    "phát theo lịch đã được lãnh đạo duyệt.\n"
)
PROGRAM_TITLE = "Chuyên mục thử trạm thật"
ANNOUNCEMENT_TITLE = "Thông báo khẩn về lũ quét"
# Long enough (well over 20 s read aloud) to be still on air while the page is checked.
ANNOUNCEMENT_TEXT = " ".join(
    [
        "Thông báo khẩn. Mưa lớn kéo dài gây nguy cơ lũ quét và sạt lở đất ở các thôn ven suối.",
        "Đề nghị bà con không qua lại các ngầm tràn, không vớt củi trên sông suối.",
        "Các hộ ở vùng trũng khẩn trương di chuyển người già, trẻ em và tài sản đến nơi an toàn.",
        "Lực lượng dân quân trực tại nhà văn hóa các thôn để hỗ trợ bà con suốt ngày đêm.",
        "Mọi tình huống khẩn cấp xin báo ngay cho ủy ban nhân dân xã.",
    ]
)


@pytest.fixture(scope="module")
def speaker() -> VirtualSpeaker:
    # Fails (never skips) when the virtual loudspeaker cannot start.
    return VirtualSpeaker.start()


@pytest.fixture
def station(tmp_path: Path, speaker: VirtualSpeaker) -> Iterator[StationServer]:
    server = StationServer(tmp_path, speaker).start(timeout=90)
    try:
        created = server.ok(
            "POST", "/api/users", json={"name": APPROVER, "role": "approver", "password": PASSWORD}
        )
        assert created["role"] == "approver"
        yield server
    finally:
        server.stop()


@pytest.fixture
def station_page(browser: Any, station: StationServer) -> Iterator[Any]:
    context = browser.new_context(
        base_url=station.base_url,
        viewport={"width": 1280, "height": 900},
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    errors = _watch_errors(page)
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


def reference(path: Path) -> np.ndarray:
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    assert rate == RATE
    return np.asarray(data.mean(axis=1))


def heard_at(
    recording: Recording, ref: np.ndarray, after: float, seconds: float = 3.0
) -> tuple[float, float]:
    """(correlation, epoch seconds) of the first ``seconds`` of ``ref`` found after ``after``."""
    start = recording.index_at(after)
    score, lag = best_alignment(recording.samples[start:], ref[: int(seconds * RATE)])
    return score, recording.time_of(start + lag)


def flash_text(page: Any) -> str:
    page.wait_for_selector("#flash .flash")
    return str(page.inner_text("#flash"))


def wait_until(epoch: float) -> None:
    while time.time() < epoch:
        time.sleep(min(0.2, max(0.0, epoch - time.time())))


def wait_for_entry(
    server: StationServer,
    slot_id: str | None = None,
    *,
    timeout: float,
    announcement: int | None = None,
) -> dict[str, Any]:
    """The as-run entry of a slot's occurrence (or of an announcement's first airing) once it
    has an outcome (read with the admin token)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for entry in server.log_entries():
            mine = entry["slot"] == slot_id if slot_id else entry["announcement"] == announcement
            if mine and entry["outcome"] is not None:
                return entry
        time.sleep(0.25)
    raise AssertionError(
        f"no outcome for slot {slot_id} in {timeout:.0f} s; log: {server.log_entries()}\n"
        f"{server.log()}"
    )


def next_whole_minute(margin: timedelta) -> datetime:
    at = datetime.now(TZ) + margin
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


def test_operator_flow_on_a_real_station(
    station: StationServer, station_page: Any, tmp_path: Path
) -> None:
    page = station_page
    speaker = station.speaker

    # --- log in as the approver, then move through the site by its menu --------------------
    page.goto("/")
    page.fill("#login-name", APPROVER)
    page.fill("#login-password", PASSWORD)
    screenshot(page, "real-01-dang-nhap")
    page.click("#login-submit")
    wait_for_path(page, "/")
    assert APPROVER in page.inner_text("#user-name")
    go(page, "Bài viết")

    # --- upload a script file, then approve it ---------------------------------------------
    upload = tmp_path / "ban-tin-tram-that.txt"
    upload.write_text(SCRIPT_FILE_TEXT, encoding="utf-8")
    page.set_input_files("#upload-file", str(upload))
    page.click("#upload-submit")
    page.wait_for_selector("#sentences li")
    assert "Đã tải lên" in flash_text(page)
    assert "trạm thật" in page.inner_text("#editor-title")
    assert page.inner_text("#editor-status .badge") == "Bản nháp"
    script_id = int(page.url.split("id=")[1])
    screenshot(page, "real-02-bai-viet-tai-len")

    page.wait_for_selector("#approve:visible")
    page.click("#approve")
    assert "Đây là bản tin thử nghiệm" in confirm(page)
    page.wait_for_selector("#editor-status .badge.script-approved")
    assert page.inner_text("#editor-status .badge") == "Đã duyệt"
    screenshot(page, "real-03-bai-viet-da-duyet")
    script = station.ok("GET", f"/api/scripts/{script_id}")
    assert script["status"] == "approved", script
    assert script["approved_by"] == APPROVER, script

    # --- build a program with it, and listen to it (this renders it on the station) --------
    go(page, "Chương trình")
    page.fill("#program-title", PROGRAM_TITLE)
    page.wait_for_selector(f'#add-script option[value="{script_id}"]', state="attached")
    page.select_option("#add-script", str(script_id))
    page.click("#add-script-button")
    page.click("#program-submit")
    item = page.locator(f'#programs li:has-text("{PROGRAM_TITLE}")')
    item.wait_for()
    assert "Đã tạo chương trình" in flash_text(page)
    program_id = str(item.get_attribute("data-program"))
    program = station.ok("GET", f"/api/programs/{program_id}")
    assert [s["type"] for s in program["segments"]] == ["jingle", "script", "jingle"], program
    item.locator("text=Nghe thử").click()
    expect(item.locator("audio")).to_have_attribute("src", re.compile(r"^blob:"), timeout=90_000)
    screenshot(page, "real-04-chuong-trinh")
    ref = reference(station.rendered_file(program_id))

    # --- schedule it once, for the next whole minute, through the timetable form -----------
    item.locator("text=Xếp lịch").click()
    page.wait_for_url("**/lich?program=*")
    page.wait_for_selector(f'#slot-program option[value="{program_id}"]', state="attached")
    assert page.input_value("#slot-program") == program_id
    at = next_whole_minute(SCHEDULE_MARGIN)
    page.check("#slot-kind-once")
    page.fill("#slot-date-text", at.strftime("%d/%m/%Y"))
    page.fill("#slot-time", at.strftime("%H:%M"))
    page.click("#slot-submit")
    assert "Đã thêm" in flash_text(page)
    slots = [s for s in station.ok("GET", "/api/slots") if s["program_id"] == program_id]
    assert len(slots) == 1, slots
    slot_id = slots[0]["id"]
    assert slots[0]["time"] == at.strftime("%H:%M:%S") and slots[0]["date"] == at.date().isoformat()

    # ... and see it in the week.
    day = page.locator(f'section.day[data-date="{at.date().isoformat()}"]')
    occurrence = day.locator(f'li.occ[data-slot="{slot_id}"]')
    occurrence.wait_for()
    assert occurrence.locator(".time").inner_text() == at.strftime("%H:%M")
    assert PROGRAM_TITLE in occurrence.inner_text()
    assert any(label in occurrence.inner_text() for label in ("Đã lên lịch", "Đã dựng"))
    screenshot(page, "real-05-lich-da-xep")

    # --- hear it air at its time -----------------------------------------------------------
    wait_until(at.timestamp() - 6)
    with speaker.recorder() as rec:
        entry = wait_for_entry(
            station, slot_id, timeout=at.timestamp() - time.time() + len(ref) / RATE + 60
        )
    assert entry["outcome"] == "aired", entry
    assert entry["program"] == program_id and entry["engines"] == ["espeak"], entry
    recording = rec.recording
    assert recording is not None
    score, when = heard_at(recording, ref, at.timestamp() - 2)
    assert score > 0.9, f"what was heard does not match the program (ncc {score:.2f})"
    assert abs(when - at.timestamp()) < 0.5, f"heard {when - at.timestamp():+.3f} s from its time"
    whole, _ = best_alignment(recording.between(when - 0.5, when + len(ref) / RATE + 0.5), ref)
    assert whole > 0.9, f"the whole program was not heard (ncc {whole:.2f})"

    page.reload()
    aired = page.locator(f'li.occ.aired[data-slot="{slot_id}"]')
    aired.wait_for()
    assert "Đã phát" in aired.inner_text()
    screenshot(page, "real-06-lich-da-phat")

    # --- an emergency announcement from typed text, with its confirmation step -------------
    go(page, "Thông báo khẩn")
    page.check("#source-text")
    page.fill("#announce-title", ANNOUNCEMENT_TITLE)
    page.fill("#announce-text", ANNOUNCEMENT_TEXT)
    page.select_option("#announce-priority", "emergency")
    page.fill("#announce-repeat", "2")
    page.fill("#announce-every", "10")
    page.click("#announce-next")
    page.wait_for_selector("#confirm-card:visible")
    summary = page.inner_text("#confirm-summary")
    assert "KHẨN CẤP" in summary and "2 lần" in summary and ANNOUNCEMENT_TITLE in summary
    screenshot(page, "real-07-khan-cap-xac-nhan")
    assert station.ok("GET", "/api/announcements") == [], (
        "nothing may be ordered before the confirmation"
    )

    with speaker.recorder() as rec:
        ordered = time.time()
        page.click("#announce-confirm")
        page.wait_for_selector("#active-card:visible", timeout=90_000)
        assert ANNOUNCEMENT_TITLE in page.inner_text("#active")
        assert "Đã bắt đầu phát" in flash_text(page)
        screenshot(page, "real-08-khan-cap-da-ra-lenh")
        announcement = json.loads(
            page.evaluate("localStorage.getItem('loa_announcement')") or "null"
        )
        assert announcement is not None and len(announcement["starts"]) == 2, announcement
        first_start = datetime.fromisoformat(announcement["starts"][0]).timestamp()

        # "Hôm nay" shows it on air once it is heard (the page fetches on load: reload until
        # it shows). Waiting for the start also makes the stop below cut a real broadcast.
        wait_until(first_start + 2.0)
        go(page, "Hôm nay")
        deadline = time.time() + 30
        while True:
            page.wait_for_selector("#onair-title-text, #onair-empty")
            if page.locator("#onair-title-text").count():
                break
            assert time.time() < deadline, "the announcement never showed on air on Hôm nay"
            time.sleep(0.5)
            page.reload()
        assert ANNOUNCEMENT_TITLE in page.inner_text("#onair-title-text")
        assert "Khẩn cấp" in page.inner_text("#onair")
        screenshot(page, "real-09-hom-nay-dang-phat-khan-cap")

        # Stop it from the emergency page (the stop also cancels the repeat).
        go(page, "Thông báo khẩn")
        page.wait_for_selector("#active-card:visible")
        page.click("#stop-announcement")
        confirm(page)
        page.wait_for_selector("#active-card", state="hidden")
        stopped = time.time()
        assert "Đã dừng" in flash_text(page)
        screenshot(page, "real-10-khan-cap-da-dung")
        interrupted = wait_for_entry(station, timeout=30, announcement=announcement["id"])
        wait_until(stopped + 2.5)  # listen on: the announcement must not go on
    assert interrupted["outcome"] == "interrupted", interrupted
    assert interrupted["priority"] == "emergency", interrupted
    aired_for = (
        datetime.fromisoformat(interrupted["end"])
        - datetime.fromisoformat(interrupted["actual_start"])
    ).total_seconds()
    assert 0.5 < aired_for < stopped - first_start + 2.0, interrupted
    remaining = station.ok("GET", "/api/announcements")
    assert remaining == [], f"the repeat was not cancelled: {remaining}"

    recording = rec.recording
    assert recording is not None
    announced = reference(station.rendered_file(interrupted["program"]))
    # Compare what was heard before the stop's fade-out began.
    heard_for = min(3.0, stopped - first_start - 0.5)
    assert heard_for > 1.0, f"stopped {stopped - first_start:.2f} s after the start"
    score, when = heard_at(recording, announced, ordered, heard_for)
    assert score > 0.9, f"the announcement heard does not match its render (ncc {score:.2f})"
    assert abs(when - first_start) < 1.0, f"heard {when - first_start:+.3f} s from its start"
    length = len(announced) / RATE
    assert stopped - when < length - 3, "the announcement ended by itself before the stop"
    after_stop = recording.between(stopped + 1.0, stopped + 2.3)
    assert len(after_stop) > RATE, "the recording does not cover the time after the stop"
    rms = float(np.sqrt(np.mean(after_stop**2)))
    assert rms < 1e-3, f"still playing after the stop (rms {rms:.4f})"

    # "Hôm nay" no longer shows it on air; stopped on purpose, it is no fault to alert about,
    # and what aired can be heard again from the log.
    go(page, "Hôm nay")
    page.wait_for_selector("#onair-empty")
    expect(page.locator("#done-list")).to_contain_text(ANNOUNCEMENT_TITLE)
    assert "bị ngắt giữa chừng" not in page.inner_text("#alerts")
    screenshot(page, "real-11-hom-nay-sau-khi-dung")
    go(page, "Nhật ký")
    row = page.locator(f'#log tr[data-entry="{interrupted["id"]}"]')
    expect(row).to_contain_text("Thông báo đã được huỷ trong khi phát")
    row.locator('[data-action="listen"]').click()
    expect(row.locator("audio")).to_have_attribute("src", re.compile(r"^blob:"), timeout=60_000)
