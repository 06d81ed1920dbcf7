"""Request pacing and budgets for runs against metered, rate-limited services.

Both take the clock (and the sleep) as arguments so tests run on a fake clock in no time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ..errors import UsageError

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class RateLimiter:
    """Spaces calls at least ``1 / max_rps`` seconds apart (no bursts).

    Accuracy runs are long and sequential; steady spacing keeps them under a service's QPS
    limit without triggering its throttling, which would show up as errors, not accuracy.
    ``max_rps=None`` disables pacing.
    """

    def __init__(
        self,
        max_rps: float | None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if max_rps is not None and not (math.isfinite(max_rps) and max_rps > 0):
            raise UsageError(
                f"max_rps must be a positive number of requests per second, got {max_rps}"
            )
        self._interval = 0.0 if max_rps is None else 1.0 / max_rps
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        """Block until the next call is allowed, then reserve its slot."""
        if self._interval == 0.0:
            return
        now = self._clock()
        if self._next is not None and now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


class RequestBudget:
    """Caps one invocation's calls and wall time so a run is bounded, then resumable.

    Cached pairs cost nothing and are not counted. When the budget is spent the run stops
    cleanly; what was done is in the cache and the next invocation continues from there.
    """

    def __init__(
        self,
        *,
        max_requests: int | None = None,
        max_seconds: float | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        if max_requests is not None and max_requests < 0:
            raise UsageError(f"max_requests must be 0 or more, got {max_requests}")
        if max_seconds is not None and not max_seconds > 0:
            raise UsageError(f"max_seconds must be positive, got {max_seconds}")
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self._clock = clock
        self._started: float | None = None
        self.used = 0

    def allows(self) -> bool:
        """Whether one more call fits; the wall-time clock starts at the first question."""
        now = self._clock()
        if self._started is None:
            self._started = now
        if self.max_requests is not None and self.used >= self.max_requests:
            return False
        return self.max_seconds is None or now - self._started < self.max_seconds

    def spend(self) -> None:
        self.used += 1
