"""The real engine: dlib detection, 5-point alignment, 128-d ResNet embedding (150-250 ms an
image, cached by sha256); the quality gates (pure functions) run first, so a rejection costs
only detection. Distances are Euclidean, calibrated in ``calibration``."""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from harness.errors import ConfigError
from harness.imaging import decode_image, inspect_image, sha256_hex

from ._types import Box, FaceRejected, FaceRejectReason, FaceTemplate, check_same_engine

CHIP_SIZE: Final = 80  # side of the aligned chip on which sharpness is measured
# shipped by face_recognition_models, found with find_spec and never imported: its __init__
# does `from pkg_resources import ...`, which fails on current setuptools
MODELS_PACKAGE: Final = "face_recognition_models"
SHAPE_PREDICTOR_5: Final = "shape_predictor_5_face_landmarks.dat"
RESNET_EMBEDDING: Final = "dlib_face_recognition_resnet_model_v1.dat"


def model_path(filename: str) -> Path:
    """Absolute path of one model file; ConfigError with the install command if missing."""
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    for root in list(spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(root) / "models" / filename
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"dlib model {filename} not found in package {MODELS_PACKAGE}; "
        "install it with: pip install face-recognition-models"
    )


class Detection(NamedTuple):
    """One detector hit: box in image pixels and the detector's confidence (higher = surer)."""

    box: Box
    score: float


def box_width(box: Box) -> int:
    return box[2] - box[0]


def single_face(
    detections: Sequence[Detection], *, comparable_ratio: float, confident_score: float
) -> Detection:
    """The widest confident hit (an unconfident one, often texture, only if none is confident);
    FaceRejected if none, or if another confident face is at least ``comparable_ratio`` as wide
    (smaller ones are bystanders: wrongly rejecting a portrait costs more)."""
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
    """Sideways head turn from dlib's 5 landmarks (2 corners per eye, then the nose base): the
    nose's offset from the eyes' midpoint along the eye line over the eye distance, roughly
    0.5 * tan(yaw), signed (0.3 is about 30-35 degrees)."""
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    eye_a, eye_b = points[0:2].mean(axis=0), points[2:4].mean(axis=0)
    axis = eye_b - eye_a
    eye_distance = float(np.hypot(*axis))
    if eye_distance == 0.0:
        return float("inf")
    offset = points[4] - (eye_a + eye_b) / 2.0
    return float(np.dot(offset, axis) / eye_distance**2)


def sharpness(chip: NDArray[np.uint8]) -> float:
    """100 * var(Laplacian) / var(intensity) of an aligned face chip: independent of exposure,
    contrast and the face's pixel size, so one threshold fits passport photos and webcams."""
    gray = cv2.cvtColor(np.ascontiguousarray(chip), cv2.COLOR_RGB2GRAY).astype(np.float64)
    contrast = float(gray.var())
    if contrast == 0.0:
        return 0.0
    return 100.0 * float(cv2.Laplacian(gray, cv2.CV_64F).var()) / contrast


class _Models(NamedTuple):
    dlib: Any
    lock: threading.Lock  # dlib's network keeps per-call state: one caller at a time
    hog: Any  # frontal faces, as the APIs take them
    shape: Any
    net: Any


_loaded: _Models | None = None
_loading = threading.Lock()


def _models() -> _Models:
    """dlib's detector and models, loaded once per process (about a CPU second each time) and
    shared by every DlibEngine with the one lock that serialises their calls; ConfigError if dlib
    or a model file is missing (nothing is kept then)."""
    global _loaded
    with _loading:
        if _loaded is None:
            try:
                import dlib
            except ImportError as exc:
                raise ConfigError(
                    f"the dlib engine needs dlib ({exc}); install it with: pip install dlib-bin"
                ) from None
            _loaded = _Models(
                dlib,
                threading.Lock(),
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(model_path(SHAPE_PREDICTOR_5))),
                dlib.face_recognition_model_v1(str(model_path(RESNET_EMBEDDING))),
            )
        return _loaded


