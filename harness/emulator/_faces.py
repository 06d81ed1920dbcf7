"""Image bytes -> face template, with every refusal turned into an API-neutral reason."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from harness.imaging import ImageRejected

from ._context import Emulator
from ._media import MediaError, check_image, video_frames
from .engines import FaceRejected


class ImageMemo:
    """The fast engine's accepted images, by exact content: the header checks and the SHA-256
    template of the same bytes give the same answer every time, and load traffic sends the same
    few images over and over (a profile of an 82 KB JD request: hashing and the header walk were
    most of the emulator's own time). Found by a cheap fingerprint, then compared byte for byte,
    so a hit is an identical image under the same settings and engine; bounded in entries and
    bytes (least recently used goes first). Rejections are not kept: they are checked afresh."""

    def __init__(self, max_entries: int = 64, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries: OrderedDict[tuple[Any, ...], tuple[bytes, Any]] = OrderedDict()
        self.bytes = 0

    @staticmethod
    def key(data: bytes, context: tuple[Any, ...]) -> tuple[Any, ...]:
        n = len(data)
        return (n, data[:64], data[n // 2:n // 2 + 64], data[-64:], context)

    def get(self, key: tuple[Any, ...], data: bytes) -> Any:
        hit = self.entries.get(key)
        if hit is None or hit[0] != data:
            return None
        self.entries.move_to_end(key)
        return hit[1]

    def put(self, key: tuple[Any, ...], data: bytes, template: Any) -> None:
        if len(data) > self.max_bytes // 4:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= len(old[0])
        self.entries[key] = (data, template)
        self.bytes += len(data)
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            _, (gone, _) = self.entries.popitem(last=False)
            self.bytes -= len(gone)


async def template_of_image(emu: Emulator, data: bytes, formats: tuple[str, ...], what: str) -> Any:
    if emu.settings.engine != "fast":
        check_image(data, emu.settings, formats, what)
        return await _template(emu, data, what)
    key = ImageMemo.key(data, (formats, emu.settings.max_pixels, id(emu.engine)))
    template = emu.image_memo.get(key, data)
    if template is None:
        check_image(data, emu.settings, formats, what)
        template = await _template(emu, data, what)
        emu.image_memo.put(key, data, template)
    return template


async def template_of_video(emu: Emulator, data: bytes, what: str) -> Any:
    """The first sampled frame with one usable face; if none, the first frame's refusal."""
    frames = await emu.run_engine(video_frames, data, emu.settings.video_frames, what)
    first: FaceRejected | None = None
    for frame in frames:
        try:
            return await _template(emu, frame, what)
        except FaceRejected as exc:
            first = first or exc
    assert first is not None
    raise first


async def _template(emu: Emulator, data: bytes, what: str) -> Any:
    try:
        return await emu.run_engine(emu.engine.template, data)
    except ImageRejected as exc:
        raise MediaError("rejected", f"{what}: {exc}") from None
