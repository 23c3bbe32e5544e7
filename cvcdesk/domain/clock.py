"""Hybrid logical clock: wall time + counter + instance, monotonic even if the PC clock jumps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_WIDTH_MS = 15
_WIDTH_COUNTER = 6
_MAX_COUNTER = 10**_WIDTH_COUNTER - 1


@dataclass(frozen=True, order=True)
class Timestamp:
    wall_ms: int
    counter: int
    instance: str

    def encode(self) -> str:
        """A text form that sorts the same way as the timestamps themselves."""
        return f"{self.wall_ms:0{_WIDTH_MS}d}-{self.counter:0{_WIDTH_COUNTER}d}-{self.instance}"

    @classmethod
    def decode(cls, text: str) -> Timestamp:
        wall, counter, instance = text.split("-", 2)
        if (
            len(wall) != _WIDTH_MS
            or len(counter) != _WIDTH_COUNTER
            or not instance
            or not (wall + counter).isascii()
            or not (wall + counter).isdigit()
        ):
            raise ValueError(text)
        return cls(int(wall), int(counter), instance)


class HybridClock:
    """Issues timestamps that never go backwards and that move past any timestamp observed.

    `observe` is called with timestamps seen in partners' files, so a record edited here after
    an import always sorts after the version that was imported, even if this PC's clock is slow.
    """

    def __init__(
        self,
        instance: str,
        last: str | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._instance = instance
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._wall_ms = 0
        self._counter = 0
        if last:
            self.observe(last)

    @property
    def instance(self) -> str:
        return self._instance

    def now(self) -> str:
        with self._lock:
            physical = int(self._wall_clock() * 1000)
            if physical > self._wall_ms:
                self._wall_ms, self._counter = physical, 0
            elif self._counter < _MAX_COUNTER:
                self._counter += 1
            else:
                # The counter's width is fixed so the text form sorts; borrow a millisecond.
                self._wall_ms, self._counter = self._wall_ms + 1, 0
            return Timestamp(self._wall_ms, self._counter, self._instance).encode()

    def observe(self, remote: str) -> None:
        stamp = Timestamp.decode(remote)
        with self._lock:
            if (stamp.wall_ms, stamp.counter) > (self._wall_ms, self._counter):
                self._wall_ms, self._counter = stamp.wall_ms, stamp.counter

    def last(self) -> str:
        with self._lock:
            return Timestamp(self._wall_ms, self._counter, self._instance).encode()
