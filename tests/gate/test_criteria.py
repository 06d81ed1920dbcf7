"""The gate's judgement: allowances, required suites, load and accuracy limits, baseline."""

from __future__ import annotations

from typing import Any

import pytest

from harness.accuracy._stats import judge_claim
from harness.gate import parse_policy
from harness.gate._judge import judge
from harness.results import BaselineComparison, Regression, SuiteResult

from .builders import accuracy, finding, load, row, suite

ALL = ("conformance", "fuzz", "load", "accuracy")


def failed(gate):
    return {c.name for c in gate.criteria if not c.passed}


def test_default_policy_any_finding_fails_and_lists_it():
    suites = {
        "conformance": suite("conformance", [finding("medium", "msg-prefix")]),
        "fuzz": suite("fuzz"),
    }
    gate, judged = judge(parse_policy({}), suites, ran=("conformance", "fuzz"))
    assert not gate.passed
    assert failed(gate) == {"findings.medium", "suite.conformance"}
    medium = next(c for c in gate.criteria if c.name == "findings.medium")
    assert (
        medium.actual == "1"
        and medium.expected == "<= 0"
        and "conformance/msg-prefix" in medium.reason
    )
    assert judged["conformance"].status == "fail"


def test_default_policy_reports_convention_findings_without_failing_on_them():
    """Only the documents' own promises fail a service outright: an HTTP 400 error envelope
    (E-015: the documents give no status) is listed, and the gate passes; a seed finding of the
    same severity still fails it, and a policy may count conventions too."""
    convention = finding("low", "http-200").model_copy(update={"basis": "convention"})
    seed = finding("low", "envelope", key="k2").model_copy(update={"basis": "seed"})
    only = {"conformance": suite("conformance", [convention])}
    gate, judged = judge(parse_policy({}), only, ran=("conformance",))
    assert gate.passed, failed(gate)
    assert judged["conformance"].status == "pass" and judged["conformance"].findings == [convention]
    both = {"conformance": suite("conformance", [convention, seed])}
    gate, _ = judge(parse_policy({}), both, ran=("conformance",))
    low = next(c for c in gate.criteria if c.name == "findings.low")
    assert not gate.passed and low.actual == "1" and "envelope" in low.reason
    strict = parse_policy({"findings": {"conventions": True}})
    gate, _ = judge(strict, only, ran=("conformance",))
    assert failed(gate) == {"findings.low", "suite.conformance"}


def test_allowed_findings_pass_their_suite_and_the_gate():
    findings = [
        finding("medium", "a", key="k1"),
        finding("medium", "b", key="k2"),
        finding("low", "c"),
    ]
    policy = parse_policy({"findings": {"medium": 2, "low": "unlimited"}})
    gate, judged = judge(
        policy, {"conformance": suite("conformance", findings)}, ran=("conformance",)
    )
    assert gate.passed, failed(gate)
    assert judged["conformance"].status == "pass" and len(judged["conformance"].findings) == 3


def test_allowed_findings_of_a_stage_cut_at_its_limit_leave_it_inconclusive():
    """Review s21: a stage stopped at its time limit with failing findings is ``fail``; when the
    policy allows those findings it did not pass, it was not tested to its end."""
    from harness.results import partial_suite

    cut = partial_suite(
        suite("conformance", [finding("medium", "a", key="k1")]),
        "stopped at its 1 s time limit; the results are partial",
        "a longer run.stage_timeout_s",
    )
    assert cut.status == "fail"
    policy = parse_policy({"findings": {"medium": 1}})
    _, judged = judge(policy, {"conformance": cut}, ran=("conformance",))
    assert judged["conformance"].status == "inconclusive"
    assert judged["conformance"].reason.startswith("stopped at its 1 s time limit")


def test_counted_convention_findings_of_a_stage_cut_at_its_limit_fail_it():
    """Review s21: a cut stage whose only findings are conventions is ``inconclusive`` by
    itself; a policy that counts conventions fails it, as it would the same stage completed."""
    from harness.results import partial_suite

    convention = finding("low", "http-200").model_copy(update={"basis": "convention"})
    cut = partial_suite(
        suite("conformance", [convention]),
        "stopped at its 1 s time limit; the results are partial",
        "a longer run.stage_timeout_s",
    )
    assert cut.status == "inconclusive"
    strict = parse_policy({"findings": {"conventions": True}})
    gate, judged = judge(strict, {"conformance": cut}, ran=("conformance",))
    assert judged["conformance"].status == "fail" and not gate.passed
    _, judged = judge(parse_policy({}), {"conformance": cut}, ran=("conformance",))
    assert judged["conformance"].status == "inconclusive"  # not counted: still untested


