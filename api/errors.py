"""Errors at the HTTP boundary: every error body is ``{"code", "message", ...extra}``.

``BroadcastError`` subclasses raised by the core are mapped to a status here, in one place;
``ApiError`` is raised by the API itself when it already knows the status.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.control_chars import CONTROL_CHARACTER
from api.date_bounds import OUT_OF_RANGE, RANGE_TEXT
from broadcast.errors import (
    BroadcastError,
    ClusterError,
    ConfigError,
    PlayoutError,
    RenderError,
    ScheduleConflict,
    ScheduleError,
    ScriptInputError,
    StoreError,
    TextError,
    TTSError,
)

log = logging.getLogger(__name__)


class ApiError(BroadcastError):
    """An error the API raises itself, with its HTTP status and optional extra fields."""

    code = "api_error"

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.headers = headers
        self.extra = extra


_STORE_STATUS = {
    "not_found": 404,
    "duplicate_id": 409,
    "duplicate_token": 409,
    "duplicate_entry": 409,
    "conflict": 409,
    "script_in_use": 409,
    "revision_changed": 409,
    "program_in_use": 409,
    "lexicon_entry_closed": 409,
    "db_unreachable": 503,
}
_SCRIPT_INPUT_STATUS = {"script_too_large": 413, "upload_too_large": 413}
# The air is taken (another live broadcast, an equal or higher priority): a conflict, not a
# fault of the sound path.
_PLAYOUT_STATUS = {"live_already": 409, "player_busy": 409}
_CLUSTER_STATUS = {"cluster_token_refused": 401, "not_found": 404, "cluster_in_use": 409,
                   "duplicate_id": 409, "broker_unavailable": 503}


def status_for(exc: BroadcastError) -> int:
    """The HTTP status of a core error (the one table of it)."""
    if isinstance(exc, ApiError):
        return exc.status
    if isinstance(exc, ScheduleConflict):
        return 409
    if isinstance(exc, ScheduleError | TextError):
        return 422
    if isinstance(exc, ScriptInputError):
        return _SCRIPT_INPUT_STATUS.get(exc.code, 422)
    if isinstance(exc, StoreError):
        return _STORE_STATUS.get(exc.code, 422)
    if isinstance(exc, RenderError | TTSError):
        return 502
    if isinstance(exc, PlayoutError):
        return _PLAYOUT_STATUS.get(exc.code, 503)
    if isinstance(exc, ClusterError):
        return _CLUSTER_STATUS.get(exc.code, 422)
    if isinstance(exc, ConfigError):
        return 500
    return 500


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **jsonable_encoder(extra)}


def _extra_fields(exc: BroadcastError) -> dict[str, Any]:
    if isinstance(exc, ApiError):
        return dict(exc.extra)
    extra: dict[str, Any] = dict(exc.details)
    # SlotClash (scheduling.conflicts) names the other slot and when they meet.
    for name in ("slot_id", "other_slot_id"):
        value = getattr(exc, name, None)
        if isinstance(value, str):
            extra[name] = value
    # RevisionChanged (store.scripts) says which revision is current.
    for name in ("current_revision", "read_revision"):
        number = getattr(exc, name, None)
        if isinstance(number, int):
            extra[name] = number
    clash_at = getattr(exc, "clash_at", None)
    if isinstance(clash_at, datetime):
        extra["clash_at"] = clash_at.isoformat()
    return extra


async def _broadcast_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BroadcastError)
    status = status_for(exc)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    headers = exc.headers if isinstance(exc, ApiError) else None
    return JSONResponse(
        error_body(exc.code, exc.message, **_extra_fields(exc)),
        status_code=status,
        headers=headers,
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path"))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        details.append(
            {
                "field": _field_path(err.get("loc", ())),
                "type": str(err.get("type", "")),
                "detail": str(err.get("msg", "")),
            }
        )
    fields = ", ".join(sorted({d["field"] for d in details if d["field"]}))
    control = next((e for e in exc.errors() if e.get("type") == CONTROL_CHARACTER), None)
    if control is not None:
        where = control.get("ctx", {})
        message = (
            f"Dữ liệu gửi lên có ký tự điều khiển {where.get('char', '')} (trường "
            f"«{where.get('field', fields)}», vị trí {where.get('position', '?')}); chỉ được "
            "dùng xuống dòng và tab. Hãy xoá ký tự đó (thường lẫn vào khi chép từ phần mềm "
            "khác) rồi gửi lại."
        )
        return JSONResponse(
            error_body(CONTROL_CHARACTER, message, errors=details), status_code=422
        )
    if details and all(d["type"] == OUT_OF_RANGE for d in details):
        message = f"Ngày nằm ngoài khoảng Loa nhận ({RANGE_TEXT})"
        message += f" (trường: {fields})." if fields else "."
        return JSONResponse(error_body(OUT_OF_RANGE, message, errors=details), status_code=422)
    message = "Dữ liệu gửi lên không hợp lệ"
    message += f" (trường: {fields})." if fields else "."
    return JSONResponse(error_body("invalid_request", message, errors=details), status_code=422)


_HTTP_CODES = {
    404: ("not_found", "Không tìm thấy địa chỉ này."),
    405: ("method_not_allowed", "Địa chỉ này không nhận thao tác này."),
    415: ("unsupported_media_type", "Kiểu dữ liệu gửi lên không được hỗ trợ."),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # A body that cannot even be decoded: the same answer as any other invalid request.
        return JSONResponse(
            error_body("invalid_request", "Không đọc được dữ liệu gửi lên.", errors=[]),
            status_code=422,
        )
    code, message = _HTTP_CODES.get(
        exc.status_code, ("http_error", "Yêu cầu không thực hiện được.")
    )
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("internal_error", "Lỗi không mong đợi trong máy chủ; xem nhật ký của đài."),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BroadcastError, _broadcast_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
