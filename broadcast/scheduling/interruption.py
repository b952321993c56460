"""The one priority rule: what may take the air from what (pure).

What an operator expects:
- nothing on air: the incoming program starts;
- a higher priority comes in (an emergency announcement over a normal program): the current
  one fades out (the player's fade) and is logged ``interrupted``; the new one starts;
- a lower or equal priority comes in (the morning column falls due during an emergency
  announcement, or a program overruns into the next one): the current one plays to its end and
  the incoming one waits; when the air is free it starts if still within the grace window
  (the misfire rule, ``misfire.classify_start``), otherwise it is logged ``missed``.

The player applies this rule when asked to play; the station applies it when deciding whether
an airing waits.
"""

from __future__ import annotations

from broadcast.scheduling.model import Priority


def takes_the_air(incoming: Priority, on_air: Priority | None) -> bool:
    """Whether a program of priority ``incoming`` starts now, given the priority of what is
    on air (``None``: nothing). False means it waits for the air to be free."""
    return on_air is None or incoming > on_air
