"""Verdicts on documented claims, on constructed counts with known outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.accuracy._stats import (
    Claim,
    clopper_pearson,
    documented_claims,
    judge_claim,
    n_needed_for_zero_failures,
    score_claims,
)


@pytest.mark.parametrize(
    ("false_matches", "impostor", "claimed", "verdict", "direction"),
    [
        (10, 1000, 1e-3, "contradicted", "worse"),  # CI ~[0.0048, 0.018]
        (3, 100, 1e-3, "contradicted", "worse"),  # few pairs, but clearly worse
        (0, 5000, 1e-3, "contradicted", "better"),  # CI upper ~0.00074
        (0, 2995, 1e-3, "consistent", None),  # exactly the rule-of-three count
        (3, 3000, 1e-3, "consistent", None),
        (0, 29956, 1e-4, "consistent", None),
        (0, 2994, 1e-3, "untestable", None),  # one pair short
        (0, 29955, 1e-4, "untestable", None),
        (1, 100, 1e-3, "untestable", None),  # 1% observed, CI still holds 1e-3
        (0, 0, 1e-3, "untestable", None),
    ],
    ids=[
        "worse-many",
        "worse-few",
        "better",
        "boundary-2995",
        "some-matches",
        "boundary-29956",
        "short-2994",
        "short-29955",
        "suggestive-not-evidence",
        "no-pairs",
    ],
)
def test_verdicts(
    false_matches: int, impostor: int, claimed: float, verdict: str, direction: str | None
) -> None:
    got = judge_claim(false_matches, impostor, claimed)
    assert (got.verdict, got.direction) == (verdict, direction)
    assert got.impostor_pairs_needed == n_needed_for_zero_failures(claimed)
    assert got.ci95 == clopper_pearson(false_matches, impostor)
    assert str(impostor) in got.reason and "\n" not in got.reason


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 40_000).flatmap(lambda n: st.tuples(st.integers(0, min(n, 60)), st.just(n))),
    st.sampled_from([1e-2, 1e-3, 1e-4]),
)
def test_verdict_follows_its_definition(kn: tuple[int, int], claimed: float) -> None:
    k, n = kn
    got = judge_claim(k, n, claimed)
    lo, hi = clopper_pearson(k, n)
    if not lo <= claimed <= hi:
        assert got.verdict == "contradicted"
        assert got.direction == ("worse" if lo > claimed else "better")
    elif n < n_needed_for_zero_failures(claimed):
        assert got.verdict == "untestable"
    else:
        assert got.verdict == "consistent"
    if got.verdict == "untestable":
        assert n < got.impostor_pairs_needed


def test_score_claims_are_sorted_and_named() -> None:
    claims = score_claims("match", {80: 1e-4, 70: 1e-3})
    assert [c.name for c in claims] == ["match.score>=70", "match.score>=80"]
    assert [(c.threshold, c.claimed_fmr, c.rule) for c in claims] == [
        (70.0, 1e-3, "score>="),
        (80.0, 1e-4, "score>="),
    ]


def test_jd_decision_claim_uses_the_service_verdict(contract: Any) -> None:
    (claim,), _ = documented_claims("jd", contract)
    assert (claim.name, claim.rule, claim.threshold) == ("jd.result", "decision", None)
    assert claim.at_most  # the document does not say at which level result is decided (E-004)
    assert claim.accepts(score=0.99, decision=False) is False
    assert claim.accepts(score=None, decision=True) is True
    assert claim.accepts(score=0.5, decision=None) is None


def test_score_claim_accepts_at_threshold_inclusive() -> None:
    claim = Claim("match.score>=70", 1e-3, threshold=70)
    assert claim.accepts(70.0, None) is True
    assert claim.accepts(69.99, True) is False
    assert claim.accepts(None, True) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"claimed_fmr": 0.0, "threshold": 70},
        {"claimed_fmr": 1.5, "threshold": 70},
        {"claimed_fmr": 1e-3},
        {"claimed_fmr": 1e-3, "threshold": float("nan")},
        {"claimed_fmr": 1e-3, "threshold": 0.5, "rule": "decision"},
    ],
    ids=["zero-rate", "rate-above-one", "no-threshold", "nan-threshold", "decision-threshold"],
)
def test_malformed_claims_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Claim("x", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scores", "decisions", "expected"),
    [
        ([0.1, 0.5, 0.9], [False, True, True], (0, 0.5)),
        ([0.84, 0.84, 0.9], [False, True, True], (0, 0.84)),  # a rounded score: a tie is either
        ([0.1, 0.5, 0.9], [True, True, False], (1, 0.1)),
        ([0.1, 0.2, 0.8, 0.9], [True, True, False, False], (2, 0.1)),  # the score reversed
        ([0.3, 0.7], [False, False], (0, 0.7)),
    ],
)
def test_decided_against_score(
    scores: list[float], decisions: list[bool], expected: tuple[int, float]
) -> None:
    from harness.accuracy._stats import decided_against_score

    assert decided_against_score(scores, decisions) == expected


def test_no_genuine_pair_decided_is_said_so_not_blamed_on_the_scale() -> None:
    """A slow service cut short by the time budget: 8 impostor pairs and no genuine pair done.
    The reason blamed the scale ("not one genuine pair accepted ... another scale?"), a false
    diagnosis: no genuine pair was compared at all. Genuine pairs all rejected keep that one."""
    cut = judge_claim(0, 8, 1e-3, at_most=True, genuine_accepted=0, genuine=0)
    assert cut.verdict == "untestable"
    assert "no genuine pair decided" in cut.reason and "another scale" not in cut.reason
    never = judge_claim(0, 8, 1e-3, at_most=True, genuine_accepted=0, genuine=5)
    assert never.verdict == "untestable" and "another scale" in never.reason
