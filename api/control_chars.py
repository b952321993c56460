"""Control characters in what clients send: refused, except tab and line breaks.

A NUL byte cannot be stored in PostgreSQL (psycopg ``DataError``: a 500) and no control
character belongs in a script, a title or a name; lone surrogates cannot even be encoded.
Request bodies are checked by the ``Strict`` base model (``api.schemas``), whose JSON schema
states the rule as a ``pattern`` on every free string; URLs under ``/api`` by
``api.request_guards``. The error type ``control_character`` is answered by ``api.errors``
with a 422 of that code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic_core import PydanticCustomError

CONTROL_CHARACTER = "control_character"
# C0 and C1 controls except tab, LF and CR; DEL; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same rule for the OpenAPI schema (surrogates cannot be written in a JSON Schema pattern).
JSON_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
# Fields never stored as they are (hashed), where any character may be typed.
_EXEMPT = frozenset({"password"})


def first_control(text: str) -> tuple[int, str] | None:
    """Position and character of the first forbidden character in ``text``, if any."""
    found = _FORBIDDEN.search(text)
    return None if found is None else (found.start(), found.group())


def describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key in _EXEMPT:
                continue
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))


def refuse_control_characters(data: Any) -> None:
    """Raise a ``control_character`` validation error for the first string in ``data`` (a
    decoded JSON body: dicts, lists, strings) that holds a forbidden character."""
    for path, text in _strings(data, ""):
        found = first_control(text)
        if found is not None:
            position, char = found
            raise PydanticCustomError(
                CONTROL_CHARACTER,
                "control character {char} in {field} at position {position}",
                {"char": describe(char), "field": path or "body", "position": position},
            )


def state_in_schema(schema: dict[str, Any], *_: Any) -> None:
    """``json_schema_extra`` of request models: give every free string property the pattern
    that leaves control characters out."""
    for name, prop in schema.get("properties", {}).items():
        if name in _EXEMPT:
            continue
        for variant in [prop, *prop.get("anyOf", [])]:
            if (
                variant.get("type") == "string"
                and "pattern" not in variant
                and "format" not in variant
                and "enum" not in variant
                and "const" not in variant
            ):
                variant["pattern"] = JSON_PATTERN
