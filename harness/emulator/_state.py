"""Run-time state of one emulator. Every store has a cap and an eviction rule, and no loop under
the lock is unbounded (a spinning holder starves the event loop: no answer, SIGTERM ignored).
LiveCodes are 4 digits until half that space is live, then 6 (E-032); expired ones are kept a
while to answer "expired". Quotas and buckets are keyed by configured credentials only."""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.errors import SpecError

MAX_LIVE_CODES = 100_000  # ~22 MB of codes; 833 codes/s sustained at the default 120 s lifetime
CROWDED = 0.5  # a width's space is crowded when half of it is live
DRAWS = 32  # random draws per width: at most half taken, so 2**-32 to miss them all
RETIRED_KEEP_S = 3600.0
MAX_RETIRED_CODES = 10_000
MAX_JOBS = 10_000
MAX_PENDING_JOBS = 256
MAX_BUCKETS = 4096
TRACE_WRAP = 10**8


def live_code_widths(pattern: str) -> tuple[int, ...]:
    """The digit counts a liveCode pattern allows, shortest first: ``^[0-9]{4,6}$`` -> (4, 6)."""
    m = re.fullmatch(r"\^(?:\[0-9\]|\\d)\{(\d+)(?:,(\d+))?\}\$", pattern)
    if not m:
        raise SpecError(
            f"LiveCode pattern {pattern!r}: the emulator issues codes for a digit run "
            "like ^[0-9]{4,6}$ only"
        )
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if not 1 <= lo <= hi <= 18:
        raise SpecError(f"LiveCode pattern {pattern!r}: digit counts out of range")
    return (lo,) if lo == hi else (lo, hi)


@dataclass(slots=True)
class LiveCode:
    expires_at: float
    used: bool = False
    trace: str = ""  # the traceNo validateData gave with it (E-068's other reading answers it)


@dataclass
class AsyncJob:
    expires_at: float
    envelope: dict[str, Any] | None = None  # None while processing


