"""Publishing what aired, end to end: a real `broadcast serve` (espeak, the virtual loudspeaker)
airs a programme of a published column and one of a column that is not published; a client
with no login finds the first (only) in the podcast feeds, downloads its MP3 (as long as it
was on air), reads its text on /nghe-lai; Debian's chromium shows the pages at phone size
(screenshots in test-artifacts/screenshots/publish-*.png); an editor withdraws it and it is
gone from everything public."""

from __future__ import annotations

import json
import math
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import feedparser
import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.e2e.station_server import StationServer, whole_second_ahead
from tests.soundpath import VirtualSpeaker

pytestmark = [pytest.mark.soundpath, pytest.mark.browser]

T = TypeVar("T")

PUBLISHED_TOPIC = "chuyen-doi-so"
HIDDEN_TOPIC = "thong-tin-chung"
PUBLISHED_TEXT = (
    "Kính thưa bà con. Từ tuần sau, tổ công nghệ số hướng dẫn cài đặt ứng dụng định danh "
    "điện tử tại nhà văn hóa thôn."
)
HIDDEN_TEXT = "Thông báo nội bộ của thôn Đông về lịch họp chi bộ."
PHONE = {"width": 390, "height": 844}


def eventually(what: str, probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout} s")


def program(server: StationServer, title: str, text: str, topic: str) -> str:
    script = server.ok("POST", "/api/scripts", json={"title": title, "text": text,
                                                     "topic": topic})
    server.ok("POST", f"/api/scripts/{script['id']}/approve")
    created = server.ok("POST", "/api/programs", json={
        "title": title, "topic": topic,
        "segments": [{"type": "script", "script_id": script["id"]}],
    })
    return str(created["id"])


def duration_of(path: Path) -> float:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )
    return float(json.loads(done.stdout)["format"]["duration"])


@pytest.fixture(scope="module")
def speaker() -> VirtualSpeaker:
    # Fails (never skips) when the virtual loudspeaker cannot start.
    return VirtualSpeaker.start()


def test_what_aired_is_published_and_a_withdrawn_item_is_gone(
    tmp_path: Path, speaker: VirtualSpeaker, browser: Any
) -> None:
    server = StationServer(tmp_path, speaker)
    server.extra_env.update(
        BROADCAST_PUBLISH_TOPICS=json.dumps([PUBLISHED_TOPIC]),
        BROADCAST_PUBLISH_INTERVAL_SECONDS="1",
        BROADCAST_PUBLIC_URL=server.base_url,
        BROADCAST_PUBLIC_NAME="Đài truyền thanh xã An Bình",
        BROADCAST_PUBLIC_COLUMN_NAMES=json.dumps(
            {PUBLISHED_TOPIC: "Chuyển đổi số", HIDDEN_TOPIC: "Thông tin chung"}
        ),
    )
    server.start(timeout=60)
    try:
        _scenario(server, tmp_path, browser)
    finally:
        server.stop()


def _scenario(server: StationServer, tmp_path: Path, browser: Any) -> None:
    shown = program(server, "Định danh điện tử", PUBLISHED_TEXT, PUBLISHED_TOPIC)
    hidden = program(server, "Họp chi bộ", HIDDEN_TEXT, HIDDEN_TOPIC)
    first_at = whole_second_ahead(6)
    first = server.one_off_slot(shown, first_at)
    length = duration_of(server.wait_for_render(shown))
    second = server.one_off_slot(hidden, first_at + timedelta(seconds=math.ceil(length) + 2))
    aired = server.wait_for_outcome(first, timeout=60)
    other = server.wait_for_outcome(second, timeout=60)
    assert aired["outcome"] == "aired" and other["outcome"] == "aired", (aired, other)
    airtime = (
        datetime.fromisoformat(aired["end"]) - datetime.fromisoformat(aired["actual_start"])
    ).total_seconds()

    public = httpx.Client(base_url=server.base_url, timeout=30)  # no login, no token

    def published_entries() -> list[Any] | None:
        feed = feedparser.parse(public.get("/feeds/all.xml").content)
        return list(feed.entries) or None

    [item] = eventually("the programme in /feeds/all.xml", published_entries)
    all_feed = feedparser.parse(public.get("/feeds/all.xml").content)
    assert not all_feed.bozo and all_feed.feed.language == "vi"
    assert item.title.startswith("Định danh điện tử — ")
    assert "định danh điện tử tại nhà văn hóa thôn" in item.description
    column = public.get(f"/feeds/{PUBLISHED_TOPIC}.xml")
    assert column.status_code == 200
    assert [e.id for e in feedparser.parse(column.content).entries] == [item.id]
    # The column that is not published: no feed, nothing anywhere.
    assert public.get(f"/feeds/{HIDDEN_TOPIC}.xml").status_code == 404
    assert HIDDEN_TEXT not in public.get("/feeds/all.xml").text

    [enclosure] = item.enclosures
    assert enclosure.href.startswith(server.base_url + "/feeds/audio/")
    mp3 = public.get(enclosure.href)
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    assert len(mp3.content) == int(enclosure.length)
    saved = tmp_path / "downloaded.mp3"
    saved.write_bytes(mp3.content)
    assert abs(duration_of(saved) - airtime) <= 1.5, (duration_of(saved), airtime)

    listing = public.get("/nghe-lai")
    assert listing.status_code == 200
    assert PUBLISHED_TEXT in listing.text and HIDDEN_TEXT not in listing.text
    page_url = item.link
    assert page_url.startswith(server.base_url + "/nghe-lai/")

    _check_pages_on_a_phone(browser, server, page_url, airtime, tmp_path)

    # An editor withdraws it: gone from the feeds, the pages and the audio, at once.
    [publication] = server.ok("GET", "/api/publications")
    withdrawn = server.ok(
        "POST", f"/api/publications/{publication['id']}/withdraw", json={"reason": "Thử gỡ"}
    )
    assert withdrawn["status"] == "withdrawn"
    assert feedparser.parse(public.get("/feeds/all.xml").content).entries == []
    assert feedparser.parse(public.get(f"/feeds/{PUBLISHED_TOPIC}.xml").content).entries == []
    assert PUBLISHED_TEXT not in public.get("/nghe-lai").text
    assert public.get(page_url).status_code == 404
    assert public.get(enclosure.href).status_code == 404
    _check_withdrawn_page(browser, page_url)


