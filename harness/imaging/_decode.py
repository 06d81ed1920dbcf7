"""Validate (header only) and decode (full) the image bytes a client uploaded.

Both entry points raise only :class:`ImageRejected` for bad input, never a raw PIL error,
so an HTTP layer can map every failure to a documented code. ``decode_image`` runs
``inspect_image`` first: the fast path and the full path accept exactly the same inputs
except streams whose pixel data turns out to be broken.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from ._errors import ImageRejected
from ._header import read_dimensions
from ._sniff import SUPPORTED_FORMATS, looks_complete, sniff_format
from ._structure import check_structure, plain_jpeg_sizes

_PIL_NAMES: Final = {
    "jpeg": ("JPEG", "MPO"),
    "png": ("PNG",),
    "gif": ("GIF",),
    "bmp": ("BMP",),
    "webp": ("WEBP",),
    "tiff": ("TIFF",),
    "ico": ("ICO",),
}
_ALIASES: Final = {
    "jpg": "jpeg",
    "jpe": "jpeg",
    "tif": "tiff",
    "image/jpeg": "jpeg",
    "image/png": "png",
}
_HIGH_BIT_MODES: Final = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the header says: format name (as :func:`sniff_format`) and stored size in pixels.

    ``width``/``height`` are as stored, before any EXIF rotation.
    """

    format: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def inspect_image(
    data: bytes,
    *,
    max_pixels: int,
    formats: Collection[str] = SUPPORTED_FORMATS,
    with_pil: bool = True,
) -> ImageInfo:
    """Check format, size and completeness from the header alone; no pixel is decoded.

    Order of checks (first failure wins): ``not_image`` -> ``unsupported_format`` ->
    ``too_many_pixels`` -> ``truncated`` (no end marker) -> ``corrupt`` (PIL cannot parse
    the header). About 100 µs for a typical JPEG. ``with_pil=False`` reads JPEG and PNG
    headers by Pillow's rules without Pillow (``_structure``), in a few µs: for hot paths
    that decode nothing or decode later anyway (the emulator).
    """
    return ImageInfo(*_inspect(data, max_pixels, formats, with_pil))


def check_header(data: bytes, *, max_pixels: int, formats: Collection[str]) -> None:
    """``inspect_image(..., with_pil=False)`` for a caller that needs only the verdict (the
    emulator, on every image it receives): building the ImageInfo costs a sixth of the check."""
    # a complete, plainly laid out JPEG within the budget (nearly every upload) passes every check
    # of _inspect in one header walk; anything else takes _inspect's order to name its fault
    if "jpeg" in formats and data.startswith(b"\xff\xd8\xff") and data.endswith(b"\xff\xd9"):
        plain = plain_jpeg_sizes(data)
        if plain is not None:
            (w0, h0), (w1, h1) = plain
            if 1 <= w0 * h0 <= max_pixels and w1 * h1 <= max_pixels:
                return
    _inspect(data, max_pixels, formats, False)


def _inspect(
    data: bytes, max_pixels: int, formats: Collection[str], with_pil: bool
) -> tuple[str, int, int]:
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be >= 1, got {max_pixels}")
    formats = normalise_formats(formats)
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageRejected(
            "not_image", f"no known image signature in {len(data)} bytes" if data else "empty body"
        )
    if fmt not in formats:
        raise ImageRejected(
            "unsupported_format", f"{fmt} is not accepted; expected {' or '.join(sorted(formats))}"
        )
    # a plain JPEG header (nearly all) is walked once for both of its sizes
    plain = plain_jpeg_sizes(data) if not with_pil and fmt == "jpeg" else None
    if plain is not None:
        if plain[0][0] * plain[0][1] > max_pixels:  # _check_budget's test, inline on this path
            _check_budget(*plain[0], max_pixels)
    elif fmt in ("jpeg", "png"):
        _check_budget(*read_dimensions(data, fmt), max_pixels)
    if not looks_complete(data, fmt):
        raise ImageRejected("truncated", f"{fmt} stream of {len(data)} bytes has no end marker")
    if not with_pil and fmt in ("jpeg", "png"):
        width, height = (
            plain[1] if plain else check_structure(data, fmt) or read_dimensions(data, fmt)
        )
        if width * height > max_pixels:
            _check_budget(width, height, max_pixels)
        return fmt, width, height
    try:
        with Image.open(io.BytesIO(data), formats=list(_PIL_NAMES.get(fmt, ()))) as im:
            width, height = im.size
            pil_format = im.format
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels", _one_line(exc)) from None
    except Exception as exc:  # noqa: BLE001 - PIL raises many types for hostile input; all mean "cannot parse"
        raise _rejection(data, fmt, exc) from None
    if pil_format not in _PIL_NAMES.get(fmt, ()):
        raise ImageRejected("corrupt", f"signature says {fmt} but the decoder reads {pil_format}")
    _check_budget(width, height, max_pixels)
    return fmt, width, height


