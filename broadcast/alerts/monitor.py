"""The alert monitor: what the station calls periodically (``check(now)``).

One check observes the station (its health report, the free space of the data directory,
the as-run entries finished since the last check, and the conditions other parts report),
lets :func:`broadcast.alerts.rules.evaluate` decide which alerts open and close, records
that in the database, then hands every notifier the alerts it has not delivered yet, as one
message. A notifier that fails is retried after ``retry_after``; nothing is sent twice,
across restarts too (deliveries are recorded per alert, phase and notifier).
"""

from __future__ import annotations

import logging
import shutil
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.alerts import model as m
from broadcast.alerts.notifier import Notifier
from broadcast.alerts.rules import broadcast_key, evaluate
from broadcast.alerts.wording import Event, StationIdentity, compose
from broadcast.errors import AlertDeliveryError, ConfigError, StoreError
from broadcast.settings import Settings
from broadcast.store.asrun import AsRunEntry
from broadcast.store.store import Store
from broadcast.store.upkeep import AlertRecord, AlertRepo, ClearedAlert, MarkRepo, NewAlert

log = logging.getLogger(__name__)

CURSOR_MARK = "alerts.as_run_seen_id"
# How far back the as-run log is read: covers entries logged late (after a long outage).
AS_RUN_LOOKBACK = timedelta(days=8)
# Undelivered news older than this is not sent any more (e.g. a notifier set up later).
MAX_DELIVERY_AGE = timedelta(hours=24)
RETRY_AFTER = timedelta(minutes=5)

ConditionSource = Callable[[datetime], Iterable[m.Condition]]


@dataclass
class CheckResult:
    opened: list[m.Opening] = field(default_factory=list)
    closed: list[m.Closing] = field(default_factory=list)
    delivered: dict[str, int] = field(default_factory=dict)  # notifier -> events sent
    failures: dict[str, str] = field(default_factory=dict)  # notifier -> Vietnamese reason


def health_observation(report: Any) -> m.HealthObservation:
    """From the station's ``Health`` report (duck-typed: the station is being rewritten)."""
    return m.HealthObservation(
        scheduler_running=bool(report.scheduler_running),
        sound_device=report.sound_device,
        sound_device_error=report.sound_device_error,
        database=bool(report.database),
        engines=dict(report.engines),
    )


def broadcast_observation(entry: AsRunEntry) -> m.BroadcastObservation:
    assert entry.outcome is not None
    return m.BroadcastObservation(
        entry_id=entry.id,
        slot_id=entry.slot_id,
        program_title=entry.program_title or entry.program_id,
        scheduled_start=entry.scheduled_start,
        outcome=entry.outcome.value,
        error=entry.error,
        engines=tuple(entry.engines),
        note=entry.note,
    )


def disk_observation(path: Path) -> m.DiskObservation:
    usage = shutil.disk_usage(path)
    return m.DiskObservation(path=str(path), free_bytes=usage.free, total_bytes=usage.total)


def station_identity(settings: Settings) -> StationIdentity:
    return StationIdentity(
        name=settings.station_name, host=socket.gethostname(), page_url=settings.public_url
    )


def notifiers_from_settings(settings: Settings) -> list[Notifier]:
    """The e-mail notifier (when ``smtp_host`` is set) and one per webhook address."""
    from broadcast.alerts.smtp import SmtpNotifier
    from broadcast.alerts.webhook import WebhookNotifier

    found: list[Notifier] = []
    if settings.smtp_host:
        if not settings.alert_to:
            raise ConfigError(
                "Đã đặt máy chủ thư (smtp_host) nhưng chưa có người nhận cảnh báo (alert_to).",
                code="alert_config_invalid",
            )
        found.append(SmtpNotifier(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.alert_from or f"loa@{socket.getfqdn()}",
            recipients=list(settings.alert_to),
            timeout=settings.alert_timeout_seconds,
        ))
    identity = station_identity(settings)
    for url in settings.alert_webhooks:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"Địa chỉ nhận cảnh báo phải bắt đầu bằng http:// hoặc https://: {url[:40]}",
                code="alert_config_invalid",
            )
        found.append(WebhookNotifier(
            url=url, station=identity, tz=ZoneInfo(settings.timezone),
            timeout=settings.alert_timeout_seconds,
        ))
    return found


