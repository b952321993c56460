"""Relay end to end: a real `broadcast serve`, a private Icecast standing in for the upstream
radio, and what the virtual loudspeaker heard.

One station run serves every test here (they share the set-up, to keep the suite short):
- slot A relays the upstream for 40 s; the upstream's source is killed 12 s in and comes back
  10 s later;
- slot B relays a mount that does not exist for 10 s;
- then the station goes live from a virtual microphone (a null sink's monitor on the virtual
  loudspeaker's server) through `broadcast live start|stop`.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from tests.e2e.station_server import StationServer, whole_second_ahead
from tests.relay.upstream import TONE_HZ, Icecast, kill
from tests.soundpath import Recording, VirtualSpeaker, dropouts, onset

pytestmark = pytest.mark.soundpath

RATE = 48_000
WINDOW = 0.1  # seconds per analysis window
A_SECONDS = 40
KILL_AFTER = 12.0
DOWN_FOR = 10.0
B_SECONDS = 10


@dataclass
class RelayRun:
    server: StationServer
    recording: Recording
    a_start: datetime
    b_start: datetime
    killed: float
    restarted: float
    entries: dict[str, dict[str, Any]]
    airtime: list[dict[str, Any]] = field(default_factory=list)
    published: dict[str, Any] = field(default_factory=dict)

    def windows(self, start: float, end: float) -> list[tuple[float, str]]:
        """(instant, kind) per 100 ms window heard in [start, end): silent, tone or other."""
        out = []
        t = start
        while t + WINDOW <= end:
            x = self.recording.between(t, t + WINDOW)
            out.append((t, classify(x)))
            t += WINDOW
        return out


PUBLISHED = "/loa-xa.ogg"


def decode(url: str, seconds: float) -> np.ndarray:
    """What a listener of ``url`` gets in ``seconds`` of wall time (ffmpeg, mono 48 kHz): the
    server's burst of what was sent before (Vorbis silence is small, so a burst of bytes holds
    many seconds of it), then the stream live."""
    proc = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", url, "-ac", "1", "-ar", str(RATE),
         "-f", "f32le", "pipe:1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(
        lambda: proc.stdout.read1(65536), b"")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    time.sleep(seconds)
    proc.kill()
    proc.wait(timeout=5)
    reader.join(timeout=5)
    data = b"".join(chunks)
    return np.frombuffer(data[: len(data) // 4 * 4], dtype="<f4")


def classify(x: np.ndarray) -> str:
    if len(x) == 0 or float(np.sqrt(np.mean(x**2))) < 2e-3:
        return "silent"
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    near = spectrum[(freqs > TONE_HZ - 40) & (freqs < TONE_HZ + 40)].sum()
    return "tone" if near / spectrum.sum() > 0.8 else "other"


def longest(windows: list[tuple[float, str]], kind: str) -> float:
    best = run = 0
    for _, k in windows:
        run = run + 1 if k == kind else 0
        best = max(best, run)
    return best * WINDOW


@pytest.fixture(scope="module")
def relay_run(
    speaker: VirtualSpeaker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RelayRun]:
    icecast = Icecast.start()
    source = icecast.feed_tone("/vov1.mp3")
    mic_sink(speaker)
    server = StationServer(tmp_path_factory.mktemp("relay-station"), speaker, extra_env={
        "PULSE_SOURCE": f"{MIC}.monitor",
        "BROADCAST_ICECAST_URL": icecast.base, "BROADCAST_ICECAST_MOUNT": PUBLISHED,
    }).start()
    try:
        a = server.ok("POST", "/api/programs", json={
            "title": "Tiếp sóng VOV1", "topic": "tiep-song-vov",
            "segments": [{"type": "relay", "url": icecast.listen("/vov1.mp3"),
                          "seconds": A_SECONDS}]})
        b = server.ok("POST", "/api/programs", json={
            "title": "Tiếp sóng đài tỉnh", "topic": "tiep-song-tinh",
            "segments": [{"type": "relay", "url": icecast.listen("/khong-co.mp3"),
                          "seconds": B_SECONDS}]})
        a_start = whole_second_ahead(18)
        b_start = a_start + timedelta(seconds=A_SECONDS + 3)
        slot_a = server.one_off_slot(a["id"], a_start)
        slot_b = server.one_off_slot(b["id"], b_start)
        times: dict[str, float] = {}

        def cut_and_return() -> None:
            time.sleep(max(0.0, a_start.timestamp() + KILL_AFTER - time.time()))
            times["killed"] = kill(source)
            time.sleep(max(0.0, times["killed"] + DOWN_FOR - time.time()))
            times["restarted"] = time.time()
            icecast.feed_tone("/vov1.mp3")

        published: dict[str, Any] = {}

        def listen() -> None:  # a cluster agent's view: the published stream during slot A
            time.sleep(max(0.0, a_start.timestamp() + 2 - time.time()))
            published["info"] = server.ok("GET", "/api/stream")
            published["audio"] = decode(published["info"]["url"], 7.0)

        with server.speaker.recorder() as rec:
            while time.time() < a_start.timestamp() - 2:
                time.sleep(0.1)
            cutter = threading.Thread(target=cut_and_return, daemon=True)
            cutter.start()
            listener = threading.Thread(target=listen, daemon=True)
            listener.start()
            wait = b_start.timestamp() + B_SECONDS - time.time() + 30
            entry_a = server.wait_for_outcome(slot_a, timeout=wait)
            entry_b = server.wait_for_outcome(slot_b, timeout=wait)
            time.sleep(1.0)
            cutter.join(timeout=20)
            listener.join(timeout=20)
        month = a_start.strftime("%Y-%m")
        airtime = server.ok("GET", f"/api/reports/airtime?from={month}&to={month}")
        yield RelayRun(server, rec.recording, a_start, b_start, times["killed"],
                       times["restarted"], {"a": entry_a, "b": entry_b}, airtime, published)
    finally:
        server.stop()
        icecast.stop_sources()


MIC = "loa_mic"  # the virtual microphone: what is played into this sink, its monitor hears
MIC_HZ = 700


def mic_sink(speaker: VirtualSpeaker) -> None:
    if f"{MIC}\t" not in speaker.pactl("list", "short", "sinks"):
        speaker.pactl("load-module", "module-null-sink", f"sink_name={MIC}", "rate=48000",
                      "channels=1")


@dataclass
class LiveRun:
    recording: Recording
    started: float  # when `broadcast live start` returned
    stopped: float
    cli: list[str]
    entry: dict[str, Any]


def cli(server: StationServer, *args: str) -> str:
    from tests.e2e.station_server import TOKEN

    result = subprocess.run(
        [sys.executable, "-m", "broadcast.cli", "live", *args, "--url", server.base_url,
         "--token", TOKEN],
        capture_output=True, text=True, timeout=30, env=server.env(),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def live_run(relay_run: RelayRun) -> Iterator[LiveRun]:
    server = relay_run.server
    tone = (0.3 * np.sin(2 * np.pi * MIC_HZ * np.arange(RATE) / RATE)).astype("<f4").tobytes()
    voice = subprocess.Popen(
        ["pacat", f"--device={MIC}", "--raw", "--format=float32le", "--rate=48000",
         "--channels=1", "--latency-msec=20"],
        stdin=subprocess.PIPE, env=server.speaker.subprocess_env(),
    )

    def speak() -> None:  # someone speaking into the microphone until the test ends
        assert voice.stdin is not None
        try:
            while voice.poll() is None:
                voice.stdin.write(tone)  # whole seconds: the tone stays continuous
                voice.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    threading.Thread(target=speak, daemon=True).start()
    try:
        with server.speaker.recorder() as rec:
            said = [cli(server, "start", "--priority", "emergency")]
            started = time.time()
            time.sleep(3.0)
            said.append(cli(server, "stop"))
            stopped = time.time()
            time.sleep(1.0)
        entry = next(e for e in server.log_entries() if e["program"] == "live")
        yield LiveRun(rec.recording, started, stopped, said, entry)
    finally:
        voice.kill()
        voice.wait(timeout=5)


def test_live_speech_from_the_input_is_heard_and_logged_with_its_duration(live_run):
    run = live_run
    assert "Đang phát trực tiếp" in run.cli[0] and "Đã kết thúc" in run.cli[1], run.cli
    heard = run.recording.between(run.started + 0.5, run.stopped - 0.3)
    spectrum = np.abs(np.fft.rfft(heard)) ** 2
    freqs = np.fft.rfftfreq(len(heard), 1 / RATE)
    share = spectrum[(freqs > MIC_HZ - 20) & (freqs < MIC_HZ + 20)].sum() / spectrum.sum()
    assert share > 0.8, f"the microphone's tone is not what was heard ({share:.2f})"
    assert dropouts(heard, RATE) == [], "holes in the live sound"
    after = run.recording.between(run.stopped + 0.3, run.stopped + 0.9)
    assert float(np.max(np.abs(after))) < 0.01, "still live after stop"
    entry = run.entry
    assert entry["outcome"] == "aired" and entry["topic"] == "truc-tiep", entry
    assert entry["priority"] == "emergency"
    start = datetime.fromisoformat(entry["actual_start"]).timestamp()
    end = datetime.fromisoformat(entry["end"]).timestamp()
    assert 2.0 < end - start < 4.5, end - start
    assert entry["details"]["live"]["ordered_by"] == "admin"


def test_the_relay_starts_at_its_instant_and_plays_the_upstream_smoothly(relay_run):
    run = relay_run
    rec = run.recording
    t0 = run.a_start.timestamp()
    before = rec.index_at(t0 - 1.5)
    first = onset(rec.samples, 0.05, before)
    assert first is not None, run.server.log()
    offset_ms = (rec.time_of(first) - t0) * 1000
    print(f"\nrelay onset: {offset_ms:+.1f} ms from the slot's instant")
    assert abs(offset_ms) <= 20, f"relay heard {offset_ms:+.1f} ms from its instant"
    # What went out before the cut is the upstream, whole: no hole of even a millisecond.
    upstream = rec.between(t0 + 0.2, run.killed - 0.2)
    kinds = {classify(upstream[i : i + 4800]) for i in range(0, len(upstream) - 4800, 4800)}
    assert kinds == {"tone"}, kinds
    assert dropouts(upstream, RATE) == []
    # Levelled toward -16 LUFS: a 0.25-amplitude tone (-15 dBFS RMS) comes out near that.
    rms_db = 20 * np.log10(float(np.sqrt(np.mean(upstream**2))))
    assert -22 < rms_db < -10, rms_db


def test_an_upstream_cut_is_covered_at_once_and_the_relay_comes_back(relay_run):
    run = relay_run
    t0, end = run.a_start.timestamp(), run.a_start.timestamp() + A_SECONDS
    windows = run.windows(t0 + 0.2, end - 0.2)
    assert longest(windows, "silent") < 3.0, "silence over 3 s during the relay"
    after_cut = [(t, k) for t, k in windows if t >= run.killed]
    fallback_at = next(t for t, k in after_cut if k == "other")
    assert fallback_at - run.killed <= 3.0, f"fallback heard {fallback_at - run.killed:.1f} s late"
    outage = [k for t, k in after_cut if fallback_at <= t < run.restarted]
    assert "tone" not in outage, "upstream audio during the outage"
    back_at = next(t for t, k in after_cut if t >= run.restarted and k == "tone")
    print(f"\nfallback heard {fallback_at - run.killed:.1f} s after the cut; relay back "
          f"{back_at - run.restarted:.1f} s after the source's return; longest silence "
          f"{longest(windows, 'silent'):.1f} s")
    assert back_at - run.restarted <= 5.0, f"relay back {back_at - run.restarted:.1f} s late"
    settled = [k for t, k in windows if back_at + 1.0 <= t]
    assert settled and set(settled) == {"tone"}, set(settled)
    # The slot ends at its end.
    tail = run.windows(end + 0.15, end + 2.0)
    assert {k for _, k in tail} == {"silent"}, tail


def test_the_log_has_the_gap_and_the_report_counts_relay_time_apart(relay_run):
    run = relay_run
    entry = run.entries["a"]
    assert entry["outcome"] == "aired", entry
    gaps = entry["details"]["gaps"]
    assert len(gaps) == 1, gaps
    gap = gaps[0]
    assert gap["reason"] == "ended"
    began = datetime.fromisoformat(gap["from"]).timestamp()
    assert run.killed - 0.5 <= began <= run.killed + 3.0, (began - run.killed)
    assert 8.0 <= gap["seconds"] <= 16.0, gap
    assert "Tiếp sóng gián đoạn 1 lần" in entry["note"]
    relay = entry["details"]["relay"]
    assert abs(relay["relayed_seconds"] + relay["fallback_seconds"] - A_SECONDS) < 1.0
    rows = {(r["topic"], r["source"]): r for r in run.airtime}
    assert ("tiep-song-vov", "relay") in rows, run.airtime
    assert abs(rows[("tiep-song-vov", "relay")]["minutes"] * 60 - relay["relayed_seconds"]) < 1


def test_an_upstream_that_never_connects_is_covered_for_the_whole_slot(relay_run):
    run = relay_run
    entry = run.entries["b"]
    assert entry["outcome"] == "aired", entry
    t0 = run.b_start.timestamp()
    windows = run.windows(t0 + 0.1, t0 + B_SECONDS - 0.1)
    kinds = [k for _, k in windows]
    assert "tone" not in kinds
    assert kinds.count("other") > 0.6 * len(kinds), kinds
    assert longest(windows, "silent") < 3.0
    gaps = entry["details"]["gaps"]
    assert len(gaps) == 1 and gaps[0]["reason"] == "connect_failed", gaps
    assert "404" in gaps[0]["message"]
    assert abs(gaps[0]["seconds"] - B_SECONDS) < 0.5
    assert "Không tiếp sóng được suốt buổi" in entry["note"]
    assert entry["details"]["relay"]["relayed_seconds"] < 0.5


def test_the_output_is_published_for_the_clusters_with_its_clock(relay_run):
    info = relay_run.published["info"]
    assert info["published"] is True and info["url"].endswith(PUBLISHED), info
    assert info["codec"] == "vorbis" and info["rate"] == RATE
    # Sample zero was heard on the station's loudspeaker after the station started and
    # before this relay; agents play sample n at epoch + n / rate + delay.
    assert info["epoch_of_sample_zero"] < relay_run.a_start.timestamp()
    assert info["delay_seconds"] > 0
    # A listener first gets the server's backlog (Icecast's burst on connect: what played a few
    # seconds before it connected, here silence before the relay), then the stream live.
    audio = relay_run.published["audio"]
    assert len(audio) >= 4 * RATE, len(audio)
    tail = audio[-3 * RATE :]
    kinds = [classify(tail[i : i + 4800]) for i in range(0, len(tail) - 4800, 4800)]
    assert kinds.count("tone") > 0.8 * len(kinds), kinds
