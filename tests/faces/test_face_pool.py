"""One face pool over ``--faces DIR``: every suite draws the single-face images of labels.csv."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from harness.errors import InputError
from harness.faces import load_images, sample_faces
from harness.imaging import synthetic_image


def _single_faces(labels: list[dict[str, str]]) -> set[str]:
    return {
        row["file"]
        for row in labels
        if row["faces"] == "1" and row["identity"] not in ("none", "unknown")
    }


def test_every_suite_draws_the_single_face_images_of_labels_csv(faces_dir, face_labels, contract):
    from harness.accuracy import load_dataset
    from harness.conformance._payloads import PayloadPool
    from harness.fuzz import image_pool
    from harness.loadgen.scenarios import build_pool

    single = _single_faces(face_labels)
    assert "group_selfie_1.jpg" not in single and "no_face_cat_1.jpg" not in single
    sample = {f.path.relative_to(faces_dir.resolve()).as_posix() for f in sample_faces(faces_dir)}
    assert sample == single  # fewer rows than the sample limit: all of them, nothing else
    identity = {row["file"]: row["identity"] for row in face_labels}
    accuracy = load_dataset(faces_dir).images
    assert {im.path.name: im.identity for im in accuracy} == {f: identity[f] for f in single}
    fuzz = [f for f in image_pool(faces_dir).faces if f.name.startswith("faces:")]
    assert {f.name.removeprefix("faces:").split("|")[0] for f in fuzz} == single
    assert all(f.identity == identity[f.name[6:].split("|")[0]] for f in fuzz)
    conformance = {n.removeprefix("faces:") for n in PayloadPool(contract, faces_dir).media}
    assert single <= conformance and not conformance & (set(identity) - single)
    load = [im for im in build_pool(str(faces_dir)).images if im.name in identity]
    assert load and {im.name for im in load} <= single
    assert all(im.identity == identity[im.name] for im in load)


def test_a_sample_is_bounded_and_keeps_its_bytes(tmp_path: Path) -> None:
    rows = ["file,identity,faces"]
    for n in range(6):
        (tmp_path / f"p{n}.jpg").write_bytes(synthetic_image(40, 30, seed=n, fmt="jpeg"))
        rows.append(f"p{n}.jpg,person{n},1")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    sample = sample_faces(tmp_path, limit=4)
    assert len(sample) == 4 and all(f.data for f in sample)
    assert {f.identity for f in sample} == {f"person{n}" for n in range(4)}  # label order
    assert len(load_images(tmp_path)) == 6 and not any(f.data for f in load_images(tmp_path))


def test_an_image_is_its_bytes_by_sha256_and_never_prints_them(tmp_path: Path) -> None:
    """Kept or read again from its file, an image is the same bytes under one sha256; no
    printer (repr, hypothesis' falsifying examples) shows the bytes."""
    from hypothesis.vendor.pretty import pretty

    data = synthetic_image(40, 30, seed=1, fmt="png")
    (tmp_path / "a.png").write_bytes(data)
    (tmp_path / "labels.csv").write_text("file,identity\na.png,ann\n", encoding="utf-8")
    (lazy,), (kept,) = load_images(tmp_path), sample_faces(tmp_path)
    assert lazy == kept and not lazy.data and lazy.read_bytes() == kept.data == data
    assert kept.sha256 == hashlib.sha256(data).hexdigest() and kept.format == "png"
    assert base64.b64decode(kept.b64) == data and kept.name == "a.png"
    for text in (repr(kept), pretty(kept), pretty((kept, lazy))):
        assert "\\x" not in text and kept.sha256 in text, text[:200]


def test_a_folder_without_labels_names_people_by_subfolder_or_file_name(tmp_path: Path) -> None:
    for rel, seed in (("ann/a.jpg", 1), ("ann/b.png", 2), ("bob_1.jpg", 3), ("bob_2.jpg", 4)):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        fmt = "png" if rel.endswith("png") else "jpeg"
        (tmp_path / rel).write_bytes(synthetic_image(40, 30, seed=seed, fmt=fmt))
    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    found = {
        f.path.relative_to(tmp_path.resolve()).as_posix(): f.identity
        for f in sample_faces(tmp_path)
    }
    assert found == {"ann/a.jpg": "ann", "ann/b.png": "ann", "bob_1.jpg": "bob", "bob_2.jpg": "bob"}
    with pytest.raises(InputError, match="labels file not found"):
        load_images(tmp_path)  # accuracy needs the ground truth written down


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root / "absent", "not a directory"),
        (lambda root: root, "no readable .jpg/.png image of one face"),
    ],
    ids=["missing", "empty"],
)
def test_a_bad_folder_is_one_input_error(tmp_path: Path, make, message) -> None:
    with pytest.raises(InputError, match=message) as caught:
        sample_faces(make(tmp_path))
    assert "\n" not in str(caught.value)
