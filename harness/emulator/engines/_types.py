"""The engine interface: bytes in, template out; two templates in, a distance out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol, get_args, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from harness.imaging import Rejected

# no_face: the detector found no human face; multiple_faces: two or more faces of comparable size
# (the APIs want exactly one); face_too_small: narrower than the engine's minimum; blurry: too
# little fine detail on the aligned face; bad_pose: head turned too far sideways to compare
FaceRejectReason = Literal["no_face", "multiple_faces", "face_too_small", "blurry", "bad_pose"]
FACE_REJECT_REASONS: Final[tuple[FaceRejectReason, ...]] = get_args(FaceRejectReason)

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in the upright (EXIF-rotated) image


class FaceRejected(Rejected[FaceRejectReason]):
    """The image is valid but its face cannot be used."""

    WHAT, REASONS = "face", FACE_REJECT_REASONS


# Not frozen: a frozen dataclass sets each field through object.__setattr__, about 8k instructions
# per template, two templates per request on the fast engine; no code writes to a template.
@dataclass(eq=False, slots=True)
class FaceTemplate:
    """One image's face, comparable only within its engine: ``vector`` a read-only embedding
    (dlib) or a digest (fast); ``image_digest`` the image bytes' hex digest (SHA-256 for dlib,
    XXH3-128 for fast); ``box`` None when the engine does not locate faces; ``quality`` the
    measurements behind the quality gates, for diagnostics."""

    engine: str
    vector: NDArray[np.float64] | bytes
    image_digest: str
    box: Box | None = None
    quality: Mapping[str, float] = field(default_factory=dict)


def check_same_engine(name: str, a: FaceTemplate, b: FaceTemplate) -> None:
    if a.engine != name or b.engine != name:
        raise ValueError(
            f"cannot compare templates of engines {a.engine!r} and {b.engine!r} with {name!r}"
        )


@runtime_checkable
class Engine(Protocol):
    """A face engine. Implementations must be safe to call from several threads."""

    name: str

    def template(self, image_bytes: bytes) -> FaceTemplate:
        """Template of the single usable face; raises FaceRejected or ImageRejected."""
        ...

    def distance(self, a: FaceTemplate, b: FaceTemplate) -> float:
        """Dissimilarity >= 0, symmetric, exactly 0.0 for the same image bytes."""
        ...
