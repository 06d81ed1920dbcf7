"""The real engine: dlib face detection, 5-point alignment and 128-d ResNet embedding.

Pipeline per image (about 150-250 ms on one core, cached by sha256 afterwards):
decode -> downscale for detection -> HOG (or CNN) detection -> one-face rule -> size gate
-> landmarks -> pose gate -> blur gate -> embedding. Gates run before the embedding so a
rejected image costs only detection. Distances are Euclidean between embeddings (dlib's
own convention; ~0.6 is its usual same-person cut-off), calibrated in ``calibration``.
"""

from __future__ import annotations

import threading
from types import MappingProxyType
from typing import Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray

from harness.imaging import decode_image, inspect_image, sha256_hex

from ._cache import LruCache
from ._models import RESNET_EMBEDDING, SHAPE_PREDICTOR_5, import_dlib, model_path
from ._quality import Detection, box_width, sharpness, single_face, yaw_ratio
from ._types import Box, FaceRejected, FaceRejectReason, FaceTemplate

DEFAULT_MAX_PIXELS: Final = 40_000_000
CHIP_SIZE: Final = 80  # side of the aligned chip on which sharpness is measured


class DlibEngine:
    """dlib face engine; all thresholds are keyword arguments with measured defaults.

    Args:
        min_face_px: narrowest accepted face (detector box width) in pixels of the upright
            original image; the smallest face in the developer set is 72 px. The detector
            itself misses faces under ~40 px, which then read as ``no_face``.
        comparable_face_ratio: other faces at least this fraction of the largest face's
            width make the image ``multiple_faces``; smaller ones are ignored as bystanders.
        confident_score: detector score above which a hit counts as a face for the
            one-face rule (HOG: real faces 0.5-3, texture false positives below 0.45); weaker
            hits are used only when nothing else is found.
        min_sharpness: minimum :func:`sharpness` of the aligned 80 px face chip. Sharp
            photos in the developer set measure 4.3-64; a Gaussian blur whose sigma is 2 %
            of the face width brings a face to about 2.
        max_yaw: largest accepted ``|yaw_ratio|``: 0.35 is roughly 35 degrees; frontal
            photos in the developer set measure at most 0.16.
        detect_max_side: images are shrunk to this longer side for detection only.
        upsample_max_pixels: when the detection image has at most this many pixels and the
            first pass found nothing, detection reruns at 2x to reach faces down to ~40 px.
        decode_max_side: longer side the image is decoded at (landmarks and embedding use it).
        max_pixels: decoding budget passed to :func:`harness.imaging.decode_image`.
        cache_size: number of image outcomes (template or rejection) kept, by sha256.
    """

    name: str = "dlib"

    def __init__(
        self,
        *,
        min_face_px: int = 50,
        comparable_face_ratio: float = 0.5,
        confident_score: float = 0.5,
        min_sharpness: float = 2.5,
        max_yaw: float = 0.35,
        detect_max_side: int = 1024,
        upsample_max_pixels: int = 500_000,
        decode_max_side: int = 2048,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        cache_size: int = 1024,
    ) -> None:
        if not 0.0 < comparable_face_ratio <= 1.0:
            raise ValueError(
                f"comparable_face_ratio must be in (0, 1], got {comparable_face_ratio}"
            )
        self.min_face_px = min_face_px
        self.comparable_face_ratio = comparable_face_ratio
        self.confident_score = confident_score
        self.min_sharpness = min_sharpness
        self.max_yaw = max_yaw
        self.detect_max_side = detect_max_side
        self.upsample_max_pixels = upsample_max_pixels
        self.decode_max_side = decode_max_side
        self.max_pixels = max_pixels
        self.cache = LruCache[FaceTemplate | tuple[FaceRejectReason, str]](cache_size)
        dlib = import_dlib()
        self._dlib = dlib
        self._lock = threading.Lock()  # dlib's network keeps per-call state: one caller at a time
        self._hog: Any = dlib.get_frontal_face_detector()  # frontal faces, as the APIs take them
        self._shape: Any = dlib.shape_predictor(str(model_path(SHAPE_PREDICTOR_5)))
        self._net: Any = dlib.face_recognition_model_v1(str(model_path(RESNET_EMBEDDING)))

    def template(self, image_bytes: bytes) -> FaceTemplate:
        """Template of the single usable face; FaceRejected / ImageRejected otherwise."""
        key = sha256_hex(image_bytes)
        cached = self.cache.get(key)
        if isinstance(cached, FaceTemplate):
            return cached
        if cached is not None:
            raise FaceRejected(*cached)
        try:
            result = self._compute(image_bytes, key)
        except FaceRejected as rejected:
            self.cache.put(key, (rejected.reason, rejected.detail))
            raise
        self.cache.put(key, result)
        return result

    def distance(self, a: FaceTemplate, b: FaceTemplate) -> float:
        """Euclidean distance between embeddings; 0.0 for the same image bytes."""
        if a.engine != self.name or b.engine != self.name:
            raise ValueError(
                f"cannot compare templates of engines {a.engine!r} and {b.engine!r} "
                f"with {self.name!r}"
            )
        if a.image_digest == b.image_digest:
            return 0.0
        return float(np.linalg.norm(np.asarray(a.vector) - np.asarray(b.vector)))

    # -- pipeline -------------------------------------------------------------------------

    def _compute(self, data: bytes, key: str) -> FaceTemplate:
        info = inspect_image(data, max_pixels=self.max_pixels)
        rgb = decode_image(data, max_pixels=self.max_pixels, max_side=self.decode_max_side)
        to_original = max(info.width, info.height) / max(rgb.shape[:2])  # undo decode reduction
        with self._lock:
            face = single_face(
                self._detect(rgb),
                comparable_ratio=self.comparable_face_ratio,
                confident_score=self.confident_score,
            )
            box = face.box
            face_px = box_width(box) * to_original
            if face_px < self.min_face_px:
                raise FaceRejected(
                    "face_too_small",
                    f"face is {face_px:.0f} px wide; the minimum is {self.min_face_px} px",
                )
            shape = self._shape(rgb, self._dlib.rectangle(*box))
            landmarks = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
            yaw = yaw_ratio(landmarks)
            if abs(yaw) > self.max_yaw:
                raise FaceRejected(
                    "bad_pose", f"head turned sideways (yaw ratio {yaw:+.2f}, limit {self.max_yaw})"
                )
            chip = np.asarray(self._dlib.get_face_chip(rgb, shape, size=CHIP_SIZE))
            sharp = sharpness(chip)
            if sharp < self.min_sharpness:
                raise FaceRejected(
                    "blurry", f"face sharpness {sharp:.1f} is below {self.min_sharpness}"
                )
            vector = np.array(self._net.compute_face_descriptor(rgb, shape), dtype=np.float64)
        vector.setflags(write=False)
        height, width = (round(side * to_original) for side in rgb.shape[:2])
        original_box: Box = (
            max(0, round(box[0] * to_original)),
            max(0, round(box[1] * to_original)),
            min(width, round(box[2] * to_original)),
            min(height, round(box[3] * to_original)),
        )
        quality = MappingProxyType(
            {
                "face_px": float(face_px),
                "yaw": yaw,
                "sharpness": sharp,
                "detector_score": face.score,
            }
        )
        return FaceTemplate(self.name, vector, key, original_box, quality)

    def _detect(self, rgb: NDArray[np.uint8]) -> list[Detection]:
        """Faces in ``rgb`` coordinates, found on a reduced copy, with a 2x retry if none."""
        height, width = rgb.shape[:2]
        scale = min(1.0, self.detect_max_side / max(height, width))
        small: NDArray[np.uint8] = rgb
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
        found = self._run_detector(small, upsample=0)
        if not found and small.shape[0] * small.shape[1] <= self.upsample_max_pixels:
            found = self._run_detector(small, upsample=1)
        return [
            Detection(
                (
                    round(left / scale),
                    round(top / scale),
                    round(right / scale),
                    round(bottom / scale),
                ),
                score,
            )
            for (left, top, right, bottom), score in found
        ]

    def _run_detector(self, image: NDArray[np.uint8], *, upsample: int) -> list[Detection]:
        rects, scores, _ = self._hog.run(image, upsample, 0.0)
        return [
            Detection((r.left(), r.top(), r.right(), r.bottom()), float(score))
            for r, score in zip(rects, scores, strict=True)
            if r.width() > 0 and r.height() > 0
        ]
