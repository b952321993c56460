"""EngineSink and EngineProcess against a real engine process on the file sink (no card)."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from broadcast.engine.client import EngineProcess, EngineSink, engine_args_from_settings
from broadcast.engine.state import read_state
from broadcast.errors import PlayoutError
from broadcast.playout.player import Player
from broadcast.playout.sink import EndReason
from broadcast.playout.source import ProgramSource
from broadcast.scheduling.model import Outcome, Priority
from broadcast.settings import Settings
from tests.engine.conftest import ROOT
from tests.playout.signals import noise_burst, tone, write

RATE = 48_000


@pytest.fixture
def engine(tmp_path):
    engine = EngineProcess(
        ["--sink", f"file:{tmp_path / 'out'}", "--no-priority"],
        state_path=tmp_path / "state.json",
        backoff=(0.2, 0.5),
    )
    yield engine
    engine.stop()


@pytest.fixture
def sink(engine):
    sink = EngineSink(engine)
    engine.start()
    assert engine.wait_ready(30), "the engine did not start"
    yield sink
    sink.close()


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_a_program_airs_through_the_engine_with_the_players_report(sink, tmp_path):
    path = write(tmp_path / "ban-tin.wav", tone(1.0, rate=RATE), RATE)
    reports = []
    player = Player(sink, listeners=[reports.append])
    player.prepare()
    assert sink.name == "file" and sink.rate == RATE
    when = soon(0.6)
    playback = player.play(path, when, tag="occ-1", ref="as-run:1")
    assert playback.wait(5)
    report = playback.report
    assert report.outcome is Outcome.AIRED and report.error is None
    assert report.actual_start == when  # the file sink is an ideal device
    assert report.end == when + timedelta(seconds=1.0)
    assert report.tag == "occ-1" and reports == [report]
    assert playback.handle.source.duration_seconds == pytest.approx(1.0)


def test_a_higher_priority_interrupts_through_the_engine(sink, tmp_path):
    normal = write(tmp_path / "thuong.wav", tone(10.0, rate=RATE), RATE)
    urgent = write(tmp_path / "khan.wav", noise_burst(0.5, rate=RATE), RATE)
    player = Player(sink, fade_seconds=0.3)
    first = player.play(normal)
    time.sleep(0.8)
    second = player.play(urgent, priority=Priority.EMERGENCY)
    assert first.wait(5) and second.wait(5)
    assert first.report.outcome is Outcome.INTERRUPTED
    assert first.report.interrupted_by == urgent
    assert second.report.outcome is Outcome.AIRED
    # the old one faded out by the time the new one started
    assert first.report.end <= second.report.actual_start + timedelta(milliseconds=5)


def test_an_unreadable_program_fails_with_the_engines_error(sink, tmp_path):
    reports = []
    player = Player(sink, listeners=[reports.append])
    playback = player.play(tmp_path / "khong-co.wav")
    assert playback.wait(5)
    assert reports[0].outcome is Outcome.FAILED
    assert reports[0].error_code == "program_unreadable"
    assert "khong-co.wav" in reports[0].error.message
    assert player.current is None


def test_kill_9_mid_program_ends_it_cut_where_it_was_heard_and_the_engine_comes_back(
    sink, engine, tmp_path
):
    path = write(tmp_path / "dai.wav", tone(20.0, rate=RATE), RATE)
    reports = []
    player = Player(sink, listeners=[reports.append])
    playback = player.play(path, ref="as-run:9")
    time.sleep(1.5)
    old_pid = engine.pid
    killed_at = time.time()
    engine.kill()
    assert playback.wait(5)
    handle = playback.handle
    assert handle.end_reason is EndReason.CUT
    report = playback.report
    assert report.outcome is Outcome.INTERRUPTED
    assert report.error_code == "engine_died"
    assert "SIGKILL" in report.error.message and str(old_pid) in report.error.message
    heard = report.end.timestamp()
    assert killed_at - 0.5 <= heard <= killed_at  # the last position the engine reported
    assert heard - report.actual_start.timestamp() >= 1.0
    # the supervisor restarts it; the next program airs
    assert engine.wait_ready(30) and engine.pid != old_pid
    assert engine.restarts == 1
    health = sink.engine_health()
    assert health.running and health.restarts == 1
    assert "SIGKILL" in health.last_exit
    again = player.play(write(tmp_path / "ngan.wav", tone(0.3, rate=RATE), RATE), soon(0.5))
    assert again.wait(5) and again.report.outcome is Outcome.AIRED


def test_kill_before_the_start_fails_the_playback(sink, engine, tmp_path):
    path = write(tmp_path / "sau.wav", tone(1.0, rate=RATE), RATE)
    handle = sink.start_at(ProgramSource(path), soon(5.0))
    time.sleep(0.3)
    engine.kill()
    assert handle.wait(5)
    assert handle.end_reason is EndReason.FAILED
    assert handle.actual_start is None
    assert handle.error.code == "engine_died"


def test_requests_while_the_engine_restarts_wait_for_it(sink, engine, tmp_path):
    path = write(tmp_path / "a.wav", tone(0.2, rate=RATE), RATE)
    engine.kill()
    handle = sink.start_at(ProgramSource(path))  # waits for the new engine
    assert handle.wait(10) and handle.end_reason is EndReason.COMPLETED


def test_a_stopped_engine_is_reported_unavailable(engine, tmp_path):
    sink = EngineSink(engine)
    engine.start()
    assert engine.wait_ready(30)
    engine.stop()
    with pytest.raises(PlayoutError) as err:
        engine.request("status", timeout=1)
    assert err.value.code == "engine_unavailable"
    assert not sink.engine_health().running


def test_closing_an_owning_sink_stops_playbacks_and_the_engine(engine, tmp_path):
    sink = EngineSink(engine, owns_engine=True)
    engine.start()
    handle = sink.start_at(ProgramSource(write(tmp_path / "d.wav", tone(10.0, rate=RATE), RATE)))
    time.sleep(0.5)
    proc_pid = engine.pid
    sink.close()
    assert handle.done and handle.end_reason is EndReason.STOPPED
    assert not engine.running and engine.pid is None
    assert proc_pid is not None


def test_the_previous_engines_state_is_read_before_a_new_engine_starts(tmp_path):
    args = ["--sink", f"file:{tmp_path / 'out'}", "--no-priority"]
    first = EngineProcess(args, state_path=tmp_path / "state.json")
    sink = EngineSink(first)
    first.start()
    handle = sink.start_at(
        ProgramSource(write(tmp_path / "d.wav", tone(10.0, rate=RATE), RATE)), ref="as-run:3"
    )
    time.sleep(1.0)
    first.stop()  # like a station that went away: the engine fades out and records
    assert handle.wait(5)
    second = EngineProcess(args, state_path=tmp_path / "state.json")
    second.start()
    try:
        assert second.wait_ready(30)
        record = second.previous_state.find("as-run:3")
        assert record is not None and record.reason == "stopped"
        assert record.heard_end - record.started_at == pytest.approx(1.0, abs=0.3)
    finally:
        second.stop()


def test_engine_options_follow_the_settings(tmp_path):
    cfg = Settings(data_dir=tmp_path, audio_device="USB", sample_rate=44_100, output_gain_db=-3)
    assert engine_args_from_settings(cfg) == [
        "--rate", "44100", "--gain-db", "-3.0", "--device", "USB",
    ]


STATION = """
import sys, time
from pathlib import Path
from broadcast.engine.client import EngineProcess, EngineSink
from broadcast.playout.source import ProgramSource
tmp = Path(sys.argv[1])
engine = EngineProcess(["--sink", f"file:{tmp / 'out'}", "--no-priority"],
                       state_path=tmp / "state.json")
