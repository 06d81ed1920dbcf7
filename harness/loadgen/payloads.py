"""The image pool load scenarios draw from: real face photos in three size classes.

Built once per process from the package-shipped portraits (their JPEG variants, plus a smaller
and a larger re-encode of each so every class has members) and, optionally, the ``--faces``
sample (:func:`harness.faces.pool_faces`). Sizes matter for load: base64 encoding, transfer
and decoding cost grow with the upload, so a run states its size mix. Images never leave this
module except inside request bodies; reports see sha256 only.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.errors import InputError, UsageError
from harness.faces import PoolImage, limits_for, pool_faces
from harness.imaging import resized, times

SIZE_CLASSES: tuple[str, ...] = ("small", "medium", "large")
SMALL_MAX_BYTES = 32 * 1024  # small < 32 KiB <= medium < 128 KiB <= large
MEDIUM_MAX_BYTES = 128 * 1024
DEFAULT_SIZES = "small=1,medium=3,large=1"


def parse_weights(text: str, allowed: Sequence[str], what: str) -> dict[str, float]:
    """``"a=3,b=1"`` -> ``{"a": 3.0, "b": 1.0}``; names must be in ``allowed``, sum > 0."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in allowed:
            raise UsageError(
                f"{what} {text!r}: expected NAME=WEIGHT pairs with NAME in {', '.join(allowed)}"
            )
        try:
            weight = float(value)
        except ValueError:
            raise UsageError(f"{what} {text!r}: weight {value.strip()!r} is not a number") from None
        if not weight >= 0 or weight == float("inf"):
            raise UsageError(f"{what} {text!r}: weights must be finite and >= 0")
        weights[name] = weight
    if sum(weights.values()) <= 0:
        raise UsageError(f"{what} {text!r}: give at least one positive weight")
    return weights


class ImagePool:
    """Images by size class; picks are driven by the caller's seeded RNG."""

    def __init__(self, images: Sequence[PoolImage], *, skipped: int = 0) -> None:
        if not images:
            raise InputError("the image pool is empty")
        self.images = tuple(images)
        self.skipped = skipped
        self.by_class: dict[str, tuple[PoolImage, ...]] = {
            c: tuple(i for i in self.images if i.size_class == c) for c in SIZE_CLASSES
        }
        self._draws: dict[tuple[tuple[str, float], ...], tuple[list[str], list[float]]] = {}

    def counts(self) -> dict[str, int]:
        return {c: len(v) for c, v in self.by_class.items()}

    def check_mix(self, sizes: Mapping[str, float]) -> None:
        empty = [c for c, w in sizes.items() if w > 0 and not self.by_class[c]]
        if empty:
            raise UsageError(
                f"size mix asks for {', '.join(empty)} images but the pool has none "
                f"(pool: {self.counts()})"
            )

    def pick(
        self, rng: random.Random, sizes: Mapping[str, float], among: Sequence[PoolImage] = ()
    ) -> PoolImage:
        """A random image of a size class drawn by ``sizes`` (from ``among`` if given)."""
        if not among:
            key = tuple(sorted(sizes.items()))
            drawn = self._draws.get(key)
            if drawn is None:
                present = [c for c in SIZE_CLASSES if sizes.get(c, 0) > 0 and self.by_class[c]]
                drawn = self._draws[key] = (present, [sizes[c] for c in present])
            if drawn[0]:
                members = self.by_class[rng.choices(drawn[0], weights=drawn[1])[0]]
                return members[rng.randrange(len(members))]
        candidates = among or self.images
        classes = [c for c in SIZE_CLASSES if sizes.get(c, 0) > 0]
        present = [c for c in classes if any(i.size_class == c for i in candidates)]
        if present:
            klass = rng.choices(present, weights=[sizes[c] for c in present])[0]
            candidates = [i for i in candidates if i.size_class == klass]
        return candidates[rng.randrange(len(candidates))]


def _images(faces_dir: Path | None, max_bytes: int) -> tuple[list[PoolImage], int]:
    """The built-in JPEGs in three sizes, then the ``--faces`` JPEGs and PNGs that fit
    ``max_bytes``; and how many of these did not."""
    builtin: list[PoolImage] = []
    sample: list[PoolImage] = []
    skipped = 0
    for face in pool_faces(faces_dir):
        if face.builtin:
            builtin += _sizes(face, max_bytes) if face.format == "jpeg" else []
        elif face.format in ("jpeg", "png") and len(face.data) <= max_bytes:
            sample.append(_sized(Path(face.name).name, face.data, face.identity))
        else:
            skipped += 1
    if faces_dir is not None and not sample:
        raise InputError(f"--faces {faces_dir}: no usable .jpg/.png face photos")
    return builtin + sample, skipped


def _sizes(face: PoolImage, max_bytes: int) -> list[PoolImage]:
    """A built-in JPEG, a smaller copy and the largest larger copy that fits ``max_bytes``."""
    name, data = face.name, face.data
    out = [_sized(name, data, face.identity)]
    out.append(_sized(name + "@small", _bilinear(data, 0.45, 80), face.identity))
    for quality in (97, 92, 85):  # the largest re-encode that still fits every API
        large = _bilinear(data, 1.8, quality)
        if len(large) <= max_bytes:
            return [*out, _sized(name + "@large", large, face.identity)]
    return out


def _sized(name: str, data: bytes, identity: str) -> PoolImage:
    n = len(data)
    size = "small" if n < SMALL_MAX_BYTES else "medium" if n < MEDIUM_MAX_BYTES else "large"
    return PoolImage(name, data, identity, size_class=size)


def _bilinear(data: bytes, factor: float, quality: int) -> bytes:
    from PIL import Image

    return resized(data, times(factor), "jpeg", quality=quality, resample=Image.Resampling.BILINEAR)


@functools.lru_cache(maxsize=4)
def build_pool(faces_dir: str = "", max_bytes: int = 0) -> ImagePool:
    """The pool for this process; ``max_bytes`` (0: the contract's) is the largest upload
    every scenario may send (the internal API's base64 limit is the tighter one)."""
    if max_bytes <= 0:
        from harness.contract import load_contract

        contract = load_contract()
        max_bytes = min(limits_for(api, contract).largest for api in ("match", "jd"))
    images, skipped = _images(Path(faces_dir) if faces_dir else None, max_bytes)
    return ImagePool(images, skipped=skipped)
