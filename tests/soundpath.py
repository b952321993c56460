"""The virtual loudspeaker for tests: start it, record what it plays, analyse the audio.

    speaker = VirtualSpeaker.start(tmp_dir)       # private PulseAudio, null sink loa_xa
    speaker.activate()                            # env for this process (before PortAudio use)
    subprocess.Popen([...], env=speaker.subprocess_env())   # or for a child process
    with speaker.recorder() as rec:               # parec on loa_xa.monitor
        ... play something ...
    recording = rec.recording
    i = onset(recording.samples, 0.05)
    heard_at = recording.time_of(i)               # epoch seconds the sink played sample i

How sample indices become instants. The null sink plays by its own clock: each time its
timer fires it renders one block (its configured latency B, the smallest latency any
stream asked for) whose first sample is played at that very instant, and the monitor
gets the block at once. parec then delivers chunks; when a chunk ending at cumulative
sample N arrives at wall time a, the last block in it was rendered at a - d (d: the
delivery delay, >= 0), so sample k in it was played at a - d + B + (k - N) / rate. Taking
the minimum of that over the chunks just after k removes the delivery delay (its
smallest value is a fraction of a millisecond). B is read with pactl while recording.
Estimating locally (not from the start of the recording) keeps the estimate right when
the sink rewinds, which repeats a few milliseconds in the monitor stream.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np
from scipy.signal import fftconvolve

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "virtual-speaker.sh"
SINK_NAME = "loa_xa"
RATE = 48_000


class SoundPathError(RuntimeError):
    """The virtual loudspeaker or its recorder could not be used (with the reason)."""


@dataclass
class VirtualSpeaker:
    directory: Path
    env: dict[str, str]
    sink_name: str = SINK_NAME
    _warm: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, directory: str | Path | None = None) -> VirtualSpeaker:
        """Start (or reuse) the server in ``directory`` (default /tmp/loa-pulse)."""
        directory = Path(directory or os.environ.get("LOA_PULSE_DIR", "/tmp/loa-pulse"))
        missing = [tool for tool in ("pulseaudio", "pactl", "parec") if not shutil.which(tool)]
        if missing:
            raise SoundPathError(
                f"missing {', '.join(missing)}: apt-get install pulseaudio pulseaudio-utils "
                "libasound2-plugins"
            )
        result = subprocess.run(
            ["bash", str(SCRIPT), "start", str(directory)],
            capture_output=True, text=True, timeout=30,
        )
        if result.returncode != 0:
            raise SoundPathError(
                f"virtual speaker did not start (exit {result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        env = dict(re.findall(r"^export (\w+)=(.*)$", result.stdout, flags=re.MULTILINE))
        if "PULSE_SERVER" not in env or "ALSA_CONFIG_PATH" not in env:
            raise SoundPathError(f"unexpected output from {SCRIPT}: {result.stdout!r}")
        return cls(directory=Path(env.get("LOA_PULSE_DIR", directory)), env=env)

    def keep_warm(self) -> None:
        """Keep a 20 ms recorder attached for as long as the speaker runs.

        An idle null sink renders 2 s ahead, so the first stream after a pause waits up
        to 2 s for audio to flow; with this, recorders and sinks start at once.
        """
        if self._warm is None or self._warm.poll() is not None:
            self._warm = subprocess.Popen(
                ["parec", f"--device={self.monitor}", "--latency-msec=20", "--raw"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.subprocess_env(),
            )

    def let_cool(self) -> None:
        """Detach the recorder ``keep_warm`` attached (a bench's last step: the speaker
        itself may be shared and stays up)."""
        if self._warm is not None:
            self._warm.terminate()
            self._warm.wait(timeout=5)
            self._warm = None

    def stop(self) -> None:
        self.let_cool()
        subprocess.run(
            ["bash", str(SCRIPT), "stop", str(self.directory)], capture_output=True, timeout=30
        )

    @property
    def monitor(self) -> str:
        return f"{self.sink_name}.monitor"

    def subprocess_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env.update(self.env)
        return env

    def activate(self) -> None:
        """Point this process's audio at the speaker.

        PortAudio reads the ALSA configuration when it initialises; if sounddevice was
        already imported (by an earlier test) it is re-initialised so that it sees the
        speaker's devices.
        """
        os.environ.update(self.env)
        if "sounddevice" in sys.modules:
            from broadcast.playout.sounddevice_sink import rescan_devices

            rescan_devices()

    def pactl(self, *args: str) -> str:
        result = subprocess.run(
            ["pactl", *args], capture_output=True, text=True, timeout=10,
            env=self.subprocess_env(),
        )
        if result.returncode != 0:
            raise SoundPathError(f"pactl {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def sink_latency(self) -> tuple[float, float]:
        """(current, configured) latency of the null sink, in seconds."""
        text = self.pactl("list", "sinks")
        for section in text.split("\nSink #"):
            if f"Name: {self.sink_name}\n" in section:
                m = re.search(r"Latency: (\d+) usec, configured (\d+) usec", section)
                if m:
                    return int(m.group(1)) / 1e6, int(m.group(2)) / 1e6
        raise SoundPathError(f"sink {self.sink_name} not found in pactl output")

    def recorder(self, **kwargs: object) -> Recorder:
        return Recorder(self, **kwargs)  # type: ignore[arg-type]


@dataclass
class Recording:
    """Mono float32 samples of the sink's monitor, with what maps them to wall time."""

    samples: np.ndarray
    rate: int
    arrivals: np.ndarray  # rows: (epoch seconds a chunk arrived, cumulative samples so far)
    blocks: np.ndarray  # rows: (epoch seconds, sink block seconds read by pactl)
    # Arrivals this long after a sample bound when it was played (each is an upper bound:
    # a chunk read late only overestimates). A long window rides out a recorder that a
    # busy machine held back for a moment (CI once read a cluster 40-50 ms late).
    window_seconds: float = 2.0

    def block_at(self, when: float) -> float:
        earlier = self.blocks[self.blocks[:, 0] <= when]
        row = earlier[-1] if len(earlier) else self.blocks[0]
        return float(row[1])

    def time_of(self, index: int) -> float:
        """Epoch seconds at which the sink played sample ``index``."""
        after = self.arrivals[self.arrivals[:, 1] >= index]
        if len(after) == 0:
            raise SoundPathError(f"sample {index} is beyond the recording")
        after = after[after[:, 0] <= after[0, 0] + self.window_seconds]
        estimates = [
            a + self.block_at(a) + (index - n) / self.rate for a, n in after
        ]
        return float(min(estimates))

    def index_at(self, when: float) -> int:
        """The sample the sink played at epoch seconds ``when``."""
        arrivals = self.arrivals
        i = int(np.searchsorted(arrivals[:, 0], when))
        i = min(max(i, 0), len(arrivals) - 1)
        index = int(arrivals[i, 1] - (arrivals[i, 0] - when) * self.rate)
        for _ in range(3):
            index = max(0, index)
            index += round((when - self.time_of(min(index, len(self.samples) - 1))) * self.rate)
        return max(0, min(index, len(self.samples)))

    def between(self, start: float, end: float) -> np.ndarray:
        return self.samples[self.index_at(start) : self.index_at(end)]


