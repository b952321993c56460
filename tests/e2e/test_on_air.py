"""The station end to end: a real `broadcast serve`, its HTTP API, and what the virtual
loudspeaker heard (recorded from the null sink's monitor)."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.e2e.station_server import StationServer, whole_second_ahead
from tests.soundpath import VirtualSpeaker, best_alignment

pytestmark = pytest.mark.soundpath

SHORT = "Kính thưa bà con. Đây là bản tin thử nghiệm của đài truyền thanh xã."
LONG = " ".join(
    [
        "Kính thưa bà con nhân dân trong toàn xã.",
        "Thực hiện kế hoạch chuyển đổi số năm hai nghìn không trăm hai mươi lăm,",
        "ủy ban nhân dân xã thông báo lịch hướng dẫn cài đặt định danh điện tử mức hai",
        "tại nhà văn hóa các thôn vào sáng thứ bảy và chủ nhật tuần này.",
        "Đề nghị bà con mang theo căn cước và điện thoại thông minh.",
        "Tổ công nghệ số cộng đồng sẽ hướng dẫn từng bước, không thu bất kỳ khoản phí nào.",
        "Bà con cảnh giác với các cuộc gọi lạ tự xưng là công an đề nghị cung cấp mã xác thực.",
    ]
)


def reference(path: Path) -> np.ndarray:
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    assert rate == 48_000
    return data.mean(axis=1)


def heard_at(recording, ref: np.ndarray, after: float, seconds: float = 3.0) -> tuple[float, float]:
    """(correlation, epoch seconds) of the first ``seconds`` of ``ref`` found after ``after``."""
    start = recording.index_at(after)
    head = ref[: int(seconds * 48_000)]
    score, lag = best_alignment(recording.samples[start:], head)
    return score, recording.time_of(start + lag)


def test_a_program_is_heard_at_its_time_with_its_content(server: StationServer) -> None:
    program = server.approved_program("Bản tin thử", SHORT)
    at = whole_second_ahead(6)
    slot = server.one_off_slot(program, at)
    with server.speaker.recorder() as rec:
        entry = server.wait_for_outcome(slot, timeout=40)
    recording = rec.recording
    assert entry["outcome"] == "aired", entry
    ref = reference(server.rendered_file(program))
    score, when = heard_at(recording, ref, at.timestamp() - 2)
    assert score > 0.9, f"what was heard does not match the program (ncc {score:.2f})"
    offset_ms = (when - at.timestamp()) * 1000
    assert abs(offset_ms) <= 20, f"heard {offset_ms:+.1f} ms from the scheduled instant"
    # The whole program was heard, not only its start.
    whole, _ = best_alignment(recording.between(when - 0.5, when + len(ref) / 48_000 + 0.5), ref)
    assert whole > 0.9
    assert entry["engines"] == ["espeak"]


def test_an_emergency_announcement_interrupts_a_normal_program(server: StationServer) -> None:
    normal = server.approved_program("Chuyên mục dài", LONG)
    at = whole_second_ahead(6)
    slot = server.one_off_slot(normal, at)
    with server.speaker.recorder() as rec:
        while time.time() < at.timestamp() + 3:
            time.sleep(0.05)
        ordered = time.time()
        announcement = server.ok(
            "POST",
            "/api/announcements",
            json={"title": "Khẩn", "text": "Thông báo khẩn. Bão số ba đang vào bờ.",
                  "priority": "emergency", "repeat": 1},
        )
        interrupted = server.wait_for_outcome(slot, timeout=30)
        deadline = time.time() + 30
        emergency = None
        while emergency is None and time.time() < deadline:
            emergency = next(
                (e for e in server.log_entries()
                 if e["priority"] == "emergency" and e["outcome"] is not None), None,
            )
            time.sleep(0.25)
        time.sleep(3.5)  # listen on: the normal program must not come back
    assert interrupted["outcome"] == "interrupted", interrupted
    assert emergency is not None and emergency["outcome"] == "aired", emergency
    assert announcement["priority"] == "emergency"
    # The announcement was heard after the order, and the normal program stopped for it.
    ref = reference(server.rendered_file(emergency["program"]))
    score, when = heard_at(rec.recording, ref, ordered)
    assert score > 0.9
    assert when - ordered < 6.0
    normal_ref = reference(server.rendered_file(normal))
    rest = rec.recording.between(when + len(ref) / 48_000 + 0.5, when + len(ref) / 48_000 + 3)
    assert float(np.sqrt(np.mean(rest**2))) < 1e-3, "the normal program resumed after the cut"
    assert len(normal_ref) / 48_000 > (when - at.timestamp()) + 3, "normal program too short"


def test_killed_mid_broadcast_logs_interrupted_and_the_next_slot_airs(
    server: StationServer,
) -> None:
    long_program = server.approved_program("Chuyên mục dài", LONG)
    short_program = server.approved_program("Bản tin ngắn", SHORT)
    first_at = whole_second_ahead(6)
    first = server.one_off_slot(long_program, first_at)
    # The next slot must not clash with the first: after its end, as rendered.
    length = len(reference(server.wait_for_render(long_program))) / 48_000
    next_at = first_at + timedelta(seconds=math.ceil(length) + 4)
    second = server.one_off_slot(short_program, next_at)
    with server.speaker.recorder() as rec:
        while time.time() < first_at.timestamp() + 3:
            time.sleep(0.05)
        server.kill9()
        killed = time.time()
        server.start()
        after = server.wait_for_outcome(second, timeout=60)
    before = server.wait_for_outcome(first, timeout=5)
    assert before["outcome"] == "interrupted", before
    assert after["outcome"] == "aired", after
    ref = reference(server.rendered_file(short_program))
    score, when = heard_at(rec.recording, ref, next_at.timestamp() - 2)
    assert score > 0.9
    assert abs(when - next_at.timestamp()) <= 0.020
    # The log says how much of the interrupted program was really heard: it ends where its
    # sound stopped in the recording (the audio engine's record), not at a heartbeat.
    heard = rec.recording.between(first_at.timestamp(), when - 0.5)
    loud = np.flatnonzero(np.abs(heard) > 0.01)
    assert len(loud), "the first program was not heard"
    stopped = rec.recording.time_of(rec.recording.index_at(first_at.timestamp()) + int(loud[-1]))
    assert abs(stopped - killed) < 0.5, f"the sound went on {stopped - killed:+.2f} s after kill -9"
    logged_end = datetime.fromisoformat(before["end"]).timestamp()
    assert abs(logged_end - stopped) < 0.3, f"logged end {logged_end - stopped:+.2f} s off"
    logged_start = datetime.fromisoformat(before["actual_start"]).timestamp()
    assert abs(logged_start - first_at.timestamp()) <= 0.020


def test_a_second_scheduler_on_the_same_database_refuses_to_start(
    server: StationServer, speaker: VirtualSpeaker
) -> None:
    second = StationServer(server.data_dir, speaker)
    result = subprocess.run(
        [sys.executable, "-m", "broadcast.cli", "serve"],
        env=second.env(), capture_output=True, text=True, timeout=60, cwd=server.data_dir,
    )
    assert result.returncode == 8, result
    assert "station_locked" in result.stderr
    assert "bộ lập lịch khác" in result.stderr
