from __future__ import annotations

from broadcast.store.passwords import hash_password, hash_token, new_token, verify_password


def test_the_same_password_hashes_differently_each_time() -> None:
    first, second = hash_password("một mật khẩu"), hash_password("một mật khẩu")
    assert first != second
    assert first.startswith("scrypt$")
    assert verify_password("một mật khẩu", first) and verify_password("một mật khẩu", second)


def test_malformed_or_foreign_hashes_do_not_verify() -> None:
    assert not verify_password("x", "not-a-hash")
    assert not verify_password("x", "bcrypt$1$2$3$4$5")
    assert not verify_password("x", None)


def test_tokens_are_random_and_hash_to_sha256_hex() -> None:
    a, b = new_token(), new_token()
    assert a != b and a.startswith("loa_")
    assert len(hash_token(a)) == 64 and hash_token(a) == hash_token(a) != hash_token(b)
