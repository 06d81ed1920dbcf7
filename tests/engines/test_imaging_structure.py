"""``inspect_image(with_pil=False)``: Pillow's header rules without Pillow, for the emulator's hot path."""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from harness.imaging import ImageRejected, builtin_faces, inspect_image, synthetic_image

BUDGET = 10_000_000
JPEGS = [face.data for face in builtin_faces()][:2] + [synthetic_image(64, 48, seed=2, fmt="jpeg")]
PNG = synthetic_image(64, 48, seed=2, fmt="png")


def outcome(data: bytes, *, with_pil: bool) -> object:
    try:
        return inspect_image(data, max_pixels=BUDGET, with_pil=with_pil)
    except ImageRejected as exc:
        return exc.reason


def _sof(data: bytes) -> int:
    return min(i for i in (data.find(b"\xff\xc0"), data.find(b"\xff\xc2")) if i > 0)


def _patched(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new):]


def _png_ihdr(depth: int, colour: int, *, crc_ok: bool = True) -> bytes:
    body = struct.pack(">IIBBBBB", 64, 48, depth, colour, 0, 0, 0)
    crc = zlib.crc32(b"IHDR" + body) ^ (0 if crc_ok else 1)
    return PNG[:8] + struct.pack(">I", 13) + b"IHDR" + body + struct.pack(">I", crc) + PNG[33:]


JPEG = JPEGS[-1]
BROKEN = [
    pytest.param(_patched(JPEG, _sof(JPEG) + 4, b"\x0c"), id="jpeg-12-bit"),
    pytest.param(_patched(JPEG, _sof(JPEG) + 9, b"\x02"), id="jpeg-2-components"),
    pytest.param(_patched(JPEG, JPEG.find(b"\xff\xdb") + 2, b"\x00\x20"), id="jpeg-short-dqt"),
    pytest.param(_patched(JPEG, JPEG.find(b"\xff\xdb"), b"\xff\x02"), id="jpeg-unknown-marker"),
    pytest.param(_png_ihdr(8, 2, crc_ok=False), id="png-bad-ihdr-crc"),
    pytest.param(_png_ihdr(3, 2), id="png-3-bit-rgb"),
    pytest.param(_patched(PNG, 37, b"I#AT"), id="png-malformed-chunk-type"),
]


@pytest.mark.parametrize("data", BROKEN)
def test_header_damage_pillow_refuses_is_refused_without_pillow_too(data: bytes) -> None:
    assert outcome(data, with_pil=True) == "corrupt"
    assert outcome(data, with_pil=False) == "corrupt"


@pytest.mark.parametrize("data", [*JPEGS, PNG, _png_ihdr(16, 6)], ids=["face-0", "face-1", "jpeg", "png", "png-16-bit-rgba"])
def test_intact_images_read_the_same_with_and_without_pillow(data: bytes) -> None:
    info = inspect_image(data, max_pixels=BUDGET, with_pil=False)
    assert info == inspect_image(data, max_pixels=BUDGET)


def _damaged(original: bytes, rng: random.Random) -> bytes:
    """One to four bytes changed inside the header (where the structure lives), sometimes cut."""
    header = _sof(original) + 40 if original.startswith(b"\xff\xd8") else original.find(b"IDAT") + 8
    data = bytearray(original)
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(2, header)] = rng.choice((0x00, 0xFF, 0xC0, 0xDA, rng.randrange(256)))
    return bytes(data[: rng.randrange(header, len(data))] if rng.random() < 0.1 else data)


@pytest.mark.parametrize("original", [*JPEGS, PNG], ids=["face-0", "face-1", "jpeg", "png"])
def test_without_pillow_never_refuses_what_pillow_accepts(original: bytes) -> None:
    """Random header damage: every image Pillow's parse accepts is accepted, with the same
    size; the other way round may differ only rarely (ancillary chunk contents, APP data)."""
    rng = random.Random(20261123)
    lenient = agree = 0
    for _ in range(400):
        data = _damaged(original, rng)
        with_pil, without = outcome(data, with_pil=True), outcome(data, with_pil=False)
        if not isinstance(with_pil, str):
            assert without == with_pil, (data[:64], with_pil, without)
        elif isinstance(without, str):
            agree += 1
        else:
            lenient += 1
    assert agree > 40, "the damage should make Pillow refuse some of these"
    assert lenient <= 0.05 * (agree + lenient), (lenient, agree)
