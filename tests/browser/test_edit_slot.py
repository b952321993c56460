"""Changing a slot from "Lịch phát sóng" (clicked through in chromium at 1366×768 and at
390×844, in an English-speaking browser, on a station with speaker clusters): "Sửa" fills
the slot form with the slot's values, saving changes the slot (its clusters, its time) and
nothing else, a clash on saving is refused in Vietnamese and changes nothing, "Hủy" goes back
to adding a slot, and "Các cụm loa của một vùng" sends the clusters of that zone. A server of
its own, so its clusters change nothing for other tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from broadcast.scheduling.model import Priority, Slot
from tests.browser.conftest import (
    VIEWPORTS,
    LiveServer,
    _watch_errors,
    go,
    login,
    screenshot,
)

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(params=list(VIEWPORTS))
def person(
    request: pytest.FixtureRequest, browser: Any, cluster_station: LiveServer
) -> Iterator[Any]:
    context = browser.new_context(base_url=cluster_station.url, locale="en-US",
                                  timezone_id="Asia/Ho_Chi_Minh", **VIEWPORTS[request.param])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.screen = request.param
    errors = _watch_errors(page)
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


def _program(server: LiveServer, title: str) -> str:
    with server.api("lanhdao") as client:
        script = client.post("/api/scripts", json={
            "title": title, "text": f"{title}. Bà con chú ý lắng nghe."})
        assert script.status_code == 201, script.text
        script_id = script.json()["id"]
        assert client.post(f"/api/scripts/{script_id}/approve").status_code == 200
        program = client.post("/api/programs", json={
            "title": title, "segments": [{"type": "script", "script_id": script_id}]})
        assert program.status_code == 201, program.text
        return str(program.json()["id"])


def _flash(page: Any) -> str:
    page.wait_for_selector("#flash .flash")
    return str(page.inner_text("#flash"))


def _slot_of(server: LiveServer, program_id: str) -> Slot:
    (slot,) = [s for s in server.store.slots.list() if s.program_id == program_id]
    return slot


def _edit(page: Any, title: str) -> None:
    page.locator("#slot-list li", has_text=title).locator('[data-action="edit"]').click()
    expect(page.locator("#slot-submit")).to_have_text("Lưu thay đổi")


def test_a_slot_is_changed_from_the_timetable(person: Any, cluster_station: LiveServer) -> None:
    tag = person.screen
    h = 7 if tag == "desktop" else 9  # the two screens share a station: hours of their own
    title = f"Tin nông nghiệp ({tag})"
    other_title = f"Nhạc truyền thống ({tag})"
    program_id = _program(cluster_station, title)
    other_id = _program(cluster_station, other_title)
    # Another weekly slot on Thôn Một on Mondays (5 minutes at most).
    with cluster_station.api("lanhdao") as client:
        made = client.post("/api/slots", json={
            "program_id": other_id, "time": f"{h + 12}:00", "days": ["mon"],
            "clusters": ["thon-mot"], "max_duration_seconds": 300})
        assert made.status_code == 201, made.text

    login(person, "bientap")
    go(person, "Lịch phát sóng")
    person.wait_for_selector(f'#slot-program option[value="{program_id}"]', state="attached")

    # --- a new weekly slot on every cluster ---------------------------------------------------
    person.select_option("#slot-program", program_id)
    person.check("#slot-kind-weekly")
    for day in ("mon", "wed", "fri"):
        person.check(f"#slot-day-{day}")
    person.fill("#slot-time", f"0{h}:15")
    person.click("#slot-submit")
    listed = person.locator("#slot-list li", has_text=title)
    expect(listed).to_contain_text(f"0{h}:15 Thứ Hai, Thứ Tư, Thứ Sáu")
    created = _slot_of(cluster_station, program_id)
    assert created.clusters is None
    assert created.valid_from == datetime.now(TZ).date()
    expect(listed).not_to_contain_text("Cụm loa")

    # --- "Sửa": the form shows the slot; it is changed to air on Thôn Một only, at 07:45 ----
    _edit(person, title)
    expect(person.locator("#add-slot-title")).to_contain_text(title)
    expect(person.locator("#slot-cancel-edit")).to_be_visible()
    assert person.input_value("#slot-program") == program_id
    assert person.is_checked("#slot-kind-weekly")
    assert [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            if person.is_checked(f"#slot-day-{d}")] == ["mon", "wed", "fri"]
    assert person.input_value("#slot-time") == f"0{h}:15"
    assert person.input_value("#slot-priority") == "normal"
    assert person.input_value("#slot-max-minutes") == ""
    assert person.input_value("#slot-valid-from-text") == f"{created.valid_from:%d/%m/%Y}"
    assert person.is_checked("#slot-where-all")
    person.check("#slot-where-some")
    person.check('input[name="slot-cluster"][value="thon-mot"]')
    person.fill("#slot-time", f"0{h}:45")
    person.fill("#slot-max-minutes", "10")
    screenshot(person, f"sua-khung-gio-{tag}")
    width = person.evaluate("document.documentElement.scrollWidth")
    assert width <= person.viewport_size["width"], f"scrolls sideways ({width}px)"
    person.click("#slot-submit")
    assert "Đã lưu thay đổi" in _flash(person)
    expect(listed).to_contain_text("Cụm loa: Thôn Một")
    expect(listed).to_contain_text(f"0{h}:45 Thứ Hai, Thứ Tư, Thứ Sáu")
    changed = _slot_of(cluster_station, program_id)
    assert changed.id == created.id
    assert changed.clusters == frozenset({"thon-mot"})
    assert changed.time == time(h, 45)
    assert changed.max_duration == timedelta(minutes=10)
    assert (changed.days, changed.valid_from, changed.priority) == (
        created.days, created.valid_from, created.priority)
    # Back to adding a slot.
    expect(person.locator("#slot-submit")).to_have_text("Thêm vào lịch")
    expect(person.locator("#slot-cancel-edit")).to_be_hidden()
    expect(person.locator("#add-slot-title")).to_have_text("Thêm khung giờ phát")

    # --- a change that clashes is refused in Vietnamese and changes nothing ------------------
    _edit(person, title)
    assert person.is_checked("#slot-where-some")
    assert [b.get_attribute("value") for b in
            person.locator('input[name="slot-cluster"]:checked').all()] == ["thon-mot"]
    assert person.input_value("#slot-max-minutes") == "10"
    person.fill("#slot-time", f"{h + 12}:00")
    person.click("#slot-submit")
    error = person.locator("#slot-error")
    expect(error).to_contain_text("trùng giờ")
    expect(error).to_contain_text(other_title)
    assert other_id not in error.inner_text()  # titles, never internal ids
    expect(person.locator("#slot-replace")).to_be_hidden()
    assert _slot_of(cluster_station, program_id) == changed
    screenshot(person, f"sua-khung-gio-trung-gio-{tag}")

    # --- the clusters of a zone: the ids of its clusters are sent ----------------------------
    person.fill("#slot-time", f"0{h}:45")
    person.check("#slot-where-zone")
    expect(person.locator("#slot-zone-hint")).to_have_text("(các cụm loa hiện có của vùng này)")
    expect(person.locator("#slot-zone")).to_be_visible()
    person.select_option("#slot-zone", "Khu bắc")
    person.click("#slot-submit")
    assert "Đã lưu thay đổi" in _flash(person)
    expect(listed).to_contain_text("Cụm loa: Thôn Hai, Thôn Một")
    assert _slot_of(cluster_station, program_id).clusters == frozenset({"thon-mot", "thon-hai"})
    # ...which the form shows as chosen clusters the next time.
    _edit(person, title)
    assert person.is_checked("#slot-where-some")
    assert sorted(b.get_attribute("value") for b in
                  person.locator('input[name="slot-cluster"]:checked').all()) == [
        "thon-hai", "thon-mot"]

    # --- "Hủy" goes back to adding a slot, with nothing saved --------------------------------
    person.fill("#slot-time", f"0{h}:50")
    person.click("#slot-cancel-edit")
    expect(person.locator("#slot-submit")).to_have_text("Thêm vào lịch")
    assert person.input_value("#slot-time") == ""
    assert person.input_value("#slot-program") == ""
    assert person.is_checked("#slot-where-all")
    assert _slot_of(cluster_station, program_id).time == time(h, 45)

    # --- back to every cluster: clusters null -------------------------------------------------
    _edit(person, title)
    person.check("#slot-where-all")
    person.click("#slot-submit")
    assert "Đã lưu thay đổi" in _flash(person)
    expect(listed).not_to_contain_text("Cụm loa")
    assert _slot_of(cluster_station, program_id).clusters is None


def test_a_new_one_off_for_the_clusters_of_a_zone_then_moved_to_another_day(
    person: Any, cluster_station: LiveServer
) -> None:
    tag = person.screen
    minute = 30 if tag == "desktop" else 40
    title = f"Lịch cắt điện ({tag})"
    program_id = _program(cluster_station, title)
    day = datetime.now(TZ).date() + timedelta(days=2)
    later = day + timedelta(days=1)

    login(person, "bientap")
    go(person, "Lịch phát sóng")
    person.wait_for_selector(f'#slot-program option[value="{program_id}"]', state="attached")
    person.select_option("#slot-program", program_id)
    person.fill("#slot-date-text", f"{day:%d/%m/%Y}")
    person.fill("#slot-time", f"16:{minute}")
    person.check("#slot-where-zone")
    person.select_option("#slot-zone", "Khu nam")
    person.click("#slot-submit")
    listed = person.locator("#slot-list li", has_text=title)
    expect(listed).to_contain_text("Cụm loa: Chợ xã")
    created = _slot_of(cluster_station, program_id)
    assert created.clusters == frozenset({"cho-xa"})
    assert created.on_date == day

    _edit(person, title)
    assert person.is_checked("#slot-kind-once")
    assert person.input_value("#slot-date-text") == f"{day:%d/%m/%Y}"
    assert person.is_checked("#slot-where-some")
    person.fill("#slot-date-text", f"{later:%d/%m/%Y}")
    person.select_option("#slot-priority", "priority")
    person.click("#slot-submit")
    assert "Đã lưu thay đổi" in _flash(person)
    expect(listed).to_contain_text(f"16:{minute} ngày {later:%d/%m/%Y}")
    changed = _slot_of(cluster_station, program_id)
    assert (changed.id, changed.on_date, changed.clusters) == (
        created.id, later, frozenset({"cho-xa"}))
    assert changed.priority == Priority.PRIORITY


def test_only_editors_can_change_a_slot(person: Any, cluster_station: LiveServer) -> None:
    tag = person.screen
    title = f"Thông báo họp ({tag})"
    program_id = _program(cluster_station, title)
    with cluster_station.api("lanhdao") as client:
        made = client.post("/api/slots", json={
            "program_id": program_id, "time": "20:00" if tag == "desktop" else "20:30",
            "days": ["sun"]})
        assert made.status_code == 201, made.text
    login(person, "vanhanh")
    go(person, "Lịch phát sóng")
    listed = person.locator("#slot-list li", has_text=title)
    expect(listed).to_be_visible()
    expect(listed.locator('[data-action="edit"]')).to_have_count(0)
    expect(person.locator("#slot-form")).to_be_hidden()
