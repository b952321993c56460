"""Every API route against the role table: no credentials -> 401, a role without the right ->
403, a role with it -> neither. The routes come from the app itself, so a new route that is
not in the table (or that forgets its check) fails here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, routing

from api.auth import allowed_roles_of
from tests.api.conftest import ROLES, Api

ALL = frozenset(ROLES)
EDIT = frozenset({"admin", "approver", "editor"})
APPROVE = frozenset({"admin", "approver"})
ADMIN = frozenset({"admin"})
LIVE = frozenset({"admin", "approver", "operator"})  # the microphone: not the editor
PUBLIC = None  # no credentials needed
CLUSTER = frozenset({"cluster"})  # a speaker cluster's token, not a user's

EXPECTED: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/api/health"): PUBLIC,
    ("POST", "/api/session"): PUBLIC,
    ("GET", "/api/devices"): ALL,
    ("DELETE", "/api/session"): ALL,
    ("GET", "/api/me"): ALL,
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("PUT", "/api/users/{name}/password"): ALL,  # own password; others' checked in the handler
    ("DELETE", "/api/users/{name}"): ADMIN,
    # Tokens: an admin's for anyone, everyone else's own (checked in the handler).
    ("GET", "/api/users/{name}/tokens"): ALL,
    ("POST", "/api/users/{name}/tokens"): ALL,
    ("DELETE", "/api/users/{name}/tokens"): ALL,
    ("DELETE", "/api/users/{name}/tokens/{token_id}"): ALL,
    ("PATCH", "/api/users/{name}"): ADMIN,
    ("GET", "/api/columns"): ALL,
    ("POST", "/api/columns"): EDIT,
    ("PUT", "/api/columns/{column_id}"): EDIT,
    ("DELETE", "/api/columns/{column_id}"): EDIT,
    ("GET", "/api/scripts"): ALL,
    ("POST", "/api/scripts"): EDIT,
    ("POST", "/api/scripts/upload"): EDIT,
    ("GET", "/api/scripts/{script_id}"): ALL,
    ("PUT", "/api/scripts/{script_id}"): EDIT,
    ("DELETE", "/api/scripts/{script_id}"): EDIT,
    ("GET", "/api/scripts/{script_id}/revisions"): ALL,
    ("POST", "/api/scripts/{script_id}/approve"): APPROVE,
    ("GET", "/api/scripts/{script_id}/preview"): ALL,
    ("GET", "/api/scripts/{script_id}/audio"): ALL,
    ("GET", "/api/media"): ALL,
    ("POST", "/api/media"): EDIT,
    ("DELETE", "/api/media/{kind}/{name}"): EDIT,
    ("GET", "/api/media/{kind}/{name}/audio"): ALL,
    ("GET", "/api/programs"): ALL,
    ("POST", "/api/programs"): EDIT,
    ("GET", "/api/programs/{program_id}"): ALL,
    ("PUT", "/api/programs/{program_id}"): EDIT,
    ("DELETE", "/api/programs/{program_id}"): EDIT,
    ("GET", "/api/programs/{program_id}/audio"): ALL,
    ("POST", "/api/programs/{program_id}/import-scripts"): EDIT,
    ("GET", "/api/slots"): ALL,
    ("POST", "/api/slots"): EDIT,
    ("GET", "/api/slots/{slot_id}"): ALL,
    ("PUT", "/api/slots/{slot_id}"): EDIT,
    ("PATCH", "/api/slots/{slot_id}"): EDIT,
    ("DELETE", "/api/slots/{slot_id}"): EDIT,
    ("POST", "/api/slots/{slot_id}/pause"): EDIT,
    ("POST", "/api/slots/{slot_id}/resume"): EDIT,
    ("POST", "/api/slots/{slot_id}/skip"): EDIT,
    ("POST", "/api/slots/{slot_id}/move"): EDIT,
    ("GET", "/api/slots/{slot_id}/adjustments"): ALL,
    ("DELETE", "/api/slots/{slot_id}/adjustments"): EDIT,
    ("POST", "/api/slots/{slot_id}/replace"): EDIT,
    ("GET", "/api/timetable"): ALL,
    ("GET", "/api/timetable/warnings"): ALL,
    ("GET", "/api/now"): ALL,
    ("POST", "/api/onair/stop"): ALL,
    ("GET", "/api/announcements"): ALL,
    ("POST", "/api/announcements"): ALL,  # typed text: approvers only, checked in the handler
    ("DELETE", "/api/announcements/{announcement_id}"): ALL,
    ("GET", "/api/log"): ALL,
    ("GET", "/api/log/{entry_id}/audio"): ALL,
    ("GET", "/api/reports/airtime"): ALL,
    ("GET", "/api/reports/airtime.csv"): ALL,
    ("GET", "/api/voices"): ALL,
    ("POST", "/api/voices/{voice_id}/sample"): EDIT,
    ("GET", "/api/voices/providers"): ALL,
    ("PUT", "/api/voices/providers/{provider}/key"): ADMIN,
    ("DELETE", "/api/voices/providers/{provider}/key"): ADMIN,
    ("GET", "/api/voices/topics"): ALL,
    ("PUT", "/api/voices/topics/{topic}"): EDIT,
    ("DELETE", "/api/voices/topics/{topic}"): EDIT,
    ("GET", "/api/lexicon"): ALL,
    ("POST", "/api/lexicon"): EDIT,
    ("POST", "/api/lexicon/try"): EDIT,
    ("POST", "/api/lexicon/{entry_id}/approve"): APPROVE,
    ("POST", "/api/lexicon/{entry_id}/reject"): APPROVE,
    ("DELETE", "/api/lexicon/{entry_id}"): APPROVE,
    ("GET", "/api/scripts/{script_id}/recordings"): ALL,
    ("POST", "/api/scripts/{script_id}/recordings"): EDIT,
    ("GET", "/api/scripts/{script_id}/recordings/audio"): ALL,
    ("DELETE", "/api/scripts/{script_id}/recordings"): EDIT,
    ("GET", "/api/reports/airtime.xlsx"): ALL,
    ("GET", "/api/live"): ALL,
    ("POST", "/api/live"): LIVE,
    ("DELETE", "/api/live"): LIVE,
    ("POST", "/api/relay/check"): EDIT,
    ("GET", "/api/stream"): ALL,
    ("GET", "/api/publications"): ALL,
    ("GET", "/api/publications/{publication_id}"): ALL,
    ("POST", "/api/publications/{publication_id}/withdraw"): EDIT,
    ("GET", "/api/clusters"): ALL,
    ("POST", "/api/clusters"): ADMIN,
    ("DELETE", "/api/clusters/{cluster_id}"): ADMIN,
    ("GET", "/api/agent/time"): CLUSTER,
    ("GET", "/api/agent/audio/{sha256}"): CLUSTER,
    ("GET", "/api/agent/stream"): CLUSTER,
}

# Outside /api, a route either needs a login (a page: it sends the browser to the login page)
# or is listed here as public, on purpose. Anything published to the world is here.
PUBLIC_OUTSIDE_API: dict[str, str] = {
    "/dang-nhap": "the login page",
    "/openapi.json": "the API's schema",
    "/docs": "the API's documentation",
    "/nghe-lai": "published programmes, by column and date",
    "/nghe-lai/{slug}": "one published programme",
    "/nghe-lai/{slug}/nhung": "the embeddable player of one published programme",
    "/feeds/all.xml": "the podcast feed of every published column",
    "/feeds/{topic}.xml": "the podcast feed of one published column",
    "/feeds/audio/{slug}.mp3": "the MP3 of one published programme",
    "/feeds/cover.{extension}": "the station's public image",
}

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def route_entries(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) of every route, descending into included routers."""
    iterate = getattr(routing, "iter_route_contexts", None)
    routes = iterate(app.routes) if iterate is not None else app.routes
    for route in routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield method, str(route.path), route


