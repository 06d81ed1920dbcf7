"""Zero-work request factories for tests and for measuring the generator's own overhead."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from harness.loadgen.request import PreparedRequest

_counter = itertools.count()


def echo_factory(
    path: str = "/echo", method: str = "GET", body_size: int = 0, name: str | None = None
) -> PreparedRequest:
    """The same tiny request every call (a constant body of ``body_size`` bytes)."""
    return PreparedRequest(
        name=name or path,
        method=method,
        path=path,
        headers={"Content-Type": "application/octet-stream"} if body_size else {},
        body=b"x" * body_size,
    )


def cycle_factory(paths: Sequence[str], method: str = "GET") -> PreparedRequest:
    """Cycle through ``paths`` in order (per process), e.g. to get exact outcome mixes."""
    path = paths[next(_counter) % len(paths)]
    return PreparedRequest(name=path, method=method, path=path)
