"""The pure parts of publishing: the policy, the wording, the feed, the rate limiter."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from api.ratelimit import RateLimiter, retry_after
from broadcast.publishing.feed import ITUNES, Channel, FeedItem, rss, transcript_html
from broadcast.publishing.policy import PublishPolicy, refusal
from broadcast.publishing.wording import (
    clock_duration,
    column_name,
    day_title,
    duration_text,
    excerpt,
    item_slug,
    paragraphs,
    slugify,
)
from broadcast.scheduling.model import Outcome, Priority
from broadcast.store.asrun import AsRunEntry
from broadcast.store.publications import TranscriptPart
from tests.publishing.helpers import TZ

T = datetime(2026, 12, 1, 6, 0, tzinfo=TZ)
ENTRY = AsRunEntry(
    id=1, slot_id="sang", program_id="cds", priority=Priority.NORMAL, scheduled_start=T,
    actual_start=T, end=T + timedelta(minutes=3), outcome=Outcome.AIRED, engines=("espeak",),
    error=None, lateness=None, topic="chuyen-doi-so", program_title="CĐS", render_id=5,
)
POLICY = PublishPolicy.of(["chuyen-doi-so"])


@pytest.mark.parametrize(
    "change,why",
    [
        ({}, None),
        ({"outcome": Outcome.LATE}, None),
        ({"outcome": Outcome.INTERRUPTED}, "not_aired_whole"),
        ({"outcome": Outcome.MISSED, "actual_start": None}, "not_aired_whole"),
        ({"outcome": Outcome.FAILED}, "not_aired_whole"),
        ({"outcome": Outcome.SKIPPED}, "not_aired_whole"),
        ({"outcome": None}, "not_aired_whole"),  # still on air
        ({"render_id": None}, "no_render"),
        ({"cluster": "thon-dong"}, "other_cluster"),
        ({"slot_id": None, "announcement_id": 4}, "announcement"),
        ({"topic": "thong-tin-chung"}, "column_not_published"),
        ({"topic": ""}, "column_not_published"),
    ],
)
def test_what_is_published(change: dict, why: str | None) -> None:
    assert refusal(replace(ENTRY, **change), POLICY) == why


def test_policy_options() -> None:
    every = PublishPolicy.of(["*"], announcements=True, retention_days=7)
    assert every.enabled and every.publishes_topic("") and every.publishes_topic("x")
    assert refusal(replace(ENTRY, slot_id=None, announcement_id=4), every) is None
    assert every.public_since(T) == T - timedelta(days=7)
    assert not PublishPolicy.of([]).enabled


def test_wording() -> None:
    assert slugify("Bản tin sáng — Đường làng") == "ban-tin-sang-duong-lang"
    assert item_slug("Tin Sáng", T) == "2026-12-01-0600-tin-sang"
    assert item_slug("***", T) == "2026-12-01-0600-chuong-trinh"
    assert duration_text(65.4) == "1 phút 5 giây" and duration_text(3600) == "1 giờ"
    assert duration_text(0.2) == "0 giây" and duration_text(None) == ""
    assert clock_duration(3725.6) == "1:02:06"
    assert day_title(date(2026, 12, 6)) == "Chủ nhật, 06/12/2026"
    assert column_name("cds", {"cds": "Chuyển đổi số"}) == "Chuyển đổi số"
    assert column_name("khac", {}) == "Khac" and column_name("", {}) == "Chương trình khác"
    assert column_name("chuyen-doi-so", {}) == "Chuyển đổi số"  # a known column of old data
    assert paragraphs("Một\ndòng.\n\n\n Hai. ") == ["Một dòng.", "Hai."]
    long = "Kính thưa bà con " * 30
    cut = excerpt(long, 50)
    assert cut.endswith("…") and len(cut) <= 51 and not cut[:-1].endswith(" ")


def test_the_transcript_html_is_escaped() -> None:
    parts = [TranscriptPart("A <b>", "x < y & z\n\nhai"), TranscriptPart("B", "ba")]
    assert transcript_html(parts) == (
        "<h3>A &lt;b&gt;</h3>\n<p>x &lt; y &amp; z</p>\n<p>hai</p>\n<h3>B</h3>\n<p>ba</p>"
    )
    assert transcript_html(parts[:1]) == "<p>x &lt; y &amp; z</p>\n<p>hai</p>"


def test_an_empty_feed_is_still_a_whole_channel() -> None:
    channel = Channel("Đài", "Mô tả", "https://x.vn/nghe-lai", "https://x.vn/feeds/all.xml",
                      "https://x.vn/feeds/cover.png", "Đài", "Đài", None, "Government")
    root = ET.fromstring(rss(channel, [], built=T))
    assert root.find("channel/item") is None
    assert root.find(f"channel/{{{ITUNES}}}owner/{{{ITUNES}}}email") is None  # not configured
    assert root.findtext("channel/lastBuildDate") == "Tue, 01 Dec 2026 06:00:00 +0700"
    item = FeedItem("urn:uuid:1", "T", "https://x.vn/nghe-lai/a", T.astimezone(UTC),
                    "https://x.vn/a.mp3", 10, 1.0, [], "C")
    with_item = ET.fromstring(rss(channel, [replace(item, published=T)], built=T))
    assert with_item.findtext("channel/item/pubDate") == "Tue, 01 Dec 2026 06:00:00 +0700"


def test_the_rate_limiter_allows_a_burst_then_refills_evenly() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.take("a") == 0.0 for _ in range(60))
    wait = limiter.take("a")
    assert wait == pytest.approx(1.0)  # one request a second at 60 a minute
    assert limiter.take("b") == 0.0  # others are not held up
    now[0] += 1.0
    assert limiter.take("a") == 0.0 and limiter.take("a") > 0
    assert retry_after(0.2) == "1" and retry_after(3.01) == "4"


def test_the_rate_limiter_forgets_the_oldest_clients() -> None:
    limiter = RateLimiter(1, clock=lambda: 0.0, max_clients=2)
    assert limiter.take("a") == 0.0 and limiter.take("b") == 0.0 and limiter.take("c") == 0.0
    assert limiter.take("a") == 0.0  # forgotten, so it starts afresh
    assert limiter.take("c") > 0
