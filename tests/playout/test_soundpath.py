"""End to end through the virtual loudspeaker: PortAudio -> ALSA -> PulseAudio null sink,
recorded on its monitor. Timing assertions here check the audio path's correctness
(where in time the program is heard), not the machine's speed."""

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy.signal import resample_poly

from broadcast.errors import PlayoutError
from broadcast.playout import Player
from broadcast.playout.sink import EndReason
from broadcast.playout.source import ProgramSource
from broadcast.scheduling.model import Outcome, Priority
from tests.playout.signals import noise_burst, tone, write
from tests.soundpath import VirtualSpeaker, best_alignment, onset

pytestmark = pytest.mark.soundpath

ONSET_TOLERANCE = 0.020


@pytest.fixture
def sink(virtual_speaker):
    from broadcast.playout.sounddevice_sink import SounddeviceSink

    sink = SounddeviceSink("pulse", samplerate=48_000)
    yield sink
    sink.close()


def rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def test_devices_are_listed_and_a_missing_device_is_named(virtual_speaker):
    from broadcast.playout.sounddevice_sink import SounddeviceSink, list_devices

    names = [d.name for d in list_devices()]
    assert "pulse" in names
    with pytest.raises(PlayoutError) as err:
        SounddeviceSink("Card-khong-ton-tai").open()
    assert err.value.code == "device_not_found"
    assert "Card-khong-ton-tai" in err.value.message
    assert "pulse" in err.value.message  # tells the operator what there is instead


def test_program_is_heard_at_the_scheduled_instant_with_its_content(sink, recorder, tmp_path):
    burst = noise_burst(1.0, rate=44_100, seed=7)  # another rate: resampled on the way
    path = write(tmp_path / "burst.wav", burst, 44_100)
    sink.open()
    when = datetime.now(UTC) + timedelta(seconds=1.5)
    handle = sink.start_at(ProgramSource(path), when)
    assert handle.wait(6)
    time.sleep(0.2)
    rec = recorder.stop()

    assert handle.end_reason is EndReason.COMPLETED
    scheduled = when.timestamp()
    start_index = onset(rec.samples, 0.05, rec.index_at(scheduled - 0.5))
    assert start_index is not None, "nothing was heard"
    heard = rec.time_of(start_index)
    assert abs(heard - scheduled) <= ONSET_TOLERANCE, f"heard {1000 * (heard - scheduled):+.1f} ms"
    assert abs(handle.actual_start.timestamp() - scheduled) <= ONSET_TOLERANCE

    reference = resample_poly(burst, 160, 147)
    segment = rec.between(scheduled - 0.2, scheduled + 1.3)
    score, lag = best_alignment(segment, reference)
    assert score > 0.9, f"underflows {handle.underflows}, underruns {handle.underruns}"
    # the content is where the onset says, not merely somewhere
    assert abs(rec.time_of(rec.index_at(scheduled - 0.2) + lag) - scheduled) <= ONSET_TOLERANCE


def test_emergency_interrupts_with_a_fade_then_airs(sink, recorder, tmp_path):
    normal_path = write(tmp_path / "normal.wav", tone(6.0, 440, amplitude=0.5))
    urgent = noise_burst(1.0, seed=3, amplitude=0.2)
    urgent_path = write(tmp_path / "khan-cap.wav", urgent)
    reports = []
    player = Player(sink, fade_seconds=0.5, listeners=[reports.append])
    player.prepare()
    normal = player.play(normal_path)
    time.sleep(1.0)
    emergency = player.play(urgent_path, priority=Priority.EMERGENCY)
    assert normal.wait(5) and emergency.wait(5)
    time.sleep(0.2)
    rec = recorder.stop()

    old, new = normal.report, emergency.report
    assert old.outcome is Outcome.INTERRUPTED and old.interrupted_by == urgent_path
    assert new.outcome is Outcome.AIRED
    assert {r.path for r in reports} == {normal_path, urgent_path}
    fade_end = old.end.timestamp()
    fade_start = fade_end - 0.5
    # loud before the fade, about half way through it, silent at its end
    before = rms(rec.between(fade_start - 0.2, fade_start - 0.02))
    middle = rms(rec.between(fade_start + 0.2, fade_start + 0.3))
    last = rms(rec.between(fade_end - 0.04, fade_end - 0.005))
    assert before == pytest.approx(0.5 / np.sqrt(2), rel=0.1)
    assert 0.2 * before < middle < 0.8 * before, (old.underflows, old.underruns)
    assert last < 0.1 * before
    # the emergency comes in when the fade is over, and is heard intact
    assert new.actual_start.timestamp() >= fade_end - 0.005
    window_start = new.actual_start.timestamp() - 0.3
    score, lag = best_alignment(rec.between(window_start, window_start + 1.6), urgent)
    assert score > 0.9
    heard = rec.time_of(rec.index_at(window_start) + lag)
    assert abs(heard - new.actual_start.timestamp()) <= ONSET_TOLERANCE