class AlertMonitor:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        health: Callable[[], Any] | None,
        *,
        notifiers: Sequence[Notifier] | None = None,
        sources: Sequence[ConditionSource] = (),
        disk_path: Path | None = None,
        retry_after: timedelta = RETRY_AFTER,
    ) -> None:
        self.settings = settings
        self.alerts = AlertRepo(store.sessions)
        self.marks = MarkRepo(store.sessions)
        self.as_run = store.as_run
        self.health = health
        self.notifiers = list(notifiers if notifiers is not None else notifiers_from_settings(
            settings
        ))
        self.sources = list(sources)
        self.disk_path = disk_path or settings.data_dir
        self.retry_after = retry_after
        self.tz = ZoneInfo(settings.timezone)
        self.identity = station_identity(settings)
        self.thresholds = m.Thresholds(
            disk_min_free_percent=settings.alert_disk_min_free_percent,
            disk_min_free_bytes=int(settings.alert_disk_min_free_mb * 1024**2),
            primary_engine=settings.engines[0] if settings.engines else None,
        )
        self._retry_at: dict[str, datetime] = {}
        # (phase, key) -> notifiers that got it while the database could not be written.
        self._unrecorded: dict[tuple[str, str], set[str]] = {}
        self._backlog_open: dict[str, NewAlert] = {}
        self._backlog_close: dict[str, ClearedAlert] = {}

    # --- one check ---------------------------------------------------------------------------

    def check(self, now: datetime) -> CheckResult:
        """Observe, decide, record, deliver. A channel that fails is reported in the result
        (and retried later); only a database that cannot even be read raises."""
        broadcasts, cursor = self._new_broadcasts(now)
        observation = m.Observation(
            health=self._health(),
            disk=self._disk(),
            broadcasts=broadcasts,
            conditions=self._conditions(now),
        )
        keys = [broadcast_key(b.entry_id) for b in broadcasts]
        records = self.alerts.known(keys)
        changes = evaluate(observation, self._known(records, now), self.thresholds, self.tz)
        result = CheckResult(opened=changes.opened, closed=changes.closed)
        # What is not recorded yet: this check's changes on top of any backlog.
        opens = dict(self._backlog_open)
        closes = dict(self._backlog_close)
        for opening in changes.opened:
            opens[opening.key] = NewAlert(
                opening.key, opening.kind, opening.summary, opening.detail
            )
        for closing in changes.closed:
            unrecorded = opens.get(closing.key)
            if unrecorded is not None:  # opened and cleared while nothing could be recorded
                opens[closing.key] = replace(unrecorded, recovery=closing.summary)
            else:
                closes[closing.key] = ClearedAlert(closing.key, closing.summary)
        try:
            self.alerts.apply(
                list(opens.values()), list(closes.values()), now, marks={CURSOR_MARK: cursor}
            )
        except StoreError as exc:
            # E.g. a disk so full that the database cannot be written: exactly when the
            # person must hear of it. Sent from memory (once), recorded when possible.
            log.error("alerts: cannot record alert state (%s); sending unrecorded", exc)
            self._backlog_open, self._backlog_close = opens, closes
            titles = {r.key: r.summary for r in records}
            self._deliver_unrecorded(changes, titles, now, result)
            return result
        self._backlog_open, self._backlog_close = {}, {}
        for opening in changes.opened:
            log.warning("alert: %s — %s", opening.summary, opening.detail)
        for closing in changes.closed:
            log.info("alert cleared: %s (%s)", closing.key, closing.summary)
        self.deliver(now, result)
        return result

    def _known(self, records: Sequence[AlertRecord], now: datetime) -> list[m.AlertState]:
        """The recorded alerts, as changed by what could not be recorded yet."""
        known = []
        for r in records:
            closed_at = now if r.is_open and r.key in self._backlog_close else r.closed_at
            known.append(m.AlertState(r.key, r.kind, r.opened_at, closed_at))
        known += [
            m.AlertState(o.key, o.kind, now, now if o.recovery is not None else None)
            for o in self._backlog_open.values()
        ]
        return known

    def deliver(self, now: datetime, result: CheckResult | None = None) -> CheckResult:
        """Send every notifier what it has not delivered yet (one message each)."""
        result = result or CheckResult()
        for notifier in self.notifiers:
            retry_at = self._retry_at.get(notifier.name)
            if retry_at is not None and now < retry_at:
                continue
            pending = self.alerts.undelivered(notifier.name, now - MAX_DELIVERY_AGE)
            already = [
                (r, p) for r, p in pending
                if notifier.name in self._unrecorded.get((p, r.key), set())
            ]
            if already:  # sent while the state could not be recorded
                self.alerts.mark_delivered([(r.id, p) for r, p in already], notifier.name, now)
                for r, p in already:
                    self._unrecorded.get((p, r.key), set()).discard(notifier.name)
                pending = [item for item in pending if item not in already]
            if not pending:
                continue
            message = compose([_event(r, p) for r, p in pending], self.identity, now, self.tz)
            try:
                notifier.send(message)
            except AlertDeliveryError as exc:
                log.error("alert delivery by %s failed: %s", notifier.name, exc.message)
                self._retry_at[notifier.name] = now + self.retry_after
                result.failures[notifier.name] = exc.message
                continue
            self._retry_at.pop(notifier.name, None)
            self.alerts.mark_delivered([(r.id, p) for r, p in pending], notifier.name, now)
            result.delivered[notifier.name] = len(pending)
        return result

    def _deliver_unrecorded(
        self,
        changes: m.AlertChanges,
        titles: dict[str, str],
        now: datetime,
        result: CheckResult,
    ) -> None:
        events = [Event("open", o.key, o.kind, o.summary, o.detail, now) for o in changes.opened]
        events += [
            Event("close", c.key, c.kind, titles.get(c.key, c.key), c.summary, now)
            for c in changes.closed
        ]
        for notifier in self.notifiers:
            fresh = [
                e for e in events
                if notifier.name not in self._unrecorded.get((e.phase, e.key), set())
            ]
            if not fresh:
                continue
            try:
                notifier.send(compose(fresh, self.identity, now, self.tz))
            except AlertDeliveryError as exc:
                result.failures[notifier.name] = exc.message
                continue
            for e in fresh:
                self._unrecorded.setdefault((e.phase, e.key), set()).add(notifier.name)
            result.delivered[notifier.name] = len(fresh)

    def send_test(self, now: datetime) -> dict[str, str | None]:
        """A test message to every notifier (nothing recorded): notifier -> error or None."""
        event = Event(
            phase="open", key="test", kind="test",
            title="Thư thử nghiệm cảnh báo",
            detail="Nếu bạn nhận được thư này, cảnh báo của trạm phát sẽ đến được bạn.",
            at=now,
        )
        message = compose([event], self.identity, now, self.tz)
        outcome: dict[str, str | None] = {}
        for notifier in self.notifiers:
            try:
                notifier.send(message)
                outcome[notifier.name] = None
            except AlertDeliveryError as exc:
                outcome[notifier.name] = exc.message
        return outcome

    # --- observing ---------------------------------------------------------------------------

    def _health(self) -> m.HealthObservation | None:
        if self.health is None:
            return None
        try:
            return health_observation(self.health())
        except Exception:  # a broken health report must not stop the other alerts
            log.exception("alerts: the station's health report failed")
            return None

    def _disk(self) -> m.DiskObservation | None:
        try:
            return disk_observation(self.disk_path)
        except OSError as exc:
            log.error("alerts: cannot read the free space of %s: %s", self.disk_path, exc)
            return None

    def _conditions(self, now: datetime) -> list[m.Condition]:
        found: list[m.Condition] = []
        for source in self.sources:
            try:
                found.extend(source(now))
            except Exception:
                log.exception("alerts: condition source %r failed", source)
        return found

    def _new_broadcasts(self, now: datetime) -> tuple[list[m.BroadcastObservation], int]:
        """Entries finished since the last check, and the cursor to keep: the highest id
        below which every entry has finished. On the very first check the past is not
        reported (the cursor starts at the newest entry)."""
        entries = self.as_run.query(since=now - AS_RUN_LOOKBACK)
        seen = self.marks.get(CURSOR_MARK)
        first_check = seen is None
        seen_id = int(seen) if seen is not None else -1
        after = [e for e in entries if e.id > seen_id]
        unfinished = [e.id for e in after if e.outcome is None]
        cursor = min(unfinished) - 1 if unfinished else max((e.id for e in after), default=seen_id)
        if first_check:
            return [], max(cursor, 0)
        finished = [broadcast_observation(e) for e in after if e.outcome is not None]
        return finished, cursor


def _event(record: AlertRecord, phase: str) -> Event:
    if phase == "open":
        return Event("open", record.key, record.kind, record.summary, record.detail,
                     record.opened_at)
    assert record.closed_at is not None
    return Event("close", record.key, record.kind, record.summary, record.close_summary or "",
                 record.closed_at)

