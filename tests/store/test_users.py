from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, select

from broadcast.errors import StoreError
from broadcast.store import Role, Store
from broadcast.store.passwords import hash_token

T0 = datetime(2025, 8, 1, 1, 0, tzinfo=UTC)


def _every_stored_value(store: Store) -> list[str]:
    metadata = MetaData()
    metadata.reflect(store.engine)
    values: list[str] = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                values.extend(str(v) for v in row)
    return values


def test_create_users_with_roles(store: Store) -> None:
    admin = store.users.create("quan-tri", "admin", now=T0)
    assert (admin.name, admin.role, admin.has_password, admin.created_at) == (
        "quan-tri",
        Role.ADMIN,
        False,
        T0,
    )
    store.users.create("duyet", Role.APPROVER)
    assert [u.name for u in store.users.list()] == ["duyet", "quan-tri"]
    assert store.users.count() == 2
    assert store.users.set_role("duyet", "editor").role is Role.EDITOR
    with pytest.raises(StoreError) as duplicate:
        store.users.create("duyet", "operator")
    assert duplicate.value.code == "duplicate_id"
    with pytest.raises(StoreError) as bad_role:
        store.users.create("x", "superuser")
    assert bad_role.value.code == "invalid_role"
    with pytest.raises(StoreError) as missing:
        store.users.get("khong-co")
    assert missing.value.code == "not_found"


def test_a_token_is_returned_once_and_only_its_hash_is_stored(store: Store) -> None:
    store.users.create("van-hanh", "operator")
    token = store.users.issue_token("van-hanh", label="điện thoại", now=T0)
    assert len(token) > 40
    stored = _every_stored_value(store)
    assert not any(token in value for value in stored)
    assert hash_token(token) in stored
    user = store.users.user_for_token(token, now=T0)
    assert user is not None and user.name == "van-hanh" and user.role is Role.OPERATOR
    assert store.users.user_for_token(token + "x") is None
    assert store.users.user_for_token("") is None


def test_token_last_use_is_recorded_at_a_coarse_resolution(store: Store) -> None:
    store.users.create("a", "editor")
    token = store.users.issue_token("a", now=T0)
    assert store.users.tokens("a")[0].last_used_at is None
    store.users.user_for_token(token, now=T0 + timedelta(seconds=5))
    store.users.user_for_token(token, now=T0 + timedelta(seconds=30))
    assert store.users.tokens("a")[0].last_used_at == T0 + timedelta(seconds=5)
    store.users.user_for_token(token, now=T0 + timedelta(minutes=2))
    assert store.users.tokens("a")[0].last_used_at == T0 + timedelta(minutes=2)


def test_revoking_tokens(store: Store) -> None:
    store.users.create("a", "editor")
    first = store.users.issue_token("a")
    second = store.users.issue_token("a")
    [info, _] = store.users.tokens("a")
    assert store.users.revoke_token(info.id)
    assert store.users.user_for_token(first) is None
    assert store.users.user_for_token(second) is not None
    assert store.users.revoke_all_tokens("a") == 1
    assert store.users.user_for_token(second) is None


def test_a_new_password_can_revoke_the_tokens_in_the_same_transaction(store: Store) -> None:
    store.users.create("a", "editor", password="mat-khau-cu-1")
    store.users.create("b", "editor")
    tokens = [store.users.issue_token("a"), store.users.issue_token("a")]
    other = store.users.issue_token("b")
    assert store.users.set_password("a", "mat-khau-moi-1") == 0
    assert all(store.users.user_for_token(t) is not None for t in tokens)
    assert store.users.set_password("a", "mat-khau-moi-2", revoke_tokens=True) == 2
    assert all(store.users.user_for_token(t) is None for t in tokens)
    assert store.users.user_for_token(other) is not None
    assert store.users.verify_password("a", "mat-khau-moi-2") is not None
    with pytest.raises(StoreError):  # too short: neither the password nor the tokens change
        store.users.set_password("b", "ngan", revoke_tokens=True)
    assert store.users.user_for_token(other) is not None


def test_a_token_is_revoked_only_through_its_owner(store: Store) -> None:
    store.users.create("a", "editor")
    store.users.create("b", "editor")
    store.users.issue_token("a")
    b_token = store.users.issue_token("b")
    [b_info] = store.users.tokens("b")
    assert not store.users.revoke_user_token("a", b_info.id)
    assert store.users.user_for_token(b_token) is not None
    assert store.users.revoke_user_token("b", b_info.id)
    assert store.users.user_for_token(b_token) is None


def test_a_given_bootstrap_token_is_stored_hashed_and_idempotently(store: Store) -> None:
    store.users.create("admin", "admin")
    bootstrap = "bootstrap-token-for-tests-0123456789"
    store.users.add_token("admin", bootstrap, label="bootstrap")
    store.users.add_token("admin", bootstrap, label="bootstrap")
    assert len(store.users.tokens("admin")) == 1
    assert bootstrap not in _every_stored_value(store)
    assert store.users.user_for_token(bootstrap) is not None
    with pytest.raises(StoreError) as short:
        store.users.add_token("admin", "short")
    assert short.value.code == "token_too_short"


def test_passwords_are_hashed_and_verified(store: Store) -> None:
    store.users.create("duyet", "approver", password="mật-khẩu-dài")
    assert store.users.get("duyet").has_password
    assert not any("mật-khẩu-dài" in v for v in _every_stored_value(store))
    assert store.users.verify_password("duyet", "mật-khẩu-dài") is not None
    assert store.users.verify_password("duyet", "mật-khẩu-dà") is None
    assert store.users.verify_password("khong-co", "mật-khẩu-dài") is None
    store.users.set_password("duyet", "khác-hẳn-rồi")
    assert store.users.verify_password("duyet", "mật-khẩu-dài") is None
    assert store.users.verify_password("duyet", "khác-hẳn-rồi") is not None
    with pytest.raises(StoreError) as short:
        store.users.set_password("duyet", "ngắn")
    assert short.value.code == "password_too_short"


def test_a_user_without_a_password_cannot_log_in_with_one(store: Store) -> None:
    store.users.create("api", "operator")
    assert store.users.verify_password("api", "") is None
    assert store.users.verify_password("api", "anything-at-all") is None


def test_deleting_a_user_revokes_their_tokens(store: Store) -> None:
    store.users.create("a", "editor")
    token = store.users.issue_token("a")
    store.users.delete("a")
    assert store.users.user_for_token(token) is None
    assert store.users.find("a") is None


def test_names_are_case_insensitive(store: Store) -> None:
    store.users.create("Lan", "editor", password="mat-khau-cua-lan")
    with pytest.raises(StoreError) as caught:
        store.users.create("LAN", "admin")
    assert caught.value.code == "duplicate_id"
    assert "«Lan»" in caught.value.message and "chữ hoa" in caught.value.message
    assert [u.name for u in store.users.list()] == ["Lan"]  # kept as typed
    assert store.users.get("lan").name == "Lan"
    assert store.users.verify_password("LAN", "mat-khau-cua-lan") is not None
    store.users.create("Đạt", "editor")
    with pytest.raises(StoreError):
        store.users.create("ĐẠT", "editor")  # beyond ASCII too
