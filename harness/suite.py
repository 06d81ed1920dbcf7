"""The one way a suite runs, whoever runs it (its own command or the gate): ``suite.run(ctx)``,
the suite's own options on the suite object, what every suite of a run shares in ``ctx``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from harness.clients import Credentials
from harness.results import SuiteName, SuiteResult

# (done, total or None, text); the gate's raises inside the suite once its time is up
Progress = Callable[[float, float | None, str], None]
STAGE_SHARE = 0.8  # of a gate stage's time limit, for suites that stop themselves in time


@dataclass(frozen=True)
class RunContext:
    """What a suite is run against and within (budgets None: the suite's default)."""

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
    spent: int = 0  # requests the command sent before the suite (its preflight): conform's budget

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
    @property
    def name(self) -> SuiteName: ...

    def run(self, ctx: RunContext) -> SuiteResult: ...
