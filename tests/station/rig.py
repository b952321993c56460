"""A station on the manual clock: real store, real timer logic, a fake voice and a file sink.

Time moves only when the test moves it, and only once every worker of the station is idle
or waiting for a later instant (``settle``), so the runtime is tested without sleeping and
without races between the test's clock and the station's threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from broadcast.clock import ManualClock
from broadcast.playout.file_sink import FileSink
from broadcast.playout.player import Player
from broadcast.programs import Program, Segment
from broadcast.scheduling.model import AiringKey, Slot
from broadcast.scheduling.timer import ClockTimer
from broadcast.settings import Settings
from broadcast.station.runtime import Station
from broadcast.store.asrun import AsRunEntry
from broadcast.store.store import Store, open_store

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A Monday morning, local time, on a whole second.
T0 = datetime(2026, 11, 30, 5, 0, tzinfo=TZ)

T = TypeVar("T")


@dataclass
class Rig:
    settings: Settings
    folder: Path
    clock: ManualClock = field(default_factory=lambda: ManualClock(T0))
    store: Store = field(init=False)
    sink: FileSink = field(init=False)
    timer: ClockTimer = field(init=False)
    station: Station = field(init=False)

    def __post_init__(self) -> None:
        self.store = open_store(self.settings.db_url, clock=self.clock)
        self.sink = FileSink(self.folder / "played", clock=self.clock, name="Loa thử")
        self.station = self.new_station()

    def new_station(self) -> Station:
        """A station process on this store and clock (a fresh one, e.g. after a restart)."""
        self.timer = ClockTimer(self.clock)
        self.station = Station(
            self.settings, self.store, Player(self.sink, clock=self.clock),
            clock=self.clock, timer=self.timer,
        )
        return self.station

    # --- time ---------------------------------------------------------------------------

    def settle(self, timeout: float = 20.0) -> None:
        """Wait (real time, briefly) until no station job is running except those waiting
        for a later instant on the clock."""
        deadline = time.monotonic() + timeout
        while not self._quiet():
            if time.monotonic() > deadline:
                raise AssertionError("the station's jobs did not settle")
            time.sleep(0.001)

    def _quiet(self) -> bool:
        waiting = self.clock.waiting_threads()
        return self.timer.quiet(waiting) and self.sink.playing_threads() <= waiting

    def advance(self, seconds: float, step: float = 0.25) -> None:
        end = self.clock.now() + timedelta(seconds=seconds)
        while self.clock.now() < end:
            self.settle()
            self.clock.advance(min(step, (end - self.clock.now()).total_seconds()))
        self.settle()

    def until(self, found: Callable[[], T | None], limit: float = 120.0) -> T:
        """Move the clock on until ``found()`` gives something (at most ``limit`` seconds)."""
        end = self.clock.now() + timedelta(seconds=limit)
        while True:
            self.settle()
            value = found()
            if value is not None:
                return value
            if self.clock.now() >= end:
                raise AssertionError(f"nothing found within {limit} s of station time")
            self.clock.advance(0.25)

    # --- the timetable ------------------------------------------------------------------

    def add_program(self, program_id: str = "tin", text: str = "Xin chào bà con.") -> None:
        script = self.store.scripts.create(title="Tin", text=text, topic="thu-nghiem")
        self.store.scripts.approve(script.id, by="tester")
        self.store.programs.create(
            Program(id=program_id, title="Bản tin", topic="thu-nghiem",
                    segments=(Segment.jingle("intro"), Segment.stored_script(script.id)))
        )

    def at(self, seconds: float) -> datetime:
        """An instant ``seconds`` after now on the station's clock, on a whole second."""
        return (self.clock.now() + timedelta(seconds=seconds)).replace(microsecond=0)

    def one_off(self, slot_id: str, program_id: str, at: datetime) -> Slot:
        local = at.astimezone(TZ)
        slot = Slot(id=slot_id, program_id=program_id, time=local.time(), on_date=local.date())
        self.store.slots.create(slot)
        self.station.timetable.changed()  # as the timetable service would after a write
        return slot

    def entry(self, slot_id: str) -> AsRunEntry | None:
        """The finished log entry of the slot's (only) occurrence, if any."""
        for entry in self.store.as_run.query(slot_id=slot_id):
            if entry.outcome is not None:
                return entry
        return None

    def wait_for_entry(self, slot_id: str, limit: float = 120.0) -> AsRunEntry:
        return self.until(lambda: self.entry(slot_id), limit)

    def announcement_entries(self, announcement_id: int) -> list[AsRunEntry]:
        return [e for e in self.store.as_run.query() if e.announcement_id == announcement_id]

    def key(self, slot_id: str, at: datetime) -> AiringKey:
        return AiringKey.of_slot(slot_id, at)

    def close(self) -> None:
        self.station.shutdown()
        self.store.close()
