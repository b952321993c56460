"""`broadcast voices`: the configured voices and the fallback, and a sample of one voice."""

from __future__ import annotations

from pathlib import Path

import soundfile

from tests.cli.test_cli import broadcast


def test_voices_lists_each_voice_with_why_not(tmp_path: Path) -> None:
    result = broadcast(
        tmp_path, "voices",
        env={"BROADCAST_ENGINES": '["fpt", "piper", "espeak"]',
             "BROADCAST_VOICES": '["zalo:4"]'},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for voice_id in ("fpt", "piper", "espeak", "zalo:4"):
        assert voice_id in out
    assert "khoá API của FPT.AI" in out  # no key: why not
    assert "BROADCAST_PIPER_MODEL" in out
    assert "sẵn sàng" in out  # espeak
    assert "Nếu mất mạng: đọc bằng giọng espeak-ng" in out


def test_a_key_in_the_settings_makes_the_cloud_voice_available(tmp_path: Path) -> None:
    result = broadcast(
        tmp_path, "voices",
        env={"BROADCAST_ENGINES": '["fpt", "espeak"]', "BROADCAST_FPT_API_KEY": "k" * 24},
    )
    assert result.returncode == 0, result.stderr
    assert "khoá API" not in result.stdout
    assert "k" * 24 not in result.stdout


def test_sample_of_one_voice(tmp_path: Path) -> None:
    out = tmp_path / "mau.wav"
    result = broadcast(tmp_path, "voices", "sample", "espeak", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert soundfile.info(str(out)).duration > 1.0

    failed = broadcast(tmp_path, "voices", "sample", "fpt", "-o", str(out))
    assert failed.returncode == 4  # text-to-speech layer
    assert "fpt_no_key" in failed.stderr
