"""Labels parsing, pairability, pair keys and the sampling rule."""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.accuracy._data import PairImages, build_pairs, iter_pairs, pair_quota, select_pairs
from harness.errors import InputError, UsageError
from harness.faces import LabelRow, is_pairable, load_images, load_labels

from .conftest import SHARED_FACES, MakeFaces, image

GOOD_HEADER = "file,identity,faces\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("name,identity\na.jpg,x\n", "missing column 'file'"),
        ("file,person,faces\na.jpg,x,1\n", "missing column 'identity'"),
        (GOOD_HEADER + "a.jpg,x\n", "line 2: 2 fields, header has 3"),
        (GOOD_HEADER + "a.jpg,x,1\nb.jpg,y,one\n", "line 3: faces 'one' is not a whole number"),
        (GOOD_HEADER + "a.jpg,x,-1\n", "line 2: faces -1 is negative"),
        (GOOD_HEADER + "a.jpg, ,1\n", "line 2: empty 'identity'"),
        (GOOD_HEADER + ",x,1\n", "line 2: empty 'file'"),
        (
            GOOD_HEADER + "a.jpg,x,1\na.jpg,y,1\n",
            "line 3: file 'a.jpg' is already listed on line 2",
        ),
        (GOOD_HEADER + 'a.jpg,"x\n', "line 2: not valid CSV"),
    ],
    ids=[
        "empty",
        "no-file-column",
        "no-identity-column",
        "short-row",
        "faces-not-int",
        "faces-negative",
        "blank-identity",
        "blank-file",
        "duplicate-file",
        "unterminated-quote",
    ],
)
def test_bad_labels_give_one_line_input_errors(tmp_path: Path, text: str, message: str) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_labels(labels)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_labels_file_names_the_expected_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"labels file not found: .*file,identity\[,faces\]"):
        load_labels(tmp_path / "labels.csv")


