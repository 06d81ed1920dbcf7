"""The run configuration shared by the caller and every Locust process.

``run_load`` writes it as JSON and points the local process or the master at the file
(``FACEHARNESS_LOAD_CONFIG``); the master hands it to its workers with Locust's own spawn
message, so a worker on another machine needs nothing but the master's address.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from harness.errors import ConfigError, UsageError

CONFIG_ENV = "FACEHARNESS_LOAD_CONFIG"
RUN_STARTED = "faceharness run started"  # a worker's log line: it served a run (serve_worker)
# Upper bound on any run when no duration is given (plain locust use): keeps loops bounded.
MAX_DURATION_S = 24 * 3600.0

Mode = Literal["closed", "open"]
MODE_LABELS: dict[str, str] = {"closed": "closed-model", "open": "open-model"}


@dataclass(frozen=True)
class RunConfig:
    """Everything a load process needs; JSON round-trips via :meth:`to_dict`/:meth:`from_dict`.

    ``processes`` is the number of load-generating processes (1 locally, W with workers);
    ``users``, ``rate`` and ``max_requests`` are totals over all of them.
    """

    mode: Mode
    target_url: str
    requests: Mapping[str, Any]  # ScenarioOptions fields, or {"paths": [...]} (plain GETs)
    users: int | None = None
    rate: float | None = None
    duration_s: float = MAX_DURATION_S
    max_requests: int | None = None
    processes: int = 1
    out_dir: str | None = None
    timeout_s: float = 10.0
    late_ms: float = 10.0
    max_inflight: int = 512
    think_time_s: float = 0.0
    abort_error_rate: float | None = None
    abort_window_s: float = 5.0
    abort_min_samples: int = 10

    def __post_init__(self) -> None:
        validate(self)

    @property
    def label(self) -> str:
        return MODE_LABELS[self.mode]

    @property
    def drain_s(self) -> float:
        """How long a process waits for in-flight requests after it stops sending."""
        return self.timeout_s + 1.0

    def quota(self, index: int) -> int | None:
        """This process's share of ``max_requests`` (shares differ by at most one)."""
        if self.max_requests is None:
            return None
        base, extra = divmod(self.max_requests, self.processes)
        return base + (1 if index < extra else 0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"requests": dict(self.requests)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown load config keys: {', '.join(unknown)}")
        return cls(**dict(data))


def validate(cfg: RunConfig) -> None:
    """Reject configurations that cannot run, with one-line :class:`UsageError` messages."""
    parts = urlsplit(cfg.target_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"target URL {cfg.target_url!r} must look like http://host:port[/base]")
    if cfg.mode == "closed":
        if cfg.users is None or cfg.rate is not None:
            raise UsageError("closed model needs users=N and no rate")
        if cfg.users < 1:
            raise UsageError(f"users must be >= 1, got {cfg.users}")
        if cfg.users < cfg.processes:
            raise UsageError(f"users ({cfg.users}) must be >= load processes ({cfg.processes})")
    elif cfg.mode == "open":
        if cfg.rate is None or cfg.users is not None:
            raise UsageError("open model needs rate=R and no users")
        if not math.isfinite(cfg.rate) or cfg.rate <= 0:
            raise UsageError(f"rate must be a positive number, got {cfg.rate}")
    else:
        raise UsageError(f"mode must be 'closed' or 'open', got {cfg.mode!r}")
    if not (0 < cfg.duration_s <= MAX_DURATION_S):
        raise UsageError(f"duration_s must be in (0, {MAX_DURATION_S:.0f}], got {cfg.duration_s}")
    if cfg.max_requests is not None and cfg.max_requests < 1:
        raise UsageError(f"max_requests must be >= 1, got {cfg.max_requests}")
    if cfg.processes < 1:
        raise UsageError(f"processes must be >= 1, got {cfg.processes}")
    if cfg.timeout_s <= 0 or cfg.late_ms < 0 or cfg.max_inflight < 1 or cfg.think_time_s < 0:
        raise UsageError("timeout_s > 0, late_ms >= 0, max_inflight >= 1 and think_time_s >= 0")
    if cfg.abort_error_rate is not None and not (0 < cfg.abort_error_rate <= 1):
        raise UsageError(f"abort_error_rate must be in (0, 1], got {cfg.abort_error_rate}")
    if cfg.abort_window_s <= 0 or cfg.abort_min_samples < 1:
        raise UsageError("abort_window_s must be > 0 and abort_min_samples >= 1")


def read_config(environ: Mapping[str, str] | None = None) -> RunConfig | None:
    """The config file named by ``FACEHARNESS_LOAD_CONFIG`` (None for a worker: its master
    sends the config)."""
    path = (os.environ if environ is None else environ).get(CONFIG_ENV)
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read load config {path}: {exc}") from exc
    return RunConfig.from_dict(data)
