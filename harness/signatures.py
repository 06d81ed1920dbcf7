"""Image formats by their first bytes: the one list of signatures, in a module light enough for
:mod:`harness.redact` (which sniffs every decoded run a report could leak) to import without
Pillow and numpy; :mod:`harness.imaging` re-exports :func:`sniff_format`."""

from __future__ import annotations

import re
from typing import Final

# Signatures, tried in order; a BMP's DIB header size is one of 12, 16, 40, 52, 56, 64, 108, 124
SIGNATURES: Final = re.compile(
    rb"(?P<jpeg>\xff\xd8\xff)|(?P<png>\x89PNG\r\n\x1a\n)|(?P<gif>GIF8[79]a)"
    rb"|(?P<webp>RIFF.{4}WEBP)|(?P<tiff>II\*\x00|MM\x00\*)"
    rb"|(?P<bmp>BM.{12}[\x0c\x10\x28\x34\x38\x40\x6c\x7c]\x00\x00\x00)"
    rb"|(?P<heic>.{4}ftyp(?:heic|heix|mif1))|(?P<avif>.{4}ftypavi[fs])"
    rb"|(?P<ico>\x00\x00\x01\x00(?!\x00\x00)..)",
    re.S,
)


def sniff_format(data: bytes) -> str | None:
    """The format by its signature (also unaccepted ones: *unsupported*, not *not an image*)."""
    found = SIGNATURES.match(bytes(data[:32]))
    return found.lastgroup if found else None
