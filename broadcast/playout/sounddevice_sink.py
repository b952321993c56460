"""The sound card sink: PortAudio through sounddevice (the only module importing it).

The output stream is opened ahead of air time and runs on silence ("warm"). A program
starts at the exact sample whose reported output (DAC) time maps to the scheduled
instant: PortAudio's stream clock is tied to the wall clock by sampling both together.
The callback only copies from the program's ring buffer (filled by a reader thread),
mixes, applies the gain and fades; it never waits. A monitor thread turns callback
events into handle updates at the instants the audio actually left, logs underflows,
and notices a device that stopped: a playback already heard then ends CUT at the last
instant handed to the device, one not yet heard ends FAILED, both naming the device. A
lost stream is dropped with everything its callback held; the next ``open`` starts clean.
"""

from __future__ import annotations

import collections
import enum
import logging
import os
import queue
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from broadcast.clock import from_epoch, to_epoch
from broadcast.errors import PlayoutError
from broadcast.playout.sink import DeviceInfo, EndReason, PlaybackHandle, SinkHealth
from broadcast.playout.source import ProgramSource, RingBuffer

SWITCH_INTERVAL_SECONDS = 0.0005
log = logging.getLogger(__name__)

_sounddevice: ModuleType | None = None


def load_sounddevice() -> ModuleType:
    """Import sounddevice on first use; PortAudio missing becomes a clear PlayoutError."""
    global _sounddevice
    if _sounddevice is None:
        try:
            import sounddevice
        except OSError as exc:
            raise PlayoutError(
                "Không tìm thấy thư viện PortAudio nên không thể phát ra card âm thanh. "
                "Hãy cài gói libportaudio2 (Debian/Ubuntu: sudo apt-get install libportaudio2). "
                f"Chi tiết: {exc}",
                code="portaudio_missing",
            ) from exc
        _sounddevice = sounddevice
    return _sounddevice


def rescan_devices() -> None:
    """Make PortAudio enumerate devices again (a card plugged in, a new ALSA config).

    Only call it when no stream is open.
    """
    sd = load_sounddevice()
    sd._terminate()
    sd._initialize()


def list_devices() -> list[DeviceInfo]:
    """The output devices PortAudio sees, for ``broadcast devices``."""
    sd = load_sounddevice()
    default_out = _default_output_index(sd)
    result = []
    for index, dev in enumerate(sd.query_devices()):
        if dev["max_output_channels"] <= 0:
            continue
        result.append(
            DeviceInfo(
                index=index,
                name=str(dev["name"]),
                host_api=str(sd.query_hostapis(dev["hostapi"])["name"]),
                max_output_channels=int(dev["max_output_channels"]),
                default_samplerate=float(dev["default_samplerate"]),
                is_default=index == default_out,
            )
        )
    return result


def list_input_devices() -> list[DeviceInfo]:
    """The input devices PortAudio sees (microphone, line-in), for ``broadcast devices``."""
    sd = load_sounddevice()
    try:
        default_in = int(sd.default.device[0])
    except (TypeError, IndexError, ValueError):
        default_in = -1
    result = []
    for index, dev in enumerate(sd.query_devices()):
        if dev["max_input_channels"] <= 0:
            continue
        result.append(
            DeviceInfo(
                index=index,
                name=str(dev["name"]),
                host_api=str(sd.query_hostapis(dev["hostapi"])["name"]),
                max_output_channels=int(dev["max_input_channels"]),  # channels, for inputs
                default_samplerate=float(dev["default_samplerate"]),
                is_default=index == default_in,
            )
        )
    return result


def resolve_input_device(spec: str | int | None) -> DeviceInfo:
    """Find the input device like :func:`resolve_device` finds an output."""
    return _choose(list_input_devices(), spec, "đầu vào")


def resolve_device(spec: str | int | None) -> DeviceInfo:
    """Find the output device by index, by a case-insensitive part of its name, or the default."""
    return _choose(list_devices(), spec, "")


