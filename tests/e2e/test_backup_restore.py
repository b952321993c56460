"""Backup of a serving station, restore onto another data folder, and the restored station
airs: real `broadcast serve` processes, the `broadcast backup`/`restore` commands, and what
the virtual loudspeaker heard."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.e2e.station_server import StationServer, whole_second_ahead
from tests.e2e.test_on_air import LONG, heard_at, reference
from tests.soundpath import VirtualSpeaker

pytestmark = pytest.mark.soundpath

ANNOUNCEMENT = "Kính thưa bà con. Đây là buổi phát từ dữ liệu đã khôi phục của đài xã."


def chime_wav(seconds: float = 1.0, rate: int = 48_000) -> bytes:
    """A jingle of our own (two tones), so that hearing it proves the media came back."""
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.4 * np.sin(2 * np.pi * 660 * t) + 0.3 * np.sin(2 * np.pi * 990 * t)
    out = io.BytesIO()
    soundfile.write(out, tone.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def cli(data_dir: Path, *args: str, speaker: VirtualSpeaker) -> subprocess.CompletedProcess[str]:
    env = speaker.subprocess_env()
    env.update(BROADCAST_DATA_DIR=str(data_dir), BROADCAST_ENGINES='["espeak"]')
    return subprocess.run([sys.executable, "-m", "broadcast.cli", *args], env=env, cwd=data_dir,
                          capture_output=True, text=True, timeout=300)


def test_a_backup_taken_while_on_air_restores_a_station_that_airs(
    tmp_path: Path, speaker: VirtualSpeaker
) -> None:
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    a = StationServer(a_dir, speaker).start()
    try:
        uploaded = a.api("POST", "/api/media", files={"file": ("chuong.wav", chime_wav(),
                                                              "audio/wav")},
                         data={"kind": "jingle", "name": "chuong"})
        assert uploaded.status_code == 201, uploaded.text
        script = a.ok("POST", "/api/scripts", json={"title": "Khôi phục", "text": ANNOUNCEMENT,
                                                    "topic": "thu-nghiem"})
        a.ok("POST", f"/api/scripts/{script['id']}/approve")
        program = a.ok("POST", "/api/programs", json={
            "title": "Khôi phục", "segments": [{"type": "jingle", "name": "chuong"},
                                              {"type": "script", "script_id": script["id"]}],
        })["id"]
        busy = a.approved_program("Chuyên mục dài", LONG)
        busy_at = whole_second_ahead(6)
        a.one_off_slot(busy, busy_at)
        length = len(reference(a.wait_for_render(busy))) / 48_000
        # After the long one as rendered (slots may not overlap), with time to restore.
        restored_at = busy_at + timedelta(seconds=max(math.ceil(length) + 5, 35))
        slot = a.one_off_slot(program, restored_at)
        while time.time() < busy_at.timestamp() + 2:  # back up while A is on air
            time.sleep(0.05)
        on_air = a.ok("GET", "/api/now")["on_air"]
        assert on_air is not None and on_air["program_id"] == busy, on_air
        archive = tmp_path / "sao-luu.tar.gz"
        made = cli(a_dir, "backup", "--output", str(archive), speaker=speaker)
        assert made.returncode == 0, made.stderr
        assert "Đã sao lưu vào" in made.stdout
        a_render = a.wait_for_render(program)
    finally:
        a.stop()
    b_dir.mkdir()
    restored = cli(b_dir, "restore", str(archive), "--data-dir", str(b_dir), "--yes",
                   speaker=speaker)
    assert restored.returncode == 0, restored.stderr
    assert "Đã khôi phục vào" in restored.stdout
    assert (b_dir / "jingles" / "chuong.wav").exists()
    b = StationServer(b_dir, speaker).start()
    try:
        assert time.time() < restored_at.timestamp() - 3, "too slow to reach the slot in time"
        with speaker.recorder() as rec:
            entry = b.wait_for_outcome(slot, timeout=90)
        assert entry["outcome"] == "aired", entry
        ref = reference(a_render)  # what A would have aired
        score, when = heard_at(rec.recording, ref, restored_at.timestamp() - 2)
        assert score > 0.9, f"the restored station aired something else (ncc {score:.2f})"
        assert abs(when - restored_at.timestamp()) < 0.1
        chime = reference_from_bytes(chime_wav())
        chime_score, _ = heard_at(rec.recording, chime, restored_at.timestamp() - 2, seconds=1)
        assert chime_score > 0.8, f"the restored jingle was not heard (ncc {chime_score:.2f})"
        log = b.log_entries()
        busy_entry = next(e for e in log if e["program"] == busy)
        assert busy_entry["outcome"] == "interrupted"  # on air in the snapshot, closed by B
    finally:
        b.stop()


def reference_from_bytes(data: bytes) -> np.ndarray:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    assert rate == 48_000
    return samples.mean(axis=1)
