"""The station <-> speaker cluster protocol, version 1: MQTT topics and JSON payloads.

Every payload is a UTF-8 JSON object with ``"v": 1`` and a ``"type"``; a reader refuses
another version (``protocol_version``) instead of guessing. Instants are ISO 8601 with an
offset (what airs, as-run) or epoch seconds (``at``, ``issued_at``: machine times); every
instant is on the station's clock (agents correct their own clock by the measured offset).

Topics, under ``loa/v1`` (``{id}``: the cluster id, also its MQTT user name):

==============================  ======  =========  ======================================
topic                           from    retained   payload
==============================  ======  =========  ======================================
``station/status``              station yes        ``station``: online (last will: offline)
``clusters/{id}/plan``          station yes        ``plan``: what the cluster airs, >= 24 h
``clusters/{id}/command``       station no         ``announce`` (an item to air at once),
                                                   ``stop`` (an airing ended early)
``clusters/{id}/ack``           station yes        ``ack``: as-run entries stored up to seq
``clusters/{id}/status``        cluster yes        ``status``: heartbeat (last will: offline)
``clusters/{id}/asrun``         cluster no         ``asrun``: finished airings, by seq
==============================  ======  =========  ======================================

All messages go with QoS 1. A cluster may read only its own plan, command and ack topics and
the station's status, and write only its own status and as-run topics (the broker's ACL).

An item (of a plan or an ``announce`` command) names one airing like the as-run log does
(``slot`` or ``announcement``, or ``live``: the station's as-run entry of a live broadcast;
and ``start``) and says what to play: ``kind: "audio"`` with
``audio: {sha256, size, duration}`` (fetched from the station at
``/api/agent/audio/{sha256}`` and verified), or ``kind: "stream"`` with
``stream: {url, delay_seconds}``: the station's own output as it publishes it to Icecast
(a relay, live speech), heard ``delay_seconds`` after the station: sample ``n`` of the
stream at ``epoch_of_sample_zero + n / rate + delay_seconds`` on the station's clock
(``GET /api/agent/stream`` says the epoch of the stream being published; Ogg granule
positions give a sample's index), from ``start + delay_seconds`` for ``max_duration``
seconds. Its ``audio``, if any, is what covers an outage of the stream (the relay's fallback,
the same as at the station); a stream item without ``stream`` cannot be heard (``error``
says why). A live broadcast goes out as an ``announce`` command at once.

``stop`` names the airing that ended early at the station: ``announcement`` (cancelled: its
airings not begun are dropped, the one on air stops), or ``live`` / ``slot`` with ``start``,
and ``at`` (epoch seconds, station clock: when it ended there): a stream item then ends at
``at + delay_seconds``, at the same point of the stream as at the station.

As-run entries (``asrun``) may carry ``details`` (a JSON object, as in the station's log: a
stream item's gaps and the seconds relayed) and a ``note`` for the operator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from broadcast.errors import ClusterError
from broadcast.scheduling.model import AiringKey

VERSION = 1
ROOT = "loa/v1"
STATION_USER = "loa-station"  # the station's own MQTT account (not a cluster id)
RESERVED_IDS = frozenset({"local", STATION_USER, "all"})


def station_status_topic() -> str:
    return f"{ROOT}/station/status"


def cluster_topic(cluster_id: str, leaf: str) -> str:
    """``leaf``: plan, command, ack, status or asrun."""
    return f"{ROOT}/clusters/{cluster_id}/{leaf}"


CLUSTER_READS = ("plan", "command", "ack")
CLUSTER_WRITES = ("status", "asrun")


def cluster_of_topic(topic: str) -> tuple[str, str] | None:
    """``(cluster id, leaf)`` of a cluster topic, None for any other topic."""
    parts = topic.split("/")
    if len(parts) == 5 and "/".join(parts[:3]) == f"{ROOT}/clusters":
        return parts[3], parts[4]
    return None


# --- encoding ----------------------------------------------------------------------------


def encode(kind: str, **fields: Any) -> bytes:
    return json.dumps(
        {"v": VERSION, "type": kind, **fields}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def decode(payload: bytes, *expected: str) -> dict[str, Any]:
    """The message as a dict; ``ClusterError`` (``bad_message``, ``protocol_version``) if it
    is not a version 1 message of one of the ``expected`` types."""
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClusterError(f"Thông điệp không đọc được: {exc}", code="bad_message") from exc
    if not isinstance(message, dict):
        raise ClusterError("Thông điệp không phải một đối tượng JSON.", code="bad_message")
    if message.get("v") != VERSION:
        raise ClusterError(
            f"Thông điệp phiên bản {message.get('v')!r}, chỉ đọc được phiên bản {VERSION}.",
            code="protocol_version",
        )
    if expected and message.get("type") not in expected:
        raise ClusterError(
            f"Thông điệp loại {message.get('type')!r} không đúng chỗ.", code="bad_message"
        )
    return message


# --- items -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioRef:
    sha256: str
    size: int
    duration: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "duration": self.duration}


@dataclass(frozen=True)
class StreamRef:
    """A live stream to play ``delay_seconds`` behind real time (relay, live speech)."""

    url: str
    delay_seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "delay_seconds": self.delay_seconds}


@dataclass(frozen=True)
class Item:
    """One airing for a cluster: when (station clock), what, and how to play it."""

    start: datetime
    program: str
    priority: str  # normal, priority, emergency
    slot: str | None = None
    announcement: int | None = None
    title: str = ""
    topic: str = ""
    kind: str = "audio"  # "audio" or "stream"
    audio: AudioRef | None = None  # a stream item: what covers an outage of the stream
    stream: StreamRef | None = None
    max_duration: float | None = None  # seconds: cut there
    error: str | None = None  # why there is nothing to play (e.g. the render failed)
    live: int | None = None  # a live broadcast: the station's as-run entry of it

    def __post_init__(self) -> None:
        named = [x for x in (self.slot, self.announcement, self.live) if x is not None]
        if len(named) != 1:
            raise ValueError("an item is a slot's, an announcement's or a live broadcast's")
        if self.start.tzinfo is None:
            raise ValueError("an item's start must be timezone-aware")

    @property
    def key(self) -> AiringKey | None:
        """The airing's key (None for a live broadcast: it is no timetable airing)."""
        if self.live is not None:
            return None
        return AiringKey(self.start, self.slot, self.announcement)

    @property
    def ident(self) -> str:
        """A stable text name of the airing (job keys, logs)."""
        if self.slot is not None:
            who = f"slot:{self.slot}"
        elif self.announcement is not None:
            who = f"ann:{self.announcement}"
        else:
            who = f"live:{self.live}"
        return f"{who}@{self.start.isoformat()}"

    @property
    def delay(self) -> float:
        """How long after the station a stream item is heard (0 for any other)."""
        return self.stream.delay_seconds if self.stream is not None else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "announcement": self.announcement,
            "start": self.start.isoformat(),
            "program": self.program,
            "title": self.title,
            "topic": self.topic,
            "priority": self.priority,
            "kind": self.kind,
            "audio": None if self.audio is None else self.audio.to_json(),
            "stream": None if self.stream is None else self.stream.to_json(),
            "max_duration": self.max_duration,
            "error": self.error,
            **({"live": self.live} if self.live is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        try:
            audio = data.get("audio")
            stream = data.get("stream")
            start = datetime.fromisoformat(str(data["start"]))
            if start.tzinfo is None:
                raise ValueError("start without an offset")
            item = cls(
                start=start,
                program=str(data["program"]),
                priority=str(data.get("priority") or "normal"),
                slot=None if data.get("slot") is None else str(data["slot"]),
                announcement=(
                    None if data.get("announcement") is None else int(data["announcement"])
                ),
                title=str(data.get("title") or ""),
                topic=str(data.get("topic") or ""),
                kind=str(data.get("kind") or "audio"),
                audio=None if not audio else AudioRef(
                    str(audio["sha256"]), int(audio["size"]),
                    None if audio.get("duration") is None else float(audio["duration"]),
                ),
                stream=None if not stream else StreamRef(
                    str(stream["url"]), float(stream.get("delay_seconds") or 0.0)
                ),
                max_duration=(
                    None if data.get("max_duration") is None else float(data["max_duration"])
                ),
                error=None if data.get("error") is None else str(data["error"]),
                live=None if data.get("live") is None else int(data["live"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ClusterError(f"Mục lịch phát không hợp lệ: {exc}", code="bad_message") from exc
        return item


@dataclass(frozen=True)
class Plan:
    """What one cluster airs from ``issued_at`` until ``until`` (epoch seconds)."""

    cluster: str
    issued_at: float
    until: float
    items: tuple[Item, ...] = field(default_factory=tuple)

    @cached_property
    def version(self) -> str:
        """Changes whenever what the cluster airs changes (not when it is merely re-sent)."""
        return plan_version(self.items)

    def items_json(self) -> str:
        return json.dumps([i.to_json() for i in self.items], ensure_ascii=False,
                          separators=(",", ":"))

    def to_payload(self, items_json: str | None = None) -> bytes:
        """The ``plan`` message (``items_json``: the items already encoded, shared by the
        clusters that air the same)."""
        head = encode(
            "plan", cluster=self.cluster, version=self.version, issued_at=self.issued_at,
            until=self.until,
        )
        items = self.items_json() if items_json is None else items_json
        return head[:-1] + b',"items":' + items.encode("utf-8") + b"}"

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Plan:
        try:
            items = tuple(Item.from_json(i) for i in message["items"])
            return cls(str(message["cluster"]), float(message["issued_at"]),
                       float(message["until"]), items)
        except (KeyError, TypeError, ValueError) as exc:
            raise ClusterError(f"Lịch phát không hợp lệ: {exc}", code="bad_message") from exc


@lru_cache(maxsize=64)
def plan_version(items: tuple[Item, ...]) -> str:
    blob = json.dumps([i.to_json() for i in items], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


# --- as-run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsRunReport:
    """One finished airing on a cluster, numbered by the cluster (``seq``) so that the
    station can say up to where it has stored them."""

    seq: int
    item: Item
    outcome: str  # aired, late, interrupted, missed, failed, skipped
    actual_start: datetime | None = None
    end: datetime | None = None
    error: str | None = None
    note: str | None = None
    details: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "item": self.item.to_json(),
            "outcome": self.outcome,
            "actual_start": None if self.actual_start is None else self.actual_start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "error": self.error,
            "note": self.note,
            "details": self.details,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AsRunReport:
        try:
            return cls(
                seq=int(data["seq"]),
                item=Item.from_json(data["item"]),
                outcome=str(data["outcome"]),
                actual_start=_instant(data.get("actual_start")),
                end=_instant(data.get("end")),
                error=None if data.get("error") is None else str(data["error"]),
                note=None if data.get("note") is None else str(data["note"]),
                details=_details(data.get("details")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ClusterError(f"Mục nhật ký không hợp lệ: {exc}", code="bad_message") from exc


def asrun_payload(cluster_id: str, reports: Sequence[AsRunReport]) -> bytes:
    return encode("asrun", cluster=cluster_id, entries=[r.to_json() for r in reports])


def _details(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("details must be an object")
    return value


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    found = datetime.fromisoformat(str(value))
    if found.tzinfo is None:
        raise ValueError("instant without an offset")
    return found