def _choose(devices: list[DeviceInfo], spec: str | int | None, kind: str) -> DeviceInfo:
    label = "mặc định" if spec is None else str(spec)
    if spec is None:
        chosen = [d for d in devices if d.is_default]
    elif isinstance(spec, int) or spec.strip().isdigit():
        chosen = [d for d in devices if d.index == int(spec)]
    else:
        wanted = spec.strip().casefold()
        exact = [d for d in devices if d.name.casefold() == wanted]
        chosen = exact or [d for d in devices if wanted in d.name.casefold()]
    if not chosen:
        names = ", ".join(f"{d.index}: {d.name}" for d in devices) or "không có thiết bị nào"
        what = f"thiết bị âm thanh {kind}".strip()
        raise PlayoutError(
            f"Không tìm thấy {what} '{label}'. Các thiết bị phát hiện có: {names}.",
            code="device_not_found",
        )
    return chosen[0]


def _default_output_index(sd: ModuleType) -> int:
    try:
        return int(sd.default.device[1])
    except (TypeError, IndexError, ValueError):
        return -1


class _State(enum.Enum):
    PENDING = 1
    PLAYING = 2
    DONE = 3


class _Stream:
    """One PortAudio output stream and everything its callback owns.

    Each stream opened gets a new one, so nothing of a stream that was lost or closed
    (its voices, queued events, counters, clock offset) can reach the next: when a sound
    server came back, a lost stream's voices used to be mixed again by the new stream.
    """

    def __init__(self) -> None:
        self.pa: Any = None  # the sounddevice.OutputStream
        self.incoming: collections.deque[_Voice] = collections.deque()
        self.voices: list[_Voice] = []  # owned by the callback
        self.events: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.mix = np.zeros(8192, dtype=np.float32)
        self.offset = 0.0  # wall clock (epoch seconds) minus this stream's time
        self.last_callback = time.monotonic()
        self.callbacks = 0
        self.max_lead = 0.0  # the most ahead of "now" a callback was asked to fill
        self.retired = False  # discarded: its callback writes silence and touches nothing
        self.priority_tried = False
        self.closing = threading.Event()
        self.monitor: threading.Thread | None = None


class _Voice:
    """One program inside the callback; only the callback thread mutates it."""

    def __init__(
        self, handle: PlaybackHandle, stream: _Stream, start_stream_time: float | None
    ) -> None:
        self.handle = handle
        self.source = handle.source
        self.stream = stream
        self.start_stream_time = start_stream_time
        self.state = _State.PENDING
        # A stop request, set from another thread: fade length, and when the fade begins
        # (stream time; None: at once). fade_frames is written last: it is the signal.
        self.stop_stream_time: float | None = None
        self.fade_frames: int | None = None
        self.fading = False
        self.fade_done = 0  # frames of the fade already played
        self.buf = np.zeros(4096, dtype=np.float32)


