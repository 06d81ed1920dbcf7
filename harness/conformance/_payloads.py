"""Real images and videos for generated requests, so positive cases reach the face engine.

A schema can only say "base64 text"; random base64 dies at image decoding and never tests a
comparison. The pool holds the package-shipped portraits (``builtin_faces``), a few synthetic
pictures, the images of ``--faces DIR`` when given, and one small mp4 made from a built-in face.
Every pick is a pure function of a key, so a run with the same seed sends the same images.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.contract import Contract
from harness.errors import InputError
from harness.faces import sample_faces
from harness.imaging import builtin_faces, reencode, sniff_format, synthetic_image

_SMALL_BYTES = 100_000
_COM_MAX = 65_537  # a COM segment: 2 marker bytes + 2 length bytes + up to 65,533 payload bytes


@dataclass(frozen=True)
class Media:
    name: str
    data: bytes = field(repr=False)

    @functools.cached_property
    def b64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    @property
    def byte_list(self) -> list[int]:
        return list(self.data)


class PayloadPool:
    """Images for both APIs (each list within that API's size limit) and one mp4 video."""

    def __init__(self, contract: Contract, faces_dir: Path | None = None) -> None:
        faces = [Media(f.name, f.data) for f in builtin_faces()]
        synthetic = [
            Media(f"synthetic_{w}x{h}", synthetic_image(w, h, seed=i))
            for i, (w, h) in enumerate(((320, 240), (160, 160), (640, 480)))
        ]
        extra = load_faces_dir(faces_dir) if faces_dir is not None else []
        everything = [*faces, *extra, *synthetic]
        self.reference = faces[0]  # the emulator's demo registry photo, for idno successes
        self.match_images = [
            m for m in everything if len(m.b64) <= contract.match_base64_safe_chars
        ]
        self.jd_images = [m for m in everything if len(m.data) <= contract.jd_image_safe_bytes]
        self.small = [m for m in self.jd_images if len(m.data) <= _SMALL_BYTES] or self.jd_images[
            :1
        ]
        self.video = Media("builtin_face_video", mp4_from_image(faces[0].data))
        if not self.match_images or not self.jd_images:
            raise InputError("no image small enough for the documented limits; check --faces")
        self.media = {m.name: m for m in (*everything, self.video)}
        self._by_data = {m.data: m for m in self.media.values()}

    def identify(self, data: bytes) -> tuple[Media, int | None] | None:
        """The pool's media ``data`` is, and the size it was padded to (``jpeg_of_size``) if it
        was."""
        found = self._by_data.get(data)
        if found is not None:
            return found, None
        original = unpad(data)
        found = self._by_data.get(original) if original is not None else None
        return (found, len(data)) if found is not None else None

    @staticmethod
    def pick(images: list[Media], key: bytes, slot: int = 0) -> Media:
        return images[int.from_bytes(key[2 * slot : 2 * slot + 2], "big") % len(images)]


def load_faces_dir(path: Path) -> list[Media]:
    """The ``--faces`` sample (:func:`harness.faces.sample_faces`), large ones made smaller."""
    found = []
    for face in sample_faces(path):
        data = face.read_bytes()
        smaller = _shrink(data) if len(data) > 280_000 else data
        if sniff_format(data) in ("jpeg", "png") and smaller is not None:
            found.append(
                Media(f"faces:{face.path.relative_to(path.resolve()).as_posix()}", smaller)
            )
    if not found:
        raise InputError(f"--faces {path}: no readable jpg or png images")
    return found


def _shrink(data: bytes) -> bytes | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as opened:
            rgb = opened.convert("RGB")
            rgb.thumbnail((1024, 1024))
            buffer = io.BytesIO()
            rgb.save(buffer, "JPEG", quality=88)
        return buffer.getvalue()
    except Exception:  # noqa: BLE001 - an unreadable file is skipped, not fatal
        try:
            return reencode(data, "jpeg", quality=80)
        except Exception:  # noqa: BLE001
            return None


@functools.lru_cache(maxsize=4)
def mp4_from_image(image: bytes, frames: int = 10, width: int = 320) -> bytes:
    """A short still mp4 (OpenCV mp4v) of one picture: a real video the engine can sample."""
    import cv2
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(image)) as im:
        rgb = im.convert("RGB")
        rgb.thumbnail((width, width))
        frame = cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        fourcc = cv2.VideoWriter_fourcc(*"mp4v")  # type: ignore[attr-defined]
        writer = cv2.VideoWriter(path, fourcc, 10, (frame.shape[1], frame.shape[0]))
        if not writer.isOpened():
            raise InputError(
                "OpenCV cannot write mp4v video on this machine (opencv-python-headless)"
            )
        for _ in range(frames):
            writer.write(frame)
        writer.release()
        return Path(path).read_bytes()
    finally:
        os.unlink(path)


def jpeg_of_size(jpeg: bytes, size: int) -> bytes:
    """The same picture padded with JPEG comment segments to exactly ``size`` bytes.

    Decoders skip COM segments, so the image stays valid; only the byte count changes. This is how
    the size-limit probes hit a documented limit to the byte.
    """
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    need = size - len(jpeg)
    if need < 0 or 0 < need < 4:
        raise ValueError(f"cannot pad a {len(jpeg)}-byte JPEG to {size} bytes")
    segments = []
    while need:
        chunk = min(need, _COM_MAX)
        if 0 < need - chunk < 4:
            chunk -= 4
        segments.append(b"\xff\xfe" + (chunk - 2).to_bytes(2, "big") + b"\x00" * (chunk - 4))
        need -= chunk
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def unpad(data: bytes) -> bytes | None:
    """The JPEG ``jpeg_of_size`` padded (its leading comment segments removed); None if none."""
    if not data.startswith(b"\xff\xd8\xff\xfe"):
        return None
    at = 2
    while data[at : at + 2] == b"\xff\xfe" and at + 4 <= len(data):
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return data[:2] + data[at:] if at <= len(data) else None
