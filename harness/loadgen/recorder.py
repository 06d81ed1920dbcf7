"""Per-process bookkeeping: run bounds and measurements (totals, HDR histograms, one-second
rows), pure Python. Times are mapped to wall-clock seconds so processes' rows line up; the
run's histogram is the sum of the seconds', so a request costs two HDR records, not three.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from harness.loadgen import hdr
from harness.loadgen.classify import BUSINESS_FAILURE, SUCCESS

STOP_DURATION = "duration"
STOP_MAX_REQUESTS = "max_requests"
STOP_ABORT = "aborted"
STOP_LOCUST = "stopped by locust"
STOP_RUN_TIME = "run-time limit"  # the master's run ended before this worker's schedule did
STOP_HEARTBEATS = "missed heartbeats"  # the master ended the run while it heard nothing from it
REPORT_WAIT_S = 5.0  # how long a master whose run ends waits for silent workers' reports
REPORT_WAIT_MAX_S = 15.0  # ... and for workers it still hears from (a busy machine's are slow)
FINISH_DRAIN_S = 2.0  # how long a worker told to report gives its in-flight requests


def planned_sends(rate: float, phase_s: float, duration_s: float, quota: int | None) -> int:
    if rate <= 0 or phase_s >= duration_s:
        return 0
    count = math.ceil((duration_s - phase_s) * rate - 1e-9)
    return count if quota is None else min(count, quota)


class RunControl:
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

    @property
    def used_up(self) -> bool:
        return self.quota is not None and self.sent >= self.quota

    def check(self, now: float) -> bool:
        if self.stop_reason is not None:
            return False
        if self.used_up:
            self.stop_reason = STOP_MAX_REQUESTS
        elif self.deadline is not None and now >= self.deadline:
            self.stop_reason = STOP_DURATION
        return self.stop_reason is None

    def try_acquire(self, now: float) -> bool:
        self.start(now)
        if not self.check(now):
            return False
        self.begin()
        return True

    def begin(self) -> None:
        self.sent += 1
        self.inflight += 1

    def release(self) -> None:
        self.inflight = max(0, self.inflight - 1)

    def more(self) -> bool:
        """Claim the budget for a request sent first in a slot; False (and stop) without room."""
        if self.used_up:
            self.stop(STOP_MAX_REQUESTS)
            return False
        self.sent += 1
        return True

    def unclaim(self) -> None:
        self.sent = max(0, self.sent - 1)

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def abort(self, reason: str) -> None:
        if self.abort_reason is None:
            self.abort_reason = reason
        self.stop_reason = STOP_ABORT


class ErrorSpike:
    """Non-success fraction of the recent answers, judged at any request rate: those of the last
    ``window_s`` seconds (100 ms slots), or the last ``min_samples`` answers when these are fewer
    (docs/load.md, "Safety defaults for live targets")."""

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


_ROW_FIELDS = ("sec", "offered", "sent", "late", "dropped", "completed")  # a row's order


@dataclass
class _Interval:
    sec: int
    offered: int = 0
    sent: int = 0
    late: int = 0
    dropped: int = 0
    completed: int = 0
    late_max_s: float = 0.0  # the latest send's lateness (a slow start's clump: its span)
    by_class: Counter[str] = field(default_factory=Counter)
    err_codes: Counter[str] = field(default_factory=Counter)
    hist: HdrHistogram | None = None

    def row(self, proc: str) -> dict[str, Any]:
        hist = hdr.encode(self.hist) if self.hist is not None else None
        counters = {"by_class": dict(self.by_class), "err_codes": dict(self.err_codes)}
        return (
            {"proc": proc}
            | {f: getattr(self, f) for f in _ROW_FIELDS}
            | counters
            | {"hist": hist}
            | {"late_max_s": round(self.late_max_s, 6)}
        )


class Recorder:
    def __init__(
        self,
        *,
        proc: str,
        late_s: float,
        spike: ErrorSpike | None = None,
        origin: tuple[float, float] | None = None,
    ) -> None:
        self.proc = proc
        self.late_s = late_s
        self.spike = spike
        perf0, wall0 = origin if origin is not None else (time.perf_counter(), time.time())
        self._wall_offset = wall0 - perf0
        self.latency = hdr.new_histogram()
        self.service = hdr.new_histogram()
        self.totals: Counter[str] = Counter()
        self.by_class: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.err_codes: Counter[str] = Counter()
        # per request name (operation): answers, by class, and errors by code; a limit search of a
        # mix reads which API (credential) was refused from these, not from Locust's error text
        self.names: dict[str, dict[str, Counter[str]]] = {}
        self.first_intended: float | None = None
        self.last_done: float | None = None
        self.harness_error_sample: str | None = None
        self._open: dict[int, _Interval] = {}
        self._last: _Interval = _Interval(-1)  # the second most recently looked up
        self._cutoff = -1  # due_rows's last cutoff second

    def wall(self, t: float) -> float:
        return t + self._wall_offset

    def _interval(self, t: float) -> _Interval:
        sec = int(t + self._wall_offset)
        if self._last.sec != sec:
            if (interval := self._open.get(sec)) is None:
                interval = self._open[sec] = _Interval(sec)
            self._last = interval
        return self._last

    def _emit(self, sec: int) -> dict[str, Any]:
        interval = self._open.pop(sec)
        if interval is self._last:
            self._last = _Interval(-1)
        if interval.hist is not None:
            self.latency.add(interval.hist)
        return interval.row(self.proc)

    def offered(self, intended: float) -> None:
        if self.first_intended is None:
            self.first_intended = intended
        self.totals["offered"] += 1
        self._interval(intended).offered += 1

    def dropped(self, intended: float) -> None:
        self.totals["dropped"] += 1
        self._interval(intended).dropped += 1

    def dropped_slots(self, first: float, step: float, n: int) -> None:
        """``n`` slots from ``first``, ``step`` s apart, offered and dropped at once, each in its
        second (one pass per second, not per slot: a schedule left behind at the run's end)."""
        if n <= 0:
            return
        if self.first_intended is None:
            self.first_intended = first
        self.totals["offered"] += n
        self.totals["dropped"] += n
        i = 0
        while i < n:
            t = first + i * step
            sec = int(t + self._wall_offset)
            past = math.ceil((sec + 1 - self._wall_offset - first) / step) if step > 0 else n
            j = min(n, max(i + 1, past))  # the first slot of a later second (at least one on)
            interval = self._interval(t)
            interval.offered += j - i
            interval.dropped += j - i
            i = j

    def sent(self, intended: float, sent: float) -> None:
        interval = self._interval(sent)
        interval.sent += 1
        self.totals["sent"] += 1
        if sent - intended > self.late_s:
            interval.late += 1
            interval.late_max_s = max(interval.late_max_s, sent - intended)
            self.totals["late"] += 1

    def done(
        self, intended: float, sent: float, done: float, klass: str, code: str, name: str = ""
    ) -> None:
        interval = self._interval(done)
        if interval.hist is None:
            interval.hist = hdr.new_histogram()
        if not hdr.record_seconds(interval.hist, done - intended):
            self.totals["clamped"] += 1
        hdr.record_seconds(self.service, done - sent)
        interval.completed += 1
        interval.by_class[klass] += 1
        self.totals["completed"] += 1
        self.by_class[klass] += 1
        self.codes[code] += 1
        is_error = klass != SUCCESS
        named = self.names.get(name)
        if named is None:
            named = self.names[name] = {"by_class": Counter(), "err_codes": Counter()}
        named["by_class"][klass] += 1
        if is_error:
            interval.err_codes[code] += 1
            self.err_codes[code] += 1
            named["err_codes"][code] += 1
        if self.spike is not None:  # a "no match" verdict is a served request, not a spike
            self.spike.add(done, is_error and klass != BUSINESS_FAILURE)
        self.last_done = done if self.last_done is None else max(self.last_done, done)

    def unsent(self) -> None:
        self.totals["unsent"] += 1

    def harness_error(self, message: str) -> None:
        self.totals["harness_errors"] += 1
        if self.harness_error_sample is None:
            self.harness_error_sample = message[:500]

    def due_rows(self, now: float, grace_s: float = 1.0) -> list[dict[str, Any]]:
        """Rows for seconds ended ``grace_s`` ago (a late event makes another row: merging sums)."""
        cutoff = int(self.wall(now) - grace_s)
        if cutoff == self._cutoff:
            return []
        self._cutoff = cutoff
        due = sorted(sec for sec in self._open if sec < cutoff)
        return [self._emit(sec) for sec in due]

    def all_rows(self) -> list[dict[str, Any]]:
        return [self._emit(sec) for sec in sorted(self._open)]

    def summary(self) -> dict[str, Any]:
        latency = self.latency
        if pending := [i.hist for i in self._open.values() if i.hist is not None]:
            latency = hdr.new_histogram()
            for hist in (self.latency, *pending):
                latency.add(hist)
        return {
            "proc": self.proc,
            "totals": dict(self.totals),
            "by_class": dict(self.by_class),
            "codes": dict(self.codes),
            "err_codes": dict(self.err_codes),
            "names": {n: {k: dict(c) for k, c in v.items()} for n, v in self.names.items()},
            "latency_hist": hdr.encode(latency),
            "service_hist": hdr.encode(self.service),
            "first_intended_wall": None
            if self.first_intended is None
            else self.wall(self.first_intended),
            "last_done_wall": None if self.last_done is None else self.wall(self.last_done),
            "harness_error_sample": self.harness_error_sample,
        }
