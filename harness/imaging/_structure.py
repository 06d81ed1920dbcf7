"""PIL's header rules for JPEG and PNG, read straight from the bytes.

``Image.open`` costs about 80 µs for a JPEG because it builds Python objects for every
segment; walking the same segments here costs a few microseconds. The rules are the ones
Pillow's header parsers apply (``JpegImagePlugin._open``, ``SOF``, ``DQT``, the JFIF and
Adobe ``APP`` fields it reads; ``PngImagePlugin``'s chunk CRCs and ``IHDR``). It is never
stricter than Pillow; it can be more lenient where Pillow reads the *content* of an optional
segment (a PNG's ancillary chunks, an ICC profile's sequence header), which it checks only for
length or CRC. Neither looks at pixel data: a full decode is the only proof an image is usable.
"""

from __future__ import annotations

import struct
import zlib
from typing import Final

from ._errors import ImageRejected

_JPEG_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_BARE: Final = frozenset({0xC8, *range(0xD0, 0xDA), *range(0xF0, 0xFE)})  # no segment read
_JPEG_LAYERS: Final = frozenset({1, 3, 4})  # L, RGB, CMYK: the modes Pillow maps
_PNG_MODES: Final = {  # (colour type, bit depths) Pillow can open
    0: {1, 2, 4, 8, 16},
    2: {8, 16},
    3: {1, 2, 4, 8},
    4: {8, 16},
    6: {8, 16},
}


def check_structure(data: bytes, fmt: str) -> tuple[int, int] | None:
    """Raise ImageRejected (``corrupt`` or ``truncated``) where Pillow's header parse would fail.

    Returns the JPEG size Pillow would report (the *last* frame header's; a stream may carry
    several), None for PNG (its size is the IHDR's, see ``read_dimensions``).

    Raises:
        ValueError: ``fmt`` is not jpeg or png (a programming error).
    """
    if fmt == "jpeg":
        return _jpeg(data)
    if fmt == "png":
        _png(data)
        return None
    raise ValueError(f"no structure reader for format {fmt!r}; expected 'jpeg' or 'png'")


# Segments a plain header may hold: frame headers, DHT, DAC, SOS, DQT, DNL, DRI, EXP, APPn, COM
# (never fill bytes, junk, bare markers, DHP: the two header readers treat those differently)
_PLAIN: Final = _JPEG_SOF | {0xC4, 0xCC, *range(0xDA, 0xDE), 0xDF, *range(0xE0, 0xF0), 0xFE}
_PLAIN_SKIP: Final = _PLAIN - _JPEG_SOF - {0xDA, 0xDB, 0xE0, 0xEE}  # nothing in them is read
_SKIP, _SCAN, _TABLES, _FRAME, _JFIF, _ADOBE = range(6)
# what the walk does with a plain segment, by its first two bytes (0xFF, marker); -1: not plain
_KIND: Final = (
    {0xFF00 | m: _SKIP for m in _PLAIN_SKIP}
    | {0xFF00 | m: _FRAME for m in _JPEG_SOF}
    | {0xFFDA: _SCAN, 0xFFDB: _TABLES, 0xFFE0: _JFIF, 0xFFEE: _ADOBE}
).get
_SEGMENT_HEAD: Final = struct.Struct(">HH").unpack_from  # 0xFF and marker, length
_FRAME_HEAD: Final = struct.Struct(">BHHB").unpack_from  # precision, height, width, components


