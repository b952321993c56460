"""The page shells without a browser: login redirects, the CSRF meta tag, headers, static files.
(Fast; the behaviour of the pages themselves is in test_pages.py, in chromium.)"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web import PAGES, safe_next
from broadcast.settings import Settings
from broadcast.store.store import open_store
from tests.browser.fake_station import FakeStation

PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, load_example_timetable=False)
    store = open_store(settings.db_url)
    for name, role in {"lanhdao": "approver", "vanhanh": "operator"}.items():
        store.users.create(name, role, password=PASSWORD)
    station = FakeStation(store, ZoneInfo(settings.timezone), tmp_path)
    with TestClient(create_app(settings, store, station), base_url="http://127.0.0.1") as c:
        yield c
    store.close()


def _login(client: TestClient, name: str) -> str:
    response = client.post("/api/session", json={"name": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.page)
def test_every_page_redirects_to_login_without_a_session(client: TestClient, page: object) -> None:
    path = page.path  # type: ignore[attr-defined]
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/dang-nhap?next={path}"


def test_redirect_keeps_the_query(client: TestClient) -> None:
    response = client.get("/bai-viet?id=3", follow_redirects=False)
    assert response.headers["location"] == "/dang-nhap?next=/bai-viet%3Fid%3D3"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.page)
def test_every_page_renders_in_vietnamese_with_the_session_csrf_token(
    client: TestClient, page: object
) -> None:
    csrf = _login(client, "lanhdao")
    response = client.get(page.path)  # type: ignore[attr-defined]
    assert response.status_code == 200
    html = response.text
    assert f'<meta name="csrf-token" content="{csrf}">' in html
    assert '<meta name="loa-role" content="approver">' in html
    assert f"<h1>{page.title}</h1>" in html  # type: ignore[attr-defined]
    assert unicodedata.normalize("NFC", html) == html
    assert 'aria-current="page"' in html
    # Every menu entry leads to its page (an empty href reloads the same page).
    for other in PAGES:
        assert f'<a href="{other.path}"' in html
    # Only scripts from this server, none inline: the Content-Security-Policy allows no other.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script found"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


def test_login_page_sends_a_logged_in_user_on(client: TestClient) -> None:
    page = client.get("/dang-nhap?next=/lich")
    assert page.status_code == 200 and "Đăng nhập" in page.text
    assert 'data-next="/lich"' in page.text
    _login(client, "vanhanh")
    again = client.get("/dang-nhap?next=/lich", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/lich"


def test_a_logged_out_session_no_longer_opens_pages(client: TestClient) -> None:
    csrf = _login(client, "vanhanh")
    assert client.get("/", follow_redirects=False).status_code == 200
    assert client.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code < 300
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "value,expected",
    [
        (None, "/"),
        ("", "/"),
        ("/lich", "/lich"),
        ("/bai-viet?id=2", "/bai-viet?id=2"),
        ("//example.org/x", "/"),
        ("/\\example.org", "/"),
        ("https://example.org/", "/"),
        ("javascript:alert(1)", "/"),
        # Browsers drop tab, CR and LF inside a URL: "/\t/evil" is "//evil" to them.
        ("/\t/evil.example/x", "/"),
        ("/\n/evil.example/x", "/"),
        ("/\r\n/evil.example/x", "/"),
        ("/lich\t", "/"),
        ("/\x00/evil.example", "/"),
    ],
)
def test_only_local_paths_follow_the_login(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.parametrize("encoded", ["/%09/evil.example/x", "/%0a/evil.example/x", "/%5Cevil"])
def test_the_login_page_never_carries_a_hostile_next(client: TestClient, encoded: str) -> None:
    page = client.get(f"/dang-nhap?next={encoded}")
    assert page.status_code == 200
    assert 'data-next="/"' in page.text
    _login(client, "vanhanh")
    again = client.get(f"/dang-nhap?next={encoded}", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/"


@pytest.mark.parametrize(
    "name", ["app.css", "app.js", "login.js", "today.js", "timetable.js", "scripts.js",
             "programs.js", "log.js", "report.js", "emergency.js", "library.js", "manage.js"],
)
def test_static_files_are_served(client: TestClient, name: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert len(response.content) > 200


def test_page_routes_are_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/api")]
