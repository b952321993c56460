from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadcast.errors import StoreError
from broadcast.programs import Program, Segment
from broadcast.store import Store
from broadcast.store.scripts import RevisionChanged

T0 = datetime(2025, 8, 1, 1, 0, tzinfo=UTC)


def test_create_starts_a_draft_at_revision_one(store: Store) -> None:
    created = store.scripts.create(
        title="Chuyển đổi số", text="Bà con lưu ý.", topic="chuyen-doi-so", by="bien-tap", now=T0
    )
    got = store.scripts.get(created.id)
    assert got == created
    assert (got.status, got.revision, got.approved_by, got.created_by) == (
        "draft",
        1,
        None,
        "bien-tap",
    )
    assert got.created_at == T0
    [first] = store.scripts.revisions(created.id)
    assert (first.number, first.text, first.edited_by) == (1, "Bà con lưu ý.", "bien-tap")


def test_every_edit_keeps_the_previous_revision(store: Store) -> None:
    script = store.scripts.create(title="Tin", text="một", now=T0)
    store.scripts.update(script.id, text="hai", by="a", now=T0 + timedelta(minutes=1))
    latest = store.scripts.update(
        script.id, title="Tin mới", voice="vi", by="b", now=T0 + timedelta(minutes=2)
    )
    assert (latest.revision, latest.text, latest.title, latest.voice) == (3, "hai", "Tin mới", "vi")
    assert latest.updated_at == T0 + timedelta(minutes=2)
    history = store.scripts.revisions(script.id)
    assert [(r.number, r.title, r.text, r.edited_by) for r in history] == [
        (1, "Tin", "một", None),
        (2, "Tin", "hai", "a"),
        (3, "Tin mới", "hai", "b"),
    ]
    assert store.scripts.revision(script.id, 1).text == "một"


def test_approval_records_who_and_when_and_editing_sends_it_back_to_draft(store: Store) -> None:
    script = store.scripts.create(title="Tin", text="một", now=T0)
    approved = store.scripts.approve(script.id, by="lanh-dao", now=T0 + timedelta(hours=1))
    assert approved.approved
    assert (approved.approved_by, approved.approved_at, approved.approved_revision) == (
        "lanh-dao",
        T0 + timedelta(hours=1),
        1,
    )
    edited = store.scripts.update(script.id, text="hai", by="bien-tap")
    assert edited.status == "draft"
    assert (edited.approved_by, edited.approved_at, edited.approved_revision) == (None, None, None)
    assert store.scripts.get(script.id).status == "draft"
    # The approved revision keeps its approval on record.
    first, second = store.scripts.revisions(script.id)
    assert (first.approved_by, first.approved_at) == ("lanh-dao", T0 + timedelta(hours=1))
    assert second.approved_by is None


def test_approval_of_a_revision_that_is_no_longer_current_is_refused(store: Store) -> None:
    script = store.scripts.create(title="Tin", text="một", now=T0)
    store.scripts.update(script.id, text="hai, sửa sau khi lãnh đạo đọc", by="bien-tap")
    with pytest.raises(RevisionChanged) as caught:
        store.scripts.approve(script.id, by="lanh-dao", revision=1)
    assert caught.value.code == "revision_changed"
    assert (caught.value.read_revision, caught.value.current_revision) == (1, 2)
    assert "bản sửa số 1" in caught.value.message and "số 2" in caught.value.message
    assert store.scripts.get(script.id).status == "draft"
    assert [r.approved_by for r in store.scripts.revisions(script.id)] == [None, None]
    approved = store.scripts.approve(script.id, by="lanh-dao", revision=2)
    assert (approved.status, approved.approved_revision) == ("approved", 2)


def test_an_edit_that_changes_nothing_keeps_the_approval(store: Store) -> None:
    script = store.scripts.create(title="Tin", text="một", topic="a", now=T0)
    store.scripts.approve(script.id, by="lanh-dao", now=T0)
    same = store.scripts.update(script.id, text="một", topic="a")
    assert same.approved and same.revision == 1
    assert len(store.scripts.revisions(script.id)) == 1


def test_list_filters_by_status_and_topic(store: Store) -> None:
    a = store.scripts.create(title="A", text="a", topic="cds", now=T0)
    b = store.scripts.create(title="B", text="b", topic="nong-nghiep", now=T0)
    store.scripts.approve(b.id, by="x", now=T0)
    assert [s.id for s in store.scripts.list()] == [a.id, b.id]
    assert [s.id for s in store.scripts.list(status="approved")] == [b.id]
    assert [s.id for s in store.scripts.list(topic="cds")] == [a.id]
    assert store.scripts.count() == 2


def test_missing_script_is_not_found(store: Store) -> None:
    for call in (
        lambda: store.scripts.get(999),
        lambda: store.scripts.update(999, text="x"),
        lambda: store.scripts.approve(999, by="x"),
        lambda: store.scripts.delete(999),
        lambda: store.scripts.revision(999, 1),
    ):
        with pytest.raises(StoreError) as caught:
            call()
        assert caught.value.code == "not_found"


def test_delete_removes_the_script_and_its_revisions(store: Store) -> None:
    script = store.scripts.create(title="A", text="a", now=T0)
    store.scripts.update(script.id, text="b")
    store.scripts.delete(script.id)
    with pytest.raises(StoreError):
        store.scripts.get(script.id)
    with pytest.raises(StoreError):
        store.scripts.revisions(script.id)


def test_a_script_used_by_a_program_cannot_be_deleted(store: Store) -> None:
    script = store.scripts.create(title="A", text="a", now=T0)
    store.programs.create(
        Program(id="sang", title="Sáng", segments=(Segment.stored_script(script.id),))
    )
    with pytest.raises(StoreError) as caught:
        store.scripts.delete(script.id)
    assert caught.value.code == "script_in_use"
    assert "sang" in caught.value.message
    assert store.scripts.get(script.id).id == script.id
