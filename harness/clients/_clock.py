"""The service's clock against ours (E-019), from the answers a run already has."""

from __future__ import annotations

import threading

from harness.contract import Answer

NEAR_OFFSET_MS = 10_000  # a service clock this close to ours is trusted for the 5 min 45 s cases
_MAX_ROUND_TRIP_MS = 4_000  # a sample's uncertainty is half its round trip: at most 2 s


class ServiceClock:
    """The offset of the service's clock from ours (service minus local, ms), estimated from
    JD's ``result.timestamp`` (:attr:`Answer.service_time_ms`) against the midpoint of the
    request's send and answer; the sample with the shortest round trip wins. A timestamp check
    closer to the window's edge than the skew between two clocks judges the clocks, not the
    service: the 5 min 45 s cases are sent on this clock, and only when it is known and within
    :data:`NEAR_OFFSET_MS` of ours (a service whose result.timestamp is far off may stamp it
    from another clock than its window's); FH-A14's cases inside the window are sent on it at any
    offset up to the window (``Auth.apply``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._best: tuple[float, int] | None = None  # (round trip ms, offset ms)

    def observe(self, answer: Answer | None, sent_ms: float, received_ms: float) -> None:
        stamp = answer.service_time_ms if answer is not None else None
        trip = received_ms - sent_ms
        if stamp is None or not 0 <= trip <= _MAX_ROUND_TRIP_MS:
            return
        sample = (trip, round(stamp - (sent_ms + received_ms) / 2))
        with self._lock:
            if self._best is None or trip < self._best[0]:
                self._best = sample

    @property
    def offset_ms(self) -> int | None:
        """The estimate, None without a sample."""
        return None if self._best is None else self._best[1]

    def near_offset(self) -> int | None:
        """The estimate when known and within :data:`NEAR_OFFSET_MS` of ours, else None."""
        offset = self.offset_ms
        return offset if offset is not None and abs(offset) <= NEAR_OFFSET_MS else None
