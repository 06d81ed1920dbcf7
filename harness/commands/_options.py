"""Option checks the commands share (a module with a leading underscore is not a command)."""

from __future__ import annotations

import math

from harness.errors import UsageError


def positive_seconds(value: float, option: str = "--timeout") -> float:
    """A duration in seconds that can bound a request: finite and above zero (not nan, not inf)."""
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{option} {value:g}: expected a positive number of seconds")
    return value


def max_rps(value: float | None, option: str = "--max-rps") -> float | None:
    """The pacing convention of every command that sends traffic: requests per second, finite
    and >= 0, where 0 means unlimited (None: the command's default)."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise UsageError(f"{option} {value:g}: expected requests per second >= 0 (0: unlimited)")
    return value
