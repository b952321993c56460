from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from broadcast.errors import ScheduleConflict, ScheduleError
from broadcast.programs import Program, Segment
from broadcast.scheduling.conflicts import SlotClash, find_conflicts
from broadcast.scheduling.localtime import local_instant
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Priority, Slot
from broadcast.scheduling.recurrence import airs_on
from broadcast.scheduling.timetable_yaml import (
    Timetable,
    TimetableError,
    dump_timetable,
    load_timetable,
    parse_timetable,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "schedules" / "example.yaml"
VN = ZoneInfo("Asia/Ho_Chi_Minh")

MINIMAL = """\
version: 1
timezone: Asia/Ho_Chi_Minh
programs:
  - id: cds-sang
    title: "Chuyên mục Chuyển đổi số"
    topic: chuyen-doi-so
    segments:
      - jingle: intro
      - script: scripts/cds-01.txt
      - silence: 1.5
      - audio: media/bai-hat.mp3
      - jingle: outro
slots:
  - id: sang-246
    program: cds-sang
    time: "06:00"
    days: [mon, wed, fri]
    priority: normal
"""


# --- the shipped example ---


def test_example_round_trips_byte_for_byte() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    timetable = load_timetable(EXAMPLE)
    assert dump_timetable(timetable) == text
    assert load_timetable(dump_timetable(timetable)) == timetable


def test_example_is_the_commune_station() -> None:
    tt = load_timetable(EXAMPLE, check_files=True)  # the shipped scripts are all there
    assert tt.version == 1 and tt.timezone == "Asia/Ho_Chi_Minh"
    by_id = {s.id: s for s in tt.slots}
    morning = by_id["sang-hang-ngay"]
    assert morning.time == time(6) and morning.days == frozenset(range(7))
    assert by_id["chieu-hang-ngay"].time == time(17)
    column = [s for s in tt.slots if tt.program(s.program_id).topic == "chuyen-doi-so"]
    assert sorted(d for s in column for d in s.days) == [0, 2, 4]
    assert all(s.time == time(6, 10) for s in column)
    scripts = [seg.path for p in tt.programs for seg in p.segments if seg.kind == "script"]
    assert "../scripts/cds-01-nghi-quyet-57.txt" in scripts
    assert "../scripts/cds-02-binh-dan-hoc-vu-so.txt" in scripts
    assert "../scripts/cds-03-dich-vu-cong-truc-tuyen.txt" in scripts
    assert tt.resolve("../scripts/ban-tin-sang.txt") == ROOT / "scripts" / "ban-tin-sang.txt"
    assert all(unicodedata.is_normalized("NFC", p.title) for p in tt.programs)
    assert find_conflicts(tt.slots, tt.adjustments, tt.tz) == []


def test_a_path_given_as_a_string_is_read_as_a_file() -> None:
    assert load_timetable(str(EXAMPLE)) == load_timetable(EXAMPLE)


def test_issue_sample_loads() -> None:
    tt = load_timetable(MINIMAL)
    assert tt.programs == [Program(
        "cds-sang", "Chuyên mục Chuyển đổi số", "chuyen-doi-so",
        (Segment.jingle("intro"), Segment.script_file("scripts/cds-01.txt"),
         Segment.silence(1.5), Segment.audio_file("media/bai-hat.mp3"),
         Segment.jingle("outro")),
    )]
    assert tt.slots == [Slot("sang-246", "cds-sang", time(6), frozenset({0, 2, 4}))]
    assert tt.base_dir is None
    assert dump_timetable(tt) == MINIMAL


def test_relative_paths_resolve_against_the_file_folder(tmp_path: Path) -> None:
    folder = tmp_path / "lich"
    folder.mkdir()
    (folder / "tt.yaml").write_text(MINIMAL, encoding="utf-8")
    tt = load_timetable(folder / "tt.yaml")
    assert tt.base_dir == folder.resolve()
    assert tt.programs[0].segments[1].path == "scripts/cds-01.txt"  # kept as written
    assert tt.resolve("scripts/cds-01.txt") == folder.resolve() / "scripts" / "cds-01.txt"
    assert tt.resolve("/abs/x.txt") == Path("/abs/x.txt")
    assert dump_timetable(tt) == MINIMAL


def test_check_files_refuses_missing_scripts(tmp_path: Path) -> None:
    (tmp_path / "tt.yaml").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(TimetableError) as err:
        load_timetable(tmp_path / "tt.yaml", check_files=True)
    assert err.value.code == "file_not_found" and err.value.where == "cds-sang"
    assert "scripts/cds-01.txt" in err.value.message
    for name in ("scripts/cds-01.txt", "media/bai-hat.mp3"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert load_timetable(tmp_path / "tt.yaml", check_files=True).slots


# --- accepted spellings, and the canonical form they export to ---


def slot_yaml(body: str, program: str = "p") -> str:
    return f"""\
version: 1
timezone: Asia/Ho_Chi_Minh
programs:
  - id: {program}
    title: "P"
    segments:
      - jingle: intro
slots:
  - id: s
    program: {program}
{body}"""


@pytest.mark.parametrize(("written", "canonical"), [
    ('    time: "06:00"\n    daily: true\n', '    time: "06:00"\n    days: daily\n'),
    ('    time: "6:00"\n    days: [Mon, SUN, mon]\n', '    time: "06:00"\n    days: [mon, sun]\n'),
    ('    time: "06:00"\n    days: [mon, tue, wed, thu, fri, sat, sun]\n',
     '    time: "06:00"\n    days: daily\n'),
    ('    time: "06:00:30"\n    date: "2026-08-01"\n',
     '    time: "06:00:30"\n    date: 2026-08-01\n'),
])
def test_lenient_spellings_export_canonically(written: str, canonical: str) -> None:
    tt = load_timetable(slot_yaml(written + "    priority: normal\n"))
    assert dump_timetable(tt) == slot_yaml(canonical + "    priority: normal\n")


@pytest.mark.parametrize("written", ["600", "10:00", '"10:00"', '"0:10:00"', "600.0"])
def test_max_duration_in_seconds_or_minutes(written: str) -> None:
    tt = load_timetable(slot_yaml(f'    time: "06:00"\n    days: daily\n'
                                  f"    max_duration: {written}\n"))
    assert tt.slots[0].max_duration == timedelta(minutes=10)
    assert '    max_duration: "10:00"\n' in dump_timetable(tt)


def test_priority_defaults_to_normal_and_is_always_exported() -> None:
    tt = load_timetable(slot_yaml('    time: "06:00"\n    days: daily\n'))
    assert tt.slots[0].priority is Priority.NORMAL
    assert "    priority: normal\n" in dump_timetable(tt)


def test_skips_and_moves() -> None:
    text = slot_yaml("""\
    time: "06:10"
    days: [mon, wed, fri]
    priority: emergency
    max_duration: "05:00"
    from: 2026-08-01
    until: 2026-12-31
    paused: true
    skips: [2026-08-05, 2026-08-07]
    moves:
      - date: 2026-08-10
        to: "2026-08-10 19:30"
      - date: 2026-08-12
        to: "2026-08-13 07:00:05"
""")
    tt = load_timetable(text)
    slot = tt.slots[0]
    assert slot.priority is Priority.EMERGENCY and slot.paused
    assert (slot.valid_from, slot.valid_until) == (date(2026, 8, 1), date(2026, 12, 31))
    assert tt.adjustments == [
        Adjustment("s", datetime(2026, 8, 5, 6, 10, tzinfo=VN), AdjustmentKind.SKIP),
        Adjustment("s", datetime(2026, 8, 7, 6, 10, tzinfo=VN), AdjustmentKind.SKIP),
        Adjustment("s", datetime(2026, 8, 10, 6, 10, tzinfo=VN), AdjustmentKind.MOVE,
                   datetime(2026, 8, 10, 19, 30, tzinfo=VN)),
        Adjustment("s", datetime(2026, 8, 12, 6, 10, tzinfo=VN), AdjustmentKind.MOVE,
                   datetime(2026, 8, 13, 7, 0, 5, tzinfo=VN)),
    ]
    assert dump_timetable(tt) == text


# --- errors: Vietnamese message naming the slot or program, stable code ---


def error_of(text: str) -> ScheduleError:
    with pytest.raises(ScheduleError) as err:
        load_timetable(text)
    assert unicodedata.is_normalized("NFC", err.value.message)
    return err.value


def test_unknown_program() -> None:
    err = error_of(MINIMAL.replace("program: cds-sang", "program: cds-chieu"))
    assert err.code == "unknown_program"
    assert "'sang-246'" in err.message and "'cds-chieu'" in err.message
    assert isinstance(err, TimetableError) and err.where == "sang-246"


@pytest.mark.parametrize(("time_text", "code"), [
    ('"25:00"', "bad_time"), ('"06:60"', "bad_time"), ('"6h"', "bad_time"),
    ("17:00", "bad_time"),  # unquoted: YAML 1.1 reads 1020
    ('"06:00:00.5"', "bad_time"),
])
def test_bad_time(time_text: str, code: str) -> None:
    err = error_of(MINIMAL.replace('time: "06:00"', f"time: {time_text}"))
    assert err.code == code and "'sang-246'" in err.message


def test_unquoted_time_error_says_to_quote() -> None:
    err = error_of(MINIMAL.replace('time: "06:00"', "time: 17:00"))
    assert '"17:00"' in err.message


def test_missing_time() -> None:
    err = error_of(MINIMAL.replace('    time: "06:00"\n', ""))
    assert err.code == "missing_field" and "'sang-246'" in err.message


def test_unknown_weekday() -> None:
    err = error_of(MINIMAL.replace("[mon, wed, fri]", "[mon, wednesday]"))
    assert err.code == "unknown_weekday"
    assert "'wednesday'" in err.message and "'sang-246'" in err.message


def test_wrong_version() -> None:
    assert error_of(MINIMAL.replace("version: 1", "version: 2")).code == "bad_version"
    assert error_of(MINIMAL.replace("version: 1\n", "")).code == "bad_version"
    assert error_of(MINIMAL.replace("version: 1", 'version: "1"')).code == "bad_version"


def test_duplicate_slot_id() -> None:
    text = MINIMAL + MINIMAL[MINIMAL.index("  - id: sang-246"):].replace('"06:00"', '"09:00"')
    err = error_of(text)
    assert err.code == "duplicate_id" and "'sang-246'" in err.message


def test_duplicate_program_id() -> None:
    program = MINIMAL[MINIMAL.index("  - id: cds-sang"):MINIMAL.index("slots:")]
    err = error_of(MINIMAL.replace("slots:", program + "slots:"))
    assert err.code == "duplicate_id" and "'cds-sang'" in err.message


def test_duplicate_key() -> None:
    err = error_of(MINIMAL.replace('    time: "06:00"\n', '    time: "06:00"\n    time: "07:00"\n'))
    assert err.code == "duplicate_key" and "'time'" in err.message


def test_unknown_key_is_a_typo_not_ignored() -> None:
    err = error_of(MINIMAL.replace("    priority: normal", "    priorty: normal"))
    assert err.code == "unknown_key" and "'priorty'" in err.message


@pytest.mark.parametrize(("old", "new", "code"), [
    ("priority: normal", "priority: urgent", "bad_priority"),
    ("days: [mon, wed, fri]", "days: []", "missing_days"),
    ("    days: [mon, wed, fri]\n", "", "missing_days"),
    ("days: [mon, wed, fri]", "days: [mon]\n    date: 2026-08-01", "bad_slot_kind"),
    ("days: [mon, wed, fri]", "date: 2026-08-01\n    from: 2026-08-01", "bad_slot_kind"),
    ("days: [mon, wed, fri]", "date: 2026-02-30", "bad_date"),
    ("days: [mon, wed, fri]", "days: daily\n    from: 2026-09-01\n    until: 2026-08-01",
     "bad_range"),
    ("priority: normal", "priority: normal\n    max_duration: 0", "bad_duration"),
    ("priority: normal", 'priority: normal\n    max_duration: "10:75"', "bad_duration"),
    ("priority: normal", "priority: normal\n    max_duration: 90000", "bad_duration"),
    ("priority: normal", "priority: normal\n    paused: maybe", "bad_value"),
    ("priority: normal", "priority: normal\n    skips: [2026-08-04]", "not_an_occurrence"),
    ("priority: normal", "priority: normal\n    skips: [2026-08-03, 2026-08-03]",
     "duplicate_adjustment"),
    ("priority: normal", "priority: normal\n    moves:\n      - date: 2026-08-03",
     "bad_adjustment"),
    ("priority: normal", 'priority: normal\n    moves:\n      - date: 2026-08-03\n'
     '        to: "tomorrow"', "bad_adjustment"),
    ("timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Hanoi_City", "bad_timezone"),
    ("timezone: Asia/Ho_Chi_Minh", "timezone: Asia", "bad_timezone"),
    ("      - silence: 1.5", "      - silence: -1", "bad_segment"),
    ("      - silence: 1.5", "      - silence: .nan", "bad_segment"),
    ("      - jingle: outro", "      - chime: outro", "bad_segment"),
    ("      - jingle: outro", "      - jingle: outro\n        script: x.txt", "bad_segment"),
    ('    title: "Chuyên mục Chuyển đổi số"\n', "", "missing_field"),
])
def test_field_errors(old: str, new: str, code: str) -> None:
    assert old in MINIMAL
    err = error_of(MINIMAL.replace(old, new))
    assert err.code == code
    assert "'sang-246'" in err.message or "'cds-sang'" in err.message or code == "bad_timezone"


def test_syntax_error_names_the_line() -> None:
    err = error_of(MINIMAL.replace("days: [mon, wed, fri]", "days: [mon, wed, fri"))
    assert err.code == "bad_yaml" and "dòng" in err.message


def test_not_a_mapping() -> None:
    assert error_of("- 1\n- 2\n").code == "bad_structure"


def test_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "tt.yaml"
    path.write_bytes(MINIMAL.encode("utf-16"))
    with pytest.raises(TimetableError) as err:
        load_timetable(path)
    assert err.value.code == "bad_encoding"


def test_clashing_file_is_refused_as_a_whole_naming_the_clash() -> None:
    clash = MINIMAL + """\
  - id: thong-bao
    program: cds-sang
    time: "06:00:30"
    date: 2026-08-05
    priority: normal
"""
    with pytest.raises(SlotClash) as err:
        load_timetable(clash)
    assert isinstance(err.value, ScheduleConflict) and err.value.code == "schedule_conflict"
    assert err.value.other_slot_id == "sang-246" and err.value.slot_id == "thong-bao"
    assert err.value.clash_at == datetime(2026, 8, 5, 6, 0, 30, tzinfo=VN)
    assert "'thong-bao' trùng giờ với khung 'sang-246' lúc 06:00:30 thứ Tư 05/08/2026" \
        in err.value.message
    assert "chỗ trùng khác" not in err.value.message  # the only clash


def test_of_two_clashes_the_earliest_is_named_and_the_other_counted() -> None:
    text = MINIMAL + "".join(
        f'  - id: {ident}\n    program: cds-sang\n    time: "06:00"\n    date: {day}\n'
        "    priority: normal\n" for ident, day in (("thu-sau", "2026-08-07"),
                                                   ("thu-hai", "2026-08-03")))
    with pytest.raises(SlotClash) as err:
        load_timetable(text)
    assert err.value.slot_id == "thu-hai"
    assert err.value.message.endswith("06:00 thứ Hai 03/08/2026. (và 1 chỗ trùng khác)")


def test_without_max_duration_the_estimate_decides() -> None:
    text = MINIMAL + """\
  - id: thong-bao
    program: cds-sang
    time: "06:01"
    date: 2026-08-05
    priority: normal
"""
    assert load_timetable(text)  # unknown duration: one minute each
    with pytest.raises(SlotClash):
        load_timetable(text, estimate=lambda program: timedelta(minutes=3))
    assert load_timetable(text, estimate=lambda program: None)


def test_several_clashes_are_counted() -> None:
    text = MINIMAL + "".join(
        f'  - id: x{n}\n    program: cds-sang\n    time: "06:00"\n    days: [mon]\n'
        "    priority: normal\n" for n in range(3))
    with pytest.raises(SlotClash) as err:
        load_timetable(text)
    assert "và 5 chỗ trùng khác" in err.value.message


def test_clash_with_max_duration_wins_over_the_estimate() -> None:
    capped = "    priority: normal\n    max_duration: 60\n"
    text = MINIMAL.replace("    priority: normal\n", capped) \
        + '  - id: sau\n    program: cds-sang\n    time: "06:01"\n    days: [mon]\n' \
          "    priority: normal\n    max_duration: 60\n"
    assert load_timetable(text, estimate=lambda program: timedelta(minutes=30))


def test_clash_in_a_different_priority_is_fine() -> None:
    text = MINIMAL + ('  - id: khan\n    program: cds-sang\n    time: "06:00"\n    days: daily\n'
                      "    priority: emergency\n")
    assert len(load_timetable(text).slots) == 2


def test_clash_already_over_is_ignored_with_now() -> None:
    clash = MINIMAL + ('  - id: cu\n    program: cds-sang\n    time: "06:00"\n'
                       "    date: 2026-08-05\n    priority: normal\n")
    with pytest.raises(SlotClash):
        load_timetable(clash)
    assert load_timetable(clash, now=datetime(2026, 9, 1, tzinfo=VN))


# --- round trip: load(dump(x)) == x for any valid timetable ---

SAFE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20
)


def valid_id(text: str) -> bool:
    return bool(text) and text == text.strip() and all(ord(c) >= 0x20 for c in text)


IDS = SAFE_TEXT.filter(valid_id)
REFS = SAFE_TEXT.filter(lambda s: bool(s.strip()))
TRICKY = st.sampled_from(["yes", "no", "null", "~", "1.5", "06:00", "2026-08-01", "-x", "a: b",
                          "a #b", "...", ".inf", "1_000", "0x1F", "@x", "'q'", '"q"', "[a]",
                          "Chuyển đổi số", "a\u2028b", "tab\there", "\x85", "\ufeffbom"])


@st.composite
def programs(draw: st.DrawFn) -> list[Program]:
    ids = draw(st.lists(st.one_of(IDS, TRICKY.filter(valid_id)),
                        min_size=1, max_size=4, unique=True))
    out = []
    for ident in ids:
        segments = draw(st.lists(st.one_of(
            st.builds(lambda make, ref: make(ref),
                      st.sampled_from([Segment.jingle, Segment.script_file, Segment.audio_file]),
                      st.one_of(REFS, TRICKY.filter(lambda s: bool(s.strip())))),
            st.builds(Segment.stored_script, st.integers(min_value=1, max_value=10**9)),
            st.builds(lambda s: Segment.silence(s),
                      st.floats(min_value=0, max_value=3600, exclude_min=True)),
        ), min_size=1, max_size=5))
        out.append(Program(
            ident,
            draw(st.one_of(SAFE_TEXT, TRICKY)),
            draw(st.one_of(st.just(""), SAFE_TEXT, TRICKY)),
            tuple(segments),
            draw(st.one_of(st.none(), REFS)),
        ))
    return out


@st.composite
def timetables(draw: st.DrawFn) -> Timetable:
    zone = draw(st.sampled_from(["Asia/Ho_Chi_Minh", "UTC", "Asia/Bangkok"]))
    tz = ZoneInfo(zone)
    progs = draw(programs())
    slot_ids = draw(st.lists(st.one_of(IDS, TRICKY.filter(valid_id)),
                             max_size=5, unique=True))
    slots: list[Slot] = []
    adjustments: list[Adjustment] = []
    for ident in slot_ids:
        at = draw(st.times()).replace(microsecond=0)
        priority = draw(st.sampled_from(list(Priority)))
        max_duration = draw(st.one_of(st.none(), st.integers(1, 86400).map(
            lambda s: timedelta(seconds=s))))
        base = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
        if draw(st.booleans()):
            slot = Slot(ident, draw(st.sampled_from(progs)).id, at, on_date=base,
                        priority=priority, max_duration=max_duration,
                        paused=draw(st.booleans()))
        else:
            until = draw(st.one_of(st.none(), st.integers(0, 200).map(
                lambda n, b=base: b + timedelta(days=n))))
            slot = Slot(ident, draw(st.sampled_from(progs)).id, at,
                        days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
                        priority=priority, max_duration=max_duration,
                        valid_from=draw(st.one_of(st.none(), st.just(base))), valid_until=until,
                        paused=draw(st.booleans()))
        slots.append(slot)
        offsets = draw(st.lists(st.integers(0, 60), max_size=4, unique=True))
        for day in (base + timedelta(days=n) for n in offsets):
            if not airs_on(slot, day):
                continue
            original = local_instant(day, slot.time, tz)
            if draw(st.booleans()):
                adjustments.append(Adjustment(ident, original, AdjustmentKind.SKIP))
            else:
                new = datetime.combine(day + timedelta(days=draw(st.integers(-3, 3))),
                                       draw(st.times()), tzinfo=tz)
                adjustments.append(Adjustment(ident, original, AdjustmentKind.MOVE, new))
    draw(st.randoms()).shuffle(adjustments)
    return Timetable(1, zone, progs, slots, adjustments)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timetables())
