"""Alerts that reach a person: rules (pure), notifiers (e-mail, webhook), the monitor.

The station calls ``AlertMonitor.check(now)`` periodically; see :mod:`.monitor`.
"""

from broadcast.alerts.model import (
    AlertChanges,
    AlertState,
    BroadcastObservation,
    Closing,
    Condition,
    DiskObservation,
    HealthObservation,
    Observation,
    Opening,
    Thresholds,
)
from broadcast.alerts.monitor import AlertMonitor, CheckResult, notifiers_from_settings
from broadcast.alerts.notifier import Notifier
from broadcast.alerts.rules import evaluate
from broadcast.alerts.wording import AlertMessage, Event, StationIdentity, compose

__all__ = [
    "AlertChanges",
    "AlertMessage",
    "AlertMonitor",
    "AlertState",
    "BroadcastObservation",
    "CheckResult",
    "Closing",
    "Condition",
    "DiskObservation",
    "Event",
    "HealthObservation",
    "Notifier",
    "Observation",
    "Opening",
    "StationIdentity",
    "Thresholds",
    "compose",
    "evaluate",
    "notifiers_from_settings",
]