@dataclass
class State:
    clock: Callable[[], float] = time.monotonic
    seed: int = 0
    live_code_widths: tuple[int, ...] = (4, 6)
    max_live_codes: int = MAX_LIVE_CODES
    max_jobs: int = MAX_JOBS
    max_pending_jobs: int = MAX_PENDING_JOBS
    jobs: OrderedDict[str, AsyncJob] = field(default_factory=OrderedDict)  # by traceNo, oldest 1st
    remaining: dict[str, int] = field(default_factory=dict)  # appkey -> remainTimes
    # token buckets: [tokens, stamp, rate], holding one second's worth (at least one token)
    buckets: OrderedDict[str, list[float]] = field(default_factory=OrderedDict)
    requests: Counter[str] = field(default_factory=Counter)  # operation -> count
    codes: Counter[str] = field(default_factory=Counter)  # "api:where:code" -> count
    in_flight: int = 0
    started_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._trace = itertools.count(1)
        self.lock = threading.Lock()
        self._live: OrderedDict[str, LiveCode] = OrderedDict()  # unexpired (lazily), issue order
        self._retired: OrderedDict[str, LiveCode] = OrderedDict()  # expired, kept to say so
        self._live_by_width: Counter[int] = Counter()
        self.pending_jobs = 0

    def trace_no(self) -> str:
        return f"{int(time.time() * 1000)}{next(self._trace) % TRACE_WRAP:08d}"

    def allow(self, key: str, rate: float) -> bool:
        if rate <= 0:
            return True
        with self.lock:
            now, capacity = self.clock(), max(1.0, rate)
            bucket = self.buckets.get(key)
            if bucket is None or bucket[2] != rate:
                bucket = self.buckets[key] = [capacity, now, rate]
                while len(self.buckets) > MAX_BUCKETS:
                    self.buckets.popitem(last=False)
            self.buckets.move_to_end(key)
            tokens = min(capacity, bucket[0] + (now - bucket[1]) * rate)
            bucket[:2] = (tokens - 1.0 if tokens >= 1.0 else tokens), now
            return tokens >= 1.0

    def issue_live_code(self, ttl_s: float, trace: str = "") -> str | None:
        """A fresh code, or None when ``max_live_codes`` are live (the caller answers busy)."""
        with self.lock:
            now = self.clock()
            self._retire(now)
            if len(self._live) >= self.max_live_codes:
                return None
            for width in self.live_code_widths:
                space = 10**width
                if self._live_by_width[width] >= space * CROWDED:
                    continue
                for _ in range(DRAWS):
                    code = f"{self.rng.randrange(space):0{width}d}"
                    if code not in self._live:
                        self._retired.pop(code, None)
                        self._live[code] = LiveCode(now + ttl_s, trace=trace)
                        self._live_by_width[width] += 1
                        return code
            return None

    def live_code_trace(self, code: str) -> str:
        """The traceNo ``code`` was issued under ("" when unknown)."""
        with self.lock:
            entry = self._live.get(code) or self._retired.get(code)
            return entry.trace if entry is not None else ""

    def redeem_live_code(self, code: str, *, consume: bool = True) -> str:
        """'ok', 'unknown', 'expired' or 'used'. Expired codes are kept a while to say so."""
        with self.lock:
            entry = self._live.get(code) or self._retired.get(code)
            if entry is None:
                return "unknown"
            if entry.used:
                return "used"
            if self.clock() > entry.expires_at:
                return "expired"
            entry.used = consume
            return "ok"

    def _retire(self, now: float) -> None:
        """Move expired codes (issue order: late, never early) to the retired list, trim it."""
        while self._live:
            code, entry = next(iter(self._live.items()))
            if entry.expires_at >= now:
                break
            self._live.popitem(last=False)
            self._live_by_width[len(code)] -= 1
            self._retired[code] = entry
        horizon = now - RETIRED_KEEP_S
        while self._retired and (
            len(self._retired) > MAX_RETIRED_CODES
            or next(iter(self._retired.values())).expires_at < horizon
        ):
            self._retired.popitem(last=False)

    def add_job(self, trace: str, ttl_s: float) -> AsyncJob | None:
        """A new processing job, or None when ``max_pending_jobs`` are still computing (busy)."""
        with self.lock:
            now = self.clock()
            while self.jobs and (
                len(self.jobs) >= self.max_jobs or next(iter(self.jobs.values())).expires_at < now
            ):
                self.jobs.popitem(last=False)
            if self.pending_jobs >= self.max_pending_jobs:
                return None
            self.pending_jobs += 1
            self.jobs[trace] = AsyncJob(expires_at=now + ttl_s)
            return self.jobs[trace]

    def finish_job(self, job: AsyncJob, envelope: dict[str, Any] | None) -> None:
        with self.lock:
            job.envelope = envelope
            self.pending_jobs -= 1

    def sizes(self) -> dict[str, int]:
        """Every bounded collection's size (stats, tests and the soak watch these)."""
        return {
            "live_codes": len(self._live),
            "retired_live_codes": len(self._retired),
            "async_jobs": len(self.jobs),
            "pending_async_jobs": self.pending_jobs,
            "rate_buckets": len(self.buckets),
            "quota_books": len(self.remaining),
        }

    def reset(self) -> None:
        with self.lock:
            stores: tuple[Any, ...] = (self._live, self._retired, self._live_by_width, self.jobs)
            for store in (*stores, self.remaining, self.buckets, self.requests, self.codes):
                store.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "uptime_s": round(time.time() - self.started_at, 3),
            "requests": dict(self.requests),
            "codes": dict(self.codes),
            "in_flight": self.in_flight,
            **self.sizes(),
            # appkeys are secrets: stats name them by a short hash only
            "remaining": {
                "appkey#" + hashlib.sha256(k.encode()).hexdigest()[:8]: v
                for k, v in self.remaining.items()
            },
        }
