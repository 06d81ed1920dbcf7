"""JD faceCompareNew end to end: business validation, scores, thresholds, limits, messages."""

from __future__ import annotations

import re
import time

import pytest

from harness.imaging import synthetic_image

from ._helpers import FACE_A, FACE_B, FIXED, b64, jd_body, png_of_size, post_jd


def _result(url, body):
    r = post_jd(url, body)
    assert r.status_code == 200
    env = r.json()
    assert env["code"] == "10000", env
    return env["result"]


def test_jd_result_follows_operating_threshold(emulator, contract):
    url = emulator()
    seen = set()
    for seed in range(15):
        res = _result(url, jd_body(collection=(synthetic_image(90, 90, seed=seed),)))
        assert res["code"] in (0, 1155)
        if res["code"] == 1155:
            m = re.search(r"分数:([\d.]+) 阈值:([\d.]+) 结果:false", res["msg"])
            assert m and float(m.group(1)) < float(m.group(2))
            assert res["result"] is False
        seen.add(res["result"])
    same = _result(url, jd_body(collection=(FACE_A,)))
    assert (
        same["result"] is True
        and same["code"] == 0
        and same["msg"] == "success"
        and same["score"] == 1.0
    )
    t = same["threshold"]
    assert t["e4"] > t["e5"] > t["e6"] > t["e7"]


def test_jd_similarity_is_integer_percent_monotone_in_score(emulator):
    url = emulator()
    pairs = []
    for seed in range(25):
        res = _result(url, jd_body(collection=(synthetic_image(80, 80, seed=100 + seed),)))
        assert isinstance(res["similarity"], int) and 0 <= res["similarity"] <= 100
        assert 0.0 <= res["score"] <= 1.0
        pairs.append((res["score"], res["similarity"]))
    pairs.sort()
    assert all(a[1] <= b[1] for a, b in zip(pairs, pairs[1:]))


def test_business_msg_matches_code(emulator, contract):
    url = emulator()
    wrong_fixed = _result(url, jd_body(businessId="OTHER"))
    assert wrong_fixed["code"] == 1162 and wrong_fixed["msg"].startswith("业务参数配置错误")
    bad_type = jd_body()
    bad_type["compareImageItem"]["imgType"] = "XX"
    res = _result(url, bad_type)
    assert res["code"] == 43011 and res["msg"].startswith(
        contract.code("jd", "business", 43011).msg_prefix
    )
    not_same = _result(url, jd_body(collection=(FACE_B,)))
    assert not_same["code"] == 1155 and not_same["msg"].startswith("比对失败")


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda b: b.__setitem__("collectionImageItems", []), 100),
        (lambda b: b["compareImageItem"].__setitem__("imgUrl", "http://127.0.0.1:9/x.jpg"), 100),
        (lambda b: b["compareImageItem"].pop("imgBase64"), 100),
        (lambda b: b["compareImageItem"].__setitem__("imgBase64", "@@@@"), 100),
        (lambda b: b["compareImageItem"].__setitem__("encryptionType", "AES"), 43011),
        (lambda b: b.pop("serialNo"), 100),
        (
            lambda b: b["compareImageItem"].__setitem__("imgBase64", b64(b"GIF89a" + b"\0" * 64)),
            100,
        ),
        (lambda b: b["compareImageItem"].__setitem__("imgBase64", b64(FACE_A[:5000])), 100),
        (
            lambda b: b.__setitem__(
                "compareImageItem", {"imgType": "IDP", "imgUrl": "http://127.0.0.1:9/x.jpg"}
            ),
            3000,
        ),
    ],
    ids=[
        "no-collection",
        "two-sources",
        "no-source",
        "bad-base64",
        "encryption",
        "no-serial",
        "gif",
        "truncated",
        "imgurl-disabled",
    ],
)
def test_jd_invalid_bodies_get_business_codes(emulator, mutate, code):
    url = emulator()
    body = jd_body()
    mutate(body)
    assert _result(url, body)["code"] == code


def test_jd_bad_json_is_100(emulator):
    url = emulator()
    r = post_jd(url, None, raw=b"{not json")
    assert r.json()["result"]["code"] == 100


def test_imgarr_accepts_signed_and_unsigned_bytes(emulator):
    url = emulator()
    signed = [b - 256 if b > 127 else b for b in FACE_A]
    for arr in (signed, list(FACE_A)):
        body = jd_body(collection=(FACE_A,))
        body["compareImageItem"] = {"imgType": "IDP", "imgArr": arr}
        res = _result(url, body)
        assert res["code"] == 0 and res["result"] is True  # same bytes as the collection image
    body = jd_body()
    body["compareImageItem"] = {"imgType": "IDP", "imgArr": [300]}
    assert _result(url, body)["code"] == 100


def test_jd_image_limit_is_5_mib_decoded(emulator, contract):
    url = emulator()
    limit = contract.jd_image_max_bytes
    under = png_of_size(limit - 1)
    res = _result(url, jd_body(compare=under, collection=(under,)))
    assert res["code"] == 0, res
    at = png_of_size(limit)
    assert _result(url, jd_body(compare=at))["code"] == 100


def test_jd_result_timestamp_is_milliseconds(emulator):
    url = emulator()
    before = time.time() * 1000
    res = _result(url, jd_body())
    assert before - 5000 <= res["timestamp"] <= time.time() * 1000 + 5000


def test_serial_number_echoed_and_img_map_per_type(emulator):
    url = emulator()
    body = jd_body(collection=(FACE_A, FACE_B))
    body["collectionImageItems"][1]["imgType"] = "FF"
    res = _result(url, body)
    assert res["serialNo"] == body["serialNo"]
    assert set(res["imgMap"]) == {"SFF", "FF"} and all(v["valid"] for v in res["imgMap"].values())
    assert res["result"] is True  # the best of the collection wins (E-024)
    assert {**FIXED} == {k: body[k] for k in FIXED}


def test_concurrency_limit_answers_43010(emulator):
    import concurrent.futures
    import time as _time

    from harness.emulator.engines import FastEngine

    class SlowEngine(FastEngine):
        def template(self, image_bytes):
            _time.sleep(0.3)
            return super().template(image_bytes)

    url = emulator(engine="dlib", engine_obj=SlowEngine(), throttle={"max_concurrency": 1})
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: _result(url, jd_body())["code"], range(4)))
    assert 43010 in codes and any(c in (0, 1155) for c in codes)
