"""Real images and videos for generated requests (random base64 dies at image decoding), picked by
a key so a seed sends the same images; replay files name them by pool name and sha256.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from harness.contract import Contract
from harness.errors import InputError
from harness.faces import PoolImage, limits_for, pool_faces
from harness.findings import image_ref, image_refs, resolve_images
from harness.imaging import (
    ImageRejected,
    encode,
    padded,
    picture,
    still_video,
    synthetic_image,
    unpadded,
)

_SMALL_BYTES = 100_000
_SHRINK_OVER = 280_000  # a --faces image over this many bytes is sent as a JPEG of <= 1024 px


class PayloadPool:
    """Images for both APIs (each list within that API's size limit) and two mp4 videos (a face,
    no face)."""

    def __init__(self, contract: Contract, faces_dir: Path | None = None) -> None:
        faces = [m for m in map(_media, pool_faces(faces_dir)) if m is not None]
        if faces_dir is not None and not any(m.name.startswith("faces:") for m in faces):
            raise InputError(f"--faces {faces_dir}: no readable jpg or png images")
        synthetic = [
            PoolImage(f"synthetic_{w}x{h}", synthetic_image(w, h, seed=i))
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
        video = still_video(faces[0].data, 10, fps=10, side=320)
        self.video = PoolImage("builtin_face_video", video)
        faceless_video = still_video(self.faceless.data, 10, fps=10, side=320)
        # a video of no one: a service that never decodes the video compares the other photo
        self.faceless_video = PoolImage("faceless_video", faceless_video)
        if not self.match_images or not self.jd_images:
            raise InputError("no image small enough for the documented limits; check --faces")
        self.media = {m.name: m for m in (*everything, self.video, self.faceless_video)}
        self._by_data = {m.data: m for m in self.media.values()}

    def identify(self, data: bytes) -> tuple[PoolImage, int | None] | None:
        """The pool's media ``data`` is, and the size it was padded to if it was."""
        found = self._by_data.get(data)
        if found is not None:
            return found, None
        original = unpadded(data)
        found = self._by_data.get(original) if original is not None else None
        return (found, len(data)) if found is not None else None

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


def to_refs(value: Any, pool: PayloadPool) -> Any:
    """A copy of a JSON value with the pool's media replaced by references."""
    if isinstance(value, dict):
        return {k: to_refs(v, pool) for k, v in value.items()}
    if isinstance(value, list):
        ints = len(value) >= _MIN_CHARS and all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value
        )
        ref = _ref(pool, bytes(value), "bytes") if ints else None
        return ref or [to_refs(v, pool) for v in value]
    if isinstance(value, str) and len(value) >= _MIN_CHARS:
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
        same = base64.b64encode(data).decode("ascii") == value
        return (_ref(pool, data, "b64") if same else None) or value
    return value


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

    return resolve_images(value, fetch)


def names_in(value: Any) -> set[str]:
    """The media a (referenced) value names."""
    return {str(ref["$image"]) for _, ref in image_refs(value)}


def _ref(pool: PayloadPool, data: bytes, form: str) -> dict[str, Any] | None:
    found = pool.identify(data)
    return image_ref(found[0].name, data, form, found[1]) if found is not None else None