def test_round_trip_any_valid_timetable(tt: Timetable) -> None:
    text = dump_timetable(tt)
    again = parse_timetable(text)
    assert again == tt
    assert dump_timetable(again) == text  # and the export is canonical: a fixed point


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timetables())
def test_round_trip_through_the_full_load(tt: Timetable) -> None:
    assume(not find_conflicts(tt.slots, tt.adjustments, tt.tz))
    assert load_timetable(dump_timetable(tt)) == tt


def test_dump_is_plain_yaml_readable_by_any_loader() -> None:
    tt = load_timetable(EXAMPLE)
    data = yaml.safe_load(dump_timetable(tt))
    assert data["slots"][0] == {"id": "sang-hang-ngay", "program": "ban-tin-sang",
                                "time": "06:00", "days": "daily", "priority": "normal",
                                "max_duration": "10:00"}


def test_slot_clusters_round_trip_and_bad_ones_are_refused() -> None:
    text = (
        "version: 1\ntimezone: Asia/Ho_Chi_Minh\nprograms:\n  - id: p\n    title: P\n"
        "    segments:\n      - silence: 1.0\nslots:\n  - id: s\n    program: p\n"
        '    time: "06:00:00"\n    days: [mon]\n    priority: normal\n'
        "    clusters: [local, thon-1]\n"
    )
    timetable = load_timetable(text)
    assert timetable.slots[0].clusters == frozenset({"local", "thon-1"})
    assert "clusters: [local, thon-1]" in dump_timetable(timetable)
    assert load_timetable(dump_timetable(timetable)) == timetable
    with pytest.raises(TimetableError):
        load_timetable(text.replace("[local, thon-1]", "[]"))
    with pytest.raises(TimetableError):
        load_timetable(text.replace("[local, thon-1]", "thon-1"))


