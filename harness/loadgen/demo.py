"""Plain GET requests judged by HTTP status: the engine's own tests and overhead benchmark."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from harness.errors import UsageError
from harness.loadgen.request import PreparedRequest


def plain_requests(paths: Sequence[str]) -> Callable[[], PreparedRequest]:
    """Cycle through GETs of ``paths`` in order (per process), e.g. for exact outcome mixes."""
    if not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise UsageError(f"paths must be a non-empty list of paths starting with '/': {paths!r}")
    cycle = itertools.cycle([PreparedRequest(name=p, method="GET", path=p) for p in paths])
    return lambda: next(cycle)
