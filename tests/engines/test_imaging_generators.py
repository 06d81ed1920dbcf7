from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from harness.imaging import (
    builtin_faces,
    builtin_non_faces,
    decode_image,
    inspect_image,
    reencode,
    sha256_hex,
    sniff_format,
    synthetic_image,
)

BUDGET = 10_000_000


def test_builtin_faces_are_deterministic_and_valid() -> None:
    faces = builtin_faces()
    again = builtin_faces()
    assert [f.name for f in faces] == [f.name for f in again]
    assert [sha256_hex(f.data) for f in faces] == [sha256_hex(f.data) for f in again]
    assert len({f.name for f in faces}) == len(faces)
    assert len({sha256_hex(f.data) for f in faces}) == len(faces), (
        "every variant has distinct bytes"
    )
    per_identity = Counter(f.identity for f in faces)
    assert len(per_identity) >= 2 and min(per_identity.values()) >= 2, per_identity
    for face in faces:
        assert inspect_image(face.data, max_pixels=BUDGET).format in ("jpeg", "png")
    assert {sniff_format(f.data) for f in faces} == {"jpeg", "png"}
    assert sniff_format(faces[0].data) == "jpeg"


def test_builtin_faces_list_is_a_copy() -> None:
    faces = builtin_faces()
    faces.clear()
    assert builtin_faces()


def test_builtin_non_faces_are_real_photos() -> None:
    images = builtin_non_faces()
    assert images
    for image in images:
        assert decode_image(image.data, max_pixels=BUDGET).shape[2] == 3


def test_synthetic_image_is_deterministic_per_seed() -> None:
    a = synthetic_image(640, 480, seed=1)
    assert a == synthetic_image(640, 480, seed=1)
    assert a != synthetic_image(640, 480, seed=2)
    assert inspect_image(a, max_pixels=BUDGET).width == 640
    assert 30_000 < len(a) < 200_000, "grain keeps JPEG sizes photo-like"
    with pytest.raises(ValueError):
        synthetic_image(0, 10)


def test_reencode_switches_format_and_keeps_the_picture() -> None:
    jpeg = synthetic_image(120, 80, seed=3, fmt="jpeg")
    png = reencode(jpeg, "png")
    assert sniff_format(png) == "png"
    a = decode_image(jpeg, max_pixels=BUDGET).astype(int)
    b = decode_image(png, max_pixels=BUDGET).astype(int)
    assert np.array_equal(a, b), "PNG is lossless: same pixels as the decoded JPEG"
    back = decode_image(reencode(png, "jpeg", quality=95), max_pixels=BUDGET).astype(int)
    assert np.abs(back - b).mean() < 4.0
    with pytest.raises(ValueError, match="cannot write format"):
        reencode(jpeg, "heic")
