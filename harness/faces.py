"""The one face pool over ``--faces DIR`` and its ``labels.csv`` (without one: each image one
face of the person its subfolder names, at the top ``bob_2.jpg`` is ``bob``), known by sha256."""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import InputError
from harness.redact import Pretty

if TYPE_CHECKING:
    from harness.contract import Contract

SAMPLE_LIMIT = 64  # the images a sample reads at most (bounded start-up on a large set)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")

REQUIRED_COLUMNS = ("file", "identity")
_UNKNOWN_IDENTITIES = frozenset({"none", "unknown"})


@dataclass(frozen=True, slots=True)
class LabelRow:
    """One row of ``labels.csv``; ``faces`` is ``None`` when the column is absent."""

    line: int
    file: str
    identity: str
    faces: int | None


@dataclass(frozen=True)
class PoolImage(Pretty):
    """One image of the pool, as every suite sees it (``name``: how its suite finds it again; one
    of a whole labelled set keeps no ``data`` and is read again from ``path``)."""

    name: str
    data: bytes = field(default=b"", repr=False, compare=False)
    identity: str = ""
    sha256: str = ""
    path: Path | None = field(default=None, compare=False)
    builtin: bool = field(default=False, compare=False)
    size_class: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    def read_bytes(self) -> bytes:
        return self.data if self.data or self.path is None else self.path.read_bytes()

    @functools.cached_property
    def format(self) -> str:
        from harness.imaging import sniff_format

        return sniff_format(self.data) or "unknown"

    @functools.cached_property
    def b64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")


