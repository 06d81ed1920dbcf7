from __future__ import annotations

import io
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from harness.imaging import (
    IMAGE_REJECT_REASONS,
    ImageInfo,
    ImageRejected,
    decode_image,
    inspect_image,
    synthetic_image,
)

BUDGET = 10_000_000


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def _png_claiming(width: int, height: int) -> bytes:
    """A 100-byte PNG whose header claims ``width`` x ``height`` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    base = bytearray(synthetic_image(16, 16, seed=3, fmt="jpeg"))
    sof = base.index(b"\xff\xc0")
    base[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(base)


JPEG = synthetic_image(320, 240, seed=7, fmt="jpeg")
PNG = synthetic_image(320, 240, seed=7, fmt="png")


def _zeroed_middle(data: bytes, length: int) -> bytes:
    mid = len(data) // 2
    return data[:mid] + b"\x00" * length + data[mid + length :]


REJECTED = [
    pytest.param(b"", "not_image", id="empty"),
    pytest.param(b"plain text, not an image", "not_image", id="text"),
    pytest.param(bytes(range(256)) * 8, "not_image", id="random-bytes"),
    pytest.param(synthetic_image(32, 32, seed=1, fmt="gif"), "unsupported_format", id="gif"),
    pytest.param(synthetic_image(32, 32, seed=1, fmt="bmp"), "unsupported_format", id="bmp"),
    pytest.param(synthetic_image(32, 32, seed=1, fmt="webp"), "unsupported_format", id="webp"),
    pytest.param(synthetic_image(32, 32, seed=1, fmt="tiff"), "unsupported_format", id="tiff"),
    pytest.param(_png_claiming(50_000, 50_000), "too_many_pixels", id="png-bomb-50000x50000"),
    pytest.param(_png_claiming(4000, 3000)[:40], "too_many_pixels", id="png-bomb-header-only"),
    pytest.param(_jpeg_claiming(65_000, 65_000), "too_many_pixels", id="jpeg-bomb-65000x65000"),
    pytest.param(JPEG[: len(JPEG) // 2], "truncated", id="jpeg-half"),
    pytest.param(JPEG[:-2], "truncated", id="jpeg-no-eoi"),
    pytest.param(JPEG[:30], "truncated", id="jpeg-in-header"),
    pytest.param(PNG[: len(PNG) // 2], "truncated", id="png-half"),
    pytest.param(PNG[:-12], "truncated", id="png-no-iend"),
    pytest.param(PNG[:20], "truncated", id="png-in-ihdr"),
    pytest.param(_png_claiming(0, 10), "corrupt", id="png-zero-width"),
    pytest.param(
        b"\xff\xd8\xff\xda\x00\x02" + b"\x00" * 16 + b"\xff\xd9",
        "corrupt",
        id="jpeg-scan-without-frame",
    ),
]


@pytest.mark.parametrize(("data", "reason"), REJECTED)
def test_inspect_image_rejects_with_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        inspect_image(data, max_pixels=BUDGET)
    assert caught.value.reason == reason
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("data", "reason"), REJECTED)
def test_decode_image_rejects_with_the_same_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image(data, max_pixels=BUDGET)
    assert caught.value.reason == reason


def test_pixel_budget_is_checked_before_decoding() -> None:
    info = inspect_image(JPEG, max_pixels=320 * 240)
    assert info == ImageInfo("jpeg", 320, 240)
    with pytest.raises(ImageRejected, match="too_many_pixels"):
        inspect_image(JPEG, max_pixels=320 * 240 - 1)


def test_corrupt_png_data_is_rejected_on_full_decode() -> None:
    broken = _zeroed_middle(PNG, 64)
    assert inspect_image(broken, max_pixels=BUDGET).format == "png"  # header and IEND intact
    with pytest.raises(ImageRejected) as caught:
        decode_image(broken, max_pixels=BUDGET)
    assert caught.value.reason == "corrupt"


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_decode_returns_rgb_uint8(fmt: str) -> None:
    data = synthetic_image(64, 48, seed=4, fmt=fmt)
    info = inspect_image(data, max_pixels=BUDGET)
    pixels = decode_image(data, max_pixels=BUDGET)
    assert info == ImageInfo(fmt, 64, 48)
    assert pixels.shape == (48, 64, 3)
    assert pixels.dtype == np.uint8
    assert pixels.flags["C_CONTIGUOUS"]


def test_format_names_accept_aliases_and_restrictions() -> None:
    assert inspect_image(JPEG, max_pixels=BUDGET, formats=("JPG",)).format == "jpeg"
    with pytest.raises(ImageRejected, match="unsupported_format"):
        inspect_image(PNG, max_pixels=BUDGET, formats=("jpg",))
    gif = synthetic_image(8, 8, seed=1, fmt="gif")
    assert inspect_image(gif, max_pixels=BUDGET, formats=("gif",)).format == "gif"


def test_exif_orientation_is_applied() -> None:
    stored = Image.new("RGB", (40, 20), (255, 0, 0))
    stored.paste((0, 0, 255), (0, 0, 10, 20))  # blue band on the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # display = stored rotated 90 degrees clockwise
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    data = buffer.getvalue()

    assert inspect_image(data, max_pixels=BUDGET) == ImageInfo("jpeg", 40, 20)  # as stored
    pixels = decode_image(data, max_pixels=BUDGET)
    assert pixels.shape == (40, 20, 3)  # upright: portrait
    top, bottom = pixels[2, 10].astype(int), pixels[-3, 10].astype(int)
    assert top[2] > 200 and top[0] < 60, "the blue band must end up on top"
    assert bottom[0] > 200 and bottom[2] < 60


def test_transparency_becomes_white_and_16_bit_is_scaled() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (4, 4), (0, 0, 0, 0)).save(buffer, "PNG")
    assert decode_image(buffer.getvalue(), max_pixels=BUDGET)[0, 0].tolist() == [255, 255, 255]

    buffer = io.BytesIO()
    Image.fromarray(np.full((4, 4), 32896, dtype=np.uint16)).save(buffer, "PNG")
    assert decode_image(buffer.getvalue(), max_pixels=BUDGET)[0, 0].tolist() == [128, 128, 128]


def test_max_side_reduces_large_images() -> None:
    """A 3000x2000 JPEG of a gradient (synthetic_image's grain costs seconds at this size, and
    only the size matters here)."""
    ramp = np.linspace(0, 255, 3000, dtype=np.uint8)
    gradient = np.broadcast_to(ramp[None, :, None], (2000, 3000, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(gradient), "RGB").save(buffer, "JPEG", quality=90)
    big = buffer.getvalue()
    pixels = decode_image(big, max_pixels=BUDGET, max_side=1000)
    assert pixels.shape == (667, 1000, 3)


def test_image_rejected_has_closed_reason_set() -> None:
    with pytest.raises(ValueError, match="unknown image reject reason"):
        ImageRejected("bogus", "x")  # type: ignore[arg-type]
    err = ImageRejected("corrupt", "multi\nline   detail")
    assert str(err) == "corrupt: multi line detail"
    assert set(IMAGE_REJECT_REASONS) == {
        "not_image",
        "unsupported_format",
        "too_many_pixels",
        "truncated",
        "corrupt",
    }


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_mutated_images_never_raise_bare_decoder_errors(fmt: str) -> None:
    """Random byte damage gives a decoded image or ImageRejected, never a PIL exception."""
    original = synthetic_image(48, 40, seed=9, fmt=fmt)
    rng = random.Random(1234)
    outcomes = set()
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        try:
            decode_image(bytes(data), max_pixels=BUDGET)
            outcomes.add("decoded")
        except ImageRejected as exc:
            outcomes.add(exc.reason)
    assert "decoded" in outcomes and len(outcomes) > 2, outcomes


def test_a_rejection_names_no_memory_address() -> None:
    """Pillow's 'cannot identify image file <_io.BytesIO object at 0x...>' differs on every run;
    the same image must be rejected with the same text (findings and replays compare it)."""
    gif = b"GIF89a" + b"\x00" * 20 + b";"
    details = set()
    for _ in range(3):
        with pytest.raises(ImageRejected) as info:
            inspect_image(gif, max_pixels=BUDGET, formats=("gif",))
        details.add(info.value.detail)
    (detail,) = details
    assert " at 0x" not in detail
    assert (
        detail == "gif data cannot be decoded (UnidentifiedImageError: cannot identify image file)"
    )
