"""How `make test` spreads the suite over the machine's two cores (pytest-xdist).

The tests that listen to the shared virtual loudspeaker, or measure timing on air (the
station's own end-to-end runs, the engine and sound-path tests, the service and the real-station
browser runs), form one group that runs on one worker, one test after another: they never hear
each other, and what they measure is never shared with a second airing. Everything else (pure
logic, the API, the pages on a fake station) runs beside them on the other worker.
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if is_on_air(item):
            item.add_marker(pytest.mark.xdist_group("on-air"))
