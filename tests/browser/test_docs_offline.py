"""The API documentation works in a browser that can reach nothing but the station."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_with_no_internet(page: Any, live_server: LiveServer) -> None:
    station = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def only_the_station(route: Any) -> None:
        if urlsplit(route.request.url).netloc == station:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_station)
    page.goto("/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 40
    assert "Loa" in page.inner_text(".info .title")
    assert elsewhere == []
