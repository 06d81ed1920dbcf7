"""Result data of a run, no I/O: the models are the contract of ``summary.json``. Verdicts
(docs/gate.md), first match wins: interrupted, error, fail, inconclusive (blocking, or nothing
that ran concluded), pass (inconclusive items counted); skipped suites count for nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.interrupt import EXIT_INTERRUPTED
from harness.redact import redact, redact_text

SCHEMA_VERSION: Literal["1.0"] = "1.0"

Severity = Literal["critical", "high", "medium", "low", "info"]
Basis = Literal["seed", "convention", "reading"]
ReadingObserved = Literal["default", "alternative", "mixed", "not-exercised"]
SuiteName = Literal["conformance", "fuzz", "load", "accuracy"]
SuiteStatus = Literal["pass", "fail", "error", "skipped", "inconclusive", "interrupted"]
Verdict = Literal["pass", "fail", "error", "inconclusive", "interrupted"]

SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
SUITE_NAMES: tuple[SuiteName, ...] = ("conformance", "fuzz", "load", "accuracy")
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "error", "inconclusive", "interrupted")
_EXIT_CODES: dict[str, int] = {
    "pass": 0,
    "fail": 1,
    "error": 2,
    "inconclusive": 0,
    "interrupted": EXIT_INTERRUPTED,
}


class _Model(BaseModel):
    """Strict base: a misspelt field in a producer is a bug, not silently dropped data."""

    model_config = ConfigDict(extra="forbid")


class _Metrics(BaseModel):
    """Metric containers keep unknown keys: suites may record more than the report shows."""

    model_config = ConfigDict(extra="allow")


class Finding(_Model):
    """One contract violation (or notable behaviour) of the service, with a way to replay it.

    ``request`` and ``response`` are redacted on construction (credential keys masked, face
    images replaced by their sha256), so a Finding is always safe to write out. Configured
    secret *values* are masked again by the writers, which know them."""

    suite: SuiteName
    api: str = Field(description="API (spec) name, e.g. 'face-compare-v2'")
    operation: str = Field(description="operation id or 'METHOD /path'")
    check: str = Field(description="name of the check that failed, e.g. 'status_code_documented'")
    severity: Severity
    message: str = Field(description="one-line explanation; may quote service output")
    rule_id: str | None = Field(default=None, description="contract rule id, e.g. 'FC-012'")
    unique_key: str = Field(
        default="", description="identity of the underlying bug; examples sharing it are merged"
    )
    count: int = Field(default=1, ge=1, description="occurrences merged into this finding")
    seed: int | None = Field(default=None, description="generator seed that produced the example")
    request: dict[str, Any] | None = Field(default=None, description="redacted request")
    response: dict[str, Any] | str | None = Field(
        default=None, description="redacted response excerpt (status, headers, body)"
    )
    reproduce: str | None = Field(
        default=None, description="shell command re-sending the request (replay or curl)"
    )
    erratum: str | None = Field(default=None, description="id of a known erratum this matches")
    basis: Basis | None = Field(
        default=None,
        description="why this is a defect: 'seed' (a document's sentence), 'convention' (an "
        "HTTP, JSON or security norm, at most low, not counted unless a gate policy counts "
        "conventions) or 'reading' (a reading the gate policy requires)",
    )

    @model_validator(mode="after")
    def _normalise(self) -> Self:
        if not self.unique_key:
            self.unique_key = f"{self.suite}:{self.rule_id or self.check}:{self.operation}"
        for key in ("request", "response", "message", "reproduce"):
            setattr(self, key, redact(getattr(self, key)))
        return self

    @property
    def fails(self) -> bool:
        """Whether it fails its suite alone: not ``info``, nor a convention's (an HTTP, JSON or
        security norm no document states: E-015)."""
        return self.severity != "info" and self.basis != "convention"

    @property
    def not_counted(self) -> str:
        """The console's words for a finding listed without failing its run (a convention's,
        counted only by a gate policy with ``[findings] conventions = true``), else ""."""
        if self.basis == "convention" and self.severity != "info":
            return "basis convention: listed, not counted unless a gate policy counts conventions"
        return ""


class CheckResult(_Model):
    """One executed check on one operation; becomes a JUnit test case."""

    check: str
    operation: str = ""
    api: str | None = None
    status: SuiteStatus = "pass"
    duration_s: float | None = None
    message: str | None = None


class LatencyPercentiles(_Metrics):
    """Latency summary in milliseconds."""

    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    p999: float | None = None
    max: float | None = None


class SeriesPoint(_Metrics):
    """One second of a load run."""

    t: float = Field(description="seconds since the start of the run")
    offered: float = Field(description="requests/s offered")
    achieved: float = Field(description="responses/s received")
    p50: float | None = Field(default=None, description="ms")
    p99: float | None = Field(default=None, description="ms")
    errors: int = 0


class LimitStep(_Metrics):
    """One step of the QPS-limit search: evidence for where the limit was placed."""

    offered: float
    achieved: float
    p99: float | None = Field(default=None, description="ms")
    error_rate: float = Field(ge=0, le=1)
    ok: bool | None = Field(default=None, description="whether the step met the SLO")


class LoadMetrics(_Metrics):
    qps_limit: float | None = Field(
        default=None, description="highest sustainable rate found (read with qps_limit_bound)"
    )
    qps_limit_bound: Literal["exact", "lower", "upper"] | None = Field(
        default=None,
        description="exact: between a passing and a failing rate; lower: the search stopped "
        "(ceiling, budget) before a rate failed, the limit is at least qps_limit; upper: no "
        "rate passed, the limit is below qps_limit",
    )
    latency_ms: LatencyPercentiles | None = None
    throughput_rps: float | None = None
    requests: int | None = None
    duration_s: float | None = None
    errors_by_code: dict[str, int] = Field(
        default_factory=dict,
        description="requests not a success, spelled as a suite's codes: api:where:code (then "
        "any qualifier: match:errcode:0 success=false), http:<status>, no answer:<kind>",
    )
    series: list[SeriesPoint] = Field(default_factory=list)
    limit_search: list[LimitStep] = Field(default_factory=list)
    slo_p99_ms: float | None = None
    slo_error_rate: float | None = None
    hdr: list[tuple[float, float]] = Field(
        default_factory=list,
        description="[percentile in percent (0-100], latency_ms] pairs, HdrHistogram style",
    )
    offered_rps: float | None = Field(default=None, description="a run's offered requests/s")
    error_rate: float | None = Field(default=None, description="a run's non-success fraction")
    stopped_by: str | None = Field(default=None, description="why a limit search stopped")
    knee_rps: float | None = Field(default=None, description="a search's latency knee")
    plateau_rps: float | None = Field(default=None, description="a throttle's ok/s plateau")
    failed_rps: float | None = Field(
        default=None, description="a rate that failed from rest: a limit left unnamed is below it"
    )
    notes: list[str] = Field(default_factory=list)
    inconclusive: str | None = Field(
        default=None, description="why a search that failed no step is not a pass"
    )


# Built by ``harness.accuracy`` (``AccuracyResult.to_dict()``) in exactly these shapes.

ClaimVerdict = Literal["consistent", "contradicted", "untestable"]
_CLAIM_OUTCOMES: dict[str, Literal["pass", "fail", "inconclusive"]] = {
    "consistent": "pass",
    "contradicted": "fail",
    "untestable": "inconclusive",
}


class ThresholdResult(_Metrics):
    """Error rates at one documented operating point, with exact 95% intervals."""

    claim: str | None = Field(default=None, description="operating point id")
    rule: str | None = Field(default=None, description="'score>=' or 'decision'")
    threshold: float | None = Field(default=None, description="None for rule 'decision'")
    claimed_fmr: float | None = Field(default=None, description="FMR the vendor documents")
    fmr: float | None = Field(default=None, ge=0, le=1)
    fmr_ci95: tuple[float, float] | None = None
    fnmr: float | None = Field(default=None, ge=0, le=1)
    fnmr_ci95: tuple[float, float] | None = None
    frr: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="ISO/IEC 19795-1 false reject rate, FTA + FNMR (1 - FTA): genuine pairs "
        "declined (failures to acquire, or a documented refusal about the presented images: "
        "codes.yaml about: images, such as JD liveness 1157) or not matched, of genuine pairs "
        "compared or so declined; a refusal about the caller (JD 1159 risk control, the "
        "account) is in neither, unless such refusals fall on genuine pairs; genuine pairs "
        "turned away without a decision under every reading are in it (frr_undecided)",
    )
    frr_ci95: tuple[float, float] | None = None
    frr_errors: int | None = Field(
        default=None,
        description="FRR's errors: genuine pairs declined (failures to acquire, refusals about "
        "the presented images), turned away without a decision (frr_undecided) or not matched",
    )
    frr_trials: int | None = Field(
        default=None,
        description="FRR's trials: genuine pairs compared, declined (failures to acquire, "
        "refusals about the presented images) or turned away without a decision",
    )
    false_matches: int | None = None
    false_non_matches: int | None = None
    genuine: int | None = Field(default=None, description="genuine pairs scored")
    impostor: int | None = Field(default=None, description="impostor pairs scored")
    pairs: int | None = Field(default=None, description="pairs scored; genuine + impostor")
    verdict: ClaimVerdict
    verdict_direction: Literal["worse", "better"] | None = None
    verdict_reason: str | None = None
    impostor_pairs_needed: int | None = None
    scale_unknown: str | None = Field(
        default=None,
        description="why the rates at this score threshold describe nothing of the service: no "
        "pair reached any of its API's score thresholds, so its scores are not tied to the "
        "documented scale (ERRATA E-046); a gate limit here is inconclusive",
    )

    @property
    def outcome(self) -> Literal["pass", "fail", "inconclusive"]:
        """The plot's colour; whether a contradicted claim fails is its reading's (accuracy)."""
        return _CLAIM_OUTCOMES[self.verdict]


class DetCurve(_Metrics):
    """DET points, ascending threshold; ``threshold`` may be empty."""

    fmr: list[float]
    fnmr: list[float]
    threshold: list[float] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if len(self.fmr) != len(self.fnmr) or len(self.threshold) not in (0, len(self.fmr)):
            raise ValueError("det needs as many fmr as fnmr values (and thresholds, if any)")
        return self

    def points(self) -> list[tuple[float, float]]:
        return list(zip(self.fmr, self.fnmr, strict=True))


class Histogram(_Metrics):
    """Genuine and impostor score counts over shared bins (``len(bin_edges) = bins + 1``)."""

    bin_edges: list[float]
    genuine: list[int]
    impostor: list[int]

    @model_validator(mode="after")
    def _shape(self) -> Self:
        bins = len(self.bin_edges) - 1
        if len(self.genuine) != bins or len(self.impostor) != bins:
            raise ValueError("histogram needs len(bin_edges) - 1 genuine and impostor counts")
        return self


class Eer(_Metrics):
    value: float
    ci95: tuple[float, float] | None = None
    bootstrap: dict[str, Any] | None = None


class PairCounts(_Metrics):
    planned: dict[str, int] = Field(default_factory=dict)
    measured: dict[str, int] = Field(default_factory=dict)
    pending: int = 0


class AccuracyMetrics(_Metrics):
    api: str | None = None
    target: str | None = None
    complete: bool | None = None
    pairs: PairCounts | None = None
    outcomes: dict[str, dict[str, int]] = Field(default_factory=dict)
    fta_rate: dict[str, float | None] = Field(default_factory=dict)
    codes: dict[str, int] = Field(default_factory=dict)
    thresholds: list[ThresholdResult] = Field(default_factory=list)
    eer: Eer | None = None
    det: DetCurve | None = None
    histogram: Histogram | None = None
    run: dict[str, Any] | None = None
    dataset: str | None = None
    readings: dict[str, Any] = Field(default_factory=dict)  # ReadingLog.to_dict(): E-044, E-036


class ContractMetrics(_Metrics):
    """What conformance and fuzz count alike (the gate's coverage reads it): requests, requests
    per operationId, answers as ``api:where:code`` (``harness.contract.Answer.code_keys``)."""

    seed: int | None = None
    requests: int = 0
    requests_by_operation: dict[str, int] = Field(default_factory=dict)
    codes: dict[str, int] = Field(default_factory=dict)
    budget_exhausted: bool = Field(default=False, description="the request budget ran out")
    readings: dict[str, Any] = Field(default_factory=dict)  # ReadingLog.to_dict()


class ApiRun(_Metrics):
    """One API's part of a conformance run."""

    requests: int = 0
    engine_seconds: float = 0.0
    stop_reason: str = ""
    engine_errors: list[str] = Field(default_factory=list)
    probes_skipped: list[str] = Field(default_factory=list)
    probes_unpaced: list[str] = Field(
        default_factory=list,
        description="probes that send requests in flight together, not run at the run's "
        "client-side pace (a live target at under 2 requests/s: from 2, a mini-burst of a "
        "second's worth runs them): listed, the verdict unchanged",
    )
    probes_unjudged: dict[str, str] = Field(
        default_factory=dict,
        description="probes that ran but could not judge a case, and why (the JD window's near "
        "cases with the service's clocks disagreeing, E-019): a pass is inconclusive",
    )


class ConformanceMetrics(ContractMetrics):
    apis: dict[str, ApiRun] = Field(default_factory=dict)
    examples: int | None = None
    max_rps: float | None = None
    max_requests: int | None = None
    phases: list[str] = Field(default_factory=list)
    request_timeout_s: float | None = None
    max_seconds: float | None = None
    time_budget_spent: bool = False
    request_budget_spent: bool = Field(
        default=False,
        description="the run's request budget ran out: a phase stopped at its share and probes "
        "were skipped for it or (almost) none of max_requests is left",
    )
    findings: int = 0


class PropertyRun(_Metrics):
    """One fuzz property: its outcome, the requests and seconds it took, why it did not pass."""

    status: SuiteStatus
    requests: int = 0
    seconds: float = 0.0
    note: str = ""


class FuzzMetrics(ContractMetrics):
    engine: str | None = Field(default=None, description="the emulator's face engine")
    api: str | None = None
    max_examples: int | None = None
    reconnects: int = 0
    properties: dict[str, PropertyRun] = Field(default_factory=dict)
    swap_tolerance: dict[str, float] = Field(default_factory=dict)
    database: str | None = Field(default=None, description="the hypothesis example database")


class SuiteResult(_Model):
    """Outcome of one suite; each suite's own result class types its ``metrics``."""

    name: SuiteName
    status: SuiteStatus
    findings: list[Finding] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    metrics: Any = None
    error: str | None = Field(default=None, description="why the suite could not run")
    skipped_reason: str | None = None
    reason: str | None = Field(
        default=None, description="why the suite is inconclusive or was interrupted"
    )
    testable_when: str | None = Field(
        default=None, description="inconclusive: what would let the suite reach a verdict"
    )
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    seed: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.status == "error" and not self.error:
            self.error = "suite failed to run (no reason recorded)"
        if self.status == "inconclusive" and not self.reason:
            self.reason = "the suite could not test what it claims (no reason recorded)"
        if self.status == "interrupted" and not self.reason:
            self.reason = "the run was interrupted"
        return self


class ConformanceSuiteResult(SuiteResult):
    metrics: ConformanceMetrics | None = None


class FuzzSuiteResult(SuiteResult):
    metrics: FuzzMetrics | None = None


class LoadSuiteResult(SuiteResult):
    metrics: LoadMetrics | None = None


class AccuracySuiteResult(SuiteResult):
    metrics: AccuracyMetrics | None = None


class Suites(_Model):
    """The four suites; a suite that was not selected is ``skipped``."""

    conformance: ConformanceSuiteResult
    fuzz: FuzzSuiteResult
    load: LoadSuiteResult
    accuracy: AccuracySuiteResult

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        """Accept ``SuiteResult`` objects, ``name`` from the slot; a suite not given is skipped."""
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {
            name: {"name": name, "status": "skipped", "skipped_reason": "not selected"}
            for name in SUITE_NAMES
        }
        for key, value in data.items():
            if isinstance(value, SuiteResult):
                value = value.model_dump()
            if isinstance(value, dict) and key in out:
                value = {"name": key, **value}
                if value["name"] != key:
                    raise ValueError(f"suites.{key} holds the result of suite {value['name']!r}")
            out[key] = value
        return out

    def __getitem__(self, name: str) -> SuiteResult:
        if name not in SUITE_NAMES:
            raise KeyError(name)
        result: SuiteResult = getattr(self, name)
        return result

    def items(self) -> list[tuple[SuiteName, SuiteResult]]:
        return [(name, self[name]) for name in SUITE_NAMES]


class OperationCoverage(_Model):
    """How much of one documented operation the run exercised."""

    operation: str
    api: str | None = None
    method: str | None = None
    path: str | None = None
    requests: int = Field(default=0, ge=0)
    documented_codes: list[str] = Field(
        default_factory=list, description="HTTP statuses / error codes the contract documents"
    )
    observed_codes: dict[str, int] = Field(
        default_factory=dict, description="code -> times observed"
    )

    @property
    def exercised(self) -> bool:
        return self.requests > 0

    @property
    def shared(self) -> bool:
        return self.api is not None and self.operation == shared_codes_row(self.api)

    @property
    def never_triggered(self) -> list[str]:
        return [c for c in self.documented_codes if c not in self.observed_codes]

    @property
    def undocumented(self) -> list[str]:
        return [c for c in self.observed_codes if c not in self.documented_codes]


def shared_codes_row(api: str) -> str:
    return f"{api}: all operations"


class Coverage(_Model):
    operations: list[OperationCoverage] = Field(default_factory=list)

    @property
    def operation_rows(self) -> list[OperationCoverage]:
        """One row per operation: an API's shared-codes row is no operation."""
        return [op for op in self.operations if not op.shared]

    @property
    def exercised(self) -> int:
        return sum(op.exercised for op in self.operation_rows)


class Erratum(_Model):
    """An erratum of the documents; for an ambiguous one, the reading the target was seen to follow.

    ``observed`` is None for errata with a single decision (nothing to observe); ``evidence`` holds
    ``counts`` per reading, an ``example`` and, where a replay file shows it, ``replay``."""

    id: str
    title: str
    observed: ReadingObserved | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    required: Literal["default", "alternative"] | None = Field(
        default=None, description="the reading the gate policy requires, if any"
    )


class GateCriterion(_Model):
    """One rule of the gate. An ``inconclusive`` criterion could not be judged (``passed`` is
    then False): it blocks the gate only when the policy says inconclusive blocks."""

    name: str
    passed: bool
    reason: str = ""
    expected: str | None = None
    actual: str | None = None
    inconclusive: bool = Field(
        default=False,
        description="could not be judged (e.g. a limit search stopped by its ceiling below the "
        "policy's minimum); fails the gate only when the policy says inconclusive blocks",
    )
    testable_when: str | None = Field(
        default=None, description="inconclusive: what would let the criterion be judged"
    )

    @model_validator(mode="after")
    def _not_both(self) -> Self:
        if self.inconclusive and self.passed:
            raise ValueError(f"criterion {self.name!r} cannot be both passed and inconclusive")
        return self

    @property
    def outcome(self) -> Literal["pass", "fail", "inconclusive"]:
        return "inconclusive" if self.inconclusive else "pass" if self.passed else "fail"


class Gate(_Model):
    """CI gate: every criterion must pass (inconclusive ones only when the policy says
    inconclusive blocks). ``passed`` is derived when omitted."""

    criteria: list[GateCriterion] = Field(default_factory=list)
    inconclusive_blocks: bool = Field(
        default=False, description="policy: an inconclusive suite or criterion fails the gate"
    )
    passed: bool | None = None

    @model_validator(mode="after")
    def _derive(self) -> Self:
        derived = all(
            c.passed or (c.inconclusive and not self.inconclusive_blocks) for c in self.criteria
        )
        if self.passed is None:
            self.passed = derived
        elif self.passed != derived:
            raise ValueError("gate.passed contradicts its criteria")
        return self


class Regression(_Model):
    metric: str
    baseline: float | None = None
    current: float | None = None
    change_pct: float | None = None
    message: str = ""


class BaselineComparison(_Model):
    """Comparison of this run against an earlier one."""

    baseline: str = Field(description="run id or path of the baseline summary")
    baseline_started_at: datetime | None = None
    regressions: list[Regression] = Field(default_factory=list)
    improvements: list[Regression] = Field(default_factory=list)


class Summary(_Model):
    """Everything ``summary.json`` holds; the single input of every report writer."""

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    verdict: Verdict | None = Field(default=None, description="derived when omitted")
    target: str = Field(description="base URL (or name) of the service under test")
    started_at: datetime
    finished_at: datetime
    run_id: str | None = None
    harness_version: str | None = None
    seed: int | None = None
    error: str | None = Field(default=None, description="why the run as a whole could not run")
    interrupted: str | None = Field(
        default=None, description="how the run was cut short, e.g. 'SIGINT after 4.2 s'"
    )
    suites: Suites = Field(default_factory=lambda: Suites.model_validate({}))
    coverage: Coverage | None = None
    errata: list[Erratum] = Field(default_factory=list)
    gate: Gate | None = None
    baseline: BaselineComparison | None = None

    @model_validator(mode="after")
    def _verdict(self) -> Self:
        derived = compute_verdict(self)
        if self.verdict is None:
            self.verdict = derived
        elif self.verdict != derived:
            raise ValueError(f"verdict {self.verdict!r} contradicts the results ({derived!r})")
        return self

    def findings(self) -> list[Finding]:
        return [f for _, suite in self.suites.items() for f in suite.findings]

    def inconclusive_items(self) -> list[InconclusiveItem]:
        items = [
            InconclusiveItem(name, suite.reason or "", suite.testable_when)
            for name, suite in self.suites.items()
            if suite.status == "inconclusive"
        ]
        criteria = self.gate.criteria if self.gate is not None else []
        suites = {item.name for item in items}
        items += [
            InconclusiveItem(c.name, c.reason, c.testable_when)
            for c in criteria
            if c.inconclusive and c.name.removeprefix("suite.") not in suites
        ]
        return items

    @property
    def exit_code(self) -> int:
        """A blocking inconclusive exits 1."""
        verdict = self.verdict or compute_verdict(self)
        if verdict == "inconclusive" and self.gate is not None and self.gate.passed is False:
            return 1
        return _EXIT_CODES[verdict]


class InconclusiveItem(NamedTuple):
    """One thing the run could not judge (not persisted: derived from suites and the gate)."""

    name: str
    reason: str
    testable_when: str | None


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Merge a bug's examples (``unique_key``): the first kept, worst severity, counts summed."""
    merged: dict[str, Finding] = {}
    for finding in findings:
        kept = merged.get(finding.unique_key)
        if kept is None:
            merged[finding.unique_key] = finding.model_copy()
            continue
        severity = min(kept.severity, finding.severity, key=SEVERITIES.index)
        merged[finding.unique_key] = kept.model_copy(
            update={"count": kept.count + finding.count, "severity": severity}
        )
    return sorted(merged.values(), key=lambda f: SEVERITIES.index(f.severity))


NOTHING_SENT = "it sent no request (a budget was spent before the first): nothing was tested"


def derive_status(
    findings: Iterable[Finding], error: str | None = None, *, requests: int | None = None
) -> SuiteStatus:
    """Status of a suite that ran; ``inconclusive`` if it sent no request (a pass is unfounded)."""
    if error:
        return "error"
    if any(f.fails for f in findings):
        return "fail"
    return "inconclusive" if requests == 0 else "pass"


def nothing_judged(codes: Mapping[str, int], throttled: int = 0) -> tuple[str, str] | None:
    """(why, testable_when) when a run that judges answers (conformance, fuzz) could judge none,
    from its code counts (``Answer.code_key``): answers came, but every one was a bare 404 or
    405 (no envelope), what a wrong base URL or a wrong method gives (a 501 beside them: a
    method that server does not know); None otherwise. Any other bare answer (a 5xx to
    everything, a 400, a 3xx to a login page) is the service's own and keeps the run's status
    from its findings (HTTP convention, RFC 9110 15.5.5/15.5.6: 404/405 say the resource is
    not there, not that the request was judged).
    ``throttled``: answers that were throttling (``Answer.throttled``); when every answer was,
    nothing was judged either (E-045: such an answer says nothing about the request it refused;
    hostile2, ``retry_after_garbage``: a 429 quota answer to everything passed conform and fuzz)."""
    answered = {k: n for k, n in codes.items() if not k.startswith("no answer:")}
    if answered and throttled >= sum(answered.values()):
        seen = ", ".join(f"{k} x{n}" for k, n in sorted(answered.items()))
        return f"every answer was throttling ({seen}): nothing could be judged (E-045)", UNTHROTTLED
    if not answered or any(k not in _NOT_THERE | _NO_METHOD for k in answered):
        return None
    if all(k in _NO_METHOD for k in answered):  # a 501 alone says no more than its method
        return None
    seen = ", ".join(f"{k.removeprefix('http:')} x{n}" for k, n in sorted(answered.items()))
    why = (
        f"every answer was a bare HTTP 404/405 without its API's envelope (HTTP {seen}): "
        "the base URL or method reaches no API, nothing could be judged"
    )
    return why, JUDGEABLE


_NOT_THERE = frozenset({"http:404", "http:405"})
# the methods schemathesis sends that a server does not know (RFC 9110 15.6.2): a plain file or
# proxy server behind a wrong base URL answers them 501 beside its 404s (review 2: Python's
# http.server, FAIL with 42 findings)
_NO_METHOD = frozenset({"http:501"})


JUDGEABLE = "answers with the API's envelope: check the base URL, the credentials and the API"
UNTHROTTLED = (
    "answers that are not throttling: a lower rate (--max-rps), or the quota's next window"
)
UNRECORDED = (
    "the run stopped before any request's answer (or its lack) was recorded: nothing was tested"
)
UNRECORDED_WHEN = "a time budget that fits a few requests of up to the request timeout each"


class KnownCodes(Protocol):
    """What :func:`none_accepted` asks of a code table (``harness.contract.CodeTable``)."""

    def get(self, api: str, where: str, code: object) -> Any: ...


def none_accepted(codes: Mapping[str, int], table: KnownCodes) -> tuple[str, str] | None:
    """(why, testable_when) when not one answer of a run accepted a request and some carried a
    code ``table`` does not know (E-014's other reading: a service's own codes, whose meaning we
    cannot read): every request, those valid under every reading too, refused for a reason nobody
    can name, so nothing that needs an accepted answer was judged (hostile session 25: a target
    refusing everything with errcode 1001 passed conform, and fuzz and conform disagreed). A
    refusal the table names stays the rules' to judge (a valid request refused as invalid fails);
    a run whose answers are all documented refusals (one of invalid requests alone) is judged."""
    seen = {k: n for k, n in codes.items() if not k.startswith(("no answer:", "http:"))}
    parts = [(k, k.split(":", 2)) for k in seen]
    if any(len(p) == 3 and getattr(table.get(*p), "category", None) == "success" for _, p in parts):
        return None
    unknown = {k: seen[k] for k, p in parts if len(p) != 3 or table.get(*p) is None}
    if not unknown:
        return None
    said = ", ".join(f"{k} x{n}" for k, n in sorted(unknown.items()))
    why = (
        f"no answer accepted a request, valid ones included: they were refused with codes the "
        f"code table does not know ({said}), so nothing that needs an accepted answer could be "
        "judged (E-014)"
    )
    return why, ACCEPTED_WHEN


ACCEPTED_WHEN = (
    "a service that accepts valid requests: check the credentials (a key not enabled for the "
    "API), the base URL, or give the service's own codes (--codes)"
)


def contract_status(
    findings: Iterable[Finding],
    error: str | None,
    *,
    requests: int,
    codes: Mapping[str, int],
    throttled: int = 0,
    table: KnownCodes | None = None,
) -> tuple[SuiteStatus, str | None, str | None]:
    """(status, reason, testable_when) of a suite that judges answers: as :func:`derive_status`,
    but ``inconclusive`` when no answer could be judged (:func:`nothing_judged`); requests that
    got no answer at all still fail it (FH-H04, ``answered``). A pass is ``inconclusive`` too
    when no answer accepted anything (:func:`none_accepted`, with ``table``)."""
    findings = list(findings)
    judged = None if error else nothing_judged(codes, throttled)
    if judged is not None and not any(f.fails and f.check == "answered" for f in findings):
        return "inconclusive", *judged
    if not error and requests and not codes and not any(f.fails for f in findings):
        # sent (schemathesis' capability probes, a case stopped in flight by the time budget),
        # but not one request's outcome recorded: a pass would rest on nothing (hostile2)
        return "inconclusive", UNRECORDED, UNRECORDED_WHEN
    status = derive_status(findings, error, requests=requests)
    if status == "pass" and table is not None and (refused := none_accepted(codes, table)):
        return "inconclusive", *refused
    return status, NOTHING_SENT if status == "inconclusive" else None, None


def interrupted_suite(name: SuiteName, partial: SuiteResult | None, how: str | None) -> SuiteResult:
    """A suite as far as it got before an interrupt, marked ``interrupted``."""
    reason = f"interrupted ({how or 'stopped'}); the results are partial"
    if partial is None:
        return SuiteResult(name=name, status="interrupted", reason=reason)
    return partial.model_copy(update={"status": "interrupted", "reason": reason, "error": None})


def partial_suite(partial: SuiteResult, why: str, testable_when: str) -> SuiteResult:
    """A suite stopped before its end (not by the user): ``fail`` when what it found already fails
    the service (exit 1 is findings, not "could not run"), else ``inconclusive`` for ``why``
    (its own error, if any, named beside it)."""
    own = partial.error or (partial.reason if partial.status != "interrupted" else None)
    why = f"{why} ({own})" if own else why
    status = "fail" if any(f.fails for f in partial.findings) else "inconclusive"
    # testable_when on a fail too: for a policy that allows what it found
    update = {"status": status, "error": None, "reason": why, "testable_when": testable_when}
    return partial.model_copy(update=update)


def compute_verdict(summary: Summary) -> Verdict:
    """The run verdict (rules in the module docstring)."""
    statuses = {suite.status for _, suite in summary.suites.items()}
    if summary.interrupted or "interrupted" in statuses:
        return "interrupted"
    if summary.error or "error" in statuses:
        return "error"
    gate = summary.gate
    if "fail" in statuses or (
        gate is not None and any(not c.passed and not c.inconclusive for c in gate.criteria)
    ):
        return "fail"
    if summary.inconclusive_items():
        blocked = gate is not None and gate.passed is False
        if blocked or not _concluded(summary, statuses):
            return "inconclusive"
    return "pass"


def _concluded(summary: Summary, statuses: Iterable[str]) -> bool:
    """Whether a suite passed, or a gate criterion on a measurement (not restating suites) did."""
    if "pass" in statuses:
        return True
    criteria = summary.gate.criteria if summary.gate is not None else []
    return any(c.passed and not c.name.startswith(("findings.", "suite.")) for c in criteria)


def inconclusive_text(reason: str | None, testable_when: str | None) -> str:
    """Why something could not be judged and what would let it be: the console's verdict line
    and JUnit's ``<skipped>`` say it alike."""
    return (reason or "could not be judged") + (
        f"; testable when: {testable_when}" if testable_when else ""
    )


def verdict_line(summary: Summary) -> str:
    verdict = summary.verdict or compute_verdict(summary)
    items = summary.inconclusive_items()
    if verdict == "interrupted":
        return f"INTERRUPTED: {summary.interrupted or 'a suite was interrupted'}"
    if verdict == "error":
        broken = [f"{n}: {s.error}" for n, s in summary.suites.items() if s.status == "error"]
        return "ERROR: " + "; ".join([summary.error] if summary.error else broken)
    if verdict == "inconclusive":
        why = "; ".join(f"{i.name}: {inconclusive_text(i.reason, i.testable_when)}" for i in items)
        blocks = " (the policy says inconclusive blocks)" if summary.exit_code == 1 else ""
        return f"INCONCLUSIVE{blocks}: {why}"
    findings = [f for f in summary.findings() if f.fails]
    head = verdict.upper()
    if verdict == "fail":
        head += f": {len(findings)} finding(s)" if findings else ": gate failed"
    return head + (f", {len(items)} inconclusive" if items else "")


def build_summary(
    *,
    target: str,
    started_at: datetime,
    finished_at: datetime,
    suites: Iterable[SuiteResult],
    contract: Any = None,
    required_readings: Mapping[str, str] | None = None,
    **fields: Any,
) -> Summary:
    """The run's :class:`Summary`; with ``contract``, ``errata`` say which readings it followed."""
    slots: dict[str, Any] = {}
    for result in suites:
        if result.name in slots:
            raise ValueError(f"suite {result.name!r} given twice")
        slots[result.name] = result.model_copy(update={"findings": merge_findings(result.findings)})
    typed = Suites.model_validate(slots)
    if contract is not None:
        from harness.contract import ReadingLog

        log = ReadingLog(dict(required_readings or {}))
        for _, result in typed.items():
            if isinstance(result.metrics, ContractMetrics | AccuracyMetrics):
                log.merge(ReadingLog.from_dict(result.metrics.readings))
        fields["errata"] = log.errata(contract)
    return Summary(
        target=target, started_at=started_at, finished_at=finished_at, suites=typed, **fields
    )


@dataclass(frozen=True)
class ReplayOutcome:
    """What ``faceharness replay`` found when it re-sent a finding (conformance or fuzz)."""

    finding_id: str
    check: str
    still_failing: bool
    detail: str
    # False: the check ran and could not judge (a probe's ``unjudged``, E-082, E-045): neither
    # still failing nor fixed, ``inconclusive`` (exit 0, as a run's inconclusive verdict)
    judged: bool = True

    def __post_init__(self) -> None:
        # the detail quotes the target's answer: masked as a Finding's message is (a credential
        # value a request carried, images), since ``replay`` prints it as it is
        object.__setattr__(self, "detail", redact_text(self.detail))

    @property
    def state(self) -> str:
        """What the replay says: ``still failing``, ``fixed`` or ``inconclusive``."""
        if self.still_failing:
            return "still failing"
        return "fixed" if self.judged else "inconclusive"

    @property
    def exit_code(self) -> int:
        """1 still failing; 0 fixed or inconclusive (README "Verdicts and exit codes")."""
        return 1 if self.still_failing else 0