def test_allowances_count_unique_findings_across_suites():
    repeated = [finding("medium", "a", key="same")] * 3
    other = [finding("medium", "b", suite="fuzz", key="other")]
    policy = parse_policy({"findings": {"medium": 1}})
    gate, judged = judge(
        policy,
        {"conformance": suite("conformance", repeated), "fuzz": suite("fuzz", other)},
        ran=("conformance", "fuzz"),
    )
    assert "findings.medium" in failed(gate)
    medium = next(c for c in gate.criteria if c.name == "findings.medium")
    assert medium.actual == "2"
    assert judged["fuzz"].status == "fail"  # over the allowance: statuses stay as the suites said


def test_info_findings_never_count():
    gate, _ = judge(parse_policy({}), {"fuzz": suite("fuzz", [finding("info")])}, ran=("fuzz",))
    assert gate.passed


def test_required_suites_must_run_and_pass():
    suites = {
        "conformance": suite("conformance"),
        "fuzz": suite("fuzz", status="error", error="boom"),
        "load": suite("load", status="skipped", skipped_reason="not selected"),
    }
    gate, _ = judge(parse_policy({}), suites, ran=("conformance", "fuzz", "load", "accuracy"))
    reasons = {c.name: c.reason for c in gate.criteria if not c.passed}
    assert reasons == {
        "suite.fuzz": "could not run: boom",
        "suite.load": "did not run: not selected",
        "suite.accuracy": "did not run: no result recorded",
    }


def test_a_suite_the_policy_does_not_require_may_fail_to_run():
    suites = {
        "conformance": suite("conformance"),
        "accuracy": suite("accuracy", status="error", error="no dlib"),
    }
    policy = parse_policy({"suites": {"required": ["conformance"]}})
    gate, judged = judge(policy, suites, ran=("conformance", "accuracy"))
    assert gate.passed
    assert judged["accuracy"].status == "skipped"
    assert (
        "not required by the policy; it could not run: no dlib" == judged["accuracy"].skipped_reason
    )
    # listed as required, the same error fails the gate (and keeps status error)
    strict = parse_policy({"suites": {"required": ["conformance", "accuracy"]}})
    gate, judged = judge(strict, suites, ran=("conformance", "accuracy"))
    assert failed(gate) == {"suite.accuracy"} and judged["accuracy"].status == "error"


def test_load_limits():
    policy = parse_policy(
        {"load": {"min_qps_limit": 60, "max_p99_ms": 15, "p99_at_rps": 20, "max_error_rate": 0.01}}
    )
    gate, _ = judge(policy, {"load": load(qps=50, p99=20, error_rate=0.05)}, ran=("load",))
    by = {c.name: c for c in gate.criteria}
    assert failed(gate) == {"load.qps_limit", "load.p99", "load.error_rate"}
    assert by["load.qps_limit"].reason == "sustainable rate 50/s is below 60/s"
    assert (
        by["load.p99"].actual == "20 ms at 20/s" and by["load.p99"].expected == "<= 15 ms at 20/s"
    )
    assert by["load.error_rate"].actual == "5.00%"
    gate, _ = judge(policy, {"load": load(qps=61, p99=15, error_rate=0.01)}, ran=("load",))
    assert gate.passed, failed(gate)


def _bounded(qps: float, bound: str, stopped_by: str) -> SuiteResult:
    result = load(qps=qps)
    assert result.metrics is not None
    metrics = result.metrics.model_copy(update={"qps_limit_bound": bound, "stopped_by": stopped_by})
    return result.model_copy(update={"metrics": metrics})


