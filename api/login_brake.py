"""The brake on password guessing: growing delays per source address, per user name and per
known device; never a lockout of the right password from a device the user logged in with.

Three counters of failed logins, each with its own rule (``Rule``):

- per **user name**, for devices not known for that name: someone guessing one account;
- per **source address**, whatever the names: one password tried over many names
  ("spraying") from one place;
- per **known device and name**: a browser that has logged in as that user before (it carries
  the ``loa_device`` cookie) is judged only by its own failures, so nobody elsewhere can keep
  the real user out by failing on purpose.

A counter allows ``free`` failures; after that each attempt must wait ``base`` doubled for
every further failure, up to ``cap``; the counter is forgotten after ``forget`` without a new
failure. A success clears only the device's own counter: it proves nothing about the other
attempts on that name or from that address. State is kept in memory (a restart forgets it).
Pure logic: every method takes ``now``.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from broadcast.store.users import name_key

DEVICE_COOKIE = "loa_device"


@dataclass(frozen=True)
class Rule:
    free: int
    base: timedelta
    cap: timedelta
    forget: timedelta

    def wait(self, record: _Record | None, now: datetime) -> timedelta:
        """How long from ``now`` until the next attempt is considered."""
        if record is None or now - record.last >= self.forget or record.failures < self.free:
            return timedelta(0)
        doublings = min(record.failures - self.free, 30)
        delay = min(self.cap, self.base * (2**doublings))
        return max(timedelta(0), record.last + delay - now)


PER_NAME = Rule(free=5, base=timedelta(seconds=1), cap=timedelta(minutes=30),
                forget=timedelta(hours=24))  # fmt: skip
# An office shares one address: more free failures before the brake bites.
PER_SOURCE = Rule(free=10, base=timedelta(seconds=1), cap=timedelta(minutes=30),
                  forget=timedelta(hours=24))  # fmt: skip
PER_DEVICE = Rule(free=5, base=timedelta(seconds=1), cap=timedelta(minutes=5),
                  forget=timedelta(hours=1))  # fmt: skip


@dataclass
class _Record:
    failures: int
    last: datetime


def _device_id(device: str) -> str:
    return hashlib.sha256(device.encode("utf-8", "replace")).hexdigest()


class LoginBrake:
    """Counters of failed logins and the devices known per user (see the module doc)."""

    def __init__(
        self,
        *,
        per_name: Rule = PER_NAME,
        per_source: Rule = PER_SOURCE,
        per_device: Rule = PER_DEVICE,
        max_entries: int = 20_000,
    ) -> None:
        self._rules = {"name": per_name, "source": per_source, "device": per_device}
        self._records: dict[tuple[str, ...], _Record] = {}
        self._known: dict[str, set[str]] = {}  # device id -> names it logged in as
        self._max_entries = max_entries
        self._lock = threading.Lock()
        # Held across wait → password check → failed: guesses sent all at once are checked
        # one after another, so each one sees the failures of those before it.
        self.checking = threading.Lock()

    def known(self, device: str | None, name: str) -> bool:
        if not device:
            return False
        with self._lock:
            return name_key(name) in self._known.get(_device_id(device), set())

    def _keys(self, name: str, source: str, device: str | None) -> list[tuple[str, ...]]:
        # Callers hold the lock.
        key = name_key(name)
        if device and key in self._known.get(_device_id(device), set()):
            return [("device", _device_id(device), key)]
        return [("name", key), ("source", source)]

    def wait(self, name: str, source: str, device: str | None, now: datetime) -> timedelta:
        """Zero when an attempt may be checked now, else how long it must wait."""
        with self._lock:
            waits = [
                self._rules[key[0]].wait(self._records.get(key), now)
                for key in self._keys(name, source, device)
            ]
        return max(waits, default=timedelta(0))

    def failed(self, name: str, source: str, device: str | None, now: datetime) -> None:
        with self._lock:
            for key in self._keys(name, source, device):
                record = self._records.get(key)
                if record is None or now - record.last >= self._rules[key[0]].forget:
                    record = self._records[key] = _Record(0, now)
                record.failures += 1
                record.last = now
            self._prune(now)

    def succeeded(self, name: str, device: str) -> None:
        """``device`` (its cookie value) logged in as ``name``: it is known from now on."""
        key = name_key(name)
        ident = _device_id(device)
        with self._lock:
            self._records.pop(("device", ident, key), None)
            if ident not in self._known and len(self._known) >= self._max_entries:
                self._known.pop(next(iter(self._known)))  # the oldest device
            self._known.setdefault(ident, set()).add(key)

    def _prune(self, now: datetime) -> None:
        if len(self._records) <= self._max_entries:
            return
        stale = [k for k, r in self._records.items() if now - r.last >= self._rules[k[0]].forget]
        for key in stale:
            del self._records[key]
        if len(self._records) > self._max_entries:  # still full: keep the most recent half
            ordered = sorted(self._records.items(), key=lambda item: item[1].last)
            self._records = dict(ordered[len(ordered) // 2 :])
