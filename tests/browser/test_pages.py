"""The operator's web page in Debian's chromium: login, scripts (upload, preview, approve),
programs, the week timetable (schedule, skip, pause), the emergency announcement (with its
confirmation step, then stop), today's alerts, the log and the airtime report."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, confirm, go, login, screenshot, wait_for_path

pytestmark = pytest.mark.browser

SCRIPT_TEXT = (
    "Thông báo của UBND xã về tiêm chủng\n\n"
    "Ngày 15/8/2026, trạm y tế xã tổ chức tiêm vắc-xin cho trẻ dưới 5 tuổi. "
    "Phụ huynh đưa trẻ đến trạm từ 7h30, mang theo sổ tiêm chủng. "
    "Mọi thắc mắc xin liên hệ số 0912 345 678. "
    "Hồ sơ nộp tại văn phòng HTXDVNN Tân Phú.\n"
)


def _approved_script(server: LiveServer, title: str, topic: str = "Chuyển đổi số") -> int:
    with server.api("lanhdao") as client:
        created = client.post(
            "/api/scripts",
            json={"title": title, "text": f"{title}. Bà con chú ý lắng nghe.", "topic": topic},
        )
        assert created.status_code == 201, created.text
        script_id = int(created.json()["id"])
        approved = client.post(f"/api/scripts/{script_id}/approve")
        assert approved.status_code == 200, approved.text
    return script_id


def _program(server: LiveServer, title: str, script_id: int) -> str:
    with server.api("lanhdao") as client:
        created = client.post(
            "/api/programs",
            json={"title": title, "topic": "An ninh trật tự",
                  "segments": [{"type": "script", "script_id": script_id}]},
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


def _flash_text(page: Any) -> str:
    page.wait_for_selector("#flash .flash")
    return str(page.inner_text("#flash"))


def _is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def test_pages_redirect_to_login_and_login_works(page: Any, live_server: LiveServer) -> None:
    page.goto("/lich")
    assert "/dang-nhap?next=/lich" in page.url
    assert page.inner_text("h1") == "Đăng nhập"
    screenshot(page, "01-dang-nhap")

    page.fill("#login-name", "bientap")
    page.fill("#login-password", "sai-mat-khau")
    page.click("#login-submit")
    error = _flash_text(page)
    assert "/dang-nhap" in page.url
    assert error.strip() and _is_nfc(error)
    screenshot(page, "02-dang-nhap-sai-mat-khau")

    page.fill("#login-password", "mat-khau-thu-nghiem")
    page.click("#login-submit")
    wait_for_path(page, "/lich")
    assert page.inner_text("h1") == "Lịch phát sóng"
    assert "bientap" in page.inner_text("#user-name")
    csrf = page.get_attribute('meta[name="csrf-token"]', "content")
    assert csrf and len(csrf) > 16

    page.click("#logout")
    wait_for_path(page, "/dang-nhap")
    page.goto("/")
    assert "/dang-nhap" in page.url

    # After the login only a local path may follow (no redirect to another site).
    page.goto("/dang-nhap?next=//example.org/lua-dao")
    page.fill("#login-name", "bientap")
    page.fill("#login-password", "mat-khau-thu-nghiem")
    page.click("#login-submit")
    wait_for_path(page, "/")
    assert page.inner_text("h1") == "Hôm nay"


def test_upload_a_script_then_an_approver_approves_it(
    page: Any, browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    upload = tmp_path / "thong-bao-tiem-chung.txt"
    upload.write_text(SCRIPT_TEXT, encoding="utf-8")

    with live_server.api("bientap") as client:
        client.post("/api/columns", json={"name": "Y tế"})  # 409 when an earlier run made it
    login(page, "bientap")
    go(page, "Bài viết")
    page.set_input_files("#upload-file", str(upload))
    assert "thong-bao-tiem-chung.txt" in page.inner_text(".file-picker")
    page.select_option("#upload-topic", label="Y tế")
    page.click("#upload-submit")
    page.wait_for_selector("#sentences li")
    assert "Đã tải lên" in _flash_text(page)
    title = page.inner_text("#editor-title")
    assert "tiêm chủng" in title
    assert page.inner_text("#editor-status .badge") == "Bản nháp"
    assert page.is_hidden("#approve"), "an editor must not see the approve button"
    readings = page.locator("#sentences .reading").all_inner_texts()
    assert len(readings) >= 3
    assert any("mười lăm" in r for r in readings), readings  # 15/8/2026 read out in words
    # The unknown abbreviation is flagged and highlighted in its sentence.
    flagged = page.locator("#sentences li.has-warning")
    assert flagged.count() == 1
    assert flagged.locator("mark").inner_text() == "HTXDVNN"
    assert "HTXDVNN" in flagged.locator(".warning").inner_text()

    page.click("#listen")
    expect(page.locator("#player")).to_have_attribute("src", re.compile(r"^blob:"))
    screenshot(page, "03-bai-viet-bien-tap")
    script_id = int(page.url.split("id=")[1])
    assert live_server.store.scripts.get(script_id).status == "draft"

    approver = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    try:
        boss = approver.new_page()
        login(boss, "lanhdao", next_path=f"/bai-viet?id={script_id}")
        boss.wait_for_selector("#approve:visible")
        boss.click("#approve")
        assert "trạm y tế xã tổ chức tiêm vắc-xin" in confirm(boss)  # quotes the text
        boss.wait_for_selector("#editor-status .badge.script-approved")
        assert boss.inner_text("#editor-status .badge") == "Đã duyệt"
        assert "Đã duyệt" in boss.inner_text(f'li[data-script="{script_id}"]')
        assert boss.is_hidden("#approve")
        screenshot(boss, "04-bai-viet-da-duyet")
        record = live_server.store.scripts.get(script_id)
        assert record.status == "approved"
        assert record.approved_by == "lanhdao"

        # Editing an approved script sends it back to draft, to be approved again.
        assert "duyệt lại" in boss.inner_text("#edit-hint")
        boss.fill("#edit-text", SCRIPT_TEXT.replace("7h30", "8h"))
        boss.click("#edit-save")
        boss.wait_for_selector("#editor-status .badge.script-draft")
        assert boss.is_visible("#approve")
        # The readings are fetched again after the save: wait for the new one to show.
        expect(boss.locator("#sentences .reading", has_text="tám giờ").first).to_be_visible()
    finally:
        approver.close()
    record = live_server.store.scripts.get(script_id)
    assert record.status == "draft" and record.revision == 2


def test_create_a_program_schedule_it_and_adjust_the_week(
    page: Any, live_server: LiveServer
) -> None:
    script_id = _approved_script(live_server, "Hướng dẫn cài đặt VNeID")

    login(page, "bientap")
    go(page, "Chương trình")
    page.fill("#program-title", "Chuyên mục Chuyển đổi số")
    page.select_option("#program-topic", label="Chuyển đổi số")
    page.wait_for_selector(f'#add-script option[value="{script_id}"]', state="attached")
    page.select_option("#add-script", str(script_id))
    page.click("#add-script-button")
    page.click("#add-silence-button")
    assert page.locator("#segments li").count() == 2
    page.click("#program-submit")
    page.wait_for_selector('#programs li:has-text("Chuyên mục Chuyển đổi số")')
    assert "Đã tạo chương trình" in _flash_text(page)
    summary = page.inner_text('#programs li:has-text("Chuyên mục Chuyển đổi số")')
    assert "Nhạc hiệu mở đầu" in summary and "Hướng dẫn cài đặt VNeID" in summary
    item = page.locator('#programs li:has-text("Chuyên mục Chuyển đổi số")')
    item.locator("text=Nghe thử").click()
    expect(item.locator("audio")).to_have_attribute("src", re.compile(r"^blob:"))
    screenshot(page, "05-chuong-trinh")
    program = next(p for p in live_server.store.programs.list()
                   if p.title == "Chuyên mục Chuyển đổi số")
    assert [s.kind for s in program.segments] == ["jingle", "script", "silence", "jingle"]

    # "Xếp lịch" leads to the timetable with the program chosen.
    page.click('#programs li:has-text("Chuyên mục Chuyển đổi số") >> text=Xếp lịch')
    page.wait_for_url("**/lich?program=*")
    page.wait_for_selector(f'#slot-program option[value="{program.id}"]', state="attached")
    assert page.input_value("#slot-program") == program.id
    page.check("#slot-kind-weekly")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        page.check(f"#slot-day-{day}")
    page.fill("#slot-time", "17:00")
    page.click("#slot-submit")
    page.wait_for_selector('#slot-list li:has-text("Chuyên mục Chuyển đổi số")')
    assert "Đã thêm" in _flash_text(page)
    # Next week (Monday to Sunday): every airing is still to come.
    first_day = page.locator("section.day").first.get_attribute("data-date")
    this_monday = date.fromisoformat(str(first_day))
    page.click("#week-next")
    days = page.locator("section.day")
    expect(days.first).to_have_attribute("data-date", (this_monday + timedelta(days=7)).isoformat())
    assert days.count() == 7
    last_day = days.nth(6)
    last_day.locator('li.occ:has-text("Chuyên mục Chuyển đổi số")').wait_for()
    assert page.locator('li.occ:has-text("Chuyên mục Chuyển đổi số")').count() >= 6
    assert "Đã lên lịch" in last_day.inner_text()

    # A clashing one-off slot: the API's 409 is shown in Vietnamese.
    page.check("#slot-kind-once")
    last_date = last_day.get_attribute("data-date")
    page.fill("#slot-date-text", date.fromisoformat(str(last_date)).strftime("%d/%m/%Y"))
    page.fill("#slot-time", "17:00")
    page.click("#slot-submit")
    clash = _flash_text(page)
    assert clash.strip() and "Đã thêm" not in clash and _is_nfc(clash)
    assert "Chuyên mục Chuyển đổi số" in page.inner_text("#slot-error")  # titles, no ids
    assert len(live_server.store.slots.list(program_id=program.id)) == 1
    slot_id = live_server.store.slots.list(program_id=program.id)[0].id

    # Skip the last day's occurrence.
    last_day.locator('li.occ:has-text("Chuyên mục Chuyển đổi số") [data-action="skip"]').click()
    confirm(page)
    last_day.locator("li.occ.skipped").wait_for()
    assert "Đã bỏ qua" in last_day.locator("li.occ.skipped").inner_text()
    adjustments = live_server.store.adjustments.list(slot_id=slot_id)
    assert [a.kind.value for a in adjustments] == ["skip"]

    # Move the second-to-last day's occurrence to 18:30, see it moved, then undo the move.
    day = days.nth(5)
    day_date = str(day.get_attribute("data-date"))
    day.locator('li.occ:has-text("Chuyên mục Chuyển đổi số") [data-action="move"]').click()
    day.locator(".move-date").fill(date.fromisoformat(day_date).strftime("%d/%m/%Y"))
    day.locator(".move-time").fill("18:30")
    day.locator("text=Lưu giờ mới").click()
    moved = day.locator('li.occ:has-text("dời từ")')
    moved.wait_for()
    assert "18:30" in moved.inner_text() and "17:00" in moved.inner_text()
    kinds = sorted(a.kind.value for a in live_server.store.adjustments.list(slot_id=slot_id))
    assert kinds == ["move", "skip"]
    screenshot(page, "06-lich-phat-song")
    moved.locator('[data-action="undo"]').click()
    day.locator('li.occ:not(:has-text("dời từ")) >> text=17:00').wait_for()
    kinds = [a.kind.value for a in live_server.store.adjustments.list(slot_id=slot_id)]
    assert kinds == ["skip"]

    # Pause the slot, then let it air again.
    slot_item = page.locator(f'#slot-list li[data-slot="{slot_id}"]')
    slot_item.locator('[data-action="pause"]').click()
    slot_item.locator("text=Đang tạm dừng").wait_for()
    assert live_server.store.slots.get(slot_id).paused
    slot_item.locator('[data-action="resume"]').click()
    slot_item.locator('[data-action="pause"]').wait_for()
    assert not live_server.store.slots.get(slot_id).paused
    assert live_server.station.timetable_changes >= 5

    # The week after has the slot every day too.
    first = date.fromisoformat(str(days.first.get_attribute("data-date")))
    page.click("#week-next")
    expect(days.first).to_have_attribute("data-date", (first + timedelta(days=7)).isoformat())
    expect(page.locator('li.occ:has-text("Chuyên mục Chuyển đổi số")')).to_have_count(7)
    assert f"from={first + timedelta(days=7)}" in page.url


def test_emergency_announcement_needs_confirmation_and_can_be_stopped(
    page: Any, live_server: LiveServer
) -> None:
    station = live_server.station
    before = dict(station.announcements_by_id)
    login(page, "lanhdao")
    go(page, "Thông báo khẩn")
    page.check("#source-text")
    page.fill("#announce-title", "Thông báo khẩn về bão số 3")
    page.fill("#announce-text", "Bão số 3 sắp đổ bộ. Bà con khẩn trương chằng chống nhà cửa.")
    page.fill("#announce-repeat", "3")
    page.fill("#announce-every", "10")
    page.click("#announce-next")
    page.wait_for_selector("#confirm-card:visible")
    assert "KHẨN CẤP" in page.inner_text("#confirm-summary")
    assert "3 lần" in page.inner_text("#confirm-summary")
    assert "Bão số 3 sắp đổ bộ" in page.inner_text("#confirm-excerpt")  # the text itself
    screenshot(page, "07-khan-cap-xac-nhan")
    assert station.announcements_by_id == before, "nothing may play before the confirmation"

    page.click("#announce-back")
    assert page.is_visible("#announce-form") and page.is_hidden("#confirm-card")
    assert station.announcements_by_id == before
    page.click("#announce-next")
    page.click("#announce-confirm")
    page.wait_for_selector("#active-card:visible")
    assert "bão số 3" in page.inner_text("#active")
    new_ids = set(station.announcements_by_id) - set(before)
    assert len(new_ids) == 1
    announcement = station.announcements_by_id[new_ids.pop()]
    assert len(announcement.starts) == 3
    assert station.playing is not None
    screenshot(page, "08-khan-cap-dang-phat")

    # "Hôm nay" shows it on air.
    go(page, "Hôm nay")
    page.wait_for_selector("#onair-title-text")
    assert "bão số 3" in page.inner_text("#onair-title-text")
    screenshot(page, "09-hom-nay-dang-phat")

    # Another device (a fresh browser: nothing remembered locally) sees it and can stop it.
    other = page.context.browser.new_context(base_url=live_server.url)
    try:
        phone = other.new_page()
        login(phone, "vanhanh")
        go(phone, "Thông báo khẩn")
        phone.wait_for_selector("#active-card:visible")
        assert "bão số 3" in phone.inner_text("#active")
    finally:
        other.close()

    # Back on the emergency page the stop button is still there.
    go(page, "Thông báo khẩn")
    page.wait_for_selector("#active-card:visible")
    page.click("#stop-announcement")
    confirm(page)
    page.wait_for_selector("#active-card", state="hidden")
    assert "Đã dừng" in _flash_text(page)
    assert station.cancelled[-1] == announcement.id
    assert station.playing is None


def test_operator_announces_an_approved_script_and_stops_it_from_today(
    page: Any, live_server: LiveServer
) -> None:
    station = live_server.station
    _approved_script(live_server, "Lịch cắt điện ngày mai", topic="Thông tin")
    login(page, "vanhanh")
    go(page, "Thông báo khẩn")
    assert page.is_disabled("#source-text"), "an operator may not announce unapproved text"
    page.select_option("#announce-script", label="Lịch cắt điện ngày mai")
    page.select_option("#announce-priority", "priority")
    page.click("#announce-next")
    assert "ƯU TIÊN" in page.inner_text("#confirm-summary")
    page.click("#announce-confirm")
    page.wait_for_selector("#active-card:visible")
    assert station.playing is not None and station.playing.program_title

    go(page, "Hôm nay")
    page.wait_for_selector("#stop-onair")
    stops = station.stops
    page.click("#stop-onair")
    confirm(page)
    page.wait_for_selector("#onair-empty")
    assert station.stops == stops + 1
    assert station.playing is None


def test_today_shows_alerts_for_a_missing_sound_card_and_a_missed_broadcast(
    page: Any, live_server: LiveServer
) -> None:
    station = live_server.station
    script_id = _approved_script(live_server, "Tin thời tiết")
    program_id = _program(live_server, "Bản tin thời tiết", script_id)
    entry = live_server.store.as_run.append(
        program_id=program_id, priority="normal",
        scheduled_start=datetime.now(UTC) - timedelta(seconds=1),
        outcome="missed", error="Máy tính tắt lúc đến giờ phát",
    )
    station.sound_device = None
    try:
        login(page, "vanhanh")
        page.wait_for_selector("#alerts .alert.bad")
        alerts = page.inner_text("#alerts")
        assert "Không tìm thấy thiết bị âm thanh" in alerts
        assert "Bản tin thời tiết" in alerts and "bị lỡ" in alerts
        assert "Máy tính tắt" in alerts
        screenshot(page, "10-hom-nay-canh-bao")
    finally:
        station.sound_device = "Card âm thanh giả lập"
    assert entry.id > 0


def test_log_filters_and_the_monthly_airtime_report(page: Any, live_server: LiveServer) -> None:
    tz = ZoneInfo(live_server.settings.timezone)
    script_id = _approved_script(live_server, "Bản tin nông nghiệp")
    program_id = _program(live_server, "Nông nghiệp sáng nay", script_id)
    start = datetime.now(UTC) - timedelta(minutes=20)
    repo = live_server.store.as_run
    repo.append(program_id=program_id, priority="normal", scheduled_start=start,
                actual_start=start, end=start + timedelta(minutes=12), outcome="aired",
                engines=["espeak"], topic="Khuyến nông")
    repo.append(program_id=program_id, priority="normal",
                scheduled_start=start - timedelta(hours=1), outcome="failed",
                error="Không dựng được chương trình", topic="Khuyến nông")

    login(page, "vanhanh")
    go(page, "Nhật ký")
    page.wait_for_selector("#log tbody tr")
    table = page.inner_text("#log")
    assert "Nông nghiệp sáng nay" in table and "Đã phát" in table and "Lỗi" in table
    screenshot(page, "11-nhat-ky")
    page.select_option("#log-outcome", "failed")
    page.click("#log-submit")
    expect(page.locator("#log tbody tr")).to_have_count(1)
    assert "Lỗi" in page.inner_text("#log tbody tr")
    assert "Không dựng được chương trình" in page.inner_text("#log")

    go(page, "Báo cáo")
    page.wait_for_selector('#report tbody tr:has-text("Khuyến nông")')
    row = page.inner_text('#report tbody tr:has-text("Khuyến nông")')
    month = start.astimezone(tz)
    assert f"Tháng {month.month}/{month.year}" in row
    assert "12" in row  # minutes
    screenshot(page, "12-bao-cao")
    href = page.get_attribute("#report-csv", "href")
    assert href and href.startswith("/api/reports/airtime.csv?from=")
    csv = page.request.get(href)
    assert csv.ok
    assert "Khuyến nông" in csv.body().decode("utf-8-sig")


def test_pages_fit_a_phone_screen(phone_page: Any, live_server: LiveServer) -> None:
    login(phone_page, "lanhdao")
    for label, name in [("Hôm nay", "hom-nay"), ("Lịch phát sóng", "lich"),
                        ("Bài viết", "bai-viet"), ("Nhật ký", "nhat-ky"),
                        ("Thông báo khẩn", "khan-cap")]:
        go(phone_page, label)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{label} scrolls sideways on a phone ({width}px)"
        screenshot(phone_page, f"13-dien-thoai-{name}")
        heading = phone_page.inner_text("h1")
        assert heading and _is_nfc(heading)
