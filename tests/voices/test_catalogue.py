"""The voice catalogue: configured voices, availability without network calls, the fallback
said in Vietnamese."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcast.settings import Settings
from broadcast.tts.cloud import StaticKeys
from broadcast.voices.catalogue import build_catalogue, offline_fallback


def test_default_chain(tmp_path: Path) -> None:
    catalogue = build_catalogue(Settings(data_dir=tmp_path), StaticKeys())
    assert [v.id for v in catalogue.voices] == ["gtts", "espeak"]
    gtts, espeak = catalogue.voices
    assert gtts.online and gtts.position == 1
    assert not espeak.online and espeak.position == 2
    assert catalogue.offline_fallback.startswith("Nếu mất mạng: đọc bằng giọng espeak-ng")


def test_cloud_voice_without_key_and_a_column_voice(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, engines=["fpt", "espeak"], voices=["zalo:4"])
    catalogue = build_catalogue(
        settings, StaticKeys({"zalo": "z" * 20}), topics={"chuyen-doi-so": "fpt:leminh"}
    )
    by_id = {v.id: v for v in catalogue.voices}
    assert list(by_id) == ["fpt", "espeak", "zalo:4", "fpt:leminh", "zalo"]
    assert not by_id["fpt"].available and "khoá API" in (by_id["fpt"].reason or "")
    assert by_id["zalo:4"].available and "miền Bắc" in by_id["zalo:4"].label
    assert by_id["fpt:leminh"].label.startswith("FPT.AI — Lê Minh")
    assert by_id["fpt:leminh"].position is None
    assert catalogue.topics == {"chuyen-doi-so": "fpt:leminh"}
    assert catalogue.voice("FPT") is by_id["fpt"]


def test_misconfigured_voices_are_listed_with_the_reason(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, engines=["piper", "festival"])
    catalogue = build_catalogue(settings, StaticKeys())
    reasons = {v.id: v.reason or "" for v in catalogue.voices}
    assert "BROADCAST_PIPER_MODEL" in reasons["piper"]
    assert "festival" in reasons["festival"]
    assert "không có giọng đọc offline" in catalogue.offline_fallback


def test_an_open_breaker_is_shown(tmp_path: Path) -> None:
    def state(voice_id: str) -> str | None:
        return "Đang tạm bỏ qua sau nhiều lần lỗi" if voice_id == "espeak" else None

    catalogue = build_catalogue(Settings(data_dir=tmp_path), StaticKeys(), state=state)
    assert catalogue.voice("espeak").available is False  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        (["espeak", "gtts"], "vẫn đọc bằng giọng espeak-ng"),
        (["gtts", "fake"], "đọc bằng giọng Giọng thử nghiệm"),
    ],
)
def test_fallback_sentence(tmp_path: Path, chain: list[str], expected: str) -> None:
    catalogue = build_catalogue(Settings(data_dir=tmp_path, engines=chain), StaticKeys())
    assert expected in catalogue.offline_fallback
    assert offline_fallback([]).startswith("Nếu mất mạng: không có")
