"""The audio engine through the virtual loudspeaker: PortAudio in the engine process ->
PulseAudio null sink, recorded on its monitor. Timing assertions check where in time the
audio is heard (the audio path's correctness), not the machine's speed."""

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from broadcast.engine.client import EngineProcess, EngineSink
from broadcast.playout.player import Player
from broadcast.playout.sink import EndReason
from broadcast.playout.source import ProgramSource
from broadcast.scheduling.model import Outcome
from tests.engine.conftest import engine_env
from tests.playout.signals import noise_burst, tone, write
from tests.soundpath import VirtualSpeaker, best_alignment, onset

pytestmark = pytest.mark.soundpath

RATE = 48_000
ONSET_TOLERANCE = 0.020


def rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def start_engine(speaker: VirtualSpeaker, tmp_path, **kwargs) -> EngineProcess:
    engine = EngineProcess(
        ["--device", "pulse", "--rate", str(RATE)],
        env=engine_env(speaker), state_path=tmp_path / "engine-state.json", **kwargs,
    )
    return engine


@pytest.fixture
def engine(engine_speaker, tmp_path):
    engine = start_engine(engine_speaker, tmp_path, backoff=(0.2, 0.5))
    yield engine
    engine.stop()


@pytest.fixture
def sink(engine):
    sink = EngineSink(engine, device="pulse")
    engine.start()
    assert engine.wait_ready(30), "the engine did not start"
    sink.open()
    yield sink
    sink.close()


def heard_onset(rec, scheduled: float, reference: np.ndarray) -> tuple[float, float]:
    """(when the reference is heard, by correlation, in epoch seconds; correlation)."""
    begin = rec.index_at(scheduled - 0.5)
    window = rec.samples[begin : begin + int((len(reference) / RATE + 1.5) * RATE)]
    score, lag = best_alignment(window, reference)
    return rec.time_of(begin + lag), score


def test_a_program_through_the_engine_is_heard_at_its_instant_with_its_content(
    sink, engine_recorder, tmp_path
):
    burst = noise_burst(1.0, rate=RATE, seed=21)
    path = write(tmp_path / "burst.wav", burst, RATE)
    when = datetime.now(UTC) + timedelta(seconds=1.5)
    handle = sink.start_at(ProgramSource(path), when, ref="as-run:1")
    assert handle.wait(8)
    time.sleep(0.2)
    rec = engine_recorder.stop()

    assert handle.end_reason is EndReason.COMPLETED, handle.error
    scheduled = when.timestamp()
    first = onset(rec.samples, 0.05, rec.index_at(scheduled - 0.5))
    assert first is not None, "nothing was heard"
    heard = rec.time_of(first)
    assert abs(heard - scheduled) <= ONSET_TOLERANCE, f"heard {1000 * (heard - scheduled):+.1f} ms"
    assert abs(handle.actual_start.timestamp() - scheduled) <= ONSET_TOLERANCE
    at, score = heard_onset(rec, scheduled, burst)
    assert score > 0.9, f"underflows {handle.underflows}, underruns {handle.underruns}"
    assert abs(at - scheduled) <= ONSET_TOLERANCE  # the content is where the onset says
    assert handle.actual_end.timestamp() == pytest.approx(scheduled + 1.0, abs=ONSET_TOLERANCE)


def test_stop_through_the_engine_fades_out_and_silence_follows(sink, engine_recorder, tmp_path):
    path = write(tmp_path / "tone.wav", tone(6.0, 300, amplitude=0.5))
    player = Player(sink)
    playback = player.play(path)
    time.sleep(1.0)
    playback.stop(0.3)
    assert playback.wait(4)
    time.sleep(0.3)
    rec = engine_recorder.stop()
    handle = playback.handle
    assert handle.end_reason is EndReason.STOPPED
    assert playback.report.outcome is Outcome.INTERRUPTED
    end = handle.actual_end.timestamp()
    assert end - handle.actual_start.timestamp() < 2.0
    assert rms(rec.between(end - 0.6, end - 0.35)) > 0.3  # loud before the fade
    middle = rms(rec.between(end - 0.2, end - 0.1))
    assert 0.05 < middle < 0.3  # fading
    assert rms(rec.between(end + 0.01, end + 0.25)) < 1e-3


