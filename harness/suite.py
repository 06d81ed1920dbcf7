"""The one way a suite runs, whoever runs it (its own command or the gate): ``suite.run(ctx)``.

A suite object carries its own options (examples, phases, scenario, pairs ...); a
:class:`RunContext` carries what every suite of a run shares. ``run`` returns the suite's
typed :class:`harness.results.SuiteResult`; :func:`harness.results.build_summary` turns
results into the summary and :func:`harness.report.write_reports` writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from harness.clients import Credentials
from harness.results import SuiteName, SuiteResult

Progress = Callable[[float, float | None, str], None]
"""``(done, total, text)``: how far a suite is; ``total`` None when unknown. The gate's
callback raises inside the suite once its time is up (the suite unwinds)."""


@dataclass(frozen=True)
class RunContext:
    """What a suite is run against and within.

    Budgets are None for "the suite's default for this target" (each suite documents its own
    live-target defaults); ``max_rps`` 0 is unlimited.
    """

    target: str  # "emulator" or the URL as given
    url: str  # where conformance and fuzz send: the opened target (load and accuracy open theirs)
    is_emulator: bool
    out_dir: Path  # this suite's directory
    # what conformance and fuzz send with; load and accuracy resolve theirs with the target
    credentials: Credentials = field(default_factory=Credentials, repr=False)
    seed: int | None = None
    faces: Path | None = None
    config: Path | None = None
    max_rps: float | None = None
    max_requests: int | None = None
    max_seconds: float | None = None
    request_timeout_s: float | None = None
    required_readings: Mapping[str, str] = field(default_factory=dict)
    emulator: Mapping[str, Any] = field(default_factory=dict)  # the gate's emulator settings
    progress: Progress = lambda done, total, text: None

    def sender_options(self) -> dict[str, Any]:
        """The options conformance's and fuzz's runners take alike (both send to ``url``)."""
        return {
            "is_emulator": self.is_emulator,
            "seed": self.seed,
            "max_rps": self.max_rps,
            "max_requests": self.max_requests,
            "faces_dir": self.faces,
            "credentials": self.credentials,
            "out_dir": self.out_dir,
            "required_readings": dict(self.required_readings),
        }


class Suite(Protocol):
    """A suite: its name and one way to run it."""

    @property
    def name(self) -> SuiteName: ...

    def run(self, ctx: RunContext) -> SuiteResult: ...
