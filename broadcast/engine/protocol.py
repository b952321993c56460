"""The audio engine's command protocol, version 1: JSON lines over a pipe.

The engine (``python -m broadcast.engine``) reads commands on its stdin and writes replies
and events on its stdout. Each message is one JSON object on one line, UTF-8, ending in
``\\n``. The station drives it through a pipe; a person can drive it in a terminal (like
University Radio York's playd). Instants are wall-clock epoch seconds (float, UTC), the
clock the engine's device is tied to. The engine does what it is told and reports what it
did; it never decides what airs.

Messages
--------
A **command** (client → engine) names itself in ``cmd`` and may carry ``seq`` (an integer
the client chooses); the **reply** names itself in ``reply`` and carries the same ``seq``
(``null`` if none was given), so replies can be matched to requests. Every command gets
exactly one reply, in the order the commands were sent. An **event** (engine → client,
unsolicited) names itself in ``event``.

Commands and their replies:

``hello {version?}`` → ``hello {version, pid, sink, device, rate, open}``
    Check the protocol: a ``version`` other than the engine's gets error
    ``protocol_version``. ``sink`` is ``"sounddevice"`` or ``"file"``.
``open`` → ``opened {device, rate, output_latency}``
    Claim the device and keep it running on silence ("warm"); idempotent. While open is
    wanted, a device that is lost is opened again by the engine (``device_back``).
``load {id, path, gain_db?, ref?}`` → ``loaded {id, duration}``
    Prepare the program file ``path`` (any libsndfile format, resampled to the device's
    rate, ``gain_db`` applied) and read ahead into memory. ``id`` is the client's name
    for this playback (unique among the engine's live playbacks); ``ref`` is an optional
    label kept in the state file (e.g. the as-run entry). Opens the device if needed.
``stream {id, path, rate?, gain_db?, buffer?, ref?}`` → ``loaded {id, duration: null}``
    Prepare a live PCM stream as a voice (a relay, fed by a process apart from the
    engine). ``path`` names a FIFO (named pipe) that the producer writes raw samples into:
    float32 little-endian, mono, at ``rate`` Hz (default: the engine's rate; another rate
    is resampled). The engine opens the read end without waiting for the producer and
    keeps at most ``buffer`` seconds (default 0.5) read ahead, so that what the producer
    writes is heard that little later. ``play`` starts it like a program, its first sample
    heard at ``at`` (the sample whose DAC time is ``at``). It has no known duration: it
    ends ``completed`` once the producer has closed its end and everything written has
    been heard; a producer that falls behind is heard as silence (``underrun``); one that
    never opens its end within 30 s ends it ``failed`` (``stream_unreadable``). The
    producer should write in blocks of at most 4096 bytes (the pipe's atomic size).
``input {id, device?, gain_db?, limit_dbfs?, ref?}`` → ``loaded {id, duration: null,
input_latency}``
    Open the live input (microphone or line-in: ``device`` by index or part of its name,
    default the engine's ``--input-device`` or the system's default input) as a voice,
    through a peak limiter with its ceiling at ``limit_dbfs`` (default -1). ``play`` puts
    it on air (``at`` null: at once); the least possible delay is kept between what the
    input hears and what the output plays. It runs until ``stop``. Codes
    ``device_not_found``, ``input_failed``.
``tap {path}`` → ``tapping {path, rate}``
    Copy everything the output plays (the mix, after the gain; mono float32 little-endian
    at ``rate``) into ``path``, a FIFO whose reader (the publisher's encoder) must already
    have it open (else error ``tap_unavailable``). The copy never waits: if the reader
    falls too far behind, samples are dropped and the tap ends (``tap_ended {reason:
    "overrun"}``), since the rule below would no longer hold. Event ``tap_started {at,
    rate}`` gives the instant the tap's first sample was heard: sample ``n`` of the tap was
    heard at ``at + n / rate``. The tap ends (event ``tap_ended {reason}``) also when its
    reader goes away (``reader_gone``) or the device is lost; ``untap`` ends it on purpose.
    One tap at a time; a sink without a sound card refuses it (``tap_unsupported``).
``untap`` → ``untapped {}``
``play {id, at?}`` → ``playing {id, at, output_latency}``
    Start a loaded program so that its first sample is heard at ``at`` (epoch seconds;
    ``null``: as soon as possible). The engine starts it at the exact sample whose output
    (DAC) time maps to ``at``; an ``at`` in the past starts at once.
``stop {id, fade?, at?}`` → ``stopping {id}``
    Fade out over ``fade`` seconds (default 0.5) beginning at ``at`` (``null``: as soon as
    possible). A program that has not started by then never starts.
``status`` → ``status {pid, sink, device, open, device_error, rate, output_latency,
underflows, last_callback_age, voices: [{id, ref, state, scheduled, started_at,
heard_until}]}``
    ``state`` is ``loaded``, ``scheduled`` or ``playing``; ``last_callback_age``: seconds
    since the device last asked for audio (``null`` when not open).
``time`` → ``time {now, monotonic}``
    The engine's wall clock, for offset measurement.
``close`` → ``closed {}``
    Stop every playback (each ends ``stopped``) and release the device. The engine keeps
    running; closing its stdin makes it exit.

Any command can instead get ``error {command, code, message}``: ``command`` names the
refused command (``null`` if the line could not be read), ``code`` is a stable English code,
``message`` is Vietnamese, for the operator. Codes: ``bad_message`` (not a JSON object
with a known ``cmd``, or a bad field), ``protocol_version``, ``duplicate_id``,
``unknown_id``, ``already_playing``, and the playout codes ``device_not_found``,
``device_failed``, ``portaudio_missing``, ``program_unreadable``, ``stream_unreadable``,
``input_failed``.

Events:

``ready {version, pid}``
    First line the engine writes.
``started {id, at}``
    The program's first sample is (or will be) heard at ``at``.
``position {id, heard_until}``
    About every 0.25 s while a program plays: it has been heard up to ``heard_until``.
``ended {id, at, reason, error, underflows, underruns}``
    The last sample was heard at ``at``. ``reason``: ``completed`` (all of it),
    ``stopped`` (a stop, a close, or the engine quitting), ``cut`` (heard, then cut off
    by a fault; ``error`` says which), ``failed`` (nothing was heard; ``error``).
    ``error`` is ``{code, message}`` or ``null``.
``underflow {total}``
    The device reported output underflow (``total`` over the engine's life).
``underrun {id, total}``
    A program's read-ahead buffer ran dry (silence was played instead).
``device_lost {error}``
    The device stopped while open; the engine tries to open it again.
``device_back {device, rate, output_latency}``
    The device is open and running again.
``tap_started {at, rate}``, ``tap_ended {reason}``
    See ``tap``.

Example session (``>`` sent, ``<`` received)::

    < {"event":"ready","version":1,"pid":4242}
    > {"cmd":"hello","seq":1,"version":1}
    < {"reply":"hello","seq":1,"version":1,"pid":4242,"sink":"sounddevice","device":"pulse",...}
    > {"cmd":"load","seq":2,"id":"a","path":"/srv/loa/ban-tin.wav"}
    < {"reply":"loaded","seq":2,"id":"a","duration":312.4}
    > {"cmd":"play","seq":3,"id":"a","at":1754002800.0}
    < {"reply":"playing","seq":3,"id":"a","at":1754002800.0,"output_latency":0.27}
    < {"event":"started","id":"a","at":1754002800.0003}
    < {"event":"position","id":"a","heard_until":1754002800.25}
    ...
    < {"event":"ended","id":"a","at":1754003112.4,"reason":"completed","error":null,...}

When its stdin closes (the station quit or died) the engine fades out whatever plays over
50 ms, writes its state file and exits. The state file (``--state FILE``) is described in
:mod:`broadcast.engine.state`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from broadcast.errors import PlayoutError

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 64 * 1024
DEFAULT_FADE_SECONDS = 0.5
DEFAULT_STREAM_BUFFER_SECONDS = 0.5
DEFAULT_INPUT_LIMIT_DBFS = -1.0

# Each command's fields: name -> (accepted types, required). A float field takes any JSON
# number; "null" in the types allows null.
_STR, _NUM, _INT, _NULL = "str", "num", "int", "null"
COMMANDS: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    "hello": {"version": ((_INT,), False)},
    "open": {},
    "load": {
        "id": ((_STR,), True),
        "path": ((_STR,), True),
        "gain_db": ((_NUM,), False),
        "ref": ((_STR, _NULL), False),
    },
    "stream": {
        "id": ((_STR,), True),
        "path": ((_STR,), True),
        "rate": ((_INT,), False),
        "gain_db": ((_NUM,), False),
        "buffer": ((_NUM,), False),
        "ref": ((_STR, _NULL), False),
    },
    "input": {
        "id": ((_STR,), True),
        "device": ((_STR, _NULL), False),
        "gain_db": ((_NUM,), False),
        "limit_dbfs": ((_NUM,), False),
        "ref": ((_STR, _NULL), False),
    },
    "tap": {"path": ((_STR,), True)},
    "untap": {},
    "play": {"id": ((_STR,), True), "at": ((_NUM, _NULL), False)},
    "stop": {"id": ((_STR,), True), "fade": ((_NUM,), False), "at": ((_NUM, _NULL), False)},
    "status": {},
    "time": {},
    "close": {},
}
EVENTS = frozenset(
    {
        "ready", "started", "position", "ended", "underflow", "underrun",
        "device_lost", "device_back", "tap_started", "tap_ended",
    }
)
END_REASONS = frozenset({"completed", "stopped", "cut", "failed"})


class ProtocolError(PlayoutError):
    """A line that is not a valid message of this protocol."""

    code = "bad_message"


@dataclass(frozen=True)
class Command:
    """A decoded command: its name, the client's ``seq``, and its fields."""

    name: str
    seq: int | None
    args: dict[str, Any] = field(default_factory=dict)


