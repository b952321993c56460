"""Browser tests: a real uvicorn server (create_app over a real SQLite store and a fake
station) driven by Debian's chromium through Playwright. Screenshots go to
test-artifacts/screenshots/ (git-ignored) for review."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from broadcast.settings import Settings
from broadcast.store.store import Store, open_store
from tests.browser.fake_station import FakeStation

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Pages play previews and samples: never on the shared virtual loudspeaker, which the
    # on-air tests record at the same time (make test runs them side by side).
    "--mute-audio",
    # "Tự đọc": a fake microphone (a tone), allowed without asking.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "mat-khau-thu-nghiem"
USERS = {"lanhdao": "approver", "bientap": "editor", "vanhanh": "operator", "quantri": "admin"}
# The two screens every journey is checked on: the culture centre's PC and a phone.
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
              "is_mobile": True, "has_touch": True},
}


# The speaker clusters of `cluster_station`: (id, name, zone).
CLUSTERS = [("thon-mot", "Thôn Một", "Khu bắc"), ("thon-hai", "Thôn Hai", "Khu bắc"),
            ("cho-xa", "Chợ xã", "Khu nam")]


def _require_browser() -> None:
    # Never skip quietly: a missing browser is a broken test machine, not a reason to pass.
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install the Debian package chromium "
            "(apt-get install chromium) to run the browser tests."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright for Python is missing: .venv/bin/pip install playwright "
                    "(never `playwright install`: the tests use Debian's chromium).")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    store: Store
    station: FakeStation
    settings: Settings
    tokens: dict[str, str]

    def api(self, user: str = "lanhdao") -> httpx.Client:
        """A bearer-token client for setting up data the way an integrator would."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=30.0,
        )


@contextmanager
def running_server(
    settings: Settings, station_class: type[FakeStation] = FakeStation
) -> Iterator[LiveServer]:
    """create_app over a real SQLite store in ``settings.data_dir`` and a fake station (or a
    subclass), served by uvicorn on a free port, with the accounts of ``USERS``."""
    _require_browser()
    import uvicorn

    from api.app import create_app

    store = open_store(settings.db_url)
    tokens: dict[str, str] = {}
    for name, role in USERS.items():
        store.users.create(name, role, password=PASSWORD)
        tokens[name] = store.users.issue_token(name, label="browser tests")
    station = station_class(store, ZoneInfo(settings.timezone), settings.data_dir)
    from tests.api.conftest import cluster_hub

    app = create_app(settings, store, station,
                     clusters=cluster_hub(settings, store, station))  # type: ignore[arg-type]

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-browser-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the uvicorn server for the browser tests did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", store, station, settings, tokens)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("station")
    settings = Settings(data_dir=data_dir, load_example_timetable=False, engines=["espeak"])
    with running_server(settings) as server:
        yield server


@pytest.fixture(scope="module")
def cluster_station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A station of its own (one per test module) with the speaker clusters CLUSTERS."""
    data_dir = tmp_path_factory.mktemp("cluster-station")
    settings = Settings(data_dir=data_dir, load_example_timetable=False, engines=["espeak"])
    with running_server(settings) as server:
        with server.api("quantri") as client:
            for cluster_id, name, zone in CLUSTERS:
                made = client.post("/api/clusters",
                                   json={"id": cluster_id, "name": name, "zone": zone})
                assert made.status_code == 201, made.text
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context (no cookies), desktop size, Vietnamese locale."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = _watch_errors(page)
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


@pytest.fixture
def phone_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = _watch_errors(page)
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


@pytest.fixture(params=list(VIEWPORTS))
def person(request: pytest.FixtureRequest, browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser at 1366×768 and at 390×844 (``person.screen`` says which), in an
    English-speaking browser: the page must not depend on the browser's language."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Asia/Ho_Chi_Minh",
        **VIEWPORTS[request.param],
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.screen = request.param
    errors = _watch_errors(page)
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


def go(page: Any, label: str) -> None:
    """Open a page from the menu, as a person does (on a phone the menu opens first)."""
    toggle = page.locator("#menu-toggle")
    if toggle.is_visible():
        toggle.click()
    link = page.locator("nav.menu").get_by_role("link", name=label, exact=True)
    href = str(link.get_attribute("href"))
    link.click()
    # The path only: a page may add its state to the query at once ("/lich?from=…&view=week").
    page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(href).path)
    page.wait_for_load_state("networkidle")


def confirm(page: Any) -> str:
    """Agree to the page's confirmation; returns what it showed."""
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    text = str(dialog.inner_text())
    page.click("#confirm-dialog-ok")
    dialog.wait_for(state="hidden")
    return text


def _watch_errors(page: Any) -> list[str]:
    """Uncaught JavaScript errors and console errors (a Content-Security-Policy violation is
    one); a refused API call (401, 409...) is the page's business, shown to the operator."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))

    def on_console(message: Any) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    return errors


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Any, name: str, password: str = PASSWORD, *, next_path: str = "/") -> None:
    page.goto(f"/dang-nhap?next={next_path}")
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("#login-submit")
    wait_for_path(page, next_path)


def wait_for_path(page: Any, path: str) -> None:
    """Wait until the page is at ``path`` (path and query, exactly)."""

    def at(url: str) -> bool:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "") == path

    page.wait_for_url(at)
