"""Voice ids in the settings and on scripts: "fpt", "fpt:leminh", "zalo:4", "piper"."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from broadcast.errors import TTSError
from broadcast.settings import Settings
from broadcast.tts.chain import build_chain, make_engine, split_voice_id
from broadcast.tts.cloud import RequestPolicy, SettingsKeys, StaticKeys
from broadcast.tts.fpt_engine import FptEngine
from broadcast.tts.zalo_engine import ZaloEngine


def test_split_voice_id() -> None:
    assert split_voice_id("FPT:LeMinh ") == ("fpt", "leminh")
    assert split_voice_id("espeak") == ("espeak", None)


def test_cloud_voices_from_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, fpt_voice="thuminh", fpt_speed=1, zalo_speaker=5)
    chain = build_chain(settings, ["fpt", "fpt:leminh", "zalo", "zalo:4", "espeak"])
    fpt, leminh, zalo, zalo4, _ = chain.engines
    assert isinstance(fpt, FptEngine) and (fpt.voice, fpt.speed) == ("thuminh", 1)
    assert isinstance(leminh, FptEngine) and leminh.voice == "leminh"
    assert leminh.name == "fpt:leminh"
    assert isinstance(zalo, ZaloEngine) and zalo.speaker == 5
    assert isinstance(zalo4, ZaloEngine) and zalo4.speaker == 4
    # Two voices of one provider are two engines, each with its own cache key and breaker.
    assert fpt.identity() != leminh.identity()
    assert set(chain.breakers) == {"fpt", "fpt:leminh", "zalo", "zalo:4", "espeak"}


def test_cloud_voices_take_their_request_policy_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        fpt_requests_per_second=0.5,
        fpt_timeout_seconds=20.0,
        fpt_retries=4,
        fpt_backoff_seconds=3.0,
        fpt_poll_seconds=2.0,
        fpt_ready_timeout_seconds=90.0,
        zalo_retries=0,
        zalo_ready_timeout_seconds=30.0,
    )
    fpt, zalo = build_chain(settings, ["fpt:leminh", "zalo:4"]).engines
    assert isinstance(fpt, FptEngine) and isinstance(zalo, ZaloEngine)
    assert fpt.policy == RequestPolicy(0.5, 20.0, 4, 3.0, 2.0, 90.0)
    assert zalo.policy == RequestPolicy(1.0, 15.0, 0, 2.0, 1.0, 30.0)


@pytest.mark.parametrize("name", ["espeak:vi", "zalo:bon", "festival", "piper:x"])
def test_unknown_voice_ids_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(TTSError) as caught:
        build_chain(Settings(data_dir=tmp_path), [name])
    assert caught.value.code == "unknown_engine"


def test_keys_come_from_the_settings_or_a_given_source(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, fpt_api_key=SecretStr("from-settings-123456"))
    assert SettingsKeys(settings).key("fpt") == "from-settings-123456"
    assert SettingsKeys(settings).key("zalo") is None
    engine = make_engine("fpt", settings, StaticKeys({"fpt": "given-key"}))
    assert isinstance(engine, FptEngine) and engine.check() is None
    assert make_engine("zalo", settings).check() is not None  # no Zalo key anywhere


def test_settings_never_show_a_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, zalo_api_key=SecretStr("very-secret-zalo-key"))
    assert "very-secret-zalo-key" not in repr(settings)
    assert "very-secret-zalo-key" not in str(settings.model_dump())
