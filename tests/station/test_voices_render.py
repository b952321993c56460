"""Rendering programs with the station's voice choices: the editor's own recording in place
of text-to-speech (and text-to-speech again, visibly, once the text changed), readings an
approver confirmed, and a column's default voice — each changing the content hash so the
station renders again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from broadcast.mixing.recording import process_recording
from broadcast.programs import Program, Segment
from broadcast.render import RECORDING_ENGINE, Renderer
from broadcast.settings import Settings
from broadcast.station.program_files import ProgramFiles
from broadcast.store.store import Store, open_store
from broadcast.tts.fake_engine import FakeEngine
from broadcast.voices.recordings import script_sentences

TEXT = "Kính thưa bà con. Sáng mai xã tổ chức tập huấn cài đặt SmartCA."


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, engines=["fake"], load_example_timetable=False)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings.db_url)
    yield store
    store.close()


@pytest.fixture
def files(settings: Settings, store: Store) -> ProgramFiles:
    return ProgramFiles(settings, store, Renderer(settings))


@pytest.fixture
def fake(files: ProgramFiles) -> FakeEngine:
    """The one voice of the chain (a tone per sentence), to see what it was asked to say."""
    engine = files.renderer.chain().engines[0]
    assert isinstance(engine, FakeEngine)
    return engine


def add_program(store: Store, text: str = TEXT, topic: str = "chuyen-doi-so") -> int:
    script = store.scripts.create(title="Tin", text=text, topic=topic)
    store.scripts.approve(script.id, by="duyet")
    store.programs.create(
        Program(
            id="tin", title="Bản tin", topic=topic, segments=(Segment.stored_script(script.id),)
        )
    )
    return script.id


def speech_wav(path: Path, seconds: float, hz: float = 300.0, rate: int = 44_100) -> Path:
    """A stand-in for a voice: a warbling tone between silences."""
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.2 * np.sin(2 * np.pi * hz * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t))
    silence = np.zeros(int(0.8 * rate))
    sf.write(path, np.concatenate([silence, tone, silence]).astype("float32"), rate)
    return path


def record(
    settings: Settings, store: Store, script_id: int, text: str, sentence: int | None = None
) -> None:
    folder = settings.media_path / "recordings"
    name = f"s{script_id}-{'all' if sentence is None else sentence}.wav"
    raw = speech_wav(settings.data_dir / f"raw-{name}", 2.0)
    result = process_recording(raw, folder / name)
    store.recordings.save(
        script_id=script_id, sentence=sentence, recorded_text=text,
        path=Path("recordings") / name, duration_seconds=result.duration_seconds,
    )


def test_the_editors_recording_airs_instead_of_a_voice(settings, store, files, fake):
    script_id = add_program(store)
    record(settings, store, script_id, TEXT)

    rendered = files.render("tin")

    assert rendered.engines == (RECORDING_ENGINE,)
    assert fake.calls == []  # no text-to-speech at all
    info = sf.info(str(rendered.wav_path))
    assert 2.0 < info.duration < 3.5  # the trimmed recording (plus the mixer's edges)


def test_a_changed_text_makes_the_recording_outdated_and_a_voice_reads(
    settings, store, files, fake
):
    script_id = add_program(store)
    record(settings, store, script_id, TEXT)
    first = files.render("tin")

    store.scripts.update(script_id, text=TEXT + " Xin cảm ơn.")
    store.scripts.approve(script_id, by="duyet")
    plan = files.recording_plan(script_id, store.scripts.get(script_id).text)
    second = files.render("tin")

    assert plan.kind == "voice" and plan.note is not None and "đã cũ" in plan.note
    assert second.engines == ("fake",)
    assert second.content_hash != first.content_hash
    assert fake.spoken[-1] == "Xin cảm ơn."


def test_recordings_sentence_by_sentence_air_when_every_sentence_has_one(
    settings, store, files, fake
):
    script_id = add_program(store)
    first, second = script_sentences(TEXT)
    record(settings, store, script_id, first, sentence=0)
    assert files.render("tin").engines == ("fake",)  # one sentence is missing: a voice reads

    record(settings, store, script_id, second, sentence=1)
    rendered = files.render("tin")
    assert rendered.engines == (RECORDING_ENGINE,)
    assert 4.0 < sf.info(str(rendered.wav_path)).duration < 7.0

    # Editing the second sentence leaves the first recording valid, the second outdated.
    store.scripts.update(script_id, text=f"{first} Sáng mai xã họp.")
    plan = files.recording_plan(script_id, store.scripts.get(script_id).text)
    assert plan.kind == "voice" and plan.missing_sentences == (1,)
    assert [s.current for s in plan.states] == [True, False]


def test_an_approved_reading_is_used_by_the_next_render(settings, store, files, fake):
    add_program(store)
    before = files.render("tin")
    assert "SmartCA" in fake.spoken[-1]

    entry = store.lexicon.propose(word="SmartCA", reading="smát xê a", by="bien-tap")
    assert files.render("tin").id == before.id  # proposed only: nothing changes

    store.lexicon.approve(entry.id, by="duyet")
    after = files.render("tin")

    assert after.content_hash != before.content_hash
    assert fake.spoken[-1].endswith("cài đặt smát xê a.")


def test_a_column_voice_is_used_when_the_script_names_none(settings, store, files):
    script_id = add_program(store)
    program = store.programs.get("tin")
    before = files.content_hash(program)
    assert files.stored_script(script_id).engine is None

    store.topic_voices.set("chuyen-doi-so", "espeak", by="bien-tap")

    assert files.stored_script(script_id).engine == "espeak"
    assert files.content_hash(program) != before
    store.scripts.update(script_id, engine="fake")
    assert files.stored_script(script_id, require_approved=False).engine == "fake"
