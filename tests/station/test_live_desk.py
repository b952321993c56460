"""The live desk with a real player and store: what happens when the microphone cannot open."""

import threading
from datetime import UTC, datetime

import pytest

from broadcast.clock import ManualClock
from broadcast.errors import PlayoutError
from broadcast.playout import FileSink, Player
from broadcast.scheduling.model import Outcome, Priority
from broadcast.settings import Settings
from broadcast.station.live_desk import LiveDesk
from broadcast.store.store import open_store

T0 = datetime(2025, 8, 1, 6, 0, tzinfo=UTC)


class NoInputSink(FileSink):
    """An output whose live input cannot be opened (unplugged microphone)."""

    def start_at(self, source, when, *, ref=None):
        raise PlayoutError("Không mở được micrô.", code="device_not_found")


@pytest.fixture
def desk(tmp_path):
    clock = ManualClock(T0)
    store = open_store(f"sqlite:///{tmp_path / 'loa.db'}", clock=clock)
    player = Player(NoInputSink(tmp_path / "out", rate=8_000, clock=clock), clock=clock)
    yield LiveDesk(Settings(data_dir=tmp_path), store, player, clock), store
    store.close()


def test_a_microphone_that_fails_to_open_is_logged_and_frees_the_desk(desk):
    live, store = desk
    answers: list = []
    first = threading.Thread(
        target=lambda: answers.append(live.start(Priority.PRIORITY, "vhxh")), daemon=True
    )
    first.start()
    first.join(5)
    assert not first.is_alive(), "the live desk locked itself up on a failed input"
    entry = store.as_run.get(answers[0].entry_id)
    assert entry.outcome is Outcome.FAILED
    assert "micrô" in (entry.error or "")
    assert live.current().ended_at is not None
    # The desk is free again: the next try is not refused as "already live".
    again = threading.Thread(
        target=lambda: answers.append(live.start(Priority.PRIORITY, "vhxh")), daemon=True
    )
    again.start()
    again.join(5)
    assert not again.is_alive() and len(answers) == 2
