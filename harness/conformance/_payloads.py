"""Real images and videos for generated requests (random base64 dies at image decoding), picked by
a key so a seed sends the same images; replay files name them by pool name and sha256.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from harness.contract import Contract
from harness.errors import InputError
from harness.faces import PoolImage, limits_for, pool_faces
from harness.findings import (
    holds_image,
    image_like,
    image_ref,
    image_refs,
    resolve_images,
    unreplayable,
)
from harness.imaging import (
    ImageRejected,
    alpha_png,
    cmyk_jpeg,
    deep_png,
    encode,
    encode_image,
    exif_jpeg,
    grayscale_jpeg,
    interlaced_png,
    padded,
    palette_png,
    picture,
    progressive_jpeg,
    resized,
    still_video,
    synthetic_image,
    unpadded,
    within,
)

_SMALL_BYTES = 100_000

# The one table of images the probes derive from the pool's media: a replay file names one by its
# media, its recipe and its sha256, and a replay derives it again.
RECIPES: Final[dict[str, Callable[[bytes], bytes]]] = {
    "exif": exif_jpeg,  # a camera's JPEG: Exif APP1, no JFIF
    "progressive": progressive_jpeg,
    "gray": grayscale_jpeg,
    "rgba": alpha_png,
    "cmyk": cmyk_jpeg,
    "palette": palette_png,
    "interlaced": interlaced_png,  # Adam7 (FH-L33, session 24)
    "png16": deep_png,  # 16 bits per sample (FH-L33, session 25)
    "png256": lambda data: resized(data, within(256), "png"),
    "gif": lambda data: resized(data, within(256), "gif"),  # no jpg/jpeg/png (FH-J21)
    "bmp": lambda data: resized(data, within(256), "bmp"),  # nor a BMP (FH-J21, session 26)
}
_SHRINK_OVER = 280_000  # a --faces image over this many bytes is sent as a JPEG of <= 1024 px
# Each recipe is a pure function of the bytes, and some take a second of CPU (palette: 1.6 s, gif:
# 0.7 s): a process makes each (image, recipe) once, however many runs (pools) ask for it.
_MADE: dict[tuple[bytes, str], bytes] = {}
_MADE_CAP = 64


_MADE_LOCK = threading.Lock()


def _made(data: bytes, recipe: str) -> bytes:
    key = (data, recipe)
    made = _MADE.get(key)
    if made is None:
        made = RECIPES[recipe](data)
        with _MADE_LOCK:  # runs in threads (a gate's suites) may fill it at once
            while len(_MADE) >= _MADE_CAP:
                del _MADE[next(iter(_MADE))]
            _MADE[key] = made
    return made


@functools.lru_cache(maxsize=8)
def _synthetic(width: int, height: int, seed: int) -> bytes:
    """A faceless picture, made once a process: every run's pool has the same three."""
    return synthetic_image(width, height, seed=seed)


@functools.lru_cache(maxsize=8)
def _still_video(data: bytes) -> bytes:
    """A second of the picture as mp4, made once a process for each picture (the pool's two)."""
    return still_video(data, 10, fps=10, side=320)


class PayloadPool:
    """Images for both APIs (each list within that API's size limit) and two mp4 videos (a face,
    no face)."""

    def __init__(self, contract: Contract, faces_dir: Path | None = None) -> None:
        faces = [m for m in map(_media, pool_faces(faces_dir)) if m is not None]
        if faces_dir is not None and not any(m.name.startswith("faces:") for m in faces):
            raise InputError(f"--faces {faces_dir}: no readable jpg or png images")
        synthetic = [
            PoolImage(f"synthetic_{w}x{h}", _synthetic(w, h, seed=i))
            for i, (w, h) in enumerate(((320, 240), (160, 160), (640, 480)))
        ]
        everything = [*faces, *synthetic]
        self.faceless = synthetic[0]  # no face: a verification of it can only be a defect
        self.reference = faces[0]  # the emulator's demo registry photo, for idno successes
        match, jd = (limits_for(api, contract, safe=True) for api in ("match", "jd"))
        self.match_images = [m for m in everything if match.fits(m.data, m.format)]
        self.jd_images = [m for m in everything if jd.fits(m.data, m.format)]
        small = [m for m in self.jd_images if len(m.data) <= _SMALL_BYTES]
        self.small = small or self.jd_images[:1]
        # the smallest face both APIs take: a request about anything but size (E-013's async)
        fitting = [m for m in faces if m in self.match_images and m in self.jd_images]
        self.small_face = min(fitting or [self.reference], key=lambda m: len(m.data))
        video = _still_video(faces[0].data)
        self.video = PoolImage("builtin_face_video", video)
        faceless_video = _still_video(self.faceless.data)
        # a video of no one: a service that never decodes the video compares the other photo
        self.faceless_video = PoolImage("faceless_video", faceless_video)
        if not self.match_images or not self.jd_images:
            raise InputError("no image small enough for the documented limits; check --faces")
        self.media = {m.name: m for m in (*everything, self.video, self.faceless_video)}
        self._by_data = {m.data: m for m in self.media.values()}
        self._derived: dict[tuple[str, str], bytes] = {}
        self._recipe_of: dict[bytes, tuple[PoolImage, str]] = {}

    def derived(self, media: PoolImage, recipe: str) -> bytes:
        """``media`` made by ``recipe`` (:data:`RECIPES`), remembered so a replay file names it."""
        key = (media.name, recipe)
        if key not in self._derived:
            data = _made(media.data, recipe)
            self._derived[key] = data
            self._recipe_of.setdefault(data, (media, recipe))
        return self._derived[key]

    def embedded_in(self, text: str) -> bool:
        """Whether the base64 of one of the pool's images (or of what it derived) starts
        anywhere in ``text`` (its first 48 characters: 36 bytes)."""
        images = [*(m.data for m in self.media.values()), *self._derived.values()]
        return any(base64.b64encode(data[:36]).decode("ascii") in text for data in images)

    def locate(self, data: bytes) -> tuple[PoolImage, str | None, int | None] | None:
        """The media ``data`` is or was derived from, the recipe (None: the media itself) and the
        size it was padded to (None: not padded); None when the pool did not make it."""
        if data in self._by_data:
            return self._by_data[data], None, None
        if data in self._recipe_of:
            return *self._recipe_of[data], None
        # padded (harness.imaging.padded): comment segments after SOI and/or zero bytes at the end
        base = unpadded(data) or data
        candidates: list[tuple[bytes, PoolImage, str | None]] = [
            (m.data, m, None) for m in self.media.values()
        ]
        candidates += [(d, m, r) for d, (m, r) in self._recipe_of.items()]
        for original, media, recipe in candidates:
            if (
                len(original) < len(data)
                and base.startswith(original)
                and padded(original, len(data)) == data
            ):
                return media, recipe, len(data)
        return None

    @staticmethod
    def pick(images: list[PoolImage], key: bytes, slot: int = 0) -> PoolImage:
        return images[int.from_bytes(key[2 * slot : 2 * slot + 2], "big") % len(images)]


