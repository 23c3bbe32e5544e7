"""The hybrid logical clock that orders every change, here and at partners."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvcdesk.domain.clock import HybridClock, Timestamp


class FakeWallClock:
    """A PC clock the test can set, including backwards."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self) -> float:
        return self.seconds


def _decoded(text: str) -> Timestamp:
    return Timestamp.decode(text)


def test_timestamps_strictly_increase_even_within_one_millisecond() -> None:
    wall = FakeWallClock(1_700_000_000.0)
    clock = HybridClock("pc-a", wall_clock=wall)
    stamps = [clock.now() for _ in range(50)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    assert {_decoded(s).wall_ms for s in stamps} == {1_700_000_000_000}


def test_timestamps_follow_the_wall_clock_when_it_moves_on() -> None:
    wall = FakeWallClock(1_700_000_000.0)
    clock = HybridClock("pc-a", wall_clock=wall)
    first = clock.now()
    wall.seconds += 2.5
    second = clock.now()
    assert _decoded(second).wall_ms == _decoded(first).wall_ms + 2500
    assert _decoded(second).counter == 0
    assert second > first


def test_timestamps_keep_increasing_when_the_pc_clock_goes_backwards() -> None:
    wall = FakeWallClock(1_700_000_000.0)
    clock = HybridClock("pc-a", wall_clock=wall)
    before = clock.now()
    wall.seconds -= 3600  # the clocks went back an hour
    after = [clock.now() for _ in range(5)]
    assert all(stamp > before for stamp in after)
    assert after == sorted(after)
    wall.seconds += 7200
    assert clock.now() > after[-1]


def test_encode_and_decode_round_trip() -> None:
    stamp = Timestamp(1_700_000_000_123, 42, "6f1c9a52-5d0e-4c55-9a43-0f3c8f1e2b10")
    text = stamp.encode()
    assert text == "001700000000123-000042-6f1c9a52-5d0e-4c55-9a43-0f3c8f1e2b10"
    assert Timestamp.decode(text) == stamp


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "1-2",
        "001700000000123-000042-",  # no instance
        "1700000000123-000042-pc",  # wall time not padded
        "001700000000123-42-pc",  # counter not padded
        "00170000000012a-000042-pc",
        "0017000_0000123-000042-pc",
        "+01700000000123-000042-pc",
    ],
)
def test_malformed_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Timestamp.decode(text)


def test_a_timestamp_from_a_partner_in_the_future_moves_the_clock_forward() -> None:
    wall = FakeWallClock(1_700_000_000.0)
    clock = HybridClock("pc-a", wall_clock=wall)
    local = clock.now()
    remote = Timestamp(1_700_000_000_000 + 86_400_000, 7, "pc-b").encode()  # a day ahead
    clock.observe(remote)
    edited = clock.now()
    assert edited > remote  # an edit after an import sorts after what was imported
    assert edited > local
    assert _decoded(edited).instance == "pc-a"
    assert clock.last() == edited


def test_an_old_remote_timestamp_does_not_move_the_clock_back() -> None:
    wall = FakeWallClock(1_700_000_000.0)
    clock = HybridClock("pc-a", wall_clock=wall)
    latest = clock.now()
    clock.observe(Timestamp(1_600_000_000_000, 0, "pc-b").encode())
    assert clock.last() == latest
    assert clock.now() > latest


def test_a_restarted_clock_carries_on_after_its_saved_last_value() -> None:
    wall = FakeWallClock(1_700_000_000.0)
    clock = HybridClock("pc-a", wall_clock=wall)
    for _ in range(3):
        saved = clock.now()
    wall.seconds -= 60  # the PC restarts with a slow clock
    restarted = HybridClock("pc-a", last=saved, wall_clock=wall)
    assert restarted.instance == "pc-a"
    assert restarted.now() > saved


def test_a_long_run_behind_a_future_timestamp_never_breaks_the_text_order() -> None:
    wall = FakeWallClock(1_700_000_000.0)
    clock = HybridClock("pc-a", wall_clock=wall)
    clock.observe(Timestamp(1_800_000_000_000, 999_990, "pc-b").encode())
    stamps = [clock.now() for _ in range(30)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    decoded = [Timestamp.decode(s) for s in stamps]  # every one is still readable
    assert decoded == sorted(decoded)


def test_the_clock_is_safe_to_share_between_threads() -> None:
    import threading

    clock = HybridClock("pc-a", wall_clock=FakeWallClock(1_700_000_000.0))
    results: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [clock.now() for _ in range(200)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 800


_STAMPS = st.builds(
    Timestamp,
    wall_ms=st.integers(0, 10**15 - 1),
    counter=st.integers(0, 10**6 - 1),
    instance=st.sampled_from(["pc-a", "pc-b", "6f1c9a52-5d0e-4c55-9a43-0f3c8f1e2b10", "a"]),
)


@settings(deadline=None)  # shared build machines: no timing limits
@given(_STAMPS, _STAMPS)
def test_text_forms_sort_in_the_same_order_as_the_timestamps(a: Timestamp, b: Timestamp) -> None:
    assert (a.encode() < b.encode()) == (a < b)
    assert (a.encode() == b.encode()) == (a == b)
    assert Timestamp.decode(a.encode()) == a


@settings(deadline=None)  # shared build machines: no timing limits
@given(st.lists(st.floats(0, 2_000_000_000, allow_nan=False), min_size=1, max_size=40))
def test_timestamps_increase_whatever_the_wall_clock_does(readings: list[float]) -> None:
    wall = FakeWallClock(readings[0])
    clock = HybridClock("pc-a", wall_clock=wall)
    previous = ""
    for reading in readings:
        wall.seconds = reading
        stamp = clock.now()
        assert stamp > previous
        previous = stamp
