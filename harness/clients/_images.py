"""Image and video payloads for requests: read, sniff, size-check before anything is sent."""

from __future__ import annotations

from pathlib import Path

from harness.errors import InputError
from harness.faces import PoolImage


def sniff(data: bytes) -> str | None:
    """Format by magic bytes: jpeg/png via harness.imaging, plus mp4 (ISO BMFF `ftyp`) for
    videos."""
    from harness.imaging import sniff_format

    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "mp4"
    return sniff_format(data)


def load_payload(
    source: str | Path | bytes, *, allowed: tuple[str, ...], name: str | None = None
) -> PoolImage:
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
    return PoolImage(label, data)


def check_base64_chars(payload: PoolImage, limit: int, rule: str) -> None:
    size = 4 * ((len(payload.data) + 2) // 3)
    if size > limit:
        raise InputError(
            f"{payload.name}: {size} base64 characters, over the {limit} limit ({rule})"
        )


def check_bytes(payload: PoolImage, limit_exclusive: int, rule: str) -> None:
    if len(payload.data) >= limit_exclusive:
        raise InputError(
            f"{payload.name}: {len(payload.data)} bytes, must be under {limit_exclusive} ({rule})"
        )
