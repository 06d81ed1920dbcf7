from __future__ import annotations

import itertools

import numpy as np
import pytest
import xxhash
from scipy import stats

from harness.emulator.engines import Engine, FaceTemplate, FastEngine, calibration
from harness.imaging import synthetic_image


def test_template_is_the_byte_hash() -> None:
    engine = FastEngine()
    data = synthetic_image(64, 64, seed=1)
    template = engine.template(data)
    assert template.engine == "fast"
    assert template.image_digest == xxhash.xxh3_128_hexdigest(data)
    assert template.box is None
    assert engine.template(b"not an image at all").image_digest == xxhash.xxh3_128_hexdigest(
        b"not an image at all"
    )
    flipped = data[:-1] + bytes([data[-1] ^ 1])
    assert engine.template(flipped).image_digest != template.image_digest


def test_identical_bytes_are_distance_zero_and_different_bytes_are_not() -> None:
    engine = FastEngine()
    a = engine.template(b"image-a")
    assert engine.distance(a, engine.template(b"image-a")) == 0.0
    assert engine.distance(a, engine.template(b"image-b")) > 0.0


def test_distance_is_deterministic_and_symmetric() -> None:
    one, two = FastEngine(), FastEngine()
    blobs = [f"image-{i}".encode() for i in range(30)]
    for x, y in itertools.combinations(blobs, 2):
        d = one.distance(one.template(x), one.template(y))
        assert d == one.distance(one.template(y), one.template(x))
        assert d == two.distance(two.template(x), two.template(y))


def test_salt_changes_every_distance_deterministically() -> None:
    plain, salted = FastEngine(), FastEngine(salt=b"population-2")
    a, b = plain.template(b"a"), plain.template(b"b")
    assert plain.distance(a, b) != salted.distance(a, b)
    assert salted.distance(a, b) == FastEngine(salt=b"population-2").distance(a, b)


def test_distances_follow_the_calibrated_impostor_model() -> None:
    engine = FastEngine()
    model = calibration.IMPOSTOR_MODEL
    templates = [engine.template(i.to_bytes(4, "big")) for i in range(220)]
    distances = np.array([engine.distance(a, b) for a, b in itertools.combinations(templates, 2)])
    transformed = (distances**model.power - model.mean) / model.sd
    assert stats.kstest(transformed, "norm").pvalue > 0.01
    scores = np.array([calibration.internal_score(float(d)) for d in distances])
    expected, n = 1e-3, len(scores)
    assert abs((scores >= 70).sum() - expected * n) < 5 * np.sqrt(expected * n), (
        "FMR at score 70 is 1e-3"
    )


def test_templates_of_other_engines_are_refused() -> None:
    engine = FastEngine()
    foreign = FaceTemplate("dlib", np.zeros(128), "0" * 64)
    with pytest.raises(ValueError, match="engines"):
        engine.distance(engine.template(b"x"), foreign)


def test_fast_engine_satisfies_the_engine_protocol() -> None:
    assert isinstance(FastEngine(), Engine)
