"""espeak-ng, the offline voice: one subprocess per sentence, WAV on stdout."""

from __future__ import annotations

import functools
import shutil
import subprocess

from broadcast.tts.engine import SynthesisError, SynthesizedAudio
from broadcast.tts.wav import fix_riff_sizes

_MISSING = (
    "Không tìm thấy chương trình đọc offline espeak-ng ({binary}): "
    "cài gói espeak-ng (sudo apt-get install espeak-ng)"
)


class EspeakEngine:
    """Reads with ``espeak-ng -v VOICE -s RATE -p PITCH --stdout``, text on stdin (UTF-8)."""

    name = "espeak"

    def __init__(
        self,
        voice: str = "vi",
        rate: int = 150,
        pitch: int = 50,
        binary: str = "espeak-ng",
        timeout_seconds: float = 60.0,
    ) -> None:
        self.voice = voice
        self.rate = rate
        self.pitch = pitch
        self.binary = binary
        self.timeout_seconds = timeout_seconds

    @functools.cached_property
    def version(self) -> str:
        """The espeak-ng version (a new release may sound different: it is in the key)."""
        try:
            proc = subprocess.run(
                [self.binary, "--version"], capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        words = proc.stdout.decode("utf-8", "replace").split()
        # "eSpeak NG text-to-speech: 1.51  Data at: ..."
        return words[3] if len(words) > 3 else "unknown"

    def identity(self) -> str:
        return f"espeak-ng {self.version} voice={self.voice} rate={self.rate} pitch={self.pitch}"

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        if shutil.which(self.binary) is None:
            raise SynthesisError(_MISSING.format(binary=self.binary), code="espeak_missing")
        command = [
            self.binary,
            "-v", self.voice,
            "-s", str(self.rate),
            "-p", str(self.pitch),
            "--stdout",
        ]  # fmt: skip
        try:
            proc = subprocess.run(
                command,
                input=sentence.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_seconds,
                check=False,
            )
        except FileNotFoundError as exc:
            raise SynthesisError(
                _MISSING.format(binary=self.binary), code="espeak_missing"
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise SynthesisError(
                f"espeak-ng không đọc xong câu trong {self.timeout_seconds:g} giây",
                code="espeak_timeout",
            ) from exc
        except OSError as exc:
            raise SynthesisError(
                f"Không chạy được espeak-ng: {exc.strerror or exc}", code="espeak_failed"
            ) from exc
        detail = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0:
            if "voice does not exist" in detail:
                raise SynthesisError(
                    f"espeak-ng không có giọng '{self.voice}': cài gói espeak-ng-data "
                    "hoặc chọn giọng khác",
                    code="espeak_voice_missing",
                )
            raise SynthesisError(
                f"espeak-ng lỗi (mã thoát {proc.returncode}): {detail or 'không rõ nguyên nhân'}",
                code="espeak_failed",
            )
        if proc.stdout[:4] != b"RIFF" or len(proc.stdout) <= 44:
            raise SynthesisError(
                "espeak-ng không trả về âm thanh WAV cho câu này", code="espeak_no_audio"
            )
        return SynthesizedAudio(fix_riff_sizes(proc.stdout), "wav")
