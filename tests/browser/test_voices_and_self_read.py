"""Issue 16 on the web page: the "Giọng đọc" page (a sample of each voice, a column's voice,
a cloud provider's key that is never shown back, what happens without the Internet), "Sửa
cách đọc" from a flagged word of a script (an editor proposes, an approver approves), and
"Tự đọc" (the editor's own voice recorded in the browser from the fake microphone)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, confirm, go, login, screenshot

pytestmark = pytest.mark.browser

KEY = "fpt-khoa-bi-mat-0123456789abcdef"


def _context(browser: Any, server: LiveServer) -> Any:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 900}, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(15_000)
    return context


def _open_script(page: Any, script_id: int) -> None:
    go(page, "Bài viết")
    page.click(f'li[data-script="{script_id}"] a')
    page.wait_for_selector("#sentences li")


def test_voices_page_reading_fix_and_self_read(
    page: Any, browser: Any, live_server: LiveServer
) -> None:
    with live_server.api("quantri") as client:
        made = client.post("/api/columns", json={"name": "Chuyển đổi số xã"})
        column = made.json()["id"] if made.status_code == 201 else next(
            c["id"] for c in client.get("/api/columns").json() if c["name"] == "Chuyển đổi số xã")
    with live_server.api("bientap") as client:
        created = client.post("/api/scripts", json={
            "title": "Ký số trên điện thoại",
            "text": "Bà con cài ứng dụng SmartCA để ký số. Cán bộ xã sẽ hướng dẫn tận nơi.",
            "topic": column,
        })
        assert created.status_code == 201, created.text
        script_id = int(created.json()["id"])

    # --- "Giọng đọc" (admin): samples, the column's voice, a key, the fallback ---------------
    login(page, "quantri")
    go(page, "Giọng đọc")
    expect(page.locator("#fallback")).to_contain_text("Nếu mất mạng")
    voice = page.locator('li[data-voice="espeak"]')
    expect(voice).to_contain_text("Không cần mạng")
    voice.locator('[data-action="sample"]').click()
    player = page.locator('li[data-voice="espeak"] #sample-player')
    expect(player).to_have_attribute("src", re.compile(r"^blob:"))
    seconds = player.evaluate(
        "p => p.readyState >= 1 ? p.duration : new Promise(r => p.addEventListener("
        "'loadedmetadata', () => r(p.duration), { once: true }))")
    assert seconds > 0.5, "the sample must be real speech, not an empty file"

    page.select_option(f'select[data-topic="{column}"]', "espeak")
    expect(page.locator("#flash")).to_contain_text("Chuyển đổi số xã")
    saved = live_server.store.topic_voices.all()
    assert saved[column].voice == "espeak" and saved[column].updated_by == "quantri"

    provider = page.locator('li[data-provider="fpt"]')
    expect(provider).to_contain_text("Chưa có khoá")
    page.fill("#key-fpt", KEY)
    provider.locator('[data-action="save-key"]').click()
    expect(page.locator('li[data-provider="fpt"]')).to_contain_text("đã lưu")
    assert page.input_value("#key-fpt") == ""
    assert live_server.store.voice_keys.saved()["fpt"].updated_by == "quantri"
    page.reload()
    page.wait_for_selector('li[data-provider="fpt"] [data-key="saved"]')
    assert KEY[-4:] not in page.content(), "a saved key is never shown back, not even a part"
    screenshot(page, "giong-doc")
    page.click('li[data-provider="fpt"] [data-action="delete-key"]')
    confirm(page)
    expect(page.locator('li[data-provider="fpt"]')).to_contain_text("Chưa có khoá")
    assert "fpt" not in live_server.store.voice_keys.saved()

    # --- "Sửa cách đọc": the editor proposes, cannot approve; the approver approves ----------
    editor = _context(browser, live_server)
    try:
        ed = editor.new_page()
        login(ed, "bientap")
        _open_script(ed, script_id)
        ed.click('#sentences li.has-warning [data-action="fix-reading"][data-word="SmartCA"]')
        ed.fill("#reading-input", "xờ mát xê a")
        ed.click("#reading-try")
        expect(ed.locator("#reading-said")).to_contain_text("xờ mát xê a")
        ed.click("#reading-submit")
        pending = ed.locator('.lexicon-pending[data-word="SmartCA"]')
        expect(pending).to_contain_text("chờ lãnh đạo duyệt")
        assert pending.locator('[data-action="approve-reading"]').count() == 0
        entry = next(e for e in live_server.store.lexicon.list() if e.word == "SmartCA")
        assert entry.status == "proposed" and entry.proposed_by == "bientap"

        # --- "Tự đọc": sentence 1 from the fake microphone -----------------------------------
        expect(ed.locator("#rec-prompter")).to_have_text(
            "Bà con cài ứng dụng SmartCA để ký số.")
        ed.click("#rec-start")
        expect(ed.locator("#rec-live")).to_be_visible()
        ed.wait_for_timeout(2500)  # the editor reads the sentence
        ed.click("#rec-stop")
        recording = ed.locator('#recordings li[data-recording="1"]')
        expect(recording).to_contain_text("Khớp với bài")
        expect(ed.locator("#rec-prompter")).to_have_text(
            "Cán bộ xã sẽ hướng dẫn tận nơi.")  # on to the next sentence
        with live_server.api("bientap") as client:
            state = client.get(f"/api/scripts/{script_id}/recordings").json()
        assert [s["recorded"] for s in state["sentences"]] == [True, False]
        (rec,) = state["recordings"]
        assert rec["sentence"] == 1 and rec["created_by"] == "bientap"
        assert 0.5 < rec["duration_seconds"] < 4.0
        screenshot(ed, "tu-doc")

        # The editor corrects sentence 1: its recording no longer matches and is not aired.
        ed.fill("#edit-text", "Bà con hãy cài ứng dụng SmartCA để ký số. "
                "Cán bộ xã sẽ hướng dẫn tận nơi.")
        ed.click("#edit-save")
        expect(ed.locator('#recordings li[data-recording="1"]')).to_contain_text("Đã cũ")
        expect(ed.locator("#rec-prompter")).to_have_text(
            "Bà con hãy cài ứng dụng SmartCA để ký số.")
    finally:
        editor.close()

    boss = _context(browser, live_server)
    try:
        bp = boss.new_page()
        login(bp, "lanhdao")
        _open_script(bp, script_id)
        bp.click('.lexicon-pending[data-word="SmartCA"] [data-action="approve-reading"]')
        expect(bp.locator("#sentences")).to_contain_text("xờ mát xê a")
        expect(bp.locator("#sentences li.has-warning")).to_have_count(0)  # no longer flagged
    finally:
        boss.close()
    entry = next(e for e in live_server.store.lexicon.list() if e.word == "SmartCA")
    assert entry.status == "approved" and entry.decided_by == "lanhdao"
