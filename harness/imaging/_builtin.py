"""Face images that ship inside installed packages, plus deterministic variants of them.

The demo and the tests must work on a fresh machine without the developer face set, and
must never redistribute photos of unknown licence. Two public-domain portraits are
installed with the project's own dependencies:

- ``skimage/data/astronaut.png``: NASA portrait of astronaut Eileen Collins (scikit-image).
- ``matplotlib/mpl-data/sample_data/grace_hopper.jpg``: US Navy portrait of Grace Hopper.

(scikit-image's ``camera()`` shows a man in three-quarter view whose face dlib's frontal
HOG detector does not find, and its ``lfw_subset`` faces are 25x25 px, so neither is used.)
Each portrait yields several variants (crop, rotation, brightness, mirror, resize and a
JPEG<->PNG re-encode) so that genuine pairs with real appearance change exist.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Final, NamedTuple

from PIL import Image, ImageEnhance, ImageOps

from harness.errors import ConfigError

from ._encode import encode
from ._shape import percent, picture


class BuiltinFace(NamedTuple):
    """One image: unique ``name``, ``identity`` shared by all variants of a portrait, bytes."""

    name: str
    identity: str
    data: bytes


class BuiltinImage(NamedTuple):
    """A real photograph without any human face (for ``no_face`` paths)."""

    name: str
    data: bytes


class _Source(NamedTuple):
    identity: str
    package: str
    parts: tuple[str, ...]
    crop: tuple[float, float, float, float]  # face-centred crop, fractions of width/height


_SOURCES: Final = (
    _Source("eileen_collins", "skimage", ("data", "astronaut.png"), (0.16, 0.0, 0.80, 0.64)),
    _Source(
        "grace_hopper",
        "matplotlib",
        ("mpl-data", "sample_data", "grace_hopper.jpg"),
        (0.12, 0.08, 0.92, 0.80),
    ),
)
_NON_FACES: Final = (
    ("cat_chelsea", "skimage", ("data", "chelsea.png")),
    ("coffee", "skimage", ("data", "coffee.png")),
    ("rocket", "skimage", ("data", "rocket.jpg")),
)


def package_file(package: str, *parts: str) -> Path | None:
    """Path of a data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        candidate = Path(root).joinpath(*parts)
        if candidate.is_file():
            return candidate
    return None


def _variants(original: bytes) -> list[tuple[str, bytes]]:
    base, _ = picture(original, upright=True)
    if original.startswith(b"\x89PNG"):  # JPEG first: callers use item 0 as a small, typical upload
        formats = [("jpeg", encode(base, "jpeg", quality=92)), ("orig", original)]
    else:
        formats = [("orig", original), ("png", encode(base, "png"))]
    bright = ImageEnhance.Contrast(ImageEnhance.Brightness(base).enhance(1.3)).enhance(0.9)
    small = base.resize(percent(80)(*base.size), Image.Resampling.LANCZOS)
    rotated = base.rotate(6.0, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))
    return [
        *formats,
        ("rot", encode(rotated, "jpeg", quality=90)),
        ("bright", encode(bright, "jpeg")),
        ("mirror", encode(ImageOps.mirror(base), "jpeg", quality=88)),
        ("small", encode(small, "jpeg")),
    ]


def _cropped(original: bytes, box: tuple[float, float, float, float]) -> bytes:
    base, _ = picture(original)
    w, h = base.size
    left, top, right, bottom = box
    return encode(
        base.crop((round(left * w), round(top * h), round(right * w), round(bottom * h))), "jpeg"
    )


@functools.lru_cache(maxsize=1)
def _builtin_faces() -> tuple[BuiltinFace, ...]:
    faces: list[BuiltinFace] = []
    for source in _SOURCES:
        path = package_file(source.package, *source.parts)
        if path is None:
            continue
        original = path.read_bytes()
        named = [*_variants(original), ("crop", _cropped(original, source.crop))]
        faces.extend(
            BuiltinFace(f"{source.identity}_{variant}", source.identity, data)
            for variant, data in named
        )
    if not faces:
        raise ConfigError(
            "no built-in face images found; install scikit-image or matplotlib (pip install -e .)"
        )
    return tuple(faces)


def builtin_faces() -> list[BuiltinFace]:
    """All built-in face images, grouped by identity; identical bytes on every call.

    Two identities, seven images each (the shipped file, its JPEG<->PNG re-encode,
    a 6 degree rotation, brighter/flatter, mirrored, 80 % size, face-centred crop).
    Item 0 is a JPEG of about 75 KB. An identity whose package is missing is left out.
    """
    return list(_builtin_faces())


@functools.lru_cache(maxsize=1)
def _builtin_non_faces() -> tuple[BuiltinImage, ...]:
    found: list[BuiltinImage] = []
    for name, package, parts in _NON_FACES:
        path = package_file(package, *parts)
        if path is not None:
            found.append(BuiltinImage(name, path.read_bytes()))
    return tuple(found)


def builtin_non_faces() -> list[BuiltinImage]:
    """Real photographs with no human face (a cat, a coffee cup, a rocket) from scikit-image."""
    return list(_builtin_non_faces())
