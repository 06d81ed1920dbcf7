"""Replay files name the pool's images instead of holding them, and replays put them back."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from harness.conformance import replay_finding
from harness.conformance._payloads import PayloadPool, from_refs, to_refs
from harness.imaging import builtin_faces, padded

from .conftest import conform, explain

LONG_BASE64 = re.compile(r"[A-Za-z0-9+/]{300,}")


@pytest.fixture(scope="module")
def pool(contract):
    return PayloadPool(contract)


def test_pool_media_become_references_and_come_back_byte_for_byte(pool):
    face = pool.match_images[0]
    grown = base64.b64encode(padded(pool.reference.data, 300_000)).decode("ascii")
    generated = base64.b64encode(bytes(range(256)) * 2).decode("ascii")  # not the pool's: kept
    body = {
        "image": {"data": face.b64},
        "faceData": {"type": "video", "data": pool.video.b64},
        "items": [{"imgArr": list(pool.small[0].data)}, {"imgBase64": grown}],
        "noise": generated,
        "short": "aGVsbG8=",
        "numbers": list(range(100)),
    }
    refs = to_refs(body, pool)
    sha = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    assert refs["image"]["data"] == {"$image": face.name, "as": "b64", "sha256": sha(face.data)}
    assert refs["faceData"]["data"] == {
        "$image": "builtin_face_video",
        "as": "b64",
        "sha256": sha(pool.video.data),
    }
    assert refs["items"][0]["imgArr"] == {
        "$image": pool.small[0].name,
        "as": "bytes",
        "sha256": sha(pool.small[0].data),
    }
    assert refs["items"][1]["imgBase64"] == {
        "$image": pool.reference.name,
        "as": "b64",
        "size": 300_000,
        "sha256": sha(base64.b64decode(grown)),
    }
    assert (
        refs["noise"] == generated
        and refs["short"] == "aGVsbG8="
        and refs["numbers"] == list(range(100))
    )
    text = json.dumps(refs)
    assert not any(base64.b64encode(f.data)[:48].decode() in text for f in builtin_faces())
    assert from_refs(json.loads(text), pool) == body


@pytest.mark.slow
def test_a_padded_probe_image_is_replayed_from_its_reference(conformance_emulator, tmp_path):
    url = conformance_emulator("oversize-500")
    result = conform(
        url,
        tmp_path,
        api="match",
        seed=7,
        examples=1,
        phases=("examples",),
        emulator_breaks=("oversize-500",),
    )
    finding = next((f for f in result.findings if f.rule_id == "FH-L02"), None)
    assert finding is not None, explain(result)
    path = Path(finding.reproduce.removeprefix("faceharness replay "))
    text = path.read_text(encoding="utf-8")
    assert not LONG_BASE64.search(text), "an image in the replay file"
    image = json.loads(text)["exchange"]["body"]["image"]["data"]
    assert (
        image["$image"]
        and image["as"] == "b64"
        and image["size"] > 300_000
        and len(image["sha256"]) == 64
    )
    replayed = replay_finding(path)  # the recorded target: an emulator with the break
    assert replayed.still_failing, replayed.detail
    for other in tmp_path.glob("findings/F-*.json"):
        assert not LONG_BASE64.search(other.read_text(encoding="utf-8")), other.name


def test_images_of_a_faces_tree_are_named_by_their_path_and_found_again_where_they_moved(
    contract, tmp_path
):
    """Two ``x.jpg`` in different folders are two images; a replay elsewhere takes ``--faces``."""
    from harness.imaging import synthetic_image

    first, second = (
        synthetic_image(64, 48, seed=1, fmt="jpeg"),
        synthetic_image(64, 48, seed=2, fmt="jpeg"),
    )
    for folder, data in (("a", first), ("b", second)):
        (tmp_path / "faces" / folder).mkdir(parents=True)
        (tmp_path / "faces" / folder / "x.jpg").write_bytes(data)
    pool = PayloadPool(contract, tmp_path / "faces")
    assert {"faces:a/x.jpg", "faces:b/x.jpg"} <= set(pool.media)
    body = {"image": {"data": base64.b64encode(second).decode("ascii")}}
    refs = to_refs(body, pool)
    assert refs["image"]["data"]["$image"] == "faces:b/x.jpg"
    (tmp_path / "faces").rename(tmp_path / "moved")
    assert from_refs(refs, PayloadPool(contract, tmp_path / "moved")) == body
