"""A sweep of capacity truths for `load find-limit`, searched in virtual time (seconds in all).

Each truth is a ``throttle_variants`` gate of a known sustainable rate, started at a known offset
into the wall clock's window, searched as the load suite searches it (``find_limit`` over
``virtual_measure``, its rests and Retry-After waits in virtual time). Each search is counted:

- ``right``: a number, no ``inconclusive``, bound ``exact``, within ``TOLERANCE`` of the truth;
- ``inconclusive``: the search said it cannot name the limit (``inconclusive``), or gave a bound
  the truth lies within (``at least`` under it, ``below`` over it);
- ``wrong-exact``: a number, ``exact``, no word of doubt, off by more than ``TOLERANCE``;
- ``bad-bound`` (counted inside ``inconclusive`` too): an inconclusive search whose evidence would
  fail a requirement the service meets (``meets_minimum`` of 0.9 x the truth is False: its
  upper bound is under the truth), or a lower/upper bound the truth is outside.

Run: ``cd tests && PYTHONPATH=.. python -m load.capacity_sweep [--only NAME] [--cases]``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fixtures.throttle_variants import gate_app
from fixtures.virtual_load import (
    DEFAULT_MIX,
    IDNO_SCOPE,
    JD_SCOPE,
    SCOPE,
    VirtualTime,
    virtual_measure,
    virtual_time,
)

from harness.loadgen.limit import LimitResult, find_limit, meets_minimum

TOLERANCE = 0.10
SCOPES: dict[str, Any] = {"match": SCOPE, "jd": JD_SCOPE, "idno": IDNO_SCOPE}


@dataclass(frozen=True)
class Truth:
    family: str  # the row of the table
    kind: str  # the gate
    limit: float  # the sustainable rate by design
    design: dict[str, float] = field(default_factory=dict)
    phase_s: float = 0.0  # into the wall clock's window (of ``window_s``) at the search's start
    operation: str = "match"  # or "mix": the default mixed scenario
    slo_p99_ms: float = 1000.0

    @property
    def name(self) -> str:
        knobs = "".join(f" {k}={v:g}" for k, v in self.design.items())
        return f"{self.kind}{knobs} @{self.phase_s:g}s {self.operation}"

    @property
    def start_s(self) -> float:
        """The virtual clock's start that puts the search ``phase_s`` into its window."""
        window = self.design.get("window_s", 60.0)
        return (self.phase_s - VirtualTime.WALL) % window


