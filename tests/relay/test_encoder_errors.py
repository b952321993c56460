"""Why the Icecast encoder stopped reaches the log (its stderr is read, not left in a pipe)."""

import logging
import time

import numpy as np

from broadcast.relay.ffmpeg import start_encoder


def test_a_refused_icecast_connection_is_logged_with_ffmpegs_words(tmp_path, caplog) -> None:
    source = tmp_path / "out.f32"
    source.write_bytes(np.zeros(8_000, dtype="<f4").tobytes())
    with caplog.at_level(logging.WARNING, logger="broadcast.relay"):
        proc = start_encoder(str(source), 8_000, "icecast://source:Bi-mat9@127.0.0.1:9/dai")
        assert proc.wait(20) != 0
        deadline = time.monotonic() + 5
        while "Icecast encoder:" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "Icecast encoder:" in caplog.text and "Connection refused" in caplog.text
    assert "Bi-mat9" not in caplog.text  # ffmpeg repeats the target URL, password and all
