"""The result models: merging, statuses and the verdict rules that drive the exit code."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from harness.results import (
    Finding,
    Gate,
    GateCriterion,
    SuiteResult,
    Suites,
    Summary,
    build_summary,
    compute_verdict,
    contract_status,
    derive_status,
    merge_findings,
)

from .builders import T0, error_summary, full_summary


def _finding(**kw: object) -> Finding:
    base: dict[str, object] = {"suite": "fuzz", "api": "a", "operation": "POST /x"}
    base.update(check="c", severity="low", message="m")
    return Finding.model_validate({**base, **kw})


def _summary(*suites: SuiteResult, **kw: Any) -> Summary:
    return build_summary(
        target="t", started_at=T0, finished_at=T0 + timedelta(seconds=1), suites=suites, **kw
    )


def test_unique_key_defaults_to_suite_rule_operation() -> None:
    assert _finding(rule_id="FC-1").unique_key == "fuzz:FC-1:POST /x"
    assert _finding().unique_key == "fuzz:c:POST /x"


def test_merge_counts_occurrences_keeps_first_example_and_worst_severity() -> None:
    merged = merge_findings(
        [
            _finding(rule_id="R1", seed=1, severity="low"),
            _finding(rule_id="R2"),
            _finding(rule_id="R1", seed=2, severity="critical", count=3),
        ]
    )
    assert [(f.rule_id, f.count, f.severity, f.seed) for f in merged] == [
        ("R1", 4, "critical", 1),
        ("R2", 1, "low", None),
    ]


def test_severity_is_one_of_the_five() -> None:
    assert _finding(severity="medium").severity == "medium"
    for other in ("catastrophic", "warning", "HIGH"):  # producers use the five names, no aliases
        with pytest.raises(ValidationError):
            _finding(severity=other)


def test_finding_redacts_images_and_credentials_on_construction() -> None:
    image = "A" * 400
    request = _finding(request={"headers": {"Token": "t0k"}, "body": {"img": image}}).request
    assert request is not None and request["headers"] == {"Token": "***"}
    digest = hashlib.sha256(base64.b64decode(image)).hexdigest()
    assert request["body"]["img"] == f"<image sha256={digest} bytes=300>"


def test_derive_status() -> None:
    assert derive_status([]) == "pass"
    assert derive_status([_finding(severity="info")]) == "pass"
    assert derive_status([_finding()]) == "fail"
    assert derive_status([_finding()], error="boom") == "error"


@pytest.mark.parametrize(
    ("codes", "findings", "status"),
    [
        ({"http:404": 30}, [_finding(severity="high")], "inconclusive"),  # wrong base URL
        ({"http:404": 3, "http:405": 1}, [], "inconclusive"),  # or wrong method
        # review 2: a file server behind a wrong base URL (Python's http.server) answers the
        # methods it does not know 501 beside its 404s (was FAIL with 42 findings)
        ({"http:404": 179, "http:501": 4}, [_finding(severity="high")], "inconclusive"),
        ({"http:501": 30}, [_finding(severity="high")], "fail"),  # 501 alone: the service's
        ({"http:404": 3, "http:501": 1, "http:500": 1}, [_finding(severity="high")], "fail"),
        ({"http:400": 30}, [_finding(severity="high")], "fail"),  # a JSON/text 400 to all
        ({"http:500": 30}, [_finding(severity="high")], "fail"),  # crashes on everything
        ({"http:502": 30}, [_finding(severity="high")], "fail"),  # a proxy with no upstream
        ({"http:302": 30}, [_finding(severity="high")], "fail"),  # a redirect to a login page
        ({"http:404": 3, "http:502": 1}, [_finding(severity="high")], "fail"),
        ({"http:400": 3, "http:502": 1}, [], "pass"),  # no finding: the run's own status
        ({"http:404": 3, "no answer:reset": 2}, [_finding(check="answered")], "fail"),
        (
            {"http:404": 3, "no answer:reset": 2},
            [_finding(check="answered", severity="info")],
            "inconclusive",
        ),  # fmt: skip
        ({"http:400": 3, "http:200": 1}, [_finding(severity="high")], "fail"),  # a 2xx is judged
        ({"http:400": 3, "match:errcode:40001": 1}, [_finding(severity="high")], "fail"),
        ({"http:400": 3, "match:errcode:40001": 1}, [], "pass"),
        ({"no answer:timeout": 3}, [_finding(check="answered")], "fail"),
        ({}, [], "inconclusive"),  # nothing sent
        # hostile2 (long_length_open, `conform --max-seconds 12 --timeout 3`): requests sent (the
        # capability probes, a case stopped in flight by the time budget) but no outcome recorded
        # was a PASS of 0 findings
        ({"(sent)": 2}, [], "inconclusive"),
        # hostile2 (retry_after_garbage): a quota answer to everything passed conform and fuzz;
        # ``(throttled)``: answers that were throttling (E-045)
        (
            {"match:errcode:42900": 16, "jd:gateway:10043": 16, "(throttled)": 32},
            [],
            "inconclusive",
        ),
        ({"match:errcode:42900": 16, "match:errcode:0": 1, "(throttled)": 16}, [], "pass"),
    ],
)
def test_a_contract_suite_that_judged_no_answer_is_inconclusive(
    codes: dict[str, int], findings: list[Finding], status: str
) -> None:
    """A run whose every answer was a bare 404/405 (a wrong base URL or method) judged nothing:
    inconclusive. Any other bare answer to everything (a 500, a 502, a JSON 400, a 302) is the
    service's, and its findings fail it. Requests with no answer at all are still FH-H04's.
    Every answer throttling (E-045) or none recorded (``(sent)``: requests sent that left no
    code) judged nothing too."""
    codes = dict(codes)
    sent, throttled = codes.pop("(sent)", 0), codes.pop("(throttled)", 0)
    got, why, when = contract_status(
        findings, None, requests=sum(codes.values()) + sent, codes=codes, throttled=throttled
    )
    assert got == status, (got, why)
    assert (why is not None) == (status == "inconclusive") and (when is not None) == bool(
        status == "inconclusive" and (codes or sent)
    )


@pytest.mark.parametrize(
    ("codes", "fails", "status"),
    [
        ({"match:errcode:1001": 40}, False, "inconclusive"),  # refused throughout, own code
        ({"jd:gateway:19999": 9, "http:405": 3}, False, "inconclusive"),
        ({"match:errcode:1001": 40, "match:errcode:0": 1}, False, "pass"),  # one accepted
        ({"jd:gateway:10000": 2, "jd:business:0": 2, "jd:gateway:19999": 9}, False, "pass"),
        ({"match:errcode:40004": 40}, False, "pass"),  # documented refusals: judged
        ({"match:errcode:1001": 40}, True, "fail"),  # a failing finding stays a fail
    ],
)
def test_a_run_refused_throughout_with_unknown_codes_is_inconclusive(
    codes: dict[str, int], fails: bool, status: str
) -> None:
    """Hostile session 25: not one request accepted, refused with codes the table does not know
    (E-014: a service's own): nothing that needs an accepted answer was judged."""
    from harness.contract import load_contract

    found = [Finding(suite="fuzz", api="match", operation="match", check="c",
                     severity="high", message="m")] if fails else []  # fmt: skip
    got, why, when = contract_status(
        found, None, requests=sum(codes.values()), codes=codes, table=load_contract().codes
    )
    assert got == status, (got, why)
    assert (status == "inconclusive") == bool(why and when and "no answer accepted" in why)


@pytest.mark.parametrize(
    ("statuses", "gate_ok", "verdict"),
    [
        ((), None, "pass"),
        (("pass", "skipped"), True, "pass"),
        (("pass",), False, "fail"),
        (("fail", "pass"), True, "fail"),
        (("fail", "error"), False, "error"),
    ],
)
def test_verdict_rules(statuses: tuple[str, ...], gate_ok: bool | None, verdict: str) -> None:
    names = ["conformance", "fuzz", "load", "accuracy"]
    suites = [
        SuiteResult.model_validate({"name": n, "status": s, "error": "x" if s == "error" else None})
        for n, s in zip(names, statuses)
    ]
    gate = None if gate_ok is None else Gate(criteria=[GateCriterion(name="g", passed=gate_ok)])
    summary = _summary(*suites, gate=gate)
    assert summary.verdict == compute_verdict(summary) == verdict
    assert summary.exit_code == {"pass": 0, "fail": 1, "error": 2}[verdict]


def test_run_level_error_is_an_error_verdict() -> None:
    assert _summary(error="spec not found").verdict == "error"


def test_contradicting_verdict_or_gate_is_rejected() -> None:
    data = full_summary().model_dump(mode="json")
    with pytest.raises(ValidationError, match="contradicts"):
        Summary.model_validate({**data, "verdict": "pass"})
    with pytest.raises(ValidationError, match="contradicts"):
        Gate(criteria=[GateCriterion(name="g", passed=False)], passed=True)


def test_suites_slot_and_name_must_agree_and_unrun_suites_are_skipped() -> None:
    with pytest.raises(ValidationError, match="holds the result"):
        Suites.model_validate({"load": SuiteResult(name="fuzz", status="pass")})
    summary = error_summary()
    assert summary.suites.fuzz.status == "skipped"
    assert summary.suites.load.error and "unreachable" in summary.suites.load.error


def test_build_summary_rejects_a_suite_given_twice() -> None:
    one = SuiteResult(name="fuzz", status="pass")
    with pytest.raises(ValueError, match="twice"):
        _summary(one, one)


def test_load_and_accuracy_metrics_are_typed_from_plain_dicts() -> None:
    summary = _summary(
        SuiteResult(name="load", status="pass", metrics={"qps_limit": 12, "hdr": [[50, 3.0]]}),
        SuiteResult(
            name="accuracy",
            status="pass",
            metrics={
                "det": {"fmr": [0.1, 0.01], "fnmr": [0.2, 0.3]},
                "histogram": {"bin_edges": [0, 1, 2], "genuine": [1, 2], "impostor": [3, 4]},
                "thresholds": [
                    {
                        "threshold": 70,
                        "fmr": 0.001,
                        "fnmr": 0.02,
                        "verdict": "consistent",
                        "genuine": 10,
                        "impostor": 100,
                        "pairs": 110,
                        "fmr_ci95": [0, 0.01],
                    }
                ],
            },
        ),
    )
    load, accuracy = summary.suites.load.metrics, summary.suites.accuracy.metrics
    assert load is not None and load.qps_limit == 12.0 and load.hdr == [(50.0, 3.0)]
    assert accuracy is not None and accuracy.det is not None
    assert accuracy.det.points() == [(0.1, 0.2), (0.01, 0.3)]
    assert accuracy.histogram is not None and accuracy.histogram.bin_edges == [0, 1, 2]
    assert accuracy.thresholds[0].pairs == 110 and accuracy.thresholds[0].outcome == "pass"


def test_load_metrics_are_built_in_the_summary_shape() -> None:
    """``harness.loadgen``'s per-second rows and its encoded latency histogram become
    ``SeriesPoint`` rows and a percentile distribution; the raw histogram never reaches a report."""
    from hdrh.histogram import HdrHistogram

    from harness.loadgen.result import LoadResult
    from harness.loadgen.suite import run_metrics
    from harness.results import LoadMetrics

    hist = HdrHistogram(1, 60_000_000, 3)
    for micros in range(1000, 101000, 100):  # 1..101 ms, uniform
        hist.record_value(micros)
    latency = {"p50": 51.0, "p90": 91.0, "p99": 100.0, "p999": 101.0, "max": 101.0}
    row = {"t": 0, "epoch_s": 1700000000, "offered_rps": 10, "achieved_rps": 9, "ok_rps": 7,
           "p50_ms": 3.0, "p99_ms": 8.5, "errors_by_class": {"http_5xx": 2}, "errors_by_code": {},
           "late": 0, "dropped": 0}  # fmt: skip
    summary = {"mode": "open-model", "latency_ms": {**latency, "measured_from": "intended"},
               "service_ms": latency, "throughput_rps": 9.0, "goodput_rps": 7.0,
               "offered_rps": 10.0, "totals": {"completed": 1000}, "elapsed_s": 1.0,
               "error_rate": 0.2, "by_class": {}, "errors_by_code": {}, "stop_reason": "duration",
               "abort_reason": None, "series": [row], "hdr": {"unit": "us",
               "latency": hist.encode().decode(), "service": "ignored"}}  # fmt: skip
    metrics = LoadMetrics.model_validate(
        run_metrics(LoadResult(mode="open-model", summary=summary, series=[], out_dir=Path(".")))
    )
    point = metrics.series[0]
    assert (point.offered, point.achieved, point.p50, point.p99, point.errors) == (10, 9, 3, 8.5, 2)
    by_pct = dict(metrics.hdr)
    assert by_pct[50.0] == pytest.approx(51.0, rel=0.01)
    assert by_pct[100.0] == pytest.approx(101.0, rel=0.01)
    assert "ignored" not in metrics.model_dump_json()  # the raw histograms never reach a report
