"""The bytes sent for each image, fitted to one API's documented upload limits.

A face set is gathered for its faces, not for an API's upload rules: a 500 KB PNG portrait
is over the internal API's 400k of base64 (ERRATA E-012). Refusing such a pair would
measure the upload limit, not matching, so an image that does not fit is re-encoded as
JPEG (quality 90), shrunk by steps if it still does not fit, and the number of images
treated so is reported. The pair keeps the original image's sha256 as its key, so every
API is measured on the same pairs and the cache stays valid.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from PIL import Image

from harness.faces import ImageLimits, PoolImage
from harness.imaging import ImageRejected, encode, picture, sniff_format, times

from ..errors import InputError

REENCODE_FORMAT = "jpeg"
REENCODE_QUALITY = 90
_SHRINK = 0.75
_MAX_SHRINKS = 8


class PayloadSource:
    """Payloads by image, re-encoded where the limits demand, with a small LRU of results.

    Pairs arrive in hash order, so an image comes back at random; keeping the last
    ``cache_size`` payloads avoids re-reading (and re-encoding) most of them while memory
    stays bounded for large sets.
    """

    def __init__(self, limits: ImageLimits, *, cache_size: int = 64) -> None:
        self.limits = limits
        self.reencoded: set[str] = set()
        self._cache: OrderedDict[str, PoolImage] = OrderedDict()
        self._cache_size = cache_size

    def unfit(self, images: Iterable[PoolImage]) -> list[PoolImage]:
        """The images that will be re-encoded (from sizes and headers; no decoding)."""
        return [image for image in images if not self.limits.fits_size(*_size_and_format(image))]

    def payload(self, image: PoolImage) -> PoolImage:
        cached = self._cache.get(image.sha256)
        if cached is not None:
            self._cache.move_to_end(image.sha256)
            return cached
        data = image.read_bytes()
        if not self.limits.fits(data, sniff_format(data)):
            data = self._fit(image, data)
            self.reencoded.add(image.sha256)
        payload = PoolImage(f"image {image.sha256[:12]}", data)
        self._cache[image.sha256] = payload
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return payload

    def _fit(self, image: PoolImage, data: bytes) -> bytes:
        try:
            pixels, _ = picture(data, upright=True)
        except ImageRejected as exc:
            raise InputError(
                f"{image.name}: {exc.detail}; fix or remove it from labels.csv"
            ) from None
        for _ in range(_MAX_SHRINKS + 1):
            out = encode(pixels, REENCODE_FORMAT, quality=REENCODE_QUALITY)
            if self.limits.fits(out, REENCODE_FORMAT):
                return out
            pixels = pixels.resize(times(_SHRINK)(*pixels.size), Image.Resampling.LANCZOS)
        raise InputError(
            f"{image.name}: cannot be made to fit {self.limits.describe()}; "
            "remove it from labels.csv"
        )


def _size_and_format(image: PoolImage) -> tuple[int, str | None]:
    if image.data or image.path is None:
        return len(image.data), sniff_format(image.data)
    with image.path.open("rb") as handle:
        head = handle.read(32)
    return image.path.stat().st_size, sniff_format(head)
