"""The gate's judgement, pure functions over results: a :class:`Policy` applied to the suites as
criteria, coverage, a baseline comparison; a suite failed only by allowed findings passes."""

from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from harness.accuracy import (
    bound_undecided,
    clopper_pearson,
    n_needed_for_zero_failures,
    repeats_over,
)
from harness.accuracy._repeat import GENUINE_SWAPPED, REPEAT_PAIRS
from harness.contract import Contract
from harness.gate._policy import AccuracyLimit, BaselinePolicy, Policy
from harness.results import (
    SUITE_NAMES,
    AccuracyMetrics,
    BaselineComparison,
    ContractMetrics,
    Coverage,
    Finding,
    Gate,
    GateCriterion,
    LoadMetrics,
    OperationCoverage,
    Regression,
    SuiteName,
    SuiteResult,
    Suites,
    Summary,
    ThresholdResult,
    merge_findings,
    shared_codes_row,
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
    """The gate, and the suites with the policy's allowances applied (``ran``: those selected)."""
    findings = merge_findings(f for s in suites.values() for f in s.findings)
    criteria = findings_criteria(policy, findings)
    within = all(c.passed for c in criteria)
    adjusted = {name: _adjusted(policy, name, r, within) for name, r in suites.items()}
    criteria += required_criteria(policy.required_suites(ran), adjusted)
    criteria += load_criteria(policy, adjusted.get("load"))
    criteria += [accuracy_criterion(limit, adjusted.get("accuracy")) for limit in policy.accuracy]
    if baseline is not None and policy.baseline.fail_on_regression:
        criteria.append(
            GateCriterion(
                name="baseline",
                passed=not baseline.regressions,
                expected="no regression",
                actual=f"{len(baseline.regressions)} regression(s)",
                reason=_clip("; ".join(r.message or r.metric for r in baseline.regressions)),
            )
        )
    if coverage is not None and contract is not None:
        criteria += coverage_criteria(contract, coverage, adjusted)
    return Gate(criteria=criteria, inconclusive_blocks=policy.verdict.inconclusive_blocks), adjusted


def findings_criteria(policy: Policy, findings: list[Finding]) -> list[GateCriterion]:
    findings = [f for f in findings if policy.findings.counts(f)]
    counts: Counter[str] = Counter(f.severity for f in findings)
    out = []
    for severity in COUNTED_SEVERITIES:
        limit = policy.findings.limit(severity)
        count = counts.get(severity, 0)
        expected = "any number" if math.isinf(limit) else f"<= {int(limit)}"
        kinds = Counter(f"{f.suite}/{f.check}" for f in findings if f.severity == severity)
        titles = "; ".join(name if n == 1 else f"{name} x{n}" for name, n in kinds.items())
        out.append(
            GateCriterion(
                name=f"findings.{severity}",
                passed=count <= limit,
                reason=""
                if count <= limit
                else f"{count} {severity} finding(s), {expected} allowed: {_clip(titles)}",
                expected=expected,
                actual=str(count),
            )
        )
    return out


def required_criteria(
    required: tuple[SuiteName, ...], suites: Mapping[SuiteName, SuiteResult]
) -> list[GateCriterion]:
    out = []
    for name in (n for n in SUITE_NAMES if n in required):
        none = SuiteResult(name=name, status="skipped", skipped_reason="no result recorded")
        result = suites.get(name) or none
        status, why = result.status, result.skipped_reason
        reason = {
            "skipped": f"did not run{': ' + why if why else ''}",
            "inconclusive": result.reason or "",
            "interrupted": result.reason or "interrupted",
            "error": f"could not run: {result.error}",
            "fail": "failed (see its findings)",
        }.get(status, "")
        out.append(
            GateCriterion(
                name=f"suite.{name}",
                passed=status == "pass",
                inconclusive=status == "inconclusive",
                reason=reason,
                testable_when=result.testable_when if status == "inconclusive" else None,
                expected="pass",
                actual=status,
            )
        )
    return out


def load_criteria(policy: Policy, load: SuiteResult | None) -> list[GateCriterion]:
    rules = policy.load
    m = load.metrics if load is not None else None
    if not isinstance(m, LoadMetrics):
        m = LoadMetrics()
    out = []
    if rules.min_qps_limit is not None:
        if m.qps_limit is None:
            expected = f">= {rules.min_qps_limit:g}/s"
            out.append(_missing("load.qps_limit", expected, load, "no QPS limit was found"))
        else:
            out.append(
                qps_limit_criterion(
                    rules.min_qps_limit,
                    m.qps_limit,
                    m.qps_limit_bound,
                    m.stopped_by,
                    unsure=m.inconclusive if m.qps_limit_bound is not None else None,
                    below=m.failed_rps,
                )  # fmt: skip
            )
    rate = f" at {m.offered_rps:g}/s" if m.offered_rps is not None else ""
    for name, key, value, maximum, show, where, at in (
        ("p99", "p99", getattr(m.latency_ms, "p99", None), rules.max_p99_ms, "{:g} ms".format,
         f" at {rules.p99_at_rps:g}/s" if rules.p99_at_rps else "", rate),
        ("error rate", "error_rate", m.error_rate, rules.max_error_rate, "{:.2%}".format, "", ""),
    ):  # fmt: skip
        if maximum is None:
            continue
        limit = show(maximum)
        if value is None:
            what = "latency" if key == "p99" else name
            out.append(
                _missing(f"load.{key}", f"<= {limit}{where}", load, f"no {what} was measured")
            )
            continue
        ok, shown = value <= maximum, show(value) + at
        out.append(
            GateCriterion(
                name=f"load.{key}",
                passed=ok,
                expected=f"<= {limit}{where}",
                actual=shown,
                reason="" if ok else f"{name} {shown} is above {limit}",
            )
        )
    return out


def accuracy_criterion(limit: AccuracyLimit, accuracy: SuiteResult | None) -> GateCriterion:
    """FMR / FNMR at one operating point against the policy's maxima; without a ``bound``, a
    sample too small to decide a limit is inconclusive, never a pass on no evidence."""
    maxima = {"fmr": limit.max_fmr, "fnmr": limit.max_fnmr, "frr": limit.max_frr}
    expected = ", ".join(f"{k.upper()} <= {v:g}" for k, v in maxima.items() if v is not None)
    expected += " (95% upper bound)" if limit.bound == "upper95" else ""
    metrics = accuracy.metrics if accuracy is not None else None
    rows = metrics.thresholds if isinstance(metrics, AccuracyMetrics) else []
    row = next((r for r in rows if r.claim == limit.claim), None)
    name = f"accuracy.{limit.claim}"
    if row is None:
        known = ", ".join(str(r.claim) for r in rows) or "none"
        why = f"no operating point {limit.claim!r} was measured (measured: {known})"
        return _missing(name, expected, accuracy, why)
    if row.scale_unknown:  # the accuracy suite's reading of the scale, not restated here
        return GateCriterion(
            name=name,
            passed=False,
            inconclusive=True,
            expected=expected,
            actual=", ".join(
                f"{rate.upper()} {'-' if (v := getattr(row, rate)) is None else f'{v:.4g}'}"
                for rate, maximum in maxima.items()
                if maximum is not None
            ),
            reason=f"not judged: {row.scale_unknown}",
            testable_when="scores on the documented scale: a genuine pair accepted at one of "
            "the API's score thresholds (a limit at a documented score says nothing of a service "
            "scoring on another scale)",
        )
    problems, shown, undecided = [], [], []
    # undecided by impostor pairs without a decision, by the images' order (E-098), by the count
    unanswered: str | bool = False  # the kind of pairs left without a decision
    ordered = counted = unmeasured = False
    for rate, maximum in maxima.items():
        if maximum is None:
            continue
        value = getattr(row, rate)
        interval = getattr(row, f"{rate}_ci95") or (None, None)
        if limit.bound == "upper95":
            value = interval[1]
        shown.append(f"{rate.upper()} {'-' if value is None else f'{value:.4g}'}")
        if (
            rate == "fnmr"
            and (value is None or value > maximum)
            and (away := _every_turned_away(row))
        ):  # every genuine user turned away: a failure, not a doubt (review of session 29)
            problems.append(f"{'FNMR not measured' if value is None else shown[-1]}: {away}")
        elif value is None:  # no pair decided at the claim: nothing measured, no verdict either
            # (session 28, jd-result-text: JD's result as the text "false", no decision, failed
            # a gate's max_fmr "FMR not measured"; the answer's type is conformance's rule)
            undecided.append(f"{rate.upper()} not measured{_unmeasured(row, rate)}")
            unmeasured = True
        elif limit.bound is None and (doubt := _undecided(row, rate, maximum, interval)):
            undecided.append(doubt)
            counted = True
        elif (
            rate != "fmr"
            and value > maximum
            and (doubt := _accepted_doubt(row, rate, maximum, limit.bound))
        ):
            undecided.append(doubt)  # over it only while the undecided genuine pairs are left out
            unanswered = "genuine"
        elif value > maximum:  # the estimate, once the sample decides: never a pass (review 28)
            errors, pairs, answers = _counts(row, rate)
            if answers:  # both orders of each pair: the interval over the pairs
                interval = clopper_pearson(errors, pairs)
            over = f" over {pairs} pairs, both orders" if answers else ""
            ci = (
                f" (95% CI [{interval[0] or 0:.3g}, {interval[1]:.3g}]{over})"
                if interval[1]
                else ""
            )
            problems.append(
                f"{rate.upper()} {value:.4g} > {maximum:g}{ci if limit.bound is None else ''}"
                + _still_over(row, rate)
            )
        elif doubt := _unknown_doubt(row, maximum, limit.bound, rate):
            undecided.append(doubt)
            unanswered = "impostor" if rate == "fmr" else "genuine"
        elif rate == "fmr" and (doubt := _declines_doubt(row, maximum, limit.bound)):
            undecided.append(doubt)
            counted = True
        elif doubt := _retold_doubt(row, rate, maximum):
            undecided.append(doubt)
            ordered = True
    if limit.max_fnmr is not None and limit.max_frr is None and (declined := _declined(row)):
        frr = "-" if row.frr is None else f"{row.frr:.4g}"  # FNMR leaves these out; FRR not
        shown.append(
            f"declined {declined} of {row.frr_trials} genuine ({_DECLINED}; FRR {frr}; max_frr "
            "bounds it)"
        )
    inconclusive = bool(undecided) and not problems
    return GateCriterion(
        name=name,
        passed=not problems and not undecided,
        inconclusive=inconclusive,
        expected=expected,
        actual=", ".join(shown),
        reason="; ".join(problems or undecided),
        testable_when=_testable_when(unanswered, ordered, counted, unmeasured)
        if inconclusive
        else None,
    )


def _unmeasured(row: ThresholdResult, rate: str) -> str:
    """Why no pair was decided at the row's claim: its pairs answered without a decision there."""
    kind = "impostor" if rate == "fmr" else "genuine"
    excluded = int(((row.model_extra or {}).get("excluded") or {}).get(kind, 0))
    return f": {excluded} {kind} pairs answered without a decision at it" if excluded else ""


def _testable_when(
    unanswered: str | bool, ordered: bool, counted: bool, unmeasured: bool = False
) -> str:
    """What would decide an inconclusive limit, for each kind of doubt it has: pairs without a
    decision, the images' order (E-098: no larger data set helps, the swapped sample is capped),
    the count, or nothing measured at all."""
    whens = []
    if unmeasured:
        whens.append(
            "answers the claim reads: a score on the documented scale, or the decision it "
            "reads (JD's result as a Boolean); the answers' types are conformance's rules"
        )
    if unanswered:
        whens.append(
            f"a decision for every {unanswered} pair: a re-run sends again those without a usable "
            "answer (a transport failure, a malformed answer, an internal error), not those "
            "answered without a score (E-011); a documented decline (liveness, risk control, "
            "an invalid parameter, quality) is left out like a failure to acquire, unless "
            "declines about the caller fall on genuine pairs more than on impostor ones"
        )
    if ordered:
        whens.append(
            "a service deciding a pair alike in either order of its images: the run asks the "
            f"swapped order for its repeat sample ({REPEAT_PAIRS} pairs per API at most) and "
            f"for up to {GENUINE_SWAPPED} genuine pairs within its budgets, never for every "
            "impostor pair (whatever the --faces set or the bound), and no sentence says "
            "which image a user sends as the reference (ERRATA E-098; the order_free_score "
            "finding, E-075)"
        )
    if counted:
        whens.append(
            'more pairs scored (a larger --faces set), or bound = "estimate" in the policy to '
            "judge the point estimate alone"
        )
    return "; and ".join(whens)


def _unknown_doubt(
    row: ThresholdResult, maximum: float, bound: str | None, rate: str = "fmr"
) -> str | None:
    """Why an FMR (FNMR) limit met by the impostor (genuine) pairs decided is not met by the
    sample (None: it is): the suite's rule for the pairs without a decision (no score, E-011, or
    no usable answer at all): the limit holds only if it holds were every one of them an error.
    Genuine pairs alike for FNMR (session 29: JD's bare 1155, no decision under E-088, or its
    50 系统错误 on the genuine pairs it rejects hid them from FNMR), and for FRR those that may
    have been acceptances (no score): the others are in FRR (:func:`_without_decision`)."""
    kind = "impostor" if rate == "fmr" else "genuine"
    parts = _without_decision(row, rate)
    unknown = sum(parts.values())
    if not unknown or maximum >= 1:
        return None
    errors, trials = {
        "fmr": (row.false_matches, row.impostor),
        "fnmr": (row.false_non_matches, row.genuine),
        "frr": (row.frr_errors, row.frr_trials),
    }[rate]
    k, n = (errors or 0) + unknown, (trials or 0) + unknown
    if _fmr_holds(k, n, maximum, bound):
        return None
    what = {"fmr": "false matches", "fnmr": "false non-matches", "frr": "false rejections"}[rate]
    return (
        f"{rate.upper()} <= {maximum:g} holds over the {trials} {kind} pairs decided, not with "
        f"the {unknown} more ({_listed(parts)}) as {what} ({k} in {n})"
    )


# why a pair has no decision a rate could count, as a gate's reason says it
_WHY: Final = {
    "undecided": "answered without a decision at the claim",
    "excluded": "answered without a decision at the claim (no score, E-011)",
    "bare": "answered a bare 1155 (no score, no result: E-088)",
    "no_answer": "without a usable answer on the run's last try (an error, a timeout)",
    "caller": "declined about the caller (risk control, the account), the declines falling "
    "on genuine pairs more than on impostor ones",
}


def _listed(parts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {_WHY[why]}" for why, n in parts.items() if n)


def _without_decision(row: ThresholdResult, rate: str) -> dict[str, int]:
    """The pairs of ``rate``'s kind left out of it without a decision, by why: for FMR the
    impostor pairs without a decision or a usable answer; for FNMR the genuine ones so, those
    answered a bare 1155 and those declined about the caller where such declines fall on genuine
    pairs; for FRR only those answered without a decision and the errors not falling on genuine
    pairs (the others are users turned away under every reading: in FRR, ``frr_undecided``,
    review of session 29)."""
    extra = row.model_extra or {}
    excluded = extra.get("excluded") or {}
    if rate == "fmr":
        return {
            "undecided": int(excluded.get("impostor", 0)),
            "no_answer": int(extra.get("no_answer_impostor") or 0),
        }
    no_answer = int(extra.get("no_answer_genuine") or 0)
    caller = int(extra.get("declined_unknown_genuine") or 0)
    bare = int(extra.get("bare_genuine") or 0)
    parts = {"excluded": max(0, int(excluded.get("genuine", 0)) - bare)}
    if rate == "fnmr" or extra.get("frr_undecided") is None:  # a row from before it counted
        return parts | {"bare": bare, "no_answer": no_answer, "caller": caller}
    # errors at random on any pair are about the moment: unknown at FRR, not in it
    return parts | {"no_answer": no_answer - int(extra.get("no_answer_genuine_in_frr") or 0)}


def _every_turned_away(row: ThresholdResult) -> str | None:
    """Why no genuine user got through (None: one did, or one may have): no genuine pair
    accepted, and every one presented declined (a failure to acquire, a refusal about its
    images) or turned away under every reading (``frr_undecided``: a bare 1155, an error on the
    run's last try, a decline about the caller falling on genuine pairs). A decline about the
    caller that does not fall on genuine pairs is in neither rate (review of session 24). FNMR
    cannot count such pairs, yet not one user passed: a failure, never a doubt (review of
    session 29: rv-bare-every, every genuine pair a bare 1155, was inconclusive)."""
    parts = _without_decision(row, "fnmr")
    random = _without_decision(row, "frr").get("no_answer", 0)  # errors not in FRR
    if (row.genuine or 0) - (row.false_non_matches or 0) > 0 or parts.pop("excluded") or random:
        return None
    if row.genuine and not sum(parts.values()):  # non-matches alone: the estimate says it
        return None
    declined = _declined(row)
    if not (row.genuine or 0) + declined + sum(parts.values()):
        return None
    if not sum(parts.values()) and not row.genuine:
        return f"all {declined} genuine pairs declined ({_DECLINED})"
    listed = _listed({"bare": parts["bare"], "no_answer": parts["no_answer"]})
    said = [f"{row.false_non_matches} not matched"] if row.genuine else []
    said += [f"{declined} declined ({_DECLINED})"] if declined else []
    said += [listed] if listed else []
    said += [f"{parts['caller']} {_WHY['caller']}"] if parts["caller"] else []
    return f"every genuine pair turned away, none accepted ({'; '.join(said)})"


def _with_accepted(row: ThresholdResult, rate: str) -> tuple[dict[str, int], int, int]:
    """The genuine pairs left out of ``rate`` that may have been acceptances (by why), and its
    (errors, trials) with them counted as accepted: a bare 1155 is a non-match or no comparison,
    never an acceptance."""
    parts = _without_decision(row, rate)
    parts.pop("bare", None)
    errors, trials = _counts(row, rate)[:2]
    return parts, errors, trials + sum(parts.values())


def _accepted_doubt(
    row: ThresholdResult, rate: str, maximum: float, bound: str | None
) -> str | None:
    """Why an FNMR (FRR) limit the genuine pairs counted are over is not failed by the sample
    (None: it is): the mirror of :func:`_unknown_doubt`, the limit fails only if it still fails
    were every genuine pair left without a decision accepted (review of session 29,
    rv-noscore-refuses: /match without a score (E-011) and a detector missing a tenth of the
    faces failed max_frr = 0.5 on FRR 8 of 8, its 15 other genuine pairs left out)."""
    parts, errors, n = _with_accepted(row, rate)
    unknown = sum(parts.values())
    if not unknown:
        return None
    value = clopper_pearson(errors, n)[1] if bound == "upper95" else errors / n
    if value is not None and value > maximum:
        return None
    return (
        f"{rate.upper()} {getattr(row, rate):.4g} > {maximum:g} over the {n - unknown} genuine "
        f"pairs counted, not with the {unknown} more ({_listed(parts)}) as accepted ({errors} "
        f"in {n})"
    )


def _still_over(row: ThresholdResult, rate: str) -> str:
    """What a failed FNMR (FRR) is with the genuine pairs without a decision accepted ("": no
    such pair): the failure does not rest on leaving them out."""
    if rate == "fmr":
        return ""
    parts, errors, n = _with_accepted(row, rate)
    unknown = sum(parts.values())
    return f"; {errors} in {n} with the {unknown} without a decision accepted" if unknown else ""


def _fmr_holds(k: int, n: int, maximum: float, bound: str | None) -> bool:
    """``k`` false matches in ``n`` meet an FMR limit of ``maximum`` at the policy's ``bound``
    (None: the point rate, once the data can tell it; "upper95": its exact upper bound)."""
    if bound is None:
        return bound_undecided(k, n, maximum) is None and k / n <= maximum
    return (clopper_pearson(k, n)[1] if bound == "upper95" else k / n) <= maximum


def _declines_doubt(row: ThresholdResult, maximum: float, bound: str | None) -> str | None:
    """Why an FMR limit met by the impostor pairs compared is not met by the sample (None: it
    is): the accuracy suite found the declines (failures to acquire, documented declines) falling
    on impostor pairs (``fmr_with_declines``, ERRATA E-097), and the limit does not hold were
    every declined impostor pair a false match."""
    declines = (row.model_extra or {}).get("fmr_with_declines") or {}
    if not declines.get("declines_favour_impostor_pairs") or maximum >= 1:
        return None
    # the declines of an image declined in every pair it is in are the image's, not the pairs'
    hidden = int(declines.get("declined", 0)) - int(declines.get("declined_with_an_image", 0))
    k, n = (row.false_matches or 0) + hidden, (row.impostor or 0) + hidden
    if _fmr_holds(k, n, maximum, bound):
        return None
    return (
        f"FMR <= {maximum:g} holds over the {row.impostor} impostor pairs compared, not with the "
        f"{hidden} declined ones as false matches ({k} in {n}): the declines fall on impostor "
        "pairs, not on genuine ones alike (ERRATA E-097)"
    )


def _retold_doubt(row: ThresholdResult, rate: str, maximum: float) -> str | None:
    """Why a limit met by every comparison is not met by the sample (None: it is): the repeat
    sample, the images swapped, decided pairs otherwise than their first answers (ERRATA E-098),
    and those answers' own rate is over the limit. Either order is a comparison the claim speaks
    of, but the run asks the other one only for its few repeats: a service rejecting every
    genuine pair sent the other way round read FNMR 2 in 27 and met ``max_fnmr = 0.3`` (audit
    round 15, order-rejects). The point rate, whatever the ``bound``: the sample is capped (four
    pairs), so asking it to decide the limit alone could never be met, and one borderline pair a
    service scores a little apart in the two orders kept a gate inconclusive for good (review of
    session 26). Not when a pair asked again in the same order was decided otherwise at the
    claim (``retold_drawn``): the repeats are then more draws of a service deciding per call
    (coin-per-call), fairly pooled."""
    extra = row.model_extra or {}
    kind = "impostor" if rate == "fmr" else "genuine"
    trials = int(extra.get(f"retold_{kind}") or 0)
    errors = int(
        extra.get("retold_false_matches" if rate == "fmr" else "retold_false_non_matches") or 0
    )
    if extra.get("retold_drawn"):  # decisions drawn per call: the repeats are fairly pooled
        return None
    if kind == "genuine" and extra.get("retold_genuine_every_pair"):  # both orders of each
        return None
    if not repeats_over(errors, trials, maximum):  # the suite's test of a claim's order doubt
        return None
    what = "false matches" if rate == "fmr" else "rejected"
    return (
        f"{rate.upper()} <= {maximum:g} holds over every comparison, not over the repeat "
        f"sample's {trials} {kind} answers with the images swapped ({errors} {what}, "
        f"{errors / trials:.4g} > {maximum:g}), which decided pairs otherwise than their first "
        "answers: the images' order decides, and the run asks the other order only for these "
        "(ERRATA E-098)"
    )


# what FRR counts beside the non-matches: a refusal about the caller (JD 1159 risk control, the
# account) is in neither FRR nor FNMR (codes.yaml ``about``, harness.accuracy ``about_images``)
_DECLINED = "failures to acquire or refusals of the presented images"


def _declined(row: ThresholdResult) -> int:
    """Genuine pairs declined (failures to acquire, documented refusals about the presented
    images): the row's FRR trials that FNMR leaves out, but those turned away without a
    decision (``frr_undecided``)."""
    away = int((row.model_extra or {}).get("frr_undecided") or 0)
    return max(0, (row.frr_trials or 0) - (row.genuine or 0) - away)


def _counts(row: ThresholdResult, rate: str) -> tuple[int, int, int]:
    """(errors, pairs, answers) behind ``rate``: ``answers`` 0 unless both orders of every
    genuine pair were asked (``retold_genuine_every_pair``), whose answers are not independent
    pairs: the sample is its pairs, errors scaled to them (review of session 28: 23 pairs were
    judged as 46 trials)."""
    errors, trials = {
        "fmr": (row.false_matches, row.impostor),
        "fnmr": (row.false_non_matches, row.genuine),
        "frr": (row.frr_errors, row.frr_trials),  # genuine pairs compared or declined
    }[rate]
    pairs = trials or 0
    if errors is None:  # a row without its counts: they follow from the rate
        errors = round((getattr(row, rate) or 0.0) * pairs)
    extra = row.model_extra or {}
    told = int(extra.get("retold_genuine") or 0)
    if rate == "fmr" or not extra.get("retold_genuine_every_pair") or not 0 < told < pairs:
        return errors, pairs, 0
    return round(errors * (pairs - told) / pairs), pairs - told, pairs


def _undecided(
    row: ThresholdResult, rate: str, maximum: float, interval: tuple[float | None, float | None]
) -> str | None:
    """Why the sample cannot decide ``rate <= maximum`` (None when it can), by the accuracy
    suite's rule (``bound_undecided``); a limit of 1 is always met, one of 0 never shown."""
    if maximum >= 1:
        return None
    errors, pairs, answers = _counts(row, rate)
    kind = "impostor" if rate == "fmr" else "genuine"
    if answers:
        interval = clopper_pearson(errors, pairs)
    extra = (row.model_extra or {}).get("fmr_people") if rate == "fmr" else None
    people = (int(extra[0]), int(extra[1])) if extra else None
    needed = n_needed_for_zero_failures(maximum) if maximum > 0 else None
    if needed is not None:
        doubt = bound_undecided(errors, pairs, maximum, people=people)
        if doubt is None:
            return None
    if needed is not None and doubt == "few_people" and people is not None:
        low, high = clopper_pearson(*people)
        return (
            f"FMR {getattr(row, rate):.4g} in {row.impostor} impostor pairs lies above "
            f"{maximum:g}, but from {people[0]} of {people[1]} pairs of people (95% CI "
            f"[{low:.3g}, {high:.3g}]): pairs of the same two people are not independent"
        )
    if needed is None:  # a limit of 0: one error decides it (a rate above 0 is certain)
        return (
            None if errors else f"no sample shows {rate.upper()} <= 0 ({pairs} {kind} pairs scored)"
        )
    counted = f"{answers} {kind} answers ({pairs} pairs, both orders)" if answers else ""
    seen = f"{rate.upper()} {getattr(row, rate):.4g} in {counted or f'{pairs} {kind} pairs'}"
    if interval[1] is not None:
        seen += f" (95% CI [{interval[0] or 0:.3g}, {interval[1]:.3g}])"
    return f"{seen}: {needed} are needed to decide {rate.upper()} <= {maximum:g}"


def coverage_criteria(
    contract: Contract, coverage: Coverage, suites: Mapping[SuiteName, SuiteResult]
) -> list[GateCriterion]:
    """Every documented operation (extensions aside) reached, when conformance or fuzz ran."""
    if not any(
        s.status in ("pass", "fail") for n, s in suites.items() if n in ("conformance", "fuzz")
    ):
        return []
    reached = {op.operation for op in coverage.operations if op.exercised}
    claimed = [op for op in contract.operations.values() if not op.extension]
    missed = [op.operation_id for op in claimed if op.operation_id not in reached]
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


def _adjusted(policy: Policy, name: SuiteName, result: SuiteResult, within: bool) -> SuiteResult:
    """A suite failed only by allowed findings passes, one passed with counted findings beyond
    them fails (one cut short at its time limit, :func:`~harness.results.partial_suite`, is
    inconclusive, unless its counted findings beyond them already fail it); one the policy does
    not require may fail to run without ending the gate."""
    partial = result.status == "fail" and result.testable_when is not None
    if within and result.status == "fail" and result.findings:  # a partial stage's: untested
        return result.model_copy(update={"status": "inconclusive" if partial else "pass"})
    cut = result.status == "inconclusive" and result.testable_when is not None
    if not within and (result.status == "pass" or cut):  # cut: what it found already fails
        if any(map(policy.findings.counts, result.findings)):
            return result.model_copy(update={"status": "fail"})
    required = policy.suites.required
    if required is None or name in required or result.status != "error":
        return result
    reason = f"not required by the policy; it could not run: {result.error}"
    return result.model_copy(update={"status": "skipped", "skipped_reason": reason, "error": None})


def qps_limit_criterion(
    minimum: float, limit: float, bound: str | None, stopped_by: str | None,
    unsure: str | None = None, below: float | None = None,
) -> GateCriterion:  # fmt: skip
    """``min_qps_limit`` against a measured limit, read with its bound: a lower bound below the
    minimum, or an upper bound above it, never tried the minimum (inconclusive); so is a limit
    the search said it could not name (``unsure``, its ``inconclusive``) unless that evidence
    decides (``limit.meets_minimum``)."""
    from harness.loadgen.limit import describe_limit, meets_minimum, search_higher, stop_label

    bound = bound or "exact"  # summaries written before bounds were recorded
    shown = describe_limit(limit, bound, stopped_by)
    when = None
    if unsure is not None and (
        (bound == "exact" and meets_minimum(limit, minimum, unsure, below) is None)
        # a lower bound the search doubts (throttled answers its windows did not judge) bounds
        # nothing: before, a minimum under it passed against a quota of 600 a minute
        or (bound == "lower" and limit >= minimum)
    ):
        reason = f"inconclusive: {unsure}"
        when = "a `load run --rate R --duration 60s` at the minimum"
    elif bound == "lower" and limit < minimum:
        reason = (
            f"inconclusive: the search stopped at {limit:g}/s ({stop_label(stopped_by)}) before "
            f"any rate failed, so {minimum:g}/s was never tried; to search higher, run "
            f"`faceharness load find-limit` and {search_higher(stopped_by)}"
        )
        when = f"a search that reaches {minimum:g}/s"
    elif bound == "upper" and limit > minimum:
        reason = (
            f"inconclusive: no rate down to {limit:g}/s passed, and {minimum:g}/s was not "
            "tried; lower the search's start rate to measure it"
        )
        when = f"a search that starts at or below {minimum:g}/s"
    ok = limit >= minimum and bound != "upper" and when is None
    if when is None:
        reason = "" if ok else f"sustainable rate {shown} is below {minimum:g}/s"
    return GateCriterion(
        name="load.qps_limit",
        passed=ok,
        inconclusive=when is not None,
        expected=f">= {minimum:g}/s",
        actual=shown,
        reason=reason,
        testable_when=when,
    )


def _missing(name: str, expected: str, result: SuiteResult | None, why: str) -> GateCriterion:
    if result is None or result.status == "skipped":
        skipped = result.skipped_reason if result is not None else "not selected"
        why += f": the suite did not run ({skipped})"
    elif result.status == "error":
        why += f": the suite could not run ({result.error})"
    return GateCriterion(
        name=name, passed=False, expected=expected, actual="not measured", reason=why
    )


def _clip(text: str) -> str:
    return text if len(text) <= 300 else text[:299] + "…"


# p99 is compared only when both runs measured it at about the same offered rate.

RATE_TOLERANCE = 0.10
_RAN = ("pass", "fail")  # findings of a suite that did not run in both runs are not compared


def load_baseline(path: str | os.PathLike[str]) -> tuple[Summary, str]:
    from harness.report import load_summary

    source = Path(path)
    file = source / "summary.json" if source.is_dir() else source
    return load_summary(file), str(file)


def compare_baseline(
    current: Suites,
    baseline: Summary,
    *,
    policy: BaselinePolicy | None = None,
    source: str = "baseline",
) -> BaselineComparison:
    policy = policy or BaselinePolicy()
    comparison = BaselineComparison(baseline=source, baseline_started_at=baseline.started_at)
    now, then = _load(current), _load(baseline.suites)
    q_now, q_then = now.qps_limit, then.qps_limit
    # a search ceiling or "no rate passed" (a bound) is not a limit to compare
    bounds = {now.qps_limit_bound, then.qps_limit_bound}
    if q_now is not None and q_then is not None and q_then > 0 and bounds <= {None, "exact"}:
        _change(comparison, "load.qps_limit", "QPS limit", "/s", q_then, q_now,
                policy.max_qps_drop_pct, -math.inf, worse=-1)  # fmt: skip
    p_now, p_then = (m.latency_ms.p99 if m.latency_ms is not None else None for m in (now, then))
    r_now, r_then = now.offered_rps, then.offered_rps
    if (
        p_now is not None
        and p_then is not None
        and p_then > 0
        and not (r_now and r_then and abs(r_now - r_then) > RATE_TOLERANCE * r_then)
    ):
        at = f" at {r_now:g}/s" if r_now else ""
        _change(comparison, "load.latency_ms.p99", f"p99{at}", " ms", p_then, p_now,
                policy.max_p99_increase_pct, policy.min_p99_increase_ms, worse=1)  # fmt: skip
    if policy.new_findings:
        both = [
            n for n, s in current.items() if s.status in _RAN and baseline.suites[n].status in _RAN
        ]
        found = [
            {f.unique_key: f for name in both for f in suites[name].findings if f.fails}
            for suites in (current, baseline.suites)
        ]
        for key, f in found[0].items():
            if key not in found[1]:
                message = f"new {f.severity} finding ({f.suite}/{f.check}): {f.message}"
                comparison.regressions.append(Regression(metric=f"finding {key}", message=message))
        for key, f in found[1].items():
            if key not in found[0]:
                message = f"fixed: {f.severity} finding ({f.suite}/{f.check}) is gone"
                comparison.improvements.append(Regression(metric=f"finding {key}", message=message))
    return comparison


def _load(suites: Suites) -> LoadMetrics:
    metrics = suites.load.metrics
    if suites.load.status not in ("skipped", "error") and isinstance(metrics, LoadMetrics):
        return metrics
    return LoadMetrics()


def _change(
    comparison: BaselineComparison,
    metric: str,
    label: str,
    unit: str,
    then: float,
    now: float,
    limit: float,
    floor: float,
    *,
    worse: int,
) -> None:
    """A move past ``limit`` % and ``floor`` units: a regression in direction ``worse`` (+1/-1)."""
    change = (now - then) / then * 100.0
    verb, sign = "rose" if change > 0 else "fell", worse
    moved = f"{label} {verb} {abs(change):.1f}% ({then:g}{unit} -> {now:g}{unit})"
    row = Regression(metric=metric, baseline=then, current=now, change_pct=round(change, 2))
    if sign * change > limit and sign * (now - then) > floor:
        row.message = f"{moved}, more than {limit:g}%"
        comparison.regressions.append(row)
    elif -sign * change > limit and -sign * (now - then) > floor:
        row.message = moved
        comparison.improvements.append(row)


def build_coverage(contract: Contract, suites: Iterable[SuiteResult]) -> Coverage:
    """Contract coverage from what the client side saw, the same for every target; an API whose
    operations share one code table has its codes on a row ``"<api>: all operations"``."""
    requests: Counter[str] = Counter()
    codes: dict[str, Counter[str]] = defaultdict(Counter)  # per API: "where:code" -> answers
    seen: Counter[str] = Counter()  # "api:where:code" -> answers
    for result in suites:
        if isinstance(result.metrics, ContractMetrics):
            requests.update(result.metrics.requests_by_operation)
            seen.update(result.metrics.codes)
        elif isinstance(result.metrics, LoadMetrics):
            for label, count in result.metrics.errors_by_code.items():
                seen[label.partition(" ")[0]] += count
    for key, count in seen.items():
        api, _, rest = key.partition(":")
        if api in ("match", "jd") and ":" in rest:
            codes[api][rest] += count
    rows: list[OperationCoverage] = []
    for api in ("match", "jd"):
        ops = [op for op in contract.operations.values() if op.api == api]
        documented = [f"{c.where}:{c.code}" for c in contract.codes.of(api)]
        first = {c: codes[api][c] for c in documented if codes[api][c]}  # the table's order first
        extra = {c: n for c, n in sorted(codes[api].items()) if c not in first and n}
        observed, single = {**first, **extra}, len(ops) == 1
        rows += [
            OperationCoverage(
                operation=op.operation_id,
                api=api,
                method=op.method.upper(),
                path=op.path,
                requests=requests[op.operation_id],
                documented_codes=documented if single else [],
                observed_codes=observed if single else {},
            )
            for op in ops
        ]
        if not single:
            rows.append(
                OperationCoverage(
                    operation=shared_codes_row(api),
                    api=api,
                    requests=sum(requests[op.operation_id] for op in ops),
                    documented_codes=documented,
                    observed_codes=observed,
                )
            )
    return Coverage(operations=rows)
