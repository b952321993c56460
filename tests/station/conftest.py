"""The station on the manual clock (tests/station/rig.py), shared by the tests here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from broadcast.settings import Settings
from tests.station.rig import Rig


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        engines=["fake"],
        grace_seconds=4.0,
        hook_lead_seconds=0.0,
        load_example_timetable=False,
    )


@pytest.fixture
def rig(settings: Settings, tmp_path: Path) -> Iterator[Rig]:
    built = Rig(settings, tmp_path)
    yield built
    built.close()
