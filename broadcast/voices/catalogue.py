"""The catalogue of the station's voices: each configured voice, whether it can speak now (or
why not), the fallback chain, and what happens without the Internet, said in Vietnamese.

A voice is "configured" when it is in the fallback chain (``BROADCAST_ENGINES``), offered to
editors (``BROADCAST_VOICES``), the default of a column, or when its provider has a key or
model (FPT.AI, Zalo AI, Piper). Checking makes no network call and costs no quota.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from broadcast.errors import BroadcastError
from broadcast.settings import Settings
from broadcast.tts.chain import make_engine, normalized_names, split_voice_id
from broadcast.tts.cloud import PROVIDERS, KeySource

# Built-in voices without a label of their own: (label, needs the Internet).
_BUILTIN: dict[str, tuple[str, bool]] = {
    "gtts": ("Google Dịch (gTTS), cần Internet", True),
    "espeak": ("espeak-ng (máy đọc offline)", False),
    "fake": ("Giọng thử nghiệm (âm báo, chỉ để kiểm tra)", False),
}
_ONLINE_PROVIDERS = frozenset({"gtts", "fpt", "zalo"})

# Why a voice is skipped for now, e.g. its circuit breaker is open (or None).
EngineState = Callable[[str], str | None]


@dataclass(frozen=True)
class VoiceInfo:
    id: str  # what a script or a column names: "fpt:leminh", "espeak"
    provider: str
    label: str
    online: bool  # needs the Internet
    available: bool
    reason: str | None  # why not available (Vietnamese)
    position: int | None  # 1-based place in the fallback chain, None if not in it

    @property
    def in_chain(self) -> bool:
        return self.position is not None


@dataclass(frozen=True)
class Catalogue:
    voices: list[VoiceInfo]
    chain: list[str]
    offline_fallback: str  # "Nếu mất mạng: đọc bằng giọng …"
    topics: dict[str, str] = field(default_factory=dict)

    def voice(self, voice_id: str) -> VoiceInfo | None:
        wanted = voice_id.strip().lower()
        return next((v for v in self.voices if v.id == wanted), None)


def configured_voice_ids(
    settings: Settings, keys: KeySource, topics: Mapping[str, str] | None = None
) -> list[str]:
    ids = [*settings.engines, *settings.voices, *(topics or {}).values()]
    for provider in PROVIDERS:
        if keys.key(provider) is not None:
            ids.append(provider)
    if settings.piper_model is not None:
        ids.append("piper")
    return normalized_names(ids)


def describe_voice(
    voice_id: str,
    settings: Settings,
    keys: KeySource,
    *,
    position: int | None = None,
    state: EngineState | None = None,
) -> VoiceInfo:
    provider, _ = split_voice_id(voice_id)
    label, online = _BUILTIN.get(provider, (voice_id, provider in _ONLINE_PROVIDERS))
    try:
        engine = make_engine(voice_id, settings, keys)
    except BroadcastError as exc:
        return VoiceInfo(voice_id, provider, label, online, False, exc.message, position)
    label = getattr(engine, "label", label)
    online = bool(getattr(engine, "online", online))
    reason: str | None = None
    check = getattr(engine, "check", None)
    if callable(check):
        reason = check()
    elif provider == "espeak" and shutil.which("espeak-ng") is None:
        reason = "Chưa cài espeak-ng (sudo apt-get install espeak-ng)"
    if reason is None and state is not None:
        reason = state(voice_id)
    return VoiceInfo(voice_id, provider, label, online, reason is None, reason, position)


def offline_fallback(chain: Sequence[VoiceInfo]) -> str:
    """What the station does without the Internet, for the operator."""
    offline = next((v for v in chain if not v.online and v.available), None)
    if offline is None:
        return (
            "Nếu mất mạng: không có giọng đọc offline nào sẵn sàng — bài chưa có sẵn âm thanh "
            "sẽ không đọc được. Hãy thêm espeak hoặc piper vào danh sách giọng đọc."
        )
    if chain and chain[0] is offline:
        return (
            f"Nếu mất mạng: vẫn đọc bằng giọng {offline.label} (giọng chính không cần "
            "Internet)."
        )
    return (
        f"Nếu mất mạng: đọc bằng giọng {offline.label}. Mỗi bài chỉ đọc bằng một giọng, "
        "không đổi giọng giữa bài."
    )


def build_catalogue(
    settings: Settings,
    keys: KeySource,
    *,
    topics: Mapping[str, str] | None = None,
    state: EngineState | None = None,
) -> Catalogue:
    chain_ids = normalized_names(settings.engines)
    voices = [
        describe_voice(
            voice_id,
            settings,
            keys,
            position=chain_ids.index(voice_id) + 1 if voice_id in chain_ids else None,
            state=state,
        )
        for voice_id in configured_voice_ids(settings, keys, topics)
    ]
    in_chain = sorted((v for v in voices if v.position is not None), key=lambda v: v.position or 0)
    return Catalogue(voices, chain_ids, offline_fallback(in_chain), dict(topics or {}))
