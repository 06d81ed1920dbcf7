"""Turning raw outcomes into the accuracy metrics that go into ``summary.json``.

Pure: pairs and outcomes in, an :class:`AccuracyResult` out, so the figures can be
recomputed from a cache file without calling the service again.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._claims import Claim, UntestableClaim, Verdict, judge_claim
from ._outcome import Outcome
from ._pairs import PairImages
from ._stats import (
    DetCurve,
    EerEstimate,
    ErrorRates,
    ScoreHistogram,
    clopper_pearson,
    det_curve,
    eer_with_interval,
    score_histogram,
)

_CLASSES = {True: "genuine", False: "impostor"}


@dataclass(frozen=True, slots=True)
class ClaimMetrics(ErrorRates):
    """Measured error rates at one claimed operating point, and the verdict on the claim.

    Only ``"ok"`` outcomes count; ``excluded`` are ok outcomes that lack what the claim's
    rule needs (no score for ``score>=``, no decision for ``decision``). Impostor pairs share
    subjects, so the binomial intervals treat dependent trials as independent and are
    somewhat optimistic; the EER interval (subject bootstrap) does not have that flaw.
    """

    claim: Claim
    excluded: dict[str, int]
    fta: dict[str, int]
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim.name,
            "rule": self.claim.rule,
            "threshold": self.claim.threshold,
            "claimed_fmr": self.claim.claimed_fmr,
            "claimed_bound": "at_most" if self.claim.at_most else "exact",
            "fmr": self.fmr,
            "fmr_ci95": list(clopper_pearson(self.false_matches, self.impostor)),
            "fnmr": self.fnmr,
            "fnmr_ci95": list(clopper_pearson(self.false_non_matches, self.genuine)),
            "false_matches": self.false_matches,
            "false_non_matches": self.false_non_matches,
            "genuine": self.genuine,
            "impostor": self.impostor,
            "pairs": self.genuine + self.impostor,
            "excluded": dict(self.excluded),
            "fta": dict(self.fta),
            "verdict": self.verdict.verdict,
            "verdict_direction": self.verdict.direction,
            "verdict_reason": self.verdict.reason,
            "impostor_pairs_needed": self.verdict.impostor_pairs_needed,
        }


@dataclass(frozen=True, slots=True)
class RunStats:
    """How the figures were obtained; differs between a fresh and a resumed run."""

    calls: int = 0
    from_cache: int = 0
    budget_exhausted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class AccuracyResult:
    """Accuracy of one API on one target; ``to_dict()`` is ``suites.accuracy.metrics``.

    ``by_design`` are documented operating points no measurement can reach; they follow
    the measured ones in ``thresholds`` with verdict ``"untestable"`` and the reason.
    """

    api: str
    target: str
    planned: dict[str, int]
    outcomes: dict[str, dict[str, int]]
    codes: dict[str, int]
    claims: list[ClaimMetrics]
    eer: EerEstimate | None
    det: DetCurve | None
    histogram: ScoreHistogram | None
    run: RunStats = field(default_factory=RunStats)
    by_design: tuple[UntestableClaim, ...] = ()

    @property
    def measured(self) -> dict[str, int]:
        return {cls: sum(counts.values()) for cls, counts in self.outcomes.items()}

    @property
    def complete(self) -> bool:
        return self.measured == self.planned

    def to_dict(self) -> dict[str, Any]:
        measured = self.measured
        fta_rate: dict[str, float | None] = {}
        for cls, counts in self.outcomes.items():
            attempted = counts["ok"] + counts["fta"]
            fta_rate[cls] = counts["fta"] / attempted if attempted else None
        return {
            "api": self.api,
            "target": self.target,
            "complete": self.complete,
            "pairs": {
                "planned": dict(self.planned),
                "measured": measured,
                "pending": sum(self.planned.values()) - sum(measured.values()),
            },
            "outcomes": {cls: dict(counts) for cls, counts in self.outcomes.items()},
            "fta_rate": fta_rate,
            "codes": dict(sorted(self.codes.items())),
            "thresholds": [m.to_dict() for m in self.claims]
            + [u.to_dict() for u in self.by_design],
            "eer": self.eer.to_dict() if self.eer is not None else None,
            "det": self.det.to_dict() if self.det is not None else None,
            "histogram": self.histogram.to_dict() if self.histogram is not None else None,
            "run": self.run.to_dict(),
        }


def summarise(
    planned: Sequence[PairImages],
    outcomes: dict[str, Outcome],
    claims: Sequence[Claim],
    *,
    api: str,
    target: str,
    run: RunStats | None = None,
    bootstrap_replicates: int = 1000,
    seed: int = 0,
    score_range: tuple[float, float] | None = None,
) -> AccuracyResult:
    """Metrics over the ``planned`` pairs that have an outcome (keyed by pair key)."""
    done = [(p, outcomes[p.key]) for p in planned if p.key in outcomes]
    counts: dict[str, dict[str, int]] = {
        name: {"ok": 0, "fta": 0, "error": 0} for name in _CLASSES.values()
    }
    for pair, outcome in done:
        counts[_CLASSES[pair.genuine]][outcome.category] += 1
    fta = {cls: c["fta"] for cls, c in counts.items()}
    ok = [(p, o) for p, o in done if o.category == "ok"]

    genuine_scores = [
        (o.score, p.first.identity) for p, o in ok if p.genuine and o.score is not None
    ]
    impostor_scores = [
        (o.score, p.subjects) for p, o in ok if not p.genuine and o.score is not None
    ]
    eer = det = histogram = None
    if genuine_scores and impostor_scores:
        g = [s for s, _ in genuine_scores]
        i = [s for s, _ in impostor_scores]
        eer = eer_with_interval(
            g,
            [subj for _, subj in genuine_scores],
            i,
            [subj for _, subj in impostor_scores],
            replicates=bootstrap_replicates,
            seed=seed,
        )
        det = det_curve(g, i)
        histogram = score_histogram(g, i, score_range=score_range)

    return AccuracyResult(
        api=api,
        target=target,
        planned={
            "genuine": sum(1 for p in planned if p.genuine),
            "impostor": sum(1 for p in planned if not p.genuine),
        },
        outcomes=counts,
        codes=dict(Counter(o.code for _, o in done)),
        claims=[_claim_metrics(c, ok, fta) for c in claims],
        eer=eer,
        det=det,
        histogram=histogram,
        run=run or RunStats(),
    )


def _claim_metrics(
    claim: Claim, ok: list[tuple[PairImages, Outcome]], fta: dict[str, int]
) -> ClaimMetrics:
    tally: Counter[tuple[bool, bool | None]] = Counter(
        (p.genuine, claim.accepts(o.score, o.decision)) for p, o in ok
    )
    false_matches, true_rejects = tally[(False, True)], tally[(False, False)]
    true_matches, false_non_matches = tally[(True, True)], tally[(True, False)]
    impostor = false_matches + true_rejects
    return ClaimMetrics(
        claim=claim,
        false_matches=false_matches,
        impostor=impostor,
        false_non_matches=false_non_matches,
        genuine=true_matches + false_non_matches,
        excluded={"genuine": tally[(True, None)], "impostor": tally[(False, None)]},
        fta=dict(fta),
        verdict=judge_claim(false_matches, impostor, claim.claimed_fmr, at_most=claim.at_most),
    )
