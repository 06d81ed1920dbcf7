"""Image bytes -> face template, with every refusal turned into an API-neutral reason."""

from __future__ import annotations

from typing import Any

from harness.imaging import ImageRejected, check_header

from ._context import Emulator
from ._media import MediaError, video_frames
from .engines import FaceRejected


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
