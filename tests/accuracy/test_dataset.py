"""Which faces a run compares, and what a report may say about them."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.accuracy._data import load_dataset
from harness.errors import InputError
from harness.imaging import builtin_faces

from .conftest import MakeFaces


def test_builtin_set_is_in_memory_and_cannot_support_claims() -> None:
    data = load_dataset(None)
    assert data.name == "builtin"
    assert data.caveat and "cannot support" in data.caveat and "--faces" in data.caveat
    assert " of 2 identities " in data.describe()
    assert len(data.images) == len({f.data for f in builtin_faces()})
    assert all(image.data and not image.path.exists() for image in data.images)
    assert load_dataset(None).fingerprint == data.fingerprint  # stable: the cache can resume


def test_a_folder_is_described_by_counts_and_content_not_path(make_faces: MakeFaces) -> None:
    folder = make_faces({"ann": 2, "bob": 3})
    data = load_dataset(folder)
    assert (data.name, data.caveat) == ("faces", None)
    text = data.describe()
    assert text.startswith("faces: 5 single-face images of 2 identities (sha256 ")
    assert str(folder) not in text and "ann_1" not in text
    renamed = make_faces({"carl": 2, "dora": 3}, name="other")
    assert load_dataset(renamed).fingerprint != data.fingerprint


def test_a_missing_folder_is_one_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        load_dataset(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="labels file not found"):
        load_dataset(tmp_path / "empty")
