"""Measure dlib distances on the developer face set and print the calibration constants.
Numbers only (no image or embedding written); docs/calibration.md records a run and the usage."""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from harness.faces import PoolImage, load_images

from ._dlib import DlibEngine
from ._types import FaceRejected, FaceTemplate
from .calibration import ImpostorModel, fmr_at_internal_score

CANDIDATE_POWERS = (1.0, 2.0)
REPORT_FMRS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


@dataclass
class Measurement:
    """Distances of every pair of usable single-face images, split by same identity."""

    images: list[PoolImage]
    templates: list[FaceTemplate]
    rejected: dict[str, str] = field(default_factory=dict)
    seconds_per_image: float = 0.0

    def matrix(self, engine: DlibEngine) -> NDArray[np.float64]:
        n = len(self.templates)
        out = np.zeros((n, n))
        for i, j in itertools.combinations(range(n), 2):
            out[i, j] = out[j, i] = engine.distance(self.templates[i], self.templates[j])
        return out

    def labels(self) -> NDArray[np.int64]:
        return np.unique([im.identity for im in self.images], return_inverse=True)[1]


def measure(engine: DlibEngine, faces_dir: Path) -> Measurement:
    """Templates of the single-face images of labels.csv (:func:`harness.faces.load_images`)."""
    run = Measurement([], [])
    started = time.perf_counter()
    wanted = load_images(faces_dir)
    for item in wanted:
        try:
            run.templates.append(engine.template((faces_dir / item.name).read_bytes()))
            run.images.append(item)
        except FaceRejected as exc:
            run.rejected[item.name] = str(exc)
    run.seconds_per_image = (time.perf_counter() - started) / max(1, len(wanted))
    return run