sink = EngineSink(engine)
engine.start()
handle = sink.start_at(ProgramSource(sys.argv[2]), ref="as-run:77")
while handle.actual_start is None:
    time.sleep(0.01)
print(engine.pid, flush=True)
time.sleep(60)
"""


def test_after_the_station_is_killed_the_engine_fades_out_and_records_what_was_heard(tmp_path):
    """kill -9 of the station: the engine sees its input close, stops within a moment and
    leaves the airtime really heard for the next station to log."""
    path = write(tmp_path / "dai.wav", tone(30.0, rate=RATE), RATE)
    station = subprocess.Popen(
        [sys.executable, "-c", STATION, str(tmp_path), str(path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        engine_pid = int(station.stdout.readline())
        time.sleep(1.5)
        killed_at = time.time()
        station.kill()
        station.wait(5)
        deadline = time.time() + 5
        while time.time() < deadline and _alive(engine_pid):
            time.sleep(0.05)
        assert not _alive(engine_pid), "the engine outlived its station"
    finally:
        if station.poll() is None:
            station.kill()
    state = read_state(tmp_path / "state.json")
    assert state is not None and state.pid == engine_pid
    assert state.exit["cause"] == "stdin_closed"
    record = state.find("as-run:77")
    assert record.reason == "stopped"
    assert killed_at - 0.1 <= record.heard_end <= killed_at + 0.5
    assert record.heard_end - record.started_at >= 1.4


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie has exited
        return f.read().split(")")[-1].split()[0] != "Z"
