"""Hand-made suite results and summaries for the gate's pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from harness.results import (
    AccuracyMetrics,
    Finding,
    LoadMetrics,
    SuiteResult,
    Summary,
    build_summary,
    derive_status,
)

T0 = datetime(2025, 11, 23, 9, 0, tzinfo=UTC)


def finding(
    severity: str = "high",
    check: str = "schema",
    suite: str = "conformance",
    operation: str = "match",
    key: str = "",
) -> Finding:
    return Finding(
        suite=suite,
        api="match",
        operation=operation,
        check=check,
        severity=severity,
        message=f"{check} broke",
        unique_key=key,
    )


def suite(name: str, findings: list[Finding] | None = None, **fields: Any) -> SuiteResult:
    findings = findings or []
    fields.setdefault("status", derive_status(findings))
    return SuiteResult(name=name, findings=findings, **fields)


def load(
    qps: float | None = 50.0,
    p99: float | None = 20.0,
    rate: float = 20.0,
    error_rate: float = 0.0,
    findings: list[Finding] | None = None,
) -> SuiteResult:
    metrics = LoadMetrics.model_validate(
        {
            "qps_limit": qps,
            "latency_ms": {"p50": 5.0, "p99": p99},
            "offered_rps": rate,
            "error_rate": error_rate,
            "errors_by_code": {"match:errcode:42900": 3, "jd:business:1155": 2, "http:503": 1},
        }
    )
    findings = findings or []
    return SuiteResult(
        name="load", status=derive_status(findings), findings=findings, metrics=metrics
    )


def accuracy(rows: list[dict[str, Any]]) -> SuiteResult:
    metrics = AccuracyMetrics.model_validate({"thresholds": rows})
    return SuiteResult(name="accuracy", status="pass", metrics=metrics)


def row(claim: str, fmr: float | None, fnmr: float | None, upper: float = 0.2) -> dict[str, Any]:
    return {
        "claim": claim,
        "fmr": fmr,
        "fnmr": fnmr,
        "verdict": "untestable",
        "fmr_ci95": (0.0, upper) if fmr is not None else None,
        "fnmr_ci95": (0.0, upper) if fnmr is not None else None,
    }


def summary(*suites: SuiteResult, minutes: int = 0) -> Summary:
    start = T0 + timedelta(minutes=minutes)
    return build_summary(
        target="emulator",
        started_at=start,
        finished_at=start + timedelta(seconds=30),
        suites=suites,
    )
