import pytest

from tests.soundpath import SoundPathError, VirtualSpeaker


@pytest.fixture(scope="session")
def virtual_speaker(tmp_path_factory):
    """A private virtual loudspeaker for the session; fails (never skips) if it cannot start."""
    try:
        speaker = VirtualSpeaker.start(tmp_path_factory.mktemp("pulse"))
        speaker.activate()
        speaker.keep_warm()
    except SoundPathError as exc:
        pytest.fail(f"virtual loudspeaker unavailable: {exc}")
    yield speaker
    speaker.stop()


@pytest.fixture
def recorder(virtual_speaker):
    """Recording of the speaker's monitor, running before the test plays anything."""
    rec = virtual_speaker.recorder(latency_msec=20)
    try:
        rec.start()
    except SoundPathError as exc:
        pytest.fail(f"cannot record the virtual loudspeaker: {exc}")
    yield rec
    rec.stop()