def api_routes(app: FastAPI) -> dict[tuple[str, str], Any]:
    return {(m, p): r for m, p, r in route_entries(app) if p.startswith("/api")}


def fill(path: str, role: str) -> str:
    return (
        path.replace("{name}", role)
        .replace("{kind}", "jingle")
        .replace("{announcement_id}", "ann-x")
        .replace("{script_id}", "999")
        .replace("{program_id}", "khong-co")
        .replace("{slot_id}", "khong-co")
        .replace("{voice_id}", "khongco")
        .replace("{provider}", "fpt")
        .replace("{topic}", "chuyen-doi-so")
        .replace("{entry_id}", "999")
        .replace("{publication_id}", "999")
        .replace("{cluster_id}", "khong-co")
        .replace("{sha256}", "0" * 64)
    )


def test_every_api_route_is_in_the_table(shared_api: Api) -> None:
    found = set(api_routes(shared_api.app))
    assert found - set(EXPECTED) == set(), "routes missing from the auth table"
    assert set(EXPECTED) - found == set(), "table lists routes the app does not have"


def test_outside_api_only_pages_and_docs(shared_api: Api) -> None:
    others = [(m, p) for m, p, _ in route_entries(shared_api.app) if not p.startswith("/api")]
    assert others, "the web pages and the schema are served too"
    assert all(m == "GET" for m, _ in others), others


