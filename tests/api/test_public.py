"""The public side over a real store with published items: podcast feeds (checked with
feedparser), the MP3s, the "Nghe lại" pages; nothing unpublished is ever shown; no login; the
rate limit; and the editors' API that lists and withdraws."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from broadcast.publishing import Publisher
from broadcast.store.publications import Publication, TranscriptPart
from tests.api.conftest import Api, build_api
from tests.publishing.helpers import TZ, air

PUBLIC_URL = "https://loa.xa-anbinh.gov.vn"
CDS = "chuyen-doi-so"
TEXT = (
    "Kính thưa bà con nhân dân.\n\nTừ tháng 12, xã hướng dẫn cài đặt định danh điện tử "
    "mức hai tại nhà văn hóa các thôn."
)
OTHER_TEXT = "Thông báo lịch tiêm phòng cho đàn gia cầm của thôn Đông."
WITHDRAWN_TEXT = "Bản tin có số liệu sai, đã gỡ xuống."


@dataclass
class Site:
    api: Api
    shown: Publication  # published, public
    withdrawn: Publication
    failed: Publication
    expired: Publication  # published, but past the retention (the job has not run yet)
    unpublished_entry_id: int  # aired in a column that is not published


@contextmanager
def _site(tmp_path: Path, **overrides: object) -> Iterator[Site]:
    settings: dict[str, object] = {
        "publish_topics": [CDS], "public_url": PUBLIC_URL,
        "public_name": "Đài truyền thanh xã An Bình",
        "public_owner_email": "vanhoa@anbinh.gov.vn",
        "publish_retention_days": 30,
    }
    api = build_api(tmp_path, **{**settings, **overrides})
    store, now = api.store, datetime.now(TZ).replace(microsecond=0)
    folder = tmp_path / "renders"
    air(store, folder, program_id="cds-sang", title="Chuyển đổi số", topic=CDS,
        texts=[("Định danh điện tử", TEXT)], start=now - timedelta(hours=1), seconds=3.0)
    air(store, folder, program_id="cds-sai", title="Bản tin sai", topic=CDS,
        texts=[("Số liệu", WITHDRAWN_TEXT)], start=now - timedelta(days=1), seconds=2.0)
    gone = air(store, folder, program_id="cds-mat", title="Mất bản dựng", topic=CDS,
               texts=[("Mất", "Không còn tệp.")], start=now - timedelta(hours=3))
    gone.wav.unlink()
    other = air(store, folder, program_id="tin-thon", title="Tin thôn", topic="thong-tin-chung",
                texts=[("Tiêm phòng", OTHER_TEXT)], start=now - timedelta(hours=2))
    publisher = Publisher(api.settings, store)
    report = publisher.run()
    by_program = {i.program_id: i for i in report.published + report.failed}
    withdrawn = publisher.withdraw(by_program["cds-sai"].id, by="bientap", reason="Sai số liệu")
    expired = store.publications.add(
        as_run_id=9999, slug="cu-qua-han", status="published", topic=CDS, program_id="cu",
        program_title="Chương trình cũ", title="Chương trình cũ", audio_file="cu.mp3",
        aired_at=now - timedelta(days=31), audio_bytes=10, duration_seconds=1.0,
        transcript=[TranscriptPart("Cũ", "Nội dung quá hạn lưu trữ.")],
    )
    (api.settings.published_path / "cu.mp3").write_bytes(b"ID3" + b"\x00" * 10)
    with api.client:
        yield Site(api, by_program["cds-sang"], withdrawn, by_program["cds-mat"], expired,
                   other.entry.id)
    api.store.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with _site(tmp_path_factory.mktemp("public")) as built:
        yield built


class Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        key = found.get("property") or found.get("name")
        if tag == "meta" and key and found.get("content") is not None:
            self.meta[key] = str(found["content"])


def meta_of(html: str) -> dict[str, str]:
    parser = Meta()
    parser.feed(html)
    return parser.meta


def test_the_fixture_has_what_the_tests_rely_on(site: Site) -> None:
    assert site.shown.status == "published"
    assert site.withdrawn.status == "withdrawn"
    assert site.failed.status == "failed"
    assert site.api.store.publications.list(topic="thong-tin-chung") == []


# --- feeds --------------------------------------------------------------------------------


def test_the_all_feed_is_a_valid_podcast_feed(site: Site) -> None:
    response = site.api.client.get("/feeds/all.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    channel = feed.feed
    assert channel.title == "Đài truyền thanh xã An Bình"
    assert channel.language == "vi"
    assert channel.link == f"{PUBLIC_URL}/nghe-lai"
    assert channel.author == "Đài truyền thanh xã An Bình"  # itunes:author
    assert channel.publisher_detail.email == "vanhoa@anbinh.gov.vn"  # itunes:owner
    assert channel.image.href == f"{PUBLIC_URL}/feeds/cover.png"  # itunes:image
    assert {t.term for t in channel.tags} >= {"Government"}  # itunes:category
    # Apple's current values are true/false (feedparser maps only yes/clean).
    assert b"<itunes:explicit>false</itunes:explicit>" in response.content
    [item] = feed.entries
    shown = site.shown
    assert item.id == f"urn:uuid:{shown.guid}" and item.guidislink is False
    assert item.title == shown.title
    assert item.link == f"{PUBLIC_URL}/nghe-lai/{shown.slug}"
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0700", item.published)
    assert feedparser_time(item) == shown.aired_at.replace(microsecond=0)
    [enclosure] = item.enclosures
    assert enclosure.href == f"{PUBLIC_URL}/feeds/audio/{shown.slug}.mp3"
    assert enclosure.type == "audio/mpeg"
    assert int(enclosure.length) == shown.audio_bytes > 1000
    assert item.itunes_duration == "0:00:03"
    assert "định danh điện tử mức hai" in item.description  # the transcript, whole
    assert item.description.startswith("<p>Kính thưa bà con nhân dân.</p>")


def feedparser_time(item: feedparser.FeedParserDict) -> datetime:
    from calendar import timegm
    from datetime import UTC

    return datetime.fromtimestamp(timegm(item.published_parsed), UTC)


def test_the_guid_is_stable_across_requests_and_addresses(site: Site, tmp_path: Path) -> None:
    first = feedparser.parse(site.api.client.get("/feeds/all.xml").content)
    second = feedparser.parse(site.api.client.get("/feeds/chuyen-doi-so.xml").content)
    assert [e.id for e in first.entries] == [e.id for e in second.entries]


def test_a_column_feed_has_that_column_only(site: Site) -> None:
    response = site.api.client.get(f"/feeds/{CDS}.xml")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.feed.title == "Chuyển đổi số — Đài truyền thanh xã An Bình"
    assert feed.feed.link == f"{PUBLIC_URL}/nghe-lai?chuyen-muc={CDS}"
    assert [e.title for e in feed.entries] == [site.shown.title]


@pytest.mark.parametrize("topic", ["thong-tin-chung", "khong-co"])
def test_columns_that_are_not_published_have_no_feed(site: Site, topic: str) -> None:
    response = site.api.client.get(f"/feeds/{topic}.xml")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_nothing_unpublished_is_in_any_feed(site: Site) -> None:
    for path in ("/feeds/all.xml", f"/feeds/{CDS}.xml"):
        body = site.api.client.get(path).text
        for hidden in (site.withdrawn, site.failed, site.expired):
            assert hidden.slug not in body and hidden.guid not in body, (path, hidden.status)
        for text in (WITHDRAWN_TEXT, OTHER_TEXT, "Nội dung quá hạn", "Không còn tệp."):
            assert text not in body, (path, text)


# --- audio --------------------------------------------------------------------------------


def test_the_mp3_is_served_whole_in_parts_and_to_head(site: Site) -> None:
    client, shown = site.api.client, site.shown
    path = f"/feeds/audio/{shown.slug}.mp3"
    whole = client.get(path)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/mpeg"
    on_disk = (site.api.settings.published_path / str(shown.audio_file)).read_bytes()
    assert whole.content == on_disk and len(on_disk) == shown.audio_bytes
    part = client.get(path, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == on_disk[:100]
    head = client.head(path)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(on_disk)


def test_unpublished_audio_is_not_served(site: Site) -> None:
    for hidden in (site.withdrawn, site.failed, site.expired):
        response = site.api.client.get(f"/feeds/audio/{hidden.slug}.mp3")
        assert response.status_code == 404, hidden.status
    assert (site.api.settings.published_path / "cu.mp3").is_file()  # there, but expired


def test_the_default_cover_is_a_podcast_sized_png(site: Site) -> None:
    response = site.api.client.get("/feeds/cover.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    body = response.content
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big")
    assert width == height and 1400 <= width <= 3000  # what Apple Podcasts accepts
    assert len(body) < 512 * 1024
    assert site.api.client.get("/feeds/cover.jpg").status_code == 404


# --- pages --------------------------------------------------------------------------------


def test_the_listen_again_page_shows_the_programme_with_player_and_full_text(site: Site) -> None:
    response = site.api.client.get("/nghe-lai")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="vi">' in html
    assert f'src="{PUBLIC_URL}/feeds/audio/{site.shown.slug}.mp3"' in html
    assert "Kính thưa bà con nhân dân." in html
    assert "Từ tháng 12, xã hướng dẫn cài đặt định danh điện tử mức hai" in html
    assert "Chuyển đổi số" in html
    for text in (WITHDRAWN_TEXT, OTHER_TEXT, "Nội dung quá hạn", "Không còn tệp."):
        assert text not in html
    assert "<script" not in html
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_the_list_filters_by_column_and_day(site: Site) -> None:
    client = site.api.client
    aired_day = site.shown.aired_at.astimezone(TZ).date()
    by_column = client.get("/nghe-lai", params={"chuyen-muc": CDS}).text
    assert site.shown.slug in by_column and "Nghe lại: Chuyển đổi số" in by_column
    assert site.shown.slug not in client.get(
        "/nghe-lai", params={"chuyen-muc": "thong-tin-chung"}
    ).text
    on_day = client.get("/nghe-lai", params={"ngay": aired_day.isoformat()}).text
    assert site.shown.slug in on_day
    before = client.get("/nghe-lai", params={"ngay": "2020-01-01"})
    assert before.status_code == 200 and site.shown.slug not in before.text
    assert "Không có chương trình nào đã phát ngày" in before.text
    bad = client.get("/nghe-lai", params={"ngay": "hôm qua"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.text


def test_a_programme_page_has_open_graph_tags_and_the_whole_text(site: Site) -> None:
    response = site.api.client.get(f"/nghe-lai/{site.shown.slug}")
    assert response.status_code == 200
    meta = meta_of(response.text)
    assert meta["og:title"] == site.shown.title
    assert meta["og:description"].startswith("Kính thưa bà con nhân dân.")
    assert meta["og:image"] == f"{PUBLIC_URL}/feeds/cover.png"
    assert meta["og:url"] == f"{PUBLIC_URL}/nghe-lai/{site.shown.slug}"
    assert meta["og:audio"] == f"{PUBLIC_URL}/feeds/audio/{site.shown.slug}.mp3"
    assert meta["og:locale"] == "vi_VN"
    assert "mức hai tại nhà văn hóa các thôn." in response.text
    assert f"{PUBLIC_URL}/nghe-lai/{site.shown.slug}/nhung" in response.text  # embed code


def test_the_embedded_player_may_be_framed_by_other_sites(site: Site) -> None:
    response = site.api.client.get(f"/nghe-lai/{site.shown.slug}/nhung")
    assert response.status_code == 200
    assert "frame-ancestors" not in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    assert f'src="{PUBLIC_URL}/feeds/audio/{site.shown.slug}.mp3"' in response.text


@pytest.mark.parametrize("suffix", ["", "/nhung"])
def test_pages_of_unpublished_items_are_not_found(site: Site, suffix: str) -> None:
    for hidden in (site.withdrawn, site.failed, site.expired):
        response = site.api.client.get(f"/nghe-lai/{hidden.slug}{suffix}")
        assert response.status_code == 404, hidden.status
        assert "Không tìm thấy chương trình" in response.text
        assert hidden.title not in response.text


def test_public_routes_need_no_login_and_set_no_cookie(site: Site) -> None:
    client = site.api.client
    client.cookies.clear()
    for path in ("/nghe-lai", f"/nghe-lai/{site.shown.slug}", "/feeds/all.xml",
                 f"/feeds/audio/{site.shown.slug}.mp3"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers
        assert response.headers["cache-control"].startswith("public")


def test_public_addresses_follow_the_request_without_a_public_url(tmp_path: Path) -> None:
    with _site(tmp_path, public_url=None) as site:
        body = site.api.client.get("/feeds/all.xml").text
    assert f"http://testserver/feeds/audio/{site.shown.slug}.mp3" in body


# --- rate limit ---------------------------------------------------------------------------


def test_public_routes_are_rate_limited_per_client(tmp_path: Path) -> None:
    with _site(tmp_path, public_requests_per_minute=5) as site:
        _rate_limited(site)


def _rate_limited(site: Site) -> None:
    client = site.api.client
    answers = [client.get("/feeds/all.xml").status_code for _ in range(5)]
    assert answers == [200] * 5
    refused = client.get("/nghe-lai")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "thử lại" in refused.json()["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 12
    # The operators' API is not braked by the public limit.
    assert client.get("/api/publications", headers=site.api.auth("operator")).status_code == 200


# --- the editors' API ---------------------------------------------------------------------


def test_editors_list_every_publication_with_its_state(site: Site) -> None:
    response = site.api.client.get("/api/publications", headers=site.api.auth("operator"))
    assert response.status_code == 200
    rows = {r["slug"]: r for r in response.json()}
    shown = rows[site.shown.slug]
    assert shown["public"] is True and shown["status"] == "published"
    assert shown["column"] == "Chuyển đổi số"
    assert shown["page_url"] == f"{PUBLIC_URL}/nghe-lai/{site.shown.slug}"
    assert rows[site.withdrawn.slug]["public"] is False
    assert rows[site.withdrawn.slug]["withdrawn_by"] == "bientap"
    assert rows[site.withdrawn.slug]["withdrawal_reason"] == "Sai số liệu"
    assert rows[site.failed.slug]["status"] == "failed" and rows[site.failed.slug]["error"]
    assert rows[site.expired.slug]["public"] is False  # published, but past the retention
    assert shown["aired_at"].endswith("+07:00")
    detail = site.api.client.get(
        f"/api/publications/{site.shown.id}", headers=site.api.auth("operator")
    ).json()
    assert detail["transcript"][0]["text"] == TEXT


def test_an_editor_withdraws_an_item_and_it_leaves_the_public_side(tmp_path: Path) -> None:
    with _site(tmp_path) as site:
        _withdraw(site)


def _withdraw(site: Site) -> None:
    client, shown = site.api.client, site.shown
    assert shown.slug in client.get("/feeds/all.xml").text
    response = client.post(
        f"/api/publications/{shown.id}/withdraw", json={"reason": "  Trùng bài  "},
        headers=site.api.auth("editor"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "withdrawn" and body["public"] is False
    assert body["withdrawn_by"] == "editor" and body["withdrawal_reason"] == "Trùng bài"
    assert shown.slug not in client.get("/feeds/all.xml").text
    assert shown.slug not in client.get("/nghe-lai").text
    assert client.get(f"/nghe-lai/{shown.slug}").status_code == 404
    assert client.get(f"/feeds/audio/{shown.slug}.mp3").status_code == 404
    assert not (site.api.settings.published_path / str(shown.audio_file)).exists()
    missing = client.post("/api/publications/424242/withdraw", headers=site.api.auth("editor"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
