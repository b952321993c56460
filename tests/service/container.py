"""A real systemd (PID 1) in a systemd-nspawn container for the service tests.

The container's root is an overlay of this machine's root with a tmpfs on top, so it sees
the installed packages and the code, and everything it writes (a user, /etc/loa,
/var/lib/loa) stays in the tmpfs. It shares the network, so the host reaches the station's
port; the virtual loudspeaker's socket folder is bound in. ``power_cut()`` kills its
PID 1 (every process of the container dies at once); the tmpfs survives, like a disk."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

NSPAWN = ["systemd-nspawn", "-q", "--register=no", "--keep-unit", "--link-journal=no"]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Container:
    binds: list[Path]
    base: Path = field(default_factory=lambda: Path(f"/tmp/loa-nspawn-{uuid.uuid4().hex[:8]}"))
    name: str = field(default_factory=lambda: f"loa{uuid.uuid4().hex[:6]}")
    nspawn: subprocess.Popen[bytes] | None = None
    boots: int = 0

    @property
    def root(self) -> Path:
        return self.base / "root"

    def create(self) -> Container:
        rw = self.base / "rw"
        rw.mkdir(parents=True)
        self.root.mkdir()
        _run(["mount", "-t", "tmpfs", "-o", "size=2g", "tmpfs", str(rw)])
        (rw / "upper").mkdir()
        (rw / "work").mkdir()
        _run(["mount", "-t", "overlay", "overlay", "-o",
              f"lowerdir=/,upperdir={rw / 'upper'},workdir={rw / 'work'}", str(self.root)])
        etc = self.root / "etc" / "systemd" / "system"
        # Only what the test needs starts at boot: the host's enabled services are masked.
        for wants in Path("/etc/systemd/system").glob("*.wants"):
            for unit in wants.iterdir():
                mask = etc / unit.name
                if not mask.exists() and not mask.is_symlink():
                    mask.symlink_to("/dev/null")
        machine_id = self.root / "etc" / "machine-id"
        machine_id.unlink(missing_ok=True)
        machine_id.write_text(uuid.uuid4().hex + "\n")
        return self

    def _bind_args(self) -> list[str]:
        return [f"--bind={path}" for path in self.binds]

    def run(self, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """A command in the container while it is not booted (for the installation)."""
        return subprocess.run(
            [*NSPAWN, "-D", str(self.root), *self._bind_args(), *argv],
            capture_output=True, text=True, timeout=timeout,
        )

    def boot(self, timeout: float = 90) -> None:
        log = open(self.base / f"boot-{self.boots}.log", "wb")  # noqa: SIM115 - the child's
        self.boots += 1
        self.nspawn = subprocess.Popen(
            [*NSPAWN, "-b", "-D", str(self.root), f"--machine={self.name}",
             "--console=pipe", *self._bind_args()],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.nspawn.poll() is not None:
                raise RuntimeError(f"the container did not boot: {self.boot_log()}")
            if children(self.nspawn.pid):
                state = self.systemctl("is-system-running").stdout.strip()
                if state in ("running", "degraded"):
                    return
            time.sleep(0.5)
        raise RuntimeError(f"the container's systemd did not come up: {self.boot_log()}")

    def boot_log(self) -> str:
        return "".join(p.read_text(errors="replace")[-3000:]
                       for p in sorted(self.base.glob("boot-*.log")))

    def init_pid(self) -> int:
        assert self.nspawn is not None
        [pid] = children(self.nspawn.pid)
        return pid

    def inside(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """A command in the booted container's namespaces."""
        return subprocess.run(["nsenter", "-t", str(self.init_pid()), "-a", *argv],
                              capture_output=True, text=True, timeout=timeout)

    def systemctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.inside("systemctl", "--no-pager", *args)

    def show(self, unit: str, prop: str) -> str:
        return self.systemctl("show", "-p", prop, "--value", unit).stdout.strip()

    def journal(self, unit: str) -> str:
        return self.inside("journalctl", "--no-pager", "-u", unit, "-n", "80").stdout

    def power_cut(self) -> None:
        """Every process of the container dies at once, as in a power cut."""
        if self.nspawn is None or self.nspawn.poll() is not None:
            return
        for pid in children(self.nspawn.pid):
            os.kill(pid, signal.SIGKILL)
        self.nspawn.wait(timeout=30)

    def destroy(self) -> None:
        self.power_cut()
        subprocess.run(["umount", str(self.root)], capture_output=True)
        subprocess.run(["umount", str(self.base / "rw")], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")
