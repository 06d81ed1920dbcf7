"""Option checks the commands share (a module with a leading underscore is not a command)."""

from __future__ import annotations

import math

from harness.errors import UsageError


def positive_seconds(value: float, option: str = "--timeout") -> float:
    """A duration in seconds that can bound a request: finite and above zero (not nan, not inf)."""
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{option} {value:g}: expected a positive number of seconds")
    return value