def plain_jpeg_sizes(data: bytes) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The first and last frame sizes of a plainly laid out JPEG header, or None.

    Plain: segments back to back from SOI to SOS, each a marker of ``_PLAIN`` with a length of
    at least 2 inside the data, every check of ``_jpeg`` passing and no zero size. On such a
    stream ``read_dimensions`` reads the first frame header and ``_jpeg`` walks the same segments
    to the last one, so one walk answers both (the emulator reads every image it receives this
    way). None (a damaged or unusual header) leaves the verdict to those two, which name the
    fault.
    """
    n, i = len(data), 2
    first: tuple[int, int] | None = None
    last = first
    while i + 4 <= n:
        word, length = _SEGMENT_HEAD(data, i)
        kind = _KIND(word, -1)
        i += 2 + length
        if not kind and length >= 2:  # _SKIP; past the data, the loop ends: None
            continue
        if kind < 0 or length < 2 or i > n:
            return None
        start = i + 2 - length
        if kind == _TABLES:
            q = start
            while q < i:
                q += 65 if data[q] < 16 else 129
            if q > i:
                return None
        elif kind == _FRAME:
            if length < 8 or (length - 8) % 3:
                return None
            depth, height, width, layers = _FRAME_HEAD(data, start)
            if depth != 8 or layers not in _JPEG_LAYERS or not width or not height:
                return None
            last = (width, height)
            if first is None:
                first = last
        elif kind == _SCAN:
            return None if first is None or last is None else (first, last)
        elif length < 9 and data.startswith(b"JFIF" if kind == _JFIF else b"Adobe", start, i):
            return None
    return None


def _jpeg(data: bytes) -> tuple[int, int]:
    """Pillow's loop: markers from SOI to SOS, junk between them skipped, SOF required.

    Walked by offsets (no segment copies, no helper calls but for the frame header): it runs
    for every image the emulator receives.
    """
    n, i = len(data), 2
    size: tuple[int, int] | None = None
    while i < n:
        if data[i] != 0xFF:
            i = data.find(b"\xff", i + 1)  # Pillow skips non-0xFF junk, a byte at a time
            if i < 0:
                break
            continue
        if i + 1 >= n:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill: move on
            i += 1
            continue
        if marker == 0x00:  # escaped 0xFF
            i += 2
            continue
        if marker < 0xC0:  # Pillow's table names 0xC0-0xFE
            raise ImageRejected(
                "corrupt", f"JPEG has an unknown marker 0xFF{marker:02X} at offset {i}"
            )
        i += 2
        if marker in _JPEG_BARE:
            continue
        if i + 2 > n:
            raise ImageRejected("truncated", f"JPEG ends after {n} bytes, inside a segment length")
        start = i + 2
        length = (data[i] << 8 | data[i + 1]) - 2
        if length < 0:  # Pillow reads nothing and goes on after the length field
            length = 0
        elif start + length > n:
            raise ImageRejected(
                "truncated", f"JPEG ends after {n} bytes, inside a {length}-byte segment"
            )
        i = start + length
        if marker == 0xDA:  # start of scan: the header ends
            break
        if marker in _JPEG_SOF or marker == 0xDE:  # Pillow reads DHP as a frame header too
            size = _sof(data[start:i])
        elif marker == 0xDB:
            _dqt(data, start, i)
        elif (marker == 0xE0 and data.startswith(b"JFIF", start, i)) or (
            marker == 0xEE and data.startswith(b"Adobe", start, i)
        ):
            if length < 7:  # Pillow reads a version at offset 5
                raise ImageRejected(
                    "corrupt", f"JPEG APP{marker & 15} segment of {length} bytes is too short"
                )
    if size is None:
        raise ImageRejected("corrupt", "JPEG has no frame header (SOF) before its scan data")
    width, height = size
    if not width or not height:
        raise ImageRejected("corrupt", f"JPEG header declares a {width}x{height} image")
    return size


def _sof(s: bytes) -> tuple[int, int]:
    """(width, height) of one frame header; Pillow keeps the last one it reads."""
    if len(s) < 6 or (len(s) - 6) % 3:  # Pillow reads every component as a 3-byte triple
        raise ImageRejected("corrupt", f"JPEG frame header of {len(s)} bytes is malformed")
    if s[0] != 8:
        raise ImageRejected("corrupt", f"JPEG has {s[0]}-bit samples; only 8-bit is decodable")
    if s[5] not in _JPEG_LAYERS:
        raise ImageRejected("corrupt", f"JPEG has {s[5]} colour components; expected 1, 3 or 4")
    return s[3] << 8 | s[4], s[1] << 8 | s[2]


def _dqt(data: bytes, i: int, end: int) -> None:
    """The quantization tables in ``data[i:end]``: each a precision byte and 64 or 128 bytes."""
    while i < end:
        i += 65 if data[i] < 16 else 129
        if i > end:
            raise ImageRejected("corrupt", "JPEG has a bad quantization table")


def _png(data: bytes) -> None:
    """Chunks from IHDR to the first IDAT (or IEND): lengths in bounds, CRCs right, IHDR usable."""
    n, i, first = len(data), 8, True
    while True:
        if i + 8 > n:
            raise ImageRejected("truncated", f"PNG ends after {n} bytes, before its image data")
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        if first and kind != b"IHDR":
            raise ImageRejected("corrupt", "PNG does not start with an IHDR chunk")
        if not all(c < 128 and (chr(c).isalnum() or c == 0x5F) for c in kind):
            raise ImageRejected("corrupt", f"PNG has a malformed chunk type at offset {i + 4}")
        if kind in (b"IDAT", b"IEND"):
            return  # Pillow stops here and leaves the rest to the decoder
        end = i + 8 + length
        if end + 4 > n:
            raise ImageRejected("truncated", f"PNG ends after {n} bytes, inside its {kind!r} chunk")
        body = data[i + 8 : end]
        if zlib.crc32(kind + body) != int.from_bytes(data[end : end + 4], "big"):
            raise ImageRejected(
                "corrupt", f"PNG chunk {kind.decode('latin-1')!r} has a bad checksum"
            )
        if first:
            _ihdr(body)
        first, i = False, end + 4


def _ihdr(s: bytes) -> None:
    if len(s) < 13:
        raise ImageRejected("corrupt", f"PNG header chunk of {len(s)} bytes is too short")
    depth, colour = s[8], s[9]
    if depth not in _PNG_MODES.get(colour, ()):
        raise ImageRejected(
            "corrupt", f"PNG colour type {colour} with {depth}-bit samples is not decodable"
        )
    if s[11] != 0:  # Pillow ignores the compression byte and checks the filter byte
        raise ImageRejected("corrupt", f"PNG filter method {s[11]} is unknown")