def test_a_search_ceiling_is_a_lower_bound_never_a_measured_failure():
    """Issue 15: a search stopped at its 20/s ceiling says "at least 20/s"; a policy minimum
    above it is inconclusive (and says how to search higher), one at or below it passes."""
    ceiling = _bounded(20.0, "lower", "max_rate reached without failing")
    gate, _ = judge(parse_policy({"load": {"min_qps_limit": 40}}), {"load": ceiling}, ran=("load",))
    c = next(c for c in gate.criteria if c.name == "load.qps_limit")
    assert gate.passed and not c.passed and c.inconclusive  # inconclusive does not block by default
    assert c.actual == "at least 20/s (search ceiling)"
    assert (
        c.reason.startswith("inconclusive:")
        and "--max-rate" in c.reason
        and "--allow-costly-load" in c.reason
    )
    gate, _ = judge(parse_policy({"load": {"min_qps_limit": 20}}), {"load": ceiling}, ran=("load",))
    c = next(c for c in gate.criteria if c.name == "load.qps_limit")
    assert gate.passed and c.passed and not c.inconclusive
    budget = _bounded(64.0, "lower", "request budget: 635 of 1000 used, next step needs 641")
    gate, _ = judge(parse_policy({"load": {"min_qps_limit": 100}}), {"load": budget}, ran=("load",))
    c = next(c for c in gate.criteria if c.name == "load.qps_limit")
    assert c.inconclusive and "(request budget)" in c.actual and "--max-requests" in c.reason


def test_no_rate_passing_is_an_upper_bound():
    floor = _bounded(0.0625, "upper", "no good rate down to 0.0625/s")
    gate, _ = judge(parse_policy({"load": {"min_qps_limit": 1}}), {"load": floor}, ran=("load",))
    c = next(c for c in gate.criteria if c.name == "load.qps_limit")
    assert not gate.passed and not c.passed and not c.inconclusive
    assert c.reason == "sustainable rate below 0.0625/s (no rate passed) is below 1/s"
    gate, _ = judge(parse_policy({"load": {"min_qps_limit": 0.01}}), {"load": floor}, ran=("load",))
    c = next(c for c in gate.criteria if c.name == "load.qps_limit")
    assert gate.passed and c.inconclusive  # 0.01/s was never tried


def test_load_limit_not_measured_says_why():
    policy = parse_policy({"load": {"min_qps_limit": 10}})
    gate, _ = judge(policy, {"load": load(qps=None)}, ran=("load",))
    assert failed(gate) == {"load.qps_limit"}
    gate, _ = judge(
        policy, {"load": suite("load", status="error", error="locust died")}, ran=("load",)
    )
    reason = next(c.reason for c in gate.criteria if c.name == "load.qps_limit")
    assert reason == "no QPS limit was found: the suite could not run (locust died)"


def test_accuracy_limits_estimate_and_upper_bound():
    result = accuracy(
        [row("match.score>=80", 0.01, 0.04, upper=0.08), row("jd.result", None, None)]
    )
    policy = parse_policy(
        {
            "accuracy": [
                {
                    "claim": "match.score>=80",
                    "max_fmr": 0.02,
                    "max_fnmr": 0.05,
                    "bound": "estimate",
                },
                {"claim": "match.score>=80", "max_fmr": 0.05, "bound": "upper95"},
                {"claim": "jd.result", "max_fnmr": 0.5},
                {"claim": "match.score>=70", "max_fmr": 0.5},
            ]
        }
    )
    gate, _ = judge(policy, {"accuracy": result}, ran=("accuracy",))
    crits = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert [c.passed for c in crits] == [True, False, False, False]
    assert crits[1].reason == "FMR 0.08 > 0.05"
    # no pair decided at the claim: nothing measured, no verdict (session 28, jd-result-text:
    # JD's result as the text "false" failed a gate's max_fmr "FMR not measured")
    assert crits[2].reason == "FNMR not measured" and crits[2].outcome == "inconclusive"
    assert "answers the claim reads" in (crits[2].testable_when or "")
    assert (
        "no operating point 'match.score>=70' was measured (measured: match.score>=80, jd.result)"
        == crits[3].reason
    )


def _counted(claim: str, k: int, n: int, k_genuine: int = 0, genuine: int = 60) -> dict[str, Any]:
    from harness.accuracy._stats import clopper_pearson

    return {
        "claim": claim,
        "fmr": k / n,
        "fmr_ci95": clopper_pearson(k, n),
        "impostor": n,
        "fnmr": k_genuine / genuine,
        "fnmr_ci95": clopper_pearson(k_genuine, genuine),
        "genuine": genuine,
        "verdict": "untestable",
    }


