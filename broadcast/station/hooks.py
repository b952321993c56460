"""Amplifier hooks: operator commands run before and after a broadcast.

A hook that fails or hangs is logged and never holds the broadcast back.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Mapping

log = logging.getLogger(__name__)


def run_hook(command: str | None, env: Mapping[str, str], timeout: float = 15.0) -> bool:
    """Run ``command`` (a shell-like string) with ``LOA_*`` variables; True if it succeeded."""
    if not command:
        return True
    try:
        result = subprocess.run(
            shlex.split(command),
            env={**os.environ, **env},
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("hook %r failed to run: %s (the broadcast goes on)", command, exc)
        return False
    if result.returncode != 0:
        log.error(
            "hook %r exited with %d: %s (the broadcast goes on)",
            command,
            result.returncode,
            result.stderr.decode("utf-8", "replace").strip()[-500:],
        )
        return False
    return True