def _phone_context(browser: Any) -> Any:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(20_000)
    return context


def _fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"


@contextmanager
def commune_site(folder: Path, embed_url: str) -> Iterator[str]:
    """A page of "the commune's website" on its own HTTP server, embedding the player."""
    root = folder / "commune-site"
    root.mkdir()
    (root / "index.html").write_text(
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'></head>"
        "<body style='margin:8px;font-family:sans-serif'><h1>UBND xã An Bình</h1>"
        "<p>Nghe lại bản tin trên loa truyền thanh:</p>"
        f"<iframe src='{embed_url}' title='Nghe lại' width='100%' height='170' "
        "style='border:0'></iframe></body></html>",
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _check_pages_on_a_phone(
    browser: Any, server: StationServer, page_url: str, airtime: float, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = _phone_context(browser)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(server.base_url + "/nghe-lai")
    expect(page.locator("h1")).to_have_text("Nghe lại")
    programme = page.locator("article.programme")
    expect(programme).to_have_count(1)
    expect(programme.locator("h3")).to_have_text("Định danh điện tử")
    expect(page.locator("nav.columns a", has_text="Chuyển đổi số")).to_be_visible()
    programme.locator("summary").click()  # "Toàn văn" opens the full text
    expect(programme.locator(".transcript")).to_contain_text(PUBLISHED_TEXT)
    _fits_the_phone(page)
    screenshot(page, "publish-list-phone")

    page.goto(page_url)
    expect(page.locator("h1")).to_have_text("Định danh điện tử")
    expect(page.locator("section.transcript")).to_contain_text(PUBLISHED_TEXT)
    og_title = page.locator('meta[property="og:title"]').get_attribute("content")
    assert og_title and og_title.startswith("Định danh điện tử — ")
    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert og_image == server.base_url + "/feeds/cover.png"
    # The player loads the MP3 and knows its length.
    duration = page.eval_on_selector(
        "audio",
        """(audio) => new Promise((done) => {
            if (audio.readyState >= 1) return done(audio.duration);
            audio.addEventListener("loadedmetadata", () => done(audio.duration));
            audio.load();
        })""",
    )
    assert abs(float(duration) - airtime) <= 1.5, (duration, airtime)
    _fits_the_phone(page)
    screenshot(page, "publish-programme-phone")

    # The embeddable player inside the commune's website (another origin).
    with commune_site(tmp_path, page_url + "/nhung") as site_url:
        page.goto(site_url)
        frame = page.frame_locator("iframe")
        expect(frame.locator(".title")).to_contain_text("Định danh điện tử")
        expect(frame.locator("audio")).to_have_count(1)
        player = next(f for f in page.frames if f.url.endswith("/nhung"))
        height = player.evaluate("document.documentElement.scrollHeight")
        assert height <= 170, f"the player needs {height} px; the embed code gives it 170"
        screenshot(page, "publish-embed-phone")
    assert not errors, errors
    context.close()


def _check_withdrawn_page(browser: Any, page_url: str) -> None:
    from playwright.sync_api import expect

    context = _phone_context(browser)
    page = context.new_page()
    response = page.goto(page_url)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy chương trình")
    screenshot(page, "publish-withdrawn-phone")
    context.close()
