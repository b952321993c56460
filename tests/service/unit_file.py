"""Run a systemd service by hand, exactly as its unit file says (for machines where systemd
is not PID 1): the command line, user, groups, working folder, umask, nice level, no new
privileges, and the environment systemd would build."""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

# [Service] keys that shape how the process runs: all applied below.
APPLIED = {
    "Type", "User", "Group", "SupplementaryGroups", "WorkingDirectory", "Environment",
    "EnvironmentFile", "ExecStart", "UMask", "Nice", "NoNewPrivileges",
}
# Keys that are systemd's own business (restarts, sandboxing): not emulated by hand.
SYSTEMD_ONLY = {"Restart", "RestartSec", "TimeoutStopSec", "ProtectSystem", "ReadWritePaths"}
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
            continue
        key, _, value = line.partition("=")
        sections[current].append((key.strip(), value.strip()))
    return sections


def read_environment_file(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        words = shlex.split(value)
        found[key.strip()] = " ".join(words)
    return found


@dataclass
class ServiceCommand:
    argv: list[str]
    user: str
    uid: int
    gid: int
    groups: list[int]
    cwd: str
    env: dict[str, str]
    umask: int
    nice: int
    no_new_privs: bool
    ignored: list[str]

    def popen(self, **kwargs: object) -> subprocess.Popen[bytes]:
        """Start it: setpriv drops to the user and groups (and sets no_new_privs) the way
        systemd does before exec."""
        wrapper = [
            "nice", "-n", str(self.nice),
            "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
            f"--groups={','.join(str(g) for g in self.groups) or '-'}",
        ]
        if self.no_new_privs:
            wrapper.append("--no-new-privs")
        return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
            [*wrapper, "--", *self.argv], env=self.env, cwd=self.cwd, umask=self.umask,
            **kwargs,
        )


def service_command(path: Path) -> ServiceCommand:
    service = parse_unit(path)["Service"]
    unknown = {k for k, _ in service} - APPLIED - SYSTEMD_ONLY
    assert not unknown, f"the unit has keys this runner does not know: {unknown}"
    values: dict[str, str] = {}
    env_assignments: list[str] = []
    env_files: list[str] = []
    for key, value in service:
        if key == "Environment":
            env_assignments.extend(shlex.split(value))
        elif key == "EnvironmentFile":
            env_files.append(value)
        else:
            values[key] = value
    user = values["User"]
    entry = pwd.getpwnam(user)
    env = {
        "PATH": SYSTEMD_PATH, "HOME": entry.pw_dir, "USER": user, "LOGNAME": user,
        "SHELL": entry.pw_shell, "LANG": "C.UTF-8",
    }
    for assignment in env_assignments:
        key, _, value = assignment.partition("=")
        env[key] = value
    for name in env_files:
        optional = name.startswith("-")
        file = Path(name.lstrip("-"))
        if file.exists():
            env.update(read_environment_file(file))
        else:
            assert optional, f"EnvironmentFile {file} is missing"
    gid = grp.getgrnam(values.get("Group", user)).gr_gid
    # systemd initialises the user's groups, then adds SupplementaryGroups.
    groups = set(os.getgrouplist(user, gid))
    groups |= {grp.getgrnam(g).gr_gid for g in values.get("SupplementaryGroups", "").split()}
    return ServiceCommand(
        argv=shlex.split(values["ExecStart"]),
        user=user,
        uid=entry.pw_uid,
        gid=gid,
        groups=sorted(groups),
        cwd=values.get("WorkingDirectory", "/"),
        env=env,
        umask=int(values.get("UMask", "0022"), 8),
        nice=int(values.get("Nice", "0")),
        no_new_privs=values.get("NoNewPrivileges", "no") in ("yes", "true", "1"),
        ignored=sorted({k for k, _ in service} & SYSTEMD_ONLY),
    )
