"""The genuine/impostor pairs built from the single-face images of :mod:`harness.faces`."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from harness.faces import PoolImage

from ..errors import InputError, UsageError


@dataclass(frozen=True, slots=True)
class PairImages:
    """Two images to compare, in a canonical order (``first.sha256 <= second.sha256``).

    The order is fixed by content so a service with an asymmetric score always sees a given
    pair the same way, and ``key`` names it in the cache whatever the files are called.
    """

    first: PoolImage
    second: PoolImage
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


def iter_pairs(images: Sequence[PoolImage]) -> Iterator[PairImages]:
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
    images: Sequence[PoolImage], *, max_pairs: int | None = None, seed: int = 0
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
