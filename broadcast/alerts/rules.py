"""The alert rules: from what one check observed and the alerts already known, which alerts
open and which close. A pure function of its inputs (it never reads the clock).

- Conditions (the scheduler, the sound device, the database, the voices, the disk, the
  voice fallback, and any condition another part reports) open an alert when they become
  active and close it, with a recovery message, when they clear.
- A broadcast that failed, was missed, was cut by a crash, or aired a stand-in opens one
  alert of its own (key ``broadcast:<entry id>``), never twice; it closes when a later
  broadcast airs normally.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo

from broadcast.alerts import model as m
from broadcast.alerts import wording

OK_OUTCOMES = frozenset({"aired", "late"})
FAILED_OUTCOMES = frozenset({"failed", "missed"})


def evaluate(
    observation: m.Observation,
    known: Sequence[m.AlertState],
    thresholds: m.Thresholds,
    tz: tzinfo,
) -> m.AlertChanges:
    """The alerts to open and to close after ``observation``. ``known`` holds every open
    alert and any closed one whose key the observation mentions."""
    open_keys = {a.key: a for a in known if a.is_open}
    ever = {a.key for a in known}
    changes = m.AlertChanges()
    for condition in conditions_of(observation, thresholds):
        if condition.active and condition.key not in open_keys:
            changes.opened.append(
                m.Opening(condition.key, condition.kind, condition.summary, condition.detail)
            )
        elif not condition.active and condition.key in open_keys:
            changes.closed.append(m.Closing(condition.key, condition.kind, condition.recovery))
    broadcasts = sorted(observation.broadcasts, key=lambda b: b.entry_id)
    for broadcast in broadcasts:
        opening = broadcast_problem(broadcast, tz)
        key = broadcast_key(broadcast.entry_id)
        if opening is not None and key not in ever:
            changes.opened.append(opening)
            ever.add(key)
    recovered = [b for b in broadcasts if is_normal(b)]
    if recovered:
        newest = recovered[-1]
        still_open = [a for a in open_keys.values() if a.key.startswith(m.BROADCAST_KEY_PREFIX)]
        opened_now = [o for o in changes.opened if o.key.startswith(m.BROADCAST_KEY_PREFIX)]
        for key, kind in [(a.key, a.kind) for a in still_open] + [
            (o.key, o.kind) for o in opened_now
        ]:
            if _entry_id(key) < newest.entry_id:
                changes.closed.append(m.Closing(key, kind, wording.broadcast_recovered(newest, tz)))
    return changes


def conditions_of(
    observation: m.Observation, thresholds: m.Thresholds
) -> list[m.Condition]:
    """Every condition this observation can judge (active or clear). One it cannot judge
    (no health report, no new broadcast) is left out, so its alert stays as it is."""
    found: list[m.Condition] = []
    health = observation.health
    if health is not None:
        found.append(wording.scheduler_condition(health))
        found.append(wording.sound_device_condition(health))
        found.append(wording.database_condition(health))
        if health.engines:
            found.append(wording.tts_condition(health))
    disk = observation.disk
    if disk is not None and disk.total_bytes > 0:
        percent = 100.0 * disk.free_bytes / disk.total_bytes
        low = (
            percent < thresholds.disk_min_free_percent
            or disk.free_bytes < thresholds.disk_min_free_bytes
        )
        found.append(wording.disk_condition(disk, low, percent))
    voice = voice_condition(observation.broadcasts, thresholds.primary_engine)
    if voice is not None:
        found.append(voice)
    found.extend(observation.conditions)
    return found


def voice_condition(
    broadcasts: Iterable[m.BroadcastObservation], primary: str | None
) -> m.Condition | None:
    """Whether the newest broadcast that was heard used a fallback voice (not the first
    engine of the chain); None when no broadcast was heard in this check."""
    if primary is None:
        return None
    heard = [b for b in broadcasts if b.engines and b.outcome in OK_OUTCOMES | {"interrupted"}]
    if not heard:
        return None
    newest = max(heard, key=lambda b: b.entry_id)
    return wording.voice_condition(newest, primary, active=primary not in newest.engines)


def broadcast_problem(b: m.BroadcastObservation, tz: tzinfo) -> m.Opening | None:
    key = broadcast_key(b.entry_id)
    if b.outcome in FAILED_OUTCOMES or (b.outcome == "interrupted" and b.error):
        summary, detail = wording.broadcast_failed(b, tz)
        return m.Opening(key, m.BROADCAST_FAILED, summary, detail)
    if b.note:
        summary, detail = wording.broadcast_fallback(b, tz)
        return m.Opening(key, m.BROADCAST_FALLBACK, summary, detail)
    return None


def is_normal(b: m.BroadcastObservation) -> bool:
    return b.outcome in OK_OUTCOMES and not b.note


def broadcast_key(entry_id: int) -> str:
    return f"{m.BROADCAST_KEY_PREFIX}{entry_id}"


def _entry_id(key: str) -> int:
    try:
        return int(key[len(m.BROADCAST_KEY_PREFIX):])
    except ValueError:
        return -1