def encode(message: dict[str, Any]) -> bytes:
    """One message as one line: compact JSON, UTF-8 (Vietnamese kept readable), ``\\n``."""
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8") + b"\n"


def decode(line: bytes | str) -> dict[str, Any]:
    """A line back into a message; raises :class:`ProtocolError` if it is not a JSON object
    naming exactly one of ``cmd``, ``reply`` or ``event``."""
    if isinstance(line, bytes):
        if len(line) > MAX_LINE_BYTES:
            raise ProtocolError(
                f"Dòng lệnh quá dài ({len(line)} byte; tối đa {MAX_LINE_BYTES}).",
            )
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"Dòng lệnh không phải UTF-8: {exc}.") from exc
    try:
        message = json.loads(line, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ProtocolError(f"Dòng lệnh không phải JSON hợp lệ: {exc}.") from exc
    if not isinstance(message, dict):
        raise ProtocolError("Mỗi dòng phải là một đối tượng JSON ({...}).")
    kinds = [k for k in ("cmd", "reply", "event") if k in message]
    if len(kinds) != 1 or not isinstance(message[kinds[0]], str):
        raise ProtocolError(
            "Mỗi dòng phải có đúng một trong các trường 'cmd', 'reply' hoặc 'event' (chuỗi)."
        )
    return message


def parse_command(line: bytes | str) -> Command:
    """Decode and check a command line against :data:`COMMANDS`."""
    message = decode(line)
    name = message.get("cmd")
    if not isinstance(name, str):
        raise ProtocolError("Động cơ âm thanh chỉ nhận lệnh (trường 'cmd').")
    spec = COMMANDS.get(name)
    if spec is None:
        known = ", ".join(sorted(COMMANDS))
        raise ProtocolError(f"Lệnh '{name}' không tồn tại; các lệnh có: {known}.")
    seq = message.get("seq")
    if seq is not None and not _is_type(seq, _INT):
        raise ProtocolError("Trường 'seq' phải là số nguyên.")
    args: dict[str, Any] = {}
    for key, (types, required) in spec.items():
        if key not in message:
            if required:
                raise ProtocolError(f"Lệnh '{name}' thiếu trường '{key}'.")
            continue
        value = message[key]
        if not any(_is_type(value, t) for t in types):
            raise ProtocolError(
                f"Trường '{key}' của lệnh '{name}' phải là {_describe(types)}."
            )
        if _NUM in types and value is not None:
            value = float(value)
        args[key] = value
    if "id" in args and not 0 < len(args["id"]) <= 200:
        raise ProtocolError("Trường 'id' phải là chuỗi từ 1 đến 200 ký tự.")
    if "rate" in args and not 8_000 <= args["rate"] <= 192_000:
        raise ProtocolError("Trường 'rate' phải từ 8000 đến 192000 Hz.")
    if "buffer" in args and not 0.02 <= args["buffer"] <= 10.0:
        raise ProtocolError("Trường 'buffer' phải từ 0,02 đến 10 giây.")
    if "limit_dbfs" in args and not -30.0 <= args["limit_dbfs"] <= 0.0:
        raise ProtocolError("Trường 'limit_dbfs' phải từ -30 đến 0.")
    if "fade" in args and not 0.0 <= args["fade"] <= 60.0:
        raise ProtocolError("Trường 'fade' phải từ 0 đến 60 giây.")
    return Command(name=name, seq=seq, args=args)


def command(name: str, seq: int | None = None, **fields: Any) -> dict[str, Any]:
    """A command message (``fields`` left out when None)."""
    message: dict[str, Any] = {"cmd": name}
    if seq is not None:
        message["seq"] = seq
    message.update({k: v for k, v in fields.items() if v is not None})
    return message


def reply(name: str, seq: int | None, **fields: Any) -> dict[str, Any]:
    return {"reply": name, "seq": seq, **fields}


def error_reply(seq: int | None, cmd: str | None, code: str, message: str) -> dict[str, Any]:
    return {"reply": "error", "seq": seq, "command": cmd, "code": code, "message": message}


def event(name: str, **fields: Any) -> dict[str, Any]:
    return {"event": name, **fields}


def error_fields(error: PlayoutError | None) -> dict[str, str] | None:
    """An error as it travels in events: ``{code, message}`` or None."""
    return None if error is None else {"code": error.code, "message": error.message}


def error_from_fields(fields: Any, default_code: str = "playout_failed") -> PlayoutError | None:
    """The inverse of :func:`error_fields` (tolerant of a missing code or message)."""
    if not isinstance(fields, dict):
        return None
    message = str(fields.get("message") or "Lỗi không rõ từ động cơ âm thanh.")
    return PlayoutError(message, code=str(fields.get("code") or default_code))


def _is_type(value: Any, kind: str) -> bool:
    if kind == _NULL:
        return value is None
    if kind == _STR:
        return isinstance(value, str)
    if isinstance(value, bool):
        return False
    if kind == _INT:
        return isinstance(value, int)
    return isinstance(value, int | float) and math.isfinite(value)


def _describe(types: tuple[str, ...]) -> str:
    words = {_STR: "chuỗi", _NUM: "số", _INT: "số nguyên", _NULL: "null"}
    return " hoặc ".join(words[t] for t in types)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
