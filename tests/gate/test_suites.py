"""The gate's load suite: one load result from the run and the limit search."""

from __future__ import annotations

from harness.gate._run import merge_load
from harness.results import Finding, LoadMetrics, LoadSuiteResult


def _load(metrics, findings=(), status=None, error=None):
    findings = list(findings)
    return LoadSuiteResult(
        name="load",
        status=status or ("fail" if findings else "pass"),
        findings=findings,
        error=error,
        metrics=LoadMetrics.model_validate(metrics),
        duration_s=2.0,
    )


def test_merge_load_keeps_the_runs_latency_and_the_searchs_limit():
    run = _load(
        {
            "latency_ms": {"p99": 12.0},
            "offered_rps": 20.0,
            "errors_by_code": {"match:errcode:40003": 1},
        }
    )
    search = _load(
        {
            "qps_limit": 50.5,
            "latency_ms": {"p99": 8.0},
            "limit_search": [{"offered": 40, "achieved": 40, "error_rate": 0, "ok": True}],
            "notes": ["n"],
            "errors_by_code": {"match:errcode:42900": 7},
        }
    )
    merged = merge_load(run, search, ["capped"])
    m = merged.metrics
    assert merged.status == "pass" and merged.duration_s == 4.0
    assert m.qps_limit == 50.5 and m.latency_ms.p99 == 12.0 and len(m.limit_search) == 1
    extra = m.model_extra
    assert extra["limit_latency_ms"]["p99"] == 8.0 and extra["limit_errors_by_code"] == {
        "match:errcode:42900": 7
    }
    assert extra["limit_notes"] == ["n"] and m.notes == ["capped"] and m.offered_rps == 20.0


def test_merge_load_carries_findings_and_errors_of_both():
    slow = Finding(
        suite="load",
        api="match",
        operation="match",
        check="slo_p99",
        severity="high",
        message="slow",
    )
    run = _load({"latency_ms": {"p99": 2000.0}}, [slow])
    broken = LoadSuiteResult(name="load", status="error", error="locust did not start")
    merged = merge_load(run, broken)
    assert merged.status == "error" and merged.error == "limit search: locust did not start"
    assert merged.findings == [slow]
    assert merge_load(run, None).status == "fail"


def test_merge_load_keeps_a_run_that_judged_nothing_inconclusive_with_why():
    """E-045: the run at the gate's own rate found the service saturated (or throttling); the
    stage said `pass` with no reason before, hiding why the load verdict was not a pass."""
    why = "58 of 81 requests at 20/s had no answer ...: saturated at this rate, not broken"
    run = _load({"offered_rps": 20.0}, status="inconclusive")
    run = run.model_copy(update={"reason": why, "testable_when": "the policy names a rate"})
    merged = merge_load(run, None, ["capped"])
    assert merged.status == "inconclusive" and merged.reason == why
    assert merged.testable_when == "the policy names a rate"
    assert merge_load(_load({}), None).status == "pass"
