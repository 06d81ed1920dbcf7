"""Images made for requests, deterministically (a replay file names one by how it was made and
its sha256); the built-in faces: two public-domain portraits shipped in our dependencies."""

from __future__ import annotations

import base64
import functools
import importlib.util
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final, NamedTuple

from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from harness.errors import ConfigError, InputError

from ._decode import ImageRejected

WRITABLE_FORMATS: Final = {f: f.upper() for f in ("jpeg", "png", "gif", "bmp", "webp", "tiff")}


def encode(image: Image.Image, fmt: str, *, quality: int = 90) -> bytes:
    if fmt not in WRITABLE_FORMATS:
        raise ValueError(f"cannot write format {fmt!r}; expected one of {sorted(WRITABLE_FORMATS)}")
    if fmt in ("jpeg", "bmp") and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    quality_of = {"quality": quality} if fmt in ("jpeg", "webp") else {}
    buffer = io.BytesIO()
    image.save(buffer, WRITABLE_FORMATS[fmt], optimize=False, **quality_of)
    return buffer.getvalue()


def reencode(data: bytes, fmt: str, *, quality: int = 90) -> bytes:
    """``data`` (any format PIL reads) as ``fmt``, EXIF orientation baked in."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            upright = ImageOps.exif_transpose(im) or im
    except Exception as exc:  # noqa: BLE001 - any decoder failure means the input is unusable
        raise ImageRejected(
            "corrupt", f"cannot decode input to re-encode it ({type(exc).__name__})"
        ) from None
    return encode(upright, fmt, quality=quality)


_b64: Final = base64.b64encode
_BODY_FORMS: Final[dict[str, Callable[[bytes], str | list[int]]]] = {
    "b64": lambda data: _b64(data).decode("ascii"),
    "datauri": lambda data: "data:image/jpeg;base64," + _b64(data).decode("ascii"),
    "b64lines": lambda data: base64.encodebytes(data).decode("ascii").rstrip("\n"),
    "b64nopad": lambda data: _b64(data).decode("ascii").rstrip("="),
    "bytes": list,
    "sbytes": lambda data: [b - 256 if b > 127 else b for b in data],
}


def encode_image(data: bytes, encoding: str) -> str | list[int]:
    """Base64 text (well-formed or broken) or a JD byte array (``sbytes``: Java-signed)."""
    if encoding not in _BODY_FORMS:
        raise ValueError(
            f"unknown image encoding {encoding!r}; expected one of {', '.join(_BODY_FORMS)}"
        )
    return _BODY_FORMS[encoding](data)


Size = Callable[[int, int], tuple[int, int]]  # a new (width, height) from the old one

_COM_MAX = 65_533  # the payload of one JPEG comment (COM) segment


def picture(data: bytes, *, upright: bool = False) -> tuple[Image.Image, str]:
    """RGB pixels and the format a resize keeps (PNG, else JPEG); ``upright``: EXIF applied."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            fmt = "png" if im.format == "PNG" else "jpeg"
            turned = (ImageOps.exif_transpose(im) or im) if upright else im
            return turned.convert("RGB"), fmt
    except Exception as exc:  # noqa: BLE001 - any decoder failure means the input is unusable
        raise ImageRejected("corrupt", f"not a readable image ({type(exc).__name__})") from None


def times(factor: float) -> Size:
    return lambda w, h: (max(1, round(w * factor)), max(1, round(h * factor)))


