"""The master's side of a run: its workers' part files, their "done", Locust's statistics.

A worker may run on another machine, so it sends its parts to the master as Locust
messages and the master writes them where a local process would have.

Runs only inside Locust (gevent-patched).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import WorkerRunner

from harness.loadgen.config import RunConfig
from harness.loadgen.parts import PartWriter

log = logging.getLogger("faceharness.loadgen")

MSG_DONE = "faceharness_load_done"
MSG_ROWS = "faceharness_load_rows"
MSG_FINAL = "faceharness_load_final"
STATS_WAIT_TICKS = 40  # tenths of a second


class MasterWriter:
    """A worker's :class:`PartWriter`: the same calls, sent to the master."""

    def __init__(self, runner: WorkerRunner, proc: str) -> None:
        self.runner = runner
        self.proc = proc

    def append_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        self.runner.send_message(MSG_ROWS, {"proc": self.proc, "rows": list(rows)})

    def write_final(self, data: dict[str, Any]) -> None:
        self.runner.send_message(MSG_FINAL, {"proc": self.proc, "final": data})


class MasterCoordinator:
    """Quits the distributed run once every worker reported done (or one aborted)."""

    def __init__(self, cfg: RunConfig, environment: Environment) -> None:
        self.cfg = cfg
        self.env = environment
        self.done: dict[str, dict[str, Any]] = {}
        self.ended = False
        self.writers: dict[str, PartWriter] = {}
        self.completed: dict[str, int] = {}  # answers per worker, from its final part
        assert environment.runner is not None
        environment.runner.register_message(MSG_DONE, self._on_done)
        environment.runner.register_message(MSG_ROWS, self._on_rows)
        environment.runner.register_message(MSG_FINAL, self._on_final)

    def _writer(self, msg: Any) -> PartWriter | None:
        proc = str(msg.data.get("proc", ""))
        if not self.cfg.out_dir or not proc.replace("-", "").isalnum():
            return None  # a name unfit for a file name never comes from our workers
        return self.writers.setdefault(proc, PartWriter(self.cfg.out_dir, proc))

    def _on_rows(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        if (writer := self._writer(msg)) is not None:
            writer.append_rows(msg.data.get("rows") or [])

    def _on_final(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        final = dict(msg.data.get("final") or {})
        self.completed[str(msg.data.get("proc"))] = int(final.get("totals", {}).get("completed", 0))
        if (writer := self._writer(msg)) is not None:
            writer.write_final(final)

    def _on_done(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        data = dict(msg.data or {})
        self.done[str(data.get("proc"))] = data
        runner = environment.runner
        expected = max(self.cfg.processes, getattr(runner, "worker_count", 0) or 0)
        if data.get("abort_reason"):
            log.warning("worker %s aborted: %s", data.get("proc"), data["abort_reason"])
        if not self.ended and (data.get("abort_reason") or len(self.done) >= expected):
            self.ended = True
            gevent.spawn(self._end_when_counted, environment)

    def _end_when_counted(self, environment: Environment) -> None:
        """Give Locust's own statistics (workers report every 3 s, and once more when the
        master quits, which it waits only 0.5 s for) a bounded moment to count every answer."""
        assert environment.runner is not None
        for _ in range(STATS_WAIT_TICKS):
            if environment.runner.stats.total.num_requests >= sum(self.completed.values()):
                break
            gevent.sleep(0.1)
        end_run(environment)


def end_run(environment: Environment) -> None:
    """Headless runs exit; a run driven from the web UI just stops."""
    runner = environment.runner
    if runner is None:
        return
    options = environment.parsed_options
    if options is not None and getattr(options, "headless", False):
        gevent.spawn(runner.quit)
    else:
        gevent.spawn(runner.stop)


def locust_stats(environment: Environment) -> dict[str, Any]:
    """Locust's own view (response times bucketed to ~2 significant digits)."""
    runner = environment.runner
    assert runner is not None
    stats = runner.stats

    def entry(e: Any) -> dict[str, Any]:
        return {
            "method": e.method,
            "name": e.name,
            "num_requests": e.num_requests,
            "num_failures": e.num_failures,
            "median_ms": e.median_response_time,
            "avg_ms": round(e.avg_response_time, 3),
            "min_ms": e.min_response_time,
            "max_ms": e.max_response_time,
            "p90_ms": e.get_response_time_percentile(0.9),
            "p99_ms": e.get_response_time_percentile(0.99),
            "p999_ms": e.get_response_time_percentile(0.999),
            "rps": round(e.total_rps, 3),
        }

    return {
        "total": entry(stats.total),
        "entries": [entry(e) for e in stats.entries.values()],
        "failures": [
            {
                "method": e.method,
                "name": e.name,
                "error": str(e.error),
                "occurrences": e.occurrences,
            }
            for e in stats.errors.values()
        ],
    }