def test_kill_9_mid_program_is_cut_where_the_audio_stopped_and_the_next_airs_on_time(
    sink, engine, engine_recorder, tmp_path
):
    program = noise_burst(12.0, rate=RATE, seed=5)
    path = write(tmp_path / "dai.wav", program, RATE)
    player = Player(sink)
    playback = player.play(path, ref="as-run:2")
    time.sleep(3.0)
    old_pid = engine.pid
    engine.kill()
    assert playback.wait(5)
    handle = playback.handle
    assert handle.end_reason is EndReason.CUT
    assert playback.report.outcome is Outcome.INTERRUPTED
    assert playback.report.error_code == "engine_died"
    # the supervisor brings a new engine, which opens the output again by itself
    assert engine.wait_ready(30) and engine.pid != old_pid
    follow = noise_burst(1.0, rate=RATE, seed=6)
    when = datetime.now(UTC) + timedelta(seconds=2.0)
    next_playback = player.play(write(tmp_path / "sau.wav", follow, RATE), when)
    assert next_playback.wait(8)
    time.sleep(0.2)
    rec = engine_recorder.stop()

    # where the audio really stopped: the last loud sample before the next program
    start = handle.actual_start.timestamp()
    segment = rec.samples[rec.index_at(start) : rec.index_at(when.timestamp() - 0.5)]
    loud = np.flatnonzero(np.abs(segment) > 0.02)
    assert len(loud), "the program was not heard"
    stopped = rec.time_of(rec.index_at(start) + int(loud[-1]))
    reported = handle.actual_end.timestamp()
    assert abs(reported - stopped) <= 0.3, f"reported {1000 * (reported - stopped):+.0f} ms"
    assert stopped - start > 2.5  # it had been on air for the 3 s before the kill
    # the next program airs on time and intact
    assert next_playback.report.outcome is Outcome.AIRED, next_playback.report
    at, score = heard_onset(rec, when.timestamp(), follow)
    assert score > 0.9
    assert abs(at - when.timestamp()) <= ONSET_TOLERANCE, f"{1000 * (at - when.timestamp()):+.1f}"


@pytest.fixture
def private_speaker(tmp_path, engine_speaker):
    """A loudspeaker of its own, for a test that stops and restarts the sound server."""
    speaker = VirtualSpeaker.start(tmp_path / "pulse")
    speaker.keep_warm()
    yield speaker
    speaker.stop()
    engine_speaker.activate()  # this process's PortAudio back on the shared speaker


@pytest.mark.parametrize("where", ["in-process", "engine"])
def test_after_the_sound_server_comes_back_nothing_of_the_interrupted_program_is_heard(
    where, private_speaker, tmp_path
):
    """Issue 9, item 1: a programme whose sound server vanished must not re-air when the
    server comes back and the output is opened again for the next programme."""
    interrupted = noise_burst(20.0, rate=RATE, seed=9)
    path = write(tmp_path / "bi-ngat.wav", interrupted, RATE)
    engine = None
    if where == "engine":
        engine = start_engine(private_speaker, tmp_path)
        sink = EngineSink(engine, device="pulse")
        engine.start()
        assert engine.wait_ready(30)
    else:
        from broadcast.playout.sounddevice_sink import SounddeviceSink

        private_speaker.activate()
        sink = SounddeviceSink("pulse", samplerate=RATE)
    try:
        sink.open()
        handle = sink.start_at(ProgramSource(path), ref="as-run:1")
        time.sleep(3.0)
        lost_at = time.time()
        private_speaker.stop()  # the sound server goes away 3 s into the programme
        assert handle.wait(10)
        assert handle.end_reason is EndReason.CUT  # heard, then cut by the fault
        assert handle.error.code == "device_failed" and "pulse" in handle.error.message
        assert abs(handle.actual_end.timestamp() - lost_at) < 0.5
        # Issue 9, item 9: the output says it cannot be heard while the server is gone.
        assert not sink.health().ok
        time.sleep(1.0)
        restarted = VirtualSpeaker.start(private_speaker.directory)  # same socket, same env
        assert restarted.env == private_speaker.env
        private_speaker.keep_warm()
        with private_speaker.recorder(latency_msec=20) as recorder:
            sink.open()  # the station opens the output ahead of the next programme
            follow = tone(1.5, 660, amplitude=0.4)
            when = datetime.now(UTC) + timedelta(seconds=3.0)
            nxt = sink.start_at(ProgramSource(write(tmp_path / "sau.wav", follow)), when)
            assert sink.health().ok  # and can be heard again once it is back
            assert nxt.wait(10)
            time.sleep(0.3)
        rec = recorder.recording
    finally:
        sink.close()
        if engine is not None:
            engine.stop()

    assert nxt.end_reason is EndReason.COMPLETED, nxt.error
    scheduled = when.timestamp()
    before = rec.samples[: rec.index_at(scheduled - 0.05)]
    assert len(before) > 2.5 * RATE
    loud = np.flatnonzero(np.abs(before) > 0.01)
    assert len(loud) == 0, (
        f"{len(loud) / RATE:.2f} s of sound before the next programme, from "
        f"{rec.time_of(int(loud[0])) - scheduled:+.2f} s"
    )
    # and nothing of it under the next programme either: what is heard is the tone alone
    heard = rec.between(scheduled + 0.05, scheduled + 1.45)
    reference = interrupted[3 * RATE : 9 * RATE]
    score, _ = best_alignment(reference, heard[: RATE // 2])
    assert score < 0.2
    at, tone_score = heard_onset(rec, scheduled, follow)
    assert tone_score > 0.95
    assert abs(at - scheduled) <= ONSET_TOLERANCE
