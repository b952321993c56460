"""Piper, an offline neural (VITS) voice, through piper-tts on onnxruntime. The only module
importing piper.

The station supplies a voice: an ONNX model and its ``.onnx.json`` configuration (for
Vietnamese e.g. ``vi_VN-vais1000-medium.onnx``), named by ``BROADCAST_PIPER_MODEL``. Nothing
is downloaded: piper-tts phonemizes with the espeak-ng it carries (its ``espeakbridge``
extension and bundled ``espeak-ng-data``, voice from the configuration's ``espeak.voice``),
maps phonemes to ids with the configuration's ``phoneme_id_map``, and runs the model on
onnxruntime (inputs ``input``, ``input_lengths``, ``scales`` and, for a multi-speaker voice,
``sid``; output: the audio). The model is loaded on first use, once.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from broadcast.tts.engine import SynthesisError, SynthesizedAudio
from broadcast.tts.wav import pcm16_mono_wav

_MISSING_PACKAGE = (
    "Chưa cài gói piper-tts (giọng đọc offline Piper): pip install piper-tts, "
    "hoặc bỏ 'piper' khỏi danh sách giọng đọc"
)


class PiperEngine:
    """Reads with a Piper voice model (``.onnx`` and ``.onnx.json``) on the CPU."""

    provider = "piper"
    online = False

    def __init__(
        self,
        model: Path,
        config: Path | None = None,
        *,
        speaker: int | None = None,
        length_scale: float | None = None,
        name: str = "piper",
    ) -> None:
        self.name = name
        self.model = Path(model)
        self.config = Path(config) if config is not None else Path(f"{self.model}.json")
        self.speaker = speaker
        self.length_scale = length_scale
        self._voice: Any = None
        self._load_error: SynthesisError | None = None
        self._error_stamp: tuple[str, str] | None = None
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        voice = self.model.name.removesuffix(".onnx")
        return f"Piper — {voice} (máy đọc offline)"

    def identity(self) -> str:
        return (
            f"piper model={self.model.name} {_stamp(self.model)} config={_digest(self.config)} "
            f"speaker={self.speaker} length_scale={self.length_scale}"
        )

    def check(self) -> str | None:
        """Why this voice cannot speak (loads the model once), or None."""
        try:
            self._load()
        except SynthesisError as exc:
            return exc.message
        return None

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        voice = self._load()
        from piper import SynthesisConfig

        settings = SynthesisConfig(speaker_id=self.speaker, length_scale=self.length_scale)
        try:
            chunks = list(voice.synthesize(sentence, syn_config=settings))
        except Exception as exc:  # onnxruntime and the phonemizer raise their own types
            raise SynthesisError(
                f"Giọng Piper không đọc được câu này: {exc}", code="piper_failed"
            ) from exc
        pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        if not pcm:
            raise SynthesisError("Giọng Piper không tạo ra âm thanh cho câu này",
                                 code="piper_no_audio")
        return SynthesizedAudio(pcm16_mono_wav(pcm, int(chunks[0].sample_rate)), "wav")

    def _load(self) -> Any:
        with self._lock:
            if self._voice is not None:
                return self._voice
            if self._load_error is not None and not self._files_changed():
                raise self._load_error
            try:
                self._voice = self._open()
            except SynthesisError as exc:
                self._load_error = exc
                self._error_stamp = (_stamp(self.model), _stamp(self.config))
                raise
            return self._voice

    def _files_changed(self) -> bool:
        return self._error_stamp != (_stamp(self.model), _stamp(self.config))

    def _open(self) -> Any:
        if not self.model.is_file():
            raise SynthesisError(
                f"Không tìm thấy mô hình giọng Piper {self.model} (BROADCAST_PIPER_MODEL)",
                code="piper_model_missing",
            )
        if not self.config.is_file():
            raise SynthesisError(
                f"Không tìm thấy tệp cấu hình {self.config.name} đi kèm mô hình Piper",
                code="piper_config_missing",
            )
        try:
            json.loads(self.config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SynthesisError(
                f"Tệp cấu hình {self.config.name} của giọng Piper không đọc được: {exc}",
                code="piper_config_invalid",
            ) from exc
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise SynthesisError(_MISSING_PACKAGE, code="piper_missing") from exc
        try:
            return PiperVoice.load(self.model, config_path=self.config)
        except (KeyError, TypeError, ValueError) as exc:
            raise SynthesisError(
                f"Tệp cấu hình {self.config.name} thiếu thông tin của giọng Piper: {exc}",
                code="piper_config_invalid",
            ) from exc
        except Exception as exc:  # onnxruntime: not a model, wrong inputs...
            raise SynthesisError(
                f"Không nạp được mô hình giọng Piper {self.model.name}: {exc}",
                code="piper_model_invalid",
            ) from exc


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "missing"
    return f"size={st.st_size} mtime={st.st_mtime_ns}"


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"
