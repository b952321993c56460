"""After the login, only a path on this server may follow, as the browser reads it: tab, CR
and LF inside ``next`` (which browsers drop, turning "/\\t/evil.example" into
"//evil.example") must not lead to another site."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, wait_for_path

pytestmark = pytest.mark.browser

HOSTILE = [
    "/%09/evil.example/x",
    "/%0A/evil.example/x",
    "/%0D%0A/evil.example/x",
    "/%09%09/evil.example/x",
    "/%5C/evil.example/x",
    "/%09%5Cevil.example/x",
]


def _log_in(page: Any) -> None:
    page.fill("#login-name", "bientap")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")


@pytest.mark.parametrize("next_value", HOSTILE)
def test_a_next_with_tab_or_newline_stays_on_this_server(
    page: Any, live_server: LiveServer, next_value: str
) -> None:
    page.goto(f"/dang-nhap?next={next_value}")
    _log_in(page)
    wait_for_path(page, "/")
    assert urlsplit(page.url).netloc == urlsplit(live_server.url).netloc
    assert page.inner_text("h1") == "Hôm nay"


@pytest.mark.parametrize(
    "next_value", ["/\t/evil.example/x", "/\n/evil.example/x", "/\\evil.example/x"]
)
def test_the_page_itself_refuses_a_hostile_next(
    page: Any, live_server: LiveServer, next_value: str
) -> None:
    # Even if the server let one through, the page's own check stops it.
    page.goto("/dang-nhap")
    page.evaluate("(value) => { document.getElementById('login-form').dataset.next = value; }",
                  next_value)
    _log_in(page)
    wait_for_path(page, "/")
    assert urlsplit(page.url).netloc == urlsplit(live_server.url).netloc


def test_a_local_next_is_followed(page: Any, live_server: LiveServer) -> None:
    page.goto("/dang-nhap?next=/nhat-ky%3Fslot%3Dsang")
    _log_in(page)
    wait_for_path(page, "/nhat-ky?slot=sang")