def test_outside_api_a_route_is_listed_public_or_sends_to_the_login(shared_api: Api) -> None:
    paths = {p for _, p, _ in route_entries(shared_api.app) if not p.startswith("/api")}
    assert set(PUBLIC_OUTSIDE_API) - paths == set(), "listed as public but not served"
    client = shared_api.client
    client.cookies.clear()
    for path in sorted(paths - set(PUBLIC_OUTSIDE_API)):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/dang-nhap?next="), path
    for path in sorted(PUBLIC_OUTSIDE_API):
        concrete = (
            path.replace("{slug}", "khong-co").replace("{topic}", "khong-co")
            .replace("{extension}", "png")
        )
        response = client.get(concrete, follow_redirects=False)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert "location" not in response.headers, path


def test_each_route_declares_exactly_its_roles(shared_api: Api) -> None:
    """The role table in api.auth is what each route declares with requires()."""
    for key, route in api_routes(shared_api.app).items():
        declared = [
            allowed_roles_of(dep.call)
            for dep in route.dependant.dependencies
            if dep.call is not None and allowed_roles_of(dep.call) is not None
        ]
        expected = EXPECTED[key]
        if expected is CLUSTER:
            assert declared == [], key
            assert any(
                getattr(dep.call, "cluster_token", False) for dep in route.dependant.dependencies
            ), key
        elif expected is PUBLIC:
            assert declared == [], key
        else:
            assert len(declared) == 1, key
            assert {r.value for r in declared[0] or ()} == set(expected), key


@pytest.mark.parametrize("method,path", sorted(EXPECTED))
def test_no_credentials_is_401_unless_public(shared_api: Api, method: str, path: str) -> None:
    response = shared_api.client.request(method, fill(path, "admin"))
    if EXPECTED[(method, path)] is PUBLIC:
        assert response.status_code != 401
    else:
        assert response.status_code == 401, response.text
        code = "cluster_token_refused" if EXPECTED[(method, path)] is CLUSTER else "unauthenticated"
        assert response.json()["code"] == code
        bad = shared_api.client.request(
            method, fill(path, "admin"), headers={"Authorization": "Bearer loa_not-a-token-xyz"}
        )
        assert bad.status_code == 401


@pytest.mark.parametrize("method,path", sorted(k for k, v in EXPECTED.items() if v is CLUSTER))
def test_cluster_routes_refuse_every_user_token(shared_api: Api, method: str, path: str) -> None:
    """Agents' routes take a cluster's token only: no user, not even an admin, gets in."""
    for role in ROLES:
        response = shared_api.client.request(
            method, fill(path, role), headers=shared_api.auth(role)
        )
        assert response.status_code == 401, (role, response.text)
        assert response.json()["code"] == "cluster_token_refused"


@pytest.mark.parametrize(
    "method,path", sorted(k for k, v in EXPECTED.items() if v not in (PUBLIC, CLUSTER))
)
def test_roles(shared_api: Api, method: str, path: str) -> None:
    allowed = EXPECTED[(method, path)]
    assert allowed is not None
    for role in ROLES:
        response = shared_api.client.request(
            method, fill(path, role), headers=shared_api.auth(role)
        )
        if not shared_api.store.users.tokens(role):  # the call revoked the caller's tokens
            shared_api.tokens[role] = shared_api.store.users.issue_token(role)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert method in MUTATING or path == "/api/users", "reads are open to every role"
            assert response.status_code == 403, (role, response.text)
            assert response.json()["code"] == "forbidden"
