"""Which faces a run compares: a labelled folder, or the built-in demo set.

Reports name a dataset by counts and a content fingerprint, never by path: the folder is
the user's, and its location says nothing about the result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from harness.faces import PoolImage, builtin_images, load_images

BUILTIN_CAVEAT = (
    "the built-in set (two public-domain portraits, seven variants each) cannot support or "
    "contradict the documented false-match claims: every impostor pair shows the same two "
    "people; run with --faces DIR for evidence"
)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Pairable images plus what a report may say about them.

    Args:
        images: single-face images, sorted by sha256.
        name: ``"builtin"`` or ``"faces"``.
        supports_claims: ``False`` when the set is too narrow for any verdict to mean
            anything (the built-in set); every verdict is then reported as untestable.
        caveat: why, for the console and the report.
    """

    images: list[PoolImage]
    name: str
    supports_claims: bool = True
    caveat: str | None = None

    @property
    def identities(self) -> int:
        return len({image.identity for image in self.images})

    @property
    def fingerprint(self) -> str:
        """sha256 over the sorted image hashes: the same faces give the same fingerprint."""
        joined = "\n".join(sorted(image.sha256 for image in self.images))
        return hashlib.sha256(joined.encode()).hexdigest()

    def describe(self) -> str:
        """One line for ``summary.json`` (no path, no file name)."""
        return (
            f"{self.name}: {len(self.images)} single-face images of {self.identities} "
            f"identities (sha256 {self.fingerprint[:16]})"
        )


def load_dataset(faces: Path | None) -> Dataset:
    """``faces`` (a folder with ``labels.csv``), or the built-in set when ``None``."""
    if faces is None:
        return builtin_dataset()
    return Dataset(images=load_images(faces), name="faces")


def builtin_dataset() -> Dataset:
    """:func:`harness.faces.builtin_images` (nothing written to disk)."""
    by_hash = {image.sha256: image for image in reversed(builtin_images())}
    images = sorted(by_hash.values(), key=lambda image: image.sha256)
    return Dataset(images=images, name="builtin", supports_claims=False, caveat=BUILTIN_CAVEAT)
