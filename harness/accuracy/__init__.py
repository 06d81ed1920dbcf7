"""Are documented false-match claims plausible? Biometric accuracy of a face-compare API.

Pairs come from the face pool (:func:`harness.faces.load_images`, :func:`build_pairs`); each is
compared once through an injected ``compare`` callable and cached (:class:`OutcomeCache`);
:func:`run_accuracy` turns the outcomes into FMR/FNMR with exact intervals at every
documented :class:`Claim`, a verdict per claim, the EER with a subject bootstrap, DET
points and histograms (``AccuracyResult.to_dict()`` is ``suites.accuracy.metrics``).

:func:`run_accuracy_suite` is the whole suite (what ``faceharness accuracy`` and the gate
call): the dataset (:func:`load_dataset`), the target, the real clients
(:class:`ServiceCompare`), the claims read from the contract
(:func:`match_documented_claims`, :func:`jd_documented_claims`), one high-severity
finding per contradicted claim, and ``accuracy.json`` in the run directory.
"""

from __future__ import annotations

import inspect

from ._cache import OutcomeCache
from ._claims import Claim, UntestableClaim, Verdict, jd_claims, judge_claim, score_claims
from ._dataset import Dataset, builtin_dataset, load_dataset
from ._documented import jd_documented_claims, match_documented_claims
from ._outcome import Category, Outcome
from ._pairs import PairImages, build_pairs, iter_pairs, pair_quota, select_pairs
from ._payloads import PayloadSource
from ._result import AccuracyResult, ClaimMetrics, RunStats
from ._runner import Compare, run_accuracy
from ._services import FTA_CATEGORIES, ServiceCompare, StopWhenHopeless, outcome_of
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
from ._suite import CACHE_FILE, RESULT_FILE, AccuracySuite, run_accuracy_suite

__all__ = [
    "CACHE_FILE",
    "FTA_CATEGORIES",
    "RESULT_FILE",
    "AccuracyResult",
    "AccuracySuite",
    "Category",
    "Claim",
    "ClaimMetrics",
    "Compare",
    "Dataset",
    "DetCurve",
    "EerEstimate",
    "ErrorRates",
    "Outcome",
    "OutcomeCache",
    "PairImages",
    "PayloadSource",
    "RunStats",
    "ScoreHistogram",
    "ServiceCompare",
    "StopWhenHopeless",
    "UntestableClaim",
    "Verdict",
    "build_pairs",
    "builtin_dataset",
    "clopper_pearson",
    "det_curve",
    "eer",
    "eer_with_interval",
    "error_rates",
    "iter_pairs",
    "jd_claims",
    "jd_documented_claims",
    "judge_claim",
    "load_dataset",
    "match_documented_claims",
    "n_needed_for_zero_failures",
    "outcome_of",
    "pair_quota",
    "run_accuracy",
    "run_accuracy_suite",
    "score_claims",
    "score_histogram",
    "select_pairs",
]

for _name in __all__:  # show users harness.accuracy.X, not the private module
    _obj = globals()[_name]
    if isinstance(_obj, type) or inspect.isfunction(_obj):
        _obj.__module__ = __name__
