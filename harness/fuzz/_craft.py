"""Byte-level image surgery for hostile inputs: bombs, lying headers, cut and padded streams.

Every function is deterministic (same input, same bytes), so a recipe that names them can
rebuild an example exactly at replay time without storing the image.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zlib

from PIL import Image

from harness.imaging import encode

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def png_bomb(width: int, height: int) -> bytes:
    """A complete, tiny PNG whose header declares ``width`` x ``height`` RGB pixels.

    The IDAT holds one compressed row of zeros: a decoder that trusts the header and
    allocates first is the victim (a decompression bomb); a careful one refuses on the header.
    """
    if width < 1 or height < 1 or width >= 2**31 or height >= 2**31:
        raise ValueError(f"PNG dimensions must be 1..2**31-1, got {width}x{height}")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * min(width * 3 + 1, 4096), 9)
    chunks = png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    return _PNG_SIGNATURE + chunks


def with_dimensions(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG or PNG stream with its header rewritten to claim another size."""
    if not 1 <= width <= 65535 or not 1 <= height <= 65535:
        raise ValueError(f"declared dimensions must be 1..65535, got {width}x{height}")
    if data.startswith(_PNG_SIGNATURE):
        ihdr = bytearray(data[16:29])
        ihdr[0:8] = struct.pack(">II", width, height)
        return data[:8] + png_chunk(b"IHDR", bytes(ihdr)) + data[33:]
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in _JPEG_SOF:
                return data[: i + 5] + struct.pack(">HH", height, width) + data[i + 9 :]
            i += 2 + length
    raise ValueError("with_dimensions needs a JPEG with a frame header or a PNG")


def truncated(data: bytes, keep: int) -> bytes:
    """The first ``keep`` bytes (a stream cut off in transit)."""
    if not 0 <= keep < len(data):
        raise ValueError(f"keep must be 0..{len(data) - 1}, got {keep}")
    return data[:keep]


def padded(data: bytes, total: int) -> bytes:
    """Exactly ``total`` bytes showing the same picture.

    A JPEG grows by comment (COM) segments right after SOI, so it stays a complete,
    well-formed file; 1-3 leftover bytes (and any other format) become zero bytes after the
    end marker, which decoders and completeness checks tolerate.
    """
    need = total - len(data)
    if need < 0:
        raise ValueError(f"cannot pad {len(data)} bytes down to {total}")
    segments = []
    if data.startswith(b"\xff\xd8"):
        while need >= 4:
            payload = min(need - 4, 65533)
            if 0 < need - 4 - payload < 4:  # keep the remainder usable for one more segment
                payload -= 4
            segments.append(b"\xff\xfe" + (payload + 2).to_bytes(2, "big") + b"\x00" * payload)
            need -= payload + 4
        return data[:2] + b"".join(segments) + data[2:] + b"\x00" * need
    return data + b"\x00" * need


def fit(data: bytes, max_side: int) -> bytes:
    """Downscale so the longer side is at most ``max_side`` (JPEG stays JPEG, PNG stays PNG)."""
    image, fmt = _rgb(data)
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.LANCZOS,
        )
    return encode(image, fmt, quality=85)


def scaled(data: bytes, percent: int) -> bytes:
    """A mild resize (``percent`` of each side), same format: a re-encoding of the same face."""
    if not 10 <= percent <= 400:
        raise ValueError(f"percent must be 10..400, got {percent}")
    image, fmt = _rgb(data)
    size = (max(1, image.width * percent // 100), max(1, image.height * percent // 100))
    return encode(image.resize(size, Image.Resampling.LANCZOS), fmt, quality=90)


def _rgb(data: bytes) -> tuple[Image.Image, str]:
    """The decoded picture in RGB, and the format to write it back in (PNG stays PNG)."""
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB"), "png" if im.format == "PNG" else "jpeg"


def mp4_of(data: bytes, frames: int) -> bytes:
    """A short mp4 (MPEG-4 part 2) showing the image for ``frames`` frames at 5 fps."""
    import cv2
    import numpy as np

    if not 1 <= frames <= 30:
        raise ValueError(f"frames must be 1..30, got {frames}")
    with Image.open(io.BytesIO(data)) as im:
        rgb = im.convert("RGB")
    width, height = rgb.width - rgb.width % 2, rgb.height - rgb.height % 2
    bgr = np.ascontiguousarray(np.asarray(rgb.crop((0, 0, width, height)))[:, :, ::-1])
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        fourcc = cv2.VideoWriter_fourcc(*"mp4v")  # type: ignore[attr-defined]
        writer = cv2.VideoWriter(path, fourcc, 5, (width, height))
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write mp4 on this machine (mp4v codec missing)")
        for _ in range(frames):
            writer.write(bgr)
        writer.release()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def noise_bytes(seed: int, size: int) -> bytes:
    """Deterministic bytes with no image signature (the first byte is never 0xFF or 0x89)."""
    import random

    rng = random.Random(seed)
    body = bytes(rng.randrange(256) for _ in range(size))
    return (b"~" + body[1:]) if body else b""
