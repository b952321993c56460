"""The HTTP API under the coming voice pages: the catalogue and samples, API keys (saved,
never shown again), column voices, the lexicon flow ("Sửa cách đọc") and the editor's own
recordings ("Tự đọc")."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import responses
import soundfile as sf

from broadcast.tts import fpt_engine
from tests.api.conftest import Api, build_api
from tests.api.helpers import create_script

KEY = "fpt-secret-key-0123456789ABCDEF"
LINK = "https://file01.fpt.ai/text2speech-v5/short/sample.mp3"


@pytest.fixture
def voices_api(tmp_path: Path):
    built = build_api(tmp_path, engines=["fake", "espeak"])
    with built.client:
        yield built
    built.store.close()


def tone_wav(seconds: float = 1.5, silence: float = 0.7, rate: int = 44_100) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.25 * np.sin(2 * np.pi * 250 * t) * (1 + 0.5 * np.sin(2 * np.pi * 5 * t))
    quiet = 0.002 * np.random.default_rng(3).standard_normal(int(silence * rate))
    buffer = io.BytesIO()
    sf.write(buffer, np.concatenate([quiet, tone, quiet]).astype("float32"), rate, format="WAV")
    return buffer.getvalue()


def mp3_tone() -> bytes:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    return subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.4",
         "-ac", "1", "-f", "mp3", "pipe:1"],
        capture_output=True, check=True,
    ).stdout


# --- the catalogue ----------------------------------------------------------------------------


def test_catalogue_lists_the_voices_and_the_offline_fallback(voices_api: Api) -> None:
    response = voices_api.client.get("/api/voices", headers=voices_api.auth("operator"))
    assert response.status_code == 200
    body = response.json()
    assert body["chain"] == ["fake", "espeak"]
    assert [v["id"] for v in body["voices"]] == ["fake", "espeak"]
    espeak = body["voices"][1]
    assert espeak["online"] is False and espeak["position"] == 2
    assert body["offline_fallback"].startswith("Nếu mất mạng:")


def test_sample_of_a_voice_is_an_mp3_and_is_kept(voices_api: Api) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    first = voices_api.client.post("/api/voices/espeak/sample", headers=voices_api.auth("editor"))
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "audio/mpeg"
    assert first.content[:3] == b"ID3" or first.content[0] == 0xFF
    samples = list((voices_api.settings.cache_dir / "voice-samples").iterdir())
    again = voices_api.client.post("/api/voices/espeak/sample", headers=voices_api.auth("editor"))
    assert again.content == first.content
    assert list((voices_api.settings.cache_dir / "voice-samples").iterdir()) == samples

    other = voices_api.client.post(
        "/api/voices/espeak/sample", json={"text": "Xin chào bà con."},
        headers=voices_api.auth("editor"),
    )
    assert other.status_code == 200 and other.content != first.content


def test_sample_of_an_unknown_voice(voices_api: Api) -> None:
    response = voices_api.client.post("/api/voices/gtts/sample", headers=voices_api.auth("admin"))
    assert response.status_code == 404 and response.json()["code"] == "voice_not_found"


# --- API keys ---------------------------------------------------------------------------------


def test_a_saved_key_is_used_by_the_voice_and_never_shown(voices_api: Api) -> None:
    api = voices_api
    providers = api.client.get("/api/voices/providers", headers=api.auth("editor")).json()
    assert {p["provider"]: p["key_set"] for p in providers} == {"fpt": False, "zalo": False}

    refused = api.client.put(
        "/api/voices/providers/fpt/key", json={"api_key": KEY}, headers=api.auth("editor")
    )
    assert refused.status_code == 403
    saved = api.client.put(
        "/api/voices/providers/fpt/key", json={"api_key": KEY}, headers=api.auth("admin")
    )
    assert saved.status_code == 200
    assert saved.json()["key_set"] is True and saved.json()["key_hint"] == "…CDEF"
    assert saved.json()["source"] == "database"

    catalogue = api.client.get("/api/voices", headers=api.auth("editor"))
    fpt = next(v for v in catalogue.json()["voices"] if v["id"] == "fpt")
    assert fpt["available"] is True and fpt["position"] is None

    with responses.RequestsMock() as server:
        server.add(responses.POST, fpt_engine.URL, json={"async": LINK, "error": 0})
        server.add(responses.GET, LINK, body=mp3_tone())
        sample = api.client.post("/api/voices/fpt/sample", headers=api.auth("editor"))
        assert sample.status_code == 200, sample.text
        assert server.calls[0].request.headers["api_key"] == KEY

    everything = [
        api.client.get(path, headers=api.auth("admin")).text
        for path in ("/api/voices", "/api/voices/providers", "/openapi.json")
    ]
    assert all(KEY not in text for text in everything)

    removed = api.client.delete("/api/voices/providers/fpt/key", headers=api.auth("admin"))
    assert removed.json()["key_set"] is False


def test_a_key_must_look_like_one(voices_api: Api) -> None:
    for bad in ("short", "has spaces inside it", ""):
        response = voices_api.client.put(
            "/api/voices/providers/zalo/key", json={"api_key": bad},
            headers=voices_api.auth("admin"),
        )
        assert response.status_code == 422


# --- column voices ----------------------------------------------------------------------------


def test_column_voice(voices_api: Api) -> None:
    api = voices_api
    set_ = api.client.put(
        "/api/voices/topics/chuyen-doi-so", json={"voice": "espeak"}, headers=api.auth("editor")
    )
    assert set_.status_code == 200 and set_.json()["voice"] == "espeak"
    assert api.station.called("timetable_changed")  # the station plans (and renders) again
    listed = api.client.get("/api/voices", headers=api.auth("operator")).json()["topics"]
    assert [(t["topic"], t["voice"]) for t in listed] == [("chuyen-doi-so", "espeak")]

    unknown = api.client.put(
        "/api/voices/topics/chuyen-doi-so", json={"voice": "festival"}, headers=api.auth("editor")
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "voice_unknown"

    assert api.client.delete(
        "/api/voices/topics/chuyen-doi-so", headers=api.auth("editor")
    ).status_code == 200
    assert api.client.delete(
        "/api/voices/topics/chuyen-doi-so", headers=api.auth("editor")
    ).status_code == 404


# --- the lexicon ------------------------------------------------------------------------------


def test_propose_approve_and_every_later_reading_uses_it(voices_api: Api) -> None:
    api = voices_api
    script = create_script(api, text="Bà con cài đặt SmartCA để ký số.")
    preview = api.client.get(f"/api/scripts/{script['id']}/preview", headers=api.auth("editor"))
    warning = preview.json()["sentences"][0]["warnings"][0]
    assert (warning["code"], warning["token"]) == ("latin_word", "SmartCA")
    assert warning["correctable"] is True  # the page offers "Sửa cách đọc" for it

    proposed = api.client.post(
        "/api/lexicon",
        json={"word": "SmartCA", "reading": "smát xê a", "script_id": script["id"]},
        headers=api.auth("editor"),
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    entry_id = proposed.json()["id"]
    # Not used until an approver confirms it; an editor cannot.
    still = api.client.get(f"/api/scripts/{script['id']}/preview", headers=api.auth("editor"))
    assert "SmartCA" in still.json()["sentences"][0]["reading"]
    assert api.client.post(
        f"/api/lexicon/{entry_id}/approve", headers=api.auth("editor")
    ).status_code == 403

    changes = len(api.station.called("timetable_changed"))
    approved = api.client.post(f"/api/lexicon/{entry_id}/approve", headers=api.auth("approver"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert len(api.station.called("timetable_changed")) == changes + 1
    assert approved.json()["decided_by"] == "approver"
    after = api.client.get(f"/api/scripts/{script['id']}/preview", headers=api.auth("operator"))
    sentence = after.json()["sentences"][0]
    assert sentence["reading"] == "Bà con cài đặt smát xê a để ký số."
    assert sentence["warnings"] == []

    # A new reading of the same word replaces it; retiring it goes back to the default.
    newer = api.client.post(
        "/api/lexicon", json={"word": "SmartCA", "reading": "xờ mát xê a"},
        headers=api.auth("editor"),
    ).json()
    api.client.post(f"/api/lexicon/{newer['id']}/approve", headers=api.auth("admin"))
    statuses = {e["id"]: e["status"] for e in api.client.get(
        "/api/lexicon", headers=api.auth("operator")).json()}
    assert statuses == {entry_id: "retired", newer["id"]: "approved"}
    api.client.delete(f"/api/lexicon/{newer['id']}", headers=api.auth("approver"))
    back = api.client.get(f"/api/scripts/{script['id']}/preview", headers=api.auth("editor"))
    assert "SmartCA" in back.json()["sentences"][0]["reading"]


def test_rejected_proposals_and_closed_entries(voices_api: Api) -> None:
    api = voices_api
    entry = api.client.post(
        "/api/lexicon", json={"word": "online", "reading": "ôn lai"}, headers=api.auth("editor")
    ).json()
    rejected = api.client.post(f"/api/lexicon/{entry['id']}/reject", headers=api.auth("approver"))
    assert rejected.json()["status"] == "rejected"
    late = api.client.post(f"/api/lexicon/{entry['id']}/approve", headers=api.auth("approver"))
    assert late.status_code == 409 and late.json()["code"] == "lexicon_entry_closed"
    assert api.client.post(
        "/api/lexicon/424242/approve", headers=api.auth("approver")
    ).status_code == 404
    only = api.client.get("/api/lexicon?status=rejected", headers=api.auth("operator")).json()
    assert [e["word"] for e in only] == ["online"]


@pytest.mark.parametrize(
    "body",
    [
        {"word": "VNeID", "reading": "vê 2 e"},
        {"word": "VNeID", "reading": "vê <b>en</b>"},
        {"word": "hai từ", "reading": "hai từ"},
        {"word": "VNeID", "reading": ""},
    ],
)
def test_bad_proposals(voices_api: Api, body: dict[str, str]) -> None:
    response = voices_api.client.post("/api/lexicon", json=body, headers=voices_api.auth("editor"))
    assert response.status_code == 422


def test_try_a_reading_before_proposing_it(voices_api: Api) -> None:
    response = voices_api.client.post(
        "/api/lexicon/try",
        json={"text": "Truy cập tanlap.gov.vn.", "word": "tanlap.gov.vn",
              "reading": "tân lập chấm gờ o vê chấm vê en"},
        headers=voices_api.auth("editor"),
    )
    assert response.status_code == 200
    assert response.json()["sentences"][0]["reading"] == (
        "Truy cập tân lập chấm gờ o vê chấm vê en."
    )
    assert voices_api.client.get("/api/lexicon", headers=voices_api.auth("editor")).json() == []


# --- the editor's own recordings --------------------------------------------------------------


def upload(
    api: Api, script_id: int, data: bytes, sentence: int | None = None, role: str = "editor"
):
    form = {} if sentence is None else {"sentence": str(sentence)}
    return api.client.post(
        f"/api/scripts/{script_id}/recordings",
        files={"file": ("thu-am.wav", data, "audio/wav")},
        data=form,
        headers=api.auth(role),
    )


def test_whole_script_recording_then_the_text_changes(voices_api: Api) -> None:
    api = voices_api
    script = create_script(api, text="Kính thưa bà con. Chiều nay cắt điện.")
    assert upload(api, script["id"], tone_wav(), role="operator").status_code == 403

    created = upload(api, script["id"], tone_wav())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["airs"] == "whole" and body["note"] is None
    whole = body["whole"]
    assert whole["current"] is True and whole["created_by"] == "editor"
    assert whole["processing"]["trimmed_start_seconds"] > 0.4  # the leading silence went
    assert 1.4 < whole["duration_seconds"] < 2.2

    audio = api.client.get(
        f"/api/scripts/{script['id']}/recordings/audio", headers=api.auth("operator")
    )
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    samples, rate = sf.read(io.BytesIO(audio.content))
    assert rate == api.settings.sample_rate and len(samples) / rate == pytest.approx(
        whole["duration_seconds"], abs=0.01
    )

    edited = api.client.put(
        f"/api/scripts/{script['id']}", json={"text": "Kính thưa bà con. Sáng mai cắt điện."},
        headers=api.auth("editor"),
    )
    assert edited.status_code == 200
    state = api.client.get(
        f"/api/scripts/{script['id']}/recordings", headers=api.auth("operator")
    ).json()
    assert state["airs"] == "voice" and "đã cũ" in state["note"]
    assert state["whole"]["current"] is False


def test_sentence_by_sentence(voices_api: Api) -> None:
    api = voices_api
    script = create_script(api, text="Kính thưa bà con. Chiều nay cắt điện.")
    first = upload(api, script["id"], tone_wav(), sentence=1).json()
    assert first["airs"] == "voice" and "1/2 câu" in first["note"]
    assert [s["recorded"] for s in first["sentences"]] == [True, False]
    assert first["sentences"][1]["text"] == "Chiều nay cắt điện."

    second = upload(api, script["id"], tone_wav(1.0), sentence=2).json()
    assert second["airs"] == "sentences" and second["note"] is None

    again = upload(api, script["id"], tone_wav(0.8), sentence=2).json()  # replaces it
    assert len(again["recordings"]) == 2
    folder = api.settings.media_path / "recordings"
    assert len(list(folder.glob("*.wav"))) == 2

    removed = api.client.delete(
        f"/api/scripts/{script['id']}/recordings?sentence=1", headers=api.auth("editor")
    ).json()
    assert removed["airs"] == "voice" and len(list(folder.glob("*.wav"))) == 1
    missing = api.client.delete(
        f"/api/scripts/{script['id']}/recordings", headers=api.auth("editor")
    )
    assert missing.status_code == 404


def test_bad_recordings_are_refused_and_leave_nothing(voices_api: Api) -> None:
    api = voices_api
    script = create_script(api, text="Kính thưa bà con.")
    out_of_range = upload(api, script["id"], tone_wav(), sentence=5)
    assert out_of_range.status_code == 422
    assert out_of_range.json()["code"] == "sentence_out_of_range"

    garbage = upload(api, script["id"], b"this is not audio at all" * 100)
    assert garbage.status_code == 422 and garbage.json()["code"] == "recording_unreadable"

    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(44_100 * 2, dtype="float32"), 44_100, format="WAV")
    silent = upload(api, script["id"], buffer.getvalue())
    assert silent.status_code == 422 and silent.json()["code"] == "recording_silent"

    folder = api.settings.media_path / "recordings"
    assert not folder.exists() or list(folder.iterdir()) == []
    state = api.client.get(f"/api/scripts/{script['id']}/recordings", headers=api.auth("editor"))
    assert state.json()["recordings"] == []


def test_unknown_script(voices_api: Api) -> None:
    assert upload(voices_api, 4242, tone_wav()).status_code == 404
    assert voices_api.client.get(
        "/api/scripts/4242/recordings", headers=voices_api.auth("editor")
    ).status_code == 404


def test_everything_is_in_the_schema(voices_api: Api) -> None:
    paths = json.loads(voices_api.client.get("/openapi.json").text)["paths"]
    for path in ("/api/voices", "/api/lexicon", "/api/scripts/{script_id}/recordings"):
        assert path in paths


def test_only_words_a_reading_can_fix_are_offered_for_correction(voices_api: Api) -> None:
    api = voices_api
    script = create_script(api, text="Cài SmartCA để ký số. Ký hiệu ⊕ lạ.")
    preview = api.client.get(f"/api/scripts/{script['id']}/preview", headers=api.auth("editor"))
    flags = {(w["token"], w["correctable"])
             for s in preview.json()["sentences"] for w in s["warnings"]}
    assert flags == {("SmartCA", True), ("⊕", False)}  # a symbol is not a word to read
