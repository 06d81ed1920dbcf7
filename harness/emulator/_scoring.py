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


def jd_score(distance: float) -> JdScore:
    thresholds = calibration.jd_thresholds()  # a fresh dict: the answer's own
    return JdScore(
        calibration.jd_similarity(distance),
        calibration.jd_similarity_percent(distance),
        distance <= thresholds[calibration.JD_OPERATING_LEVEL],
        calibration.jd_operating_threshold_score(),
        thresholds,
    )
