"""Web-page login: session cookie flags, CSRF, hashed passwords, logout, guessing brake."""

from __future__ import annotations

from sqlalchemy import text

from tests.api.conftest import PASSWORD, Api


def login(api: Api, name: str = "editor", password: str = PASSWORD) -> dict[str, str]:
    api.store.users.set_password(name, PASSWORD)
    response = api.client.post("/api/session", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_login_sets_an_httponly_samesite_cookie(api: Api) -> None:
    api.store.users.set_password("editor", PASSWORD)
    response = api.client.post("/api/session", json={"name": "editor", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["role"] == "editor"
    assert len(response.json()["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("loa_session=")
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags
    assert "samesite=strict" in flags
    assert "path=/" in flags
    me = api.client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["name"] == "editor" and me.json()["auth"] == "session"


def test_wrong_password_is_401_and_sets_no_cookie(api: Api) -> None:
    api.store.users.set_password("editor", PASSWORD)
    response = api.client.post("/api/session", json={"name": "editor", "password": "sai-roi-123"})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"
    assert "set-cookie" not in response.headers
    unknown = api.client.post("/api/session", json={"name": "ai-do", "password": PASSWORD})
    assert unknown.status_code == 401
    assert api.client.get("/api/me").status_code == 401


def test_cookie_mutation_needs_the_csrf_header(api: Api) -> None:
    session = login(api)
    body = {"title": "Tin", "text": "Xin chào bà con.", "topic": "t"}
    refused = api.client.post("/api/scripts", json=body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    wrong = api.client.post("/api/scripts", json=body, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    assert api.store.scripts.count() == 0
    accepted = api.client.post(
        "/api/scripts", json=body, headers={"X-CSRF-Token": session["csrf_token"]}
    )
    assert accepted.status_code == 201
    # Reads need no CSRF token.
    assert api.client.get("/api/scripts").status_code == 200


def test_session_role_checks_still_apply(api: Api) -> None:
    session = login(api, "operator")
    response = api.client.post(
        "/api/scripts",
        json={"title": "Tin", "text": "Xin chào.", "topic": "t"},
        headers={"X-CSRF-Token": session["csrf_token"]},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_bearer_calls_need_no_csrf(api: Api) -> None:
    response = api.client.post(
        "/api/scripts",
        json={"title": "Tin", "text": "Xin chào.", "topic": "t"},
        headers=api.auth("editor"),
    )
    assert response.status_code == 201


def test_logout_ends_the_session(api: Api) -> None:
    session = login(api)
    assert api.client.delete("/api/session").status_code == 403  # CSRF applies to logout too
    out = api.client.delete("/api/session", headers={"X-CSRF-Token": session["csrf_token"]})
    assert out.status_code == 200
    assert 'loa_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    api.client.cookies.clear()
    api.client.cookies.set("loa_session", "stale")
    assert api.client.get("/api/me").status_code == 401


def test_passwords_are_stored_hashed_never_plain(api: Api) -> None:
    created = api.client.post(
        "/api/users",
        json={"name": "nga", "role": "editor", "password": "mot-mat-khau-rieng"},
        headers=api.auth("admin"),
    )
    assert created.status_code == 201
    token = created.json()["token"]
    with api.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE name='nga'")).scalar()
        dump = "\n".join(str(row) for row in conn.execute(text("SELECT * FROM users")))
        tokens = "\n".join(str(row) for row in conn.execute(text("SELECT * FROM user_tokens")))
    assert stored is not None and stored.startswith("scrypt$")
    assert "mot-mat-khau-rieng" not in dump
    assert token not in tokens
    me = api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "editor"
    ok = api.client.post("/api/session", json={"name": "nga", "password": "mot-mat-khau-rieng"})
    assert ok.status_code == 200


def test_repeated_failures_are_throttled(api: Api) -> None:
    api.store.users.set_password("editor", PASSWORD)
    for _ in range(5):
        bad = api.client.post("/api/session", json={"name": "editor", "password": "doan-bua-1"})
        assert bad.status_code == 401
    blocked = api.client.post("/api/session", json={"name": "editor", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_attempts"


def test_password_change_self_or_admin_only(api: Api) -> None:
    own = api.client.put(
        "/api/users/editor/password",
        json={"password": "mat-khau-moi-1", "keep_tokens": True},
        headers=api.auth("editor"),
    )
    assert own.status_code == 200
    assert own.json()["tokens_revoked"] == 0
    other = api.client.put(
        "/api/users/approver/password",
        json={"password": "mat-khau-moi-2"},
        headers=api.auth("editor"),
    )
    assert other.status_code == 403
    by_admin = api.client.put(
        "/api/users/approver/password",
        json={"password": "mat-khau-moi-3"},
        headers=api.auth("admin"),
    )
    assert by_admin.status_code == 200
    assert api.store.users.verify_password("approver", "mat-khau-moi-3") is not None
    short = api.client.put(
        "/api/users/editor/password", json={"password": "ngan"}, headers=api.auth("editor")
    )
    assert short.status_code == 422


def test_a_deleted_user_loses_session_and_token(api: Api) -> None:
    login(api, "operator")
    gone = api.client.delete("/api/users/operator", headers=api.auth("admin"))
    assert gone.status_code == 200
    assert api.client.get("/api/me").status_code == 401
    assert api.client.get("/api/me", headers=api.auth("operator")).status_code == 401


def test_disabling_an_account_ends_its_sessions_however_its_name_is_written(api: Api) -> None:
    login(api, "operator")
    assert api.client.get("/api/me").status_code == 200
    off = api.client.patch(
        "/api/users/OPERATOR", json={"disabled": True}, headers=api.auth("admin")
    )
    assert off.status_code == 200, off.text
    assert api.client.get("/api/me").status_code == 401
    # and a session that outlived the change (made outside the API) is refused too
    login(api, "approver")
    api.store.users.set_disabled("approver", True)
    api.app.state.loa.users.clear()  # what the user cache's TTL does, without waiting
    assert api.client.get("/api/me").status_code == 401


def test_an_admin_cannot_disable_themselves_by_writing_their_name_otherwise(api: Api) -> None:
    self_off = api.client.patch(
        "/api/users/Admin", json={"disabled": True}, headers=api.auth("admin")
    )
    assert self_off.status_code == 409 and self_off.json()["code"] == "cannot_change_self"


def test_user_cache_expires_and_clears() -> None:
    from datetime import UTC, datetime

    from api.sessions import UserCache
    from broadcast.store.users import Role, User

    now = [0.0]
    cache = UserCache(ttl=10.0, clock=lambda: now[0])
    user = User(1, "nga", Role.EDITOR, False, datetime.now(UTC))
    key = cache.token_key("loa_secret-token-value")
    assert "loa_secret" not in key
    cache.put(key, user)
    assert cache.get(key) == user
    now[0] = 10.5
    assert cache.get(key) is None  # a change made outside the API applies within the TTL
    cache.put(key, user)
    cache.clear()
    assert cache.get(key) is None


def test_token_revoked_outside_the_api_stops_working_after_the_ttl(api: Api) -> None:
    headers = api.auth("operator")
    assert api.client.get("/api/me", headers=headers).status_code == 200
    api.store.users.revoke_all_tokens("operator")
    api.app.state.loa.users.clear()  # what the TTL does, without waiting for it
    assert api.client.get("/api/me", headers=headers).status_code == 401


def test_user_names_are_case_insensitive(api: Api) -> None:
    twin = api.client.post(
        "/api/users", json={"name": "ADMIN", "role": "editor"}, headers=api.auth("admin")
    )
    assert twin.status_code == 409, twin.text
    assert twin.json()["code"] == "duplicate_id"
    assert "«admin»" in twin.json()["message"]
    assert [u["name"] for u in api.client.get("/api/users", headers=api.auth("admin")).json()] == [
        "admin", "approver", "editor", "operator"
    ]  # fmt: skip
    api.store.users.set_password("editor", PASSWORD)
    session = api.client.post("/api/session", json={"name": "Editor", "password": PASSWORD})
    assert session.status_code == 200
    assert session.json()["name"] == "editor"
