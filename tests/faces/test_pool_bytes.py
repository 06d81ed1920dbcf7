"""Every suite's pool images keep their exact bytes: replay files name an image (a fuzz recipe,
a conformance pool name) with its sha256 and a replay must make the same bytes again; load's
size classes and accuracy's re-encoded uploads must not drift either.

The digests were taken from the code as it was before the suites shared one way of shaping
(``resized``, ``padded``, ``still_video``) and ``harness.faces.pool_faces``. A change of Pillow,
libjpeg or OpenCV that changes them also breaks the replay files users have.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from harness.imaging import padded, synthetic_image


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest(value: Any) -> str:
    return _sha(json.dumps(value, sort_keys=True).encode())[:16]


RECIPES = {
    "builtin:eileen_collins_jpeg|scale:90": "9c94bcebcce8a765",
    "builtin:eileen_collins_orig|fit:200|as:webp": "3a2635dcfb8f5e30",
    "builtin:grace_hopper_orig|fit:320|as:png": "6251cb9ffb046753",
    "builtin:grace_hopper_orig|fit:320|dims:9000x9000": "512226f44460947c",
    "builtin:grace_hopper_orig|fit:320|mp4:3": "3a996bd2c82b1ab8",
    "builtin:grace_hopper_orig|fit:320|pad:60000": "33b734cdd09f1fda",
    "noise:3:500": "8b56d033c7dbc030",
    "nonface:cat_chelsea|fit:200": "78b4490b4039c2fb",
    "nonface:rocket|as:png|scale:50": "327f6cbcbd9bb249",
    "pngbomb:20000x20000": "40abf85201c185c3",
    "synthetic:64x48:7:png|as:jpeg|scale:90|cut:300": "7c756b3b543d33de",
}
DIR_RECIPES = {
    "faces:ann/big.png|fit:640": "ab4073d7c484fe19",
    "faces:bob/small.jpg|fit:320|as:png": "e6a05f912bc2f518",
}
POOLS = {  # _digest of {name: sha256} (load: [sha256, bytes, size class, format, identity])
    "fuzz": "07a3a7e6a4ac0d17",
    "fuzz_dir": "e6d2d8a70c329a74",
    "conformance": "5849ccf614846012",  # session 17: + faceless_video (FH-L27), the rest unchanged
    "conformance_dir": "97b9f323f01ea9db",  # likewise
    "conformance_lists": "e887af24d45434a3",
    "conformance_dir_lists": "c3777bc55330477e",
    "load": "2c7df0a21d49d7d8",
    "load_dir": "90578f7ba4aa9e9e",
    "accuracy_builtin": "ba28f9de821388f7",
    "accuracy_payloads": "d299e552c58ba46a",
}


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A large PNG (shrunk by conformance, refused by load, re-encoded by accuracy) and a small
    JPEG, in subfolders."""
    root = tmp_path_factory.mktemp("faces")
    (root / "ann").mkdir()
    (root / "bob").mkdir()
    (root / "ann" / "big.png").write_bytes(synthetic_image(1300, 900, seed=5, fmt="png"))
    (root / "bob" / "small.jpg").write_bytes(synthetic_image(300, 200, seed=6, fmt="jpeg"))
    (root / "labels.csv").write_text(
        "file,identity,faces\nann/big.png,ann,1\nbob/small.jpg,bob,1\n", encoding="utf-8"
    )
    return root


def test_fuzz_recipes_make_the_same_bytes(faces: Path) -> None:
    from harness.fuzz import image_pool, render

    assert {r: _sha(render(r))[:16] for r in RECIPES} == RECIPES
    assert {r: _sha(render(r, faces))[:16] for r in DIR_RECIPES} == DIR_RECIPES
    for key, root in (("fuzz", None), ("fuzz_dir", faces)):
        pool = image_pool(root)
        images = (*pool.faces, *pool.synthetic, *pool.videos)
        assert _digest({im.name: im.sha256 for im in images}) == POOLS[key], key


def test_conformance_media_keep_their_names_and_bytes(faces: Path, contract: Any) -> None:
    from harness.conformance._payloads import PayloadPool

    for key, root in (("conformance", None), ("conformance_dir", faces)):
        pool = PayloadPool(contract, root)
        assert _digest({n: _sha(m.data) for n, m in pool.media.items()}) == POOLS[key], key
        lists = {
            "match": [m.name for m in pool.match_images],
            "jd": [m.name for m in pool.jd_images],
            "small": [m.name for m in pool.small],
            "reference": pool.reference.name,
        }
        assert _digest(lists) == POOLS[key + "_lists"], key
    assert _sha(padded(PayloadPool(contract).reference.data, 300_000))[:16] == "c4b6d23a6d3326e0"


def test_load_size_classes_keep_their_images(
    faces: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built, and as a run's Locust processes read it from the file their launcher wrote
    (``share_pool``); a file written for another folder is not read."""
    from harness.loadgen import scenarios
    from harness.loadgen.scenarios import POOL_FILE_ENV, build_pool, share_pool

    def check(key: str, root: str) -> None:
        pool = build_pool(root)
        images = {
            im.name: [im.sha256, im.data, im.size_class, im.format, im.identity, im.builtin]
            for im in pool.images
        }
        digest = {name: [_sha(i[1]), len(i[1]), *i[2:5]] for name, i in images.items()}
        assert _digest(digest) == POOLS[key], key
        assert pool.skipped == (1 if root else 0)  # the 2 MB PNG is over every API's limit
        assert not any(i[5] for i in images.values())
        assert all(im.sha256 == _sha(im.data) for im in pool.images)

    for key, root in (("load", ""), ("load_dir", str(faces))):
        check(key, root)
        share_pool(root, tmp_path / key)
    try:
        with monkeypatch.context() as inside:
            inside.setattr(scenarios, "pool_faces", None)  # read, not built
            for key, root in (("load", ""), ("load_dir", str(faces))):
                inside.setenv(POOL_FILE_ENV, str(tmp_path / key))
                build_pool.cache_clear()
                check(key, root)
        monkeypatch.setenv(POOL_FILE_ENV, str(tmp_path / "load_dir"))
        build_pool.cache_clear()
        check("load", "")  # the other folder's file: built
    finally:
        monkeypatch.delenv(POOL_FILE_ENV)
        build_pool.cache_clear()


def test_accuracy_sends_the_same_uploads(faces: Path, contract: Any) -> None:
    from harness.accuracy import PayloadSource, load_dataset
    from harness.faces import limits_for

    builtin = load_dataset(None)
    named = {im.path.as_posix(): [im.sha256, im.identity] for im in builtin.images}
    assert (
        _digest({"fingerprint": builtin.fingerprint, "images": named}) == POOLS["accuracy_builtin"]
    )
    sent = {}
    for api in ("match", "jd"):
        source = PayloadSource(limits_for(api, contract))
        for image in (*builtin.images, *load_dataset(faces).images):
            payload = source.payload(image)
            sent[f"{api}:{image.sha256[:12]}"] = [_sha(payload.data), payload.format]
    assert _digest(sent) == POOLS["accuracy_payloads"]
