"""The "Cụm loa" page: every cluster's state; an admin adds one and sees its token once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, login, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_adds_a_cluster_and_sees_its_token_once(
    page: Any, live_server: LiveServer
) -> None:
    if live_server.store.users.find("quantri") is None:
        live_server.store.users.create("quantri", "admin", password=PASSWORD)
    login(page, "quantri", next_path="/cum-loa")
    page.wait_for_selector('tr[data-cluster="local"]')
    assert "Loa tại đài" in page.inner_text("#clusters-body")
    page.fill("#cluster-id", "thon-7")
    page.fill("#cluster-name", "Thôn Bảy")
    page.fill("#cluster-zone", "Khu nam")
    page.click("#cluster-add")
    page.wait_for_selector("#cluster-token-value")
    token = page.inner_text("#cluster-token-value").strip()
    record = live_server.store.clusters.find("thon-7")
    assert record is not None and token.startswith("loa_c_")
    from broadcast.cluster.broker_files import token_hash

    assert record.token_hash == token_hash(token)
    row = page.wait_for_selector('tr[data-cluster="thon-7"]')
    assert "Thôn Bảy" in row.inner_text() and "Mất kết nối" in row.inner_text()
    screenshot(page, "cum-loa")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click('tr[data-cluster="thon-7"] button')
    page.wait_for_selector('tr[data-cluster="thon-7"]', state="detached")
    assert live_server.store.clusters.find("thon-7") is None


def test_other_roles_see_the_state_but_cannot_add(page: Any, live_server: LiveServer) -> None:
    operator = next(name for name, role in _users().items() if role == "operator")
    login(page, operator, next_path="/cum-loa")
    page.wait_for_selector('tr[data-cluster="local"]')
    assert not page.is_visible("#cluster-add-card")


def _users() -> dict[str, str]:
    from tests.browser.conftest import USERS

    return dict(USERS)
