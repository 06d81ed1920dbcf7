"""Are documented false-match claims plausible? Biometric accuracy of a face-compare API.

Pairs come from a labelled face folder (:func:`load_images`, :func:`build_pairs`); each is
compared once through an injected ``compare`` callable and cached (:class:`OutcomeCache`);
:func:`run_accuracy` turns the outcomes into FMR/FNMR with exact intervals at every
documented :class:`Claim`, a verdict per claim, the EER with a subject bootstrap, DET
points and histograms (``AccuracyResult.to_dict()`` is ``suites.accuracy.metrics``).
"""

from __future__ import annotations

import inspect

from ._cache import OutcomeCache
from ._claims import Claim, Verdict, jd_claims, judge_claim, score_claims
from ._outcome import Category, Outcome
from ._pacing import RateLimiter, RequestBudget
from ._pairs import (
    FaceImage,
    LabelRow,
    PairImages,
    build_pairs,
    is_pairable,
    iter_pairs,
    load_images,
    load_labels,
    pair_quota,
    select_pairs,
)
from ._result import AccuracyResult, ClaimMetrics, RunStats, summarise
from ._runner import Compare, Progress, run_accuracy
from ._stats import (
    DetCurve,
    EerEstimate,
    ErrorRates,
    ScoreHistogram,
    clopper_pearson,
    det_curve,
    eer,
    eer_with_interval,
    error_rates,
    n_needed_for_zero_failures,
    score_histogram,
)

__all__ = [
    "AccuracyResult",
    "Category",
    "Claim",
    "ClaimMetrics",
    "Compare",
    "DetCurve",
    "EerEstimate",
    "ErrorRates",
    "FaceImage",
    "LabelRow",
    "Outcome",
    "OutcomeCache",
    "PairImages",
    "Progress",
    "RateLimiter",
    "RequestBudget",
    "RunStats",
    "ScoreHistogram",
    "Verdict",
    "build_pairs",
    "clopper_pearson",
    "det_curve",
    "eer",
    "eer_with_interval",
    "error_rates",
    "is_pairable",
    "iter_pairs",
    "jd_claims",
    "judge_claim",
    "load_images",
    "load_labels",
    "n_needed_for_zero_failures",
    "pair_quota",
    "run_accuracy",
    "score_claims",
    "score_histogram",
    "select_pairs",
    "summarise",
]

for _name in __all__:  # show users harness.accuracy.X, not the private module
    _obj = globals()[_name]
    if isinstance(_obj, type) or inspect.isfunction(_obj):
        _obj.__module__ = __name__
