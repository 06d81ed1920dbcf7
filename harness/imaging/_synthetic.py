"""Deterministic non-face images for format, size and load tests."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ._encode import encode


def synthetic_image(
    width: int, height: int, seed: int = 0, fmt: str = "jpeg", *, quality: int = 90
) -> bytes:
    """A ``width`` x ``height`` picture with no face: smooth colour field, shapes and grain.

    Same arguments, same bytes. The grain gives JPEG sizes close to photographs
    (about 80 KB at 640x480, quality 90) so payload-size effects in load tests are realistic.
    """
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    field = Image.fromarray(coarse, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(field)
    for _ in range(int(rng.integers(3, 9))):
        x0, x1 = sorted(int(v) for v in rng.integers(0, width, size=2))
        y0, y1 = sorted(int(v) for v in rng.integers(0, height, size=2))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(1, 6)))
    pixels = np.asarray(field, dtype=np.int16)
    grain = rng.normal(0.0, 6.0, size=pixels.shape)
    noisy = np.clip(pixels + grain, 0, 255).astype(np.uint8)
    return encode(Image.fromarray(noisy, "RGB"), fmt, quality=quality)
