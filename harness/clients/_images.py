"""Image and video payloads for requests: read, sniff, size-check before anything is sent."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import InputError


def sniff(data: bytes) -> str | None:
    """Format by magic bytes: jpeg/png via harness.imaging, plus mp4 (ISO BMFF `ftyp`) for
    videos."""
    from harness.imaging import sniff_format

    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "mp4"
    return sniff_format(data)


@dataclass(frozen=True)
class Payload:
    data: bytes = field(repr=False)
    format: str
    name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    def byte_array(self) -> list[int]:
        """Java-style signed bytes, the form a Java SDK's byte[] takes (ERRATA E-021)."""
        return [b - 256 if b > 127 else b for b in self.data]

    def __repr__(self) -> str:
        return (
            f"Payload({self.name}, {self.format}, {len(self.data)} bytes, "
            f"sha256={self.sha256[:12]})"
        )


def load_payload(
    source: str | Path | bytes, *, allowed: tuple[str, ...], name: str | None = None
) -> Payload:
    """Read a file (or take bytes) and insist its magic bytes are one of `allowed`."""
    if isinstance(source, bytes):
        data, label = source, name or "<bytes>"
    else:
        path = Path(source)
        label = name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, expected an image file") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data:
        raise InputError(f"{label}: file is empty")
    fmt = sniff(data)
    if fmt not in allowed:
        found = fmt or "not an image or video"
        raise InputError(f"{label}: {found}; expected {' or '.join(allowed)}")
    return Payload(data=data, format=fmt, name=label)


def check_base64_chars(payload: Payload, limit: int, rule: str) -> None:
    size = 4 * ((len(payload.data) + 2) // 3)
    if size > limit:
        raise InputError(
            f"{payload.name}: {size} base64 characters, over the {limit} limit ({rule})"
        )


def check_bytes(payload: Payload, limit_exclusive: int, rule: str) -> None:
    if len(payload.data) >= limit_exclusive:
        raise InputError(
            f"{payload.name}: {len(payload.data)} bytes, must be under {limit_exclusive} ({rule})"
        )
