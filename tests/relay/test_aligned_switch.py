"""The switch in aligned mode (a speaker cluster playing the station's published stream):
every upstream sample is heard at the output sample it belongs to, whenever it arrives."""

from __future__ import annotations

import numpy as np

from broadcast.relay.switch import RelaySwitch, State

RATE = 1000
BLOCK = 20
FALLBACK = np.full(3 * RATE, -0.25, dtype=np.float32)  # recognisable: negative


def coded(start: int, n: int) -> np.ndarray:
    """The upstream's samples for output places ``start .. start + n``: each place has its
    own value (positive, never silent), so a sample heard anywhere else shows."""
    k = np.arange(start, start + n)
    return (0.1 + (k % 997) / 2000.0).astype(np.float32)


def switch(**kw: float) -> RelaySwitch:
    s = RelaySwitch(RATE, FALLBACK, aligned=True, silence_limit=0.0, **kw)
    s.up()
    return s


def blocks(s: RelaySwitch, seconds: float, feed_ahead: float | None = None) -> np.ndarray:
    """Ask for ``seconds`` of output; with ``feed_ahead``, the upstream delivers each block
    that many seconds before its place (as a stream ``delay`` ahead of the station does)."""
    out = []
    for _ in range(int(seconds * RATE) // BLOCK):
        if feed_ahead is not None:
            at = s.sample + int(feed_ahead * RATE)
            s.push(coded(at, BLOCK), at=at)
        out.append(s.next_block(BLOCK))
    return np.concatenate(out)


def test_each_sample_is_heard_at_its_place_whatever_came_before() -> None:
    s = switch()
    # Icecast's burst on connect: 2.5 s from before the output's start, 1.2 s after it.
    s.push(coded(-2500, 3700), at=-2500)
    out = blocks(s, 3.0, feed_ahead=1.2)
    assert np.array_equal(out, coded(0, len(out))), "a sample heard away from its place"
    assert s.gaps == [] and s.state is State.UPSTREAM


def test_a_block_that_comes_too_late_is_dropped_and_the_place_stalls_then_falls_back() -> None:
    s = switch(stall_grace=0.5)
    s.push(coded(0, 1000), at=0)
    first = blocks(s, 1.0)
    assert np.array_equal(first, coded(0, 1000))
    s.push(coded(500, 600), at=500)  # places 500..1100: only 1000..1100 are still ahead
    out = blocks(s, 1.0)
    assert np.array_equal(out[:100], coded(1000, 100))
    assert np.all(out[100:600] == 0.0), "a stall is silence up to the grace"
    assert np.all(out[600:] < 0), "then the fallback"
    (gap,) = s.gaps
    assert gap.reason == "stalled" and gap.start == 1100


def test_it_returns_from_the_fallback_to_the_sample_of_the_moment() -> None:
    s = switch(stall_grace=0.2, return_level=0.3, crossfade=0.1)
    s.up()
    blocks(s, 0.5)  # nothing ever came: a stall, then the fallback
    assert s.state is State.FALLBACK
    out = blocks(s, 2.0, feed_ahead=0.5)  # the stream is back, 0.5 s ahead of its places
    start = 500  # where this stretch of output began
    # After the crossfade every sample is the one of its place again.
    settled = out[-1000:]
    assert np.array_equal(settled, coded(start + 1000, 1000))
    (gap,) = s.gaps
    assert gap.samples is not None and gap.start == 0


def test_a_short_hole_is_a_short_silence_and_the_rest_stays_in_place() -> None:
    s = switch(stall_grace=1.0)
    s.push(coded(0, 500), at=0)
    s.push(coded(700, 800), at=700)  # places 500..700 never came (a reconnection)
    out = blocks(s, 1.5)
    assert np.array_equal(out[:500], coded(0, 500))
    assert np.all(out[500:700] == 0.0)
    assert np.array_equal(out[720:1500], coded(720, 780)), "resumed at its place (after a fade)"
    assert s.gaps == []


def test_the_station_s_silence_is_played_not_replaced() -> None:
    s = switch()
    for at in range(0, 15 * RATE, 500):  # 15 s of silence from the station
        s.push(np.zeros(500, dtype=np.float32), at=at)
        s.next_block(500)
    assert s.gaps == [] and s.state is State.UPSTREAM


def test_a_lost_stream_plays_what_came_then_the_fallback_at_its_place() -> None:
    s = switch()
    s.push(coded(0, 1300), at=0)
    blocks(s, 1.0)
    s.lost("ended", "Connection reset")
    out = blocks(s, 1.0)
    assert np.array_equal(out[:300], coded(1000, 300))
    assert np.all(out[300:] < 0)
    (gap,) = s.gaps
    assert gap.reason == "ended" and gap.start == 1300
