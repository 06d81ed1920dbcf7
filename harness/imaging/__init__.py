"""Image bytes in, validated pixels out: the one place that parses client uploads.

``inspect_image`` is the cheap header-only check (format, size, completeness, pixel
budget); ``decode_image`` is the full decode for engines that need pixels. Both raise only
:class:`ImageRejected`, whose ``reason`` is one of :data:`IMAGE_REJECT_REASONS`.
The generators (``builtin_faces``, ``synthetic_image``, ``reencode``) make test and demo
inputs from images shipped in installed packages, never from the developer face set;
``resized``, ``padded`` and ``still_video`` shape any pool image the same way for every suite.
"""

from ._builtin import BuiltinFace, BuiltinImage, builtin_faces, builtin_non_faces, package_file
from ._decode import ImageInfo, check_header, decode_image, inspect_image
from ._encode import BODY_ENCODINGS, WRITABLE_FORMATS, encode, encode_image, reencode
from ._errors import IMAGE_REJECT_REASONS, ImageRejected, ImageRejectReason
from ._hashing import sha256_hex
from ._shape import Size, padded, percent, picture, resized, still_video, times, unpadded, within
from ._sniff import SUPPORTED_FORMATS, looks_complete, sniff_format
from ._synthetic import synthetic_image

__all__ = [
    "BODY_ENCODINGS",
    "IMAGE_REJECT_REASONS",
    "SUPPORTED_FORMATS",
    "WRITABLE_FORMATS",
    "BuiltinFace",
    "BuiltinImage",
    "ImageInfo",
    "ImageRejectReason",
    "ImageRejected",
    "Size",
    "builtin_faces",
    "builtin_non_faces",
    "check_header",
    "decode_image",
    "encode",
    "encode_image",
    "inspect_image",
    "looks_complete",
    "package_file",
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

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith(__name__ + "."):
        _obj.__module__ = __name__
