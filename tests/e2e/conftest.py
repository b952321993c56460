from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.station_server import StationServer
from tests.soundpath import VirtualSpeaker


@pytest.fixture(scope="session")
def speaker() -> VirtualSpeaker:
    # Fails (never skips) when the virtual loudspeaker cannot start: CI installs it.
    return VirtualSpeaker.start()


@pytest.fixture
def server(tmp_path: Path, speaker: VirtualSpeaker) -> Iterator[StationServer]:
    station = StationServer(tmp_path, speaker).start()
    try:
        yield station
    finally:
        station.stop()
