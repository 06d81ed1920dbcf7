"""Biometric error statistics: exact binomial intervals, error rates, EER, DET, histograms.

Scores are similarities: a comparison is a *match* when ``score >= threshold``. Everything
here is pure (numbers in, numbers out) so it can be checked against known answers without
a service. Results are plain floats and lists so they go straight into ``summary.json``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import beta

FloatArray = NDArray[np.float64]


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided interval for a binomial proportion ``k / n``.

    Exact rather than Wald/Wilson because accuracy claims live at rates near zero, where
    normal approximations give negative or far too narrow bounds. ``n == 0`` carries no
    information, so the interval is the whole of ``[0, 1]``.
    """
    _check_confidence(confidence)
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    alpha = 1.0 - confidence
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return (lo, hi)


def n_needed_for_zero_failures(p: float, confidence: float = 0.95) -> int:
    """Comparisons needed so that zero failures bounds the rate below ``p`` (one-sided).

    The smallest ``n`` with ``(1 - p) ** n <= 1 - confidence``; for 95% this is the "rule of
    three" (about ``3 / p``): 2,995 impostor pairs for 1e-3, 29,956 for 1e-4. Fewer pairs
    cannot support a claim even if no false match is seen.
    """
    _check_confidence(confidence)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    return math.ceil(math.log(1.0 - confidence) / math.log1p(-p))


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """Counts and rates at one operating point; a rate is ``None`` when its class is empty."""

    false_matches: int
    impostor: int
    false_non_matches: int
    genuine: int

    @property
    def fmr(self) -> float | None:
        return self.false_matches / self.impostor if self.impostor else None

    @property
    def fnmr(self) -> float | None:
        return self.false_non_matches / self.genuine if self.genuine else None


def error_rates(
    genuine: Sequence[float], impostor: Sequence[float], threshold: float
) -> ErrorRates:
    """FMR and FNMR when a pair is accepted at ``score >= threshold``."""
    g = np.asarray(genuine, dtype=float)
    i = np.asarray(impostor, dtype=float)
    return ErrorRates(
        false_matches=int(np.count_nonzero(i >= threshold)),
        impostor=int(i.size),
        false_non_matches=int(np.count_nonzero(g < threshold)),
        genuine=int(g.size),
    )


@dataclass(frozen=True, slots=True)
class DetCurve:
    """FMR and FNMR at every distinct observed score, ascending threshold (plain lists)."""

    threshold: list[float]
    fmr: list[float]
    fnmr: list[float]

    def to_dict(self) -> dict[str, list[float]]:
        return {"threshold": self.threshold, "fmr": self.fmr, "fnmr": self.fnmr}


class _Sweep:
    """Scores binned once by distinct threshold, so weighted re-evaluation is O(n).

    The subject bootstrap re-weights the same pairs hundreds of times; sorting once and
    using ``bincount`` per replicate keeps it linear.
    """

    def __init__(self, genuine: FloatArray, impostor: FloatArray) -> None:
        if genuine.size == 0 or impostor.size == 0:
            raise ValueError("need at least one genuine and one impostor score")
        if not (np.all(np.isfinite(genuine)) and np.all(np.isfinite(impostor))):
            raise ValueError("scores must be finite numbers")
        self.thresholds: FloatArray = np.unique(np.concatenate([genuine, impostor]))
        self._g_idx = np.searchsorted(self.thresholds, genuine)
        self._i_idx = np.searchsorted(self.thresholds, impostor)

    def rates(
        self, g_weights: FloatArray | None = None, i_weights: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray] | None:
        """(fmr, fnmr) at each threshold then at +inf; ``None`` if a class has no weight."""
        size = self.thresholds.size
        g_bins = np.bincount(self._g_idx, weights=g_weights, minlength=size)
        i_bins = np.bincount(self._i_idx, weights=i_weights, minlength=size)
        g_total, i_total = float(g_bins.sum()), float(i_bins.sum())
        if g_total <= 0 or i_total <= 0:
            return None
        below_g = np.concatenate([[0.0], np.cumsum(g_bins)])  # genuine weight with score < t
        below_i = np.concatenate([[0.0], np.cumsum(i_bins)])
        fnmr = below_g / g_total
        fmr = (i_total - below_i) / i_total
        return np.clip(fmr, 0.0, 1.0), np.clip(fnmr, 0.0, 1.0)


def _crossing(fmr: FloatArray, fnmr: FloatArray) -> float:
    """Where FMR = FNMR, interpolating linearly on the DET segment that crosses it.

    ``fmr - fnmr`` falls from 1 (lowest threshold) to -1 (+inf), so a first non-positive
    point exists; an exact tie is the EER itself.
    """
    diff = fmr - fnmr
    k = int(np.argmax(diff <= 0))
    if diff[k] == 0 or k == 0:
        return float(fmr[k])
    alpha = diff[k - 1] / (diff[k - 1] - diff[k])
    return float(fmr[k - 1] + alpha * (fmr[k] - fmr[k - 1]))


def eer(genuine: Sequence[float], impostor: Sequence[float]) -> float:
    """Equal error rate of similarity scores (0 = perfectly separated, 1 = inverted)."""
    sweep = _Sweep(np.asarray(genuine, dtype=float), np.asarray(impostor, dtype=float))
    rates = sweep.rates()
    assert rates is not None
    return _crossing(*rates)


