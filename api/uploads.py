"""Reading a multipart upload with its size limit enforced while the bytes arrive.

The uploaded file is kept in memory (the limit is a few tens of MB) and its client-side name
is only ever shown in messages, after being reduced to a harmless base name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.control_chars import CONTROL_CHARACTER, describe, first_control
from api.errors import ApiError

MAX_FIELD_BYTES = 4096
MAX_FIELDS = 10
# Room for the multipart framing and the small text fields besides the file.
_FRAMING_ALLOWANCE = MAX_FIELDS * MAX_FIELD_BYTES + 16_384
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


@dataclass
class Upload:
    data: bytes
    display_name: str  # safe to show; never a path
    fields: dict[str, str] = field(default_factory=dict)


def too_large(max_bytes: int) -> ApiError:
    mb = max_bytes / (1024 * 1024)
    return ApiError(
        413,
        f"Tệp tải lên quá lớn; tối đa {mb:.1f} MB.".replace(".", ","),
        code="upload_too_large",
        max_bytes=max_bytes,
    )


def _bad_form(detail: str) -> ApiError:
    return ApiError(422, f"Dữ liệu tải lên không hợp lệ: {detail}.", code="invalid_upload")


def display_name(raw: str) -> str:
    """The last component of a client's file name, without control or reserved characters."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip().lstrip(".")
    return name[:120] or "tep-tai-len"


class _Collector:
    def __init__(self, file_field: str, max_file_bytes: int) -> None:
        self.file_field = file_field
        self.max_file_bytes = max_file_bytes
        self.fields: dict[str, str] = {}
        self.file: bytearray | None = None
        self.file_name = ""
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._is_file = False
        self._buffer = bytearray()

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._buffer = bytearray()
        self._is_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        raw_name = options.get(b"name")
        if raw_name is None:
            raise _bad_form("thiếu tên trường")
        self._name = raw_name.decode("utf-8", "replace")
        if self._name == self.file_field:
            if self.file is not None:
                raise _bad_form("chỉ được gửi một tệp")
            self._is_file = True
            self.file = bytearray()
            self.file_name = options.get(b"filename", b"").decode("utf-8", "replace")
        elif len(self.fields) >= MAX_FIELDS:
            raise _bad_form("quá nhiều trường")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            assert self.file is not None
            self.file += data[start:end]
            if len(self.file) > self.max_file_bytes:
                raise too_large(self.max_file_bytes)
        else:
            self._buffer += data[start:end]
            if len(self._buffer) > MAX_FIELD_BYTES:
                raise _bad_form(f"trường «{self._name}» quá dài")

    def on_part_end(self) -> None:
        if not self._is_file:
            value = unicodedata.normalize("NFC", self._buffer.decode("utf-8", "replace"))
            found = first_control(value)
            if found is not None:
                raise ApiError(
                    422,
                    f"Trường «{self._name}» có ký tự điều khiển {describe(found[1])}; chỉ được "
                    "dùng chữ, dấu câu, xuống dòng và tab.",
                    code=CONTROL_CHARACTER,
                )
            self.fields[self._name] = value


async def read_upload(request: Request, *, max_file_bytes: int, file_field: str = "file") -> Upload:
    """Parse a ``multipart/form-data`` body with one file part; ``upload_too_large`` (413) as
    soon as the file passes ``max_file_bytes``, before the rest is read."""
    content_type = request.headers.get("content-type", "")
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise _bad_form("cần gửi dạng multipart/form-data có tệp trong trường «file»")
    declared = request.headers.get("content-length")
    limit = max_file_bytes + _FRAMING_ALLOWANCE
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(max_file_bytes)
    collector = _Collector(file_field, max_file_bytes)
    parser = MultipartParser(boundary, collector.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise too_large(max_file_bytes)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise _bad_form("không đọc được dữ liệu multipart") from exc
    if collector.file is None:
        raise _bad_form("thiếu tệp trong trường «file»")
    if not collector.file:
        raise ApiError(422, "Tệp tải lên rỗng.", code="upload_empty")
    return Upload(bytes(collector.file), display_name(collector.file_name), collector.fields)


def multipart_body(fields: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    """``openapi_extra`` describing a multipart body with a binary ``file`` part."""
    properties: dict[str, Any] = {"file": {"type": "string", "format": "binary"}, **fields}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": properties,
                        "required": ["file", *required],
                    }
                }
            },
        }
    }