@pytest.mark.parametrize(
    ("k", "n", "bound", "outcome"),
    [
        (0, 51, None, "inconclusive"),  # the accuracy suite calls FMR 1e-3 untestable here
        (1, 51, None, "inconclusive"),  # CI [0.0005, 0.1]: no evidence either way
        (0, 51, "estimate", "pass"),  # the user asked for the point estimate alone
        (1, 51, "estimate", "fail"),
        (0, 51, "upper95", "fail"),
        (9, 51, None, "fail"),  # CI [0.08, 0.31] lies above 0.001: decided
        (0, 3000, None, "pass"),  # 2,995 pairs decide 1e-3 (rule of three)
        # 0.0013 over 0.001 on the sample the limit needs: a fail, its CI [0.00036, 0.0034]
        # in the reason (review of session 28: read inconclusive, a rate 1.6 to 2.3 times a
        # limit left the gate green for good on a fixed face set)
        (4, 3000, None, "fail"),
        (12, 3000, None, "fail"),  # CI [0.0021, 0.007] lies above 0.001
        (4, 3000, "estimate", "fail"),
    ],
)
def test_an_accuracy_limit_the_sample_cannot_decide_is_inconclusive(
    k: int, n: int, bound: str | None, outcome: str
) -> None:
    """`max_fmr = 0.001` on 51 impostor pairs: the suite itself calls such a claim untestable,
    so the gate's default must not pass it on the point estimate 0 (nor fail it on 1/51)."""
    limit: dict[str, Any] = {"claim": "match.score>=80", "max_fmr": 0.001, "max_fnmr": 0.2}
    if bound is not None:
        limit["bound"] = bound
    result = accuracy([_counted("match.score>=80", k, n)])
    gate, _ = judge(parse_policy({"accuracy": [limit]}), {"accuracy": result}, ran=("accuracy",))
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == outcome, crit
    if (k, n, bound) == (4, 3000, None):
        assert crit.reason == "FMR 0.001333 > 0.001 (95% CI [0.000363, 0.00341])", crit.reason
    if outcome == "inconclusive":
        assert f"in {n} impostor pairs" in crit.reason and "2995 are" in crit.reason, crit.reason
        assert 'bound = "estimate"' in (crit.testable_when or "")
        assert not gate.passed or not gate.inconclusive_blocks


@pytest.mark.parametrize(
    ("repeats", "limit", "outcome"),
    [
        # audit round 15 (order-rejects): every genuine pair rejected the other way round; the
        # repeat sample's 4 genuine answers, 2 rejected, pooled with 23 first answers met 0.3
        ({"retold_genuine": 4, "retold_false_non_matches": 2}, {"max_fnmr": 0.3}, "inconclusive"),
        ({"retold_genuine": 4, "retold_false_non_matches": 2}, {"max_frr": 0.3}, "inconclusive"),
        # order-accepts: 1 false match in 2 repeats beside 0 in 3,000 first answers
        ({"retold_impostor": 2, "retold_false_matches": 1}, {"max_fmr": 0.01}, "inconclusive"),
        ({"retold_genuine": 4, "retold_false_non_matches": 2}, {"max_fmr": 0.01}, "pass"),
        ({}, {"max_fnmr": 0.3, "max_fmr": 0.01}, "pass"),  # no repeat decided otherwise
        # coin-per-call: a pair asked again decided otherwise, so the repeats are more draws
        (
            {"retold_genuine": 4, "retold_false_non_matches": 2, "retold_drawn": True},
            {"max_fnmr": 0.3},
            "pass",
        ),
        # review of session 26: the repeats' own rate under the limit (one borderline pair
        # scored apart in the two orders) is met, whatever the bound: 4 answers at most could
        # never decide a limit alone, and the gate stayed inconclusive for good
        ({"retold_genuine": 2, "retold_false_non_matches": 0}, {"max_fnmr": 0.3}, "pass"),
        (
            {"retold_genuine": 4, "retold_false_non_matches": 1},
            {"max_fnmr": 0.3, "bound": "upper95"},
            "pass",
        ),
        (
            {"retold_genuine": 2, "retold_false_non_matches": 2},
            {"max_fnmr": 0.3, "bound": "estimate"},
            "inconclusive",
        ),
    ],
)
def test_a_limit_is_not_met_by_pooling_the_answers_the_order_decides(
    repeats: dict[str, Any], limit: dict[str, Any], outcome: str
) -> None:
    """The repeat sample's answers that decide pairs otherwise than their first ones are more
    comparisons (E-098), but pooled with the run's order they hide an order that decides: a
    limit met over every comparison and not over those answers alone is inconclusive."""
    row = _counted("match.score>=70", 2, 3002, k_genuine=2, genuine=27) | repeats
    row |= {"frr": 2 / 27, "frr_ci95": row["fnmr_ci95"], "frr_errors": 2, "frr_trials": 27}
    policy = parse_policy({"accuracy": [{"claim": "match.score>=70", **limit}]})
    gate, _ = judge(policy, {"accuracy": accuracy([row])}, ran=("accuracy",))
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == outcome, crit
    if outcome == "inconclusive":
        assert "not over the repeat sample's" in crit.reason and "E-098" in crit.reason
        # the repeat sample is capped: neither more photos nor another bound decides it
        when = crit.testable_when or ""
        assert "either order" in when and "whatever the --faces set or the bound" in when, when
        # genuine pairs are asked swapped up to 100 once the order moves one (review of
        # session 28: the text still said 4 pairs at most)
        assert "up to 100 genuine pairs within its budgets" in when, when
        assert "a larger --faces set" not in when and 'bound = "estimate"' not in when, when


