"""A gate limit at a score threshold on a service whose scores the accuracy suite cannot tie to the
documented scale (audit round 10, ``match-unit-scale``: /match on 0..1): inconclusive, not a
failure; a service on the documented 0..100 scale that rejects every genuine pair at 80
(``same-score``: every pair 72) still fails it. Real accuracy runs (fast engine, /match only,
one server for both variants) judged by the gate's criterion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.gate import parse_policy
from harness.gate._judge import judge
from harness.results import SuiteResult

LIMIT = {"claim": "match.score>=80", "max_fnmr": 0.5}  # the audit's policy


@pytest.fixture(scope="module")
def runs(
    faces_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, SuiteResult]]:
    from fixtures.accuracy_variants import round8_app

    from harness.accuracy import run_accuracy_suite
    from harness.clients import DEMO
    from harness.emulator import EmulatorServer

    out = tmp_path_factory.mktemp("scale")
    with EmulatorServer(round8_app()) as url:
        yield {
            variant: run_accuracy_suite(
                out=out / variant,
                target=f"{url}/{variant}",
                faces=faces_dir,
                apis=("match",),
                max_pairs=20,
                max_rps=0,
                bootstrap_replicates=10,
                credentials=DEMO,
            )
            for variant in ("match-unit-scale", "same-score", "logits", "slips-never-accepts")
        }


def _criterion(result: SuiteResult, **limit: object):  # type: ignore[no-untyped-def]
    gate, _ = judge(parse_policy({"accuracy": [{**LIMIT, **limit}]}), {"accuracy": result},
                    ran=("accuracy",))  # fmt: skip
    (crit,) = [c for c in gate.criteria if c.name == "accuracy.match.score>=80"]
    return gate, crit


@pytest.mark.parametrize("limit", [{}, {"max_fmr": 0.5, "bound": "estimate"}])
def test_a_limit_at_a_score_the_service_is_not_on_is_inconclusive(
    runs: dict[str, SuiteResult], limit: dict[str, object]
) -> None:
    """/match scoring 0..1: no pair reaches 70 or 80, FNMR 1 at 80 says nothing of the service
    (its genuine pairs score 0.9); the accuracy suite calls the row untestable for its scale,
    and the gate read the same row as 'FNMR 1 > 0.5' (exit 1). FMR 0 there is no pass either."""
    result = runs["match-unit-scale"]
    gate, crit = _criterion(result, **limit)
    assert crit.outcome == "inconclusive", crit
    assert "scale" in crit.reason and "0..100" in crit.reason, crit.reason
    assert crit.testable_when and "documented scale" in crit.testable_when
    assert gate.passed and not any(c.outcome == "fail" for c in gate.criteria)
    row = next(r for r in result.metrics.thresholds if r.claim == "match.score>=80")  # type: ignore[union-attr]
    assert row.fnmr == 1 and row.genuine and row.genuine >= 6  # the sample decides 0.5: not why
    assert row.verdict == "untestable" and row.scale_unknown  # the suite's reading, read


def test_logits_with_scores_off_the_scale_are_not_tied_by_a_score_above_1(
    runs: dict[str, SuiteResult],
) -> None:
    """Audit round 11, ``logits``: /match scores as logits of the engine's probability (genuine
    pairs 0..9.2, impostors mostly below 0, off the documented 0..100), decisions honest. A
    genuine 5 is no rejection on 0..100 and says nothing of its FNMR. The suite tied the scale by
    "scores reached 5, above any 0..1 scale", and with impostor pairs unscored it even dropped
    the row's 'no pair reached' flag, so the gate failed the service with FNMR 1 > 0.5."""
    result = runs["logits"]
    rows = {r.claim: r for r in result.metrics.thresholds}  # type: ignore[union-attr]
    row = rows["match.score>=80"]
    assert row.genuine and row.fnmr == 1 and row.excluded["impostor"] > 0, row
    assert row.scale_unknown and "outside" in row.scale_unknown, row.scale_unknown
    gate, crit = _criterion(result)
    assert crit.outcome == "inconclusive" and "scale" in crit.reason, crit
    assert gate.passed


def test_a_service_on_the_scale_rejecting_every_genuine_pair_still_fails(
    runs: dict[str, SuiteResult],
) -> None:
    """Every /match pair scored 72: accepted at 70 (so on the documented 0..100 scale), every
    genuine pair rejected at 80. The accuracy suite's 80 row has no accepted pair either, so a
    gate reading that row alone for the scale would excuse a real FNMR of 1."""
    result = runs["same-score"]
    rows = {r.claim: r for r in result.metrics.thresholds}  # type: ignore[union-attr]
    assert rows["match.score>=80"].false_non_matches == rows["match.score>=80"].genuine
    assert rows["match.score>=70"].false_non_matches == 0  # tied: pairs reach 70
    assert rows["match.score>=80"].scale_unknown is None
    gate, crit = _criterion(result)
    assert crit.outcome == "fail" and crit.reason.startswith("FNMR 1 > 0.5 (95% CI"), crit
    assert not gate.passed


def test_a_few_answers_off_the_scale_beside_a_65_do_not_untie_it(
    runs: dict[str, SuiteResult],
) -> None:
    """Review of session 22: /match scoring on 0..100 but never reaching 70 (genuine pairs up to
    65), and a few answers off it (a -1 "no face" sentinel, a 100.5 rounding slip). Any
    off-scale answer left the scale untied, so the gate called the 80 limit not judged and an
    engine that never accepts a genuine pair escaped its FNMR limit. Only beside small scores
    (logits, at most 10) do off-scale answers leave the scale unknown."""
    result = runs["slips-never-accepts"]
    assert result.metrics.codes.get("score out of range", 0) >= 2, result.metrics.codes  # type: ignore[union-attr]
    rows = {r.claim: r for r in result.metrics.thresholds}  # type: ignore[union-attr]
    row = rows["match.score>=80"]
    assert row.genuine and row.fnmr == 1 and row.scale_unknown is None, row
    assert "above any 0..1 scale" in row.verdict_reason, row.verdict_reason
    gate, crit = _criterion(result)
    assert crit.outcome == "fail" and crit.reason.startswith("FNMR 1 > 0.5 (95% CI"), crit
    assert not gate.passed
