"""What the alert rules look at and what they decide: plain data, no I/O.

Kinds are open-ended strings: the station's own checks use the ones below, and any other
part (e.g. a cluster of village loudspeakers) can report a :class:`Condition` of its own
kind with its own Vietnamese wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

# Kinds the station raises itself.
SCHEDULER_STOPPED = "scheduler_stopped"
SOUND_DEVICE_MISSING = "sound_device_missing"
DATABASE_UNREACHABLE = "database_unreachable"
TTS_UNAVAILABLE = "tts_unavailable"
DISK_LOW = "disk_low"
VOICE_FALLBACK = "voice_fallback"
BROADCAST_FAILED = "broadcast_failed"
BROADCAST_FALLBACK = "broadcast_fallback"
# Reported by other parts through a Condition (named here so wording can be shared).
BACKUP_FAILED = "backup_failed"
CLUSTER_UNREACHABLE = "cluster_unreachable"

BROADCAST_KEY_PREFIX = "broadcast:"


@dataclass(frozen=True)
class HealthObservation:
    """The station's health report (``broadcast.station.control.Health``), as seen here."""

    scheduler_running: bool
    sound_device: str | None
    sound_device_error: str | None
    database: bool
    engines: Mapping[str, bool]


@dataclass(frozen=True)
class DiskObservation:
    path: str
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class BroadcastObservation:
    """One finished as-run entry.

    ``note``: what aired instead of the planned audio, and why (the as-run entry's note, e.g.
    the last approved render standing in for an edit not yet approved); None when the plan
    aired as it was."""

    entry_id: int
    slot_id: str | None
    program_title: str
    scheduled_start: datetime
    outcome: str
    error: str | None
    engines: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Condition:
    """A problem some part of the station watches: open while ``active``.

    ``summary``/``detail`` are the Vietnamese text sent when it opens, ``recovery`` when
    it clears."""

    key: str
    kind: str
    active: bool
    summary: str = ""
    detail: str = ""
    recovery: str = ""


@dataclass(frozen=True)
class Observation:
    """Everything one check saw. ``health``/``disk`` are None when they could not be read
    (then the alerts that depend on them stay as they are)."""

    health: HealthObservation | None = None
    disk: DiskObservation | None = None
    broadcasts: Sequence[BroadcastObservation] = ()
    conditions: Sequence[Condition] = ()


@dataclass(frozen=True)
class Thresholds:
    disk_min_free_percent: float = 10.0
    disk_min_free_bytes: int = 1024**3
    primary_engine: str | None = None  # the first engine of the chain: others are fallbacks


@dataclass(frozen=True)
class AlertState:
    """An alert the store knows: open (``closed_at`` None) or closed."""

    key: str
    kind: str
    opened_at: datetime
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Opening:
    key: str
    kind: str
    summary: str
    detail: str = ""


@dataclass(frozen=True)
class Closing:
    key: str
    kind: str
    summary: str  # what the person reads: the recovery


@dataclass
class AlertChanges:
    opened: list[Opening] = field(default_factory=list)
    closed: list[Closing] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.opened or self.closed)
