"""Image bytes in, a verdict (and pixels) out: the pixel budget is read from the header before any
decoder runs (PIL's bomb limit never fires for JPEG/PNG), then Pillow's header rules are walked
from the bytes (µs, not 80); bad input raises only :class:`ImageRejected`."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import struct
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Final, Generic, Literal, Self, TypeVar, get_args

from PIL import Image, ImageOps

from harness.signatures import sniff_format as sniff_format

if TYPE_CHECKING:  # numpy is imported where pixels are read: a load process never does
    import numpy as np
    from numpy.typing import NDArray

ImageRejectReason = Literal[
    "not_image",  # no known image signature (empty, text, random bytes)
    "unsupported_format",  # a real image, but not one of the accepted formats (gif, bmp, webp, ...)
    "too_many_pixels",  # width * height over the budget: refused before any pixel is decoded
    "truncated",  # the byte stream stops early (no JPEG EOI / PNG IEND, or data ran out)
    "corrupt",  # the signature is right but the content cannot be parsed or decoded
]
IMAGE_REJECT_REASONS: Final[tuple[ImageRejectReason, ...]] = get_args(ImageRejectReason)
R = TypeVar("R", bound=str)


class Rejected(Exception, Generic[R]):
    """Input refused for one of the fixed ``REASONS``, which an HTTP layer maps to a code."""

    WHAT: ClassVar[str]
    REASONS: ClassVar[tuple[str, ...]]

    def __init__(self, reason: R, detail: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(
                f"unknown {self.WHAT} reject reason {reason!r}; expected one of {self.REASONS}"
            )
        self.reason: R = reason
        self.detail = " ".join(detail.split())
        super().__init__(f"{reason}: {self.detail}")

    def __reduce__(self) -> tuple[type[Self], tuple[R, str]]:
        return (type(self), (self.reason, self.detail))


class ImageRejected(Rejected[ImageRejectReason], ValueError):
    WHAT, REASONS = "image", IMAGE_REJECT_REASONS


SUPPORTED_FORMATS: Final[frozenset[str]] = frozenset({"jpeg", "png"})  # the documented APIs'

_PNG_IEND: Final = b"IEND\xaeB`\x82"  # IEND chunk type + its fixed CRC
_JPEG_EOI: Final = b"\xff\xd9"
_PADDING: Final = b"\x00\xff\r\n\t "  # what some encoders and uploaders append after the end


def looks_complete(data: bytes, fmt: str) -> bool:
    """The stream ends with its end marker (JPEG EOI, PNG IEND) and padding; other trailing data
    (a "motion photo"'s video) cannot be told from a cut-off upload. Other formats: True."""
    if fmt == "jpeg":
        return data[-2:] == _JPEG_EOI or bytes(data[-4096:]).rstrip(_PADDING).endswith(_JPEG_EOI)
    if fmt == "png":
        return bytes(data[-4096:]).rstrip(_PADDING).endswith(_PNG_IEND)
    return True


# SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE: Final = frozenset(range(0xD0, 0xD8)) | {0x01, 0xD8}


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


def _checked(width: int, height: int, name: str) -> tuple[int, int]:
    if width <= 0 or height <= 0:
        raise ImageRejected("corrupt", f"{name} header declares a {width}x{height} image")
    return width, height


_JPEG_BARE: Final = frozenset({0xC8, *range(0xD0, 0xDA), *range(0xF0, 0xFE)})  # no segment read
_JPEG_LAYERS: Final = frozenset({1, 3, 4})  # L, RGB, CMYK: the modes Pillow maps
_PNG_MODES: Final = {  # (colour type, bit depths) Pillow can open
    0: {1, 2, 4, 8, 16},
    2: {8, 16},
    3: {1, 2, 4, 8},
    4: {8, 16},
    6: {8, 16},
}


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
    """``_jpeg(data, True)`` and ``_jpeg(data)`` in one walk, for a plain header (``_PLAIN``
    segments back to back); None leaves the verdict to them, which name the fault."""
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


def _jpeg(data: bytes, first: bool = False) -> tuple[int, int]:
    """Pillow's loop from SOI to SOS (junk skipped, SOF required): the last frame header's size.
    ``first``: the first one's, by a strict walk checking only lengths (before the budget)."""
    n, i = len(data), 2
    size: tuple[int, int] | None = None
    while i < n:
        if data[i] != 0xFF:
            if first:
                raise ImageRejected("corrupt", f"JPEG has no marker at offset {i}")
            i = data.find(b"\xff", i + 1)  # Pillow skips non-0xFF junk, a byte at a time
            if i < 0:
                break
            continue
        if i + 1 >= n:
            if first:
                raise ImageRejected("truncated", f"JPEG ends after {n} bytes, inside a marker")
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill: move on
            i += 1
            continue
        if marker == 0x00 and not first:  # escaped 0xFF
            i += 2
            continue
        if marker < 0xC0 and not first:  # Pillow's table names 0xC0-0xFE
            raise ImageRejected(
                "corrupt", f"JPEG has an unknown marker 0xFF{marker:02X} at offset {i}"
            )
        i += 2
        if marker in (_JPEG_STANDALONE if first else _JPEG_BARE):
            continue
        if first and (marker == 0xD9 or marker == 0xDA):
            raise ImageRejected("corrupt", "JPEG has no frame header (SOF) before its scan data")
        if i + 2 > n:
            raise ImageRejected("truncated", f"JPEG ends after {n} bytes, inside a segment length")
        length = data[i] << 8 | data[i + 1]
        if first:
            if length < 2:
                raise ImageRejected(
                    "corrupt", f"JPEG segment at offset {i} has invalid length {length}"
                )
            if marker in _JPEG_SOF:
                if i + 7 > n:
                    raise ImageRejected(
                        "truncated", f"JPEG ends after {n} bytes, inside the frame header"
                    )
                width, height = data[i + 5] << 8 | data[i + 6], data[i + 3] << 8 | data[i + 4]
                return _checked(width, height, "JPEG")
            i += length
            continue
        start = i + 2
        length = max(length - 2, 0)  # under 2, Pillow reads nothing and goes on after it
        if start + length > n:
            raise ImageRejected(
                "truncated", f"JPEG ends after {n} bytes, inside a {length}-byte segment"
            )
        i = start + length
        if marker == 0xDA:  # start of scan: the header ends
            break
        if marker in _JPEG_SOF or marker == 0xDE:  # Pillow reads DHP as a frame header too
            if length < 6 or (length - 6) % 3:  # Pillow reads every component as a 3-byte triple
                raise ImageRejected("corrupt", f"JPEG frame header of {length} bytes is malformed")
            depth, height, width, layers = _FRAME_HEAD(data, start)
            if depth != 8:
                raise ImageRejected(
                    "corrupt", f"JPEG has {depth}-bit samples; only 8-bit is decodable"
                )
            if layers not in _JPEG_LAYERS:
                raise ImageRejected(
                    "corrupt", f"JPEG has {layers} colour components; expected 1, 3 or 4"
                )
            size = width, height  # Pillow keeps the last frame header it reads
        elif marker == 0xDB:  # quantization tables: each a precision byte and 64 or 128 bytes
            q = start
            while q < i:
                q += 65 if data[q] < 16 else 129
            if q > i:
                raise ImageRejected("corrupt", "JPEG has a bad quantization table")
        elif (marker == 0xE0 and data.startswith(b"JFIF", start, i)) or (
            marker == 0xEE and data.startswith(b"Adobe", start, i)
        ):
            if length < 7:  # Pillow reads a version at offset 5
                raise ImageRejected(
                    "corrupt", f"JPEG APP{marker & 15} segment of {length} bytes is too short"
                )
    if first:
        raise ImageRejected("truncated", f"JPEG ends after {n} bytes, before its frame header")
    if size is None:
        raise ImageRejected("corrupt", "JPEG has no frame header (SOF) before its scan data")
    return _checked(*size, "JPEG")


def _png(data: bytes) -> tuple[int, int]:
    """The IHDR's size, once chunks up to the first IDAT (or IEND) have sound lengths and CRCs."""
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
        if kind in (b"IDAT", b"IEND"):  # Pillow stops here and leaves the rest to the decoder
            return _png_dimensions(data)
        end = i + 8 + length
        if end + 4 > n:
            raise ImageRejected("truncated", f"PNG ends after {n} bytes, inside its {kind!r} chunk")
        body = data[i + 8 : end]
        if zlib.crc32(kind + body) != int.from_bytes(data[end : end + 4], "big"):
            raise ImageRejected(
                "corrupt", f"PNG chunk {kind.decode('latin-1')!r} has a bad checksum"
            )
        if first and length < 13:
            raise ImageRejected("corrupt", f"PNG header chunk of {length} bytes is too short")
        if first and body[8] not in _PNG_MODES.get(body[9], ()):
            raise ImageRejected(
                "corrupt", f"PNG colour type {body[9]} with {body[8]}-bit samples is not decodable"
            )
        if first and body[11] != 0:  # Pillow ignores the compression byte, checks the filter byte
            raise ImageRejected("corrupt", f"PNG filter method {body[11]} is unknown")
        first, i = False, end + 4


_PIL_NAMES: Final = {"jpeg": ("JPEG", "MPO")} | {
    f: (f.upper(),) for f in ("png", "gif", "bmp", "webp", "tiff", "ico")
}
_ALIASES: Final = dict(jpg="jpeg", jpe="jpeg", tif="tiff") | {
    "image/jpeg": "jpeg",
    "image/png": "png",
}
_HIGH_BIT_MODES: Final = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What the header says: format (:func:`sniff_format`), size as stored (before EXIF turns)."""

    format: str
    width: int
    height: int


def inspect_image(
    data: bytes,
    *,
    max_pixels: int,
    formats: Collection[str] = SUPPORTED_FORMATS,
    with_pil: bool = True,
) -> ImageInfo:
    """Format, size and completeness from the header alone, in the order of the reasons.
    ``with_pil=False`` walks JPEG and PNG by Pillow's rules without it (µs, not 100)."""
    return ImageInfo(*_inspect(data, max_pixels, formats, with_pil))


def check_header(data: bytes, *, max_pixels: int, formats: Collection[str]) -> None:
    """``inspect_image(with_pil=False)``'s verdict; a plain in-budget JPEG in one walk."""
    jpeg = "jpeg" in formats and data.startswith(b"\xff\xd8\xff")
    if jpeg and (data.endswith(b"\xff\xd9") or looks_complete(data, "jpeg")):  # padding after EOI
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
    formats = _normalised(formats if isinstance(formats, tuple | frozenset) else tuple(formats))
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageRejected(
            "not_image", f"no known image signature in {len(data)} bytes" if data else "empty body"
        )
    if fmt not in formats:
        raise ImageRejected(
            "unsupported_format", f"{fmt} is not accepted; expected {' or '.join(sorted(formats))}"
        )
    if fmt in ("jpeg", "png"):
        _check_budget(*(_png_dimensions(data) if fmt == "png" else _jpeg(data, True)), max_pixels)
    if not looks_complete(data, fmt):
        raise ImageRejected("truncated", f"{fmt} stream of {len(data)} bytes has no end marker")
    if not with_pil and fmt in ("jpeg", "png"):
        width, height = (_jpeg if fmt == "jpeg" else _png)(data)
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
    max_side: int | None = None,
) -> NDArray[np.uint8]:
    """An upright ``(height, width, 3)`` RGB uint8 array (transparency on white); ``max_side``
    caps the longer side (JPEG reduces in the DCT domain: several times faster)."""
    import numpy as np

    info = inspect_image(data, max_pixels=max_pixels)
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
    except (ImageRejected, MemoryError):
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels", _one_line(exc)) from None
    except Exception as exc:  # noqa: BLE001 - same: any decoder failure is a rejection, never a crash
        raise _rejection(data, info.format, exc) from None
    return np.ascontiguousarray(array)


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
        import numpy as np

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
    # Pillow names the stream it read (<_io.BytesIO object at 0x7f...>): a run-to-run address
    # that would make the same image's rejection differ between runs and replays
    text = _OBJECT_REPR.sub("", str(exc))
    return " ".join(text.split()) or type(exc).__name__


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