def split_pairs(
    distances: NDArray[np.float64], labels: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(genuine, impostor) distances over the upper triangle."""
    upper = np.triu(np.ones_like(distances, dtype=bool), k=1)
    same = labels[:, None] == labels[None, :]
    return distances[upper & same], distances[upper & ~same]


def fit(impostor: NDArray[np.float64], power: float) -> ImpostorModel:
    """Normal fit of ``impostor ** power`` (sample mean and unbiased sd)."""
    values = np.asarray(impostor, dtype=np.float64) ** power
    return ImpostorModel(float(values.mean()), float(values.std(ddof=1)), power)


def log_likelihood(model: ImpostorModel, impostor: NDArray[np.float64]) -> float:
    """Log-likelihood of the distances themselves (Jacobian included), to compare powers."""
    d = np.asarray(impostor, dtype=np.float64)
    y = d**model.power
    normal = -0.5 * ((y - model.mean) / model.sd) ** 2 - math.log(model.sd * math.sqrt(2 * math.pi))
    return float(np.sum(normal + np.log(model.power * d ** (model.power - 1.0))))


def bootstrap(
    distances: NDArray[np.float64], labels: NDArray[np.int64], power: float, reps: int, seed: int
) -> NDArray[np.float64]:
    """Identity-level bootstrap of the thresholds at REPORT_FMRS, a row per replicate: pairs
    sharing an image are not independent (pairs between two draws of one identity dropped)."""
    rng = np.random.default_rng(seed)
    identities = np.unique(labels)
    members = [np.flatnonzero(labels == k) for k in identities]
    rows = []
    for _ in range(reps):
        drawn = rng.choice(len(identities), size=len(identities), replace=True)
        index = np.concatenate([members[k] for k in drawn])
        owner = np.concatenate([np.full(len(members[k]), k) for k in drawn])
        impostor = split_pairs(distances[np.ix_(index, index)], owner)[1]
        if len(impostor) < 10:
            continue
        model = fit(impostor, power)
        rows.append([model.distance_at_fmr(p) for p in REPORT_FMRS])
    return np.array(rows)


def _summary(d: NDArray[np.float64]) -> str:
    return f"mean {d.mean():.4f} sd {d.std(ddof=1):.4f} min {d.min():.4f} max {d.max():.4f}"


def report(engine: DlibEngine, run: Measurement, reps: int, seed: int) -> str:
    """The numbers docs/calibration.md quotes, one fact per line, ending with the constants."""
    distances = run.matrix(engine)
    labels = run.labels()
    genuine, impostor = split_pairs(distances, labels)
    pairs = f"{len(genuine)} genuine and {len(impostor)} impostor pairs"
    lines = [
        f"faces: {len(run.images)} usable single-face images, {len(set(labels.tolist()))} "
        f"identities, {pairs}; {run.seconds_per_image * 1000:.0f} ms/image",
        f"rejected: {run.rejected or 'none'}",
        f"impostor d: {_summary(impostor)} skew {stats.skew(impostor):+.3f}; "
        f"d^2 skew {stats.skew(impostor**2):+.3f}",
        f"genuine d:  {_summary(genuine)}",
    ]
    models = {p: fit(impostor, p) for p in CANDIDATE_POWERS}
    scores = {p: log_likelihood(m, impostor) for p, m in models.items()}
    for p, m in models.items():
        quantiles = ", ".join(
            f"{q:.1%}: {m.distance_at_fmr(q):.3f} vs {np.quantile(impostor, q):.3f}"
            for q in (0.005, 0.01, 0.05)
        )
        lines.append(
            f"power {p:g}: mean {m.mean:.4f} sd {m.sd:.4f} loglik {scores[p]:.2f}; model vs data "
            f"{quantiles}; "
            f"pairs below 0.70: {int((impostor < 0.70).sum())} observed, "
            f"{len(impostor) * m.fmr(0.70):.2f} expected"
        )
    lines.append(
        f"Box-Cox normalising power (MLE): {stats.boxcox_normmax(impostor, method='mle'):.2f}"
    )
    power = max(scores, key=lambda p: scores[p])
    chosen = models[power]
    lines.append(f"chosen: power {power:g} (higher likelihood)")
    boot = bootstrap(distances, labels, power, reps, seed)
    for k, p in enumerate(REPORT_FMRS):
        low, high = np.quantile(boot[:, k], [0.05, 0.95]) if len(boot) else (math.nan, math.nan)
        lines.append(
            f"  distance at FMR {p:.0e}: {chosen.distance_at_fmr(p):.4f} (90% CI "
            f"{low:.4f}-{high:.4f})"
        )
    at70 = chosen.distance_at_fmr(fmr_at_internal_score(70))
    at80 = chosen.distance_at_fmr(fmr_at_internal_score(80))
    lines += [
        (
            f"on this set at score 70 (d <= {at70:.4f}): "
            f"{int((genuine > at70).sum())}/{len(genuine)} genuine "
            f"refused, {int((impostor <= at70).sum())}/{len(impostor)} impostors accepted"
        ),
        (
            f"on this set at score 80 = e4 (d <= {at80:.4f}): "
            f"{int((genuine > at80).sum())}/{len(genuine)} genuine refused"
        ),
        f"FMR of dlib's customary 0.6 cut-off under the model: {chosen.fmr(0.6):.1e}",
        "paste into calibration.py:",
        f"IMPOSTOR_MODEL: Final = ImpostorModel(mean={chosen.mean:.4f}, sd={chosen.sd:.4f}, "
        f"power={power:g})",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    env = os.environ.get("FACEHARNESS_FACES")
    faces = Path(env) if env else Path(__file__).resolve().parents[4] / "shared" / "data" / "faces"
    parser.add_argument("--faces", type=Path, default=faces, help="folder holding labels.csv")
    parser.add_argument("--bootstrap", type=int, default=2000, help="identity-bootstrap replicates")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not (args.faces / "labels.csv").is_file():
        print(
            f"error: {args.faces / 'labels.csv'} not found; pass --faces DIR or set "
            "FACEHARNESS_FACES",
            file=sys.stderr,
        )
        return 2
    engine = DlibEngine()
    print(report(engine, measure(engine, args.faces), args.bootstrap, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
