"""Why an image was refused, as one exception with a small closed set of reasons."""

from __future__ import annotations

from typing import Final, Literal

ImageRejectReason = Literal[
    "not_image", "unsupported_format", "too_many_pixels", "truncated", "corrupt"
]

IMAGE_REJECT_REASONS: Final[tuple[ImageRejectReason, ...]] = (
    "not_image",  # no known image signature (empty, text, random bytes)
    "unsupported_format",  # a real image, but not one of the accepted formats (gif, bmp, webp, ...)
    "too_many_pixels",  # width * height over the budget: refused before any pixel is decoded
    "truncated",  # the byte stream stops early (no JPEG EOI / PNG IEND, or data ran out)
    "corrupt",  # the signature is right but the content cannot be parsed or decoded
)


class ImageRejected(ValueError):
    """The bytes are not an image the caller accepts.

    ``reason`` is one of :data:`IMAGE_REJECT_REASONS` so callers can map it to an API error
    code; ``detail`` is a short human explanation. ``str(err)`` is one line.
    """

    def __init__(self, reason: ImageRejectReason, detail: str) -> None:
        if reason not in IMAGE_REJECT_REASONS:
            raise ValueError(
                f"unknown image reject reason {reason!r}; expected one of {IMAGE_REJECT_REASONS}"
            )
        self.reason: ImageRejectReason = reason
        self.detail = " ".join(detail.split())
        super().__init__(f"{reason}: {self.detail}")

    def __reduce__(self) -> tuple[type[ImageRejected], tuple[ImageRejectReason, str]]:
        return (type(self), (self.reason, self.detail))
