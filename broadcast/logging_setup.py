"""Log lines of the station's processes, stamped in the station's time zone.

A station PC often keeps its system clock in UTC while the station runs on Vietnam's time: a
maintainer reading "23:00:01 ERROR … failed" for the 06:00 bulletin is misled. Every line
carries the station's local time with its offset ("2026-08-03 06:00:00.123+07:00").
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from zoneinfo import ZoneInfo

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StationTimeFormatter(logging.Formatter):
    """A formatter whose ``%(asctime)s`` is the record's instant in ``tz``, with the offset."""

    def __init__(self, fmt: str, tz: ZoneInfo) -> None:
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, self.tz)
        if datefmt:
            return moment.strftime(datefmt)
        return moment.isoformat(sep=" ", timespec="milliseconds")


def configure_logging(timezone: str, level: int = logging.INFO) -> None:
    """Log to stderr in station time, for this process and the ones it starts.

    Child processes (the audio engine, a relay feeder) stamp their own lines with the C
    library's local time: ``TZ`` in the environment they inherit makes that the station's.
    Other loggers (uvicorn's included, when it is not given a logging config of its own)
    propagate to the root handler installed here."""
    tz = ZoneInfo(timezone)
    handler = logging.StreamHandler()
    handler.setFormatter(StationTimeFormatter(LINE_FORMAT, tz))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    os.environ["TZ"] = timezone
