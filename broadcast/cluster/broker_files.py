"""Credentials of the speaker clusters, and the Mosquitto files Loa writes for them.

Each cluster has one token: the agent sends it to the station over HTTP (``Authorization:
Bearer``) and to the broker as its MQTT password (user name: the cluster id). The station
keeps only hashes of it: sha256 (checked on HTTP) and Mosquitto's own form, PBKDF2-SHA512
(``$7$`` lines, the format of ``mosquitto_passwd`` 2.x), written to the broker's password
file. The ACL file lets each cluster read only its own plan, commands and acks (and the
station's presence) and write only its own status and as-run topics; the station's account
(``loa-station``) may use every Loa topic. After a change Loa rewrites both files
atomically and runs the reload command (e.g. ``systemctl reload mosquitto``: Mosquitto
reads both files again on SIGHUP).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import shlex
import subprocess
from collections.abc import Iterable
from pathlib import Path

from broadcast.cluster import protocol as p

log = logging.getLogger(__name__)

PBKDF2_ITERATIONS = 101  # what mosquitto_passwd 2.0 writes
TOKEN_PREFIX = "loa_c_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def broker_hash(password: str, *, salt: bytes | None = None) -> str:
    """The password in Mosquitto's password-file form (``$7$``: PBKDF2-SHA512)."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, PBKDF2_ITERATIONS)
    return (
        f"$7${PBKDF2_ITERATIONS}${base64.b64encode(salt).decode()}$"
        f"{base64.b64encode(digest).decode()}"
    )


def broker_hash_matches(password: str, stored: str) -> bool:
    try:
        _, kind, iterations, salt, digest = stored.split("$")
        if kind != "7":
            return False
        mine = hashlib.pbkdf2_hmac(
            "sha512", password.encode("utf-8"), base64.b64decode(salt), int(iterations)
        )
        return hmac.compare_digest(base64.b64encode(mine).decode(), digest)
    except (ValueError, TypeError):
        return False


def password_file_text(entries: Iterable[tuple[str, str]]) -> str:
    """``user:hash`` lines, one per account."""
    return "".join(f"{user}:{hashed}\n" for user, hashed in entries)


def acl_file_text(cluster_ids: Iterable[str]) -> str:
    lines = [
        "# Written by Loa (broadcast serve): each speaker cluster reaches only its own topics.",
        "# Do not edit: Loa rewrites this file whenever a cluster is added or removed.",
        "",
        f"user {p.STATION_USER}",
        f"topic readwrite {p.ROOT}/#",
    ]
    for cluster_id in sorted(cluster_ids):
        lines += ["", f"user {cluster_id}", f"topic read {p.station_status_topic()}"]
        lines += [f"topic read {p.cluster_topic(cluster_id, leaf)}" for leaf in p.CLUSTER_READS]
        lines += [f"topic write {p.cluster_topic(cluster_id, leaf)}" for leaf in p.CLUSTER_WRITES]
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_broker_files(
    password_file: Path,
    acl_file: Path,
    station_password_hash: str,
    clusters: Iterable[tuple[str, str]],
) -> None:
    """Rewrite the broker's password and ACL files for the station and ``clusters``
    (``(id, broker_hash)`` pairs)."""
    clusters = list(clusters)
    # Tokens are 256-bit random values: their PBKDF2 hashes need no secrecy from local users,
    # and the broker (another system user) must read the file.
    write_atomically(
        password_file,
        password_file_text([(p.STATION_USER, station_password_hash), *clusters]),
    )
    write_atomically(acl_file, acl_file_text(cid for cid, _ in clusters))


def reload_broker(command: str | None, timeout: float = 10.0) -> bool:
    """Run the operator's reload command (after the files changed); True if it worked."""
    if not command:
        return False
    try:
        result = subprocess.run(
            shlex.split(command), capture_output=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("broker reload command %r failed: %s", command, exc)
        return False
    if result.returncode != 0:
        log.error(
            "broker reload command %r exited with %d: %s", command, result.returncode,
            result.stderr.decode("utf-8", "replace").strip()[-300:],
        )
        return False
    return True


def station_password(secret_file: Path) -> str:
    """The station's own MQTT password: kept in ``secret_file`` (made on first use, 0600)."""
    if secret_file.is_file():
        found = secret_file.read_text(encoding="utf-8").strip()
        if found:
            return found
    secret = secrets.token_urlsafe(32)
    write_atomically(secret_file, secret + "\n", mode=0o600)
    return secret
