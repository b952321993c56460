"""The publishing job on a real store (SQLite) with real WAVs, ffmpeg and ffprobe."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from broadcast.clock import ManualClock
from broadcast.publishing import Publisher
from broadcast.scheduling.model import Outcome
from broadcast.settings import Settings
from broadcast.store.store import Store, open_store
from tests.publishing.helpers import TZ, air

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=TZ)
MORNING = datetime(2026, 12, 1, 6, 0, tzinfo=TZ)
CDS = "chuyen-doi-so"
TEXT_V1 = (
    "Kính thưa bà con.\n\nTừ ngày 1 tháng 12, bà con có thể nộp hồ sơ trực tuyến "
    "tại nhà văn hóa thôn."
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, load_example_timetable=False, publish_topics=[CDS],
        public_name="Đài truyền thanh xã An Bình",
    )


@pytest.fixture
def store(settings: Settings, clock: ManualClock) -> Iterator[Store]:
    opened = open_store(settings.db_url, clock=clock)
    yield opened
    opened.close()


def ffprobe(path: Path) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


def test_an_aired_programme_is_published_as_a_tagged_mono_mp3(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    aired = air(store, tmp_path / "renders", program_id="cds-sang", title="Chuyển đổi số",
                topic=CDS, texts=[("Dịch vụ công", TEXT_V1)], start=MORNING, seconds=4.0)
    report = Publisher(settings, store).run()
    [item] = report.published
    assert (report.failed, report.expired) == ([], [])
    assert item.status == "published" and item.as_run_id == aired.entry.id
    assert item.title == "Chuyển đổi số — 06:00 ngày 01/12/2026"
    assert item.slug == "2026-12-01-0600-cds-sang"
    mp3 = settings.published_path / str(item.audio_file)
    assert mp3.stat().st_size == item.audio_bytes
    probed = ffprobe(mp3)
    [stream] = probed["streams"]
    assert stream["codec_name"] == "mp3" and stream["channels"] == 1
    assert int(stream["sample_rate"]) == 44_100
    assert 56_000 <= int(probed["format"]["bit_rate"]) <= 72_000  # ~64 kbps
    assert abs(float(probed["format"]["duration"]) - 4.0) < 0.1
    assert item.duration_seconds == pytest.approx(4.0, abs=0.1)
    tags = probed["format"]["tags"]
    assert tags["title"] == item.title
    assert tags["artist"] == "Đài truyền thanh xã An Bình"
    assert tags["album"] == "Chuyển đổi số"
    assert tags["date"] == "2026-12-01"  # ID3v2.3: TYER 2026 + TDAT 0112, read back whole
    assert mp3.read_bytes()[:3] == b"ID3" and mp3.read_bytes()[-128:][:3] == b"TAG"  # v2 + v1


def test_the_transcript_is_the_text_at_the_revision_that_aired(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    aired = air(store, tmp_path / "renders", program_id="cds-sang", title="Chuyển đổi số",
                topic=CDS, texts=[("Dịch vụ công", TEXT_V1), ("Cảnh giác", "Không đưa mã OTP.")],
                start=MORNING)
    # Edited after it aired: the listener must read what was heard, not the new text.
    store.scripts.update(aired.script_ids[0], text="Nội dung mới, chưa phát.", by="bientap")
    [item] = Publisher(settings, store).run().published
    assert [(p.title, p.text, p.revision) for p in item.transcript] == [
        ("Dịch vụ công", TEXT_V1, 1), ("Cảnh giác", "Không đưa mã OTP.", 1),
    ]
    assert "Nội dung mới" not in item.text
    assert item.text.startswith("Kính thưa bà con.")


def test_only_whole_airings_of_published_columns_are_published(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "renders"
    published = air(store, folder, program_id="cds", title="CĐS", topic=CDS,
                    texts=[("a", "Một.")], start=MORNING)
    late = air(store, folder, program_id="cds-2", title="CĐS 2", topic=CDS,
               texts=[("b", "Hai.")], start=MORNING + timedelta(minutes=5), lateness=40,
               outcome=Outcome.LATE)
    air(store, folder, program_id="cds-3", title="CĐS 3", topic=CDS, texts=[("c", "Ba.")],
        start=MORNING + timedelta(minutes=10), outcome=Outcome.INTERRUPTED)
    air(store, folder, program_id="tin", title="Tin", topic="thong-tin-chung",
        texts=[("d", "Bốn.")], start=MORNING + timedelta(minutes=15))
    air(store, folder, program_id="khan", title="Khẩn", topic=CDS, texts=[("e", "Năm.")],
        start=MORNING + timedelta(minutes=20), announcement_id=7)
    air(store, folder, program_id="cds-4", title="CĐS 4", topic=CDS, texts=[("f", "Sáu.")],
        start=MORNING + timedelta(minutes=25), cluster="thon-1")
    report = Publisher(settings, store).run()
    assert sorted(i.as_run_id for i in report.published) == sorted(
        [published.entry.id, late.entry.id]
    )
    # Run again: nothing new, nothing twice.
    assert Publisher(settings, store).run().published == []


def test_announcements_are_published_only_when_asked(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    aired = air(store, tmp_path / "r", program_id="khan", title="Khẩn", topic=CDS,
                texts=[("e", "Bão số ba.")], start=MORNING, announcement_id=3)
    assert Publisher(settings, store).run().published == []
    asking = settings.model_copy(update={"publish_announcements": True})
    [item] = Publisher(asking, store).run().published
    assert item.as_run_id == aired.entry.id and item.announcement


def test_every_column_with_a_star(store: Store, settings: Settings, tmp_path: Path) -> None:
    air(store, tmp_path / "r", program_id="tin", title="Tin", topic="thong-tin-chung",
        texts=[("d", "Bốn.")], start=MORNING)
    every = settings.model_copy(update={"publish_topics": ["*"]})
    assert [i.topic for i in Publisher(every, store).run().published] == ["thong-tin-chung"]


def test_nothing_is_published_when_no_column_is_opted_in(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    air(store, tmp_path / "r", program_id="cds", title="CĐS", topic=CDS,
        texts=[("a", "Một.")], start=MORNING)
    none = settings.model_copy(update={"publish_topics": []})
    assert Publisher(none, store).run().published == []
    assert not settings.published_path.exists() or not any(settings.published_path.iterdir())


def test_a_missing_render_is_recorded_failed_once_with_the_reason(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    aired = air(store, tmp_path / "r", program_id="cds", title="CĐS", topic=CDS,
                texts=[("a", "Một.")], start=MORNING)
    aired.wav.unlink()  # e.g. `broadcast cache prune` ran before the publisher
    report = Publisher(settings, store).run()
    [failed] = report.failed
    assert report.published == []
    assert failed.status == "failed" and "Không còn tệp âm thanh" in str(failed.error)
    assert failed.transcript and failed.transcript[0].text == "Một."
    assert Publisher(settings, store).run().failed == []  # not tried again every minute
    assert store.publications.public(since=NOW - timedelta(days=90)) == []


def test_withdrawal_takes_the_item_down_and_deletes_its_mp3(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    air(store, tmp_path / "r", program_id="cds", title="CĐS", topic=CDS,
        texts=[("a", "Một.")], start=MORNING)
    publisher = Publisher(settings, store)
    [item] = publisher.run().published
    mp3 = settings.published_path / str(item.audio_file)
    assert mp3.is_file() and publisher.audio_path(item) == mp3
    withdrawn = publisher.withdraw(item.id, by="bientap", reason="Sai số liệu")
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_by == "bientap"
    assert withdrawn.withdrawal_reason == "Sai số liệu" and withdrawn.withdrawn_at == NOW
    assert not mp3.exists()
    assert publisher.audio_path(withdrawn) is None
    assert store.publications.public(since=NOW - timedelta(days=90)) == []
    assert publisher.run().published == []  # never published again by the job


def test_items_past_the_retention_expire_and_lose_their_file(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    short = settings.model_copy(update={"publish_retention_days": 2})
    air(store, tmp_path / "r", program_id="cds", title="CĐS", topic=CDS,
        texts=[("a", "Một.")], start=MORNING)
    publisher = Publisher(short, store)
    [item] = publisher.run().published
    clock.set(MORNING + timedelta(days=2, seconds=-1))
    assert publisher.run().expired == []
    assert [i.id for i in store.publications.public(since=clock.now() - timedelta(days=2))] == [
        item.id
    ]
    clock.set(MORNING + timedelta(days=2, seconds=1))
    [expired] = publisher.run().expired
    assert expired.id == item.id and expired.status == "expired"
    assert not (short.published_path / str(item.audio_file)).exists()


def test_entries_older_than_the_retention_are_not_published_late(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    air(store, tmp_path / "r", program_id="cds", title="CĐS", topic=CDS,
        texts=[("a", "Một.")], start=NOW - timedelta(days=91))
    assert Publisher(settings, store).run().published == []
