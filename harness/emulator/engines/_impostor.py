"""The impostor distance model: how far apart two different people's templates fall.

Everything calibrated (both APIs' scores, JD's e4..e7, FastEngine's random distances)
derives from this one distribution, so the emulator's numbers agree with each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

_STANDARD: NormalDist = NormalDist()


@dataclass(frozen=True, slots=True)
class ImpostorModel:
    """Impostor distances d with ``d ** power ~ Normal(mean, sd)``.

    ``power=2`` (the calibrated choice) models the squared Euclidean distance, a sum over
    128 embedding dimensions, as normal; docs/calibration.md shows it fits the measured
    impostor pairs better than a normal on ``d`` itself. FMR(t) = P(impostor d <= t).
    """

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
