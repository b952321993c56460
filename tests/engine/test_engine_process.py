"""The engine process on the file sink (wall clock, no sound card), driven through its pipes."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from broadcast.engine.protocol import PROTOCOL_VERSION
from broadcast.engine.state import read_state
from tests.engine.conftest import ROOT
from tests.playout.signals import noise_burst, tone, write

RATE = 48_000


def test_hello_names_the_engine_and_refuses_another_protocol_version(raw_engine):
    engine = raw_engine()
    hello = engine.request("hello", version=PROTOCOL_VERSION)
    assert hello["reply"] == "hello"
    assert hello["version"] == PROTOCOL_VERSION
    assert hello["pid"] == engine.proc.pid
    assert (hello["sink"], hello["rate"]) == ("file", RATE)
    refused = engine.request("hello", version=PROTOCOL_VERSION + 1)
    assert refused["reply"] == "error" and refused["code"] == "protocol_version"
    assert refused["command"] == "hello"
    clock = engine.request("time")
    assert abs(clock["now"] - time.time()) < 1.0


def test_bad_commands_get_error_replies_and_the_engine_carries_on(raw_engine, tmp_path):
    engine = raw_engine()
    missing = tmp_path / "khong-co.wav"
    error = engine.request("load", id="a", path=str(missing))
    assert error["reply"] == "error" and error["code"] == "program_unreadable"
    assert str(missing) in error["message"] and "Không tìm thấy" in error["message"]
    assert engine.request("play", id="a")["code"] == "unknown_id"
    assert engine.request("stop", id="a")["code"] == "unknown_id"
    engine.write(b'{"cmd":"rewind","seq":41}\n')
    assert engine.wait_for(lambda m: m.get("seq") == 41)["code"] == "bad_message"
    engine.write(b"\n")  # blank lines (a person at a terminal) are ignored
    engine.write(b"nonsense\n")
    engine.write(b'{"cmd":"open","seq":' + b"1" * 70_000 + b"}\n")  # too long, skipped whole
    path = write(tmp_path / "a.wav", tone(0.3, rate=RATE), RATE)
    assert engine.request("load", id="a", path=str(path))["reply"] == "loaded"
    assert engine.request("load", id="a", path=str(path))["code"] == "duplicate_id"
    bad = [m for m in engine.log if m.get("reply") == "error" and m.get("seq") is None]
    assert len(bad) == 2 and {m["command"] for m in bad} == {None}
    assert "quá dài" in bad[1]["message"]
    assert engine.proc.poll() is None


def test_a_program_plays_at_its_instant_reports_its_position_and_ends(raw_engine, tmp_path):
    program = noise_burst(1.2, rate=RATE, seed=4)
    path = write(tmp_path / "ban-tin.wav", program, RATE)
    engine = raw_engine()
    loaded = engine.request("load", id="p1", path=str(path), ref="as-run:7")
    assert loaded == {"reply": "loaded", "seq": 1, "id": "p1", "duration": pytest.approx(1.2)}
    at = round(time.time() + 0.5, 3)
    playing = engine.request("play", id="p1", at=at)
    assert (playing["reply"], playing["at"]) == ("playing", at)
    started = engine.event("started", id="p1")
    assert started["at"] == pytest.approx(at, abs=1e-6)  # the file sink is an ideal device
    ended = engine.event("ended", id="p1", timeout=5)
    assert ended["reason"] == "completed" and ended["error"] is None
    assert ended["at"] == pytest.approx(at + 1.2, abs=1e-3)
    positions = [m["heard_until"] for m in engine.events("position", id="p1")]
    assert len(positions) >= 3  # about every 0.25 s over 1.2 s
    assert positions == sorted(positions)
    assert all(at <= h <= at + 1.2 + 1e-6 for h in positions)
    order = [m.get("event") for m in engine.log if m.get("id") == "p1" and "event" in m]
    assert order[0] == "started" and order[-1] == "ended"
    written, rate = soundfile.read(str(tmp_path / "out" / "0001-ban-tin.wav"), dtype="float32")
    assert rate == RATE
    np.testing.assert_allclose(written, program, atol=1e-6)


def test_stop_fades_out_and_a_loaded_program_can_be_let_go(raw_engine, tmp_path):
    path = write(tmp_path / "dai.wav", tone(10.0, rate=RATE), RATE)
    engine = raw_engine()
    engine.request("load", id="a", path=str(path))
    engine.request("play", id="a")
    engine.event("started", id="a")
    time.sleep(0.5)
    asked = time.time()
    assert engine.request("stop", id="a", fade=0.3)["reply"] == "stopping"
    ended = engine.event("ended", id="a", timeout=5)
    assert ended["reason"] == "stopped"
    assert asked - 0.15 <= ended["at"] <= asked + 0.3 + 0.15
    engine.request("load", id="b", path=str(path))
    engine.request("stop", id="b")
    ended = engine.event("ended", id="b")
    assert ended["reason"] == "stopped"
    assert not engine.events("started", id="b")
    assert engine.request("play", id="b")["code"] == "unknown_id"


def test_status_lists_the_voices_and_close_stops_them(raw_engine, tmp_path):
    path = write(tmp_path / "dai.wav", tone(10.0, rate=RATE), RATE)
    engine = raw_engine()
    engine.request("load", id="a", path=str(path), ref="r-a")
    engine.request("load", id="b", path=str(path))
    engine.request("play", id="a")
    engine.event("started", id="a")
    status = engine.request("status")
    assert status["sink"] == "file" and status["open"] is True
    voices = {v["id"]: v for v in status["voices"]}
    assert voices["a"]["state"] == "playing" and voices["a"]["ref"] == "r-a"
    assert voices["b"]["state"] == "loaded"
    assert engine.request("close")["reply"] == "closed"
    assert engine.event("ended", id="a")["reason"] == "stopped"
    assert engine.event("ended", id="b")["reason"] == "stopped"
    assert engine.request("status")["voices"] == []


def test_stdin_closing_fades_out_writes_the_state_file_and_exits(raw_engine, tmp_path):
    path = write(tmp_path / "dai.wav", tone(20.0, rate=RATE), RATE)
    engine = raw_engine()
    engine.request("load", id="a", path=str(path), ref="as-run:12")
    engine.request("play", id="a", at=time.time() + 0.2)
    started = engine.event("started", id="a")
    time.sleep(1.6)
    # while it plays, the state file already says how far it was heard
    during = read_state(tmp_path / "state.json")
    assert during is not None
    record = during.find("as-run:12")
    assert record is not None and record.ended_at is None
    assert record.started_at == pytest.approx(started["at"])
    assert record.heard_until is not None and record.heard_until >= started["at"] + 0.3
    closed_at = time.time()
    engine.close_stdin()  # the station died
    assert engine.proc.wait(5) == 0
    assert time.time() - closed_at < 2.0
    state = read_state(tmp_path / "state.json")
    assert state is not None and state.pid == engine.proc.pid
    assert state.exit is not None and state.exit["cause"] == "stdin_closed"
    record = state.find("as-run:12")
    assert record is not None
    assert record.reason == "stopped"
    assert record.heard_end == record.ended_at
    assert closed_at - 0.2 <= record.ended_at <= closed_at + 0.3  # faded out over 50 ms
    assert engine.event("ended", id="a")["reason"] == "stopped"
    heard, _ = soundfile.read(str(tmp_path / "out" / "0001-dai.wav"), dtype="float32")
    assert len(heard) / RATE == pytest.approx(record.ended_at - record.started_at, abs=0.15)


def test_sigterm_ends_the_engine_the_same_way(raw_engine, tmp_path):
    path = write(tmp_path / "dai.wav", tone(20.0, rate=RATE), RATE)
    engine = raw_engine()
    engine.request("load", id="a", path=str(path), ref="r")
    engine.request("play", id="a")
    engine.event("started", id="a")
    engine.proc.send_signal(signal.SIGTERM)
    assert engine.proc.wait(5) == 0
    state = read_state(tmp_path / "state.json")
    assert state is not None and state.exit["cause"] == "signal"
    assert state.find("r").reason == "stopped"


def test_a_new_engine_keeps_what_the_last_one_recorded(raw_engine, tmp_path):
    path = write(tmp_path / "kort.wav", tone(0.2, rate=RATE), RATE)
    first = raw_engine()
    first.request("load", id="a", path=str(path), ref="first")
    first.request("play", id="a")
    first.event("ended", id="a")
    first.stop()
    second = raw_engine()
    second.request("load", id="a", path=str(path), ref="second")
    second.request("play", id="a")
    second.event("ended", id="a")
    second.stop()
    state = read_state(tmp_path / "state.json")
    assert [v.ref for v in state.voices] == ["first", "second"]
    assert state.voices[0].engine_pid == first.proc.pid
    assert state.voices[1].engine_pid == second.proc.pid
    assert all(v.reason == "completed" for v in state.voices)


def test_the_engine_imports_nothing_of_the_api_renderer_store_or_scheduler():
    code = (
        "import sys, broadcast.engine.server, broadcast.playout.sounddevice_sink, "
        "broadcast.playout.file_sink; print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(out.stdout.split())
    forbidden = [
        m for m in loaded
        if m.split(".")[0] in {"api", "fastapi", "uvicorn", "sqlalchemy", "apscheduler",
                               "pydantic", "pydub", "gtts", "scipy", "sounddevice"}
        or m.startswith(("broadcast.store", "broadcast.station", "broadcast.scheduling",
                         "broadcast.render", "broadcast.mixing", "broadcast.tts",
                         "broadcast.playout.player"))
    ]
    assert forbidden == []


def test_the_engine_answers_a_person_at_a_terminal(tmp_path):
    """One line in, one line out: usable by hand like playd."""
    result = subprocess.run(
        [sys.executable, "-m", "broadcast.engine", "--sink", f"file:{tmp_path}",
         "--no-priority"],
        input=b'{"cmd":"hello","seq":1}\n{"cmd":"time"}\n', capture_output=True,
        cwd=ROOT, timeout=30,
    )
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [m.get("event") or m.get("reply") for m in lines] == ["ready", "hello", "time"]
    assert b"engine ready" in result.stderr  # logs go to stderr, never into the protocol


def test_broadcast_engine_runs_it_with_the_stations_settings(tmp_path):
    env = {**os.environ, "BROADCAST_DATA_DIR": str(tmp_path), "BROADCAST_SAMPLE_RATE": "44100"}
    result = subprocess.run(
        [sys.executable, "-m", "broadcast.cli", "engine", "--sink", f"file:{tmp_path / 'out'}",
         "--state", str(tmp_path / "s.json")],
        input=b'{"cmd":"hello","seq":1}\n', capture_output=True, cwd=ROOT, env=env, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    hello = json.loads(result.stdout.splitlines()[1])
    assert (hello["reply"], hello["rate"], hello["sink"]) == ("hello", 44_100, "file")
    assert read_state(tmp_path / "s.json").exit["cause"] == "stdin_closed"