@pytest.mark.parametrize(
    ("unknown", "bound", "outcome"),
    [
        ({"no_answer_impostor": 150}, None, "inconclusive"),  # 150 in 3150 would be 4.8 %
        ({"excluded": {"genuine": 0, "impostor": 150}}, "upper95", "inconclusive"),
        ({"no_answer_impostor": 150}, "estimate", "inconclusive"),
        ({"no_answer_impostor": 10}, None, "pass"),  # 10 in 3010 still meets 1 %
        ({}, None, "pass"),
        # genuine pairs alike, max_fnmr (session 29: JD's bare 1155, no decision, E-088)
        ({"excluded": {"genuine": 150, "impostor": 0}}, None, "inconclusive"),
    ],
)
def test_an_fmr_limit_is_not_met_by_leaving_out_the_pairs_without_a_decision(
    unknown: dict[str, Any], bound: str | None, outcome: str
) -> None:
    """Audit round 12: a service answering an error (or no score) on the impostor pairs it would
    match falsely met `max_fmr` over the pairs it did decide: 0 in 3,000 passed 1 % with 150 more
    pairs unanswered. The suite's rule for its claims applies: a limit met only with those pairs
    as non-matches is inconclusive, its reason counting them."""
    kind = "genuine" if unknown.get("excluded", {}).get("genuine") else "impostor"
    rate = "max_fnmr" if kind == "genuine" else "max_fmr"
    limit: dict[str, Any] = {"claim": "match.score>=70", rate: 0.01}
    if bound is not None:
        limit["bound"] = bound
    row = _counted("match.score>=70", 0, 3000, genuine=3000) | unknown
    gate, _ = judge(
        parse_policy({"accuracy": [limit]}), {"accuracy": accuracy([row])}, ran=("accuracy",)
    )
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == outcome, crit
    if outcome == "inconclusive":
        assert (
            "not with the 150 more (150 answered without a decision at the claim" in crit.reason
            or "not with the 150 more (150 without a usable answer on the run's " in crit.reason
        ), crit
        # review of session 23: "errors are retried by the next run" was false for a final code
        # (a documented decline is left out, not unknown) and for a pair without a score
        when = crit.testable_when or ""
        assert when.startswith(f"a decision for every {kind} pair") and "declin" in when, when
        assert "retried by the next run" not in when and "not those answered without" in when