def percent(pct: int) -> Size:
    return lambda w, h: (max(1, w * pct // 100), max(1, h * pct // 100))


def within(side: int) -> Size:
    return lambda w, h: (w, h) if max(w, h) <= side else times(side / max(w, h))(w, h)


def resized(
    data: bytes,
    size: Size,
    fmt: str | None = None,
    *,
    quality: int = 90,
    resample: Image.Resampling = Image.Resampling.LANCZOS,
) -> bytes:
    image, kept = picture(data)
    return encode(image.resize(size(*image.size), resample), fmt or kept, quality=quality)


def padded(data: bytes, total: int) -> bytes:
    """Exactly ``total`` bytes of the same picture: a JPEG grows by comment segments after SOI
    (well-formed; :func:`unpadded`); the rest, zero bytes after the end, which decoders tolerate."""
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


# a minimal Exif block: big-endian TIFF header, one IFD with Orientation = 1 (upright)
_EXIF = (
    b"Exif\x00\x00MM\x00*\x00\x00\x00\x08"  # Exif header, TIFF header, IFD at 8
    b"\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x01\x00\x00"  # 1 entry: Orientation 1
    b"\x00\x00\x00\x00"  # no next IFD
)


def exif_jpeg(data: bytes) -> bytes:
    """The JPEG as a camera writes it: an Exif APP1 segment right after SOI (FF D8 FF E1) where an
    encoder writes JFIF's APP0 (FF D8 FF E0), which is dropped; the picture is unchanged."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    rest = data[2:]
    if rest.startswith(b"\xff\xe0"):
        rest = rest[2 + int.from_bytes(rest[2:4], "big") :]
    return b"\xff\xd8\xff\xe1" + (len(_EXIF) + 2).to_bytes(2, "big") + _EXIF + rest


def progressive_jpeg(data: bytes) -> bytes:
    """The picture as a progressive JPEG (SOF2, FF C2: what web tools and many phones write), the
    same pixels re-encoded at quality 90."""
    image, _ = picture(data)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=90, progressive=True)
    return buffer.getvalue()


def grayscale_jpeg(data: bytes) -> bytes:
    """The picture as a grayscale JPEG (one component, as scanners and some phones write it)."""
    image, _ = picture(data)
    buffer = io.BytesIO()
    image.convert("L").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def alpha_png(data: bytes) -> bytes:
    """The picture as a PNG with an alpha channel (RGBA, fully opaque: the same pixels), as
    screenshots and editors write it."""
    image, _ = picture(data)
    buffer = io.BytesIO()
    image.convert("RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def cmyk_jpeg(data: bytes) -> bytes:
    """The picture as a CMYK JPEG (four components, as print workflows and some editors write
    it; Java's ImageIO is known to fail on it)."""
    image, _ = picture(data)
    buffer = io.BytesIO()
    image.convert("CMYK").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def palette_png(data: bytes) -> bytes:
    """The picture as an 8-bit palette PNG (colour type 3, as size optimisers write it)."""
    image, _ = picture(data)
    buffer = io.BytesIO()
    image.convert("RGB").quantize(colors=256).save(buffer, "PNG")
    return buffer.getvalue()


_ADAM7: Final = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
_ADAM7_LAST: Final = (0, 1, 1, 2)


# The interlaced PNG's longest side: filter type 0 leaves the pixels near raw (a 1600x2240 photo
# took 4.2 MB, 5.6 MB as base64), and 1024x1024x3 raw is 3.1 MB, 4.2 MB as base64, under the JD
# document's 图片大小: 小于5M (E-020) however it is counted and however noisy the picture.
_INTERLACED_SIDE: Final = 1024


def interlaced_png(data: bytes) -> bytes:
    """The picture as an interlaced PNG (Adam7, IHDR's interlace method 1, as some web tools and
    editors write it); PIL writes none, so the seven passes are written here (filter type 0).
    A picture larger than ``_INTERLACED_SIDE`` is shrunk first, so it stays under 5M."""
    import struct
    import zlib

    import numpy as np  # here: a load process makes none of these

    image, _ = picture(data)
    if max(image.size) > _INTERLACED_SIDE:
        image = image.resize(within(_INTERLACED_SIDE)(*image.size), Image.Resampling.LANCZOS)
    pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
    height, width = pixels.shape[:2]
    raw = bytearray()
    for x0, y0, dx, dy in (*_ADAM7, _ADAM7_LAST):
        sub = pixels[y0::dy, x0::dx]
        if sub.size:
            for row in sub:
                raw += b"\x00" + row.tobytes()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


# The 16-bit PNG's longest side: six bytes a pixel with filter type 0, so 512x512 is 1.5 MB raw at
# most, 2.1 MB as base64, under 图片大小: 小于5M (E-020) however it is counted.
_DEEP_SIDE: Final = 512


def deep_png(data: bytes) -> bytes:
    """The picture as a PNG of 16 bits per sample (IHDR's bit depth 16, colour type 2: RGB), as
    scanners and photo editors export it; PIL writes none in colour, so it is written here."""
    import struct
    import zlib

    import numpy as np  # here: a load process makes none of these

    image, _ = picture(data)
    if max(image.size) > _DEEP_SIDE:
        image = image.resize(within(_DEEP_SIDE)(*image.size), Image.Resampling.LANCZOS)
    pixels = np.asarray(image.convert("RGB"), dtype=np.uint16) * 257  # 0..255 to 0..65535
    rows = pixels.astype(">u2")
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", pixels.shape[1], pixels.shape[0], 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def unpadded(data: bytes) -> bytes | None:
    """The JPEG :func:`padded` grew (its leading comment segments removed); None if none."""
    if not data.startswith(b"\xff\xd8\xff\xfe"):
        return None
    at = 2
    while data[at : at + 2] == b"\xff\xfe" and at + 4 <= len(data):
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return data[:2] + data[at:] if at <= len(data) else None


def still_video(data: bytes, frames: int, *, fps: int = 5, side: int | None = None) -> bytes:
    """A short mp4 (MPEG-4 part 2) of the picture (a ``side`` thumbnail) for ``frames`` frames."""
    import cv2
    import numpy as np  # here: a load process makes none of these

    if not 1 <= frames <= 30:
        raise ValueError(f"frames must be 1..30, got {frames}")
    rgb, _ = picture(data)
    if side is not None:
        rgb.thumbnail((side, side))
    width, height = rgb.width - rgb.width % 2, rgb.height - rgb.height % 2
    bgr = np.ascontiguousarray(np.asarray(rgb.crop((0, 0, width, height)))[:, :, ::-1])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "still.mp4")
        fourcc = cv2.VideoWriter_fourcc(*"mp4v")  # type: ignore[attr-defined]
        writer = cv2.VideoWriter(path, fourcc, fps, (width, height))
        if not writer.isOpened():
            raise InputError("OpenCV cannot write mp4v video here (opencv-python-headless)")
        for _ in range(frames):
            writer.write(bgr)
        writer.release()
        return Path(path).read_bytes()


def synthetic_image(
    width: int, height: int, seed: int = 0, fmt: str = "jpeg", *, quality: int = 90
) -> bytes:
    """A picture with no face: smooth colour field, shapes, and grain that gives JPEG sizes
    close to photographs (about 80 KB at 640x480, quality 90), as load tests need."""
    import numpy as np  # here: a load process makes none of these

    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    field = Image.fromarray(coarse, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(field)
    for _ in range(int(rng.integers(3, 9))):
        x0, x1 = sorted(int(v) for v in rng.integers(0, width, size=2))
        y0, y1 = sorted(int(v) for v in rng.integers(0, height, size=2))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(1, 6)))
    pixels = np.asarray(field, dtype=np.int16)
    grain = rng.normal(0.0, 6.0, size=pixels.shape)
    noisy = np.clip(pixels + grain, 0, 255).astype(np.uint8)
    return encode(Image.fromarray(noisy, "RGB"), fmt, quality=quality)


class BuiltinFace(NamedTuple):
    name: str
    identity: str
    data: bytes


class BuiltinImage(NamedTuple):
    name: str
    data: bytes


# identity, package, file, face-centred crop (fractions of width and height); not skimage's
# camera(): a three-quarter view, which dlib's frontal detector misses
_SOURCES: Final = (
    ("eileen_collins", "skimage", ("data", "astronaut.png"), (0.16, 0.0, 0.80, 0.64)),
    (
        "grace_hopper",
        "matplotlib",
        ("mpl-data", "sample_data", "grace_hopper.jpg"),
        (0.12, 0.08, 0.92, 0.80),
    ),
)
_NON_FACES: Final = (
    ("cat_chelsea", "skimage", ("data", "chelsea.png")),
    ("coffee", "skimage", ("data", "coffee.png")),
    ("rocket", "skimage", ("data", "rocket.jpg")),
)


def package_file(package: str, *parts: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    roots = (spec.submodule_search_locations if spec is not None else None) or ()
    return next((p for root in roots if (p := Path(root).joinpath(*parts)).is_file()), None)


def _variants(original: bytes, crop: tuple[float, ...]) -> list[tuple[str, bytes]]:
    base, _ = picture(original, upright=True)
    stored, _ = picture(original)
    left, top, right, bottom = (round(f * n) for f, n in zip(crop, stored.size * 2, strict=True))
    if original.startswith(b"\x89PNG"):  # JPEG first: callers use item 0 as a small, typical upload
        formats = [("jpeg", encode(base, "jpeg", quality=92)), ("orig", original)]
    else:
        formats = [("orig", original), ("png", encode(base, "png"))]
    bright = ImageEnhance.Contrast(ImageEnhance.Brightness(base).enhance(1.3)).enhance(0.9)
    small = base.resize(percent(80)(*base.size), Image.Resampling.LANCZOS)
    rotated = base.rotate(6.0, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))
    return [
        *formats,
        ("rot", encode(rotated, "jpeg", quality=90)),
        ("bright", encode(bright, "jpeg")),
        ("mirror", encode(ImageOps.mirror(base), "jpeg", quality=88)),
        ("small", encode(small, "jpeg")),
        ("crop", encode(stored.crop((left, top, right, bottom)), "jpeg")),
    ]


@functools.lru_cache(maxsize=1)
def _builtin_faces() -> tuple[BuiltinFace, ...]:
    faces: list[BuiltinFace] = []
    for identity, package, parts, crop in _SOURCES:
        path = package_file(package, *parts)
        named = _variants(path.read_bytes(), crop) if path is not None else []
        faces += [BuiltinFace(f"{identity}_{variant}", identity, data) for variant, data in named]
    if not faces:
        raise ConfigError(
            "no built-in face images found; install scikit-image or matplotlib (pip install -e .)"
        )
    return tuple(faces)


def builtin_faces() -> list[BuiltinFace]:
    """Built-in faces, seven variants each (item 0 a ~75 KB JPEG), of the packages installed."""
    return list(_builtin_faces())


@functools.lru_cache(maxsize=1)
def _builtin_non_faces() -> tuple[BuiltinImage, ...]:
    found = ((name, package_file(package, *parts)) for name, package, parts in _NON_FACES)
    return tuple(BuiltinImage(name, path.read_bytes()) for name, path in found if path is not None)


def builtin_non_faces() -> list[BuiltinImage]:
    """Real photographs with no human face (a cat, a coffee cup, a rocket) from scikit-image."""
    return list(_builtin_non_faces())