@dataclass(eq=False, repr=False, kw_only=True)
class DlibEngine:
    """dlib face engine; every threshold is a keyword argument with a measured default."""

    # narrowest face (box width, upright original pixels); the developer set's smallest is 72 px
    # and the detector misses faces under ~40 px (they read as no_face)
    min_face_px: int = 50
    # other faces at least this fraction of the largest one's width make it multiple_faces
    comparable_face_ratio: float = 0.5
    # HOG: real faces score 0.5-3, texture false positives below 0.45
    confident_score: float = 0.5
    # sharp developer-set photos measure 4.3-64; a blur of sigma 2 % of the face width about 2
    min_sharpness: float = 2.5
    # |yaw_ratio| limit: 0.35 is roughly 35 degrees; frontal developer-set photos measure <= 0.16
    max_yaw: float = 0.35
    detect_max_side: int = 1024  # images are shrunk to this longer side for detection only
    # a detection image this small that shows no face is searched again at 2x (faces ~40 px)
    upsample_max_pixels: int = 500_000
    decode_max_side: int = 2048  # landmarks and the embedding use the image decoded at this
    max_pixels: int = 40_000_000  # decoding budget (harness.imaging.decode_image)
    cache_size: int = 1024  # image outcomes (template or rejection) kept, by sha256
    cache: OrderedDict[str, FaceTemplate | tuple[FaceRejectReason, str]] = field(init=False)
    name: str = field(default="dlib", init=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.comparable_face_ratio <= 1.0:
            raise ValueError(
                f"comparable_face_ratio must be in (0, 1], got {self.comparable_face_ratio}"
            )
        if self.cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {self.cache_size}")
        self.cache, self._cache_lock = OrderedDict(), threading.Lock()
        models = _models()
        self._dlib: Any = models.dlib
        self._lock = models.lock
        self._hog: Any = models.hog
        self._shape: Any = models.shape
        self._net: Any = models.net

    def template(self, image_bytes: bytes) -> FaceTemplate:
        """Template of the single usable face; FaceRejected / ImageRejected otherwise. The last
        ``cache_size`` outcomes are kept, computed outside the lock (two misses may both run)."""
        key = sha256_hex(image_bytes)
        with self._cache_lock:
            outcome = self.cache.get(key)
            if outcome is not None:
                self.cache.move_to_end(key)
        if outcome is None:
            try:
                outcome = self._compute(image_bytes, key)
            except FaceRejected as rejected:
                outcome = (rejected.reason, rejected.detail)
            with self._cache_lock:
                self.cache[key] = outcome
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        if isinstance(outcome, FaceTemplate):
            return outcome
        raise FaceRejected(*outcome)

    def distance(self, a: FaceTemplate, b: FaceTemplate) -> float:
        """Euclidean distance between embeddings; 0.0 for the same image bytes."""
        check_same_engine(self.name, a, b)
        if a.image_digest == b.image_digest:
            return 0.0
        return float(np.linalg.norm(np.asarray(a.vector) - np.asarray(b.vector)))

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
        left, top, right, bottom = (round(side * to_original) for side in box)
        original_box: Box = (max(0, left), max(0, top), min(width, right), min(height, bottom))
        quality = dict(face_px=float(face_px), yaw=yaw, sharpness=sharp, detector_score=face.score)
        return FaceTemplate(self.name, vector, key, original_box, MappingProxyType(quality))

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
            Detection(tuple(round(side / scale) for side in box), score) for box, score in found
        ]

    def _run_detector(self, image: NDArray[np.uint8], *, upsample: int) -> list[Detection]:
        rects, scores, _ = self._hog.run(image, upsample, 0.0)
        return [
            Detection((r.left(), r.top(), r.right(), r.bottom()), float(score))
            for r, score in zip(rects, scores, strict=True)
            if r.width() > 0 and r.height() > 0
        ]
