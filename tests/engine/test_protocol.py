"""The engine's command protocol: encoding, decoding and command checks (pure)."""

import json
import unicodedata

import pytest

from broadcast.engine import protocol as p
from broadcast.errors import PlayoutError


def test_a_message_is_one_compact_utf8_line_with_vietnamese_kept_readable():
    message = p.error_reply(7, "load", "program_unreadable", "Không đọc được tệp 'bản tin.wav'")
    line = p.encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert "Không đọc được".encode() in line  # not \\u escapes: readable in a terminal
    assert p.decode(line) == message
    assert p.decode(line.decode()) == message
    text = p.decode(line)["message"]
    assert unicodedata.is_normalized("NFC", text)


def test_every_command_round_trips_through_encode_and_parse():
    cases = {
        "hello": {"version": p.PROTOCOL_VERSION},
        "open": {},
        "load": {"id": "a", "path": "/srv/loa/ban-tin.wav", "gain_db": -3.0, "ref": "as-run:5"},
        "stream": {"id": "r", "path": "/run/loa/relay-1.pcm", "rate": 44_100, "gain_db": 0.0,
                   "buffer": 0.5, "ref": "as-run:6"},
        "input": {"id": "live", "device": "USB", "gain_db": 6.0, "limit_dbfs": -1.0,
                  "ref": None},
        "tap": {"path": "/run/loa/out.pcm"},
        "untap": {},
        "play": {"id": "a", "at": 1754002800.125},
        "stop": {"id": "a", "fade": 0.5, "at": None},
        "status": {},
        "time": {},
        "close": {},
    }
    assert set(cases) == set(p.COMMANDS)
    for seq, (name, fields) in enumerate(cases.items(), start=1):
        cmd = p.parse_command(p.encode({"cmd": name, "seq": seq, **fields}))
        assert (cmd.name, cmd.seq) == (name, seq)
        assert cmd.args == fields


def test_integers_are_accepted_where_seconds_are_expected_and_seq_is_optional():
    cmd = p.parse_command(b'{"cmd":"play","id":"a","at":1754002800}\n')
    assert cmd.seq is None
    assert cmd.args["at"] == 1754002800.0 and isinstance(cmd.args["at"], float)


def test_the_command_helper_leaves_out_unset_fields():
    assert p.command("play", 3, id="a", at=None) == {"cmd": "play", "seq": 3, "id": "a"}
    assert p.parse_command(p.encode(p.command("play", 3, id="a", at=None))).args == {"id": "a"}


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b"not json", "JSON"),
        (b"[1, 2]", "đối tượng"),
        (b'{"seq": 1}', "'cmd'"),
        (b'{"cmd": "load", "reply": "x"}', "đúng một"),
        (b'{"cmd": "rewind"}', "'rewind' không tồn tại"),
        (b'{"cmd": "load", "id": "a"}', "thiếu trường 'path'"),
        (b'{"cmd": "play", "id": 5}', "'id'"),
        (b'{"cmd": "play", "id": "a", "at": "06:00"}', "'at'"),
        (b'{"cmd": "play", "id": "a", "at": true}', "'at'"),
        (b'{"cmd": "play", "id": "a", "at": NaN}', "JSON"),
        (b'{"cmd": "play", "id": "a", "at": Infinity}', "JSON"),
        (b'{"cmd": "stop", "id": "a", "fade": -1}', "'fade'"),
        (b'{"cmd": "stop", "id": "", "fade": 1}', "'id'"),
        (b'{"cmd": "status", "seq": "1"}', "'seq'"),
        (b'{"cmd": "hello", "version": 1.5}', "'version'"),
        (b'{"cmd": "open"}\xff', "UTF-8"),
        (b'{"event": "started", "id": "a"}', "chỉ nhận lệnh"),
    ],
)
def test_bad_lines_are_refused_with_a_vietnamese_reason(line, words):
    with pytest.raises(p.ProtocolError) as err:
        p.parse_command(line)
    assert err.value.code == "bad_message"
    assert isinstance(err.value, PlayoutError)
    assert words in err.value.message


def test_a_line_longer_than_the_limit_is_refused():
    line = json.dumps({"cmd": "load", "id": "a", "path": "x" * p.MAX_LINE_BYTES}).encode()
    with pytest.raises(p.ProtocolError) as err:
        p.decode(line)
    assert "quá dài" in err.value.message


def test_nan_cannot_be_encoded():
    with pytest.raises(ValueError):
        p.encode({"event": "position", "id": "a", "heard_until": float("nan")})


def test_errors_travel_as_code_and_message_and_come_back():
    error = PlayoutError("Thiết bị âm thanh 'pulse' ngừng hoạt động.", code="device_failed")
    fields = p.error_fields(error)
    assert fields == {"code": "device_failed", "message": error.message}
    back = p.error_from_fields(fields)
    assert back is not None and (back.code, back.message) == (error.code, error.message)
    assert p.error_fields(None) is None and p.error_from_fields(None) is None
    assert p.error_from_fields({}).code == "playout_failed"