@pytest.mark.parametrize(
    ("favour", "declined", "outcome", "of_images"),
    [
        (True, 150, "inconclusive", 0),  # 150 of 3150 declined, no genuine pair: 4.8 % hidden
        (False, 150, "pass", 0),  # declines of any pair alike: left out (ISO/IEC 19795-1)
        (True, 10, "pass", 0),  # 10 in 3010 still meets 1 %
        # review of session 25: 140 of them with an image declined in every pair it is in (no
        # face found): the image's, not the pairs' (E-097), so 10 in 3010
        (True, 150, "pass", 140),
    ],
)
def test_an_fmr_limit_is_not_met_by_declines_falling_on_impostor_pairs(
    favour: bool, declined: int, outcome: str, of_images: int
) -> None:
    """Audit round 14: a service declining the impostor pairs (and no genuine one) met `max_fmr`
    over the pairs it compared, as the suite's claims were consistent. The suite now bounds FMR
    with the declines as false matches and says whether they fall on impostor pairs
    (``fmr_with_declines``, ERRATA E-097); when they do, a limit that bound breaks is
    inconclusive."""
    limit: dict[str, Any] = {"claim": "jd.result", "max_fmr": 0.01}
    row = _counted("jd.result", 0, 3000) | {
        "fmr_with_declines": {"declined": declined, "declines_favour_impostor_pairs": favour}
        | ({"declined_with_an_image": of_images} if of_images else {})
    }
    gate, _ = judge(
        parse_policy({"accuracy": [limit]}), {"accuracy": accuracy([row])}, ran=("accuracy",)
    )
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == outcome, crit
    if outcome == "inconclusive":
        assert f"not with the {declined} declined ones as false matches" in crit.reason


@pytest.mark.parametrize(
    ("false", "impostor", "people", "outcome"),
    [
        (9, 355, [1, 60], "inconclusive"),
        (9, 355, [9, 300], "fail"),
        # the sample the limit needs decides whoever made the errors, and more errors of the
        # same couples never undo a failure (review of session 18: 4 failed, 12 did not), and
        # its estimate over the limit fails it (review of session 28)
        (4, 3000, [1, 300], "fail"),
        (12, 3000, [1, 300], "fail"),
        (60, 3000, [2, 300], "fail"),
        (2900, 3000, [2, 2], "fail"),  # a face set of two people: a service matching everyone
        (60, 3000, [20, 300], "fail"),  # of many couples: decided
        (6, 3000, [6, 300], "fail"),
    ],
)
def test_false_matches_of_look_alike_people_do_not_decide_an_fmr_limit(
    false: int, impostor: int, people: list[int], outcome: str
) -> None:
    """9 false matches in 355 impostor pairs, all of one look-alike couple: the accuracy suite
    calls a claim untestable on that (pairs of the same two people are not independent), so the
    gate's default does not fail a limit on it either; from 9 couples it does. The rule is the
    suite's own (``bound_undecided``); a sample of the size the limit needs is decided by its
    estimate whoever made the errors, so the verdict is monotone in the false matches."""
    row = _counted("match.score>=70", false, impostor) | {"fmr_people": people}
    limit = {"claim": "match.score>=70", "max_fmr": 0.001}
    gate, _ = judge(
        parse_policy({"accuracy": [limit]}), {"accuracy": accuracy([row])}, ran=("accuracy",)
    )
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == outcome, crit
    verdict = judge_claim(false, impostor, 0.001, at_most=True, people=tuple(people))
    if impostor < 2995:  # the suite's verdict on the same counts
        assert verdict.verdict == ("contradicted" if outcome == "fail" else "untestable")
    if outcome == "inconclusive":
        assert f"from {people[0]} of {people[1]} pairs of people" in crit.reason


def test_the_gate_asks_the_accuracy_suite_whether_a_sample_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One owner of the sample rule: the gate's criterion follows ``bound_undecided``."""
    import harness.gate._judge as judge_module

    asked: list[tuple[int, int, float]] = []

    def undecided(errors: int, trials: int, bound: float, **kw: Any) -> str:
        asked.append((errors, trials, bound))
        return "few_pairs"

    monkeypatch.setattr(judge_module, "bound_undecided", undecided)
    limit = {"claim": "match.score>=80", "max_fmr": 0.001, "max_fnmr": 0.05}
    row = _counted("match.score>=80", 4, 3000, k_genuine=1, genuine=100)
    gate, _ = judge(parse_policy({"accuracy": [limit]}), {"accuracy": accuracy([row])},
                    ran=("accuracy",))  # fmt: skip
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == "inconclusive"  # 3,000 pairs would decide: the owner said not
    assert asked == [(4, 3000, 0.001), (1, 100, 0.05)]


