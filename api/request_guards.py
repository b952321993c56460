"""Checks and headers that apply to every request, before any route sees it.

- A URL with a control character in its path or query (``?topic=%00``) is refused with 422
  ``control_character`` under ``/api`` and on the public pages (``/nghe-lai``, ``/feeds``):
  such a value has no meaning there, and a NUL byte would reach the database (a 500 on
  PostgreSQL). The editors' pages read no such value from the URL but ``next`` after login,
  which ``safe_next`` already keeps on this server: a crafted link still shows the login page.
  The OpenAPI schema states it as a ``pattern`` on free string parameters (``with_url_rule``).
- Every response carries ``X-Content-Type-Options: nosniff``, so that a browser never reads
  a JSON answer (or a downloaded file) as something else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.control_chars import CONTROL_CHARACTER, JSON_PATTERN
from api.errors import error_body

NOSNIFF = ("X-Content-Type-Options", "nosniff")
_URL_CONTROLS = frozenset(range(0x20)) | {0x7F}
_GUARDED_PATHS = ("/api/", "/nghe-lai", "/feeds/")


def _control_in_url(scope: Scope) -> bool:
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "replace")
    query = scope.get("query_string", b"")
    return any(
        byte in _URL_CONTROLS for part in (path, query) for byte in unquote_to_bytes(part)
    )


class RequestGuards:
    """Pure ASGI middleware (no body buffering, works with streaming uploads)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path", "").startswith(_GUARDED_PATHS) and _control_in_url(scope):
            response = JSONResponse(
                error_body(
                    CONTROL_CHARACTER,
                    "Địa chỉ gửi lên có ký tự điều khiển (ví dụ %00, %0A); hãy kiểm tra lại "
                    "đường dẫn và các tham số.",
                ),
                status_code=422,
                headers=dict([NOSNIFF]),
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if NOSNIFF[0] not in headers:
                    headers.append(*NOSNIFF)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _free_strings(schema: dict[str, Any]) -> list[dict[str, Any]]:
    variants = [schema, *schema.get("anyOf", [])]
    return [
        v
        for v in variants
        if v.get("type") == "string" and not {"pattern", "format", "enum", "const"} & v.keys()
    ]


def with_url_rule(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap ``app.openapi``: path and query parameters under /api that are free strings get
    the pattern that leaves control characters out."""

    def openapi() -> dict[str, Any]:
        spec = build()
        for path, operations in spec.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") in ("path", "query"):
                        for variant in _free_strings(parameter.get("schema", {})):
                            variant["pattern"] = JSON_PATTERN
        return spec

    return openapi
