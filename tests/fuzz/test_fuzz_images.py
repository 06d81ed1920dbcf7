"""Hostile images are what they claim to be, and recipes rebuild every image byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.errors import InputError
from harness.fuzz import image_pool, render
from harness.fuzz._pool import png_bomb, with_dimensions
from harness.imaging import ImageRejected, inspect_image, padded, synthetic_image

BUDGET = 40_000_000


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> object:
    """The size a header declares, read by PIL with its bomb guard off (nothing is decoded)."""
    import io

    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)

    def size(data: bytes) -> tuple[int, int]:
        with Image.open(io.BytesIO(data)) as im:
            return im.size

    return size


def _reason(data: bytes) -> str | None:
    try:
        inspect_image(data, max_pixels=BUDGET)
    except ImageRejected as exc:
        return exc.reason
    return None


def test_png_bomb_is_tiny_and_declares_a_huge_size(declared: Any) -> None:
    bomb = png_bomb(100_000, 90_000)
    assert len(bomb) < 200
    assert declared(bomb) == (100_000, 90_000)
    assert _reason(bomb) == "too_many_pixels"
    with pytest.raises(ValueError, match="1..2"):
        png_bomb(0, 10)


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_with_dimensions_rewrites_only_the_header(fmt: str, declared: Any) -> None:
    original = synthetic_image(40, 30, 1, fmt)
    lying = with_dimensions(original, 65_000, 64_000)
    assert len(lying) == len(original)
    assert declared(lying) == (65_000, 64_000)
    assert _reason(lying) == "too_many_pixels"


@pytest.mark.parametrize("extra", [0, 1, 3, 4, 5, 7, 65_537, 65_540, 300_000])
def test_padding_hits_the_exact_size_and_keeps_the_image_valid(extra: int) -> None:
    image = image_pool().faces[0].data
    grown = padded(image, len(image) + extra)
    assert len(grown) == len(image) + extra
    assert _reason(grown) is None, "a padded JPEG is still complete and decodable"


def test_recipes_are_deterministic_and_checked() -> None:
    recipe = "synthetic:64x48:7:png|as:jpeg|scale:90|cut:300"
    assert render(recipe) == render(recipe) and len(render(recipe)) == 300
    for bad in ("nosuch:1", "synthetic:8x8:1:png|frobnicate:2", "builtin:nobody"):
        with pytest.raises(ValueError):
            render(bad)
    with pytest.raises(InputError, match="needs --faces"):
        render("faces:a.jpg")


def test_faces_dir_is_read_never_copied(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "1.jpg").write_bytes(synthetic_image(300, 200, 3, "jpeg"))
    (tmp_path / "notes.txt").write_text("not an image")
    pool = image_pool(tmp_path)
    mine = [f for f in pool.faces if f.name.startswith("faces:")]
    assert [f.name for f in mine] == ["faces:alice/1.jpg|fit:640"] and mine[0].identity == "alice"
    assert render(mine[0].name, tmp_path) == mine[0].data
    with pytest.raises(ValueError, match="leaves the faces directory"):
        render("faces:../etc/passwd", tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no readable"):
        image_pool(empty)
