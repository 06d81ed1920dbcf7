"""From engine distance to JD's numbers, via the calibration (docs/calibration.md); the internal
API's score is ``calibration.internal_score`` itself."""

from __future__ import annotations

from typing import NamedTuple

from .engines import calibration


class JdScore(NamedTuple):
    score: float
    similarity: int
    result: bool
    operating_score: float
    thresholds: dict[str, float]


# the calibrated model's, fixed: looked up once rather than per answer
_THRESHOLDS = calibration.jd_thresholds()
_OPERATING_DISTANCE = _THRESHOLDS[calibration.JD_OPERATING_LEVEL]
_OPERATING_SCORE = calibration.jd_operating_threshold_score()


_new = tuple.__new__  # JdScore's own __new__ is one more Python call per answer


def jd_score(distance: float) -> JdScore:
    score = calibration.jd_similarity(distance)
    return _new(
        JdScore,
        (
            score,
            calibration.jd_similarity_percent(distance, score),
            distance <= _OPERATING_DISTANCE,
            _OPERATING_SCORE,
            _THRESHOLDS.copy(),  # a fresh dict: the answer's own
        ),
    )
