"""Fixtures for the audio engine's tests: engines on the file sink (no sound card) and on
the virtual loudspeaker (a private PulseAudio server for this directory's tests)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.soundpath import SoundPathError, VirtualSpeaker

ROOT = Path(__file__).resolve().parents[2]


class RawEngine:
    """``python -m broadcast.engine`` driven through its pipes, line by line."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "broadcast.engine", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=ROOT, env=env,
        )
        self.log: list[dict[str, Any]] = []  # every message, in the order written
        self.stderr: list[bytes] = []
        self._changed = threading.Condition()
        self._seq = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.log.append(json.loads(line))
                self._changed.notify_all()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def write(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line)
        self.proc.stdin.flush()

    def send(self, cmd: str, **fields: Any) -> int:
        self._seq += 1
        self.write(json.dumps({"cmd": cmd, "seq": self._seq, **fields}).encode() + b"\n")
        return self._seq

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
        """The first message (ever written) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self.log:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching message; last: {self.log[-10:]}")
                self._changed.wait(remaining)

    def request(self, cmd: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        seq = self.send(cmd, **fields)
        return self.wait_for(lambda m: "reply" in m and m.get("seq") == seq, timeout)

    def event(self, name: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        return self.wait_for(
            lambda m: m.get("event") == name and all(m.get(k) == v for k, v in match.items()),
            timeout,
        )

    def events(self, name: str, **match: Any) -> list[dict[str, Any]]:
        with self._changed:
            return [
                m for m in self.log
                if m.get("event") == name and all(m.get(k) == v for k, v in match.items())
            ]

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.close_stdin()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def raw_engine(tmp_path):
    """An engine on the file sink (wall clock), with a state file."""
    engines: list[RawEngine] = []

    def start(*extra: str) -> RawEngine:
        engine = RawEngine(
            ["--sink", f"file:{tmp_path / 'out'}", "--state", str(tmp_path / "state.json"),
             "--no-priority", *extra]
        )
        engines.append(engine)
        ready = engine.wait_for(lambda m: True, 30)
        assert ready["event"] == "ready", ready
        return engine

    yield start
    for engine in engines:
        engine.stop()


@pytest.fixture(scope="session")
def engine_speaker(tmp_path_factory):
    """A private virtual loudspeaker for the engine tests; fails (never skips)."""
    try:
        speaker = VirtualSpeaker.start(tmp_path_factory.mktemp("pulse-engine"))
        speaker.activate()
        speaker.keep_warm()
    except SoundPathError as exc:
        pytest.fail(f"virtual loudspeaker unavailable: {exc}")
    yield speaker
    speaker.stop()


@pytest.fixture
def engine_recorder(engine_speaker):
    rec = engine_speaker.recorder(latency_msec=20)
    try:
        rec.start()
    except SoundPathError as exc:
        pytest.fail(f"cannot record the virtual loudspeaker: {exc}")
    yield rec
    rec.stop()


def engine_env(speaker: VirtualSpeaker) -> dict[str, str]:
    env = speaker.subprocess_env()
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env