def truths() -> Iterator[Truth]:
    for burst in (1, 1.25, 1.5, 2, 2.5, 3, 3.5, 4.5, 5, 7.5, 10):
        yield Truth("token bucket + burst", "burst", 20, {"burst_s": burst})
    for burst in (1.5, 2.5, 4.5):  # a burst of that many seconds at 40/s
        yield Truth("token bucket + burst", "burst", 40, {"limit": 40, "burst_s": burst})
    for tau in (0.05, 0.25, 1.0):
        yield Truth("token bucket + burst", "gcra", 20, {"tau_s": tau})
    yield Truth("token bucket + burst", "no-burst", 20)
    yield Truth("token bucket + burst", "burst", 5, {"limit": 5, "burst_s": 20})
    for window in range(1, 11):
        for share in (0.0, 0.1, 0.25, 0.4, 0.5, 0.65, 0.75, 0.9):
            yield Truth(f"fixed window {window:2d} s", "minute-quota", 20,
                        {"window_s": window}, phase_s=round(share * window, 2))  # fmt: skip
    for window in (1, 2, 3, 5, 10):
        kind, design = (
            ("sliding-window", {}) if window == 1 else ("window-log", {"window_s": window})
        )
        yield Truth("sliding log", kind, 20, dict(design))
    for offset in range(0, 60):
        yield Truth("600/min quota", "minute-quota", 10, {"limit": 10}, phase_s=offset)
    for offset in range(0, 60, 3):
        yield Truth("600/min quota, Retry-After", "minute-quota", 10, {"limit": 10, "retry": 1},
                    phase_s=offset)  # fmt: skip
    for cold in (5, 10, 15, 20):
        yield Truth("warm-up", "cold-start", 20, {"cold_s": cold})
    for warm in (9, 12, 15, 20):
        yield Truth("warm-up", "ramp", 20, {"warm_s": warm})
    # per-operation limits in the default mix (12 requests per 10 operations: match 4, the
    # validateData calls 3 (liveCode 1, matchIdno's 2), matchIdno 2, faceCompareNew 3)
    for op, rate, share in (("matchIdno", 2, 2), ("matchIdno", 5, 2), ("match", 10, 4),
                            ("liveCode", 5, 3), ("faceCompareNew", 10, 3)):  # fmt: skip
        yield Truth("one operation's limit in a mix", "per-path", rate * 12 / share,
                    {op: rate}, operation="mix")  # fmt: skip
    yield Truth("one operation's limit in a mix", "per-key", 20 * 12 / 9, operation="mix")
    for k, t in ((2, 0.1), (1, 0.05), (4, 0.2)):
        yield Truth("latency saturation (queue)", "slots", k / t, {"k": k, "t": t})
    yield Truth("latency saturation (queue)", "steep", 20 + (0.3 - 0.005) / 0.05, slo_p99_ms=300)
    for sigma in (0.5, 1.0):
        yield Truth("slow tail by chance", "jitter", 20, {"sigma": sigma})
    # session 24: how real limiters refuse or slow (each 20/s by design; 225 truths in all)
    for wait in (0.5, 2.0, 1e6):  # a leaky bucket: what is over the rate waits (1e6: never refused)
        yield Truth("leaky bucket (queueing delay)", "queue-then-refuse", 20, {"max_wait_s": wait})
    for k, t in ((8, 0.4), (1, 0.05)):  # latency only: slots behind a FIFO, never refusing
        yield Truth("latency-only saturation", "slots", k / t, {"k": k, "t": t})
    yield Truth("per-connection limit", "per-connection", 20)
    for retry in (1, 5):  # a bare 503 with Retry-After (RFC 9110 15.6.4)
        yield Truth("503 + Retry-After vs body codes", "shed-retry", 20, {"retry_s": retry})
    yield Truth("503 + Retry-After vs body codes", "retry-long", 20, {"retry_s": 2})
    yield Truth("503 + Retry-After vs body codes", "biz-43010", 20, operation="jd")
    yield Truth("503 + Retry-After vs body codes", "burst", 20, operation="jd")
    for k, t in ((2, 0.1), (4, 0.2), (1, 0.05)):  # JD business 43010 流量受限, requests in flight
        yield Truth("JD 43010 concurrency", "concurrency", k / t, {"k": k, "t": t}, operation="jd")
    for noise, seed in ((0.005, 1), (0.005, 5), (0.005, 28), (0.002, 5), (0.005, 2)):
        yield Truth("random refusals", "noisy", 20, {"noise": noise, "seed": seed})
    for kind in ("lockout", "slow-recovery"):
        yield Truth("penalty after a refusal", kind, 20)
    # session 25 (each 20/s but where said; 236 truths in all)
    for tick, seed in ((0.5, 1), (0.5, 2), (1.0, 3)):  # a refill in lumps at random intervals
        yield Truth("lumpy refill", "lumpy-refill", 20, {"tick_s": tick, "seed": seed})
    yield Truth("429 without, then with Retry-After", "retry-after-later", 20)
    yield Truth("429 without, then with Retry-After", "retry-after-later", 20, {"quiet": 1e6})
    for slo in (1000, 250):  # slower (300 ms more) above 15/s, refusing above 20/s
        yield Truth("latency degrades before refusals", "slow-first", 20 if slo > 300 else 15,
                    slo_p99_ms=slo)  # fmt: skip
    # a limit per appkey (30/s) under one per caller (the token's 20/s is not the appkey's)
    yield Truth("per appkey vs per caller", "per-key", 30, {"appkey": 30}, operation="jd")
    yield Truth("per appkey vs per caller", "per-key", 20, {"appkey": 30})
    yield Truth("per appkey vs per caller", "per-key", 25, {"appkey": 40, "cluster": 25},
                operation="jd")  # fmt: skip
    # session 26 (each 20/s but where said; 250 truths in all)
    for window, phase in ((1, 0), (2, 0), (2, 0.7), (2, 1.4), (5, 2.0)):  # Cloudflare's counter
        yield Truth("sliding window counter", "sliding-counter", 20, {"window_s": window},
                    phase_s=phase)  # fmt: skip
    for retry in (1, 3):  # a bare 429 whose Retry-After is an HTTP-date (RFC 9110 10.2.3)
        yield Truth("429 + Retry-After HTTP-date", "retry-date", 20, {"retry_s": retry})
    yield Truth("429 + Retry-After HTTP-date", "lockout-date", 20)  # ... and a lockout till then
    for k, t, q in ((2, 0.1, 10), (4, 0.2, 4), (1, 0.05, 20)):  # workers, a queue, then 503
        yield Truth("bounded queue, then 503", "bounded-queue", k / t, {"k": k, "t": t, "q": q})
    yield Truth("JD cluster-wide 10044", "cluster-10044", 20, operation="jd")
    yield Truth("JD cluster-wide 10044", "cluster-10044", 20, {"limit": 20})  # internal 42900
    for per, slo in ((0.02, 300), (0.04, 500)):  # a knee by requests in flight, no refusal
        yield Truth("latency knee, no refusals", "linear-knee", (1 - (0.005 + per) / (slo / 1e3))
                    / per, {"per": per}, slo_p99_ms=slo)  # fmt: skip
    # session 27 (each 20/s; 261 truths in all)
    for retry, seed in ((5, 1), (5, 2), (2, 3)):  # a bare 503, Retry-After drawn from 1..retry_s
        yield Truth("503 + Retry-After with jitter", "retry-jitter", 20,
                    {"retry_s": retry, "seed": seed})  # fmt: skip
    yield Truth("escalating penalty box", "escalating-lockout", 20)  # bans of 1, 2, 4 ... 16 s
    yield Truth("escalating penalty box", "escalating-lockout", 20,
                {"penalty_s": 2, "max_penalty_s": 32})  # fmt: skip
    for burst, window in ((1.5, 10), (2.0, 5), (1.2, 30)):  # a cap a second over the sustained
        yield Truth("nested second and longer limits", "two-windows", 20,
                    {"burst": burst, "window_s": window})  # fmt: skip
    for hold, op in ((1.0, "match"), (2.0, "match"), (0.3, "jd")):  # refusals held, then sent
        yield Truth("tarpit (slow refusals)", "tarpit", 20, {"tarpit_s": hold}, operation=op)


