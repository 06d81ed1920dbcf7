from __future__ import annotations

import cv2
import numpy as np
import pytest

from harness.emulator.engines import FaceRejected
from harness.emulator.engines._dlib import Detection, sharpness, single_face, yaw_ratio


def _face(x: int, width: int, score: float = 2.0) -> Detection:
    return Detection((x, 10, x + width, 10 + width), score)


def test_single_face_picks_the_only_face() -> None:
    face = _face(0, 120)
    assert single_face([face], comparable_ratio=0.5, confident_score=0.5) is face


def test_no_detection_is_no_face() -> None:
    with pytest.raises(FaceRejected) as caught:
        single_face([], comparable_ratio=0.5, confident_score=0.5)
    assert caught.value.reason == "no_face"


def test_two_comparable_faces_are_multiple_faces() -> None:
    with pytest.raises(FaceRejected) as caught:
        single_face([_face(0, 120), _face(300, 70)], comparable_ratio=0.5, confident_score=0.5)
    assert caught.value.reason == "multiple_faces"
    assert "120, 70" in caught.value.detail


def test_small_bystander_face_is_ignored() -> None:
    main = _face(0, 200)
    assert single_face([main, _face(400, 90)], comparable_ratio=0.5, confident_score=0.5) is main


def test_weak_hits_do_not_make_multiple_faces_or_displace_the_face() -> None:
    main = _face(0, 88, score=1.3)
    texture = _face(200, 105, score=0.14)  # larger than the face but barely detected
    assert single_face([main, texture], comparable_ratio=0.5, confident_score=0.5) is main


def test_weak_hit_is_used_when_nothing_confident_exists() -> None:
    weak = _face(0, 120, score=0.2)
    weaker = _face(200, 120, score=0.1)
    assert single_face([weaker, weak], comparable_ratio=0.5, confident_score=0.5) is weak


def _landmarks(nose_x: float) -> np.ndarray:
    # two corners per eye, then the nose base; eyes 40 px apart
    return np.array([[0, 0], [10, 0], [30, 0], [40, 0], [nose_x, 30]], dtype=float)


def test_yaw_ratio_known_answers() -> None:
    assert yaw_ratio(_landmarks(20.0)) == pytest.approx(0.0)
    assert yaw_ratio(_landmarks(30.0)) == pytest.approx(10.0 / 30.0)  # eye centres are 30 px apart
    assert yaw_ratio(_landmarks(10.0)) == pytest.approx(-10.0 / 30.0)


def test_yaw_ratio_ignores_roll_and_scale() -> None:
    base = _landmarks(26.0)
    angle = np.deg2rad(25.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    turned = (base @ rotation.T) * 3.0 + 100.0
    assert yaw_ratio(turned) == pytest.approx(yaw_ratio(base))


def test_sharpness_drops_with_blur_and_ignores_contrast() -> None:
    rng = np.random.default_rng(0)
    detail = rng.integers(0, 256, size=(80, 80, 3)).astype(np.uint8)
    blurred = np.asarray(cv2.GaussianBlur(detail, (0, 0), 2.0), dtype=np.uint8)
    assert sharpness(blurred) < sharpness(detail) / 5
    low_contrast = (detail // 4 + 96).astype(np.uint8)
    assert sharpness(low_contrast) == pytest.approx(sharpness(detail), rel=0.1)
    assert sharpness(np.full((80, 80, 3), 128, dtype=np.uint8)) == 0.0