def load_labels(path: Path) -> list[LabelRow]:
    if not path.is_file():
        raise InputError(
            f"labels file {_not_a_file(path)}: {path}; expected a CSV with header "
            "file,identity[,faces]"
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            if (header := next(reader, None)) is None:
                raise InputError(f"{path}: empty file; expected header file,identity[,faces]")
            columns = [c.strip() for c in header]
            if missing := [c for c in REQUIRED_COLUMNS if c not in columns]:
                raise InputError(
                    f"{path}: missing column {missing[0]!r}; header is {','.join(columns)!r}, "
                    "expected file,identity[,faces]"
                )
            where = {c: columns.index(c) for c in (*REQUIRED_COLUMNS, "faces") if c in columns}
            rows = [
                _parse_row(path, reader.line_num, cells, where, len(columns))
                for cells in reader
                if any(c.strip() for c in cells)
            ]
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: not valid CSV ({exc})") from None
    seen: dict[str, int] = {}
    for row in rows:
        if (first := seen.setdefault(row.file, row.line)) != row.line:
            raise InputError(
                f"{path} line {row.line}: file {row.file!r} is already listed on line {first}"
            )
    return rows


def _parse_row(
    path: Path, line: int, cells: list[str], where: dict[str, int], width: int
) -> LabelRow:
    if len(cells) != width:
        raise InputError(f"{path} line {line}: {len(cells)} fields, header has {width}")
    file, identity = (cells[where[column]].strip() for column in REQUIRED_COLUMNS)
    if not file:
        raise InputError(f"{path} line {line}: empty 'file'")
    if not identity:
        raise InputError(f"{path} line {line}: empty 'identity' (use 'unknown' or 'none')")
    faces: int | None = None
    if "faces" in where:
        raw = cells[where["faces"]].strip()
        try:
            faces = int(raw)
        except ValueError:
            raise InputError(f"{path} line {line}: faces {raw!r} is not a whole number") from None
        if faces < 0:
            raise InputError(f"{path} line {line}: faces {faces} is negative")
    return LabelRow(line=line, file=file, identity=identity, faces=faces)


def _not_a_file(path: Path) -> str:
    """Why ``path`` is no file to read ("not found" was said of a folder and a link loop too)."""
    if path.is_dir():
        return "is a directory"
    if path.is_symlink() and not path.exists():
        try:
            path.resolve(strict=True)
        except FileNotFoundError:
            return "is a symbolic link to nothing"
        except (RuntimeError, OSError):  # a loop: RuntimeError before Python 3.13
            return "is a symbolic link loop"
    return "is not a regular file" if path.exists() else "not found"


def is_pairable(row: LabelRow) -> bool:
    """One face of one named person: the only images whose pair truth is certain."""
    identity = row.identity.lower()
    return row.faces in (None, 1) and identity not in _UNKNOWN_IDENTITIES and "|" not in identity


def load_images(faces_dir: Path, *, limit: int | None = None) -> list[PoolImage]:
    """The single-face images of ``faces_dir`` (:func:`is_pairable`), sorted by sha256; with
    ``limit``, the first of them in label order, bytes kept. Two files with the same bytes are
    one image (and must carry one identity)."""
    if not faces_dir.is_dir():
        raise InputError(
            f"--faces {faces_dir}: not a directory (expected a folder with labels.csv)"
        )
    labels = faces_dir / "labels.csv"
    root = faces_dir.resolve()
    by_hash: dict[str, PoolImage] = {}
    # a labels.csv that is there but no file (a folder, a link loop) is refused, never skipped
    there = labels.exists() or labels.is_symlink()
    for row in load_labels(labels) if there or limit is None else _unlabelled(root):
        if not is_pairable(row):
            continue
        try:
            image = (faces_dir / row.file).resolve()
        except (RuntimeError, OSError):  # a symlink loop: Python 3.12 raises RuntimeError
            raise InputError(
                f"{labels} line {row.line}: {row.file!r} is a symbolic link loop"
            ) from None
        if not image.is_relative_to(root):
            raise InputError(f"{labels} line {row.line}: {row.file!r} is outside {faces_dir}")
        if not image.is_file():
            raise InputError(
                f"{labels} line {row.line}: image {row.file!r} not found in {faces_dir}"
            )
        data = image.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if (known := by_hash.get(digest)) is not None:
            if known.identity != row.identity:
                raise InputError(
                    f"{labels} line {row.line}: {row.file!r} has the same bytes as "
                    f"{known.name!r} but identity {row.identity!r} != {known.identity!r}"
                )
            continue
        kept = data if limit is not None else b""
        name = image.relative_to(root).as_posix()
        by_hash[digest] = PoolImage(name, kept, row.identity, digest, image)
        if limit is not None and len(by_hash) >= limit:
            break
    return sorted(by_hash.values(), key=lambda im: im.sha256)


def sample_faces(faces_dir: Path, limit: int = SAMPLE_LIMIT) -> list[PoolImage]:
    """At most ``limit`` single-face images of ``faces_dir`` (bytes kept); none is an error."""
    found = load_images(faces_dir, limit=limit)
    if not found:
        raise InputError(f"--faces {faces_dir}: no readable .jpg/.png image of one face in it")
    return found


def builtin_images() -> list[PoolImage]:
    """The built-in portraits: every suite's faces (beside ``--faces``, but for accuracy)."""
    from harness.imaging import builtin_faces

    return [
        PoolImage(f.name, f.data, f.identity, path=Path("builtin") / f.name, builtin=True)
        for f in builtin_faces()
    ]


def pool_faces(faces_dir: Path | None) -> list[PoolImage]:
    return builtin_images() + (sample_faces(faces_dir) if faces_dir is not None else [])


def _unlabelled(root: Path) -> list[LabelRow]:
    """The rows a ``labels.csv`` of a folder without one would have."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)

    def person(p: Path) -> str:  # the subfolder, else the name without a trailing number
        top = re.sub(r"[_-]?\d+$", "", p.stem) or p.stem
        return p.parent.relative_to(root).as_posix() if p.parent != root else top

    return [LabelRow(0, p.relative_to(root).as_posix(), person(p), None) for p in files]


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What one API accepts of the pool's images, read from the contract."""

    formats: tuple[str, ...]
    max_base64_chars: int | None = None
    max_bytes_exclusive: int | None = None

    def fits(self, data: bytes, fmt: str | None) -> bool:
        return self.fits_size(len(data), fmt)

    def fits_size(self, size: int, fmt: str | None) -> bool:
        chars, under = self.max_base64_chars, self.max_bytes_exclusive
        too_long = chars is not None and 4 * ((size + 2) // 3) > chars
        return fmt in self.formats and not too_long and (under is None or size < under)

    @property
    def largest(self) -> int:
        """The most bytes an image may have (0: no limit)."""
        chars, under = self.max_base64_chars, self.max_bytes_exclusive
        sizes = [chars // 4 * 3] if chars is not None else []
        return min(sizes + ([under - 1] if under is not None else []), default=0)

    def describe(self) -> str:
        chars, under = self.max_base64_chars, self.max_bytes_exclusive
        parts = ["/".join(self.formats)]
        parts += [f"at most {chars} base64 characters"] if chars is not None else []
        parts += [f"under {under} bytes"] if under is not None else []
        return ", ".join(parts)


def limits_for(api: str, contract: Contract, *, safe: bool = False) -> ImageLimits:
    """The upload limits of ``api`` (``"match"`` or ``"jd"``) as the contract states them;
    ``safe``: within them under every reading of the documents (ERRATA E-012, E-020)."""
    if api == "match":
        chars = contract.match_base64_safe_chars if safe else contract.match_base64_max_chars
        return ImageLimits(formats=("jpeg", "png"), max_base64_chars=chars)
    under = contract.jd_image_safe_bytes + 1 if safe else contract.jd_image_max_bytes
    return ImageLimits(formats=contract.jd_image_formats, max_bytes_exclusive=under)
