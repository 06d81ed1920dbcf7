"""Parsing of `--latency SPEC` and `--fault SPEC`: small text forms a person can type.

Latency:  `none` | `fixed:50ms` | `normal:50ms,10ms` | `lognormal:50ms,0.5` | `stall:1s/10s`
          optionally prefixed by an operation and `=`: `faceCompareNew=fixed:20ms`.
Fault:    `KIND:RATE` optionally prefixed by an operation, e.g. `500:0.1`, `match=reset:0.05`,
          KIND in http500 http502 http503 reset empty chunked badjson slow hang.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from harness.errors import UsageError

FAULT_KINDS = (
    "http500",
    "http502",
    "http503",
    "reset",
    "empty",
    "chunked",
    "badjson",
    "slow",
    "hang",
)
_ALIASES = {"500": "http500", "502": "http502", "503": "http503"}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")


def parse_duration_s(text: str, what: str) -> float:
    m = _DURATION.match(text.strip())
    if not m:
        raise UsageError(f"{what}: {text!r} is not a duration; expected e.g. 50ms or 1.5s")
    value = float(m.group(1))
    return value / 1000 if m.group(2) in (None, "ms") else value


@dataclass(frozen=True)
class Latency:
    """Added service time; `sample` is seeded by the caller's RNG so runs repeat."""

    kind: str = "none"
    a: float = 0.0  # fixed/median/mean seconds, or stall duration
    b: float = 0.0  # sd seconds, lognormal sigma, or stall period

    def sample(self, rng: random.Random, now: float) -> float:
        if self.kind == "fixed":
            return self.a
        if self.kind == "normal":
            return max(0.0, rng.gauss(self.a, self.b))
        if self.kind == "lognormal":
            return rng.lognormvariate(math.log(self.a), self.b)
        if self.kind == "stall":
            into = now % self.b
            return self.a - into if into < self.a else 0.0
        return 0.0


def parse_latency(text: str) -> tuple[str | None, Latency]:
    op, _, spec = text.rpartition("=") if "=" in text else ("", "", text)
    kind, _, args = spec.partition(":")
    kind = kind.strip().lower()
    what = f"--latency {text!r}"
    try:
        if kind == "none":
            lat = Latency()
        elif kind == "fixed":
            lat = Latency("fixed", parse_duration_s(args, what))
        elif kind == "normal":
            mean, sd = args.split(",")
            lat = Latency("normal", parse_duration_s(mean, what), parse_duration_s(sd, what))
        elif kind == "lognormal":
            median, sigma = args.split(",")
            lat = Latency("lognormal", parse_duration_s(median, what), float(sigma))
            if lat.a <= 0 or lat.b < 0:
                raise ValueError
        elif kind == "stall":
            dur, period = args.split("/")
            lat = Latency("stall", parse_duration_s(dur, what), parse_duration_s(period, what))
            if not 0 < lat.a < lat.b:
                raise UsageError(f"{what}: the stall must be shorter than its period")
        else:
            raise UsageError(
                f"{what}: unknown kind {kind!r}; expected none, fixed, normal, lognormal or stall"
            )
    except ValueError:
        raise UsageError(
            f"{what}: malformed; examples: fixed:50ms, normal:50ms,10ms, lognormal:50ms,0.5, "
            "stall:1s/10s"
        ) from None
    return (op or None), lat


@dataclass(frozen=True)
class Fault:
    kind: str
    rate: float
    operation: str | None = None


def parse_fault(text: str) -> Fault:
    op, _, spec = text.rpartition("=") if "=" in text else ("", "", text)
    kind, _, rate_text = spec.partition(":")
    kind = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if kind not in FAULT_KINDS:
        raise UsageError(
            f"--fault {text!r}: unknown kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}"
        )
    try:
        rate = float(rate_text) if rate_text else 1.0
    except ValueError:
        raise UsageError(f"--fault {text!r}: rate {rate_text!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise UsageError(f"--fault {text!r}: rate must be between 0 and 1")
    return Fault(kind=kind, rate=rate, operation=op or None)