def decode_image(
    data: bytes,
    *,
    max_pixels: int,
    formats: Collection[str] = SUPPORTED_FORMATS,
    max_side: int | None = None,
) -> NDArray[np.uint8]:
    """Fully decode to an ``(height, width, 3)`` RGB uint8 array, EXIF orientation applied.

    Transparent pixels are composited onto white; 16-bit samples are scaled to 8 bits.
    ``max_side`` caps the longer side of the result (JPEG uses DCT-domain reduction, so a
    12 MP photo decodes several times faster); ``None`` keeps full resolution. A malformed
    EXIF block is ignored (orientation left as stored) rather than failing the image.
    """
    info = inspect_image(data, max_pixels=max_pixels, formats=formats)
    try:
        with Image.open(io.BytesIO(data), formats=list(_PIL_NAMES.get(info.format, ()))) as im:
            if max_side is not None and max(im.size) > max_side:
                scale = max_side / max(im.size)
                im.draft(None, (max(1, int(im.width * scale)), max(1, int(im.height * scale))))
            im.load()
            rgb = _to_rgb(_orient(im))
            if max_side is not None and max(rgb.size) > max_side:
                scale = max_side / max(rgb.size)
                rgb = rgb.resize(
                    (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))),
                    Image.Resampling.BILINEAR,
                    reducing_gap=2.0,
                )
            array = np.asarray(rgb, dtype=np.uint8)
    except ImageRejected:
        raise
    except MemoryError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels", _one_line(exc)) from None
    except Exception as exc:  # noqa: BLE001 - same: any decoder failure is a rejection, never a crash
        raise _rejection(data, info.format, exc) from None
    return np.ascontiguousarray(array)


def normalise_formats(formats: Collection[str]) -> frozenset[str]:
    """Lower-case format names with the usual aliases folded: jpg -> jpeg, tif -> tiff."""
    if isinstance(formats, (tuple, frozenset)):  # the callers' constants: folded once
        return _normalised(formats)
    return frozenset(_ALIASES.get(f.lower(), f.lower()) for f in formats)


@functools.lru_cache(maxsize=64)
def _normalised(formats: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    return frozenset(_ALIASES.get(f.lower(), f.lower()) for f in formats)


def _check_budget(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageRejected(
            "too_many_pixels",
            f"{width}x{height} = {width * height} pixels exceeds the limit of {max_pixels}",
        )


def _orient(im: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(im) or im
    except Exception:  # noqa: BLE001 - a broken EXIF block must not cost the user the image
        return im


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in _HIGH_BIT_MODES:
        samples = np.asarray(im, dtype=np.float64)
        if samples.max(initial=0.0) > 255.0:
            samples = samples / 257.0
        gray = np.clip(np.rint(samples), 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack([gray, gray, gray]), "RGB")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        im.mode == "P" and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")


def _rejection(data: bytes, fmt: str, exc: BaseException) -> ImageRejected:
    message = _one_line(exc)
    if "truncated" in message.lower() or not looks_complete(data, fmt):
        return ImageRejected("truncated", f"{fmt} data ends early ({message})")
    return ImageRejected(
        "corrupt", f"{fmt} data cannot be decoded ({type(exc).__name__}: {message})"
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
