"""Realistic summaries for the report tests: every suite, none, and a broken run."""

from __future__ import annotations

import base64
import io
import math
from datetime import UTC, datetime, timedelta

from PIL import Image

from harness.results import (
    AccuracyMetrics,
    BaselineComparison,
    CheckResult,
    Coverage,
    Erratum,
    Finding,
    Gate,
    GateCriterion,
    LatencyPercentiles,
    LimitStep,
    LoadMetrics,
    OperationCoverage,
    Regression,
    SeriesPoint,
    SuiteResult,
    Summary,
    build_summary,
    derive_status,
)

APP_KEY = "AK7f3a9c1e2b4d"
SECRET_KEY = "SK-super-secret-value-42"
SECRETS = [APP_KEY, SECRET_KEY]
SCRIPT_MESSAGE = "service said <script>alert('x')</script> & more"
T0 = datetime(2025, 11, 23, 9, 0, 0, tzinfo=UTC)


def jpeg_bytes() -> bytes:
    """A real (noisy, so not tiny) JPEG, as a face image would be sent."""
    image = Image.effect_noise((96, 96), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


JPEG = jpeg_bytes()
JPEG_B64 = base64.b64encode(JPEG).decode("ascii")


def _conformance() -> SuiteResult:
    request = {
        "method": "POST",
        "url": f"https://face.example.test/v2/compare?appkey={APP_KEY}&ts=1700000000",
        "headers": {"Content-Type": "application/json", "sign": "0a1b2c3d4e5f"},
        "body": {
            "image1": JPEG_B64,
            "image2": "data:image/jpeg;base64," + JPEG_B64,
            "secretKey": SECRET_KEY,
            "threshold": 70,
        },
    }
    findings = [
        Finding(
            suite="conformance",
            api="face-compare",
            operation="POST /v2/compare",
            check="status_code_documented",
            severity="high",
            rule_id="FC-012",
            message="status 502 is not documented for this operation",
            request=request,
            response={"status": 502, "body": "Bad Gateway"},
            reproduce=f"faceharness replay findings/FC-012-1.json  # appkey {APP_KEY}",
        ),
        Finding(
            suite="conformance",
            api="face-compare",
            operation="POST /v2/compare",
            check="error_body_schema",
            severity="medium",
            rule_id="FC-003",
            message=SCRIPT_MESSAGE,
            response={"status": 400, "body": {"msg": SCRIPT_MESSAGE}},
            reproduce=(
                f"curl -sS -X POST 'https://face.example.test/v2/compare' "
                f"-H 'Authorization: Bearer {SECRET_KEY}' -d '{{\"image1\": \"{JPEG_B64}\"}}'"
            ),
        ),
        Finding(
            suite="conformance",
            api="face-compare",
            operation="GET /v2/health",
            check="latency_header",
            severity="info",
            rule_id="FC-020",
            message="no X-Request-Id header",
        ),
    ]
    checks = [
        CheckResult(check="status_code_documented", operation="POST /v2/compare", duration_s=0.4),
        CheckResult(check="error_body_schema", operation="POST /v2/compare", duration_s=0.2),
        CheckResult(check="status_code_documented", operation="GET /v2/health", duration_s=0.1),
        CheckResult(check="latency_header", operation="GET /v2/health", duration_s=0.1),
    ]
    return SuiteResult(
        name="conformance",
        status=derive_status(findings),
        findings=findings,
        checks=checks,
        metrics={"requests": 212, "operations": 2},
    )


def _fuzz() -> SuiteResult:
    repeated = [
        Finding(
            suite="fuzz",
            api="face-compare",
            operation="POST /v2/compare",
            check="server_error",
            severity="critical",
            rule_id="FC-001",
            unique_key="fuzz:FC-001:POST /v2/compare:empty-image",
            seed=seed,
            message=f"500 Internal Server Error for an empty image (seed {seed})",
            reproduce=f"faceharness replay findings/FC-001-{seed}.json",
        )
        for seed in (11, 12, 13)
    ]
    other = Finding(
        suite="fuzz",
        api="face-compare",
        operation="POST /v2/compare",
        check="response_schema",
        severity="low",
        rule_id="FC-007",
        seed=99,
        message="score is a string, not a number",
    )
    return SuiteResult(
        name="fuzz", status="fail", findings=[*repeated, other], seed=42, metrics={"examples": 500}
    )


def _load() -> SuiteResult:
    series = [
        SeriesPoint(
            t=float(t),
            offered=50.0 + 5 * t,
            achieved=min(50.0 + 5 * t, 140.0),
            p50=20.0 + t * 0.5,
            p99=60.0 + t * 2.5,
            errors=max(0, t - 22),
        )
        for t in range(30)
    ]
    steps = [
        LimitStep(offered=o, achieved=min(o, 140.0), p99=40 + o / 2, error_rate=e, ok=e < 0.01)
        for o, e in ((50, 0.0), (100, 0.0), (130, 0.001), (150, 0.03), (200, 0.2))
    ]
    hdr = [
        (p, 20.0 * (1 / (1 - p / 100)) ** 0.25)
        for p in (0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99)
    ] + [(100.0, 410.0)]
    metrics = LoadMetrics(
        qps_limit=130.0,
        throughput_rps=128.4,
        requests=3852,
        duration_s=30.0,
        latency_ms=LatencyPercentiles(p50=21.5, p90=48.0, p99=95.2, p999=240.0, max=410.0),
        errors_by_code={"match:errcode:42900": 31, "http:503": 4},
        series=series,
        limit_search=steps,
        hdr=hdr,
        slo_p99_ms=200.0,
        slo_error_rate=0.01,
    )
    return SuiteResult(name="load", status="pass", metrics=metrics, duration_s=30.0)


def _accuracy() -> SuiteResult:
    det = [(10 ** (-4 + 4 * i / 49), 0.5 * math.exp(-i / 9) + 1e-3) for i in range(50)]
    metrics = AccuracyMetrics.model_validate(
        {
            "api": "face-compare",
            "target": "face.example.test",
            "complete": True,
            "pairs": {
                "planned": {"genuine": 600, "impostor": 6000},
                "measured": {"genuine": 600, "impostor": 6000},
                "pending": 0,
            },
            "codes": {"0": 6590, "222202": 10},
            "thresholds": [
                {
                    "claim": "match.score>=70",
                    "rule": "score>=",
                    "threshold": 70.0,
                    "claimed_fmr": 1e-3,
                    "fmr": 4e-3,
                    "fmr_ci95": [2.5e-3, 6.1e-3],
                    "fnmr": 0.021,
                    "fnmr_ci95": [0.011, 0.036],
                    "genuine": 600,
                    "impostor": 6000,
                    "false_matches": 24,
                    "false_non_matches": 13,
                    "verdict": "contradicted",
                    "verdict_direction": "worse",
                    "verdict_reason": "24/6000 lies above 0.001",
                },
                {
                    "claim": "match.score>=80",
                    "rule": "score>=",
                    "threshold": 80.0,
                    "claimed_fmr": 1e-4,
                    "fmr": 0.0,
                    "fmr_ci95": [0.0, 6.1e-4],
                    "fnmr": 0.06,
                    "fnmr_ci95": [0.042, 0.082],
                    "genuine": 600,
                    "impostor": 6000,
                    "verdict": "untestable",
                },
            ],
            "eer": {"value": 0.012, "ci95": [0.008, 0.017]},
            "det": {"threshold": [], "fmr": [d[0] for d in det], "fnmr": [d[1] for d in det]},
            "histogram": {
                "bin_edges": [i * 5.0 for i in range(21)],
                "genuine": [0] * 10 + [1, 3, 8, 20, 50, 90, 140, 150, 100, 38],
                "impostor": [300, 900, 1500, 1400, 1000, 500, 250, 100, 30, 14, 6] + [0] * 9,
            },
        }
    )
    return SuiteResult(
        name="accuracy",
        status="fail",
        metrics=metrics,
        findings=[
            Finding(
                suite="accuracy",
                api="face-compare",
                operation="POST /v2/compare",
                check="claimed_fmr",
                severity="high",
                rule_id="ACC-001",
                message="FMR 4.0e-03 at score>=70 contradicts the claimed 1e-3",
            )
        ],
    )


def full_summary() -> Summary:
    """Every suite ran: conformance and fuzz fail, load passes, accuracy fails, gate fails."""
    return build_summary(
        target=f"https://face.example.test/?appkey={APP_KEY}",
        started_at=T0,
        finished_at=T0 + timedelta(minutes=4, seconds=12),
        suites=[_conformance(), _fuzz(), _load(), _accuracy()],
        run_id="2025-11-23T0900-abc123",
        harness_version="0.1.0",
        seed=42,
        coverage=Coverage(
            operations=[
                OperationCoverage(
                    operation="POST /v2/compare",
                    api="face-compare",
                    method="POST",
                    path="/v2/compare",
                    requests=4100,
                    documented_codes=["200", "400", "401", "429", "222202"],
                    observed_codes={"200": 3900, "400": 120, "429": 31, "502": 1},
                ),
                OperationCoverage(
                    operation="GET /v2/health",
                    api="face-compare",
                    requests=12,
                    documented_codes=["200"],
                    observed_codes={"200": 12},
                ),
                OperationCoverage(
                    operation="POST /v2/detect", api="face-compare", documented_codes=["200", "400"]
                ),
            ]
        ),
        errata=[
            Erratum(id="E-001", title="HTTP 200 with error_code for invalid images"),
            Erratum(id="E-002", title="Scores are 0-100, not 0-1 as documented"),
        ],
        gate=Gate(
            criteria=[
                GateCriterion(
                    name="no critical findings",
                    passed=False,
                    reason="1 critical finding",
                    expected="0",
                    actual="1",
                ),
                GateCriterion(name="p99 below 200 ms at 100 req/s", passed=True, reason="95.2 ms"),
                GateCriterion(name="qps_limit >= 100", passed=True, expected="100", actual="130"),
            ]
        ),
        baseline=BaselineComparison(
            baseline="reports/2025-11-20T0900",
            regressions=[
                Regression(
                    metric="load.latency_ms.p99",
                    baseline=80.0,
                    current=95.2,
                    change_pct=19.0,
                    message="p99 up 19%",
                )
            ],
        ),
    )


def empty_summary() -> Summary:
    """No suite was selected: every section must say it did not run."""
    return build_summary(
        target="face-api.internal:8443",
        started_at=T0,
        finished_at=T0 + timedelta(seconds=1),
        suites=[],
    )


def error_summary() -> Summary:
    """Conformance passed, load could not run; the run is an error, not a failure."""
    return build_summary(
        target="face-api.internal:8443",
        started_at=T0,
        finished_at=T0 + timedelta(seconds=9),
        suites=[
            SuiteResult(
                name="conformance",
                status="pass",
                checks=[CheckResult(check="status_code_documented", operation="POST /v2/compare")],
            ),
            SuiteResult(
                name="load",
                status="error",
                error="target unreachable: connection refused (face-api.internal:8443)",
            ),
        ],
    )
