"""Fixtures for the mixing tests: espeak-ng clips (like the TTS cache), synthetic signals."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SENTENCES = [
    "Chuyển đổi số là nhiệm vụ quan trọng của cả hệ thống chính trị.",
    "Người dân có thể nộp hồ sơ trực tuyến trên cổng dịch vụ công quốc gia.",
    "Hãy cảnh giác với các cuộc gọi giả danh cơ quan công an.",
    "Bình dân học vụ số giúp mọi người dùng điện thoại thông minh an toàn.",
    "Không chuyển tiền cho người lạ dưới bất kỳ hình thức nào.",
    "Mọi thắc mắc xin liên hệ ủy ban nhân dân xã.",
]


@pytest.fixture(scope="session")
def speech_clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Per-sentence WAV files from espeak-ng (22050 Hz int16), or synthetic stand-ins."""
    folder = tmp_path_factory.mktemp("clips")
    clips = []
    espeak = shutil.which("espeak-ng")
    for i, text in enumerate(SENTENCES):
        path = folder / f"s{i}.wav"
        if espeak:
            subprocess.run([espeak, "-v", "vi", "-w", str(path), text], check=True)
        else:  # pragma: no cover - espeak-ng is a project dependency
            sf.write(path, speech_like(2.5, 22050, seed=i), 22050, subtype="PCM_16")
        clips.append(path)
    return clips


def speech_like(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Syllable-like bursts of voiced harmonics (120-3000 Hz) with pauses."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 20) if k * 160 < 3000)
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)), 0, None) ** 2
    words = (np.sin(2 * np.pi * 0.6 * t + rng.uniform(0, 6)) > -0.3).astype(float)
    return (0.2 * voice * syllables * words).astype(np.float32)


def tone(freq: float, seconds: float, rate: int, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def jingles_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "jingles"
    folder.mkdir()
    return folder
