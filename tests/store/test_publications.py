"""The publications table on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadcast.errors import StoreError
from broadcast.store import Store
from broadcast.store.publications import TranscriptPart

T = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def add(store: Store, as_run_id: int, *, topic: str = "cds", aired: datetime = T,
        slug: str = "2026-12-01-1300-cds", status: str = "published"):
    return store.publications.add(
        as_run_id=as_run_id, slug=slug, status=status,  # type: ignore[arg-type]
        topic=topic, program_id="cds", program_title="Chuyển đổi số",
        title="Chuyển đổi số — 13:00 ngày 01/12/2026", aired_at=aired, aired_seconds=61.5,
        render_id=4, audio_file=f"{as_run_id}.mp3", audio_bytes=1000, duration_seconds=61.4,
        transcript=[TranscriptPart("Bài một", "Kính thưa bà con.", 1, 2)],
    )


def test_a_publication_round_trips(store: Store) -> None:
    item = add(store, 1)
    again = store.publications.get(item.id)
    assert again == item
    assert store.publications.by_slug("2026-12-01-1300-cds") == item
    assert again.aired_at == T and again.transcript == (
        TranscriptPart("Bài một", "Kính thưa bà con.", 1, 2),
    )
    assert len(again.guid) == 36 and again.status == "published"


def test_slugs_are_made_unique_and_an_entry_is_published_once(store: Store) -> None:
    first, second, third = (add(store, n) for n in (1, 2, 3))
    assert [first.slug, second.slug, third.slug] == [
        "2026-12-01-1300-cds", "2026-12-01-1300-cds-2", "2026-12-01-1300-cds-3",
    ]
    assert len({first.guid, second.guid, third.guid}) == 3
    with pytest.raises(StoreError) as caught:
        add(store, 1, slug="other")
    assert caught.value.code == "duplicate_entry"


def test_only_published_items_within_the_retention_are_public(store: Store) -> None:
    fresh = add(store, 1, aired=T)
    old = add(store, 2, aired=T - timedelta(days=10), slug="old")
    add(store, 3, status="failed", slug="failed")
    other = add(store, 4, topic="tin", slug="tin", aired=T + timedelta(hours=1))
    withdrawn = add(store, 5, slug="withdrawn")
    store.publications.withdraw(withdrawn.id, by="bientap")
    since = T - timedelta(days=5)
    assert [i.id for i in store.publications.public(since=since)] == [other.id, fresh.id]
    assert store.publications.count_public(since=since) == 2
    assert [i.id for i in store.publications.public(since=since, topics=["cds"])] == [fresh.id]
    day = store.publications.public(
        since=T - timedelta(days=30), aired_from=T - timedelta(days=11),
        aired_until=T - timedelta(days=9),
    )
    assert [i.id for i in day] == [old.id]
    assert store.publications.public_topics(since=since) == ["cds", "tin"]
    assert len(store.publications.list()) == 5
    assert [i.id for i in store.publications.list(status="withdrawn")] == [withdrawn.id]


def test_withdrawing_twice_keeps_the_first_withdrawal(store: Store) -> None:
    item = add(store, 1)
    first = store.publications.withdraw(item.id, by="a", reason="Sai tên", now=T)
    again = store.publications.withdraw(item.id, by="b", now=T + timedelta(hours=1))
    assert again == first and again.withdrawn_by == "a" and again.withdrawn_at == T
    with pytest.raises(StoreError) as caught:
        store.publications.withdraw(999, by="a")
    assert caught.value.code == "not_found"


def test_expire_marks_old_published_items_and_returns_them(store: Store) -> None:
    old = add(store, 1, aired=T - timedelta(days=3), slug="old")
    add(store, 2, aired=T, slug="new")
    gone = add(store, 3, aired=T - timedelta(days=3), slug="gone")
    store.publications.withdraw(gone.id, by="a")
    expired = store.publications.expire(before=T - timedelta(days=1))
    assert [i.id for i in expired] == [old.id]
    assert store.publications.get(old.id).status == "expired"
    assert store.publications.audio_files() == {"2.mp3"}
    assert store.publications.as_run_ids(T - timedelta(days=5)) == {1, 2, 3}
