"""A relay reaches a speaker cluster: the agent plays the station's published stream a fixed
delay behind the station's own loudspeaker, covers a stall of the stream with its fallback,
comes back to the stream, ends with the slot and reports the gap (see stream_rig.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stream_rig import SECONDS, STALL_AFTER, WINDOW, StreamRun, stream_run

pytestmark = pytest.mark.soundpath

TOLERANCE = 0.020  # seconds: the cluster's offset from the station's loudspeaker + delay


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamRun]:
    with stream_run(Path(tmp_path_factory.mktemp("cluster-stream"))) as done:
        yield done


def test_a_relay_on_a_cluster_is_the_station_s_sound_delay_later_through_a_stall(
    run: StreamRun,
) -> None:
    # Before the stall: the cluster's sound is the station's, heard `delay` later.
    scores, offsets = zip(
        *(run.offset_at(run.start + t, seconds=1.5) for t in (0.5, STALL_AFTER - 2.0)),
        strict=True,
    )
    print(f"\nstation-to-cluster offset: {[round((o - run.delay) * 1000, 1) for o in offsets]}"
          f" ms beside the delay of {run.delay:g} s (ncc {[round(s, 2) for s in scores]})")
    assert min(scores) > 0.8, f"the cluster does not air the station's sound: {scores}"
    for offset in offsets:
        assert abs(offset - run.delay) <= TOLERANCE, f"offset {offset:.3f} s"
    offset = sum(offsets) / len(offsets)

    heard = run.kinds(offset, run.start + run.delay + 0.2, run.end - 0.2)
    before = [k for t, k in heard if t < run.stalled + run.delay - 0.5]
    assert set(before) == {"stream"}, before
    # The stall: the fallback, at most a short silence before it, never a dead air.
    after = [(t, k) for t, k in heard if t >= run.stalled + run.delay - 0.5]
    fallback_at = next((t for t, k in after if k == "other"), None)
    assert fallback_at is not None, f"no fallback heard: {after}"
    cut_heard = run.stalled + run.delay
    assert fallback_at - cut_heard <= 3.0, f"fallback {fallback_at - cut_heard:.1f} s late"
    silent = [t for t, k in after if k == "silent" and t < fallback_at]
    assert len(silent) * WINDOW <= 2.0, f"{len(silent) * WINDOW:.1f} s of silence in the stall"
    # Back on the stream, in step again, until the slot's end.
    back_at = next((t for t, k in after if t > fallback_at and k == "stream"), None)
    assert back_at is not None, f"the stream did not come back: {after}"
    print(f"fallback {fallback_at - cut_heard:.1f} s after the stall reached the cluster; "
          f"stream back {back_at - (run.resumed + run.delay):.1f} s after the publisher's return")
    settled = [k for t, k in after if t >= back_at + 1.0]
    assert settled and set(settled) == {"stream"}, settled
    score, late_offset = run.offset_at(back_at - run.delay + 0.5, seconds=1.5)
    assert score > 0.8 and abs(late_offset - run.delay) <= TOLERANCE, (score, late_offset)
    tail = run.kinds(offset, run.end + 0.2, run.end + 1.2)
    assert {k for _, k in tail} == {"silent"}, f"the cluster went on after the slot: {tail}"

    # The cluster's as-run entry says what went out.
    entry = run.entry
    assert entry["outcome"] == "aired" and entry["cluster"] == "thon-1", entry
    gaps = entry["details"]["gaps"]
    assert gaps, entry
    began = min(gap["from"] for gap in gaps)
    assert began >= run.entry["actual_start"], gaps
    relay = entry["details"]["relay"]
    assert relay["delay_seconds"] == run.delay
    assert abs(relay["relayed_seconds"] + relay["fallback_seconds"] - SECONDS) < 1.0, relay
    assert STALL_AFTER - 1 < relay["relayed_seconds"] < SECONDS - 2, relay
    assert entry["note"] and "gián đoạn" in entry["note"], entry
