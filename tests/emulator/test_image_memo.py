"""The fast engine's image memo answers exactly what the uncached checks and hash answer."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from harness.emulator import build_settings, create_app
from harness.emulator._faces import ImageMemo, template_of_image
from harness.emulator._media import MediaError
from harness.imaging import builtin_faces

FORMATS = ("jpeg", "png")


def _emu():
    return create_app(build_settings(engine="fast")).state.emulator


def _template(emu, data: bytes):
    return asyncio.run(template_of_image(emu, data, FORMATS, "image"))


def _twin(data: bytes) -> bytes:
    """Same length and the same bytes where the memo's fingerprint looks, other bytes between."""
    at = len(data) // 4
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


def test_an_image_differing_outside_the_fingerprint_gets_its_own_template():
    emu = _emu()
    data = builtin_faces()[0].data
    twin = _twin(data)
    assert ImageMemo.key(data, ()) == ImageMemo.key(twin, ())
    first, second = _template(emu, data), _template(emu, twin)
    assert first.image_sha256 == hashlib.sha256(data).hexdigest()
    assert second.image_sha256 == hashlib.sha256(twin).hexdigest()
    assert _template(emu, data).image_sha256 == first.image_sha256   # and back again


def test_a_remembered_image_is_still_refused_under_a_lower_pixel_budget():
    emu = _emu()
    data = builtin_faces()[0].data
    _template(emu, data)
    emu.settings = emu.settings.model_copy(update={"max_pixels": 16})
    with pytest.raises(MediaError) as caught:
        _template(emu, data)
    assert caught.value.kind == "rejected"


def test_a_truncated_copy_of_a_remembered_image_is_refused():
    emu = _emu()
    data = builtin_faces()[0].data
    _template(emu, data)
    with pytest.raises(MediaError):
        _template(emu, data[: len(data) // 2])


def test_the_memo_is_bounded_in_entries_and_bytes():
    memo = ImageMemo(max_entries=3, max_bytes=10_000)
    for i in range(10):
        data = bytes([i]) * 2000
        memo.put(ImageMemo.key(data, ()), data, i)
    assert len(memo.entries) == 3 and memo.bytes == 6000
    assert memo.get(ImageMemo.key(bytes([9]) * 2000, ()), bytes([9]) * 2000) == 9
    assert memo.get(ImageMemo.key(bytes([0]) * 2000, ()), bytes([0]) * 2000) is None
    big = bytes(5000)
    memo.put(ImageMemo.key(big, ()), big, "big")          # over a quarter of the budget: not kept
    assert memo.get(ImageMemo.key(big, ()), big) is None
