"""Pure measurements behind the quality gates, kept apart from dlib so they are testable.

All three work in units that do not depend on image resolution: face width relative to the
largest face, nose offset relative to the eye distance, and detail relative to contrast on
the aligned face chip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from ._types import Box, FaceRejected


class Detection(NamedTuple):
    """One detector hit: box in image pixels and the detector's confidence (higher = surer)."""

    box: Box
    score: float


def box_width(box: Box) -> int:
    return box[2] - box[0]


def single_face(
    detections: Sequence[Detection], *, comparable_ratio: float, confident_score: float
) -> Detection:
    """The one face to use, or FaceRejected when there is none or several comparable ones.

    Detections scoring at least ``confident_score`` are *confident*; weaker hits are often
    texture (a badge, a pattern) and are used only when nothing confident was found. The
    face used is the widest confident detection. Another confident face makes the image
    ``multiple_faces`` only if it is at least ``comparable_ratio`` times as wide: smaller
    faces are bystanders (a crowd behind a selfie, the photo on an ID card held up). The
    documented APIs reject several faces, but wrongly rejecting a portrait costs more.
    """
    if not detections:
        raise FaceRejected("no_face", "no human face found in the image")
    confident = [d for d in detections if d.score >= confident_score]
    pool = confident or [max(detections, key=lambda d: d.score)]
    face = max(pool, key=lambda d: box_width(d.box))
    minimum = comparable_ratio * box_width(face.box)
    others = sorted(
        (box_width(d.box) for d in confident if d is not face and box_width(d.box) >= minimum),
        reverse=True,
    )
    if others:
        widths = ", ".join(str(w) for w in [box_width(face.box), *others])
        raise FaceRejected(
            "multiple_faces", f"{len(others) + 1} faces of comparable size (widths {widths} px)"
        )
    return face


def yaw_ratio(landmarks: NDArray[np.float64]) -> float:
    """Sideways head turn from dlib's 5 landmarks (2 corners per eye, then the nose base).

    The nose base's offset from the midpoint between the eye centres, measured along the
    eye line and divided by the eye distance: about 0 for a frontal face, growing roughly
    like 0.5 * tan(yaw) (0.3 is about 30-35 degrees). Signed; callers compare the magnitude.
    """
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    eye_a = points[0:2].mean(axis=0)
    eye_b = points[2:4].mean(axis=0)
    axis = eye_b - eye_a
    eye_distance = float(np.hypot(*axis))
    if eye_distance == 0.0:
        return float("inf")
    offset = points[4] - (eye_a + eye_b) / 2.0
    return float(np.dot(offset, axis) / eye_distance**2)


def sharpness(chip: NDArray[np.uint8]) -> float:
    """Fine detail of an aligned face chip: 100 * var(Laplacian) / var(intensity).

    Dividing by the intensity variance makes the measure independent of exposure and
    contrast, and measuring on a fixed-size aligned chip makes it independent of the
    face's pixel size, so one threshold works for passport photos and webcam frames alike.
    """
    gray = cv2.cvtColor(np.ascontiguousarray(chip), cv2.COLOR_RGB2GRAY).astype(np.float64)
    contrast = float(gray.var())
    if contrast == 0.0:
        return 0.0
    return 100.0 * float(cv2.Laplacian(gray, cv2.CV_64F).var()) / contrast
