"""Run-time state of one emulator: live codes, async jobs, quotas, rate buckets, counters."""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class TokenBucket:
    """Classic token bucket; capacity one second's worth so bursts above the rate are refused."""

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        self.rate, self.clock = rate, clock
        self.capacity = max(1.0, rate)
        self.tokens, self.stamp = self.capacity, clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class LiveCode:
    expires_at: float
    used: bool = False


@dataclass
class AsyncJob:
    expires_at: float
    envelope: dict[str, Any] | None = None   # None while processing


@dataclass
class State:
    clock: Callable[[], float] = time.monotonic
    seed: int = 0
    live_codes: dict[str, LiveCode] = field(default_factory=dict)
    jobs: dict[str, AsyncJob] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)          # appkey -> remainTimes
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)          # operation -> count
    codes: Counter[str] = field(default_factory=Counter)             # "api:where:code" -> count
    in_flight: int = 0
    started_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._trace = itertools.count(1)
        self.lock = threading.Lock()

    def trace_no(self) -> str:
        return f"{int(time.time() * 1000)}{next(self._trace):08d}"

    def allow(self, key: str, rate: float) -> bool:
        if rate <= 0:
            return True
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None or bucket.rate != rate:
                bucket = self.buckets[key] = TokenBucket(rate, self.clock)
            return bucket.take()

    # --- live codes (single use, expiring) ---------------------------------------------
    def issue_live_code(self, ttl_s: float) -> str:
        with self.lock:
            self._expire()
            while True:
                code = f"{self.rng.randrange(10_000):04d}"
                if code not in self.live_codes:
                    break
            self.live_codes[code] = LiveCode(expires_at=self.clock() + ttl_s)
            return code

    def redeem_live_code(self, code: str, *, consume: bool = True) -> str:
        """'ok', 'unknown', 'expired' or 'used'. Expired codes are kept a while to say so."""
        with self.lock:
            entry = self.live_codes.get(code)
            if entry is None:
                return "unknown"
            if entry.used:
                return "used"
            if self.clock() > entry.expires_at:
                return "expired"
            entry.used = consume
            return "ok"

    def _expire(self) -> None:
        horizon = self.clock() - 3600
        for code in [c for c, e in self.live_codes.items() if e.expires_at < horizon]:
            del self.live_codes[code]
        for no in [n for n, j in self.jobs.items() if j.expires_at < self.clock()]:
            del self.jobs[no]

    def reset(self) -> None:
        with self.lock:
            self.live_codes.clear()
            self.jobs.clear()
            self.remaining.clear()
            self.buckets.clear()
            self.requests.clear()
            self.codes.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "uptime_s": round(time.time() - self.started_at, 3),
            "requests": dict(self.requests),
            "codes": dict(self.codes),
            "in_flight": self.in_flight,
            "live_codes": len(self.live_codes),
            "async_jobs": len(self.jobs),
            # appkeys are secrets: stats name them by a short hash only
            "remaining": {"appkey#" + hashlib.sha256(k.encode()).hexdigest()[:8]: v
                          for k, v in self.remaining.items()},
        }
