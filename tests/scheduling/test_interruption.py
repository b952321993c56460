"""The one priority rule."""

from __future__ import annotations

import pytest

from broadcast.scheduling.interruption import takes_the_air
from broadcast.scheduling.model import Priority

N, P, E = Priority.NORMAL, Priority.PRIORITY, Priority.EMERGENCY


@pytest.mark.parametrize("incoming", [N, P, E])
def test_anything_starts_on_a_free_air(incoming: Priority) -> None:
    assert takes_the_air(incoming, None)


@pytest.mark.parametrize(("incoming", "on_air"), [(P, N), (E, N), (E, P)])
def test_a_higher_priority_takes_the_air(incoming: Priority, on_air: Priority) -> None:
    assert takes_the_air(incoming, on_air)


@pytest.mark.parametrize(
    ("incoming", "on_air"), [(N, N), (P, P), (E, E), (N, P), (N, E), (P, E)]
)
def test_an_equal_or_lower_priority_waits(incoming: Priority, on_air: Priority) -> None:
    assert not takes_the_air(incoming, on_air)