@dataclass
class Outcome:
    truth: Truth
    found: LimitResult
    verdict: str  # right, inconclusive, wrong-exact
    bad_bound: bool

    def line(self) -> str:
        f = self.found
        said = (f.inconclusive or "")[:70]
        return (
            f"{self.verdict:12s} {'BADBOUND ' if self.bad_bound else ''}{self.truth.name:48s} "
            f"truth {self.truth.limit:6.1f} read {f.reported_rps or 0:6.1f} {f.bound} {said}"
        )


def judge(truth: Truth, found: LimitResult) -> Outcome:
    x, limit = found.reported_rps, truth.limit
    close = x is not None and abs(x - limit) <= TOLERANCE * limit
    bad = False
    if found.inconclusive:
        verdict = "inconclusive"
        bad = (
            meets_minimum(found.limit_rps or 0.0, 0.9 * limit, found.inconclusive, found.failed_rps)
            is False  # fmt: skip
        )
    elif found.bound == "exact":
        verdict = "right" if close else "wrong-exact"
    else:
        verdict = "inconclusive"
        bad = x is None or (x > limit * (1 + TOLERANCE) if found.bound == "lower"
                            else x < limit * (1 - TOLERANCE))  # fmt: skip
    return Outcome(truth, found, verdict, bad)


def search(truth: Truth, start: float = 10, top: float = 80) -> LimitResult:
    patch = pytest.MonkeyPatch()
    try:
        with virtual_time(patch) as clock:
            clock.now = truth.start_s
            gate = gate_app(truth.kind, **{"limit": 20.0, **truth.design})
            mix = DEFAULT_MIX if truth.operation == "mix" else ()
            measure = virtual_measure(gate, clock, scope=SCOPES.get(truth.operation, SCOPE),
                                      mix=mix)  # fmt: skip
            return find_limit(measure, start_rate=start, max_rate=top, slo_p99_ms=truth.slo_p99_ms,
                              max_error_rate=0.01, time_budget_s=300, clock=clock.monotonic,
                              rest=clock.sleep)  # fmt: skip
    finally:
        patch.undo()


def sweep(only: str = "", start: float = 10, top: float = 80) -> list[Outcome]:
    """Each truth searched from ``start``/s up to ``top``/s (the load suite's defaults: 10, 80)."""
    return [judge(t, search(t, start, top)) for t in truths()
            if only in t.name or only in t.family]  # fmt: skip


def table(outcomes: list[Outcome]) -> str:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        counts[o.truth.family][o.verdict] += 1
        counts[o.truth.family]["bad-bound"] += o.bad_bound
    head = f"| {'truth':32s} | right | inconclusive | wrong-exact | bad-bound |"
    rows = [head, "|" + "---|" * 5]
    total: Counter[str] = Counter()
    for family, c in counts.items():
        total.update(c)
        rows.append(f"| {family:32s} | {c['right']:5d} | {c['inconclusive']:12d} | "
                    f"{c['wrong-exact']:11d} | {c['bad-bound']:9d} |")  # fmt: skip
    rows.append(f"| {'all':32s} | {total['right']:5d} | {total['inconclusive']:12d} | "
                f"{total['wrong-exact']:11d} | {total['bad-bound']:9d} |")  # fmt: skip
    return "\n".join(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="truths whose name or family holds this")
    parser.add_argument("--cases", action="store_true", help="one line per truth")
    parser.add_argument("--start", type=float, default=10, help="the search's start rate")
    parser.add_argument("--top", type=float, default=80, help="the search's ceiling")
    args = parser.parse_args()
    outcomes = sweep(args.only, args.start, args.top)
    if args.cases:
        for o in outcomes:
            print(o.line())
    print(table(outcomes))
    sys.exit(0)
