"""One IIR filter with its state carried across blocks: ``scipy.signal.lfilter``'s compiled
routine, without the cost of importing ``scipy.signal``.

Importing ``scipy.signal`` takes about 0.7 s (scipy 1.17 rewrites the docstring of every
public function at import), more than a warm render of a 15-minute program spends on its
own work, and every render needs only this one routine (K-weighting for loudness, the relay's
AGC). So the compiled module behind ``lfilter`` (``scipy.signal._sigtools``) is loaded on its
own, in under a millisecond. Should a scipy release move or change it, ``lfilter`` itself is
used: slower to import, same result (tests/mixing/test_iir.py checks both ways agree).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_Filter = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
_chosen: _Filter | None = None


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.lfilter(b, a, x, zi=zi)`` for a 1-D float64 ``x``: (output, final
    state). ``a[0]`` must be 1."""
    global _chosen
    if _chosen is None:
        _chosen = _compiled_filter() or _scipy_filter
    return _chosen(b, a, x, zi)


def _scipy_filter(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    from scipy.signal import lfilter as scipy_lfilter

    out, state = scipy_lfilter(b, a, x, zi=zi)
    return np.asarray(out), np.asarray(state)


def _compiled_filter() -> _Filter | None:
    module = _load_sigtools()
    routine = getattr(module, "_linear_filter", None)
    if routine is None:
        return None

    def run(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
        out, state = routine(b, a, x, -1, zi)
        return out, state

    try:  # a scipy that changed the routine's arguments must not break a render
        probe = run(np.array([1.0, 0.5]), np.array([1.0, -0.5]), np.ones(4), np.zeros(1))
        if not np.allclose(probe[0], [1.0, 2.0, 2.5, 2.75]):
            return None
    except Exception:  # noqa: BLE001 - any failure: use scipy.signal.lfilter
        log.debug("scipy's compiled linear filter is not usable here", exc_info=True)
        return None
    return run


def _load_sigtools() -> Any:
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "signal"
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"_sigtools{suffix}"
        if path.is_file():
            try:
                loaded = importlib.util.spec_from_file_location("scipy.signal._sigtools", path)
                if loaded is None or loaded.loader is None:
                    return None
                module = importlib.util.module_from_spec(loaded)
                loaded.loader.exec_module(module)
                return module
            except (ImportError, OSError):
                return None
    return None
