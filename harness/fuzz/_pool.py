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

from . import _craft

POOL_FIT = 320  # built-in portraits are scaled to this longer side: small, still a face to dlib
_SYNTHETIC = ("synthetic:64x64:1:png", "synthetic:200x160:2:jpeg", "synthetic:320x240:3:jpeg")


@dataclass(frozen=True)
class ImagePool:
    """Face images, non-face synthetic images and short videos to build requests from."""

    faces: tuple[PoolImage, ...]
    synthetic: tuple[PoolImage, ...]
    videos: tuple[PoolImage, ...]
    faces_dir: Path | None = None

    @property
    def images(self) -> tuple[PoolImage, ...]:
        return self.faces + self.synthetic

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis prints with this
        printer.text(repr(self))

    def __repr__(self) -> str:
        return (
            f"ImagePool({len(self.faces)} faces, {len(self.synthetic)} synthetic, "
            f"{len(self.videos)} videos"
            f"{', faces_dir=' + str(self.faces_dir) if self.faces_dir else ''})"
        )


def image_pool(faces_dir: Path | None = None) -> ImagePool:
    """The default pool: built-in portraits (small JPEGs), synthetic images, ``faces_dir`` files.

    Raises InputError when ``faces_dir`` is given but holds no readable JPEG/PNG.
    """
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
    data = _source(source, faces_dir)
    for op in ops:
        data = _apply(op, data)
    return data


def _source(source: str, faces_dir: Path | None) -> bytes:
    kind, _, arg = source.partition(":")
    if kind == "builtin":
        hit = next((f.data for f in builtin_faces() if f.name == arg), None)
    elif kind == "nonface":
        hit = next((f.data for f in builtin_non_faces() if f.name == arg), None)
    elif kind == "synthetic":
        size, seed, fmt = arg.split(":")
        w, h = _size(size)
        return synthetic_image(w, h, int(seed), fmt)
    elif kind == "faces":
        if faces_dir is None:
            raise InputError(f"recipe {source!r} needs --faces DIR (the face set is never copied)")
        path = (faces_dir / arg).resolve()
        if faces_dir.resolve() not in path.parents:
            raise ValueError(f"recipe path {arg!r} leaves the faces directory")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    elif kind == "pngbomb":
        return _craft.png_bomb(*_size(arg))
    elif kind == "noise":
        seed, size = arg.split(":")
        return _craft.noise_bytes(int(seed), int(size))
    else:
        raise ValueError(f"unknown recipe source {kind!r}")
    if hit is None:
        raise ValueError(f"no built-in image named {arg!r}")
    return hit


_OPS: dict[str, Callable[[bytes, str], bytes]] = {
    "fit": lambda data, arg: resized(data, within(int(arg)), quality=85),
    "as": reencode,
    "scale": lambda data, arg: resized(data, percent(_percent(arg))),
    "cut": lambda data, arg: _craft.truncated(data, int(arg)),
    "pad": lambda data, arg: padded(data, int(arg)),
    "dims": lambda data, arg: _craft.with_dimensions(data, *_size(arg)),
    "mp4": lambda data, arg: still_video(data, int(arg)),
}


def _percent(arg: str) -> int:
    if not 10 <= int(arg) <= 400:
        raise ValueError(f"percent must be 10..400, got {arg}")
    return int(arg)


def _apply(op: str, data: bytes) -> bytes:
    name, _, arg = op.partition(":")
    if name not in _OPS:
        raise ValueError(f"unknown recipe op {name!r}")
    return _OPS[name](data, arg)


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.partition("x")
    return int(w), int(h)
