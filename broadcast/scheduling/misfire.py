"""The misfire rule: whether an occurrence still plays when its start comes late.

- up to ``ON_TIME_TOLERANCE`` late (or early): on time, logged ``aired``;
- up to ``grace`` late (inclusive): still plays, logged ``late`` with the lateness;
- later than that: not played, logged ``missed``.

After a restart, every airing that fell due while the station was down goes through the same
rule (``broadcast.station.planner.recovery``): none is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from broadcast.scheduling.localtime import require_aware
from broadcast.scheduling.model import Outcome

ON_TIME_TOLERANCE = timedelta(seconds=1)
DEFAULT_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class StartDecision:
    """``play``: start it now. ``outcome``: ``aired``, ``late`` or ``missed`` (to log).
    ``lateness``: now - scheduled (negative when early; the player then waits for the
    scheduled instant)."""

    play: bool
    outcome: Outcome
    lateness: timedelta


def classify_start(
    scheduled: datetime,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    tolerance: timedelta = ON_TIME_TOLERANCE,
) -> StartDecision:
    """Apply the misfire rule to an occurrence due at ``scheduled`` and starting at ``now``."""
    require_aware(scheduled, "scheduled")
    require_aware(now, "now")
    # In UTC: subtracting datetimes that share a zone gives the wall-clock difference.
    lateness = now.astimezone(UTC) - scheduled.astimezone(UTC)
    if lateness <= tolerance:
        return StartDecision(True, Outcome.AIRED, lateness)
    if lateness <= grace:
        return StartDecision(True, Outcome.LATE, lateness)
    return StartDecision(False, Outcome.MISSED, lateness)

