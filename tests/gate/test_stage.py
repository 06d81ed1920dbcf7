"""A stage can raise, overrun or ignore its time limit: the gate records an error and goes on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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
    done = []

    def stage(c):
        for i in range(2000):  # bounded: 2000 x 10 ms
            c.progress(i, 2000, "working")
            done.append(i)
            time.sleep(0.01)
        return SuiteResult(name="load", status="pass")

    # grace 4 s: the worker has 2 s to be scheduled after each phase, even on a loaded 2-core CI
    result = run_stage(
        Stage("load", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.3, grace_s=4
    )
    assert result.status == "error" and result.error == "stopped at its 0.3 s time limit"
    assert 0 < len(done) < 2000  # stopped by its progress report, not by finishing


def _listening(findings):
    """A suite that stops as at Ctrl-C: it checks ``interrupt.requested()`` before each probe."""
    from harness import interrupt
    from harness.results import CheckResult

    def stage(c):
        checks = []
        for i in range(3000):  # bounded: 3000 x 10 ms
            if interrupt.requested():
                return SuiteResult(name="conformance", status="interrupted", checks=checks,
                                   findings=findings,
                                   reason=f"interrupted ({interrupt.requested()})")  # fmt: skip
            c.progress(i, 3000, "probing")
            checks.append(CheckResult(check=f"probe-{i}", status="pass"))
            time.sleep(0.01)
        return SuiteResult(name="conformance", status="pass", checks=checks)

    return Stage("conformance", stage)


def test_a_stage_past_its_limit_keeps_what_it_found(tmp_path):
    """Hostile round 10: the stage's progress raised at its limit, so a suite slowed by a hostile
    service lost every finding of the stage. It is now asked to stop as at Ctrl-C (the suites
    check ``interrupt.requested()`` before each request) and its partial result is kept. Review
    s21: kept as ``error``, a seed defect it found made the gate exit 2 ("could not run"), not 1
    (findings): a partial result that fails is ``fail``, one that does not is ``inconclusive``."""
    from harness import interrupt
    from harness.results import compute_verdict

    result = run_stage(
        _listening([finding(key="slow")]), ctx(tmp_path), observer=StageObserver(),
        timeout_s=0.3, grace_s=4,
    )  # fmt: skip
    assert result.status == "fail", result
    assert result.error is None
    assert result.reason == "stopped at its 0.3 s time limit; the results are partial"
    assert len(result.checks) >= 1
    assert [f.unique_key for f in result.findings] == ["slow"]
    assert interrupt.requested() is None  # the next stage starts afresh
    assert compute_verdict(_summary(result)) == "fail"

    clean = run_stage(
        _listening([]), ctx(tmp_path), observer=StageObserver(), timeout_s=0.3, grace_s=4
    )
    assert clean.status == "inconclusive" and clean.error is None, clean
    assert clean.reason == "stopped at its 0.3 s time limit; the results are partial"
    assert "run.stage_timeout_s" in clean.testable_when
    assert compute_verdict(_summary(clean)) == "inconclusive"


def _summary(result):
    from datetime import UTC, datetime

    from harness.contract import load_contract
    from harness.results import build_summary

    now = datetime.now(UTC)
    return build_summary(
        target="emulator", started_at=now, finished_at=now, suites=[result],
        contract=load_contract(),
    )  # fmt: skip


def test_a_stage_finishing_past_its_limit_without_asking_is_complete(tmp_path, monkeypatch):
    """Review s21: whether it overran was read before the cancel, so a stage that finished just
    after its limit, never asking whether to stop, was called partial though complete."""
    from harness import interrupt

    asked = threading.Event()
    real_cancel = interrupt.cancel

    def cancel(reason, others=()):
        real_cancel(reason, others)
        if reason is not None:
            asked.set()  # the limit's cancel: the stage now finishes, without asking

    monkeypatch.setattr(interrupt, "cancel", cancel)

    def stage(c):
        asked.wait(30)  # bounded; set by the cancel above
        return SuiteResult(name="fuzz", status="pass", findings=[finding(key="x")])

    result = run_stage(
        Stage("fuzz", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.05, grace_s=60
    )
    assert asked.is_set()
    assert result.status == "pass" and result.reason is None and result.error is None, result


def test_an_error_of_a_stage_past_its_limit_says_the_limit(tmp_path):
    """Review s21: a suite that raised once cancelled (accuracy's BudgetExhausted) ended as 'the
    run was interrupted', not at its time limit."""
    from harness import interrupt
    from harness.pacing import BudgetExhausted

    def stage(c):
        for _ in range(3000):  # bounded: 3000 x 10 ms
            if interrupt.requested():
                raise BudgetExhausted("the run was interrupted")
            time.sleep(0.01)
        return SuiteResult(name="accuracy", status="pass")

    result = run_stage(
        Stage("accuracy", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.3,
        grace_s=4,
    )  # fmt: skip
    assert result.status == "error"
    assert result.error == (
        "stopped at its 0.3 s time limit (BudgetExhausted: the run was interrupted)"
    )


def test_the_accuracy_suite_past_its_limit_keeps_the_pairs_it_measured(tmp_path, monkeypatch):
    """Review s21: accuracy re-raised ``BudgetExhausted`` on any stop, so at its stage limit it
    lost every pair it had measured. The real suite (fast engine, a tiny sample): the limit
    passes while its first pair is reported, and the stage keeps that pair."""
    from harness import interrupt
    from harness.accuracy import AccuracySuite

    reported = threading.Event()
    real_cancel = interrupt.cancel

    def cancel(reason, others=()):
        if reason is not None:
            reported.wait(60)  # bounded: the limit falls after the first pair, not before it
        real_cancel(reason, others)

    monkeypatch.setattr(interrupt, "cancel", cancel)

    class FirstPair(StageObserver):
        def stage_progress(self, name, done, total, text):
            reported.set()
            for _ in range(3000):  # bounded: until the limit's cancel (3000 x 10 ms)
                if interrupt.requested():
                    return
                time.sleep(0.01)

    suite = AccuracySuite(apis=("match",), max_pairs=6, engine="fast")
    result = run_stage(suite, ctx(tmp_path), observer=FirstPair(), timeout_s=0.05, grace_s=60)
    assert reported.is_set()
    assert result.status == "inconclusive" and result.error is None, result
    assert result.reason.startswith("stopped at its 0.05 s time limit; the results are partial")
    assert result.metrics.run["calls"] == 1  # the first pair, then no more calls
    assert any("calls stopped early: stopped at its 0.05 s" in n for n in result.metrics.notes)


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


def test_reset_forgets_a_stage_limits_cancel():
    """Review s21: a library caller's next run must not start cancelled by an earlier one's
    stage limit (``reset`` cleared only the signal)."""
    from harness import interrupt

    interrupt.cancel("stopped at its 1 s time limit")
    try:
        interrupt.reset()
        assert interrupt.requested() is None
    finally:
        interrupt.cancel(None)


def test_a_ctrl_c_in_the_grace_after_the_limit_keeps_the_stages_results(tmp_path):
    """Review s21: a Ctrl-C while the gate joined a stage past its limit (the grace) left
    ``run_stage`` as a KeyboardInterrupt, and the stage's findings were lost (the gate wrote it
    as "not run"). The stage here hears the limit's cancel, the user presses Ctrl-C then, and
    the stage returns what it found once it hears the Ctrl-C."""
    import _thread
    import signal

    from harness import interrupt
    from harness.results import CheckResult

    def stage(c):
        for _ in range(3000):  # bounded: 3000 x 10 ms, until the limit's cancel
            if interrupt.requested():
                break
            time.sleep(0.01)
        _thread.interrupt_main()  # Ctrl-C, during the grace join
        for _ in range(3000):  # bounded: until the gate records the Ctrl-C
            if (interrupt.requested() or "").startswith("SIGINT"):
                break
            time.sleep(0.01)
        return SuiteResult(name="conformance", status="interrupted", findings=[finding(key="k")],
                           checks=[CheckResult(check="probe-0", status="pass")])  # fmt: skip

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result = run_stage(
            Stage("conformance", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.05,
            grace_s=60,
        )  # fmt: skip
        assert (interrupt.requested() or "").startswith("SIGINT")
    except KeyboardInterrupt:
        pytest.fail("the Ctrl-C left run_stage: the stage's results were lost")
    finally:
        signal.signal(signal.SIGINT, previous)
        interrupt.reset()
    assert result.status == "interrupted", result
    assert [f.unique_key for f in result.findings] == ["k"] and len(result.checks) == 1
    assert result.reason.startswith("interrupted (SIGINT after")


def test_a_thread_not_of_the_stage_asking_is_not_the_stage_hearing_the_cancel(
    tmp_path, monkeypatch
):
    """Review s21: ``interrupt.heard`` was set by any thread that asked, so a stage that finished
    just past its limit without asking read partial when another thread (an abandoned stage's,
    the gate's own) asked meanwhile. Only the cancelled stage's threads mark it now."""
    from harness import interrupt

    ask, asked, finish = threading.Event(), threading.Event(), threading.Event()

    def other():  # started before the stage, as an abandoned earlier stage's thread is
        if ask.wait(30):  # bounded
            interrupt.requested()
            asked.set()

    elsewhere = threading.Thread(target=other, daemon=True)
    elsewhere.start()
    real_cancel = interrupt.cancel

    def cancel(reason, others=()):
        real_cancel(reason, others)
        if reason is not None:
            ask.set()
            asked.wait(30)  # bounded: the other thread asked
            finish.set()  # the stage now finishes, without asking

    monkeypatch.setattr(interrupt, "cancel", cancel)

    def stage(c):
        finish.wait(30)  # bounded
        return SuiteResult(name="fuzz", status="pass")

    try:
        result = run_stage(
            Stage("fuzz", stage), ctx(tmp_path), observer=StageObserver(), timeout_s=0.05,
            grace_s=60,
        )  # fmt: skip
    finally:
        ask.set()
        elsewhere.join(5)
    assert asked.is_set()
    assert result.status == "pass" and result.reason is None and result.error is None, result


def test_the_load_stage_charges_its_limit_search_with_what_its_run_sent(tmp_path, monkeypatch):
    """One stage, one request budget (docs/gate.md: per suite, load 1,000 against a URL): the
    limit search after the stage's run was given the whole budget again, so up to twice
    ``url_max_requests`` reached a live target. The search is now charged with the run's
    requests (``requests_sent``: its preflight, runs and low-rate run; a real run's count is
    checked against what its target read in tests/load/test_load_suite.py)."""
    from harness.gate._policy import QUICK, Policy
    from harness.gate._run import LoadStage
    from harness.loadgen import suite as load_suite
    from harness.results import LoadMetrics, LoadSuiteResult

    seen: list[tuple[bool, int, int | None]] = []

    def run(self: Any, c: RunContext) -> LoadSuiteResult:
        seen.append((self.search is not None, c.spent, c.max_requests))
        said = {"qps_limit": 4.0, "qps_limit_bound": "exact"} if self.search else {}
        metrics = LoadMetrics.model_validate(said or {"requests_sent": 412})
        return LoadSuiteResult(name="load", status="pass", metrics=metrics)

    monkeypatch.setattr(load_suite.LoadSuite, "run", run)
    live = RunContext(target="http://127.0.0.1:9", url="http://127.0.0.1:9", is_emulator=False,
                      credentials=DEMO, out_dir=tmp_path, max_requests=1000, spent=3)  # fmt: skip
    profile = QUICK.model_copy(update={"limit_search": "always"})
    LoadStage(profile, Policy()).run(live)
    assert seen == [(False, 3, 1000), (True, 3 + 412, 1000)], seen
