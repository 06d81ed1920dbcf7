"""Engine distance -> each API's numbers, from one measured impostor model (the mappings and why:
docs/calibration.md; re-measure with ``python -m harness.emulator.engines._measure``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final, NamedTuple

_STANDARD: NormalDist = NormalDist()


@dataclass(frozen=True, slots=True)
class ImpostorModel:
    """Impostor distances d with ``d ** power ~ Normal(mean, sd)``; FMR(t) = P(impostor d <= t).
    ``power=2`` (a sum over 128 dimensions as normal) fits best (docs/calibration.md)."""

    mean: float
    sd: float
    power: float = 1.0

    def __post_init__(self) -> None:
        if not (
            math.isfinite(self.mean)
            and math.isfinite(self.sd)
            and self.sd > 0.0
            and self.power > 0.0
        ):
            raise ValueError(f"impostor model needs finite mean, sd > 0 and power > 0; got {self}")

    def fmr(self, distance: float) -> float:
        """False-match rate of "match if distance <= ``distance``"; 0.0 once it underflows."""
        z = (max(0.0, distance) ** self.power - self.mean) / self.sd
        return 0.5 * math.erfc(-z / math.sqrt(2.0))

    def distance_at_fmr(self, fmr: float) -> float:
        """The distance threshold with false-match rate ``fmr`` (0 < fmr < 1); >= 0."""
        if not 0.0 < fmr < 1.0:
            raise ValueError(f"fmr must be strictly between 0 and 1, got {fmr}")
        value = self.mean + self.sd * _STANDARD.inv_cdf(fmr)
        return value ** (1.0 / self.power) if value > 0.0 else 0.0


# -- measured constants (python -m harness.emulator.engines._measure) ---------------------
IMPOSTOR_MODEL: Final = ImpostorModel(mean=0.8056, sd=0.1377, power=2)
"""Squared dlib impostor distance ~ Normal(0.8056, 0.1377): 355 impostor pairs of 28 photos,
12 identities (docs/calibration.md). Thresholds: FMR 1e-3 at d 0.616, 1e-4 at d 0.542."""
# ------------------------------------------------------------------------------------------

INTERNAL_ANCHORS: Final = ((70, 1e-3), (80, 1e-4))
"""The internal document's claims: (score, false-accept rate at that score)."""

JD_FMR_LEVELS: Final = {"e4": 1e-4, "e5": 1e-5, "e6": 1e-6, "e7": 1e-7}
JD_OPERATING_LEVEL: Final = "e4"

_LOW_SLOPE: Final = 70.0 / 3.0  # internal score points per FMR decade up to 1e-3
_HIGH_SLOPE: Final = 10.0  # points per decade beyond, through the 80 <-> 1e-4 anchor
_EPS: Final = 1e-9  # absorbs float error so a distance exactly at a threshold lands on it


def internal_score(distance: float, model: ImpostorModel = IMPOSTOR_MODEL) -> int:
    """Internal API score 0..100; never increases with distance."""
    rate = model.fmr(distance)
    if rate <= 0.0:
        return 100
    decades = max(0.0, -math.log10(rate))
    raw = _LOW_SLOPE * decades if decades <= 3.0 else 70.0 + _HIGH_SLOPE * (decades - 3.0)
    return min(100, math.floor(raw + _EPS))


def fmr_at_internal_score(score: float) -> float:
    """False-match rate of "accept when internal score >= ``score``" (a fraction means its
    ceiling): the scale's definition, independent of the model."""
    level = math.ceil(score - _EPS)
    if level <= 0:
        return 1.0
    if level > 100:
        return 0.0
    decades = level / _LOW_SLOPE if level <= 70 else 3.0 + (level - 70) / _HIGH_SLOPE
    return float(10.0 ** (-decades))


def internal_threshold_distance(score: float, model: ImpostorModel = IMPOSTOR_MODEL) -> float:
    """Largest distance whose internal score is still >= ``score`` (0 < score <= 100)."""
    rate = fmr_at_internal_score(score)
    if not 0.0 < rate < 1.0:
        raise ValueError(f"score must be in (0, 100], got {score}")
    return model.distance_at_fmr(rate)


def jd_thresholds(model: ImpostorModel = IMPOSTOR_MODEL) -> dict[str, float]:
    """JD ``threshold``: distance at FMR 1e-4..1e-7, keys e4..e7 (a fresh dict each call)."""
    return {key: model.distance_at_fmr(rate) for key, rate in JD_FMR_LEVELS.items()}


def jd_similarity(distance: float) -> float:
    """JD ``score`` in [0, 1]: 1 - distance**2 / 2, clipped; never increases with distance."""
    return min(1.0, max(0.0, 1.0 - distance * distance / 2.0))


def jd_similarity_percent(distance: float, score: float | None = None) -> int:
    """JD ``similarity`` 0..100, rounded half up (``score``: the distance's ``jd_similarity``,
    when the caller has it already)."""
    return math.floor(100.0 * (jd_similarity(distance) if score is None else score) + 0.5)


def jd_operating_threshold_score(model: ImpostorModel = IMPOSTOR_MODEL) -> float:
    """The ``score`` at e4: JD ``result`` is true exactly when ``score`` >= this value."""
    return jd_similarity(jd_thresholds(model)[JD_OPERATING_LEVEL])


class JdScore(NamedTuple):
    score: float
    similarity: int
    result: bool
    operating_score: float
    thresholds: dict[str, float]


# the calibrated model's, fixed: looked up once rather than per answer
_THRESHOLDS = jd_thresholds()
_OPERATING_DISTANCE = _THRESHOLDS[JD_OPERATING_LEVEL]
_OPERATING_SCORE = jd_operating_threshold_score()
_new = tuple.__new__  # JdScore's own __new__ is one more Python call per answer


def jd_score(distance: float) -> JdScore:
    """Every number a JD answer gives for ``distance``."""
    score = jd_similarity(distance)
    return _new(
        JdScore,
        (
            score,
            jd_similarity_percent(distance, score),
            distance <= _OPERATING_DISTANCE,
            _OPERATING_SCORE,
            _THRESHOLDS.copy(),  # a fresh dict: the answer's own
        ),
    )
