"""What to do when an occurrence falls due while another one may be on air (pure).

What an operator expects:
- nothing on air: start it;
- a higher priority comes in (an emergency announcement over a normal program): fade the
  current one out over ``FADE_OUT_SECONDS``, log it ``interrupted``, start the new one;
- a lower or equal priority comes in (the morning column falls due during an emergency
  announcement, or a program overruns into the next one): the current one plays to its end,
  the incoming one waits; when the air is free it starts if still within the grace window
  (``start_when_free``, the misfire rule), otherwise it is logged ``missed``;
- a skipped occurrence never touches the air: it is only logged ``skipped``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from broadcast.scheduling.misfire import DEFAULT_GRACE, StartDecision, classify_start
from broadcast.scheduling.model import Occurrence

FADE_OUT_SECONDS = 0.5


class Action(enum.StrEnum):
    START = "start"
    INTERRUPT = "interrupt"
    QUEUE = "queue"
    SKIP = "skip"


@dataclass(frozen=True)
class Decision:
    """``interrupted``: the occurrence to fade out (``fade_out_seconds``) and log interrupted."""

    action: Action
    incoming: Occurrence
    interrupted: Occurrence | None = None
    fade_out_seconds: float = 0.0


def decide(current: Occurrence | None, incoming: Occurrence) -> Decision:
    """Decide for ``incoming``, given what is on air now (``current``, or None)."""
    if incoming.skipped:
        return Decision(Action.SKIP, incoming)
    if current is None:
        return Decision(Action.START, incoming)
    if incoming.priority > current.priority:
        return Decision(Action.INTERRUPT, incoming, current, FADE_OUT_SECONDS)
    return Decision(Action.QUEUE, incoming)


def queue_order(queued: Sequence[Occurrence]) -> list[Occurrence]:
    """The order in which waiting occurrences get the air: higher priority, then earlier."""
    return sorted(queued, key=lambda o: (-o.priority, o.start, o.slot_id))


def start_when_free(
    queued: Occurrence, now: datetime, grace: timedelta = DEFAULT_GRACE
) -> StartDecision:
    """For an occurrence that waited (``QUEUE``), once the air is free at ``now``."""
    return classify_start(queued.start, now, grace)
