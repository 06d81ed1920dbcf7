"""Pacing and budgets for every suite but load, 0 meaning unlimited: requests evenly spaced (a
burst would meet a metered service's QPS limit, not what a suite measures), every run bounded."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from harness import interrupt
from harness.errors import UsageError

Clock = Callable[[], float]
Sleep = Callable[[float], None]


MAX_SECONDS = 7 * 86_400  # the longest wait or time budget: every timer underneath holds a week
# the slowest pace: one request a week (review of session 27: --max-rps 1e-300 overflowed sleep,
# 1e-5 waited a day between requests past any time budget)
MIN_RPS = 1 / MAX_SECONDS


def check_max_rps(max_rps: float) -> float:
    """``max_rps`` when it is a pace this module keeps: 0 (unlimited) or from :data:`MIN_RPS`."""
    if not (math.isfinite(max_rps) and (max_rps == 0 or MIN_RPS <= max_rps)):
        raise UsageError(
            f"--max-rps {max_rps:g}: expected requests per second >= 0 (0: unlimited), else at "
            f"least {MIN_RPS:.3g} (one request in {MAX_SECONDS} s)"
        )
    return max_rps


PACE_SAMPLE = 3  # answers a phase gets before its pace is read (Budget.request_seconds)


class BudgetExhausted(BaseException):
    """The budget is spent or the run interrupted: a ``BaseException``, so hypothesis does not take
    it for a failing example and a check's ``except Exception`` does not swallow it."""