# --- edges found by mutation testing (make mutation) ---

RELAY_PROGRAM = """\
version: 1
timezone: Asia/Ho_Chi_Minh
programs:
  - id: vov1
    title: "Tiếp sóng VOV1"
    segments:
      - relay: {url: "http://radio.example.vn/vov1~live!", seconds: 21600}
slots:
  - id: thoi-su
    program: vov1
    time: "19:00"
    days: daily
"""
RELAY_LINE = '      - relay: {url: "http://radio.example.vn/vov1~live!", seconds: 21600}'


def test_a_relay_of_one_second_is_accepted() -> None:
    one = RELAY_PROGRAM.replace("seconds: 21600", "seconds: 1")
    assert load_timetable(one).programs[0].segments[0].seconds == 1.0


def test_a_relay_program_loads_and_round_trips() -> None:
    # The longest relay allowed, a URL with '~' and '!' (printable ASCII next to the refused
    # space and DEL), alone in its program.
    timetable = load_timetable(RELAY_PROGRAM)
    [segment] = timetable.programs[0].segments
    assert (segment.kind, segment.url, segment.seconds) == (
        "relay", "http://radio.example.vn/vov1~live!", 6 * 3600.0)
    assert RELAY_LINE.strip() in dump_timetable(timetable)
    assert load_timetable(dump_timetable(timetable)) == timetable


