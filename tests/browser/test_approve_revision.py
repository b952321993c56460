"""The approve button approves what the approver read: if the text was edited after the page
showed it, approval is refused with a clear message and the new text is shown."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer, confirm, login

pytestmark = pytest.mark.browser


def test_approving_a_script_edited_since_it_was_shown_is_refused(
    page: Any, live_server: LiveServer
) -> None:
    with live_server.api("bientap") as editor:
        created = editor.post(
            "/api/scripts",
            json={"title": "Lịch tiêm chủng", "text": "Sáng thứ Hai tiêm tại trạm y tế xã."},
        )
        assert created.status_code == 201, created.text
        script_id = int(created.json()["id"])

    login(page, "lanhdao", next_path=f"/bai-viet?id={script_id}")
    page.wait_for_selector("#approve:visible")
    assert "Sáng thứ Hai" in page.input_value("#edit-text")

    # The editor changes the text while the approver is reading the old one.
    with live_server.api("bientap") as editor:
        edited = editor.put(
            f"/api/scripts/{script_id}", json={"text": "Chiều thứ Ba tiêm tại nhà văn hoá."}
        )
        assert edited.status_code == 200 and edited.json()["revision"] == 2

    page.click("#approve")
    shown = confirm(page)
    assert "Sáng thứ Hai" in shown  # the confirmation quotes the text the approver read
    page.wait_for_selector("#flash .flash")
    message = page.inner_text("#flash")
    assert "đọc lại" in message and "số 2" in message, message
    assert live_server.store.scripts.get(script_id).status == "draft"
    page.wait_for_function(
        "() => document.getElementById('edit-text').value.includes('Chiều thứ Ba')"
    )

    # Having read the new text, the approver approves it.
    page.click("#approve")
    assert "Chiều thứ Ba" in confirm(page)
    page.wait_for_selector("#editor-status .badge.script-approved")
    record = live_server.store.scripts.get(script_id)
    assert (record.status, record.approved_revision) == ("approved", 2)
