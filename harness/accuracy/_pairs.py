"""Labelled face images and the genuine/impostor pairs built from them.

Only images holding exactly one known person can form a pair whose ground truth is
certain; group photos, crowds and face-less images test detection, not matching, so they
are left to the conformance suites.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from ..errors import InputError, UsageError

REQUIRED_COLUMNS = ("file", "identity")
_UNKNOWN_IDENTITIES = frozenset({"none", "unknown"})


@dataclass(frozen=True, slots=True)
class LabelRow:
    """One row of ``labels.csv``; ``faces`` is ``None`` when the column is absent."""

    line: int
    file: str
    identity: str
    faces: int | None


@dataclass(frozen=True, slots=True)
class FaceImage:
    """A single-face image, identified by content so renamed files share cached results.

    ``data`` holds the bytes of an image that has no file (the built-in set); ``path`` then
    only names it.
    """

    path: Path
    identity: str
    sha256: str
    data: bytes | None = field(default=None, repr=False, compare=False)

    def read_bytes(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()


@dataclass(frozen=True, slots=True)
class PairImages:
    """Two images to compare, in a canonical order (``first.sha256 <= second.sha256``).

    The order is fixed by content so a service with an asymmetric score always sees a given
    pair the same way, and ``key`` names it in the cache whatever the files are called.
    """

    first: FaceImage
    second: FaceImage
    genuine: bool
    key: str = field(init=False)

    def __post_init__(self) -> None:
        if self.first.sha256 > self.second.sha256:
            first, second = self.second, self.first
            object.__setattr__(self, "first", first)
            object.__setattr__(self, "second", second)
        object.__setattr__(self, "key", f"{self.first.sha256}-{self.second.sha256}")

    @property
    def subjects(self) -> tuple[str, str]:
        return (self.first.identity, self.second.identity)


def load_labels(path: Path) -> list[LabelRow]:
    """Read ``file,identity[,faces]`` rows; extra columns (provenance) are ignored."""
    if not path.is_file():
        raise InputError(
            f"labels file not found: {path}; expected a CSV with header file,identity[,faces]"
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file; expected header file,identity[,faces]")
            columns = [c.strip() for c in header]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
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
        if row.file in seen:
            raise InputError(
                f"{path} line {row.line}: file {row.file!r} is already listed on line "
                f"{seen[row.file]}"
            )
        seen[row.file] = row.line
    return rows


def _parse_row(
    path: Path, line: int, cells: list[str], where: dict[str, int], width: int
) -> LabelRow:
    if len(cells) != width:
        raise InputError(f"{path} line {line}: {len(cells)} fields, header has {width}")
    file = cells[where["file"]].strip()
    identity = cells[where["identity"]].strip()
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


def is_pairable(row: LabelRow) -> bool:
    """One face of one named person: the only images whose pair truth is certain."""
    identity = row.identity.lower()
    return row.faces in (None, 1) and identity not in _UNKNOWN_IDENTITIES and "|" not in identity


def load_images(faces_dir: Path, labels: Path | None = None) -> list[FaceImage]:
    """Pairable images of ``faces_dir`` (labels default to ``faces_dir/labels.csv``).

    Images are hashed here because the hash is the pair's identity in the cache; two files
    with the same bytes are one image (and must then carry one identity).
    """
    labels = labels if labels is not None else faces_dir / "labels.csv"
    root = faces_dir.resolve()
    by_hash: dict[str, FaceImage] = {}
    for row in load_labels(labels):
        if not is_pairable(row):
            continue
        image = (faces_dir / row.file).resolve()
        if not image.is_relative_to(root):
            raise InputError(f"{labels} line {row.line}: {row.file!r} is outside {faces_dir}")
        if not image.is_file():
            raise InputError(
                f"{labels} line {row.line}: image {row.file!r} not found in {faces_dir}"
            )
        digest = hashlib.sha256(image.read_bytes()).hexdigest()
        known = by_hash.get(digest)
        if known is not None:
            if known.identity != row.identity:
                raise InputError(
                    f"{labels} line {row.line}: {row.file!r} has the same bytes as "
                    f"{known.path.name!r} but identity {row.identity!r} != {known.identity!r}"
                )
            continue
        by_hash[digest] = FaceImage(path=image, identity=row.identity, sha256=digest)
    return sorted(by_hash.values(), key=lambda im: im.sha256)


def iter_pairs(images: Sequence[FaceImage]) -> Iterator[PairImages]:
    """Every unordered pair once: genuine when both images show the same identity."""
    for a, b in combinations(images, 2):
        if a.sha256 != b.sha256:
            yield PairImages(a, b, genuine=a.identity == b.identity)


def pair_quota(genuine: int, impostor: int, max_pairs: int | None) -> tuple[int, int]:
    """How many genuine and impostor pairs a run of at most ``max_pairs`` keeps.

    Genuine pairs are scarce (they grow with images per person, impostors with the square
    of the dataset) and every one of them informs FNMR and the EER, so they are kept first:
    all of them while they fit in half of ``max_pairs`` (rounded up), and impostors fill the
    rest. Whichever class runs short leaves its share to the other.
    """
    if max_pairs is None or genuine + impostor <= max_pairs:
        return genuine, impostor
    if max_pairs < 1:
        raise UsageError(f"max_pairs must be at least 1, got {max_pairs}")
    n_gen = min(genuine, -(-max_pairs // 2))
    n_imp = min(impostor, max_pairs - n_gen)
    n_gen = min(genuine, max_pairs - n_imp)
    return n_gen, n_imp


def select_pairs(
    pairs: Iterable[PairImages], max_pairs: int | None = None, *, seed: int = 0
) -> list[PairImages]:
    """All pairs, or a seeded sample following :func:`pair_quota`, sorted by key.

    One pass with a seeded priority per pair (bottom-k sampling, uniform without
    replacement), so memory stays at ``max_pairs`` however many impostor pairs a large
    dataset yields. The priority depends on the seed and the pair key only, so the sample
    does not depend on the order pairs arrive in. Sorting by key (a hash) interleaves the
    classes, so a run cut short by its budget still measures both.
    """
    if max_pairs is not None and max_pairs < 1:
        raise UsageError(f"max_pairs must be at least 1, got {max_pairs}")
    if max_pairs is None:
        return sorted(pairs, key=lambda p: p.key)
    kept: dict[bool, list[tuple[int, str, PairImages]]] = {True: [], False: []}
    totals = {True: 0, False: 0}
    for pair in pairs:
        totals[pair.genuine] += 1
        priority = _priority(seed, pair.key)
        heap = kept[pair.genuine]
        item = (-priority, pair.key, pair)  # max-heap on priority: drop the largest
        if len(heap) < max_pairs:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
    n_gen, n_imp = pair_quota(totals[True], totals[False], max_pairs)
    chosen = [
        pair
        for genuine, n in ((True, n_gen), (False, n_imp))
        for _, _, pair in heapq.nlargest(n, kept[genuine])
    ]
    return sorted(chosen, key=lambda p: p.key)


def build_pairs(
    images: Sequence[FaceImage], *, max_pairs: int | None = None, seed: int = 0
) -> list[PairImages]:
    """Pairs for an accuracy run; raises when either class is empty (nothing to measure)."""
    if max_pairs is not None and max_pairs < 2:
        raise UsageError(
            f"max_pairs must be at least 2 (one genuine and one impostor pair), got {max_pairs}"
        )
    pairs = select_pairs(iter_pairs(images), max_pairs, seed=seed)
    if not any(p.genuine for p in pairs):
        raise InputError(
            "no genuine pairs: the labels need at least one identity with two single-face images"
        )
    if all(p.genuine for p in pairs):
        raise InputError("no impostor pairs: the labels need single-face images of two identities")
    return pairs


def _priority(seed: int, key: str) -> int:
    """A uniform pseudo-random rank that depends only on the seed and the pair."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
