"""The editors' section "Đã đăng để nghe lại" in chromium: what was published, with its links,
and withdrawing an item (with a reason), after which the public page no longer has it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from broadcast.publishing import Publisher
from tests.browser.conftest import LiveServer, login, screenshot
from tests.publishing.helpers import TZ, air

pytestmark = pytest.mark.browser


def _published(server: LiveServer, folder: Path, program_id: str, title: str) -> Any:
    aired = air(server.store, folder, program_id=program_id, title=title, topic="chuyen-doi-so",
                texts=[(title, f"{title}. Kính thưa bà con.")],
                start=datetime.now(TZ).replace(microsecond=0) - timedelta(hours=1))
    return Publisher(server.settings, server.store).publish(aired.entry)


def test_an_editor_sees_what_was_published_and_withdraws_an_item(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    item = _published(live_server, tmp_path, "nghe-lai-thu", "Bản tin nghe lại")
    assert item.status == "published"
    public_page = f"{live_server.url}/nghe-lai/{item.slug}"
    assert httpx.get(public_page).status_code == 200

    login(page, "bientap", next_path="/xuat-ban")
    row = page.locator(f'#publications tr[data-publication="{item.id}"]')
    expect(row).to_contain_text("Bản tin nghe lại")
    expect(row).to_contain_text("Đang đăng")
    expect(row).to_contain_text("Chuyển đổi số")  # the column's name, not its slug
    expect(row.locator("a", has_text="Trang nghe lại")).to_have_attribute("href", public_page)
    screenshot(page, "publish-editors-list")

    page.once("dialog", lambda dialog: dialog.accept("Trùng với bài hôm qua"))
    row.locator("button", has_text="Gỡ xuống").click()
    expect(row).to_contain_text("Đã gỡ")
    expect(row).to_contain_text("Trùng với bài hôm qua")
    expect(row.locator("button")).to_have_count(0)
    screenshot(page, "publish-editors-withdrawn")
    assert httpx.get(public_page).status_code == 404
    assert live_server.store.publications.get(item.id).withdrawn_by == "bientap"


def test_an_operator_sees_the_list_but_cannot_withdraw(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    item = _published(live_server, tmp_path, "nghe-lai-van-hanh", "Tin vận hành")
    login(page, "vanhanh", next_path="/xuat-ban")
    row = page.locator(f'#publications tr[data-publication="{item.id}"]')
    expect(row).to_contain_text("Đang đăng")
    expect(row.locator("button")).to_have_count(0)
