"""Images are fitted to each API's documented upload limits before they are sent."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from harness.accuracy._data import PayloadSource
from harness.errors import InputError
from harness.faces import ImageLimits, PoolImage, limits_for
from harness.imaging import builtin_faces, sniff_format


def _face(name: str) -> PoolImage:
    data = next(f.data for f in builtin_faces() if f.name == name)
    return PoolImage(name, data, name.split("_")[0], path=Path("builtin") / name)


def test_limits_come_from_the_contract(contract: Any) -> None:
    match, jd = limits_for("match", contract), limits_for("jd", contract)
    assert match.max_base64_chars == contract.match_base64_max_chars
    assert (jd.max_bytes_exclusive, jd.formats) == (
        contract.jd_image_max_bytes,
        contract.jd_image_formats,
    )
    largest = match.largest  # the most bytes whose base64 is within the limit
    assert match.fits_size(largest, "jpeg") and not match.fits_size(largest + 1, "jpeg")
    assert jd.largest == contract.jd_image_max_bytes - 1  # "小于5M": under, not up to


def test_safe_limits_hold_under_every_reading(contract: Any) -> None:
    """ERRATA E-012 ("400k" of base64) and E-020 ("小于5M"): what a request expected to be
    accepted may carry whichever reading the service takes."""
    match, jd = (limits_for(api, contract, safe=True) for api in ("match", "jd"))
    assert match.largest == contract.match_base64_safe_chars // 4 * 3
    assert jd.fits_size(contract.jd_image_safe_bytes, "png")
    assert not jd.fits_size(contract.jd_image_safe_bytes + 1, "png")
    # E-020's under-5-MB-or-text: under 5,000,000 decoded bytes and 5,000,000 base64 characters
    safe = contract.jd_image_safe_bytes
    assert safe < 5_000_000 and len(base64.b64encode(bytes(safe))) < 5_000_000
    assert match.largest < limits_for("match", contract).largest


def test_oversized_images_are_reencoded_for_the_internal_api(contract: Any) -> None:
    """ERRATA E-012: a 460 KB PNG is 616k of base64, over the internal API's 409,600."""
    big = _face("grace_hopper_png")
    small = _face("grace_hopper_orig")
    match = PayloadSource(limits_for("match", contract))
    assert [im.sha256 for im in match.unfit([big, small])] == [big.sha256]

    sent = match.payload(big)
    assert sent.format == "jpeg" and sniff_format(sent.data) == "jpeg"
    assert 4 * ((len(sent.data) + 2) // 3) <= contract.match_base64_max_chars
    with Image.open(io.BytesIO(sent.data)) as im, Image.open(io.BytesIO(big.data)) as orig:
        assert im.size == orig.size  # re-encoded, not shrunk, when that is enough
    assert match.payload(small).data == small.data  # fits: sent as it is
    assert "grace_hopper" not in sent.name  # payload names (in client errors) are hashes

    jd = PayloadSource(limits_for("jd", contract))
    assert jd.payload(big).data == big.data  # under 5 MiB: JD gets the original


def test_images_are_shrunk_until_they_fit() -> None:
    tight = PayloadSource(ImageLimits(formats=("jpeg",), max_bytes_exclusive=8_000))
    sent = tight.payload(_face("eileen_collins_jpeg"))
    assert len(sent.data) < 8_000
    with Image.open(io.BytesIO(sent.data)) as im:
        assert im.width < 512


def test_unreadable_or_unfittable_images_are_input_errors(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gif"
    bogus.write_bytes(b"GIF89a" + b"\0" * 100)
    image = PoolImage("bogus.gif", identity="x", sha256="0" * 64, path=bogus)
    with pytest.raises(InputError, match="bogus.gif: not a readable image"):
        PayloadSource(ImageLimits(formats=("jpeg",))).payload(image)
    impossible = PayloadSource(ImageLimits(formats=("jpeg",), max_bytes_exclusive=10))
    with pytest.raises(InputError, match="cannot be made to fit"):
        impossible.payload(_face("grace_hopper_crop"))


def test_payloads_are_cached_within_bounds(contract: Any) -> None:
    source = PayloadSource(limits_for("jd", contract), cache_size=2)
    faces = [_face(n) for n in ("grace_hopper_orig", "grace_hopper_rot", "grace_hopper_crop")]
    first = source.payload(faces[0])
    assert source.payload(faces[0]) is first
    source.payload(faces[1]), source.payload(faces[2])
    assert source.payload(faces[0]) is not first  # evicted, rebuilt
