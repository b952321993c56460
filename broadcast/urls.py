"""Showing a URL that may carry a password (in an error message, a log line) without it."""

from __future__ import annotations


def without_password(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part replaced by ``***``, even
    when the rest of it is malformed (that is when it ends up in an error message)."""
    if "@" not in url:
        return url
    credentials, host = url.rsplit("@", 1)
    start = credentials.find("//") + 2 if "//" in credentials else 0
    user, colon, _password = credentials[start:].partition(":")
    if not colon:
        return url
    return f"{credentials[:start]}{user}:***@{host}"
