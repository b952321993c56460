import threading

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly

from broadcast.errors import PlayoutError
from broadcast.playout.resample import StreamResampler
from broadcast.playout.source import ProgramSource, RingBuffer
from tests.playout.signals import noise_burst, tone, write


def drain(source: ProgramSource, block: int = 1000) -> np.ndarray:
    out, buf = [], np.zeros(block, dtype=np.float32)
    for _ in range(100_000):
        n = source.read_into(buf)
        out.append(buf[:n].copy())
        if source.exhausted:
            break
        if n == 0:
            threading.Event().wait(0.001)
    return np.concatenate(out)


def test_ring_buffer_wraps_and_never_blocks_the_reader():
    ring = RingBuffer(10)
    stop = threading.Event()
    assert ring.write(np.arange(7, dtype=np.float32), stop)
    out = np.zeros(5, dtype=np.float32)
    assert ring.read_into(out) == 5
    assert ring.write(np.arange(7, 15, dtype=np.float32), stop)  # wraps around the end
    out = np.zeros(20, dtype=np.float32)
    assert ring.read_into(out) == 10
    assert list(out[:10]) == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert ring.read_into(out) == 0  # empty: returns at once


def test_ring_buffer_writer_gives_up_when_stopped():
    ring = RingBuffer(4)
    stop = threading.Event()
    stop.set()
    assert not ring.write(np.zeros(10, dtype=np.float32), stop)


@pytest.mark.parametrize("rates", [(44_100, 48_000), (22_050, 48_000), (48_000, 44_100)])
def test_streaming_resampler_matches_whole_signal_resampling(rates):
    x = noise_burst(1.3, rate=rates[0])
    r = StreamResampler(*rates)
    rng = np.random.default_rng(3)
    parts, i = [], 0
    while i < len(x):
        n = int(rng.integers(1, 7000))
        parts.append(r.push(x[i : i + n]))
        i += n
    parts.append(r.flush())
    y = np.concatenate(parts)
    ref = resample_poly(x, r.up, r.down)
    assert len(y) == len(ref)
    assert np.max(np.abs(y - ref)) < 1e-5


def test_source_streams_the_file_with_bounded_memory(tmp_path):
    x = noise_burst(6.0)
    path = write(tmp_path / "long.wav", x)
    source = ProgramSource(path, buffer_seconds=0.5, block_frames=2048)
    source.prepare(48_000)
    assert source._ring is not None and source._ring.capacity <= 48_000  # not the whole file
    y = drain(source)
    np.testing.assert_allclose(y, x, atol=1e-6)
    assert source.frames_read == len(x)


def test_source_mixes_stereo_down_and_resamples_and_applies_gain(tmp_path):
    left = tone(1.0, 500, rate=44_100)
    stereo = np.stack([left, left], axis=1)
    path = tmp_path / "stereo.wav"
    soundfile.write(str(path), stereo, 44_100, subtype="FLOAT")
    source = ProgramSource(path, gain_db=-6.0)
    source.prepare(48_000)
    y = drain(source)
    assert len(y) == 48_000
    expected = resample_poly(left, 160, 147) * 10 ** (-6 / 20)
    np.testing.assert_allclose(y, expected, atol=1e-4)


def test_source_that_cannot_be_read_raises_playout_error(tmp_path):
    (tmp_path / "broken.wav").write_bytes(b"not audio at all")
    with pytest.raises(PlayoutError) as err:
        ProgramSource(tmp_path / "broken.wav").prepare(48_000)
    assert err.value.code == "program_unreadable"
    with pytest.raises(PlayoutError) as err:
        ProgramSource(tmp_path / "missing.wav").prepare(48_000)
    assert "missing.wav" in err.value.message
