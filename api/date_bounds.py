"""The calendar range the API accepts for every date, date-time and month it is given.

A station's timetable, log and reports live in this century; a date outside it is a typing
mistake (or a probe) and would overflow when shifted between local time and UTC. Values out
of range fail validation with the error type ``date_out_of_range``, which ``api.errors``
answers with a 422 of that code and a Vietnamese message. The OpenAPI schema states the
range as a ``pattern`` on the year, so generated clients and fuzzers keep to it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
OUT_OF_RANGE = "date_out_of_range"
# Years 2000-2099, as a JSON Schema pattern (patterns match anywhere: anchored at the start).
_YEAR = "^20[0-9]{2}-"
MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
_MONTH_SHAPE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")

RANGE_TEXT = f"{EARLIEST:%d/%m/%Y} – {LATEST:%d/%m/%Y}"


def _out_of_range(value: object) -> PydanticCustomError:
    return PydanticCustomError(
        OUT_OF_RANGE,
        "{value} is outside {earliest} .. {latest}",
        {"value": str(value), "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
    )


def check_date(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise _out_of_range(value)
    return value


def check_datetime(value: dt.datetime) -> dt.datetime:
    # The date as written (local or with its own offset): within the range, any offset
    # keeps the instant far from datetime's limits.
    check_date(value.date())
    return value


def check_month(value: str) -> str:
    """``YYYY-MM`` within the range."""
    if not _MONTH_SHAPE.match(value):
        raise PydanticCustomError("string_pattern_mismatch", "expected YYYY-MM")
    year, month = (int(part) for part in value.split("-"))
    if not (EARLIEST.year, EARLIEST.month) <= (year, month) <= (LATEST.year, LATEST.month):
        raise _out_of_range(value)
    return value


def date_schema(format_: str, description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "format": format_,
        "pattern": _YEAR,
        "description": f"{description}, {EARLIEST.isoformat()} .. {LATEST.isoformat()}",
    }


StationDate = Annotated[
    dt.date, AfterValidator(check_date), WithJsonSchema(date_schema("date", "a date"))
]
StationDateTime = Annotated[
    dt.datetime,
    AfterValidator(check_datetime),
    WithJsonSchema(date_schema("date-time", "local time unless an offset is given")),
]
StationMonth = Annotated[
    str,
    AfterValidator(check_month),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "description": "YYYY-MM"}),
]
