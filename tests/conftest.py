"""Which tests are "on air": they listen to the shared virtual loudspeaker or measure timing
on air (the station's own end-to-end runs, the engine and sound-path tests, the service and the
real-station browser runs). `make test` (tools/run-tests.sh) runs them one at a time in one
pytest process, and everything else (pure logic, the API, the pages on a fake station) in a
second process beside it: the on-air tests never hear each other, and the machine's two cores
are both used.
"""

from __future__ import annotations

import pytest

ON_AIR_FOLDERS = ("tests/e2e/", "tests/service/", "tests/engine/")
ON_AIR_FILES = ("tests/browser/test_real_station.py", "tests/browser/test_real_publishing.py")
ON_AIR_FIXTURES = {"virtual_speaker", "recorder", "engine_speaker", "engine_recorder"}


def is_on_air(item: pytest.Item) -> bool:
    path = item.nodeid.split("::", 1)[0]
    return (
        path.startswith(ON_AIR_FOLDERS)
        or path in ON_AIR_FILES
        or item.get_closest_marker("soundpath") is not None
        or bool(ON_AIR_FIXTURES & set(getattr(item, "fixturenames", ())))
    )


def pytest_itemcollected(item: pytest.Item) -> None:
    # As each test is collected, before `-m on_air` / `-m "not on_air"` selects.
    if is_on_air(item):
        item.add_marker(pytest.mark.on_air)
