"""One object holding the engine, the session factory and every repository."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from broadcast.clock import Clock, SystemClock
from broadcast.programs import Program
from broadcast.scheduling.model import Adjustment, Slot
from broadcast.store.announcements import AnnouncementRepo
from broadcast.store.asrun import AsRunRepo
from broadcast.store.clusters import ClusterRepo
from broadcast.store.columns import ColumnRepo
from broadcast.store.db import check_connection, create_engine_for, make_session_factory, migrate
from broadcast.store.lexicon import LexiconRepo
from broadcast.store.lock import StationLock
from broadcast.store.publications import PublicationRepo
from broadcast.store.recordings import RecordingRepo
from broadcast.store.renders import RenderRepo
from broadcast.store.scripts import ScriptRepo
from broadcast.store.timetable import AdjustmentRepo, ProgramRepo, SlotRepo, replace_timetable
from broadcast.store.users import UserRepo
from broadcast.store.voices import TopicVoiceRepo, VoiceKeyRepo


@dataclass
class Store:
    engine: Engine
    sessions: sessionmaker[Session]
    scripts: ScriptRepo
    programs: ProgramRepo
    slots: SlotRepo
    adjustments: AdjustmentRepo
    renders: RenderRepo
    as_run: AsRunRepo
    users: UserRepo
    announcements: AnnouncementRepo
    columns: ColumnRepo
    clock: Clock
    lexicon: LexiconRepo
    recordings: RecordingRepo
    topic_voices: TopicVoiceRepo
    voice_keys: VoiceKeyRepo
    publications: PublicationRepo
    clusters: ClusterRepo

    @classmethod
    def from_engine(cls, engine: Engine, clock: Clock | None = None) -> Store:
        sessions = make_session_factory(engine)
        clock = clock or SystemClock()
        return cls(
            engine=engine,
            sessions=sessions,
            scripts=ScriptRepo(sessions, clock),
            programs=ProgramRepo(sessions, clock),
            slots=SlotRepo(sessions, clock),
            adjustments=AdjustmentRepo(sessions, clock),
            renders=RenderRepo(sessions, clock),
            as_run=AsRunRepo(sessions, clock),
            users=UserRepo(sessions, clock),
            announcements=AnnouncementRepo(sessions, clock),
            columns=ColumnRepo(sessions, clock),
            clock=clock,
            lexicon=LexiconRepo(sessions, clock),
            recordings=RecordingRepo(sessions, clock),
            topic_voices=TopicVoiceRepo(sessions, clock),
            voice_keys=VoiceKeyRepo(sessions, clock),
            publications=PublicationRepo(sessions, clock),
            clusters=ClusterRepo(sessions, clock),
        )

    def replace_timetable(
        self,
        programs: Sequence[Program],
        slots: Sequence[Slot],
        adjustments: Sequence[Adjustment] = (),
        *,
        now: datetime | None = None,
    ) -> None:
        replace_timetable(
            self.sessions, programs, slots, adjustments, now=now or self.clock.now()
        )

    def station_lock(
        self, owner_id: str | None = None, *, stale_after: timedelta = timedelta(seconds=30)
    ) -> StationLock:
        return StationLock(self.engine, owner_id, stale_after=stale_after)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, run_migrations: bool = True, clock: Clock | None = None) -> Store:
    """Connect (``db_unreachable`` if the server does not answer), migrate to the newest
    schema, and return the repositories (writing times from ``clock``)."""
    engine = create_engine_for(url)
    check_connection(engine)
    if run_migrations:
        migrate(engine)
    return Store.from_engine(engine, clock)
