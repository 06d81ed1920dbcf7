"""Request fields -> image bytes -> face templates; a refusal is an API-neutral reason until
:func:`refusal` names each API's code. URLs only from allow-listed hosts; a video's first frame
with a usable face is used."""

from __future__ import annotations

import binascii
import tempfile
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pybase64

from harness.contract import Contract
from harness.imaging import ImageRejected, check_header

from ._context import Emulator
from ._envelope import Answer
from ._settings import EmulatorSettings
from .engines import FaceRejected

# each API's code for a reason, where its name differs from the reason's (jd: invalid_parameter)
_CODES = {
    "match": {
        "blurry": "face_blurred",
        "undecodable": "media_unusable",
        "rejected": "media_unusable",
        "not_enabled": "origin_not_enabled",
    },
    "jd": {
        "blurry": "face_blurred",
        "multiple_faces": "poor_quality",
        "not_enabled": "unsupported_operation",
        "fetch_failed": "upload_failed",
        **dict.fromkeys(("undecodable", "rejected", "too_large"), "invalid_parameter"),
    },
}


class MediaError(Exception):
    """`kind` is one of: undecodable, too_large, not_enabled, fetch_failed, rejected."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind, self.detail = kind, detail
        super().__init__(f"{kind}: {detail}")


def from_base64(text: str, what: str) -> bytes:
    """Strict, as the spec's `pattern`. pybase64 takes 4 µs for 82 KB where binascii takes 150,
    and binascii's strict mode lets extra padding through (``7oTW==``)."""
    try:
        return pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise MediaError("undecodable", f"{what}: not valid base64") from None


def from_byte_array(values: list[int]) -> bytes:
    """Java signed bytes or unsigned bytes, both accepted (ERRATA E-021)."""
    return bytes(int(v) & 0xFF for v in values)  # JSON integers may arrive as 1.0


def fetch(settings: EmulatorSettings, origin: str, ref: str, what: str) -> bytes:
    """fds/uri fetching, off unless configured, and never outside the allow-list (no SSRF)."""
    o = settings.origins
    if not (o.fds_base_url if origin == "fds" else o.allow_hosts):
        raise MediaError("not_enabled", f"{what}: origin {origin} is not enabled on this emulator")
    url = ref
    if origin == "fds":
        url = urljoin(str(o.fds_base_url).rstrip("/") + "/", ref.lstrip("/"))
    host = urlsplit(url).hostname or ""
    if host not in o.allow_hosts:
        raise MediaError("not_enabled", f"{what}: host {host or '?'} is not on the allow-list")
    try:
        with httpx.stream("GET", url, timeout=5.0, follow_redirects=False) as response:
            if response.status_code != 200:
                raise MediaError("fetch_failed", f"{what}: HTTP {response.status_code}")
            chunks, total = [], 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > o.max_bytes:
                    raise MediaError("too_large", f"{what}: over {o.max_bytes} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise MediaError("fetch_failed", f"{what}: {type(exc).__name__}") from None
    return b"".join(chunks)


def video_frames(data: bytes, count: int, what: str) -> list[bytes]:
    """Up to `count` frames spread over the clip, as JPEG bytes."""
    import cv2

    if len(data) < 12 or data[4:8] != b"ftyp":
        raise MediaError("undecodable", f"{what}: not an mp4 video")
    with tempfile.NamedTemporaryFile(suffix=".mp4") as fh:
        fh.write(data)
        fh.flush()
        cap = cv2.VideoCapture(fh.name)
        try:
            total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            if not cap.isOpened() or total <= 0:
                raise MediaError("undecodable", f"{what}: the video cannot be decoded")
            picks = sorted({int(i * (total - 1) / max(1, count - 1)) for i in range(count)})
            frames = []
            for index in picks:
                cap.set(cv2.CAP_PROP_POS_FRAMES, index)
                ok, frame = cap.read()
                if ok:
                    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
                    if ok:
                        frames.append(buf.tobytes())
        finally:
            cap.release()
    if not frames:
        raise MediaError("undecodable", f"{what}: no frame could be decoded")
    return frames


def refusal(contract: Contract, api: str, exc: FaceRejected | MediaError) -> Answer:
    kind = exc.reason if isinstance(exc, FaceRejected) else exc.kind
    return Answer(contract.code_named(api, _CODES[api].get(kind, kind)), exc.detail)


async def template_of_image(emu: Emulator, data: bytes, formats: tuple[str, ...], what: str) -> Any:
    try:  # without PIL: the fast engine decodes nothing, and dlib decodes fully afterwards
        check_header(data, max_pixels=emu.settings.max_pixels, formats=formats)
    except ImageRejected as exc:
        raise MediaError("rejected", f"{what}: {exc}") from None
    if emu.settings.engine == "fast":  # microseconds: inline, without run_engine's await
        return _template(emu, data, what)
    return await emu.run_engine(_template, emu, data, what)


async def template_of_video(emu: Emulator, data: bytes, what: str) -> Any:
    """The first sampled frame with one usable face; if none, the first frame's refusal."""
    frames = await emu.run_engine(video_frames, data, emu.settings.video_frames, what)
    first: FaceRejected | None = None
    for frame in frames:
        try:
            return await emu.run_engine(_template, emu, frame, what)
        except FaceRejected as exc:
            first = first or exc
    assert first is not None
    raise first


def _template(emu: Emulator, data: bytes, what: str) -> Any:
    try:
        return emu.engine.template(data)
    except ImageRejected as exc:
        raise MediaError("rejected", f"{what}: {exc}") from None
