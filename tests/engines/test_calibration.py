from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from harness.emulator.engines import ImpostorModel, calibration
from harness.emulator.engines._measure import Measurement, fit, log_likelihood, split_pairs

MODELS = [
    pytest.param(calibration.IMPOSTOR_MODEL, id="measured"),
    pytest.param(ImpostorModel(mean=1.0, sd=0.1, power=1.0), id="normal-on-d"),
]
GRID = np.linspace(0.0, 2.0, 2001)


def _model_fmr(model: ImpostorModel, distance: float) -> float:
    """Reference FMR from scipy, independent of the module's own erfc arithmetic."""
    return float(stats.norm.cdf((distance**model.power - model.mean) / model.sd))


def _largest_distance_with_score(model: ImpostorModel, score: int) -> float:
    """Bisection on internal_score itself, without the module's inverse helpers."""
    low, high = 0.0, 3.0
    for _ in range(200):
        mid = (low + high) / 2
        if calibration.internal_score(mid, model) >= score:
            low = mid
        else:
            high = mid
    return low


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(("score", "fmr"), [(70, 1e-3), (80, 1e-4), (90, 1e-5), (100, 1e-6)])
def test_internal_score_anchors_hold_under_the_model(
    model: ImpostorModel, score: int, fmr: float
) -> None:
    """The document: score 70 <-> false-accept 1/1,000, 80 <-> 1/10,000 (and 10/decade on)."""
    boundary = _largest_distance_with_score(model, score)
    assert _model_fmr(model, boundary) == pytest.approx(fmr, rel=1e-6)
    assert calibration.fmr_at_internal_score(score) == pytest.approx(fmr, rel=1e-12)
    assert calibration.internal_threshold_distance(score, model) == pytest.approx(
        boundary, abs=1e-9
    )


def test_fmr_at_internal_score_scale() -> None:
    assert calibration.fmr_at_internal_score(0) == 1.0
    assert calibration.fmr_at_internal_score(-5) == 1.0
    assert calibration.fmr_at_internal_score(35) == pytest.approx(10**-1.5)
    assert calibration.fmr_at_internal_score(69.2) == calibration.fmr_at_internal_score(
        70
    )  # integer scores
    assert calibration.fmr_at_internal_score(101) == 0.0
    values = [calibration.fmr_at_internal_score(s) for s in range(102)]
    assert all(a > b for a, b in itertools.pairwise(values))
    for s, fmr in calibration.INTERNAL_ANCHORS:
        assert calibration.fmr_at_internal_score(s) == pytest.approx(fmr)


@pytest.mark.parametrize("model", MODELS)
def test_scores_are_monotone_and_bounded(model: ImpostorModel) -> None:
    internal = [calibration.internal_score(float(d), model) for d in GRID]
    similarity = [calibration.jd_similarity(float(d)) for d in GRID]
    percent = [calibration.jd_similarity_percent(float(d)) for d in GRID]
    for series in (internal, similarity, percent):
        assert all(a >= b for a, b in itertools.pairwise(series))
    assert internal[0] == 100 and internal[-1] == 0
    assert all(isinstance(s, int) and 0 <= s <= 100 for s in internal + percent)
    assert similarity[0] == 1.0 and similarity[-1] == 0.0
    assert all(0.0 <= s <= 1.0 for s in similarity)


def test_jd_similarity_known_answers() -> None:
    assert calibration.jd_similarity(0.0) == 1.0
    assert calibration.jd_similarity(1.0) == 0.5
    assert calibration.jd_similarity(math.sqrt(2.0)) == pytest.approx(0.0)
    assert calibration.jd_similarity(3.0) == 0.0
    assert calibration.jd_similarity_percent(math.sqrt(2 * (1 - 0.706))) == 71
    assert calibration.jd_similarity_percent(math.sqrt(2 * (1 - 0.574))) == 57
    for d in GRID:
        assert (
            abs(
                calibration.jd_similarity_percent(float(d))
                - 100 * calibration.jd_similarity(float(d))
            )
            <= 0.5 + 1e-9
        )


@pytest.mark.parametrize("model", MODELS)
def test_jd_thresholds_are_distances_at_each_fmr(model: ImpostorModel) -> None:
    thresholds = calibration.jd_thresholds(model)
    assert list(thresholds) == ["e4", "e5", "e6", "e7"]
    assert thresholds["e4"] > thresholds["e5"] > thresholds["e6"] > thresholds["e7"] > 0.0
    for key, value in thresholds.items():
        assert _model_fmr(model, value) == pytest.approx(10.0 ** -int(key[1:]), rel=1e-6)
    thresholds["e4"] = -1.0
    assert calibration.jd_thresholds(model)["e4"] > 0, "each call returns a fresh dict"


def test_jd_result_rule_equals_operating_score_rule() -> None:
    e4 = calibration.jd_thresholds()["e4"]
    operating = calibration.jd_operating_threshold_score()
    assert operating == calibration.jd_similarity(e4)
    assert 0.5 < operating < 1.0
    assert calibration.internal_score(e4 - 1e-9) == 80, (
        "JD's operating point is the internal score 80"
    )
    for d in np.linspace(0.0, 1.5, 3001):
        assert (d <= e4) == (calibration.jd_similarity(float(d)) >= operating)


def test_impostor_model_validation() -> None:
    with pytest.raises(ValueError):
        ImpostorModel(mean=1.0, sd=0.0)
    with pytest.raises(ValueError):
        ImpostorModel(mean=float("nan"), sd=1.0)
    model = ImpostorModel(mean=0.8, sd=0.1, power=2.0)
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError):
            model.distance_at_fmr(bad)
    assert model.distance_at_fmr(1e-300) == 0.0, "below zero on the squared scale clamps to 0"
    assert model.fmr(10.0) == 1.0


def test_constants_match_a_fresh_measurement(
    face_set_measurement: Measurement, dlib_engine: object
) -> None:
    """IMPOSTOR_MODEL is what _measure fits on the developer set today (docs/calibration.md)."""
    run = face_set_measurement
    assert not run.rejected, run.rejected
    genuine, impostor = split_pairs(run.matrix(dlib_engine), run.labels())  # type: ignore[arg-type]
    assert (len(genuine), len(impostor)) == (23, 355)
    refit = fit(impostor, calibration.IMPOSTOR_MODEL.power)
    assert refit.mean == pytest.approx(calibration.IMPOSTOR_MODEL.mean, abs=5e-4)
    assert refit.sd == pytest.approx(calibration.IMPOSTOR_MODEL.sd, abs=5e-4)
    assert log_likelihood(fit(impostor, 2.0), impostor) > log_likelihood(
        fit(impostor, 1.0), impostor
    )
