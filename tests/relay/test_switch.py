"""The relay's switch between the upstream and the fallback, driven sample by sample."""

from __future__ import annotations

import numpy as np

from broadcast.relay.switch import RelaySwitch, State

RATE = 1000  # small rate: the rules are in seconds, the arithmetic stays readable
BLOCK = 20


def tone(seconds: float, level: float = 0.5) -> np.ndarray:
    return np.full(int(seconds * RATE), level, dtype=np.float32)


FALLBACK = np.full(3 * RATE, -0.25, dtype=np.float32)  # recognisable: negative


def run(switch: RelaySwitch, seconds: float, feed: float | None = None) -> np.ndarray:
    """Ask for ``seconds`` of output; with ``feed``, push that level in real time meanwhile."""
    out = []
    for _ in range(int(seconds * RATE) // BLOCK):
        if feed is not None:
            switch.push(np.full(BLOCK, feed, dtype=np.float32))
        out.append(switch.next_block(BLOCK))
    return np.concatenate(out)


def connected_switch(**kw: float) -> RelaySwitch:
    switch = RelaySwitch(RATE, FALLBACK, **kw)
    switch.up()
    switch.push(tone(1.0))
    return switch


def test_upstream_plays_from_the_first_sample_with_the_queue_trimmed_to_the_target():
    switch = connected_switch()
    switch.push(tone(3.0, 0.4))  # a burst on connect: 4 s queued
    out = run(switch, 1.0, feed=0.4)
    assert np.all(out == 0.4), "the newest upstream audio, not the burst's start"
    assert switch.state is State.UPSTREAM and switch.gaps == []
    assert abs(switch.queue.size - 0.75 * RATE) <= BLOCK


def test_a_lost_upstream_plays_out_what_it_sent_then_the_fallback_at_once():
    switch = connected_switch()
    run(switch, 1.0, feed=0.5)
    queued = switch.queue.size
    switch.lost("ended", "Input/output error")
    out = run(switch, 2.0)
    first_fallback = int(np.argmax(out < 0))
    assert first_fallback == queued, "no gap of silence between upstream and fallback"
    assert np.all(out[:queued] == 0.5)
    assert switch.state is State.FALLBACK
    (gap,) = switch.gaps
    assert gap.reason == "ended" and "Input/output error" in gap.message
    assert gap.start == RATE + queued and gap.samples is None


def test_it_returns_with_a_crossfade_when_the_upstream_is_back_and_closes_the_gap():
    switch = connected_switch()
    switch.lost("ended")
    run(switch, 2.0)
    switch.lost("connect_failed", "404")  # a failed retry keeps the outage's first cause
    switch.up()
    out = run(switch, 2.0, feed=0.5)
    assert switch.state is State.UPSTREAM
    (gap,) = switch.gaps
    assert gap.reason == "ended" and gap.samples is not None
    # Fallback, then a ramp (neither level), then only the upstream.
    assert out[0] < 0 and np.all(out[-RATE // 2 :] == 0.5)
    mixed = out[(out > -0.25) & (out < 0.5)]
    assert len(mixed) >= 0.4 * RATE, "a crossfade, not a cut"


def test_a_stall_waits_a_little_in_silence_then_covers_with_the_fallback():
    switch = connected_switch(stall_grace=1.5)
    run(switch, 1.0, feed=0.5)
    out = run(switch, 4.0)  # nothing arrives, the connection still open
    silent = np.flatnonzero(out == 0)
    assert len(silent) and np.all(out[silent[-1] + 1 :] < 0)
    hold = len(silent) / RATE
    assert 1.4 <= hold <= 1.6, hold
    assert switch.gaps[0].reason == "stalled"


def test_a_short_hiccup_resumes_the_upstream_without_the_fallback():
    switch = connected_switch()
    run(switch, 1.0, feed=0.5)
    run(switch, 1.0)  # dry for 0.25 s after the queue: silence only
    switch.push(tone(0.8))
    out = run(switch, 0.5, feed=0.5)
    assert switch.gaps == [] and np.all(out >= 0)


def test_ten_seconds_of_upstream_silence_bring_the_fallback_and_sound_brings_it_back():
    switch = connected_switch(silence_limit=10.0)
    run(switch, 1.0, feed=0.5)
    out = run(switch, 12.0, feed=0.0)
    assert np.any(out < 0) and switch.gaps[0].reason == "silence"
    assert switch.state is State.FALLBACK
    run(switch, 2.0, feed=0.5)
    assert switch.state is State.UPSTREAM and switch.gaps[0].samples is not None


def test_never_connected_is_covered_from_the_first_sample_and_finish_closes_the_gap():
    switch = RelaySwitch(RATE, FALLBACK)
    switch.lost("connect_failed", "Connection refused")
    out = run(switch, 5.0)
    assert np.all(out[BLOCK:] < 0)
    (gap,) = switch.finish()
    assert (gap.start, gap.samples, gap.reason) == (0, 5 * RATE, "connect_failed")
    assert switch.relayed == 0
