"""``inspect_image(with_pil=False)``: Pillow's header rules without Pillow, for the emulator's
hot path."""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from harness.imaging import (
    ImageInfo,
    ImageRejected,
    builtin_faces,
    check_header,
    inspect_image,
    synthetic_image,
)

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
    return data[:at] + new + data[at + len(new) :]


def _png_ihdr(
    depth: int, colour: int, *, crc_ok: bool = True, compression: int = 0, filter_: int = 0
) -> bytes:
    body = struct.pack(">IIBBBBB", 64, 48, depth, colour, compression, filter_, 0)
    crc = zlib.crc32(b"IHDR" + body) ^ (0 if crc_ok else 1)
    return PNG[:8] + struct.pack(">I", 13) + b"IHDR" + body + struct.pack(">I", crc) + PNG[33:]


JPEG = JPEGS[-1]


def _after_sof(segment: bytes) -> bytes:
    """JPEG with ``segment`` (marker and all) inserted right after the frame header."""
    at = _sof(JPEG) + 2 + int.from_bytes(JPEG[_sof(JPEG) + 2 : _sof(JPEG) + 4], "big")
    return JPEG[:at] + segment + JPEG[at:]


def _sof_segment(width: int, height: int, components: bytes = b"\x01\x11\x00") -> bytes:
    body = (
        bytes([8]) + struct.pack(">HH", height, width) + bytes([len(components) // 3]) + components
    )
    return b"\xff\xc0" + struct.pack(">H", len(body) + 2) + body


BROKEN = [
    pytest.param(_patched(JPEG, _sof(JPEG) + 4, b"\x0c"), id="jpeg-12-bit"),
    pytest.param(_patched(JPEG, _sof(JPEG) + 9, b"\x02"), id="jpeg-2-components"),
    pytest.param(_patched(JPEG, JPEG.find(b"\xff\xdb") + 2, b"\x00\x20"), id="jpeg-short-dqt"),
    pytest.param(_patched(JPEG, JPEG.find(b"\xff\xdb"), b"\xff\x02"), id="jpeg-unknown-marker"),
    pytest.param(_png_ihdr(8, 2, crc_ok=False), id="png-bad-ihdr-crc"),
    pytest.param(_png_ihdr(3, 2), id="png-3-bit-rgb"),
    pytest.param(_patched(PNG, 37, b"I#AT"), id="png-malformed-chunk-type"),
    pytest.param(_png_ihdr(8, 2, filter_=1), id="png-unknown-filter"),
    pytest.param(
        _after_sof(_sof_segment(64, 48, b"\x01\x11\x00\x02")), id="jpeg-frame-header-part-component"
    ),
    pytest.param(_after_sof(b"\xff\xe0\x00\x06JFIF"), id="jpeg-short-jfif"),
    pytest.param(
        _after_sof(b"\xff\xde" + _sof_segment(64, 48)[2:4] + b"\x0c" + _sof_segment(64, 48)[5:]),
        id="jpeg-12-bit-dhp",
    ),
]


@pytest.mark.parametrize("data", BROKEN)
def test_header_damage_pillow_refuses_is_refused_without_pillow_too(data: bytes) -> None:
    assert outcome(data, with_pil=True) == "corrupt"
    assert outcome(data, with_pil=False) == "corrupt"


ODD_BUT_READABLE = [
    pytest.param(_png_ihdr(16, 6), id="png-16-bit-rgba"),
    pytest.param(_png_ihdr(8, 2, compression=1), id="png-compression-byte-ignored"),
    pytest.param(_after_sof(b"\xff\xdb\x00\x00"), id="jpeg-zero-length-segment"),
    pytest.param(_after_sof(_sof_segment(200, 100)), id="jpeg-second-frame-header-wins"),
]


@pytest.mark.parametrize("data", [*JPEGS, PNG], ids=["face-0", "face-1", "jpeg", "png"])
def test_intact_images_read_the_same_with_and_without_pillow(data: bytes) -> None:
    info = inspect_image(data, max_pixels=BUDGET, with_pil=False)
    assert info == inspect_image(data, max_pixels=BUDGET)


@pytest.mark.parametrize("data", ODD_BUT_READABLE)
def test_odd_headers_pillow_reads_are_read_alike(data: bytes) -> None:
    info = inspect_image(data, max_pixels=BUDGET)
    assert inspect_image(data, max_pixels=BUDGET, with_pil=False) == info


def test_the_pixel_budget_applies_to_the_size_pillow_reports():
    bomb = _after_sof(_sof_segment(20_000, 20_000))  # the first frame header is small
    assert outcome(bomb, with_pil=True) == outcome(bomb, with_pil=False) == "too_many_pixels"


def _damaged(original: bytes, rng: random.Random) -> bytes:
    """One to four bytes changed inside the header (where the structure lives), sometimes cut."""
    jpeg = original.startswith(b"\xff\xd8")
    header = original.find(b"\xff\xda") + 16 if jpeg else original.find(b"IDAT") + 8
    data = bytearray(original)
    if jpeg and rng.random() < 0.3:  # an extra segment with a random marker and length
        at = _sof(original)
        extra = bytes([0xFF, rng.randrange(0xC0, 0xFF)]) + rng.randbytes(rng.randint(0, 12))
        data[at:at] = extra
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


def _verdict(data: bytes, budget: int) -> object:
    try:
        return inspect_image(data, max_pixels=budget, with_pil=False)
    except ImageRejected as exc:
        return exc.reason, str(exc)


def _header_verdict(data: bytes, budget: int) -> object:
    try:
        check_header(data, max_pixels=budget, formats=("jpeg", "png"))
    except ImageRejected as exc:
        return exc.reason, str(exc)
    return None


PLAIN_JPEGS = [
    f.data for f in builtin_faces() if f.name in ("grace_hopper_orig", "eileen_collins_crop")
]


@pytest.mark.parametrize("original", [*PLAIN_JPEGS, JPEG], ids=["face-0", "face-1", "jpeg"])
def test_one_walk_of_a_plain_header_gives_the_two_walks_verdict(original, monkeypatch):
    """The single walk over a plain JPEG header (the hot path) must answer exactly what the
    dimension reader, the end-marker check and the structure walk answer in turn: same
    reason, same message, same size, under a budget that every size passes or only some do;
    and check_header (the emulator's verdict-only check) the same verdict."""
    import harness.imaging._decode as decode

    rng = random.Random(20261204)
    cases = [original, original[:-2], original + b"\x00\xff", _after_sof(_sof_segment(200, 100))]
    cases += [_damaged(original, rng) for _ in range(300)]
    plain = 0
    for data in cases:
        for budget in (BUDGET, 64 * 48, 100):
            fast = _verdict(data, budget)
            assert _header_verdict(data, budget) == (None if isinstance(fast, ImageInfo) else fast)
            with monkeypatch.context() as m:
                m.setattr(decode, "plain_jpeg_sizes", lambda _data: None)
                assert _verdict(data, budget) == fast, data[:64]
        plain += decode.plain_jpeg_sizes(data) is not None
    assert plain > 100, "most damage should leave the header plain, or the fast walk goes untested"
