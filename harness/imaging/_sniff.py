"""Format detection from magic bytes, and a cheap "is the stream complete" check.

Both work on the raw bytes without PIL so the fast path (emulator + FastEngine) stays in
the microseconds.
"""

from __future__ import annotations

from typing import Final

SUPPORTED_FORMATS: Final[frozenset[str]] = frozenset({"jpeg", "png"})
"""The formats the documented APIs accept; everything else is ``unsupported_format``."""

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_PNG_IEND: Final = b"IEND\xaeB`\x82"  # IEND chunk type + its fixed CRC
_JPEG_EOI: Final = b"\xff\xd9"
_PADDING: Final = (
    b"\x00\xff\r\n\t "  # bytes some encoders and uploaders append after the end marker
)
_BMP_DIB_SIZES: Final = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
_HEIF_BRANDS: Final = {
    b"heic": "heic",
    b"heix": "heic",
    b"mif1": "heic",
    b"avif": "avif",
    b"avis": "avif",
}


def sniff_format(data: bytes) -> str | None:
    """Name the image format from its signature, or None if no known image starts ``data``.

    Returns ``"jpeg"`` and ``"png"`` (accepted) and also ``"gif"``, ``"bmp"``, ``"webp"``,
    ``"tiff"``, ``"heic"``, ``"avif"``, ``"ico"`` so callers can say *unsupported* rather than
    *not an image*.
    """
    head = bytes(data[:32])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(_PNG_SIGNATURE):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if (
        head[:2] == b"BM"
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES
    ):
        return "bmp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return _HEIF_BRANDS[head[8:12]]
    if head[:4] == b"\x00\x00\x01\x00" and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "ico"
    return None


def looks_complete(data: bytes, fmt: str) -> bool:
    """True if the stream ends with the format's end marker (JPEG EOI, PNG IEND).

    Trailing padding (NUL, 0xFF, whitespace) is tolerated; any other trailing data (for
    example a video appended to a "motion photo") reads as incomplete, which is deliberate:
    the fast path cannot tell such data from a cut-off upload. Formats without a checked
    end marker return True.
    """
    if fmt == "jpeg":
        return data[-2:] == _JPEG_EOI or bytes(data[-4096:]).rstrip(_PADDING).endswith(_JPEG_EOI)
    if fmt == "png":
        return bytes(data[-4096:]).rstrip(_PADDING).endswith(_PNG_IEND)
    return True
