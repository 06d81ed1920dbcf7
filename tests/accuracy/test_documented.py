"""The documented claims of both APIs, read from the contract, and how each is judged."""

from __future__ import annotations

from typing import Any

from harness.accuracy._stats import (
    documented_claims,
    judge_claim,
    n_needed_for_zero_failures,
)


def test_internal_claims_are_the_contracts_far_claims(contract: Any) -> None:
    """Bounds (E-046): a service with far fewer false matches at 70 is stricter, not wrong."""
    claims, untestable = documented_claims("match", contract)
    assert untestable == []
    assert [(c.name, c.threshold, c.claimed_fmr, c.rule, c.at_most) for c in claims] == [
        (f"match.score>={int(s)}", s, p, "score>=", True) for s, p in contract.match_far_claims
    ]


def test_jd_result_is_judged_as_an_upper_bound_at_e4(contract: Any) -> None:
    """ERRATA E-004/E-036: e_k are distances the client never sees; result is judged at e4."""
    claims, untestable = documented_claims("jd", contract)
    levels = contract.jd_threshold_fmr
    (result,) = claims
    assert (result.name, result.rule, result.threshold) == ("jd.result", "decision", None)
    assert result.claimed_fmr == levels["e4"] == max(levels.values())
    assert result.at_most is True
    assert [row["claim"] for row in untestable] == ["jd.e5", "jd.e6", "jd.e7"]
    for row in untestable:
        assert row["claimed_fmr"] == levels[row["claim"].removeprefix("jd.")]
        assert "distance" in row["verdict_reason"] and "E-004" in row["verdict_reason"]
        assert (row["verdict"], row["by_design"], row["fmr"]) == ("untestable", True, None)
        assert row["impostor_pairs_needed"] == n_needed_for_zero_failures(row["claimed_fmr"])


def test_an_upper_bound_is_never_contradicted_by_being_better() -> None:
    # 0 false matches in 60,000: the 1e-4 rate is implausibly high for this threshold ...
    exact = judge_claim(0, 60_000, 1e-4)
    assert (exact.verdict, exact.direction) == ("contradicted", "better")
    # ... but "at most 1e-4" holds with room to spare
    bound = judge_claim(0, 60_000, 1e-4, at_most=True)
    assert (bound.verdict, bound.direction) == ("consistent", None)
    assert "below the bound" in bound.reason
    # worse is worse either way, and small samples stay untestable
    assert judge_claim(30, 60_000, 1e-4, at_most=True).verdict == "contradicted"
    assert judge_claim(0, 1_000, 1e-4, at_most=True).verdict == "untestable"