def test_baseline_regressions_fail_the_gate_unless_told_not_to():
    comparison = BaselineComparison(
        baseline="prev",
        regressions=[Regression(metric="load.qps_limit", message="QPS limit fell 20%")],
    )
    gate, _ = judge(parse_policy({}), {"fuzz": suite("fuzz")}, ran=("fuzz",), baseline=comparison)
    assert failed(gate) == {"baseline"}
    assert next(c.reason for c in gate.criteria if c.name == "baseline") == "QPS limit fell 20%"
    lenient = parse_policy({"baseline": {"fail_on_regression": False}})
    gate, _ = judge(lenient, {"fuzz": suite("fuzz")}, ran=("fuzz",), baseline=comparison)
    assert gate.passed


def test_a_failed_allowance_names_each_kind_of_finding_once_with_its_count():
    findings = [finding("high", "answered", key=f"k{i}") for i in range(12)] + [
        finding("high", "auth-wrong-sign")
    ]
    gate, _ = judge(
        parse_policy({}), {"conformance": suite("conformance", findings)}, ran=("conformance",)
    )
    high = next(c for c in gate.criteria if c.name == "findings.high")
    assert high.actual == "13"
    assert high.reason.endswith("allowed: conformance/answered x12; conformance/auth-wrong-sign"), (
        high.reason
    )


def test_an_inconclusive_suite_is_neither_passed_nor_failed_unless_the_policy_blocks():
    from harness.results import SuiteResult

    untested = SuiteResult(
        name="accuracy",
        status="inconclusive",
        reason="all claims untestable",
        testable_when="more impostor pairs",
    )
    suites = {"conformance": suite("conformance"), "accuracy": untested}
    gate, _ = judge(parse_policy({}), suites, ran=("conformance", "accuracy"))
    criterion = next(c for c in gate.criteria if c.name == "suite.accuracy")
    assert criterion.outcome == "inconclusive" and criterion.testable_when == "more impostor pairs"
    assert gate.passed and failed(gate) == {"suite.accuracy"}  # not passed, yet not blocking
    blocking, _ = judge(
        parse_policy({"verdict": {"inconclusive_blocks": True}}),
        suites,
        ran=("conformance", "accuracy"),
    )
    assert blocking.passed is False and blocking.inconclusive_blocks


def test_an_operation_no_request_reached_is_inconclusive(contract):
    from harness.results import Coverage, OperationCoverage

    reached = [op for op in contract.operations.values() if not op.extension]
    rows = [
        OperationCoverage(
            operation=op.operation_id, requests=0 if op.operation_id == "matchIdno" else 5
        )
        for op in reached
    ]
    suites = {"conformance": suite("conformance")}
    gate, _ = judge(
        parse_policy({}),
        suites,
        ran=("conformance",),
        coverage=Coverage(operations=rows),
        contract=contract,
    )
    criterion = next(c for c in gate.criteria if c.name == "coverage.operations")
    assert criterion.inconclusive and "no request reached matchIdno" in criterion.reason
    assert gate.passed
    every = Coverage(operations=[row.model_copy(update={"requests": 1}) for row in rows])
    gate, _ = judge(
        parse_policy({}), suites, ran=("conformance",), coverage=every, contract=contract
    )
    assert next(c for c in gate.criteria if c.name == "coverage.operations").passed


def _declining(false_non: int, genuine: int, declined: int) -> dict[str, Any]:
    """A JD-like row: ``declined`` genuine pairs refused as "no face" (failures to acquire). The
    gate reads FRR and its counts as the accuracy row gives them (one owner), not from ``fta``
    (it recomputed FRR from ``fta`` and FNMR's counts)."""
    from harness.accuracy._stats import clopper_pearson

    tried = genuine + declined
    return _counted("jd.result", 0, 30000, false_non, genuine or 1) | {
        "genuine": genuine,
        "fnmr": false_non / genuine if genuine else None,
        "fnmr_ci95": clopper_pearson(false_non, genuine) if genuine else None,
        "false_non_matches": false_non,
        "frr": (false_non + declined) / tried if tried else None,
        "frr_ci95": clopper_pearson(false_non + declined, tried),
        "frr_errors": false_non + declined,
        "frr_trials": tried,
    }


