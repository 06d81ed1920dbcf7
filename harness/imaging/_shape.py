"""How every suite shapes the face pool's images: resized and re-encoded, padded, filmed.

Deterministic (same input and arguments, same bytes): replay files name an image by how it
was made and its sha256, and a replay makes it again. Each suite states its own sizes,
qualities and formats; the ways of applying them live here once.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable

from PIL import Image, ImageOps

from harness.errors import InputError

from ._encode import encode
from ._errors import ImageRejected

Size = Callable[[int, int], tuple[int, int]]
"""A new (width, height) from the old one."""

_COM_MAX = 65_533  # the payload of one JPEG comment (COM) segment


def picture(data: bytes, *, upright: bool = False) -> tuple[Image.Image, str]:
    """The RGB pixels of ``data`` and the format a resize keeps (PNG stays PNG, else JPEG);
    ``upright`` bakes EXIF orientation into the pixels."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            fmt = "png" if im.format == "PNG" else "jpeg"
            turned = (ImageOps.exif_transpose(im) or im) if upright else im
            return turned.convert("RGB"), fmt
    except Exception as exc:  # noqa: BLE001 - any decoder failure means the input is unusable
        raise ImageRejected("corrupt", f"not a readable image ({type(exc).__name__})") from None


def times(factor: float) -> Size:
    """Each side times ``factor``, rounded (at least 1 pixel)."""
    return lambda w, h: (max(1, round(w * factor)), max(1, round(h * factor)))


def percent(pct: int) -> Size:
    """Each side at ``pct`` percent, rounded down (at least 1 pixel)."""
    return lambda w, h: (max(1, w * pct // 100), max(1, h * pct // 100))


def within(side: int) -> Size:
    """The longer side at most ``side`` (a smaller picture keeps its size)."""
    return lambda w, h: (w, h) if max(w, h) <= side else times(side / max(w, h))(w, h)


def resized(
    data: bytes,
    size: Size,
    fmt: str | None = None,
    *,
    quality: int = 90,
    resample: Image.Resampling = Image.Resampling.LANCZOS,
) -> bytes:
    """``data`` resized by ``size`` and written as ``fmt`` (``None``: the format it keeps)."""
    image, kept = picture(data)
    return encode(image.resize(size(*image.size), resample), fmt or kept, quality=quality)


def padded(data: bytes, total: int) -> bytes:
    """Exactly ``total`` bytes showing the same picture.

    A JPEG grows by comment (COM) segments right after SOI, so it stays a complete,
    well-formed file (:func:`unpadded` takes them out again); 1-3 leftover bytes (and any
    other format) become zero bytes after the end, which decoders tolerate.
    """
    need = total - len(data)
    if need < 0:
        raise ValueError(f"cannot pad {len(data)} bytes down to {total}")
    segments = []
    if data.startswith(b"\xff\xd8"):
        while need >= 4:
            payload = min(need - 4, _COM_MAX)
            if 0 < need - 4 - payload < 4:  # keep the remainder usable for one more segment
                payload -= 4
            segments.append(b"\xff\xfe" + (payload + 2).to_bytes(2, "big") + b"\x00" * payload)
            need -= payload + 4
        return data[:2] + b"".join(segments) + data[2:] + b"\x00" * need
    return data + b"\x00" * need


def unpadded(data: bytes) -> bytes | None:
    """The JPEG :func:`padded` grew (its leading comment segments removed); None if none."""
    if not data.startswith(b"\xff\xd8\xff\xfe"):
        return None
    at = 2
    while data[at : at + 2] == b"\xff\xfe" and at + 4 <= len(data):
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return data[:2] + data[at:] if at <= len(data) else None


def still_video(data: bytes, frames: int, *, fps: int = 5, side: int | None = None) -> bytes:
    """A short mp4 (MPEG-4 part 2) showing the picture for ``frames`` frames; ``side`` makes
    it a thumbnail first."""
    import cv2
    import numpy as np

    if not 1 <= frames <= 30:
        raise ValueError(f"frames must be 1..30, got {frames}")
    rgb, _ = picture(data)
    if side is not None:
        rgb.thumbnail((side, side))
    width, height = rgb.width - rgb.width % 2, rgb.height - rgb.height % 2
    bgr = np.ascontiguousarray(np.asarray(rgb.crop((0, 0, width, height)))[:, :, ::-1])
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        fourcc = cv2.VideoWriter_fourcc(*"mp4v")  # type: ignore[attr-defined]
        writer = cv2.VideoWriter(path, fourcc, fps, (width, height))
        if not writer.isOpened():
            raise InputError("OpenCV cannot write mp4v video here (opencv-python-headless)")
        for _ in range(frames):
            writer.write(bgr)
        writer.release()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
