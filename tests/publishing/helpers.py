"""A station's store with aired programmes in it, for the publishing tests: real scripts with
revisions, a real rendered WAV per program, as-run entries as the station writes them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import soundfile

from broadcast.programs import Program, Segment
from broadcast.scheduling.model import Outcome
from broadcast.store.asrun import AsRunEntry
from broadcast.store.store import Store

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RATE = 48_000
_counter = itertools.count(1)


def make_wav(path: Path, seconds: float, frequency: float = 330.0) -> Path:
    """A mono 48 kHz 16-bit WAV like the renders: a tone with a slow swell."""
    t = np.arange(int(seconds * RATE)) / RATE
    signal = 0.3 * np.sin(2 * np.pi * frequency * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), signal.astype(np.float32), RATE, subtype="PCM_16")
    return path


@dataclass(frozen=True)
class Aired:
    entry: AsRunEntry
    script_ids: list[int]
    wav: Path


def air(
    store: Store,
    folder: Path,
    *,
    program_id: str,
    title: str,
    topic: str,
    texts: list[tuple[str, str]],
    start: datetime,
    seconds: float = 3.0,
    outcome: Outcome = Outcome.AIRED,
    announcement_id: int | None = None,
    cluster: str = "local",
    lateness: float = 0.0,
) -> Aired:
    """Store the scripts (approved), the program, a render of ``seconds`` and an as-run entry
    of its airing at ``start`` (``outcome``), the way the station does."""
    script_ids = []
    for script_title, text in texts:
        script = store.scripts.create(title=script_title, text=text, topic=topic, by="bientap")
        store.scripts.approve(script.id, by="lanhdao")
        script_ids.append(script.id)
    program = Program(
        id=program_id, title=title, topic=topic,
        segments=(Segment.jingle("intro"), *(Segment.stored_script(s) for s in script_ids)),
    )
    if store.programs.find(program_id) is None:
        store.programs.create(program)
    else:
        store.programs.upsert(program)
    wav = make_wav(folder / f"{program_id}-{next(_counter)}.wav", seconds)
    render = store.renders.record(
        program_id=program_id, content_hash=wav.stem, ok=True, wav_path=wav,
        duration_seconds=seconds, engines=["espeak"],
        script_revisions={s: store.scripts.get(s).revision for s in script_ids},
    )
    actual = start + timedelta(seconds=lateness)
    end = actual + timedelta(seconds=seconds if outcome is not Outcome.INTERRUPTED else 1.0)
    entry = store.as_run.append(
        slot_id=None if announcement_id is not None else f"slot-{program_id}",
        announcement_id=announcement_id,
        cluster=cluster,
        program_id=program_id,
        priority="emergency" if announcement_id is not None else "normal",
        scheduled_start=start,
        actual_start=actual,
        end=end,
        outcome=outcome,
        engines=["espeak"],
        render_id=render.id,
        lateness=timedelta(seconds=lateness) if lateness else None,
    )
    return Aired(entry, script_ids, wav)
