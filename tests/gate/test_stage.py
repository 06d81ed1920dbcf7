"""A stage can raise, overrun or ignore its time limit: the gate records an error and goes on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.clients import DEMO
from harness.errors import TargetError
from harness.gate._run import StageObserver, run_stage
from harness.results import SuiteResult
from harness.suite import RunContext

from .builders import finding


def ctx(tmp_path: Path) -> RunContext:
    return RunContext(
        target="emulator",
        url="http://127.0.0.1:9",
        is_emulator=True,
        credentials=DEMO,
        out_dir=tmp_path,
    )


@dataclass
class Stage:
    """A suite whose run is the function under test."""

    name: Any
    fn: Callable[[RunContext], Any]

    def run(self, c: RunContext) -> Any:
        return self.fn(c)


class Recorder(StageObserver):
    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def stage_started(self, name):
        self.events.append(("start", name))

    def stage_progress(self, name, done, total, text):
        self.events.append(("progress", name, text))

    def stage_finished(self, name, result):
        self.events.append(("finish", name, result.status))


def test_a_result_passes_through_with_timings(tmp_path):
    def stage(c):
        c.progress(1, 2, "half")
        return SuiteResult(name="fuzz", status="pass")

    seen = Recorder()
    result = run_stage(Stage("fuzz", stage), ctx(tmp_path), observer=seen, timeout_s=5, grace_s=1)
    assert result.status == "pass" and result.duration_s is not None and result.started_at
    assert seen.events == [
        ("start", "fuzz"),
        ("progress", "fuzz", "half"),
        ("finish", "fuzz", "pass"),
    ]


def test_an_exception_becomes_a_one_line_error(tmp_path):
    def harness_error(c):
        raise TargetError("target http://127.0.0.1:9 is unreachable: connection refused")

    def bug(c):
        raise KeyError("missing\nfield")

    a = run_stage(
        Stage("conformance", harness_error),
        ctx(tmp_path),
        observer=StageObserver(),
        timeout_s=5,
        grace_s=1,
    )
    b = run_stage(
        Stage("conformance", bug), ctx(tmp_path), observer=StageObserver(), timeout_s=5, grace_s=1
    )
    assert (
        a.status == "error"
        and a.error == "target http://127.0.0.1:9 is unreachable: connection refused"
    )
    assert b.status == "error" and b.error == "KeyError: 'missing\\nfield'"
    wrong = run_stage(
        Stage("fuzz", lambda c: {"status": "pass"}),
        ctx(tmp_path),
        observer=StageObserver(),
        timeout_s=5,
        grace_s=1,
    )
    assert wrong.status == "error" and "not a SuiteResult" in wrong.error


def test_an_overrunning_stage_is_stopped_at_its_next_progress_report(tmp_path):
    def stage(c):
        for i in range(1000):  # bounded: 1000 x 10 ms
            c.progress(i, 1000, "working")
            time.sleep(0.01)
        return SuiteResult(name="load", status="pass")

    t0 = time.monotonic()
    result = run_stage(
        Stage("load", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.3, grace_s=1
    )
    assert time.monotonic() - t0 < 2
    assert result.status == "error" and result.error == "stopped at its 0.3 s time limit"


def test_a_stage_past_its_limit_keeps_what_it_found(tmp_path):
    """Hostile round 10: the stage's progress raised at its limit, so a suite slowed by a hostile
    service lost every finding of the stage. It is now asked to stop as at Ctrl-C (the suites
    check ``interrupt.requested()`` before each request) and its partial result is kept."""
    from harness import interrupt
    from harness.results import CheckResult

    def stage(c):
        checks = []
        for i in range(500):  # bounded: 500 x 10 ms
            if interrupt.requested():
                return SuiteResult(name="conformance", status="interrupted", checks=checks,
                                   findings=[finding(key="slow")],
                                   reason=f"interrupted ({interrupt.requested()})")  # fmt: skip
            c.progress(i, 500, "probing")
            checks.append(CheckResult(check=f"probe-{i}", status="pass"))
            time.sleep(0.01)
        return SuiteResult(name="conformance", status="pass", checks=checks)

    result = run_stage(
        Stage("conformance", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.3,
        grace_s=1,
    )  # fmt: skip
    assert result.status == "error", result
    assert result.error == "stopped at its 0.3 s time limit; the results are partial"
    assert len(result.checks) >= 5 and result.reason is None
    assert [f.unique_key for f in result.findings] == ["slow"]
    assert interrupt.requested() is None  # the next stage starts afresh


def test_a_stage_that_never_reports_is_abandoned(tmp_path):
    release = threading.Event()

    def stage(c):
        release.wait(10)  # bounded; released below so no thread outlives the test
        return SuiteResult(name="accuracy", status="pass")

    t0 = time.monotonic()
    try:
        result = run_stage(
            Stage("accuracy", stage),
            ctx(tmp_path),
            observer=StageObserver(),
            timeout_s=0.2,
            grace_s=0.2,
        )
    finally:
        release.set()
    assert time.monotonic() - t0 < 2
    assert result.status == "error"
    assert result.error == "did not finish within its 0.2 s time limit; abandoned"