def test_stop_fades_out_and_silence_follows(sink, recorder, tmp_path):
    path = write(tmp_path / "tone.wav", tone(5.0, 300, amplitude=0.5))
    sink.open()
    handle = sink.start_at(ProgramSource(path))
    time.sleep(0.8)
    handle.stop(0.3)
    assert handle.wait(3)
    time.sleep(0.3)
    rec = recorder.stop()
    assert handle.end_reason is EndReason.STOPPED
    end = handle.actual_end.timestamp()
    assert end - handle.actual_start.timestamp() < 1.5
    assert rms(rec.between(end - 0.5, end - 0.35)) > 0.3
    assert rms(rec.between(end + 0.01, end + 0.25)) < 1e-3


def test_device_failure_mid_broadcast_is_reported_and_the_next_play_works(
    virtual_speaker, sink, tmp_path
):
    """The sound server dies under the player: heard then cut, naming the device; then
    recovery."""
    player = Player(sink)
    player.prepare()
    long = player.play(write(tmp_path / "dai.wav", tone(20.0)))
    time.sleep(0.5)
    stopped_at = time.time()
    virtual_speaker.stop()
    try:
        assert long.wait(10)
        assert long.report.outcome is Outcome.INTERRUPTED
        assert long.handle.end_reason is EndReason.CUT
        assert long.report.error_code == "device_failed"
        assert "pulse" in long.report.error.message
        assert long.report.actual_start is not None  # it had been on air
        # the end is when the audio stopped, not when the watchdog noticed
        assert abs(long.report.end.timestamp() - stopped_at) < 0.5
        assert player.current is None
    finally:
        restarted = VirtualSpeaker.start(virtual_speaker.directory)  # same socket, same env
        assert restarted.env == virtual_speaker.env
        virtual_speaker.keep_warm()
    virtual_speaker.recorder().start().stop()  # audio flows again
    again = player.play(write(tmp_path / "ngan.wav", tone(0.5)))
    assert again.wait(10)
    assert again.report.outcome is Outcome.AIRED, again.report


class DiskFailsMidway(ProgramSource):
    """A program file whose disk fails after ``good_seconds``: the reader's real error path."""

    def __init__(self, path, good_seconds):
        super().__init__(path, buffer_seconds=0.5)
        self.good_seconds = good_seconds
        self._handed = 0

    def _put(self, ring, samples):
        self._handed += len(samples)
        if self.rate is not None and self._handed > self.good_seconds * self.rate:
            raise OSError(5, "Input/output error")
        return super()._put(ring, samples)


def test_a_program_cut_by_a_read_error_is_not_reported_complete(sink, recorder, tmp_path):
    path = write(tmp_path / "ban-tin.wav", tone(3.0, 440, rate=48_000), 48_000)
    sink.open()
    handle = sink.start_at(DiskFailsMidway(path, 1.0), datetime.now(UTC) + timedelta(seconds=0.5))
    assert handle.wait(6)
    recorder.stop()
    assert handle.actual_start is not None  # the first second was heard
    assert handle.end_reason is EndReason.CUT
    assert handle.error is not None and handle.error.code == "program_unreadable"
