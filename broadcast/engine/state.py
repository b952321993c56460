"""The engine's state file: what it did with its last few programs, kept on disk.

Written atomically (a temporary file, fsync, rename) by the engine at every start and end
of a program and at most about once a second while one plays. A station that was killed
(``kill -9``, a power cut) reads it when it starts again, before it spawns a new engine,
to close its as-run entries with the airtime really heard.

Format (JSON, ``version`` 1)::

    {"version": 1, "pid": 4242, "written_at": 1754002801.2, "device": "pulse",
     "exit": null | {"at": 1754002805.0, "cause": "stdin_closed" | "signal"},
     "voices": [{"id": "p3", "ref": "as-run:118", "path": "/srv/loa/ban-tin.wav",
                 "engine_pid": 4242, "scheduled": 1754002800.0,
                 "started_at": 1754002800.0003, "heard_until": 1754002801.0,
                 "ended_at": null, "reason": null, "error": null}, ...]}

``heard_until`` is how far the program had been heard when the file was written;
``ended_at``/``reason`` are set once it ended (``reason`` as in the protocol's ``ended``).
A voice with ``ended_at`` null was still playing when the engine stopped writing: it was
heard at least until ``heard_until``. The last :data:`KEEP_VOICES` programs are kept,
across engine restarts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_VERSION = 1
KEEP_VOICES = 16

log = logging.getLogger(__name__)


@dataclass
class VoiceRecord:
    """One program as the engine saw it."""

    id: str
    path: str
    engine_pid: int
    ref: str | None = None
    scheduled: float | None = None
    started_at: float | None = None
    heard_until: float | None = None
    ended_at: float | None = None
    reason: str | None = None
    error: dict[str, str] | None = None

    @property
    def heard_end(self) -> float | None:
        """The last instant known to have been heard (None if nothing was)."""
        if self.started_at is None:
            return None
        if self.ended_at is not None:
            return self.ended_at
        return self.heard_until if self.heard_until is not None else self.started_at


@dataclass
class EngineState:
    pid: int
    written_at: float
    device: str | None = None
    exit: dict[str, Any] | None = None
    voices: list[VoiceRecord] = field(default_factory=list)

    def find(self, ref: str) -> VoiceRecord | None:
        """The most recent program recorded with ``ref``."""
        for record in reversed(self.voices):
            if record.ref == ref:
                return record
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "pid": self.pid,
            "written_at": self.written_at,
            "device": self.device,
            "exit": self.exit,
            "voices": [asdict(v) for v in self.voices],
        }


def write_state(path: Path, state: EngineState) -> None:
    """Replace ``path`` with ``state`` atomically (readers see the old or the new file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = json.dumps(state.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_state(path: Path) -> EngineState | None:
    """The state in ``path``; None if there is none or it cannot be read (logged)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("engine state file %s unreadable: %s", path, exc)
        return None
    if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
        log.warning("engine state file %s: unknown format", path)
        return None
    try:
        voices = [VoiceRecord(**v) for v in raw.get("voices", [])]
        return EngineState(
            pid=int(raw["pid"]),
            written_at=float(raw["written_at"]),
            device=raw.get("device"),
            exit=raw.get("exit"),
            voices=voices,
        )
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("engine state file %s: bad content: %s", path, exc)
        return None


class StateWriter:
    """Writes snapshots on its own thread, so a slow disk never delays the engine's reports.

    ``post`` keeps only the newest snapshot; ``flush`` writes what is pending and waits.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: EngineState | None = None
        self._cond = threading.Condition()
        self._writing = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="engine-state", daemon=True)
        self._thread.start()

    def post(self, state: EngineState) -> None:
        with self._cond:
            self._pending = state
            self._cond.notify_all()

    def flush(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._cond.wait_for(
                lambda: self._pending is None and not self._writing, timeout=timeout
            )

    def close(self, timeout: float = 2.0) -> None:
        self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._pending is None:
                    return
                state, self._pending = self._pending, None
                self._writing = True
            try:
                write_state(self.path, state)
            except OSError as exc:
                log.error("cannot write the engine state file %s: %s", self.path, exc)
            finally:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()