@pytest.mark.parametrize(("new", "code"), [
    ('      - relay: "http://radio.example.vn/vov1"', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/vov1"}', "bad_segment"),
    ("      - relay: {url: 5, seconds: 60}", "bad_segment"),
    ('      - relay: {url: "ftp://radio.example.vn/vov1", seconds: 60}', "bad_segment"),
    ('      - relay: {url: "http://", seconds: 60}', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/a b", seconds: 60}', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/a\\x7f", seconds: 60}', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/a", seconds: 0}', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/a", seconds: 21601}', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/a", seconds: .inf}', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/a", seconds: true}', "bad_segment"),
    ('      - relay: {url: "http://radio.example.vn/a", seconds: "60"}', "bad_segment"),
    (RELAY_LINE + "\n      - jingle: intro", "relay_alone"),
    (RELAY_LINE + "\n    bed: nen.mp3", "relay_alone"),
])
def test_relay_errors(new: str, code: str) -> None:
    assert error_of(RELAY_PROGRAM.replace(RELAY_LINE, new)).code == code


@pytest.mark.parametrize(("old", "new", "code"), [
    ("      - silence: 1.5", "      - silence: 0", "bad_segment"),
    ("      - silence: 1.5", "      - silence: 3600.5", "bad_segment"),
    ("      - silence: 1.5", "      - silence: true", "bad_segment"),
    ("      - silence: 1.5", '      - silence: "1.5"', "bad_segment"),
    ("      - silence: 1.5", "      - script_id: 0", "bad_segment"),
    ("      - jingle: outro", '      - jingle: "  "', "bad_segment"),
    ('title: "Chuyên mục Chuyển đổi số"', 'title: ""', "bad_value"),
    ("  - id: cds-sang", '  - id: " cds-sang"', "bad_id"),
    ("  - id: cds-sang", "  - id: 5", "bad_id"),
    ("  - id: sang-246", '  - id: "sang\\x1f246"', "bad_id"),
    ("timezone: Asia/Ho_Chi_Minh", "timezone: 5", "bad_timezone"),
    ('time: "06:00"', 'time: "06:00:60"', "bad_time"),
    ("days: [mon, wed, fri]", "days: mon", "missing_days"),
    ("priority: normal", "priority: normal\n    clusters: []", "bad_value"),
    ("priority: normal", 'priority: normal\n    clusters: ["  "]', "bad_value"),
    ("priority: normal", "priority: normal\n    clusters: [5]", "bad_value"),
    ("priority: normal", 'priority: normal\n    max_duration: "10:60"', "bad_duration"),
    ("priority: normal", 'priority: normal\n    max_duration: "1:60:00"', "bad_duration"),
    ("priority: normal", "priority: normal\n    max_duration: 90.5", "bad_duration"),
    ("      - silence: 1.5", "      - script_id: true", "bad_segment"),
    ("    program: cds-sang\n", "", "missing_field"),
    ('time: "06:00"', 'time: "24:00"', "bad_time"),
    ("priority: normal", 'priority: normal\n    moves:\n      - date: 2026-08-03\n'
     '        to: "2026-02-30 09:00"', "bad_adjustment"),
])
def test_more_field_errors(old: str, new: str, code: str) -> None:
    assert old in MINIMAL
    assert error_of(MINIMAL.replace(old, new)).code == code