class Pacer:
    """At most ``max_rps`` requests per second, evenly spaced; ``0`` means no limit. Thread-safe.
    ``budget``: the run's; no wait outlasts its time (:meth:`wait`)."""

    def __init__(
        self,
        max_rps: float = 0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        budget: Budget | None = None,
    ) -> None:
        check_max_rps(max_rps)
        self.interval = 1.0 / max_rps if max_rps else 0.0
        self.clock, self.sleep, self.budget = clock, sleep, budget
        self._next: float | None = None
        self._together = 0  # requests of a burst (:meth:`burst`) still free to go at once
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request may go, and reserve its slot. A wait past the budget's
        time sleeps only what is left of it, then raises :class:`BudgetExhausted` (review of
        session 27: --max-rps 0.01 --max-seconds 10 ran 110 s)."""
        if not self.interval:
            return
        with self._lock:
            if self._together > 0:  # one of a burst, whose slots are reserved
                self._together -= 1
                return
            now = self.clock()
            start = now if self._next is None else max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep_within_budget(start - now)

    def _sleep_within_budget(self, pause: float) -> None:
        left = None if self.budget is None else self.budget.seconds_left()
        if left is None or pause < left:
            self.sleep(pause)
            return
        self.sleep(max(0.0, left))
        assert self.budget is not None
        self.budget.check()  # the time is spent: it says whose (the run's or a phase's share)
        raise BudgetExhausted("time budget spent")

    def most_together(self) -> int:
        """The most requests :meth:`burst` may send at once: a second's worth (0: unpaced, no
        limit; 1: no burst fits the pace)."""
        return int(1 / self.interval + 1e-9) if self.interval else 0

    @contextmanager
    def burst(self, n: int) -> Iterator[None]:
        """Let ``n`` requests (at most :meth:`most_together`) go at once, within the pace: they
        wait until ``n - 1`` slots went unused and leave ``n`` unused after them, so no second
        holds more than ``max_rps`` requests and the average is kept. In the block, ``n`` calls
        of :meth:`wait` return at once. A burst that comes first takes now as the last request
        (another sender's at the same pace may have sent just before), so it waits ``n`` slots."""
        if not self.interval:
            yield
            return
        if not 1 <= n <= self.most_together():
            raise ValueError(f"a burst of {n} does not fit {1 / self.interval:g} requests/s")
        with self._lock:
            now = self.clock()
            slot = now + self.interval if self._next is None else self._next  # the next free one
            start = max(now, slot + (n - 1) * self.interval)
            self._next = start + n * self.interval
        if start > now:
            self._sleep_within_budget(start - now)
        with self._lock:
            self._together = n
        try:
            yield
        finally:
            with self._lock:
                self._together = 0


class Budget:
    """A run's requests and wall time (from the first ask); :meth:`share` caps a phase's part."""

    def __init__(
        self, max_requests: int = 0, max_seconds: float = 0, *, clock: Clock = time.monotonic
    ) -> None:
        if max_requests < 0:
            raise UsageError(
                f"--max-requests {max_requests}: expected 0 (unlimited) or a positive budget"
            )
        if not (math.isfinite(max_seconds) and max_seconds >= 0):
            raise UsageError(
                f"--max-seconds {max_seconds:g}: expected a positive number of seconds (0: "
                "unlimited)"
            )
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.clock = clock
        self.started: float | None = None
        self.used = 0
        self._ceiling: int | None = None  # the current phase's share, as a total
        self._until: float | None = None  # the current phase's time share ends (clock time)
        self._keep = 0  # requests whose time the current phase leaves to the next ...
        self._shared: float | None = None  # ... before this clock time (their shared part's end)
        self._pace = 0.0  # the client's seconds between requests in the current phase
        self._answers = (0.0, 0)  # its answers' seconds, in all, and how many
        self._lock = threading.Lock()

    def share(self, requests: int | None) -> None:
        """Let the next phase send at most ``requests`` more (None: the rest of the budget)."""
        self._ceiling = None if requests is None else self.used + requests

    def share_time(
        self, seconds: float | None, *, keep: int = 0, of: float | None = None, pace: float = 0.0
    ) -> None:
        """Let the next phase run at most ``seconds`` more of wall time (None: the rest of the
        run's), so one phase cannot spend the time the next one needs. ``keep``: requests whose
        time (:meth:`request_seconds`) it leaves to the phase after it within the ``of`` seconds
        they share: a slow target's engine stops in time for the probes that follow it.
        ``pace``: the client's seconds between requests (``1 / max_rps``; 0: unpaced)."""
        now = self.clock()
        self._until = None if seconds is None else now + seconds
        self._shared = None if of is None else now + of
        self._keep, self._pace = (keep if of is not None else 0), pace
        with self._lock:
            self._answers = (0.0, 0)

    def answered(self, seconds: float) -> None:
        """One answer came after ``seconds``: the phase's pace is read from them."""
        with self._lock:
            total, count = self._answers
            self._answers = (total + seconds, count + 1)

    def request_seconds(self, least: int = PACE_SAMPLE) -> float | None:
        """A request's time in this phase: the target's mean answer time, or the client's pace if
        longer (the engine's own work, generating cases, is no request's); None before ``least``
        answers."""
        total, count = self._answers
        return max(self._pace, total / count) if count >= max(1, least) else None

    def seconds_left(self) -> float | None:
        """Wall time left, of the run's and the phase's share (None: unlimited)."""
        now = self.clock()
        limits = [] if self._until is None else [self._until - now]
        if self._shared is not None:  # nothing kept until the phase's pace is known
            limits.append(self._shared - now - self._keep * (self.request_seconds() or 0.0))
        if self.max_seconds:
            if self.started is None:
                self.started = now
            limits.append(self.max_seconds - (now - self.started))
        return min(limits) if limits else None

    def requests_left(self) -> int | None:
        """Requests this phase may still send (None: unlimited)."""
        limits = [x for x in (self.max_requests or None, self._ceiling) if x is not None]
        return max(0, min(limits) - self.used) if limits else None

    def why_not(self, needed: int = 1) -> str | None:
        """Why ``needed`` more requests do not fit (None: they do)."""
        left = self.seconds_left()
        if left is not None and left <= 0:
            whole = f"time budget of {self.max_seconds:g} s" if self.max_seconds else "time budget"
            return (
                f"{whole} spent"
                if self._run_time_spent()
                else f"this phase's share of the {whole} spent"
            )
        requests = self.requests_left()
        if requests is not None and needed > requests:
            return f"request budget of {self.max_requests or self._ceiling} spent"
        if self.started is None:
            self.started = self.clock()
        return None

    def _run_time_spent(self) -> bool:
        return (
            bool(self.max_seconds)
            and self.started is not None
            and (self.clock() - self.started >= self.max_seconds)
        )

    def allows(self, needed: int = 1) -> bool:
        return self.why_not(needed) is None

    def check(self, needed: int = 1) -> None:
        """Raise :class:`BudgetExhausted` when interrupted or ``needed`` more do not fit."""
        if interrupt.requested():
            raise BudgetExhausted("the run was interrupted")
        if (why := self.why_not(needed)) is not None:
            raise BudgetExhausted(why)

    def spend(self, n: int = 1) -> None:
        with self._lock:
            self.used += n