@dataclass
class Recorder:
    """``parec`` on the speaker's monitor, started before the event and stopped after it."""

    speaker: VirtualSpeaker
    latency_msec: int = 20
    rate: int = RATE
    path: Path | None = None  # also write the raw recording here (s16le mono)
    recording: Recording | None = None
    _proc: subprocess.Popen[bytes] | None = None
    _chunks: list[bytes] = field(default_factory=list)
    _arrivals: list[tuple[float, int]] = field(default_factory=list)
    _blocks: list[tuple[float, float]] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _error: str | None = None

    def start(self, timeout: float = 5.0) -> Recorder:
        """Start recording; returns once audio flows (an idle null sink may hold up to 2 s)."""
        self._proc = subprocess.Popen(
            [
                "parec", f"--device={self.speaker.monitor}", f"--latency-msec={self.latency_msec}",
                "--format=s16le", f"--rate={self.rate}", "--channels=1", "--raw",
            ],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.speaker.subprocess_env(),
            bufsize=0,
        )
        self._threads = [
            threading.Thread(target=self._read, daemon=True, name="parec-reader"),
            threading.Thread(target=self._poll_block, daemon=True, name="sink-latency"),
        ]
        for thread in self._threads:
            thread.start()
        deadline = time.time() + timeout
        while len(self._arrivals) < 5 or not self._blocks:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise SoundPathError(f"parec exited ({self._proc.returncode}): {err.strip()}")
            if time.time() > deadline:
                self.stop()
                raise SoundPathError(
                    f"no audio from {self.speaker.monitor} within {timeout} s ({self._error})"
                )
            time.sleep(0.01)
        return self

    def stop(self) -> Recording:
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        for thread in self._threads:
            thread.join(timeout=5)
        raw = b"".join(self._chunks)
        raw = raw[: len(raw) // 2 * 2]
        if self.path is not None:
            self.path.write_bytes(raw)
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        blocks = self._blocks or [(time.time(), self.latency_msec / 1000)]
        self.recording = Recording(
            samples=samples,
            rate=self.rate,
            arrivals=np.array(self._arrivals or [(time.time(), 0)], dtype=np.float64),
            blocks=np.array(blocks, dtype=np.float64),
        )
        return self.recording

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        total = 0
        while True:
            chunk = os.read(fd, 1 << 16)
            arrived = time.time()
            if not chunk:
                return
            self._chunks.append(chunk)
            total += len(chunk)
            self._arrivals.append((arrived, total // 2))

    def _poll_block(self) -> None:
        while not self._stop.is_set():
            try:
                _, configured = self.speaker.sink_latency()
                self._blocks.append((time.time(), configured))
            except (SoundPathError, subprocess.TimeoutExpired) as exc:
                self._error = str(exc)
            self._stop.wait(0.2)


def onset(samples: np.ndarray, threshold: float, start: int = 0) -> int | None:
    """Index of the first sample at or after ``start`` whose magnitude reaches ``threshold``."""
    above = np.flatnonzero(np.abs(samples[start:]) >= threshold)
    return None if len(above) == 0 else int(above[0]) + start


def best_alignment(recorded: np.ndarray, reference: np.ndarray) -> tuple[float, int]:
    """(peak normalized cross-correlation, lag of ``reference`` inside ``recorded``)."""
    recorded = np.asarray(recorded, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if len(recorded) < len(reference):
        recorded = np.concatenate([recorded, np.zeros(len(reference) - len(recorded))])
    ref_energy = float(np.sqrt(np.sum(reference**2)))
    if ref_energy == 0.0:
        return 0.0, 0
    dots = fftconvolve(recorded, reference[::-1], mode="valid")
    power = np.concatenate([[0.0], np.cumsum(recorded**2)])
    window = np.sqrt(np.maximum(power[len(reference):] - power[: -len(reference)], 1e-20))
    ncc = dots / (window * ref_energy)
    lag = int(np.argmax(ncc))
    return float(ncc[lag]), lag


def correlation(recorded: np.ndarray, reference: np.ndarray) -> float:
    """Peak normalized cross-correlation of ``reference`` within ``recorded`` (1.0 = same)."""
    return best_alignment(recorded, reference)[0]


@dataclass(frozen=True)
class Gap:
    start: int  # sample index where the sound dropped out
    seconds: float


def dropouts(
    samples: np.ndarray, rate: int, *, window_seconds: float = 0.001, fraction: float = 0.3
) -> list[Gap]:
    """Holes in a continuous tone: runs of 1 ms windows whose peak falls under ``fraction`` of
    the tone's usual peak (the median window peak). A tone of 100 Hz or more has its full
    peak within every millisecond, so a hole of one window is already a real dropout."""
    width = max(1, int(round(window_seconds * rate)))
    usable = len(samples) // width * width
    if usable == 0:
        return []
    peaks = np.abs(samples[:usable]).reshape(-1, width).max(axis=1)
    level = float(np.median(peaks))
    low = peaks < fraction * level
    gaps: list[Gap] = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], low.astype(np.int8), [0]))))
    for begin, end in zip(edges[::2], edges[1::2], strict=True):
        gaps.append(Gap(int(begin) * width, (int(end) - int(begin)) * width / rate))
    return gaps
