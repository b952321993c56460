"""The IIR adapter: scipy's compiled routine loaded on its own gives what scipy.signal.lfilter
gives, block after block, and the fallback is that lfilter itself; scipy.signal (0.7 s of
import) stays off the paths that must start quickly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import lfilter as scipy_lfilter

from broadcast.mixing import iir
from broadcast.mixing.loudness import k_weighting_coefficients


@pytest.fixture(params=["compiled", "fallback"])
def chosen(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "compiled":
        run = iir._compiled_filter()
        assert run is not None, "the compiled routine must load with the scipy this project pins"
        monkeypatch.setattr(iir, "_chosen", run)
    else:
        monkeypatch.setattr(iir, "_chosen", iir._scipy_filter)
    return str(request.param)


def test_blocks_filtered_in_turn_equal_scipy_on_the_whole_signal(chosen: str) -> None:
    b, a = k_weighting_coefficients(48_000)
    rng = np.random.default_rng(7)
    signal = rng.standard_normal(48_000 * 3)
    expected = scipy_lfilter(b, a, signal)
    state = np.zeros(len(a) - 1)
    pieces = []
    for start in range(0, len(signal), 10_007):  # blocks of an odd size: the state carries
        out, state = iir.lfilter(b, a, signal[start:start + 10_007], state)
        pieces.append(out)
    np.testing.assert_allclose(np.concatenate(pieces), expected, rtol=0, atol=1e-9)


def test_a_compiled_routine_that_answers_wrongly_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Changed:  # a scipy whose routine kept its name but not its meaning
        @staticmethod
        def _linear_filter(b, a, x, axis, zi):  # type: ignore[no-untyped-def]
            return np.zeros_like(x), zi

    monkeypatch.setattr(iir, "_load_sigtools", lambda: Changed)
    assert iir._compiled_filter() is None
    monkeypatch.setattr(iir, "_load_sigtools", lambda: None)
    assert iir._compiled_filter() is None


def test_measuring_loudness_does_not_import_scipy_signal() -> None:
    code = (
        "import sys, numpy as np\n"
        "from broadcast.mixing.loudness import integrated_loudness\n"
        "t = np.arange(48000 * 2) / 48000\n"
        "print(round(integrated_loudness(0.1 * np.sin(2 * np.pi * 1000 * t), 48000), 2))\n"
        "print('scipy.signal' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    loudness, imported = result.stdout.split()
    assert imported == "False"
    assert float(loudness) == pytest.approx(-23.0, abs=0.1)  # 0.1 peak sine at 1 kHz


def test_starting_the_station_s_web_app_does_not_import_scipy_signal() -> None:
    # scipy.signal is ~0.7 s of import: only a microphone recording's high-pass needs it.
    result = subprocess.run(
        [sys.executable, "-c", "import sys, api.app; print('scipy.signal' in sys.modules)"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    assert result.stdout.split() == ["False"]
