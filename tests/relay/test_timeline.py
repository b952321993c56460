"""Which stream sample each decoded sample is: a slip of the container's timestamps (an Ogg
stream joined in the middle) re-anchors, a jump is a discontinuity."""

from __future__ import annotations

from broadcast.relay.timeline import StreamTimeline


def test_samples_follow_the_first_frame_s_timestamp() -> None:
    t = StreamTimeline(48_000)
    assert t.first_index is None and t.pieces(0, 1) is None
    t.frame(96_000, 48_000, 1024)
    t.frame(97_024, 48_000, 1024)
    assert t.first_index == 96_000
    assert t.pieces(0, 2048) == [(0, 2048, 96_000)]
    assert t.pieces(1000, 1049) is None, "beyond what the frames account for"


def test_a_slip_is_placed_by_the_new_timestamp() -> None:
    # Joined mid-stream: the first page's packets end 448 samples before the next page's
    # granule position says the next packet begins (seen with Icecast's burst).
    t = StreamTimeline(48_000)
    t.frame(1_047_104, 48_000, 1024)  # ends at 1_048_128
    t.frame(1_048_576, 48_000, 1024)
    assert not t.discontinuity and t.slips == 1
    assert t.pieces(1000, 48) == [(0, 24, 1_048_104), (24, 24, 1_048_576)]


def test_a_jump_is_a_discontinuity_and_other_rates_are_scaled() -> None:
    t = StreamTimeline(48_000)
    t.frame(0, 44_100, 441)  # 10 ms at 44.1 kHz: 480 samples at 48 kHz
    t.frame(441, 44_100, 441)
    assert t.covered == 960 and t.pieces(0, 960) == [(0, 960, 0)]
    t.frame(441 + 441 + 44_100, 44_100, 441)  # a second further: not one stream any more
    assert t.discontinuity
