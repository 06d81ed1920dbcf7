"""The service's clock against ours (E-019), from the answers a run already has."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from harness.contract import Answer

from ._request import _date_s

NEAR_OFFSET_MS = 10_000  # a service clock this close to ours agrees with ours
AGREE_MS = 3_000  # result.timestamp and the Date header (whole seconds) agree within this
_MAX_ROUND_TRIP_MS = 4_000  # a sample's uncertainty is half its round trip: at most 2 s
_WINDOW_MS = 300_000


def _date_ms(headers: Mapping[str, str] | None) -> int | None:
    """The HTTP Date header (RFC 9110 5.6.7: the origin's clock, whole seconds, in any of its
    three forms: ``_request._date_s`` reads them) in epoch ms, the middle of its second; None when
    absent or not a date."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "date"), None)
    if not isinstance(value, str) or len(value) > 64:
        return None
    seconds = _date_s(value)
    if not 631_152_000 <= seconds < 253_402_300_800:  # 1990 to 9999 (NaN: not a date)
        return None
    return round(seconds * 1000) + 500


class ServiceClock:
    """The offset of the service's clock from ours (service minus local, ms), from two witnesses
    in its answers: JD's ``result.timestamp`` (:attr:`Answer.service_time_ms`, optional) and the
    HTTP Date header, each against the midpoint of the request's send and answer (the sample with
    the shortest round trip wins). A timestamp check closer to the window's edge than the skew
    between two clocks judges the clocks, not the service, so the near cases (5 min 45 s, FH-A14's
    270 s) are timed on :meth:`trusted_offset`: the service's clock when two witnesses agree on
    it (ours and result.timestamp within :data:`NEAR_OFFSET_MS`, or result.timestamp and Date
    within :data:`AGREE_MS` and within the window of ours: a clock further off would have refused
    our valid requests; with no result.timestamp, ours when Date is within :data:`AGREE_MS` and its
    round trip of it); otherwise the clocks are not known (:meth:`why_untrusted`)."""

    def __init__(self, window_ms: int = _WINDOW_MS) -> None:
        self._lock = threading.Lock()
        self._window_ms = window_ms
        self._best: tuple[float, int] | None = None  # (round trip ms, offset ms): the stamp's
        self._date: tuple[float, int] | None = None  # the same from the Date header

    def observe(
        self,
        answer: Answer | None,
        sent_ms: float,
        received_ms: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        trip = received_ms - sent_ms
        if not 0 <= trip <= _MAX_ROUND_TRIP_MS:
            return
        middle = (sent_ms + received_ms) / 2
        stamp = answer.service_time_ms if answer is not None else None
        date = _date_ms(headers)
        with self._lock:
            if stamp is not None and (self._best is None or trip < self._best[0]):
                self._best = (trip, round(stamp - middle))
            if date is not None and (self._date is None or trip < self._date[0]):
                self._date = (trip, round(date - middle))

    @property
    def offset_ms(self) -> int | None:
        """result.timestamp's offset, None without a sample."""
        return None if self._best is None else self._best[1]

    @property
    def date_offset_ms(self) -> int | None:
        """The Date header's offset (to about a second), None without one."""
        return None if self._date is None else self._date[1]

    def trusted_offset(self) -> int | None:
        """The service's clock when two witnesses agree on it (see the class), else None."""
        stamp, date = self.offset_ms, self.date_offset_ms
        if stamp is None:  # result.timestamp is optional: a Date on ours (to its round trip)
            near = self._date is not None and abs(self._date[1]) <= AGREE_MS + self._date[0]
            return 0 if near else None
        if abs(stamp) <= NEAR_OFFSET_MS:
            return stamp
        if date is not None and abs(stamp - date) <= AGREE_MS and abs(stamp) <= self._window_ms:
            return stamp
        return None

    def why_untrusted(self) -> str:
        """Why :meth:`trusted_offset` is None, in words for a report."""
        stamp, date = self.offset_ms, self.date_offset_ms
        if stamp is None:
            if date is None:
                return "no answer showed the service's clock (result.timestamp or a Date header)"
            return f"no result.timestamp, and the HTTP Date header is {date / 1000:+.1f} s off ours"
        said = f"result.timestamp is {stamp / 1000:+.1f} s off our clock"
        if date is None:
            return f"{said} and no HTTP Date header confirms it"
        if abs(stamp) > self._window_ms and abs(stamp - date) <= AGREE_MS:
            return f"{said}, beyond the window, though our requests were accepted"
        return f"{said}, the HTTP Date header {date / 1000:+.1f} s: they disagree"
