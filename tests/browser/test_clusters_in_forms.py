"""Issue 10 leftovers, on a phone (390×844) of a station with speaker clusters: the slot and
the emergency forms choose where they air, the time is picked on a 24-hour panel (no AM/PM
whatever the browser's language), the airtime report totals each cluster on its own, and no
page scrolls sideways. A server of its own, so its clusters change nothing for other tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    VIEWPORTS,
    LiveServer,
    _watch_errors,
    go,
    login,
    screenshot,
)

pytestmark = pytest.mark.browser

PAGES = ["Hôm nay", "Lịch phát sóng", "Bài viết", "Chương trình", "Âm thanh", "Nhật ký",
         "Báo cáo", "Quản lý", "Giọng đọc", "Cụm loa", "Thông báo khẩn", "Nghe lại",
         "Phát trực tiếp"]


@pytest.fixture
def phone(browser: Any, cluster_station: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=cluster_station.url, locale="en-US",
                                  timezone_id="Asia/Ho_Chi_Minh", **VIEWPORTS["phone"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = _watch_errors(page)
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


def _fits(page: Any, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{what} scrolls sideways on a phone ({width}px)"


def test_clusters_in_the_forms_and_the_report_on_a_phone(
    phone: Any, cluster_station: LiveServer
) -> None:
    server = cluster_station
    with server.api("lanhdao") as client:
        script = client.post("/api/scripts", json={
            "title": "Lịch tiêm phòng dại",
            "text": "Lịch tiêm phòng dại cho chó mèo. Bà con chú ý."})
        assert script.status_code == 201, script.text
        script_id = script.json()["id"]
        assert client.post(f"/api/scripts/{script_id}/approve").status_code == 200
        program = client.post("/api/programs", json={
            "title": "Tiêm phòng dại", "segments": [{"type": "script", "script_id": script_id}]})
        assert program.status_code == 201, program.text
        program_id = program.json()["id"]
    start = datetime.now(UTC) - timedelta(minutes=30)
    for cluster, minutes in (("local", 10), ("thon-mot", 10), ("thon-mot", 5), ("cho-xa", 4)):
        server.store.as_run.append(
            program_id=program_id, priority="normal", scheduled_start=start, cluster=cluster,
            actual_start=start, end=start + timedelta(minutes=minutes), outcome="aired",
            topic="Y tế", slot_id=f"s-{cluster}-{minutes}")

    login(phone, "lanhdao")
    for label in PAGES:
        go(phone, label)
        _fits(phone, label)

    # --- a weekly slot on one cluster, its time picked on the 24-hour panel ------------------
    go(phone, "Lịch phát sóng")
    phone.wait_for_selector(f'#slot-program option[value="{program_id}"]', state="attached")
    phone.select_option("#slot-program", program_id)
    phone.check("#slot-kind-weekly")
    phone.check("#slot-day-sat")
    phone.click(".time-picker:has(#slot-time) .time-open")
    panel = phone.locator(".time-picker:has(#slot-time) .time-panel")
    hours = panel.locator(".hours button").all_inner_texts()
    assert hours == [f"{h:02d}" for h in range(24)], "24 hours, no AM/PM"
    _fits(phone, "the time panel")
    screenshot(phone, "gio-24h-dien-thoai")
    panel.locator('.hours button[data-value="17"]').click()
    panel.locator('.minutes button[data-value="30"]').click()
    expect(panel).to_be_hidden()
    assert phone.input_value("#slot-time") == "17:30"
    assert phone.get_attribute("#slot-time", "type") == "text"  # never the browser's AM/PM field
    phone.check("#slot-where-some")
    phone.click("#slot-submit")
    expect(phone.locator("#slot-error")).to_contain_text("ít nhất một cụm loa")
    phone.check('input[name="slot-cluster"][value="thon-hai"]')
    phone.click("#slot-submit")
    listed = phone.locator('#slot-list li:has-text("Tiêm phòng dại")')
    expect(listed).to_contain_text("Cụm loa: Thôn Hai")
    (slot,) = [s for s in server.store.slots.list() if s.program_id == program_id]
    assert slot.clusters == frozenset({"thon-hai"})
    assert (slot.time.hour, slot.time.minute) == (17, 30)
    _fits(phone, "Lịch phát sóng with the cluster choice")

    # --- an announcement to the clusters of a zone -------------------------------------------
    go(phone, "Thông báo khẩn")
    phone.check("#source-text")
    phone.fill("#announce-title", "Cắt điện khu bắc")
    phone.fill("#announce-text", "Chiều nay cắt điện khu bắc từ 14 giờ đến 16 giờ.")
    phone.check("#announce-where-zone")
    phone.select_option("#announce-zone", "Khu bắc")
    _fits(phone, "Thông báo khẩn with the cluster choice")
    phone.click("#announce-next")
    expect(phone.locator("#confirm-where")).to_contain_text("Khu bắc")
    where = phone.inner_text("#confirm-where")
    assert "Thôn Một" in where and "Thôn Hai" in where and "Chợ xã" not in where
    phone.click("#announce-confirm")
    phone.wait_for_selector("#active-card:visible")
    assert list(server.station.announced_to.values()) == [frozenset({"thon-mot", "thon-hai"})]

    # --- the report: one total per cluster, never added together -----------------------------
    go(phone, "Báo cáo")
    phone.wait_for_selector('#report tr[data-cluster-total="thon-mot"]')
    totals = {c: phone.inner_text(f'#report tr[data-cluster-total="{c}"]')
              for c in ("local", "thon-mot", "cho-xa")}
    assert "Thôn Một" in totals["thon-mot"] and "15" in totals["thon-mot"]
    assert "2" in totals["thon-mot"].split("15", 1)[1]  # two broadcasts
    assert "Chợ xã" in totals["cho-xa"] and "4" in totals["cho-xa"]
    assert "10" in totals["local"]
    assert phone.locator("#report tfoot tr").count() == 3
    _fits(phone, "Báo cáo with a column per cluster")
    screenshot(phone, "bao-cao-cum-loa-dien-thoai")
    phone.select_option("#report-cluster", "cho-xa")
    phone.click("#report-submit")
    expect(phone.locator("#report tfoot tr")).to_have_count(1)
    expect(phone.locator('#report tr[data-cluster-total="cho-xa"]')).to_contain_text("4")
