"""Documented false-match claims and the verdict the measurements give each of them.

A claim says "accepting at this operating point falsely matches at most ``claimed_fmr`` of
impostor pairs". Each API supplies its claims as data (numbers come from the contract, not
from here); the verdict logic is the same for all of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ._stats import clopper_pearson, n_needed_for_zero_failures

Rule = Literal["score>=", "decision"]
VerdictName = Literal["contradicted", "consistent", "untestable"]


@dataclass(frozen=True, slots=True)
class Claim:
    """One documented operating point.

    Args:
        name: stable id for reports, e.g. ``"match.score>=70"``.
        claimed_fmr: the documented false-match rate, e.g. ``1e-3``.
        threshold: the score threshold for ``rule="score>="``; ``None`` for ``"decision"``.
        rule: ``"score>="`` accepts a pair when its score reaches ``threshold``;
            ``"decision"`` uses the service's own true/false verdict, for APIs whose
            documented thresholds live on a scale the client cannot see (JD distances).
        at_most: the document bounds the rate ("no more than") rather than stating it, so
            far fewer false matches than claimed is consistent, never a contradiction
            (JD's ``result``, whose operating level is not documented; ERRATA E-004).
    """

    name: str
    claimed_fmr: float
    threshold: float | None = None
    rule: Rule = "score>="
    at_most: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.claimed_fmr < 1.0:
            raise ValueError(f"claim {self.name!r}: claimed_fmr must be in (0, 1)")
        if self.rule == "score>=" and (self.threshold is None or not math.isfinite(self.threshold)):
            raise ValueError(f"claim {self.name!r}: rule 'score>=' needs a finite threshold")
        if self.rule == "decision" and self.threshold is not None:
            raise ValueError(f"claim {self.name!r}: rule 'decision' takes no threshold")

    def accepts(self, score: float | None, decision: bool | None) -> bool | None:
        """Whether this operating point accepts a pair; ``None`` when the outcome lacks it."""
        if self.rule == "decision":
            return decision
        if score is None:
            return None
        assert self.threshold is not None
        return score >= self.threshold


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement of one claim, with the figures a reader needs to check it.

    ``direction`` is ``"worse"`` (more false matches than claimed) or ``"better"`` (so few
    that the documented rate is implausible the other way: the threshold does not mean what
    the document says, and genuine users are rejected for nothing) when contradicted,
    otherwise ``None``.
    """

    verdict: VerdictName
    direction: Literal["worse", "better"] | None
    reason: str
    impostor_pairs_needed: int
    ci95: tuple[float, float]


def judge_claim(
    false_matches: int, impostor: int, claimed_fmr: float, *, at_most: bool = False
) -> Verdict:
    """Judge a claimed FMR from ``false_matches`` out of ``impostor`` comparisons.

    With the exact 95% Clopper-Pearson interval ``[lo, hi]`` and
    ``needed = n_needed_for_zero_failures(claimed_fmr)`` (rule of three), in this order:

    1. ``lo > claimed_fmr``: **contradicted**, ``direction="worse"``. Possible at any sample
       size once enough false matches are seen.
    2. ``hi < claimed_fmr``: **contradicted**, ``direction="better"``. Needs more pairs than
       ``needed`` (3,688 for 1e-3, since the two-sided bound is 2.5%). Skipped when
       ``at_most``: a bound that holds with room to spare is consistent.
    3. ``impostor < needed``: **untestable**. Even zero false matches in this many pairs
       could not show the claim; this also covers a few false matches whose interval still
       holds the claim (1 in 100 for a 1e-3 claim is suggestive, not evidence).
    4. otherwise **consistent**: enough pairs, and the interval holds the claimed rate.
    """
    needed = n_needed_for_zero_failures(claimed_fmr)
    lo, hi = clopper_pearson(false_matches, impostor)
    seen = f"{false_matches} false matches in {impostor} impostor pairs"
    interval = f"95% CI [{lo:.3g}, {hi:.3g}]"
    verdict: VerdictName = "consistent"
    direction: Literal["worse", "better"] | None = None
    if lo > claimed_fmr:
        verdict, direction = "contradicted", "worse"
        reason = f"{seen}: {interval} lies above the claimed {claimed_fmr:g}"
    elif hi < claimed_fmr and not at_most:
        verdict, direction = "contradicted", "better"
        reason = (
            f"{seen}: {interval} lies below the claimed {claimed_fmr:g}; "
            "the documented rate does not describe this threshold"
        )
    elif impostor < needed:
        verdict = "untestable"
        reason = f"{seen}: {needed} impostor pairs are needed to test a claim of {claimed_fmr:g}"
    elif hi < claimed_fmr:
        reason = f"{seen}: {interval} lies below the bound {claimed_fmr:g}"
    else:
        reason = f"{seen}: {interval} holds the claimed {claimed_fmr:g}"
    return Verdict(verdict, direction, reason, needed, (lo, hi))


def score_claims(api: str, fmr_by_threshold: Mapping[float, float]) -> list[Claim]:
    """Claims of the form "score ``t`` means FMR ``p``" (the internal API: 70 -> 1e-3).

    Example:
        ``score_claims("match", {70: 1e-3, 80: 1e-4})``
    """
    return [
        Claim(name=f"{api}.score>={_fmt(t)}", claimed_fmr=p, threshold=float(t))
        for t, p in sorted(fmr_by_threshold.items())
    ]


def jd_claims(decision_fmr: float, *, api: str = "jd") -> list[Claim]:
    """JD's own ``result``, judged as "FMR at most ``decision_fmr``".

    Its ``e4``..``e7`` levels are *distance* thresholds while a response carries only a
    similarity whose mapping to distance is undocumented (ERRATA E-004), so no level becomes a
    score claim; the document does not say which level the decision uses, hence ``at_most``.
    """
    return [Claim(name=f"{api}.result", claimed_fmr=decision_fmr, rule="decision", at_most=True)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True, slots=True)
class UntestableClaim:
    """A documented operating point no client-side measurement can reach, and why.

    Reported beside the measured claims (same row shape, verdict ``"untestable"``) so a
    reader sees every documented number was considered, e.g. JD's ``e5``..``e7``: distance
    thresholds, while responses carry only a similarity (ERRATA E-004).
    """

    name: str
    claimed_fmr: float
    reason: str
    rule: str = "distance<="

    def to_dict(self) -> dict[str, object]:
        return {
            "claim": self.name,
            "rule": self.rule,
            "threshold": None,
            "claimed_fmr": self.claimed_fmr,
            "fmr": None,
            "fnmr": None,
            "verdict": "untestable",
            "verdict_direction": None,
            "verdict_reason": self.reason,
            "impostor_pairs_needed": n_needed_for_zero_failures(self.claimed_fmr),
            "by_design": True,
        }
