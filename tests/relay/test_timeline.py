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


def test_after_two_slips_each_run_is_placed_by_its_own_anchor() -> None:
    t = StreamTimeline(48_000)
    t.frame(1_000, 48_000, 100)  # output 0..100 -> 1_000..
    t.frame(1_200, 48_000, 100)  # a slip of +100: output 100..200 -> 1_200..
    t.frame(1_300, 48_000, 100)  # follows the second anchor: no new slip
    t.frame(1_350, 48_000, 100)  # a slip of -50: output 300..400 -> 1_350..
    assert t.slips == 2 and not t.discontinuity
    assert t.first_index == 1_000, "the first output sample keeps its first anchor"
    assert t.pieces(50, 300) == [(0, 50, 1_050), (50, 200, 1_200), (250, 50, 1_350)]
    # Starting exactly where an anchor begins: no empty run before it.
    assert t.pieces(100, 50) == [(0, 50, 1_200)]
    assert t.pieces(300, 100) == [(0, 100, 1_350)]


def test_a_jump_of_exactly_the_limit_is_still_a_slip() -> None:
    t = StreamTimeline(48_000, max_jump_seconds=0.5)
    t.frame(0, 48_000, 480)
    t.frame(480 + 24_000, 48_000, 480)  # exactly 0.5 s off
    assert not t.discontinuity and t.slips == 1
    t.frame(480 + 24_000 + 480 + 24_001, 48_000, 480)  # one sample more: another stream
    assert t.discontinuity


def test_frames_without_a_time_base_count_in_output_samples() -> None:
    t = StreamTimeline(48_000)
    t.frame(10, 0, 100)
    assert t.first_index == 10 and t.covered == 100
