"""What a run compares and remembers: outcomes, their cache, the dataset, pairs and payloads."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import heapq
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import IO, Literal, cast, get_args

from PIL import Image

from harness.faces import ImageLimits, PoolImage, builtin_images, load_images
from harness.imaging import ImageRejected, encode, picture, sniff_format, times

from ..errors import InputError, UsageError

Category = Literal["ok", "fta", "error"]
_CATEGORIES: tuple[str, ...] = get_args(Category)


OFF_SCALE = "score out of range"  # a number, not on the documented scale: the score is not read
# one above the documented range (/match on 0..1000): only these can untie the scale (tie_scale)
OFF_SCALE_ABOVE = "score above range"
OFF_SCALES = (OFF_SCALE, OFF_SCALE_ABOVE)
# a score sent that is no number ("85,50", "NaN") beside a decision: the decision counts where a
# claim reads it, the score is unknown (session 29, match-comma: every answer read "no usable
# answer" and the run stopped, exit 2; ERRATA E-089)
UNREADABLE = "score unreadable"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the service said about one pair, before any threshold. ``category``: ``"ok"`` (it
    compared), ``"fta"`` (failure to acquire, counted apart from FNMR as NIST FRTE does) or
    ``"error"`` (5xx, timeouts, unparsable answers: the service, not the algorithm)."""

    score: float | None
    decision: bool | None
    code: str
    category: Category = "ok"

    def __post_init__(self) -> None:
        if self.category not in _CATEGORIES:
            raise ValueError(f"category must be one of {_CATEGORIES}, got {self.category!r}")
        if self.score is not None and not math.isfinite(self.score):
            raise ValueError(f"score must be finite, got {self.score!r}")

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Outcome:
        score, decision, code, category = map(data.get, ("score", "decision", "code", "category"))
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
            raise TypeError(f"score {score!r} is not a number")
        if decision is not None and not isinstance(decision, bool):
            raise TypeError(f"decision {decision!r} is not a boolean")
        if not isinstance(code, str):
            raise TypeError(f"code {code!r} is not a string")
        if category not in _CATEGORIES:
            raise ValueError(f"category {category!r} is not one of {_CATEGORIES}")
        number = None if score is None else float(score)
        return cls(number, decision, code, cast(Category, category))


CacheKey = tuple[str, str, str]


class OutcomeCache(contextlib.AbstractContextManager["OutcomeCache"]):
    """Outcomes by ``(target, api, pair key)``, one flushed line per pair: thousands of calls to
    a metered service must survive a Ctrl-C. A last line cut short is trimmed; a bad line elsewhere
    means the file is not ours (:class:`InputError`); a key seen twice keeps its latest outcome.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[CacheKey, Outcome] = {}
        self._handle: IO[str] | None = None
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        self._entries.update(self._parse(raw, n) for n, raw in enumerate(lines, 1) if raw.strip())
        if tail.strip():
            try:
                self._entries.update([self._parse(tail, len(lines) + 1)])
            except InputError:
                with self.path.open("r+b") as handle:  # interrupted write: drop the fragment
                    handle.truncate(len(data) - len(tail))
            else:
                with self.path.open("ab") as handle:  # complete record, newline lost
                    handle.write(b"\n")

    def _parse(self, raw: bytes, number: int) -> tuple[CacheKey, Outcome]:
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise TypeError("not an object")
            key = (record["target"], record["api"], record["pair"])
            if not all(isinstance(part, str) for part in key):
                raise TypeError("target, api and pair must be strings")
            return key, Outcome.from_dict(record)
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError(
                f"{self.path} line {number}: not an outcome record ({exc}); "
                "delete the file to start the run afresh"
            ) from None

    def get(self, target: str, api: str, pair: str) -> Outcome | None:
        return self._entries.get((target, api, pair))

    def put(self, target: str, api: str, pair: str, outcome: Outcome) -> None:
        """Record and persist one outcome before returning, so a crash right after keeps it."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        record = {"target": target, "api": api, "pair": pair, **dataclasses.asdict(outcome)}
        self._handle.write(json.dumps(record, sort_keys=True, allow_nan=False) + "\n")
        self._handle.flush()
        self._entries[(target, api, pair)] = outcome

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __exit__(self, *exc: object) -> None:
        self.close()


