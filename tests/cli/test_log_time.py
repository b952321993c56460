"""Server log lines carry the station's time (settings.timezone), whatever the PC's zone."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcast.logging_setup import LINE_FORMAT, StationTimeFormatter


def test_a_line_is_stamped_in_station_time_with_its_offset() -> None:
    record = logging.LogRecord("broadcast.station", logging.ERROR, __file__, 1, "lỗi", None, None)
    record.created = datetime(2026, 8, 2, 23, 0, 1, 250_000, tzinfo=UTC).timestamp()
    record.msecs = 250.0
    line = StationTimeFormatter(LINE_FORMAT, ZoneInfo("Asia/Ho_Chi_Minh")).format(record)
    assert line == "2026-08-03 06:00:01.250+07:00 ERROR broadcast.station: lỗi"


def test_the_process_its_web_server_and_its_children_log_in_station_time(tmp_path: Path) -> None:
    """On a PC whose clock runs in UTC: the station's own lines, uvicorn's (which propagate to
    the station's handler) and a child process's (the audio engine logs with the C library's
    local time) all read 06:00 for 23:00 UTC."""
    probe = (
        "import logging, subprocess, sys\n"
        "from broadcast.logging_setup import configure_logging\n"
        "configure_logging('Asia/Ho_Chi_Minh')\n"
        "logging.getLogger('uvicorn.error').warning('máy chủ web')\n"
        "child = 'import time; print(time.strftime(\"%z\"), file=__import__(\"sys\").stderr)'\n"
        "subprocess.run([sys.executable, '-c', child], check=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "TZ": "UTC", "HOME": str(tmp_path)}, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    web, child = result.stderr.strip().splitlines()
    assert web.split(" ")[1].endswith("+07:00")
    assert web.endswith("WARNING uvicorn.error: máy chủ web")
    assert child == "+0700"