class SounddeviceSink:
    """A PortAudio output device, opened ahead and fed by a callback.

    ``realtime_priority``: if set, the audio callback thread asks for ``SCHED_RR`` at that
    priority the first time it runs (best effort; refused without the privilege).
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        samplerate: int = 48_000,
        channels: int | None = None,
        gain_db: float = 0.0,
        latency: float = 0.25,
        blocksize: int = 1024,
        watchdog_seconds: float = 2.0,
        realtime_priority: int | None = None,
    ) -> None:
        self.device_spec = device
        self.preferred_rate = samplerate
        self.requested_channels = channels
        self.gain = float(10.0 ** (gain_db / 20.0))
        self.latency = latency
        self.blocksize = blocksize
        self.watchdog_seconds = watchdog_seconds
        self.realtime_priority = realtime_priority
        self.underflows = 0  # over the sink's life, for the operator's status page
        self.last_error: PlayoutError | None = None  # why the device last failed to open or ran
        self._device: DeviceInfo | None = None
        self._rate = samplerate
        self._channels = 1
        self._stream: _Stream | None = None
        self._live: dict[int, _Voice] = {}  # handle id -> voice, for stop() and failures
        self._lock = threading.RLock()
        # A copy of what is played, for publishing (the engine's tap): the ring, and the
        # wall-clock instant its first sample was heard (set by the callback).
        self._tap: RingBuffer | None = None
        self.tap_origin: float | None = None
        self.tap_dropped = 0

    @property
    def name(self) -> str:
        if self._device is not None:
            return self._device.name
        return "mặc định" if self.device_spec is None else str(self.device_spec)

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def output_latency(self) -> float:
        stream = self._stream
        if stream is None or stream.pa is None:
            buffered, lead = self.latency, 0.0
        else:
            buffered, lead = float(stream.pa.latency), stream.max_lead
        # How far ahead callbacks were seen filling, plus the block being filled now.
        return max(buffered, lead) + self.blocksize / self._rate + 0.005

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    @property
    def last_callback_age(self) -> float | None:
        """Seconds since the device last asked for audio (None when no stream is open)."""
        stream = self._stream
        return None if stream is None else time.monotonic() - stream.last_callback

    def open(self) -> None:
        with self._lock:
            if self._stream is not None:
                return
            try:
                self._open_stream()
            except PlayoutError as exc:
                self.last_error = exc
                raise
            self.last_error = None

    def _open_stream(self) -> None:
        sd = load_sounddevice()
        # The callback is Python: it must win the GIL from busy threads (the HTTP
        # server under load) well within one block, not after the 5 ms default.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))
        try:
            device = resolve_device(self.device_spec)
        except PlayoutError:
            rescan_devices()  # maybe plugged in since PortAudio started
            device = resolve_device(self.device_spec)
        self._device = device
        self._channels = self.requested_channels or min(2, device.max_output_channels)
        self._rate = self._pick_rate(sd, device)
        stream = _Stream()

        def callback(outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            self._callback(stream, outdata, frames, time_info, status)

        try:
            pa = sd.OutputStream(
                device=device.index,
                samplerate=self._rate,
                channels=self._channels,
                dtype="float32",
                latency=self.latency,
                blocksize=self.blocksize,
                callback=callback,
            )
            pa.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise PlayoutError(
                f"Không mở được thiết bị âm thanh '{device.name}': {exc}",
                code="device_failed",
            ) from exc
        stream.pa = pa
        stream.last_callback = time.monotonic()
        self._await_callbacks(stream)
        stream.offset = self._measure_offset(stream)
        self._stream = stream
        stream.monitor = threading.Thread(
            target=self._run_monitor, args=(stream,), name="playout-monitor", daemon=True
        )
        stream.monitor.start()
        log.info(
            "output open: '%s' %d Hz %d ch, latency %.1f ms",
            device.name, self._rate, self._channels, pa.latency * 1000,
        )

    def start_at(
        self, source: ProgramSource, when: datetime | None = None, *, ref: str | None = None
    ) -> PlaybackHandle:
        self.open()
        source.prepare(self._rate)
        with self._lock:
            stream = self._stream
            if stream is None:  # lost since open(): open a new one (or raise why not)
                self.open()
                stream = self._stream
                assert stream is not None
            stream.offset = self._measure_offset(stream)  # the two clocks drift apart slowly
            start = None if when is None else to_epoch(when) - stream.offset
            handle = PlaybackHandle(
                source, device=self.name, scheduled=when, request_stop=self._request_stop,
                ref=ref,
            )
            voice = _Voice(handle, stream, start)
            self._live[id(handle)] = voice
            stream.incoming.append(voice)
        return handle

    def start_tap(self, ring: RingBuffer) -> None:
        """Copy everything played from now on into ``ring`` (never waiting: what does not
        fit is dropped and counted); ``tap_origin`` becomes the instant its first sample
        was heard."""
        self.tap_origin = None
        self.tap_dropped = 0
        self._tap = ring

    def stop_tap(self) -> None:
        self._tap = None

    def health(self) -> SinkHealth:
        """Open and fed by the device: ok; lost: not ok; closed: whether the device exists."""
        stream = self._stream
        if stream is not None:
            if self._stream_stalled(stream):
                return SinkHealth(False, self.name, f"Thiết bị '{self.name}' không nhận âm thanh.")
            return SinkHealth(True, self.name)
        if self.last_error is not None:
            return SinkHealth(False, self.name, self.last_error.message)
        try:
            return SinkHealth(True, resolve_device(self.device_spec).name)
        except PlayoutError as exc:
            return SinkHealth(False, None, exc.message)

    def close(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
            live = list(self._live.values())
            self._live.clear()
        if stream is not None:
            stream.closing.set()
            monitor = stream.monitor
            if monitor is not None and monitor is not threading.current_thread():
                monitor.join(timeout=2.0)  # it ends what already ended, at its instant
            self._discard(stream, wait=True)
        now = from_epoch(time.time())
        for voice in live:
            voice.handle.finish(EndReason.STOPPED, now)

    # The audio callback: no locks held for long, no I/O, no allocation in the steady state.

    def _callback(
        self, stream: _Stream, outdata: np.ndarray, frames: int, time_info: Any, status: Any
    ) -> None:
        if stream.retired:
            outdata.fill(0.0)
            return
        stream.last_callback = time.monotonic()
        stream.callbacks += 1
        if self.realtime_priority is not None and not stream.priority_tried:
            stream.priority_tried = True
            stream.events.put(("priority", raise_thread_priority(self.realtime_priority)))
        if status.output_underflow:
            self.underflows += 1
            stream.events.put(("underflow", len(stream.voices)))
            for voice in stream.voices:
                if voice.state is _State.PLAYING:
                    voice.handle.underflows += 1
        dac = time_info.outputBufferDacTime or (time_info.currentTime + self.latency)
        if time_info.currentTime:
            stream.max_lead = max(stream.max_lead, dac - time_info.currentTime)
        if len(stream.mix) < frames:
            stream.mix = np.zeros(frames, dtype=np.float32)
        mix = stream.mix[:frames]
        mix.fill(0.0)
        while stream.incoming:
            stream.voices.append(stream.incoming.popleft())
        for voice in stream.voices:
            self._render(stream, voice, mix, frames, dac)
        if any(v.state is _State.DONE for v in stream.voices):
            stream.voices = [v for v in stream.voices if v.state is not _State.DONE]
        if self.gain != 1.0:
            mix *= self.gain
        outdata[:] = mix[:, None]
        tap = self._tap
        if tap is not None:
            if self.tap_origin is None:
                self.tap_origin = dac + stream.offset
            self.tap_dropped += frames - tap.write_nowait(mix)

    def _render(
        self, stream: _Stream, voice: _Voice, mix: np.ndarray, frames: int, dac: float
    ) -> None:
        rate = self._rate
        events = stream.events
        k = 0
        if voice.state is _State.PENDING:
            if voice.fade_frames is not None and (
                voice.stop_stream_time is None
                or voice.start_stream_time is None
                or voice.stop_stream_time <= voice.start_stream_time
            ):  # stopped before it began
                voice.state = _State.DONE
                events.put(("ended", voice, EndReason.STOPPED, dac))
                return
            if voice.start_stream_time is not None:
                k = round((voice.start_stream_time - dac) * rate)
                if k >= frames:
                    return
                k = max(k, 0)
            voice.state = _State.PLAYING
            events.put(("started", voice, dac + k / rate))
        want = frames - k
        if len(voice.buf) < want:
            voice.buf = np.zeros(want, dtype=np.float32)
        buf = voice.buf[:want]
        n = voice.source.read_into(buf)
        exhausted = voice.source.exhausted
        if n < want:
            buf[n:] = 0.0
            if not exhausted:
                voice.handle.underruns += 1
                events.put(("underrun", voice))
        if voice.fade_frames is not None:
            j = 0  # where in this block the fade begins
            if not voice.fading and voice.stop_stream_time is not None:
                j = max(0, round((voice.stop_stream_time - dac) * rate) - k)
            if j < want:
                voice.fading = True
                steps = np.arange(voice.fade_done + 1, voice.fade_done + want - j + 1)
                ramp = np.clip(1.0 - steps / voice.fade_frames, 0.0, 1.0)
                buf[j:] *= ramp
                voice.fade_done += want - j
                if voice.fade_done >= voice.fade_frames:
                    silent_at = j + voice.fade_frames - (voice.fade_done - (want - j))
                    mix[k:] += buf
                    voice.state = _State.DONE
                    end = dac + (k + silent_at) / rate
                    events.put(("ended", voice, EndReason.STOPPED, end))
                    return
        mix[k:] += buf
        if exhausted:
            voice.state = _State.DONE
            events.put(("ended", voice, EndReason.COMPLETED, dac + (k + n) / rate))

    # Outside the callback.

    def _request_stop(
        self, handle: PlaybackHandle, fade_seconds: float, at: datetime | None
    ) -> None:
        # No lock: a stop must never wait for an open() in progress.
        voice = self._live.get(id(handle))
        if voice is None:
            return
        if at is not None:
            voice.stop_stream_time = to_epoch(at) - voice.stream.offset
        voice.fade_frames = max(1, int(fade_seconds * self._rate))
        if self._stream is not voice.stream:  # nothing is running its callback: end it here
            self._live.pop(id(handle), None)
            handle.finish(EndReason.STOPPED, from_epoch(time.time()))

    def _run_monitor(self, stream: _Stream) -> None:
        pending_ends: list[tuple[float, _Voice, EndReason]] = []
        warned_underflow = 0.0
        while not stream.closing.is_set():
            events = []
            try:
                events.append(stream.events.get(timeout=0.02))
                while True:
                    events.append(stream.events.get_nowait())
            except queue.Empty:
                pass
            for event in events:
                kind = event[0]
                if kind == "started":
                    voice, at = event[1], event[2] + stream.offset
                    voice.handle.mark_started(from_epoch(at))
                    scheduled = voice.handle.scheduled
                    late = ""
                    if scheduled is not None:
                        late = f", {1000 * (at - to_epoch(scheduled)):+.1f} ms"
                    log.info("on air: %s (DAC time%s)", voice.source.path.name, late)
                elif kind == "ended":
                    pending_ends.append((event[3] + stream.offset, event[1], event[2]))
                elif kind == "underflow" and time.monotonic() - warned_underflow > 5.0:
                    warned_underflow = time.monotonic()
                    log.warning("output underflow on '%s' (total %d)", self.name, self.underflows)
                elif kind == "underrun":
                    log.warning("program buffer ran dry: %s", event[1].source.path.name)
                elif kind == "priority":
                    log.info(
                        "audio thread real-time priority %s",
                        "granted" if event[1] else "refused (running at normal priority)",
                    )
            now = time.time()
            for item in [p for p in pending_ends if p[0] <= now]:
                pending_ends.remove(item)
                self._live.pop(id(item[1].handle), None)
                _finish(item[1], item[2], item[0])
            if self._stream_stalled(stream):
                self._fail_device(stream, pending_ends)
                return
        for at, voice, reason in pending_ends:
            _finish(voice, reason, at)

    def _await_callbacks(self, stream: _Stream, timeout: float = 3.0) -> None:
        """Warm means running: wait until the device asks for audio (a sound server that
        was idle may hold the first request back for a while)."""
        seen = stream.callbacks
        deadline = time.monotonic() + timeout
        while stream.callbacks < seen + 3 and time.monotonic() < deadline and stream.pa.active:
            time.sleep(0.005)
        if stream.callbacks < seen + 3:
            log.warning("output '%s' is slow to start (no audio requested yet)", self.name)

    def _stream_stalled(self, stream: _Stream) -> bool:
        if not stream.pa.active:
            return True
        # Before the first callbacks a sound server may legitimately hold the stream back.
        limit = self.watchdog_seconds if stream.callbacks > 3 else max(self.watchdog_seconds, 5.0)
        return time.monotonic() - stream.last_callback > limit

    def _fail_device(
        self, stream: _Stream, pending_ends: list[tuple[float, _Voice, EndReason]]
    ) -> None:
        """The device stopped asking for audio: end every playback of ``stream`` and drop it.

        A playback heard before the device stopped ends CUT at the last instant that was
        handed to the device; one not heard yet ends FAILED. The stream and everything it
        held is discarded, so a stream opened later starts clean.
        """
        with self._lock:
            if self._stream is not stream:
                return  # closed meanwhile: close() ends the playbacks
            self._stream = None
            stream.retired = True
            live = [v for v in self._live.values() if v.stream is stream]
            for voice in live:
                self._live.pop(id(voice.handle), None)
            cut = PlayoutError(
                f"Thiết bị âm thanh '{self.name}' ngừng hoạt động khi đang phát.",
                code="device_failed",
            )
            failed = PlayoutError(
                f"Thiết bị âm thanh '{self.name}' ngừng hoạt động trước khi chương trình "
                "được phát ra.",
                code="device_failed",
            )
            self.last_error = cut
        log.error("%s", cut)
        # The last block was handed over at the last callback; nothing later was heard.
        lost_at = time.time() - (time.monotonic() - stream.last_callback)
        for at, voice, reason in pending_ends:
            if at <= lost_at:
                voice.handle.finish(reason, from_epoch(at))
        now = from_epoch(time.time())
        for voice in live:
            handle = voice.handle
            started = None if handle.actual_start is None else to_epoch(handle.actual_start)
            if started is not None and started < lost_at:
                heard = started + voice.source.frames_read / self._rate
                handle.finish(EndReason.CUT, from_epoch(max(started, min(heard, lost_at))), cut)
            else:
                handle.finish(EndReason.FAILED, now, failed)
        # Closing a stream whose server vanished can block: do it off this thread.
        self._discard(stream, wait=False)

    def _discard(self, stream: _Stream, *, wait: bool) -> None:
        stream.retired = True
        stream.closing.set()
        if stream.pa is None:
            return
        closer = threading.Thread(target=_abort_quietly, args=(stream.pa,), daemon=True)
        closer.start()
        if wait:
            closer.join(timeout=3.0)

    def _pick_rate(self, sd: ModuleType, device: DeviceInfo) -> int:
        for rate in (self.preferred_rate, int(device.default_samplerate)):
            try:
                sd.check_output_settings(
                    device=device.index, samplerate=rate, channels=self._channels, dtype="float32"
                )
                return rate
            except (sd.PortAudioError, ValueError):
                continue
        raise PlayoutError(
            f"Thiết bị âm thanh '{device.name}' không nhận tần số {self.preferred_rate} Hz "
            f"hay {int(device.default_samplerate)} Hz.",
            code="device_failed",
        )

    def _measure_offset(self, stream: _Stream) -> float:
        """Wall clock minus stream clock, from the tightest of a few paired readings."""
        best_span, best = float("inf"), stream.offset
        for _ in range(25):
            before = time.time()
            stream_time = stream.pa.time
            after = time.time()
            if after - before < best_span:
                best_span, best = after - before, (before + after) / 2 - stream_time
        return best


def raise_thread_priority(priority: int) -> bool:
    """Ask for real-time round-robin scheduling for the calling thread; False if refused."""
    try:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(priority))
    except (AttributeError, OSError):
        return False
    return True


def _abort_quietly(stream: Any) -> None:
    try:
        stream.abort()
        stream.close()
    except Exception:  # the device is already gone; nothing more to release
        log.debug("closing a failed stream raised", exc_info=True)


def sink_from_settings(settings: Any) -> SounddeviceSink:
    """The station's sink as configured (``audio_device``, ``sample_rate``, ``output_gain_db``)."""
    return SounddeviceSink(
        settings.audio_device,
        samplerate=settings.sample_rate,
        gain_db=settings.output_gain_db,
    )


