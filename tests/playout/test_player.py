"""Player and FileSink with a manual clock: no sleeping on air time."""

import threading
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import soundfile

from broadcast.clock import ManualClock
from broadcast.errors import PlayoutError
from broadcast.playout import FileSink, Player
from broadcast.playout.sink import EndReason
from broadcast.playout.source import ProgramSource
from broadcast.scheduling.model import Outcome, Priority
from tests.playout.signals import noise_burst, tone, write

T0 = datetime(2025, 8, 1, 6, 0, tzinfo=UTC)
RATE = 8_000  # small rate: fast tests


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def sink(tmp_path, clock):
    return FileSink(tmp_path / "out", rate=RATE, clock=clock)


@pytest.fixture
def program(tmp_path):
    return write(tmp_path / "ban-tin.wav", tone(2.0, 300, rate=RATE), RATE)


@pytest.fixture
def emergency(tmp_path):
    return write(tmp_path / "khan-cap.wav", noise_burst(1.0, rate=RATE, seed=2), RATE)


class Reports(list):
    def __init__(self):
        super().__init__()
        self.changed = threading.Event()

    def __call__(self, report):
        self.append(report)
        self.changed.set()


def run_clock(clock, until, step=0.05):
    """Advance the manual clock in small steps, letting the sink threads follow."""
    while clock.now() < until:
        clock.advance(step)
        time.sleep(0.002)


def test_file_sink_starts_exactly_at_the_scheduled_instant_and_writes_the_program(
    sink, clock, program
):
    when = T0 + timedelta(seconds=10)
    handle = sink.start_at(ProgramSource(program), when)
    run_clock(clock, when - timedelta(seconds=0.1))
    assert handle.actual_start is None and not handle.done
    run_clock(clock, when + timedelta(seconds=2.2))
    assert handle.wait(2)
    assert handle.end_reason is EndReason.COMPLETED
    assert handle.actual_start == when
    assert handle.actual_end == when + timedelta(seconds=2)
    written, rate = soundfile.read(str(sink.played[0].path), dtype="float32")
    assert rate == RATE
    np.testing.assert_allclose(written, tone(2.0, 300, rate=RATE), atol=1e-6)


def test_player_reports_an_aired_program(sink, clock, program):
    reports = Reports()
    player = Player(sink, clock=clock, listeners=[reports])
    playback = player.play(program, when=T0 + timedelta(seconds=1), tag="occ-1")
    run_clock(clock, T0 + timedelta(seconds=3.2))
    assert playback.wait(2)
    (report,) = reports
    assert report.outcome is Outcome.AIRED
    assert report.tag == "occ-1"
    assert report.actual_start == T0 + timedelta(seconds=1)
    assert report.end == T0 + timedelta(seconds=3)
    assert report.device == "file" and report.error is None
    assert player.current is None


