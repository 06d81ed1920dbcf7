"""What a load run sends (:class:`PreparedRequest`) and returns: the ``load.json`` summary plus
per-second rows kept in memory.

Per-second latency histograms stay encoded in memory so a steady-state window (say,
seconds 1-5 of a limit-search step) can be re-summarised exactly, not averaged.

A scenario builds a fresh request per call where anything in it is per request (a signed
API stamps each request with a timestamp and nonce) and may hand out the same object again
where nothing is; the load engine never caches or replays these objects itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness.loadgen import hdr
from harness.loadgen.classify import SUCCESS, THROTTLED


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """One request, relative to the run's target URL.

    ``name`` groups requests in statistics (Locust's request name); ``path`` starts with
    ``/`` and is appended to the target URL's base path.
    """

    name: str
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def url_path(self) -> str:
        """Path plus encoded query string, as sent on the request line."""
        if not self.query:
            return self.path
        sep = "&" if "?" in self.path else "?"
        return f"{self.path}{sep}{urlencode(dict(self.query))}"


@dataclass(frozen=True)
class SecondRow:
    """One wall-clock second of a run, summed over all load processes.

    ``offered`` counts sends due in that second (open model: schedule slots; closed:
    sends); ``completed`` counts answers or failures that arrived in it.
    """

    t: int
    sec: int
    offered: int = 0
    sent: int = 0
    completed: int = 0
    late: int = 0
    dropped: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    errors_by_code: dict[str, int] = field(default_factory=dict)
    p50_ms: float | None = None
    p99_ms: float | None = None
    hist: str | None = None

    @property
    def success(self) -> int:
        return self.by_class.get(SUCCESS, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "epoch_s": self.sec,
            "offered_rps": self.offered,
            "achieved_rps": self.completed,
            "ok_rps": self.success,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "errors_by_class": {k: v for k, v in self.by_class.items() if k != SUCCESS and v},
            "errors_by_code": dict(self.errors_by_code),
            "late": self.late,
            "dropped": self.dropped,
        }


@dataclass(frozen=True)
class WindowStats:
    """Rates and latency over whole seconds ``[start_s, end_s)`` of a run."""

    start_s: int
    end_s: int
    offered_rps: float
    achieved_rps: float
    ok_rps: float
    error_rate: float
    throttled_rate: float
    completed: int
    by_class: dict[str, int]
    late: int
    dropped: int
    latency_ms: dict[str, Any]


@dataclass
class LoadResult:
    """Outcome of :func:`harness.loadgen.run_load`; ``summary`` is exactly ``load.json``."""

    mode: str
    summary: dict[str, Any]
    series: list[SecondRow]
    out_dir: Path

    @property
    def latency_ms(self) -> dict[str, Any]:
        return dict(self.summary["latency_ms"])

    @property
    def errors_by_code(self) -> dict[str, int]:
        return dict(self.summary["errors_by_code"])

    @property
    def by_class(self) -> dict[str, int]:
        return dict(self.summary["by_class"])

    @property
    def stop_reason(self) -> str:
        return str(self.summary["stop_reason"])

    def window(self, start_s: int, end_s: int) -> WindowStats:
        """Summarise seconds ``start_s <= t < end_s`` (clamped to the recorded range)."""
        rows = [r for r in self.series if start_s <= r.t < end_s]
        last = max((r.t for r in self.series), default=start_s - 1)
        end = max(start_s + 1, min(end_s, last + 1))
        seconds = end - start_s
        by_class: dict[str, int] = {}
        for row in rows:
            for klass, n in row.by_class.items():
                by_class[klass] = by_class.get(klass, 0) + n
        completed = sum(r.completed for r in rows)
        ok = by_class.get(SUCCESS, 0)
        return WindowStats(
            start_s=start_s,
            end_s=end,
            offered_rps=sum(r.offered for r in rows) / seconds,
            achieved_rps=completed / seconds,
            ok_rps=ok / seconds,
            error_rate=(completed - ok) / completed if completed else 0.0,
            throttled_rate=by_class.get(THROTTLED, 0) / completed if completed else 0.0,
            completed=completed,
            by_class=by_class,
            late=sum(r.late for r in rows),
            dropped=sum(r.dropped for r in rows),
            latency_ms=hdr.summarize_ms(hdr.merge(r.hist for r in rows)),
        )
