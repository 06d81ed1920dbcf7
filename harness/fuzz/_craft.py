"""Byte-level image surgery for hostile inputs: bombs, lying headers, cut and padded streams.

Every function is deterministic (same input, same bytes), so a recipe that names them can
rebuild an example exactly at replay time without storing the image.
"""

from __future__ import annotations

import struct
import zlib

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


def noise_bytes(seed: int, size: int) -> bytes:
    """Deterministic bytes with no image signature (the first byte is never 0xFF or 0x89)."""
    import random

    rng = random.Random(seed)
    body = bytes(rng.randrange(256) for _ in range(size))
    return (b"~" + body[1:]) if body else b""