def test_non_utf8_labels_are_an_input_error(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_bytes(b"file,identity\n\xff\xfe.jpg,x\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_labels(labels)


def test_extra_columns_bom_and_blank_lines_are_tolerated(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "\ufeffsource,identity,file,faces,note\nrepo,ann,a.jpg,1,x\n\nrepo,bob,b.jpg,2,y\n",
        encoding="utf-8",
    )
    assert load_labels(labels) == [
        LabelRow(line=2, file="a.jpg", identity="ann", faces=1),
        LabelRow(line=4, file="b.jpg", identity="bob", faces=2),
    ]


def test_without_a_faces_column_faces_is_unknown(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("file,identity\na.jpg,ann\n", encoding="utf-8")
    assert load_labels(labels) == [LabelRow(line=2, file="a.jpg", identity="ann", faces=None)]


@pytest.mark.parametrize(
    ("identity", "faces", "pairable"),
    [
        ("ann", 1, True),
        ("ann", None, True),
        ("ann", 0, False),
        ("ann", 2, False),
        ("none", 0, False),
        ("Unknown", 1, False),
        ("ann|bob", 1, False),
        ("ann|bob|unknown", 7, False),
    ],
)
def test_only_single_known_faces_form_pairs(
    identity: str, faces: int | None, pairable: bool
) -> None:
    assert is_pairable(LabelRow(line=2, file="x.jpg", identity=identity, faces=faces)) is pairable


def test_load_images_skips_unpairable_rows_and_checks_files(make_faces: MakeFaces) -> None:
    folder = make_faces(
        {"ann": 2, "bob": 1},
        extra_rows=["group.jpg,ann|bob,synthetic,2", "cat.jpg,none,synthetic,0"],
    )
    images = load_images(folder)  # group.jpg and cat.jpg do not exist: never opened
    assert sorted(im.path.name for im in images) == ["ann_1.jpg", "ann_2.jpg", "bob_1.jpg"]
    (folder / "bob_1.jpg").unlink()
    with pytest.raises(InputError, match="line 4: image 'bob_1.jpg' not found"):
        load_images(folder)


def test_load_images_refuses_paths_outside_the_folder(make_faces: MakeFaces) -> None:
    folder = make_faces({"ann": 1}, extra_rows=["../escape.jpg,bob,synthetic,1"])
    (folder.parent / "escape.jpg").write_bytes(b"x")
    with pytest.raises(InputError, match="is outside"):
        load_images(folder)


def test_identical_bytes_are_one_image_and_must_agree(make_faces: MakeFaces) -> None:
    folder = make_faces({"ann": 2})
    (folder / "copy.jpg").write_bytes((folder / "ann_1.jpg").read_bytes())
    labels = folder / "labels.csv"
    labels.write_text(labels.read_text() + "copy.jpg,ann,synthetic,1\n")
    assert len(load_images(folder)) == 2
    labels.write_text(labels.read_text().replace("copy.jpg,ann", "copy.jpg,bob"))
    with pytest.raises(InputError, match="same bytes as 'ann_1.jpg'"):
        load_images(folder)


def test_pair_key_is_order_normalised() -> None:
    a, b = image("ann", "one"), image("bob", "two")
    ab, ba = PairImages(a, b, genuine=False), PairImages(b, a, genuine=False)
    assert ab.key == ba.key
    assert (ab.first, ab.second) == (ba.first, ba.second)
    assert ab.first.sha256 < ab.second.sha256
    assert ab.key == "-".join(sorted([a.sha256, b.sha256]))


def test_all_pairs_counts(make_faces: MakeFaces) -> None:
    images = load_images(make_faces({"ann": 4, "bob": 3, "cy": 1}))
    pairs = build_pairs(images)
    genuine = sum(p.genuine for p in pairs)
    assert genuine == math.comb(4, 2) + math.comb(3, 2)
    assert len(pairs) == math.comb(8, 2)
    assert len({p.key for p in pairs}) == len(pairs)
    assert all(p.genuine == (p.first.identity == p.second.identity) for p in pairs)


@pytest.mark.parametrize(
    ("counts", "message"),
    [({"ann": 3}, "no impostor pairs"), ({"ann": 1, "bob": 1}, "no genuine pairs")],
)
def test_build_pairs_needs_both_classes(
    make_faces: MakeFaces, counts: dict[str, int], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        build_pairs(load_images(make_faces(counts)))


def test_a_run_needs_room_for_both_classes(make_faces: MakeFaces, tmp_path: Path) -> None:
    from harness.accuracy import run_accuracy_suite

    with pytest.raises(UsageError, match="at least 2"):
        run_accuracy_suite(
            out=tmp_path / "run", faces=make_faces({"ann": 2, "bob": 2}), max_pairs=1
        )


@pytest.mark.parametrize(
    ("genuine", "impostor", "max_pairs", "expected"),
    [
        (10, 100, None, (10, 100)),
        (10, 100, 500, (10, 100)),
        (10, 1000, 100, (10, 90)),  # all genuine fit in half: kept
        (80, 1000, 100, (50, 50)),  # genuine capped at half
        (80, 20, 50, (30, 20)),  # impostors short: genuine take the rest
        (0, 1000, 100, (0, 100)),
        (3, 3, 5, (3, 2)),  # odd budget: genuine get the extra one
    ],
)
def test_pair_quota_rule(
    genuine: int, impostor: int, max_pairs: int | None, expected: tuple[int, int]
) -> None:
    assert pair_quota(genuine, impostor, max_pairs) == expected


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(1, 5_000))
def test_pair_quota_fills_the_budget_and_favours_genuine(g: int, i: int, m: int) -> None:
    n_gen, n_imp = pair_quota(g, i, m)
    assert n_gen + n_imp == min(m, g + i)
    assert 0 <= n_gen <= g and 0 <= n_imp <= i
    assert n_gen >= min(g, -(-m // 2))


def test_select_pairs_is_seeded_and_order_independent(make_faces: MakeFaces) -> None:
    every = list(iter_pairs(load_images(make_faces({f"p{n}": 3 for n in range(6)}))))
    shuffled = every[:]
    random.Random(5).shuffle(shuffled)
    sample = select_pairs(every, 20, seed=1)
    assert [p.key for p in sample] == [p.key for p in select_pairs(shuffled, 20, seed=1)]
    assert [p.key for p in sample] != [p.key for p in select_pairs(every, 20, seed=2)]
    assert [p.key for p in sample] == sorted(p.key for p in sample)
    assert {p.key for p in sample} <= {p.key for p in every}
    assert sum(p.genuine for p in sample) == 10  # 18 genuine exist; half the budget


def test_pairs_from_the_shared_labels(tmp_path: Path) -> None:
    labels = SHARED_FACES / "labels.csv"
    if not labels.is_file():
        pytest.skip(f"shared face fixtures not found at {SHARED_FACES}")
    with labels.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    single = [
        r
        for r in rows
        if r["faces"] == "1"
        and "|" not in r["identity"]
        and r["identity"] not in ("none", "unknown")
    ]
    per_person = Counter(r["identity"] for r in single)
    expected_genuine = sum(math.comb(n, 2) for n in per_person.values())

    images = load_images(SHARED_FACES)
    pairs = build_pairs(images)

    assert {im.path.name for im in images} == {r["file"] for r in single}
    assert len(pairs) == math.comb(len(single), 2)
    assert sum(p.genuine for p in pairs) == expected_genuine
    excluded = {r["file"] for r in rows} - {r["file"] for r in single}
    assert excluded  # the fixture set does hold group, crowd and face-less photos
    assert not {name for p in pairs for name in (p.first.path.name, p.second.path.name)} & excluded
    sampled = build_pairs(images, max_pairs=40, seed=0)
    assert len(sampled) == 40
    assert sum(p.genuine for p in sampled) == min(expected_genuine, 20)