def test_higher_priority_interrupts_with_a_fade_and_the_old_one_reports_interrupted(
    sink, clock, program, emergency
):
    reports = Reports()
    player = Player(
        sink, clock=clock, listeners=[reports], fade_seconds=0.5, interrupt_margin_seconds=0
    )
    normal = player.play(program)
    run_clock(clock, T0 + timedelta(seconds=1.0))
    urgent = player.play(emergency, priority=Priority.EMERGENCY)
    run_clock(clock, T0 + timedelta(seconds=3.0))
    assert normal.wait(2) and urgent.wait(2)
    by_path = {r.path.name: r for r in reports}
    old, new = by_path["ban-tin.wav"], by_path["khan-cap.wav"]
    assert old.outcome is Outcome.INTERRUPTED
    assert old.interrupted_by == emergency
    assert new.outcome is Outcome.AIRED
    # the emergency starts once the fade is over, and the fade is audible in the file
    assert new.actual_start == T0 + timedelta(seconds=1.5)
    assert old.end <= new.actual_start + timedelta(seconds=0.1)
    written, _ = soundfile.read(str(sink.played[0].path), dtype="float32")
    fade = written[-int(0.5 * RATE) :]
    head = np.abs(fade[: RATE // 10]).max()
    tail = np.abs(fade[-RATE // 20 :]).max()
    assert head > 0.4 and tail < 0.1


def test_same_priority_while_on_air_is_refused_and_lower_does_not_cut_in(
    sink, clock, program, emergency
):
    player = Player(sink, clock=clock)
    player.play(program, priority=Priority.PRIORITY)
    for priority in (Priority.PRIORITY, Priority.NORMAL):
        with pytest.raises(PlayoutError) as err:
            player.play(emergency, priority=priority)
        assert err.value.code == "player_busy"
        assert "ban-tin.wav" in err.value.message
    player.close()


def test_stop_fades_out_and_the_player_is_free_again(sink, clock, program, emergency):
    reports = Reports()
    player = Player(sink, clock=clock, listeners=[reports])
    first = player.play(program)
    run_clock(clock, T0 + timedelta(seconds=0.5))
    assert player.stop() is first
    run_clock(clock, T0 + timedelta(seconds=1.2))
    assert first.wait(2)
    assert first.report.outcome is Outcome.INTERRUPTED
    assert first.report.end == T0 + timedelta(seconds=1.0)  # 0.5 s of audio + 0.5 s fade
    second = player.play(emergency)
    run_clock(clock, T0 + timedelta(seconds=2.5))
    assert second.wait(2) and second.report.outcome is Outcome.AIRED


def test_armed_preempt_keeps_the_old_program_until_the_new_start(sink, clock, program, emergency):
    player = Player(sink, clock=clock, fade_seconds=0.5, interrupt_margin_seconds=0)
    old = player.play(program)
    new = player.play(emergency, when=T0 + timedelta(seconds=1.5), preempt=True)
    run_clock(clock, T0 + timedelta(seconds=3.0))
    assert old.wait(2) and new.wait(2)
    assert old.report.outcome is Outcome.INTERRUPTED
    # cut at 1.0 s, faded out by 1.5 s (within one step of the manual clock)
    assert abs((old.report.end - (T0 + timedelta(seconds=1.5))).total_seconds()) <= 0.06
    assert new.report.actual_start == T0 + timedelta(seconds=1.5)


def test_device_failure_mid_broadcast_is_reported_and_the_player_recovers(
    tmp_path, clock, program, emergency
):
    sink = FileSink(tmp_path / "out", rate=RATE, clock=clock, name="Loa xã", fail_after_seconds=1)
    reports = Reports()
    player = Player(sink, clock=clock, listeners=[reports])
    failing = player.play(program)
    run_clock(clock, T0 + timedelta(seconds=1.5))
    assert failing.wait(2)
    report = failing.report
    # heard for a second, then cut by the fault: interrupted, with the device's error
    assert report.outcome is Outcome.INTERRUPTED
    assert failing.handle.end_reason is EndReason.CUT
    assert report.end == T0 + timedelta(seconds=1)
    assert report.error_code == "device_failed"
    assert "Loa xã" in report.error.message
    sink.fail_after_seconds = None  # the card is back
    again = player.play(emergency)
    run_clock(clock, T0 + timedelta(seconds=3.0))
    assert again.wait(2) and again.report.outcome is Outcome.AIRED


def test_missing_device_fails_the_playback_naming_the_device(tmp_path, clock, program):
    sink = FileSink(tmp_path / "out", rate=RATE, clock=clock, name="USB Audio", missing=True)
    reports = Reports()
    player = Player(sink, clock=clock, listeners=[reports])
    playback = player.play(program)
    assert playback.wait(1)
    assert reports[0].outcome is Outcome.FAILED
    assert reports[0].error_code == "device_not_found"
    assert "USB Audio" in reports[0].error.message
    assert player.current is None


def test_unreadable_program_fails_without_raising(sink, clock, tmp_path):
    bad = tmp_path / "hong.wav"
    bad.write_bytes(b"garbage")
    playback = Player(sink, clock=clock).play(bad)
    assert playback.wait(1)
    assert playback.report.outcome is Outcome.FAILED
    assert playback.report.error_code == "program_unreadable"


class SlowArmingSink:
    """A FileSink whose start_at takes a while, as an engine load of a long program does."""

    def __init__(self, inner):
        self.inner = inner
        self.arming = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def start_at(self, source, when, *, ref=None):
        self.arming.set()
        assert self.release.wait(5)
        return self.inner.start_at(source, when, ref=ref)


def test_a_stop_while_the_program_is_still_being_armed_is_not_lost(sink, clock, program):
    slow = SlowArmingSink(sink)
    reports = Reports()
    player = Player(slow, clock=clock, listeners=[reports])
    started: list = []
    arming = threading.Thread(
        target=lambda: started.append(player.play(program, when=T0 + timedelta(seconds=1)))
    )
    arming.start()
    assert slow.arming.wait(5)
    stopped = player.stop(0.0)  # the operator presses stop before the sink has answered
    slow.release.set()
    arming.join(5)
    assert stopped is started[0]
    run_clock(clock, T0 + timedelta(seconds=3.5))
    assert started[0].wait(2)
    assert started[0].report.outcome is not Outcome.AIRED
    assert started[0].report.actual_start is None  # nothing of it was heard