def _media(face: PoolImage) -> PoolImage | None:
    """A built-in portrait as it is; a ``--faces`` JPEG or PNG, made smaller when large."""
    if face.builtin:
        return face
    data = face.data
    if face.format not in ("jpeg", "png"):
        return None
    if len(data) > _SHRINK_OVER:
        try:
            image, _ = picture(data)
        except ImageRejected:
            return None  # an unreadable file is skipped, not fatal
        image.thumbnail((1024, 1024))
        data = encode(image, "jpeg", quality=88)
    return PoolImage(f"faces:{face.name}", data, face.identity)


# --- replay files: the pool's media by reference (harness.findings.image_ref) ------------
_MIN_CHARS = 64  # shorter values are no picture
_DATA_URI: Final = re.compile(r"^data:[\w.+/-]+;base64,")
_TEXT_FORMS: Final = ("b64", "datauri", "b64lines", "b64nopad")


def to_refs(value: Any, pool: PayloadPool | None) -> Any:
    """A copy of a JSON value with the pool's media (and what it derives) replaced by references,
    and any other image by a placeholder a replay refuses (never the image itself; no ``pool``:
    every image)."""
    if isinstance(value, dict):
        return {k: to_refs(v, pool) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) >= _MIN_CHARS and all(
            isinstance(v, int) and not isinstance(v, bool) and -128 <= v <= 255 for v in value
        ):
            data = bytes(v % 256 for v in value)
            for form in ("bytes", "sbytes"):
                if encode_image(data, form) == value:
                    return _ref(pool, data, form)
        return [to_refs(v, pool) for v in value]
    if isinstance(value, str) and len(value) >= _MIN_CHARS:
        decoded = _decoded(value)
        if decoded is not None:
            for form in _TEXT_FORMS:
                if encode_image(decoded, form) == value:
                    return _ref(pool, decoded, form)
            if image_like(decoded):
                return unreplayable(decoded)
        # an image's base64 after some prefix (a data URI's or any other), or a pool image's
        # base64 anywhere in the text
        embedded = pool is not None and pool.embedded_in(value)
        return unreplayable(value.encode()) if embedded or holds_image(value.encode()) else value
    return value


def _decoded(text: str) -> bytes | None:
    """The bytes of base64 text as a body carries it (a data URI, lines, no padding)."""
    payload = re.sub(r"\s", "", _DATA_URI.sub("", text))
    try:
        return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def from_refs(value: Any, pool: PayloadPool) -> Any:
    """The JSON value with every reference replaced by the pool's bytes again."""

    def fetch(name: str, size: int | None) -> bytes:
        media = pool.media.get(name)
        if media is None:
            raise InputError(
                f"the replay file names image {name!r}, which is neither built in nor in "
                "the run's --faces directory"
            )
        return padded(media.data, int(size)) if size else media.data

    return resolve_images(value, fetch, rebuild)


def rebuild(data: bytes, recipe: str, size: int | None) -> bytes:
    """The bytes a ``recipe`` reference names: its media's ``data`` derived, then padded."""
    if recipe not in RECIPES:
        raise InputError(f"the replay file names an unknown image recipe {recipe!r}")
    made = RECIPES[recipe](data)
    return padded(made, int(size)) if size else made


def names_in(value: Any) -> set[str]:
    """The media a (referenced) value names."""
    return {str(ref["$image"]) for _, ref in image_refs(value)}


def _ref(pool: PayloadPool | None, data: bytes, form: str) -> Any:
    """The reference of the pool's ``data``; a placeholder for another image; else the value."""
    found = pool.locate(data) if pool is not None else None
    if found is not None:
        return image_ref(found[0].name, data, form, found[2], found[1])
    return unreplayable(data) if image_like(data) else encode_image(data, form)
