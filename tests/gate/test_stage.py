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
        Stage("load", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.3, grace_s=5
    )
    assert time.monotonic() - t0 < 2
    assert result.status == "error" and result.error == "stopped at its 0.3 s time limit"


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
