"""Encoding helpers shared by the generators: one place that knows PIL's save options."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Final

from PIL import Image, ImageOps

from ._errors import ImageRejected

WRITABLE_FORMATS: Final = {f: f.upper() for f in ("jpeg", "png", "gif", "bmp", "webp", "tiff")}


def encode(image: Image.Image, fmt: str, *, quality: int = 90) -> bytes:
    """Serialise ``image`` as ``fmt`` deterministically (no timestamps, no random salts)."""
    if fmt not in WRITABLE_FORMATS:
        raise ValueError(f"cannot write format {fmt!r}; expected one of {sorted(WRITABLE_FORMATS)}")
    if fmt in ("jpeg", "bmp") and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    options: dict[str, object] = {}
    if fmt in ("jpeg", "webp"):
        options["quality"] = quality
    if fmt == "png":
        options["optimize"] = False
    buffer = io.BytesIO()
    image.save(buffer, WRITABLE_FORMATS[fmt], **options)
    return buffer.getvalue()


def reencode(data: bytes, fmt: str, *, quality: int = 90) -> bytes:
    """Decode ``data`` (any format PIL reads) and write it again as ``fmt``.

    EXIF orientation is baked into the pixels, so the result shows the same upright picture.
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            upright = ImageOps.exif_transpose(im) or im
    except Exception as exc:  # noqa: BLE001 - any decoder failure means the input is unusable
        raise ImageRejected(
            "corrupt", f"cannot decode input to re-encode it ({type(exc).__name__})"
        ) from None
    return encode(upright, fmt, quality=quality)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_BODY_FORMS: Final[dict[str, Callable[[bytes], str | list[int]]]] = {
    "b64": _b64,
    "datauri": lambda data: "data:image/jpeg;base64," + _b64(data),
    "b64lines": lambda data: base64.encodebytes(data).decode("ascii").rstrip("\n"),
    "b64nopad": lambda data: _b64(data).rstrip("="),
    "bytes": list,
    "sbytes": lambda data: [b - 256 if b > 127 else b for b in data],
}
BODY_ENCODINGS = tuple(_BODY_FORMS)


def encode_image(data: bytes, encoding: str) -> str | list[int]:
    """Image bytes as a body value: base64 text (well-formed or one of several broken forms)
    or a JD byte array (``bytes`` unsigned 0..255, ``sbytes`` Java-signed -128..127)."""
    if encoding not in _BODY_FORMS:
        raise ValueError(
            f"unknown image encoding {encoding!r}; expected one of {', '.join(BODY_ENCODINGS)}"
        )
    return _BODY_FORMS[encoding](data)
