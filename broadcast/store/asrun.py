"""The as-run log: one entry per occurrence, the source of airtime reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from broadcast.errors import StoreError
from broadcast.scheduling.model import AiringKey, Outcome, Priority
from broadcast.store.base import Repository
from broadcast.store.models import AnnouncementRow, AsRunRow, ProgramRow

# Outcomes whose airtime counts in reports (an interrupted broadcast counts what aired).
AIRED_OUTCOMES: tuple[Outcome, ...] = (Outcome.AIRED, Outcome.LATE, Outcome.INTERRUPTED)
LOCAL = "local"  # the station's own output, as a cluster
# An announcement cancelled while on air ends its airing within the fade-out.
CANCEL_MARGIN = timedelta(seconds=10)


@dataclass(frozen=True)
class AsRunEntry:
    id: int
    slot_id: str | None
    program_id: str
    priority: Priority
    scheduled_start: datetime
    actual_start: datetime | None
    end: datetime | None
    outcome: Outcome | None  # None while on air
    engines: tuple[str, ...]
    error: str | None
    lateness: timedelta | None
    topic: str
    program_title: str
    announcement_id: int | None = None
    cluster: str = LOCAL
    render_id: int | None = None
    note: str | None = None  # why what aired differs from the plan
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> AiringKey | None:
        """The airing this entry logs (None for history imported without one)."""
        if self.slot_id is None and self.announcement_id is None:
            return None
        return AiringKey(self.scheduled_start, self.slot_id, self.announcement_id)

    @property
    def aired_duration(self) -> timedelta | None:
        if self.actual_start is None or self.end is None:
            return None
        return max(self.end - self.actual_start, timedelta(0))


@dataclass(frozen=True)
class AirtimeRow:
    """Airtime of one topic in one local calendar month, on one cluster (each speaker
    cluster counts its own airtime; "local" is the station's own output)."""

    month: str  # "YYYY-MM", local time of the station
    topic: str
    minutes: float
    broadcasts: int
    source: str = "station"  # "station" (its own programs), "relay" or "live"
    cluster: str = LOCAL


def _entry(row: AsRunRow) -> AsRunEntry:
    return AsRunEntry(
        id=row.id,
        slot_id=row.slot_id,
        program_id=row.program_id,
        priority=Priority.parse(row.priority),
        scheduled_start=row.scheduled_start,
        actual_start=row.actual_start,
        end=row.end,
        outcome=None if row.outcome is None else Outcome(row.outcome),
        engines=tuple(row.engines or ()),
        error=row.error,
        lateness=None if row.lateness_seconds is None else timedelta(seconds=row.lateness_seconds),
        topic=row.topic,
        program_title=row.program_title,
        announcement_id=row.announcement_id,
        cluster=row.cluster,
        render_id=row.render_id,
        note=row.note,
        details=dict(row.details or {}),
    )


def _source_of(details: dict[str, Any]) -> tuple[str, float | None]:
    """Where an entry's airtime came from, and the seconds that count if not all of it."""
    relay = details.get("relay")
    if isinstance(relay, dict):
        heard = relay.get("relayed_seconds")
        return "relay", float(heard) if isinstance(heard, int | float) else None
    if isinstance(details.get("live"), dict):
        return "live", None
    return "station", None


def _already_logged(key: AiringKey, cluster: str) -> StoreError:
    what = (
        f"khung {key.slot_id!r}" if key.slot_id is not None
        else f"thông báo số {key.announcement_id}"
    )
    return StoreError(
        f"Buổi phát {key.start.isoformat()} của {what} ({cluster}) đã có trong nhật ký",
        code="duplicate_entry",
    )


def entry_not_found(entry_id: int) -> StoreError:
    return StoreError(f"Không tìm thấy mục nhật ký phát số {entry_id}", code="not_found")


class AsRunRepo(Repository):
    def append(
        self,
        *,
        program_id: str,
        priority: Priority | str,
        scheduled_start: datetime,
        slot_id: str | None = None,
        announcement_id: int | None = None,
        cluster: str = LOCAL,
        actual_start: datetime | None = None,
        end: datetime | None = None,
        outcome: Outcome | str | None = None,
        engines: Sequence[str] = (),
        error: str | None = None,
        lateness: timedelta | None = None,
        topic: str | None = None,
        program_title: str | None = None,
        render_id: int | None = None,
        note: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AsRunEntry:
        """Log an airing. ``outcome=None`` means "on air now" (finish it later).
        The program's topic and title are copied in (unless given) so reports survive the
        program being changed or deleted. ``duplicate_entry`` if this airing (the slot's
        occurrence or the announcement's repeat at ``scheduled_start``) is already logged
        for ``cluster``; an entry of neither (imported history) is never a duplicate."""
        key = None
        # (A naive instant is refused by the column type, with the store's own error.)
        if (slot_id is not None or announcement_id is not None) and scheduled_start.tzinfo:
            key = AiringKey(scheduled_start, slot_id, announcement_id)
        with self._session() as session:
            if key is not None and self._find(session, key, cluster) is not None:
                raise _already_logged(key, cluster)
            if topic is None or program_title is None:
                program = session.get(ProgramRow, program_id)
                if topic is None:
                    topic = program.topic if program is not None else ""
                if program_title is None:
                    program_title = program.title if program is not None else ""
            row = AsRunRow(
                slot_id=slot_id,
                announcement_id=announcement_id,
                cluster=cluster,
                program_id=program_id,
                priority=Priority.parse(priority).label,
                scheduled_start=scheduled_start,
                actual_start=actual_start,
                end=end,
                outcome=None if outcome is None else Outcome(outcome).value,
                engines=list(engines),
                error=error,
                lateness_seconds=None if lateness is None else lateness.total_seconds(),
                topic=topic,
                program_title=program_title,
                render_id=render_id,
                note=note,
                details=details,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:  # logged concurrently since the check above
                if key is None:
                    raise
                raise _already_logged(key, cluster) from exc
            return _entry(row)

    def finish(
        self,
        entry_id: int,
        *,
        outcome: Outcome | str,
        end: datetime | None = None,
        error: str | None = None,
        engines: Sequence[str] | None = None,
        actual_start: datetime | None = None,
        lateness: timedelta | None = None,
        note: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AsRunEntry:
        """Set how an entry ended; fields left as ``None`` keep their value (``details``
        are merged into the entry's)."""
        with self._session() as session:
            row = session.get(AsRunRow, entry_id)
            if row is None:
                raise entry_not_found(entry_id)
            row.outcome = Outcome(outcome).value
            if end is not None:
                row.end = end
            if error is not None:
                row.error = error
            if engines is not None:
                row.engines = list(engines)
            if actual_start is not None:
                row.actual_start = actual_start
            if lateness is not None:
                row.lateness_seconds = lateness.total_seconds()
            if note is not None:
                row.note = note
            if details:
                row.details = {**(row.details or {}), **details}
            return _entry(row)

    def annotate(
        self, entry_id: int, *, note: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """Add a note (after any there is) and details to an entry, e.g. who stopped it."""
        with self._session() as session:
            row = session.get(AsRunRow, entry_id)
            if row is None:
                raise entry_not_found(entry_id)
            if note:
                row.note = f"{row.note} {note}" if row.note else note
            if details:
                row.details = {**(row.details or {}), **details}

    def release(self, entry_id: int) -> None:
        """Take back the claim of an airing still marked on air that never went out (it
        will be claimed again when it does)."""
        with self._session() as session:
            row = session.get(AsRunRow, entry_id)
            if row is None or row.outcome is not None:
                raise StoreError(
                    f"Mục nhật ký phát số {entry_id} không còn ở trạng thái chờ phát",
                    code="not_releasable",
                )
            session.delete(row)

    def get(self, entry_id: int) -> AsRunEntry:
        with self._session() as session:
            row = session.get(AsRunRow, entry_id)
            if row is None:
                raise entry_not_found(entry_id)
            return _entry(row)

    def find(self, key: AiringKey, *, cluster: str = LOCAL) -> AsRunEntry | None:
        """The entry of one airing, if logged (to avoid logging it twice)."""
        with self._session() as session:
            row = self._find(session, key, cluster)
            return None if row is None else _entry(row)

    def logged_keys(
        self, since: datetime, until: datetime, *, cluster: str = LOCAL
    ) -> set[AiringKey]:
        """The airings scheduled in [since, until) that the log already has."""
        query = select(
            AsRunRow.scheduled_start, AsRunRow.slot_id, AsRunRow.announcement_id
        ).where(
            AsRunRow.scheduled_start >= since,
            AsRunRow.scheduled_start < until,
            AsRunRow.cluster == cluster,
            (AsRunRow.slot_id.is_not(None)) | (AsRunRow.announcement_id.is_not(None)),
        )
        with self._session() as session:
            return {AiringKey(start, slot, ann) for start, slot, ann in session.execute(query)}

    def unfinished(self) -> list[AsRunEntry]:
        """Entries still marked on air: after a crash, the ones the restart must close."""
        query = select(AsRunRow).where(AsRunRow.outcome.is_(None)).order_by(AsRunRow.id)
        with self._session() as session:
            return [_entry(r) for r in session.scalars(query)]

    def query(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        slot_id: str | None = None,
        program_id: str | None = None,
        outcome: Outcome | str | Iterable[Outcome | str] | None = None,
        topic: str | None = None,
        cluster: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[AsRunEntry]:
        """Entries whose scheduled start is in [since, until), with the given filters
        (``cluster``: where it aired; None: everywhere)."""
        query = self._filtered(since, until, slot_id, program_id, outcome, topic)
        if cluster is not None:
            query = query.where(AsRunRow.cluster == cluster)
        if newest_first:
            query = query.order_by(AsRunRow.scheduled_start.desc(), AsRunRow.id.desc())
        else:
            query = query.order_by(AsRunRow.scheduled_start, AsRunRow.id)
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self._session() as session:
            return [_entry(r) for r in session.scalars(query)]

    def airtime_report(
        self,
        *,
        timezone: str | ZoneInfo,
        since: datetime | None = None,
        until: datetime | None = None,
        topic: str | None = None,
        outcomes: Iterable[Outcome] = AIRED_OUTCOMES,
        cluster: str | None = None,
    ) -> list[AirtimeRow]:
        """Minutes and broadcasts per topic per local calendar month, per cluster and per
        source, from the entries that went out (``outcomes``) and started in [since, until)
        (``cluster``: only there). A broadcast belongs to the month in which it started, in
        the station's time zone. Relayed radio and live speech are counted apart from the
        station's own programs (``source``); a relay counts the time the upstream was heard,
        not its fallback."""
        tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
        query = (
            select(AsRunRow.topic, AsRunRow.actual_start, AsRunRow.end, AsRunRow.outcome,
                   AnnouncementRow.cancelled_at, AsRunRow.details, AsRunRow.cluster)
            .outerjoin(AnnouncementRow, AnnouncementRow.id == AsRunRow.announcement_id)
            .where(AsRunRow.outcome.in_([Outcome(o).value for o in outcomes]))
            .where(AsRunRow.actual_start.is_not(None), AsRunRow.end.is_not(None))
        )
        if since is not None:
            query = query.where(AsRunRow.actual_start >= since)
        if until is not None:
            query = query.where(AsRunRow.actual_start < until)
        if topic is not None:
            query = query.where(AsRunRow.topic == topic)
        if cluster is not None:
            query = query.where(AsRunRow.cluster == cluster)
        seconds: dict[tuple[str, str, str, str], float] = defaultdict(float)
        counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
        with self._session() as session:
            for row_topic, start, end, outcome, cancelled_at, details, where in session.execute(
                query
            ):
                assert start is not None and end is not None  # filtered in the query
                if (outcome == Outcome.INTERRUPTED.value and cancelled_at is not None
                        and cancelled_at <= end + CANCEL_MARGIN):
                    continue  # an announcement cut short by its cancellation: called off
                source, heard = _source_of(details or {})
                # The station's own output first, then the clusters by id.
                key = (start.astimezone(tz).strftime("%Y-%m"), row_topic,
                       "" if where == LOCAL else where, source)
                length = max((end - start).total_seconds(), 0.0)
                seconds[key] += length if heard is None else min(heard, length)
                counts[key] += 1
        return [
            AirtimeRow(month=m, topic=t, minutes=round(seconds[(m, t, c, s)] / 60.0, 3),
                       broadcasts=n, source=s, cluster=c or LOCAL)
            for (m, t, c, s), n in sorted(counts.items())
        ]

    @staticmethod
    def _find(session: Session, key: AiringKey, cluster: str) -> AsRunRow | None:
        query = select(AsRunRow).where(
            AsRunRow.cluster == cluster, AsRunRow.scheduled_start == key.start
        )
        if key.slot_id is not None:
            query = query.where(AsRunRow.slot_id == key.slot_id)
        else:
            query = query.where(AsRunRow.announcement_id == key.announcement_id)
        return session.scalars(query).one_or_none()

    @staticmethod
    def _filtered(
        since: datetime | None,
        until: datetime | None,
        slot_id: str | None,
        program_id: str | None,
        outcome: Outcome | str | Iterable[Outcome | str] | None,
        topic: str | None,
    ) -> Select[AsRunRow]:
        query = select(AsRunRow)
        if since is not None:
            query = query.where(AsRunRow.scheduled_start >= since)
        if until is not None:
            query = query.where(AsRunRow.scheduled_start < until)
        if slot_id is not None:
            query = query.where(AsRunRow.slot_id == slot_id)
        if program_id is not None:
            query = query.where(AsRunRow.program_id == program_id)
        if topic is not None:
            query = query.where(AsRunRow.topic == topic)
        if outcome is not None:
            wanted = [outcome] if isinstance(outcome, str) else list(outcome)
            query = query.where(AsRunRow.outcome.in_([Outcome(o).value for o in wanted]))
        return query