def test_the_longest_silence_and_the_longest_minutes_are_accepted() -> None:
    text = MINIMAL.replace("      - silence: 1.5", "      - silence: 3600").replace(
        "priority: normal", 'priority: normal\n    max_duration: "1:59:59"')
    timetable = load_timetable(text)
    assert timetable.programs[0].segments[2].seconds == 3600.0
    assert timetable.slots[0].max_duration == timedelta(hours=1, minutes=59, seconds=59)


def test_errors_name_the_line_and_the_position_counted_from_one() -> None:
    lines = MINIMAL.splitlines(keepends=True)
    assert lines[16] == "    days: [mon, wed, fri]\n"  # line 17 of the file
    err = error_of(MINIMAL.replace("days: [mon, wed, fri]", "days: [mon, wed, fri"))
    assert "ở dòng 18" in err.message  # where the parser notices the missing bracket
    err = error_of(MINIMAL.replace('    time: "06:00"\n', '    time: "06:00"\n    time: "07:00"\n'))
    assert "(dòng 17)" in err.message
    no_id = MINIMAL.replace("  - id: cds-sang", "  - id: ''")
    assert "Chương trình thứ 1:" in error_of(no_id).message
    assert "Khung thứ 1:" in error_of(MINIMAL.replace("  - id: sang-246", "  - id: ''")).message


