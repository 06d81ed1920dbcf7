"""Guard rails for load aimed at a live service, which usually bills per call and may be shared:
explicit load, low ceilings, a budget, an error-spike abort (docs/load.md, "Safety defaults").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from harness.errors import UsageError

OVERRIDE_FLAG = "--allow-costly-load"
URL_MAX_RATE = 20.0  # requests/s, total over all workers
URL_MAX_USERS = 5
# Any target: Locust starts every user at once, so --users 99999999999 grew one process past
# 4 GB in minutes and never sent its load; 10,000 is ten times the emulator's in-flight limit.
MAX_USERS = 10_000
# Any target: --rate 1e300 planned a 301-digit number of slots, which one process caught up on
# (dropping them at the in-flight cap) until Locust's run-time backstop, 75 s into a 1 s run.
# A run has at most 16 load processes, and Locust's best case for one is about 16,000 small
# requests/s (its docs, "Increase performance"): no run sends more than 250,000/s.
MAX_RATE = 250_000.0  # requests/s, total over all workers
URL_MAX_REQUESTS = 1000  # default budget of one command (run, or a whole limit search)
URL_ABORT_ERROR_RATE = 0.5  # abort when more than half of the last 5 s failed
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str, what: str = "--duration") -> float:
    """``"30s"``, ``"2m"``, ``"1.5h"``, ``"500ms"`` or plain seconds -> seconds (> 0)."""
    m = _DURATION.match(text)
    if not m:
        raise UsageError(f"{what} {text!r}: expected a duration such as 30s, 2m or 90")
    seconds = float(m.group(1)) * _UNIT_S[m.group(2)]
    if seconds <= 0:
        raise UsageError(f"{what} {text!r}: must be longer than zero")
    from harness.loadgen.result import MAX_DURATION_S

    if seconds > MAX_DURATION_S:  # was refused later as "duration_s must be in (0, 86400]"
        raise UsageError(f"{what} {text!r}: at most {MAX_DURATION_S / 3600:g}h")
    return seconds


@dataclass(frozen=True)
class Limits:
    max_requests: int | None
    abort_error_rate: float | None


def rate_ceiling(*, is_emulator: bool, allow_costly: bool, max_rps: float | None) -> float | None:
    """The highest rate a command may send (None: no ceiling; ``--max-rps 0``: unlimited)."""
    if max_rps is not None:
        return None if max_rps == 0 else max_rps
    return None if (is_emulator or allow_costly) else URL_MAX_RATE


def check_run(
    *,
    is_emulator: bool,
    users: int | None,
    rate: float | None,
    max_requests: int | None,
    abort_error_rate: float | None,
    abort_default: bool,
    allow_costly: bool,
    max_rps: float | None = None,
    rate_option: str = "--rate",
) -> Limits:
    """A run's effective bounds on the target; ``abort_default``: no ``abort_error_rate`` chosen;
    ``rate_option``: the option that set ``rate`` (find-limit's top is ``--max-rate``)."""
    if users is None and rate is None:
        hint = "" if is_emulator else " (a live target never gets a default load)"
        raise UsageError(f"give --users N (closed model) or --rate R (open model){hint}")
    check_load(users, rate, max_requests, abort_error_rate, rate_option)
    check_rate_ceiling(rate, rate_option, is_emulator=is_emulator, allow_costly=allow_costly,
                       max_rps=max_rps)  # fmt: skip
    if is_emulator:
        return Limits(max_requests, None if abort_default else abort_error_rate)
    if not allow_costly and users is not None and users > URL_MAX_USERS:
        raise UsageError(
            f"--users {users} is above the {URL_MAX_USERS}-user ceiling for a live target; "
            f"pass {OVERRIDE_FLAG} if you mean it"
        )
    return Limits(
        max_requests if max_requests is not None else URL_MAX_REQUESTS,
        URL_ABORT_ERROR_RATE if abort_default else abort_error_rate,
    )


def check_load(
    users: int | None, rate: float | None, max_requests: int | None,
    abort_error_rate: float | None, rate_option: str = "--rate",
) -> None:  # fmt: skip
    """The load's own bounds: the command's, and every run's (:class:`RunConfig`)."""
    if users is not None and not 1 <= users <= MAX_USERS:
        raise UsageError(f"--users must be in [1, {MAX_USERS:,}], got {users}")
    if rate is not None and (not math.isfinite(rate) or rate <= 0):
        raise UsageError(f"{rate_option} must be a positive number, got {rate}")
    if rate is not None and rate > MAX_RATE:
        raise UsageError(f"{rate_option} {rate:g}/s is above {MAX_RATE:,.0f}/s, more than a run "
                         f"of at most 16 load processes sends")  # fmt: skip
    if max_requests is not None and max_requests < 1:
        raise UsageError(f"--max-requests must be >= 1, got {max_requests}")
    if abort_error_rate is not None and not 0 < abort_error_rate <= 1:
        raise UsageError(f"--abort-error-rate must be in (0, 1], got {abort_error_rate}")


def check_rate_ceiling(
    rate: float | None, what: str, *, is_emulator: bool = False, allow_costly: bool = False,
    max_rps: float | None = None,
) -> None:  # fmt: skip
    top = rate_ceiling(is_emulator=is_emulator, allow_costly=allow_costly, max_rps=max_rps)
    if rate is None or top is None or rate <= top:
        return
    if max_rps is not None:
        raise UsageError(f"{what} {rate:g}/s is above --max-rps {max_rps:g}")
    raise UsageError(
        f"{what} {rate:g}/s is above the {URL_MAX_RATE:g}/s ceiling for a live target; "
        f"pass {OVERRIDE_FLAG} (or --max-rps 0) if you mean it"
    )


def check_criteria(slo_p99_ms: float | None, max_error_rate: float | None) -> None:
    """The pass criteria ``load run`` and ``load find-limit`` share (None: not set)."""
    if slo_p99_ms is not None and not (math.isfinite(slo_p99_ms) and slo_p99_ms > 0):
        raise UsageError(f"--slo-p99 {slo_p99_ms:g}: expected a positive number of milliseconds")
    if max_error_rate is not None and not (0 <= max_error_rate < 1):
        raise UsageError(f"--max-error-rate {max_error_rate:g}: expected a fraction in [0, 1)")
