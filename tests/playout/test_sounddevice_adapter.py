import importlib.abc
import subprocess
import sys

import pytest

from broadcast.errors import PlayoutError
from broadcast.playout import sounddevice_sink


class PortAudioMissing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


def test_missing_portaudio_becomes_a_clear_playout_error(monkeypatch):
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [PortAudioMissing(), *sys.meta_path])
    monkeypatch.setattr(sounddevice_sink, "_sounddevice", None)
    with pytest.raises(PlayoutError) as err:
        sounddevice_sink.SounddeviceSink("pulse").open()
    assert err.value.code == "portaudio_missing"
    assert "libportaudio2" in err.value.message
    assert "PortAudio library not found" in err.value.message


def test_importing_the_playout_package_does_not_load_portaudio():
    code = "import sys, broadcast.playout.player, broadcast.playout.sounddevice_sink; " \
        "print('sounddevice' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=sounddevice_sink.__file__.rsplit("/broadcast/", 1)[0],
    )
    assert out.stdout.strip() == "False"