def test_a_one_line_yaml_text_is_text_not_a_file_name() -> None:
    assert load_timetable("{version: 1, timezone: UTC, programs: [], slots: []}") == Timetable(
        1, "UTC", [], [], [])


def test_paths_stay_as_written_without_a_folder() -> None:
    timetable = load_timetable(MINIMAL)
    assert timetable.base_dir is None
    assert timetable.resolve("scripts/cds-01.txt") == Path("scripts/cds-01.txt")


def test_a_slots_skips_come_before_its_moves_whatever_the_dates() -> None:
    slot = Slot("s", "cds-sang", time(6), days=frozenset(range(7)))
    first, second = datetime(2026, 8, 3, 6, tzinfo=VN), datetime(2026, 8, 4, 6, tzinfo=VN)
    move = Adjustment("s", first, AdjustmentKind.MOVE, first + timedelta(hours=2))
    skip = Adjustment("s", second, AdjustmentKind.SKIP)
    program = load_timetable(MINIMAL).programs
    assert Timetable(1, "Asia/Ho_Chi_Minh", program, [slot], [move, skip]).adjustments == [
        skip, move]


def test_dump_writes_each_kind_of_segment() -> None:
    program = Program("p", "P", "", (Segment.stored_script(7), Segment.jingle("intro"),
                                      Segment.bulletin("tin-xa"), Segment.silence(2)))
    text = dump_timetable(Timetable(1, "UTC", [program], []))
    assert "      - script_id: 7\n      - jingle: intro\n      - bulletin: tin-xa\n" \
           "      - silence: 2\n" in text


