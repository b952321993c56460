"""Bearer tokens: listed and revoked by an admin for anyone and by a user for their own;
a new password revokes the user's tokens unless asked not to."""

from __future__ import annotations

from tests.api.conftest import Api


def _me(api: Api, token: str) -> int:
    response = api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_a_password_reset_revokes_the_users_tokens_at_once(api: Api) -> None:
    old = api.tokens["editor"]
    assert _me(api, old) == 200  # known and cached by the API
    reset = api.client.put(
        "/api/users/editor/password",
        json={"password": "mat-khau-moi-rat-dai"},
        headers=api.auth("admin"),
    )
    assert reset.status_code == 200, reset.text
    assert reset.json() == {"ok": True, "tokens_revoked": 1}
    assert _me(api, old) == 401
    assert api.store.users.tokens("editor") == []
    assert _me(api, api.tokens["approver"]) == 200  # nobody else's


def test_a_reset_may_keep_the_tokens_when_asked(api: Api) -> None:
    reset = api.client.put(
        "/api/users/editor/password",
        json={"password": "mat-khau-moi-rat-dai", "keep_tokens": True},
        headers=api.auth("admin"),
    )
    assert reset.json()["tokens_revoked"] == 0
    assert _me(api, api.tokens["editor"]) == 200


def test_changing_ones_own_password_revokes_ones_own_tokens(api: Api) -> None:
    second = api.store.users.issue_token("operator", label="điện thoại")
    changed = api.client.put(
        "/api/users/operator/password",
        json={"password": "mat-khau-moi-rat-dai"},
        headers=api.auth("operator"),
    )
    assert changed.json()["tokens_revoked"] == 2
    assert _me(api, api.tokens["operator"]) == 401 and _me(api, second) == 401


def test_tokens_are_listed_without_their_secret(api: Api) -> None:
    api.store.users.issue_token("editor", label="máy biên tập")
    own = api.client.get("/api/users/editor/tokens", headers=api.auth("editor"))
    assert own.status_code == 200
    listed = own.json()
    assert [t["label"] for t in listed] == ["", "máy biên tập"]
    assert set(listed[0]) == {"id", "label", "created_at", "last_used_at"}
    assert listed[0]["last_used_at"] is not None  # the token making this call
    assert api.tokens["editor"] not in own.text
    by_admin = api.client.get("/api/users/editor/tokens", headers=api.auth("admin"))
    assert by_admin.json() == listed
    other = api.client.get("/api/users/approver/tokens", headers=api.auth("editor"))
    assert other.status_code == 403


def test_a_user_revokes_one_of_their_tokens(api: Api) -> None:
    phone = api.store.users.issue_token("editor", label="điện thoại")
    listed = api.client.get("/api/users/editor/tokens", headers=api.auth("editor")).json()
    phone_id = next(t["id"] for t in listed if t["label"] == "điện thoại")
    assert _me(api, phone) == 200
    revoked = api.client.delete(f"/api/users/editor/tokens/{phone_id}", headers=api.auth("editor"))
    assert revoked.status_code == 200 and revoked.json() == {"revoked": 1}
    assert _me(api, phone) == 401
    assert _me(api, api.tokens["editor"]) == 200
    again = api.client.delete(f"/api/users/editor/tokens/{phone_id}", headers=api.auth("editor"))
    assert again.status_code == 404


def test_nobody_but_an_admin_revokes_someone_elses_token(api: Api) -> None:
    approver_tokens = api.client.get("/api/users/approver/tokens", headers=api.auth("admin")).json()
    target = approver_tokens[0]["id"]
    refused = api.client.delete(f"/api/users/approver/tokens/{target}", headers=api.auth("editor"))
    assert refused.status_code == 403
    # Through one's own name, another user's token id is simply not found.
    sideways = api.client.delete(f"/api/users/editor/tokens/{target}", headers=api.auth("editor"))
    assert sideways.status_code == 404
    assert _me(api, api.tokens["approver"]) == 200
    by_admin = api.client.delete(f"/api/users/approver/tokens/{target}", headers=api.auth("admin"))
    assert by_admin.status_code == 200
    assert _me(api, api.tokens["approver"]) == 401


def test_revoke_all_and_issue_a_new_one(api: Api) -> None:
    api.store.users.issue_token("editor", label="cũ")
    gone = api.client.delete("/api/users/editor/tokens", headers=api.auth("admin"))
    assert gone.json() == {"revoked": 2}
    assert _me(api, api.tokens["editor"]) == 401
    issued = api.client.post(
        "/api/users/editor/tokens", json={"label": "máy tích hợp"}, headers=api.auth("admin")
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["label"] == "máy tích hợp" and _me(api, body["token"]) == 200
    own = api.client.post(
        "/api/users/editor/tokens",
        json={"label": "tự cấp"},
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert own.status_code == 201
    refused = api.client.post(
        "/api/users/approver/tokens", json={}, headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert refused.status_code == 403
