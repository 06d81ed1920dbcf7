"""Encoding helpers shared by the generators: one place that knows PIL's save options."""

from __future__ import annotations

import base64
import io
from typing import Final

from PIL import Image, ImageOps

from ._errors import ImageRejected

WRITABLE_FORMATS: Final = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "bmp": "BMP",
    "webp": "WEBP",
    "tiff": "TIFF",
}


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


BODY_ENCODINGS = ("b64", "datauri", "b64lines", "b64nopad", "bytes", "sbytes")


def encode_image(data: bytes, encoding: str) -> str | list[int]:
    """Image bytes as a body value: base64 text (well-formed or one of several broken forms)
    or a JD byte array (``bytes`` unsigned 0..255, ``sbytes`` Java-signed -128..127)."""
    text = base64.b64encode(data).decode("ascii")
    if encoding == "b64":
        return text
    if encoding == "datauri":
        return "data:image/jpeg;base64," + text
    if encoding == "b64lines":
        return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    if encoding == "b64nopad":
        return text.rstrip("=")
    if encoding == "bytes":
        return list(data)
    if encoding == "sbytes":
        return [b - 256 if b > 127 else b for b in data]
    raise ValueError(
        f"unknown image encoding {encoding!r}; expected one of {', '.join(BODY_ENCODINGS)}"
    )