BUILTIN_CAVEAT = (
    "the built-in set (two public-domain portraits, seven variants each) cannot support or "
    "contradict the documented false-match claims: every impostor pair shows the same two "
    "people; run with --faces DIR for evidence"
)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Pairable images and what a report may say of them (counts and a fingerprint, never a
    path); ``caveat``: why no verdict on this set means anything (every one is untestable)."""

    images: list[PoolImage]  # single-face images, sorted by sha256
    name: str  # "builtin" or "faces"
    caveat: str | None = None

    @property
    def fingerprint(self) -> str:
        joined = "\n".join(sorted(image.sha256 for image in self.images))
        return hashlib.sha256(joined.encode()).hexdigest()

    def describe(self) -> str:
        # no path, no file name: it goes into summary.json
        identities = len({image.identity for image in self.images})
        return (
            f"{self.name}: {len(self.images)} single-face images of {identities} "
            f"identities (sha256 {self.fingerprint[:16]})"
        )


def load_dataset(faces: Path | None) -> Dataset:
    if faces is not None:
        return Dataset(images=load_images(faces), name="faces")
    by_hash = {image.sha256: image for image in reversed(builtin_images())}
    images = sorted(by_hash.values(), key=lambda image: image.sha256)
    return Dataset(images=images, name="builtin", caveat=BUILTIN_CAVEAT)


@dataclass(frozen=True, slots=True)
class PairImages:
    """Two images in order of sha256: a service with an asymmetric score always sees a pair the
    same way, and ``key`` names it in the cache whatever the files are called."""

    first: PoolImage
    second: PoolImage
    genuine: bool
    key: str = field(init=False)

    def __post_init__(self) -> None:
        first, second = sorted((self.first, self.second), key=lambda image: image.sha256)
        for name, value in (("first", first), ("second", second)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "key", f"{first.sha256}-{second.sha256}")

    @property
    def subjects(self) -> tuple[str, str]:
        return (self.first.identity, self.second.identity)


def iter_pairs(images: Sequence[PoolImage]) -> Iterator[PairImages]:
    for a, b in combinations(images, 2):
        if a.sha256 != b.sha256:
            yield PairImages(a, b, genuine=a.identity == b.identity)


def pair_quota(genuine: int, impostor: int, max_pairs: int | None) -> tuple[int, int]:
    """Genuine and impostor pairs kept in ``max_pairs``: genuine pairs are scarce, so all of
    them while they fit in half (rounded up); either class leaves what it lacks to the other."""
    if max_pairs is None or genuine + impostor <= max_pairs:
        return genuine, impostor
    n_gen = min(genuine, -(-max_pairs // 2))
    n_imp = min(impostor, max_pairs - n_gen)
    n_gen = min(genuine, max_pairs - n_imp)
    return n_gen, n_imp


def select_pairs(
    pairs: Iterable[PairImages], max_pairs: int | None = None, *, seed: int = 0
) -> list[PairImages]:
    """All pairs, or a seeded :func:`pair_quota` sample, sorted by key (a hash: the classes
    interleave, so a run cut short still measures both). Bottom-k sampling in one pass keeps
    memory at ``max_pairs``, and its priorities do not depend on the order pairs arrive in."""
    if max_pairs is not None and max_pairs < 1:
        raise UsageError(f"max_pairs must be at least 1, got {max_pairs}")
    if max_pairs is None:
        return sorted(pairs, key=lambda p: p.key)
    kept: dict[bool, list[tuple[int, str, PairImages]]] = {True: [], False: []}
    totals = {True: 0, False: 0}
    for pair in pairs:
        totals[pair.genuine] += 1
        digest = hashlib.sha256(f"{seed}:{pair.key}".encode()).digest()  # a uniform rank
        heap = kept[pair.genuine]
        item = (-int.from_bytes(digest[:8], "big"), pair.key, pair)  # max-heap: drop the largest
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
    images: Sequence[PoolImage], *, max_pairs: int | None = None, seed: int = 0
) -> list[PairImages]:
    pairs = select_pairs(iter_pairs(images), max_pairs, seed=seed)
    if not any(p.genuine for p in pairs):
        raise InputError(
            "no genuine pairs: the labels need at least one identity with two single-face images"
        )
    if all(p.genuine for p in pairs):
        raise InputError("no impostor pairs: the labels need single-face images of two identities")
    return pairs


REENCODE_FORMAT = "jpeg"
REENCODE_QUALITY = 90
_SHRINK = 0.75
_MAX_SHRINKS = 8


class PayloadSource:
    """Payloads by image, with a small LRU. An image over the API's upload limits is re-encoded
    as JPEG (refusing it would measure the limit, not matching, ERRATA E-012); its pair keeps the
    original sha256, so every API is measured on the same pairs."""

    def __init__(self, limits: ImageLimits, *, cache_size: int = 64) -> None:
        self.limits = limits
        self.payload = functools.lru_cache(maxsize=cache_size)(self._payload)

    def unfit(self, images: Iterable[PoolImage]) -> list[PoolImage]:
        # from sizes and headers: no decoding
        return [image for image in images if not self.limits.fits_size(*_size_and_format(image))]

    def _payload(self, image: PoolImage) -> PoolImage:
        data = image.read_bytes()
        if not self.limits.fits(data, sniff_format(data)):
            data = self._fit(image, data)
        return PoolImage(f"image {image.sha256[:12]}", data)

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
