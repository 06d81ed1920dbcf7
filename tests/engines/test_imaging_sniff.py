from __future__ import annotations

import pytest

from harness.imaging import looks_complete, sniff_format, synthetic_image

SIGNATURES = [
    pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg", id="jpeg"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png", id="png"),
    pytest.param(b"GIF89a" + b"\x00" * 20, "gif", id="gif89a"),
    pytest.param(b"GIF87a" + b"\x00" * 20, "gif", id="gif87a"),
    pytest.param(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp", id="webp"),
    pytest.param(b"II*\x00" + b"\x00" * 20, "tiff", id="tiff-le"),
    pytest.param(b"MM\x00*" + b"\x00" * 20, "tiff", id="tiff-be"),
    pytest.param(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 12, "heic", id="heic"),
    pytest.param(b"\x00\x00\x00\x18ftypavif" + b"\x00" * 12, "avif", id="avif"),
    pytest.param(b"", None, id="empty"),
    pytest.param(b"hello, world", None, id="text"),
    pytest.param(b'{"image": "base64"}', None, id="json"),
    pytest.param(b"BM-not-a-bitmap-header", None, id="bm-text"),
    pytest.param(b"\xff\xd8", None, id="jpeg-soi-only"),
    pytest.param(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12, None, id="mp4"),
]


@pytest.mark.parametrize(("data", "expected"), SIGNATURES)
def test_sniff_format_by_magic_bytes(data: bytes, expected: str | None) -> None:
    assert sniff_format(data) == expected


@pytest.mark.parametrize("fmt", ["jpeg", "png", "gif", "bmp", "webp", "tiff"])
def test_sniff_format_recognises_real_encodings(fmt: str) -> None:
    assert sniff_format(synthetic_image(16, 16, seed=1, fmt=fmt)) == fmt


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_looks_complete_only_with_end_marker(fmt: str) -> None:
    data = synthetic_image(64, 48, seed=2, fmt=fmt)
    assert looks_complete(data, fmt)
    assert looks_complete(data + b"\x00" * 300, fmt), "trailing NUL padding is tolerated"
    assert looks_complete(data + b"\r\n", fmt)
    assert not looks_complete(data[:-1], fmt)
    assert not looks_complete(data[: len(data) // 2], fmt)
    assert not looks_complete(data + b"appended trailer", fmt)


def test_looks_complete_trusts_formats_without_a_checked_marker() -> None:
    assert looks_complete(b"GIF89a", "gif")
