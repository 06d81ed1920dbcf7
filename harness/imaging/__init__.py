"""Image bytes in, validated pixels out: the one place that parses client uploads.

``inspect_image`` is the cheap header-only check (format, size, completeness, pixel
budget); ``decode_image`` is the full decode for engines that need pixels. Both raise only
:class:`ImageRejected`, whose ``reason`` is one of :data:`IMAGE_REJECT_REASONS`.
The generators (``builtin_faces``, ``synthetic_image``, ``reencode``) make test and demo
inputs from images shipped in installed packages, never from the developer face set;
``resized``, ``padded`` and ``still_video`` shape any pool image the same way for every suite.
"""

from ._decode import (
    IMAGE_REJECT_REASONS,
    ImageInfo,
    ImageRejected,
    check_header,
    decode_image,
    inspect_image,
    looks_complete,
    sha256_hex,
    sniff_format,
)
from ._make import (
    BuiltinFace,
    builtin_faces,
    builtin_non_faces,
    encode,
    encode_image,
    padded,
    percent,
    picture,
    reencode,
    resized,
    still_video,
    synthetic_image,
    times,
    unpadded,
    within,
)

__all__ = [
    "IMAGE_REJECT_REASONS",
    "BuiltinFace",
    "ImageInfo",
    "ImageRejected",
    "builtin_faces",
    "builtin_non_faces",
    "check_header",
    "decode_image",
    "encode",
    "encode_image",
    "inspect_image",
    "looks_complete",
    "padded",
    "percent",
    "picture",
    "reencode",
    "resized",
    "sha256_hex",
    "sniff_format",
    "still_video",
    "synthetic_image",
    "times",
    "unpadded",
    "within",
]