@dataclass(frozen=True, slots=True)
class EerEstimate:
    """EER with a percentile interval from a subject-level bootstrap."""

    eer: float
    ci95: tuple[float, float] | None
    replicates: int
    seed: int

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.eer,
            "ci95": list(self.ci95) if self.ci95 is not None else None,
            "bootstrap": {"unit": "subject", "replicates": self.replicates, "seed": self.seed},
        }


def eer_with_interval(
    genuine: Sequence[float],
    genuine_subjects: Sequence[Hashable],
    impostor: Sequence[float],
    impostor_subjects: Sequence[tuple[Hashable, Hashable]],
    *,
    replicates: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> EerEstimate:
    """EER plus a bootstrap interval that resamples *subjects*, not pairs.

    Pairs sharing a person are correlated, so resampling pairs overstates precision. Each
    replicate draws subjects with replacement (multiplicity ``c_s``); a genuine pair of
    subject ``s`` then counts ``c_s`` times and an impostor pair ``(s, t)`` counts
    ``c_s * c_t`` times (Bolle et al.'s subsets bootstrap). Replicates that lose every
    genuine or every impostor pair are dropped; the interval is ``None`` if all are.
    """
    _check_confidence(confidence)
    if len(genuine) != len(genuine_subjects) or len(impostor) != len(impostor_subjects):
        raise ValueError("every score needs its subject(s)")
    if replicates < 0:
        raise ValueError(f"replicates must be >= 0, got {replicates}")
    sweep = _Sweep(np.asarray(genuine, dtype=float), np.asarray(impostor, dtype=float))
    base = sweep.rates()
    assert base is not None
    point = _crossing(*base)

    subjects = sorted(
        {*genuine_subjects, *(s for pair in impostor_subjects for s in pair)}, key=repr
    )
    index = {s: n for n, s in enumerate(subjects)}
    g_subj = np.array([index[s] for s in genuine_subjects], dtype=np.intp)
    i_a = np.array([index[a] for a, _ in impostor_subjects], dtype=np.intp)
    i_b = np.array([index[b] for _, b in impostor_subjects], dtype=np.intp)

    rng = np.random.default_rng(seed)
    m = len(subjects)
    values: list[float] = []
    for _ in range(replicates):
        counts = np.bincount(rng.integers(0, m, size=m), minlength=m).astype(float)
        rates = sweep.rates(counts[g_subj], counts[i_a] * counts[i_b])
        if rates is not None:
            values.append(_crossing(*rates))
    ci: tuple[float, float] | None = None
    if values:
        alpha = 1.0 - confidence
        lo, hi = np.quantile(np.asarray(values), [alpha / 2, 1 - alpha / 2])
        ci = (float(lo), float(hi))
    return EerEstimate(eer=point, ci95=ci, replicates=replicates, seed=seed)


def det_curve(
    genuine: Sequence[float], impostor: Sequence[float], *, max_points: int = 256
) -> DetCurve:
    """DET points at distinct thresholds, thinned evenly to ``max_points`` for the report.

    The ends are always kept so the plotted curve spans the whole observed range.
    """
    if max_points < 2:
        raise ValueError(f"max_points must be >= 2, got {max_points}")
    sweep = _Sweep(np.asarray(genuine, dtype=float), np.asarray(impostor, dtype=float))
    rates = sweep.rates()
    assert rates is not None
    fmr, fnmr = rates[0][:-1], rates[1][:-1]  # drop +inf: JSON has no infinity
    size = sweep.thresholds.size
    keep = np.unique(np.linspace(0, size - 1, num=min(size, max_points)).round().astype(int))
    return DetCurve(sweep.thresholds[keep].tolist(), fmr[keep].tolist(), fnmr[keep].tolist())


@dataclass(frozen=True, slots=True)
class ScoreHistogram:
    """Genuine and impostor counts over shared bins (``len(bin_edges) == bins + 1``)."""

    bin_edges: list[float]
    genuine: list[int]
    impostor: list[int]

    def to_dict(self) -> dict[str, list[float] | list[int]]:
        return {"bin_edges": self.bin_edges, "genuine": self.genuine, "impostor": self.impostor}


def score_histogram(
    genuine: Sequence[float],
    impostor: Sequence[float],
    *,
    bins: int = 20,
    score_range: tuple[float, float] | None = None,
) -> ScoreHistogram:
    """Both score distributions on the same bins, so overlap is visible in the report.

    Pass the API's documented scale as ``score_range`` (0..100, 0..1) to make runs
    comparable; otherwise the observed range is used. Scores outside the range are counted
    in the edge bins, so the counts always add up to the number of scores.
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    g = np.asarray(genuine, dtype=float)
    i = np.asarray(impostor, dtype=float)
    if score_range is None:
        both = np.concatenate([g, i])
        score_range = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    lo, hi = score_range
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    g_counts, _ = np.histogram(np.clip(g, lo, hi), bins=edges)
    i_counts, _ = np.histogram(np.clip(i, lo, hi), bins=edges)
    return ScoreHistogram(edges.tolist(), g_counts.tolist(), i_counts.tolist())


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
