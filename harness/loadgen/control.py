"""Per-process run bounds: duration, request quota, error-spike abort, in-flight count.

Pure bookkeeping (no gevent), so it is shared by both load models and unit-testable.
The first send starts the clock; after that no new request starts once any bound is hit.
"""

from __future__ import annotations

import math
from collections import deque

STOP_DURATION = "duration"
STOP_MAX_REQUESTS = "max_requests"
STOP_ABORT = "aborted"
STOP_LOCUST = "stopped by locust"
STOP_RUN_TIME = "run-time limit"  # the master's run ended before this worker's schedule did
STOP_HEARTBEATS = "missed heartbeats"  # the master ended the run while it heard nothing from it
REPORT_WAIT_S = 5.0  # how long a master whose run ends waits for its workers' reports
FINISH_DRAIN_S = 2.0  # how long a worker told to report gives its in-flight requests


def planned_sends(rate: float, phase_s: float, duration_s: float, quota: int | None) -> int:
    """Number of slots with ``phase + i/rate < duration``, capped by the quota."""
    if rate <= 0 or phase_s >= duration_s:
        return 0
    count = math.ceil((duration_s - phase_s) * rate - 1e-9)
    return count if quota is None else min(count, quota)


class RunControl:
    """Decides whether one more request may start in this process."""

    def __init__(self, *, duration_s: float, quota: int | None) -> None:
        self.duration_s = duration_s
        self.quota = quota
        self.started_at: float | None = None
        self.deadline: float | None = None
        self.sent = 0
        self.inflight = 0
        self.stop_reason: str | None = None
        self.abort_reason: str | None = None

    def start(self, now: float) -> None:
        if self.started_at is None:
            self.started_at = now
            self.deadline = now + self.duration_s

    @property
    def stopping(self) -> bool:
        return self.stop_reason is not None

    def check(self, now: float) -> bool:
        """True if sending may continue; otherwise records why it may not."""
        if self.stop_reason is not None:
            return False
        if self.quota is not None and self.sent >= self.quota:
            self.stop_reason = STOP_MAX_REQUESTS
        elif self.deadline is not None and now >= self.deadline:
            self.stop_reason = STOP_DURATION
        return self.stop_reason is None

    def try_acquire(self, now: float) -> bool:
        """Closed model: claim one request slot (starting the clock on first use)."""
        self.start(now)
        if not self.check(now):
            return False
        self.sent += 1
        self.inflight += 1
        return True

    def begin(self) -> None:
        """Open model: a scheduled send is going out (bounds were checked by the schedule)."""
        self.sent += 1
        self.inflight += 1

    def release(self) -> None:
        self.inflight = max(0, self.inflight - 1)

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def abort(self, reason: str) -> None:
        if self.abort_reason is None:
            self.abort_reason = reason
        self.stop_reason = STOP_ABORT

    def finished(self) -> bool:
        return self.stopping and self.inflight == 0


class ErrorSpike:
    """Non-success fraction of the recent answers, judged at any request rate.

    The recent answers are those of the last ``window_s`` seconds (in 100 ms slots); when
    these are fewer than ``min_samples`` (a low rate, or a slow closed model), the last
    ``min_samples`` answers whenever they came. Nothing is judged before ``min_samples``
    answers. So a run at 2/s is judged on its last 10 answers (5 s), one at 0.1/s on its
    last 10 answers (100 s), one at 100/s on the last 5 s (500 answers).
    """

    SLOT_S = 0.1

    def __init__(self, *, threshold: float, window_s: float, min_samples: int) -> None:
        self.threshold = threshold
        self.window_slots = max(1, round(window_s / self.SLOT_S))
        self.min_samples = min_samples
        self._slots: deque[list[int]] = deque()  # [slot_index, total, errors]
        self._last: deque[bool] = deque(maxlen=min_samples)  # the last answers, error or not

    def add(self, now: float, is_error: bool) -> None:
        slot = int(now / self.SLOT_S)
        if not self._slots or self._slots[-1][0] != slot:
            self._slots.append([slot, 0, 0])
            if len(self._slots) > 2 * self.window_slots:
                self._slots.popleft()
        self._slots[-1][1] += 1
        self._slots[-1][2] += int(is_error)
        self._last.append(is_error)

    def check(self, now: float) -> str | None:
        """A one-line reason if the recent answers' error rate exceeds the threshold, else None."""
        oldest = int(now / self.SLOT_S) - self.window_slots
        while self._slots and self._slots[0][0] <= oldest:
            self._slots.popleft()
        total = sum(s[1] for s in self._slots)
        errors = sum(s[2] for s in self._slots)
        window = f"the last {self.window_slots * self.SLOT_S:g}s"
        if total < self.min_samples:  # a low rate: the last answers, however old
            total, errors = len(self._last), sum(self._last)
            window = f"the last {total} answers"
        if total < self.min_samples or errors / total <= self.threshold:
            return None
        return (
            f"error spike: {errors}/{total} non-success in {window} "
            f"({errors / total:.1%} > {self.threshold:.1%})"
        )
