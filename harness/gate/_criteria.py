"""The gate's judgement: a :class:`Policy` applied to the suites of a run, as criteria.

Pure functions over results (no I/O), so every rule is unit-tested with hand-made results.
Each criterion names what was expected and what was measured; the gate passes when all do.

Findings the policy allows do not fail their suite: when every severity is within its
allowance, a suite whose only problem was findings is reported as ``pass`` (its findings
stay listed). Without a policy every allowance is 0, which changes nothing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

from harness.contract import Contract
from harness.gate._policy import AccuracyLimit, Policy
from harness.results import (
    SUITE_NAMES,
    AccuracyMetrics,
    BaselineComparison,
    Coverage,
    Finding,
    Gate,
    GateCriterion,
    LoadMetrics,
    SuiteName,
    SuiteResult,
    ThresholdResult,
    merge_findings,
)

COUNTED_SEVERITIES = ("critical", "high", "medium", "low")


def judge(
    policy: Policy,
    suites: Mapping[SuiteName, SuiteResult],
    *,
    ran: tuple[SuiteName, ...],
    baseline: BaselineComparison | None = None,
    coverage: Coverage | None = None,
    contract: Contract | None = None,
) -> tuple[Gate, dict[SuiteName, SuiteResult]]:
    """The gate for these suite results, and the suites with the policy's allowances applied.

    Args:
        policy: the parsed ``gate.toml``.
        suites: results by suite name (suites that did not run may be missing).
        ran: the suites this run selected (the profile's, plus the policy's required ones).
        baseline: the comparison with an earlier run, if one was given.
        coverage, contract: the run's contract coverage; an operation conformance and fuzz
            claim to test but no request reached makes ``coverage.operations`` inconclusive.
    """
    findings = merge_findings(f for s in suites.values() for f in s.findings)
    criteria = findings_criteria(policy, findings)
    within = all(c.passed for c in criteria)
    adjusted = {name: _allowed(result, within) for name, result in suites.items()}
    adjusted = {name: _optional(policy, name, result) for name, result in adjusted.items()}
    criteria += required_criteria(policy.required_suites(ran), adjusted)
    criteria += load_criteria(policy, adjusted.get("load"))
    criteria += [accuracy_criterion(limit, adjusted.get("accuracy")) for limit in policy.accuracy]
    if baseline is not None and policy.baseline.fail_on_regression:
        criteria.append(baseline_criterion(baseline))
    if coverage is not None and contract is not None:
        criteria += coverage_criteria(contract, coverage, adjusted)
    return Gate(criteria=criteria, inconclusive_blocks=policy.verdict.inconclusive_blocks), adjusted


def findings_criteria(policy: Policy, findings: list[Finding]) -> list[GateCriterion]:
    """One criterion per severity: unique findings at most the allowance."""
    counts: Counter[str] = Counter(f.severity for f in findings)
    out = []
    for severity in COUNTED_SEVERITIES:
        limit = policy.findings.limit(severity)
        count = counts.get(severity, 0)
        expected = "any number" if math.isinf(limit) else f"<= {int(limit)}"
        passed = count <= limit
        kinds = Counter(f"{f.suite}/{f.check}" for f in findings if f.severity == severity)
        titles = "; ".join(name if n == 1 else f"{name} x{n}" for name, n in kinds.items())
        reason = (
            "" if passed else f"{count} {severity} finding(s), {expected} allowed: {_clip(titles)}"
        )
        out.append(
            GateCriterion(
                name=f"findings.{severity}",
                passed=passed,
                reason=reason,
                expected=expected,
                actual=str(count),
            )
        )
    return out


def required_criteria(
    required: tuple[SuiteName, ...], suites: Mapping[SuiteName, SuiteResult]
) -> list[GateCriterion]:
    """Each required suite ran and passed (after allowances)."""
    out = []
    for name in (n for n in SUITE_NAMES if n in required):
        result = suites.get(name)
        status = result.status if result is not None else "skipped"
        when = None
        if result is None or status == "skipped":
            why = result.skipped_reason if result is not None else "no result recorded"
            reason = f"did not run{': ' + why if why else ''}"
        elif status == "inconclusive":
            reason, when = result.reason or "", result.testable_when
        elif status == "error":
            reason = f"could not run: {result.error}"
        elif status == "interrupted":
            reason = result.reason or "interrupted"
        else:
            reason = "" if status == "pass" else "failed (see its findings)"
        out.append(
            GateCriterion(
                name=f"suite.{name}",
                passed=status == "pass",
                inconclusive=status == "inconclusive",
                reason=reason,
                testable_when=when,
                expected="pass",
                actual=status,
            )
        )
    return out


def load_criteria(policy: Policy, load: SuiteResult | None) -> list[GateCriterion]:
    """Minimum QPS limit, maximum p99 (at the policy's rate) and maximum error rate."""
    rules = policy.load
    metrics = load.metrics if load is not None else None
    if not isinstance(metrics, LoadMetrics):
        metrics = LoadMetrics()
    out = []
    if rules.min_qps_limit is not None:
        limit = metrics.qps_limit
        expected = f">= {rules.min_qps_limit:g}/s"
        if limit is None:
            out.append(_not_measured("load.qps_limit", expected, load, "no QPS limit was found"))
        else:
            out.append(
                qps_limit_criterion(
                    rules.min_qps_limit, limit, metrics.qps_limit_bound, metrics.stopped_by
                )
            )
    if rules.max_p99_ms is not None:
        p99 = metrics.latency_ms.p99 if metrics.latency_ms is not None else None
        at = metrics.offered_rps
        where = f" at {rules.p99_at_rps:g}/s" if rules.p99_at_rps else ""
        expected = f"<= {rules.max_p99_ms:g} ms{where}"
        if p99 is None:
            out.append(_not_measured("load.p99", expected, load, "no latency was measured"))
        else:
            ok = p99 <= rules.max_p99_ms
            shown = f"{p99:g} ms" + (f" at {at:g}/s" if isinstance(at, (int, float)) else "")
            out.append(
                GateCriterion(
                    name="load.p99",
                    passed=ok,
                    expected=expected,
                    actual=shown,
                    reason="" if ok else f"p99 {shown} is above {rules.max_p99_ms:g} ms",
                )
            )
    if rules.max_error_rate is not None:
        rate = metrics.error_rate
        expected = f"<= {rules.max_error_rate:.2%}"
        if rate is None:
            out.append(
                _not_measured("load.error_rate", expected, load, "no error rate was measured")
            )
        else:
            ok = rate <= rules.max_error_rate
            out.append(
                GateCriterion(
                    name="load.error_rate",
                    passed=ok,
                    expected=expected,
                    actual=f"{rate:.2%}",
                    reason="" if ok else f"error rate {rate:.2%} is above {expected[3:]}",
                )
            )
    return out


def accuracy_criterion(limit: AccuracyLimit, accuracy: SuiteResult | None) -> GateCriterion:
    """FMR / FNMR at one operating point within the policy's maxima."""
    name = f"accuracy.{limit.claim}"
    wanted = [
        f"FMR <= {limit.max_fmr:g}" if limit.max_fmr is not None else "",
        f"FNMR <= {limit.max_fnmr:g}" if limit.max_fnmr is not None else "",
    ]
    expected = ", ".join(w for w in wanted if w) + (
        " (95% upper bound)" if limit.bound == "upper95" else ""
    )
    metrics = accuracy.metrics if accuracy is not None else None
    rows = metrics.thresholds if isinstance(metrics, AccuracyMetrics) else []
    row = next((r for r in rows if r.claim == limit.claim), None)
    if row is None:
        known = ", ".join(str(r.claim) for r in rows) or "none"
        reason = _why_missing(
            accuracy, f"no operating point {limit.claim!r} was measured (measured: {known})"
        )
        return GateCriterion(
            name=name, passed=False, expected=expected, actual="not measured", reason=reason
        )
    problems, shown = [], []
    for rate, maximum in (("fmr", limit.max_fmr), ("fnmr", limit.max_fnmr)):
        if maximum is None:
            continue
        value = _judged(row, rate, limit.bound)
        shown.append(f"{rate.upper()} {'-' if value is None else f'{value:.4g}'}")
        if value is None:
            problems.append(f"{rate.upper()} not measured")
        elif value > maximum:
            problems.append(f"{rate.upper()} {value:.4g} > {maximum:g}")
    return GateCriterion(
        name=name,
        passed=not problems,
        expected=expected,
        actual=", ".join(shown),
        reason="; ".join(problems),
    )


def coverage_criteria(
    contract: Contract, coverage: Coverage, suites: Mapping[SuiteName, SuiteResult]
) -> list[GateCriterion]:
    """Every documented operation (extensions aside) reached by a request, when conformance
    or fuzz ran: one they claim to test but never reached was not tested at all."""
    if not any(
        suites.get(n) is not None and suites[n].status in ("pass", "fail")
        for n in ("conformance", "fuzz")
    ):
        return []
    rows = {op.operation: op for op in coverage.operations}
    claimed = [op for op in contract.operations.values() if not op.extension]
    missed = [
        op.operation_id
        for op in claimed
        if op.operation_id not in rows or not rows[op.operation_id].exercised
    ]
    why = f"no request reached {', '.join(missed)}: untested, neither passed nor failed"
    when = "credentials for the operation's API, and a request budget that reaches it"
    return [
        GateCriterion(
            name="coverage.operations",
            passed=not missed,
            inconclusive=bool(missed),
            expected=f"all {len(claimed)} documented operations",
            actual=f"{len(claimed) - len(missed)} reached",
            reason=why if missed else "",
            testable_when=when if missed else None,
        )
    ]


def baseline_criterion(baseline: BaselineComparison) -> GateCriterion:
    regressions = baseline.regressions
    reason = _clip("; ".join(r.message or r.metric for r in regressions))
    return GateCriterion(
        name="baseline",
        passed=not regressions,
        expected="no regression",
        actual=f"{len(regressions)} regression(s)",
        reason=reason,
    )


# --------------------------------------------------------------------------- helpers


def _allowed(result: SuiteResult, within: bool) -> SuiteResult:
    """A suite that failed only through findings the policy allows passes."""
    if within and result.status == "fail" and result.findings:
        return result.model_copy(update={"status": "pass"})
    return result


def _optional(policy: Policy, name: SuiteName, result: SuiteResult) -> SuiteResult:
    """A suite the policy explicitly does not require may fail to run without ending the gate."""
    required = policy.suites.required
    if required is None or name in required or result.status != "error":
        return result
    reason = f"not required by the policy; it could not run: {result.error}"
    return result.model_copy(update={"status": "skipped", "skipped_reason": reason, "error": None})


def _judged(row: ThresholdResult, rate: str, bound: str) -> float | None:
    if bound == "upper95":
        interval = row.fmr_ci95 if rate == "fmr" else row.fnmr_ci95
        return interval[1] if interval else None
    return row.fmr if rate == "fmr" else row.fnmr


def qps_limit_criterion(
    minimum: float, limit: float, bound: str | None, stopped_by: str | None
) -> GateCriterion:
    """``min_qps_limit`` against a measured limit, read with its bound.

    A lower bound (the search stopped, at its ceiling or budget, before any rate failed) at
    or above the minimum passes; below it the minimum was never tried: inconclusive, not a
    failure. An upper bound (no rate passed, down to ``limit``) at or below the minimum
    fails; above it the search did not go low enough to say: inconclusive.
    """
    from harness.loadgen.limit import describe_limit, search_higher, stop_label

    bound = bound or "exact"  # summaries written before bounds were recorded
    shown = describe_limit(limit, bound, stopped_by)
    expected = f">= {minimum:g}/s"
    name = "load.qps_limit"
    if bound == "lower" and limit < minimum:
        return GateCriterion(
            name=name, passed=False, inconclusive=True, expected=expected, actual=shown,
            reason=f"inconclusive: the search stopped at {limit:g}/s ({stop_label(stopped_by)}) "
            f"before any rate failed, so {minimum:g}/s was never tried; to search higher, run "
            f"`faceharness load find-limit` and {search_higher(stopped_by)}",
            testable_when=f"a search that reaches {minimum:g}/s")  # fmt: skip
    if bound == "upper" and limit > minimum:
        return GateCriterion(
            name=name, passed=False, inconclusive=True, expected=expected, actual=shown,
            reason=f"inconclusive: no rate down to {limit:g}/s passed, and {minimum:g}/s was "
            "not tried; lower the search's start rate to measure it",
            testable_when=f"a search that starts at or below {minimum:g}/s")  # fmt: skip
    ok = limit >= minimum if bound != "upper" else False
    return GateCriterion(
        name=name,
        passed=ok,
        expected=expected,
        actual=shown,
        reason="" if ok else f"sustainable rate {shown} is below {minimum:g}/s",
    )


def _not_measured(
    name: str, expected: str, result: SuiteResult | None, default: str
) -> GateCriterion:
    return GateCriterion(
        name=name,
        passed=False,
        expected=expected,
        actual="not measured",
        reason=_why_missing(result, default),
    )


def _why_missing(result: SuiteResult | None, default: str) -> str:
    if result is None or result.status == "skipped":
        why = result.skipped_reason if result is not None else "not selected"
        return f"{default}: the suite did not run ({why})"
    if result.status == "error":
        return f"{default}: the suite could not run ({result.error})"
    return default


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