class LiveInputSource(ProgramSource):
    """The station's microphone or line-in as a source for the output, with a limiter.

    An input stream (small blocks, PortAudio's low latency) feeds a ring buffer from its
    callback, which never waits: what does not fit is dropped. The output side keeps the
    queue short (``max_queue_seconds``): older samples are skipped, so the voice is heard
    with the least delay the two devices allow. Each block goes through a peak limiter
    (ceiling ``limit_dbfs``, instant attack, about 0.2 s release) so a shout does not clip.
    The source has no length: it ends when it is stopped.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        gain_db: float = 0.0,
        limit_dbfs: float = -1.0,
        blocksize: int = 128,
        max_queue_seconds: float = 0.012,
        release_seconds: float = 0.2,
    ) -> None:
        super().__init__(f"input:{'mặc định' if device is None else device}", gain_db=gain_db)
        self.device_spec = device
        self.ceiling = float(10.0 ** (limit_dbfs / 20.0))
        self.blocksize = blocksize
        self.max_queue_seconds = max_queue_seconds
        self.release_seconds = release_seconds
        self.input_latency = 0.0
        self._gain = float(10.0 ** (gain_db / 20.0))
        self._env = 1.0  # the limiter's current gain
        self._pa: Any = None

    def prepare(self, rate: int, *, prime_timeout: float = 0.0) -> None:
        if self._pa is not None:
            return
        sd = load_sounddevice()
        device = resolve_input_device(self.device_spec)
        self.path = Path(f"input:{device.name}")
        self.rate = rate
        self.file_rate = rate
        self.duration_seconds = None
        self._ring = RingBuffer(max(int(rate * 0.5), 4 * self.blocksize))
        self._max_queue = max(self.blocksize, int(self.max_queue_seconds * rate))
        release_blocks = max(1.0, self.release_seconds * rate / self.blocksize)
        self._release = float(np.exp(np.log(1e-3) / release_blocks))  # per block, to 0 dB
        try:
            pa = sd.InputStream(
                device=device.index, samplerate=rate, channels=1, dtype="float32",
                latency="low", blocksize=self.blocksize, callback=self._callback,
            )
            pa.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise PlayoutError(
                f"Không mở được thiết bị thu âm '{device.name}': {exc}", code="input_failed"
            ) from exc
        self._pa = pa
        self.input_latency = float(pa.latency)
        log.info("live input open: '%s' %d Hz, latency %.1f ms", device.name, rate,
                 self.input_latency * 1000)

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        block = indata[:, 0] * np.float32(self._gain)
        peak = float(np.max(np.abs(block))) if frames else 0.0
        target = 1.0 if peak <= self.ceiling else self.ceiling / peak
        start = self._env
        # Down at once (attack), back up slowly (release): a ramp across this block.
        end = target if target < start else min(target, 1.0 - (1.0 - start) * self._release)
        if start != 1.0 or end != 1.0:
            block = block * np.linspace(start, end, frames, dtype=np.float32)
            np.clip(block, -self.ceiling, self.ceiling, out=block)
        self._env = end
        assert self._ring is not None
        self._ring.write_nowait(block)

    def read_into(self, out: np.ndarray) -> int:
        ring = self._ring
        if ring is None:
            return 0
        excess = ring.available - self._max_queue - len(out)
        if excess > 0:
            ring.skip(excess)
        n = ring.read_into(out)
        if n < len(out):  # the input is a little behind: silence, not an underrun
            out[n:] = 0.0
            n = len(out)
        self._consumed += n
        return n

    @property
    def exhausted(self) -> bool:
        return False

    def close(self) -> None:
        pa, self._pa = self._pa, None
        if pa is not None:
            _abort_quietly(pa)


def _finish(voice: _Voice, reason: EndReason, at: float) -> None:
    """End ``voice``'s playback at epoch ``at``. A source that ran out because its file could
    not be read to the end did not complete: the programme was cut (or never heard)."""
    error = getattr(voice.source, "error", None)
    if reason is EndReason.COMPLETED and error is not None:
        reason = EndReason.CUT if voice.handle.actual_start is not None else EndReason.FAILED
    voice.handle.finish(reason, from_epoch(at), error)