@pytest.mark.parametrize(("char", "written"), [
    ("\x1f", "\\x1f"), (" ", " "), ("~", "~"), ("\x7f", "\\x7f"), ("\x9f", "\\x9f"),
    ("\xa0", "\xa0"), ("\xff", "\xff"), ("\u0100", "\u0100"), ("\ud7ff", "\ud7ff"),
    ("\ud800", "\\ud800"), ("\udfff", "\\udfff"), ("\ue000", "\ue000"), ("\ufffd", "\ufffd"),
    ("\ufffe", "\\ufffe"), ("\uffff", "\\uffff"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
    ("\ufeff", "\\ufeff"), ("\U00010000", "\U00010000"), ("\U0010ffff", "\U0010ffff"),
    ('"', '\\"'), ("\\", "\\\\"),
])
def test_titles_keep_printable_characters_and_escape_the_rest_shortest(char: str,
                                                                       written: str) -> None:
    # YAML's printable set: the escapes are the shortest form, and the rest is written as is.
    program = Program("p", f"a{char}b", "", (Segment.silence(1),))
    text = dump_timetable(Timetable(1, "UTC", [program], []))
    assert f'    title: "a{written}b"\n' in text
    if not 0xD800 <= ord(char) <= 0xDFFF:  # a lone surrogate is no text to read back
        assert parse_timetable(text).programs[0].title == f"a{char}b"
