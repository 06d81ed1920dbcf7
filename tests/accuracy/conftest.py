"""Fixtures for the accuracy tests: synthetic labelled face folders and a scripted service."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.accuracy._data import Outcome, PairImages, build_pairs
from harness.faces import PoolImage, load_images
from harness.imaging import builtin_faces

SHARED_FACES = Path(__file__).resolve().parents[3] / "shared" / "data" / "faces"

MakeFaces = Callable[..., Path]


@pytest.fixture
def make_faces(tmp_path: Path) -> MakeFaces:
    """Write a face folder: ``{identity: n_images}``; the 'images' are distinct byte blobs.

    Nothing here decodes images, so unique bytes are enough and no photo is copied.
    """

    def make(
        counts: dict[str, int], *, extra_rows: list[str] | None = None, name: str = "faces"
    ) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        rows = ["file,identity,source,faces"]
        for identity, n in counts.items():
            for k in range(1, n + 1):
                file = f"{identity}_{k}.jpg"
                (folder / file).write_bytes(f"{name}:{identity}:{k}".encode())
                rows.append(f"{file},{identity},synthetic,1")
        rows.extend(extra_rows or [])
        (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        return folder

    return make


def _unit(text: str) -> float:
    """A deterministic number in [0, 1) from a string: 'noise' that survives a re-run."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


def scripted_compare(
    *, fta_identity: str | None = None, impostor_base: float = 10.0
) -> Callable[[PairImages], Outcome]:
    """A pure stand-in for the service: genuine pairs score 60..100, impostors low.

    Pairs that involve ``fta_identity`` are declined as "no face" (failure to acquire).
    """

    def compare(pair: PairImages) -> Outcome:
        if fta_identity in pair.subjects:
            return Outcome(score=None, decision=None, code="NO_FACE", category="fta")
        noise = _unit(pair.key)
        score = 60.0 + 40.0 * noise if pair.genuine else impostor_base + 50.0 * noise
        return Outcome(score=round(score, 3), decision=score >= 80.0, code="0000")

    return compare


@pytest.fixture
def synthetic_pairs(make_faces: MakeFaces) -> list[PairImages]:
    folder = make_faces({f"person{n}": 3 for n in range(8)})
    return build_pairs(load_images(folder))


def image(identity: str, blob: str, folder: Path = Path("/nonexistent")) -> PoolImage:
    """A PoolImage without a file, for tests that only need identities and hashes."""
    return PoolImage(
        f"{blob}.jpg",
        path=folder / f"{blob}.jpg",
        identity=identity,
        sha256=hashlib.sha256(blob.encode()).hexdigest(),
    )


def builtin_folder(root: Path, *, extra: dict[str, bytes] | None = None) -> Path:
    """The built-in portraits as a labelled folder (public-domain images, written to tmp)."""
    root.mkdir()
    rows = [("file", "identity", "faces")]
    for face in builtin_faces():
        suffix = "png" if face.data.startswith(b"\x89PNG") else "jpg"
        (root / f"{face.name}.{suffix}").write_bytes(face.data)
        rows.append((f"{face.name}.{suffix}", face.identity, "1"))
    for name, data in (extra or {}).items():
        (root / name).write_bytes(data)
        rows.append((name, "objects", "1"))
    with (root / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return root
