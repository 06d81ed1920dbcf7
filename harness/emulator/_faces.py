"""Image bytes -> face template, with every refusal turned into an API-neutral reason."""

from __future__ import annotations

from typing import Any

from harness.imaging import ImageRejected, check_header

from ._context import Emulator
from ._media import MediaError, video_frames
from .engines import FaceRejected

HEADERS_KEPT = 4096  # images whose header passed, remembered by digest (oldest dropped first)


async def template_of_image(emu: Emulator, data: bytes, formats: tuple[str, ...], what: str) -> Any:
    if emu.settings.engine == "fast" and emu.engine.name == "fast":  # inline: microseconds
        # its template is the digest of the bytes (it never refuses), so an image whose header
        # passed these limits before (load traffic resends the same few) is not walked again
        template = emu.engine.template(data)
        key = (template.vector, formats, emu.settings.max_pixels)
        passed = emu.headers_passed
        if key not in passed:
            _check_header(emu, data, formats, what)
            if len(passed) >= HEADERS_KEPT:
                del passed[next(iter(passed))]
            passed[key] = None
        return template
    _check_header(emu, data, formats, what)
    return await emu.run_engine(_template, emu, data, what)


def _check_header(emu: Emulator, data: bytes, formats: tuple[str, ...], what: str) -> None:
    try:  # without PIL: dlib decodes fully afterwards
        check_header(data, max_pixels=emu.settings.max_pixels, formats=formats)
    except ImageRejected as exc:
        raise MediaError("rejected", f"{what}: {exc}") from None


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
