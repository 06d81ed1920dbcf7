"""A deterministic stand-in engine for load tests, NOT BIOMETRIC: identical bytes are distance
0, others a draw from the calibrated impostor model fixed by the digests (the documented FMRs
hold; two photos of one person are strangers). XXH3-128: SHA-256 cost more than the request."""

from __future__ import annotations

import functools
import hashlib
from typing import Final

import xxhash

from . import calibration
from ._types import FaceTemplate, check_same_engine

_SCALE: Final = float(2**64)
_MIN_DISTANCE: Final = 1e-6  # only identical bytes may be at distance 0


class FastEngine:
    """``salt`` changes every pairwise distance (another "population")."""

    name: str = "fast"

    def __init__(
        self, *, model: calibration.ImpostorModel = calibration.IMPOSTOR_MODEL, salt: bytes = b""
    ) -> None:
        self.model = model
        self.salt = bytes(salt)
        # a pure function of the two digests, remembered (load traffic repeats its pairs); keyed
        # by the digests alone, since hashing the model as well cost more than the draw's lookup
        self._pair = functools.lru_cache(maxsize=4096)(self._draw)

    def template(self, image_bytes: bytes) -> FaceTemplate:
        digest = xxhash.xxh3_128_digest(image_bytes)
        return FaceTemplate(self.name, digest, digest.hex())

    def distance(self, a: FaceTemplate, b: FaceTemplate) -> float:
        """0.0 for identical bytes, else the model quantile at a hash-derived uniform draw."""
        check_same_engine(self.name, a, b)
        x, y = a.image_digest, b.image_digest
        if x == y:
            return 0.0
        return self._pair(x, y) if x < y else self._pair(y, x)

    def _draw(self, low: str, high: str) -> float:
        draw = hashlib.blake2b(
            bytes.fromhex(low) + bytes.fromhex(high), digest_size=8, key=self.salt[:64]
        ).digest()
        uniform = (int.from_bytes(draw, "big") + 0.5) / _SCALE
        return max(_MIN_DISTANCE, self.model.distance_at_fmr(uniform))
