"""First start: make sure someone can log in."""

from __future__ import annotations

from broadcast.settings import Settings
from broadcast.store.store import Store

ADMIN_NAME = "admin"


def ensure_admin(store: Store, settings: Settings) -> str | None:
    """With no users yet, create user ``admin`` (role admin) with a bearer token taken from
    ``BROADCAST_BOOTSTRAP_TOKEN`` (``settings.bootstrap_token``) or made at random, and return
    the plaintext token so the caller prints it once. ``None`` when users already exist."""
    if store.users.count() > 0:
        return None
    store.users.create(ADMIN_NAME, "admin")
    if settings.bootstrap_token:
        store.users.add_token(ADMIN_NAME, settings.bootstrap_token, label="bootstrap")
        return settings.bootstrap_token
    return store.users.issue_token(ADMIN_NAME, label="bootstrap")
