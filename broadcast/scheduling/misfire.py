"""The misfire rule: whether an occurrence still plays when its start comes late.

- up to ``ON_TIME_TOLERANCE`` late (or early): on time, logged ``aired``;
- up to ``grace`` late (inclusive): still plays, logged ``late`` with the lateness;
- later than that: not played, logged ``missed``.

After a restart, every occurrence that fell due while the station was down goes through the
same rule (``missed_while_down``): none is silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.scheduling.localtime import require_aware
from broadcast.scheduling.model import Adjustment, Occurrence, Outcome, Slot
from broadcast.scheduling.recurrence import expand

ON_TIME_TOLERANCE = timedelta(seconds=1)
DEFAULT_GRACE = timedelta(minutes=5)

_TICK = timedelta(microseconds=1)


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


def missed_while_down(
    slots: Sequence[Slot],
    adjustments: Sequence[Adjustment],
    last_seen: datetime,
    now: datetime,
    tz: ZoneInfo,
    grace: timedelta = DEFAULT_GRACE,
    durations: Mapping[str, timedelta] | None = None,
) -> list[tuple[Occurrence, Outcome]]:
    """Occurrences due in ``(last_seen, now]`` and what to do with each, by start.

    ``skipped`` for skipped ones (log them), ``aired``/``late`` for those to play now (the
    caller plays them one after another, re-applying ``classify_start`` as each actually
    starts), ``missed`` for the rest. The caller drops occurrences the as-run log already has.
    """
    require_aware(last_seen, "last_seen")
    require_aware(now, "now")
    out: list[tuple[Occurrence, Outcome]] = []
    for occ in expand(slots, adjustments, last_seen + _TICK, now + _TICK, tz, durations):
        if occ.skipped:
            out.append((occ, Outcome.SKIPPED))
        else:
            out.append((occ, classify_start(occ.start, now, grace).outcome))
    return out
