"""What the service tests need: a virtual environment built with the system's Python (the
way `make install` builds one on a Debian station; the developer's may be unreadable to a
service user), a throw-away service user, and folders that user can reach."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.soundpath import VirtualSpeaker

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.fixture(scope="session")
def system_venv() -> Path:
    """/tmp/loa-system-venv-<hash of pyproject.toml>, built once (reused while it matches)."""
    if not SYSTEM_PYTHON.exists():
        pytest.fail("the service tests need the system's /usr/bin/python3 (Debian python3)")
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + str(ROOT).encode())
    venv = Path(f"/tmp/loa-system-venv-{stamp.hexdigest()[:12]}")
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be building it
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(venv)], check=True,
                           capture_output=True, timeout=300)
            done = subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", "-e", str(ROOT)],
                capture_output=True, text=True, timeout=1800,
            )
            if done.returncode != 0:
                pytest.fail(f"could not build {venv}: {done.stderr[-2000:]}")
            (venv / ".complete").touch()
    return venv


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A folder under /tmp that any user may traverse (pytest's own tmp is root-only)."""
    folder = Path(f"/tmp/loa-service-test-{uuid.uuid4().hex[:8]}")
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def service_user() -> Iterator[str]:
    """A name for the service user the installer creates; removed afterwards."""
    if os.geteuid() != 0:
        pytest.fail("the service tests create a system user: run them as root")
    name = f"loat{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)


@pytest.fixture(scope="session")
def speaker() -> Iterator[VirtualSpeaker]:
    """A virtual loudspeaker of the service tests' own, in a folder the service user can
    reach (other tests may point LOA_PULSE_DIR at pytest's root-only temporary folders)."""
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    folder = Path(f"/tmp/loa-pulse-service-{digest}")
    folder.mkdir(mode=0o755, exist_ok=True)
    folder.chmod(0o755)
    speaker = VirtualSpeaker.start(folder)
    try:
        yield speaker
    finally:
        speaker.stop()
