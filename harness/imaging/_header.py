"""Image dimensions straight from the JPEG / PNG header, before any decoder runs.

Reading width and height ourselves lets the pixel budget be enforced before PIL sees the
data, so PIL's global decompression-bomb limit (and its process-wide warning) never fires
for these formats. Each parser walks at most a few header segments: microseconds.
"""

from __future__ import annotations

from typing import Final

from ._errors import ImageRejected

# SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE: Final = frozenset(range(0xD0, 0xD8)) | {0x01, 0xD8}


def read_dimensions(data: bytes, fmt: str) -> tuple[int, int]:
    """Return ``(width, height)`` declared by the header of a ``"jpeg"`` or ``"png"`` stream.

    Raises:
        ImageRejected: ``truncated`` if the data ends inside the header, ``corrupt`` if the
            header is malformed or declares a zero dimension.
        ValueError: ``fmt`` is not jpeg or png (a programming error).
    """
    if fmt == "png":
        return _png_dimensions(data)
    if fmt == "jpeg":
        return _jpeg_dimensions(data)
    raise ValueError(f"no header parser for format {fmt!r}; expected 'jpeg' or 'png'")


def _png_dimensions(data: bytes) -> tuple[int, int]:
    if len(data) < 24:
        raise ImageRejected(
            "truncated", f"PNG stops after {len(data)} bytes, inside the IHDR chunk"
        )
    if data[12:16] != b"IHDR":
        raise ImageRejected("corrupt", "PNG does not start with an IHDR chunk")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return _checked(width, height, "PNG")


def _jpeg_dimensions(data: bytes) -> tuple[int, int]:
    n = len(data)
    i = 2  # after SOI
    while True:
        if i >= n:
            raise ImageRejected("truncated", f"JPEG ends after {n} bytes, before its frame header")
        if data[i] != 0xFF:
            raise ImageRejected("corrupt", f"JPEG has no marker at offset {i}")
        i += 1
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            raise ImageRejected("truncated", f"JPEG ends after {n} bytes, inside a marker")
        marker = data[i]
        i += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker == 0xD9 or marker == 0xDA:
            raise ImageRejected("corrupt", "JPEG has no frame header (SOF) before its scan data")
        if i + 2 > n:
            raise ImageRejected("truncated", f"JPEG ends after {n} bytes, inside a segment length")
        length = data[i] << 8 | data[i + 1]
        if length < 2:
            raise ImageRejected(
                "corrupt", f"JPEG segment at offset {i} has invalid length {length}"
            )
        if marker in _JPEG_SOF:
            if i + 7 > n:
                raise ImageRejected(
                    "truncated", f"JPEG ends after {n} bytes, inside the frame header"
                )
            height = data[i + 3] << 8 | data[i + 4]
            width = data[i + 5] << 8 | data[i + 6]
            return _checked(width, height, "JPEG")
        i += length


def _checked(width: int, height: int, name: str) -> tuple[int, int]:
    if width <= 0 or height <= 0:
        raise ImageRejected("corrupt", f"{name} header declares a {width}x{height} image")
    return width, height
