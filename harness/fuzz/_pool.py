"""The images fuzzing draws from, each named by a recipe that rebuilds it byte for byte
(:class:`harness.faces.PoolImage` ``name``).

A recipe is ``source|op|op...``: sources are ``builtin:NAME`` (package-shipped portraits),
``nonface:NAME``, ``synthetic:WxH:SEED:FMT``, ``faces:RELPATH`` (a file of the ``--faces DIR``
pool, :mod:`harness.faces`), ``pngbomb:WxH`` and ``noise:SEED:SIZE``; ops are ``fit:N``,
``as:FMT``, ``scale:PCT``, ``cut:N``, ``pad:N``, ``dims:WxH`` and ``mp4:FRAMES``. Replay
files store recipes and sha256 digests, never image bytes (face images stay out of every
output).
"""

from __future__ import annotations

import functools
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.faces import PoolImage, pool_faces
from harness.imaging import (
    builtin_faces,
    builtin_non_faces,
    padded,
    percent,
    reencode,
    resized,
    still_video,
    synthetic_image,
    within,
)
from harness.redact import Pretty

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def png_bomb(width: int, height: int) -> bytes:
    """A complete, tiny PNG declaring ``width`` x ``height`` pixels: a decoder that trusts the
    header and allocates first is the victim; a careful one refuses on the header."""
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


POOL_FIT = 320  # built-in portraits are scaled to this longer side: small, still a face to dlib
_SYNTHETIC = ("synthetic:64x64:1:png", "synthetic:200x160:2:jpeg", "synthetic:320x240:3:jpeg")


def shows_a_face(recipe: str) -> bool:
    """Whether a pool image (by recipe) is a face: the synthetic pictures are not, so a service
    need not find them alike (self-match, the run's and a replay's)."""
    return not recipe.startswith("synthetic:")


@dataclass(frozen=True)
class ImagePool(Pretty):
    """Face images, non-face synthetic images and short videos to build requests from."""

    faces: tuple[PoolImage, ...]
    synthetic: tuple[PoolImage, ...]
    videos: tuple[PoolImage, ...]
    faces_dir: Path | None = None

    @property
    def images(self) -> tuple[PoolImage, ...]:
        return self.faces + self.synthetic

    def __repr__(self) -> str:
        return (
            f"ImagePool({len(self.faces)} faces, {len(self.synthetic)} synthetic, "
            f"{len(self.videos)} videos"
            f"{', faces_dir=' + str(self.faces_dir) if self.faces_dir else ''})"
        )


def image_pool(faces_dir: Path | None = None) -> ImagePool:
    """Built-in portraits, synthetic images and the ``faces_dir`` files (InputError when it holds
    no readable JPEG/PNG)."""
    return _pool(Path(faces_dir).resolve() if faces_dir else None)


@functools.lru_cache(maxsize=4)
def _pool(root: Path | None) -> ImagePool:
    faces = []
    for face in pool_faces(root):
        if face.builtin and face.format != "jpeg":
            continue
        recipe = (
            f"builtin:{face.name}|fit:{POOL_FIT}" if face.builtin else f"faces:{face.name}|fit:640"
        )
        try:
            faces.append(PoolImage(recipe, render(recipe, root), face.identity))
        except (OSError, ValueError):
            continue  # not a picture PIL can scale: not a face to build requests from
    if root is not None and not any(f.name.startswith("faces:") for f in faces):
        raise InputError(f"--faces {root}: no readable .jpg/.jpeg/.png file")
    synthetic = [PoolImage(r, render(r)) for r in _SYNTHETIC]
    video_sources = [faces[0], faces[len(faces) // 2]] if faces else synthetic[:1]
    videos = [
        PoolImage(f"{v.name}|mp4:3", render(f"{v.name}|mp4:3", root), v.identity)
        for v in video_sources
    ]
    return ImagePool(tuple(faces), tuple(synthetic), tuple(videos), root)


@functools.lru_cache(maxsize=96)
def render(recipe: str, faces_dir: Path | None = None) -> bytes:
    """The bytes a recipe names; ValueError for a malformed recipe, InputError for a missing
    file."""
    source, *ops = recipe.split("|")
    kind, _, arg = source.partition(":")
    data: bytes = _step(_SOURCES, kind, "source")(arg, faces_dir)
    for op in ops:
        name, _, arg = op.partition(":")
        data = _step(_OPS, name, "op")(data, arg)
    return data


def _step(table: dict[str, Any], name: str, what: str) -> Any:
    if name not in table:
        raise ValueError(f"unknown recipe {what} {name!r}")
    return table[name]


def _builtin(images: list[Any], name: str) -> bytes:
    hit = next((f.data for f in images if f.name == name), None)
    if hit is None:
        raise ValueError(f"no built-in image named {name!r}")
    return bytes(hit)


def _from_faces(arg: str, faces_dir: Path | None) -> bytes:
    if faces_dir is None:
        source = f"faces:{arg}"
        raise InputError(f"recipe {source!r} needs --faces DIR (the face set is never copied)")
    path = (faces_dir / arg).resolve()
    if faces_dir.resolve() not in path.parents:
        raise ValueError(f"recipe path {arg!r} leaves the faces directory")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _synthetic(arg: str) -> bytes:
    size, seed, fmt = arg.split(":")
    return synthetic_image(*_size(size), int(seed), fmt)


def _noise(arg: str) -> bytes:
    """Deterministic bytes with no image signature (the first byte is never 0xFF or 0x89)."""
    seed, size = arg.split(":")
    rng = random.Random(int(seed))
    body = bytes(rng.randrange(256) for _ in range(int(size)))
    return (b"~" + body[1:]) if body else b""


_SOURCES: dict[str, Callable[[str, Path | None], bytes]] = {
    "builtin": lambda arg, _: _builtin(builtin_faces(), arg),
    "nonface": lambda arg, _: _builtin(builtin_non_faces(), arg),
    "synthetic": lambda arg, _: _synthetic(arg),
    "faces": _from_faces,
    "pngbomb": lambda arg, _: png_bomb(*_size(arg)),
    "noise": lambda arg, _: _noise(arg),
}


def _cut(data: bytes, keep: int) -> bytes:
    """The first ``keep`` bytes (a stream cut off in transit)."""
    if not 0 <= keep < len(data):
        raise ValueError(f"keep must be 0..{len(data) - 1}, got {keep}")
    return data[:keep]


_OPS: dict[str, Callable[[bytes, str], bytes]] = {
    "fit": lambda data, arg: resized(data, within(int(arg)), quality=85),
    "as": reencode,
    "scale": lambda data, arg: resized(data, percent(_percent(arg))),
    "cut": lambda data, arg: _cut(data, int(arg)),
    "pad": lambda data, arg: padded(data, int(arg)),
    "dims": lambda data, arg: with_dimensions(data, *_size(arg)),
    "mp4": lambda data, arg: still_video(data, int(arg)),
}


def _percent(arg: str) -> int:
    if not 10 <= int(arg) <= 400:
        raise ValueError(f"percent must be 10..400, got {arg}")
    return int(arg)


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.partition("x")
    return int(w), int(h)