@pytest.mark.parametrize(
    ("limit", "genuine", "declined", "outcome", "said"),
    [
        # FNMR (ISO/IEC 19795-1) leaves declined pairs out: 0 of 100 compared, while 900 of
        # 1000 genuine users were refused; max_frr (FTA + FNMR (1 - FTA)) counts them
        (
            {"max_fnmr": 0.05},
            100,
            900,
            "pass",
            "declined 900 of 1000 genuine (failures to acquire or refusals of the presented "
            "images; FRR 0.9",
        ),
        ({"max_fnmr": 0.05, "max_frr": 0.05}, 100, 900, "fail", "FRR 0.9 > 0.05"),
        ({"max_frr": 0.05}, 100, 0, "pass", "FRR 0"),
        ({"max_frr": 0.05}, 100, 20, "fail", "FRR 0.1667 > 0.05"),
        ({"max_frr": 0.05}, 20, 2, "inconclusive", "FRR 0.09091 in 22 genuine pairs"),
    ],
)
def test_an_frr_limit_counts_genuine_pairs_declined_as_failures_to_acquire(
    limit: dict[str, Any], genuine: int, declined: int, outcome: str, said: str
) -> None:
    row = _declining(0, genuine, declined)
    gate, _ = judge(
        parse_policy({"accuracy": [{"claim": "jd.result", **limit}]}),
        {"accuracy": accuracy([row])},
        ran=("accuracy",),
    )
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == outcome, crit
    assert said in f"{crit.actual}; {crit.reason}"


def test_a_service_declining_every_genuine_pair_fails_an_fnmr_limit() -> None:
    """No genuine pair compared: FNMR is not measured, which fails the limit with the reason."""
    row = _declining(0, 0, 300)
    for limit in ({"max_fnmr": 0.05}, {"max_frr": 0.05}):
        gate, _ = judge(
            parse_policy({"accuracy": [{"claim": "jd.result", **limit}]}),
            {"accuracy": accuracy([row])},
            ran=("accuracy",),
        )
        (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
        assert crit.outcome == "fail", crit
        assert crit.reason in ("FNMR not measured: all 300 genuine pairs declined (failures to "
                               "acquire or refusals of the presented images)",
                               "FRR 1 > 0.05 (95% CI [0.988, 1])")  # fmt: skip


@pytest.mark.parametrize(("misses", "outcome"), [(1, "fail"), (0, "inconclusive")])
def test_a_limit_of_zero_fails_on_one_error_and_no_sample_shows_it(
    misses: int, outcome: str
) -> None:
    row = _counted("match.score>=80", 0, 6, k_genuine=misses, genuine=6)
    row["false_non_matches"] = misses
    gate, _ = judge(
        parse_policy({"accuracy": [{"claim": "match.score>=80", "max_fnmr": 0}]}),
        {"accuracy": accuracy([row])},
        ran=("accuracy",),
    )
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == outcome, crit


@pytest.mark.parametrize(
    ("why", "minimum", "verdict"),
    [
        ("the service lowers its limit for a while after a refusal: ...", 20, "inconclusive"),
        ("the service lowers its limit for a while after a refusal: ...", 30, "fail"),
        ("refusals do not follow the rate (...): no rate limit to report", 20, "inconclusive"),
        ("refusals do not follow the rate (...): no rate limit to report", 30, "inconclusive"),
        ("the service may limit requests in flight: ... between 24/s and 40/s", 20, "pass"),
        ("the service may limit requests in flight: ... between 24/s and 40/s", 30, "inconclusive"),
        (None, 20, "pass"),
    ],
)
def test_a_limit_the_search_could_not_name_decides_a_minimum_only_where_its_evidence_does(
    why: str | None, minimum: float, verdict: str
) -> None:
    """Session 19: a search against a service that lowers its limit after a refusal reports the
    highest rate that held a step from rest (24/s here), which bounds the limit from above; one
    that refuses at any rate reports a lucky rate; a possible concurrency limit reports its
    plateau, a bound from below. Before, each was an exact limit to the gate: a minimum of 20/s
    passed on all three."""
    result = _bounded(24.0, "exact", "converged")
    assert result.metrics is not None
    result = result.model_copy(
        update={"metrics": result.metrics.model_copy(update={"inconclusive": why})}
    )
    policy = parse_policy({"load": {"min_qps_limit": minimum}})
    gate, _ = judge(policy, {"load": result}, ran=("load",))
    c = next(c for c in gate.criteria if c.name == "load.qps_limit")
    got = "inconclusive" if c.inconclusive else ("pass" if c.passed else "fail")
    assert got == verdict, c
    if verdict == "inconclusive":
        assert why is not None and c.reason == f"inconclusive: {why}"
