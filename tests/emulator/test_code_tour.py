"""Every code the emulator can produce is produced here, over real HTTP.

Face-quality refusals come from a scripted engine (the real gates are exercised with dlib in
tests/engines); everything else is the real emulator path.
"""

from __future__ import annotations

import time

import httpx

from harness.clients import DEMO
from harness.emulator import DEMO_ID_NUM, DEMO_NAME, check_char
from harness.emulator.engines import FACE_REJECT_REASONS, FaceRejected, FastEngine
from harness.imaging import synthetic_image

from ._helpers import (
    FACE_A,
    FACE_B,
    b64,
    jd_body,
    jd_params,
    match_body,
    png_of_size,
    post_jd,
    post_match,
)

REFUSING = {
    reason: synthetic_image(64, 64, seed=900 + i) for i, reason in enumerate(FACE_REJECT_REASONS)
}


class ScriptedEngine(FastEngine):
    """The fast engine, except that five marked images are refused with each reason in turn."""

    def template(self, image_bytes: bytes):
        for reason, data in REFUSING.items():
            if image_bytes == data:
                raise FaceRejected(reason, "scripted")
        return super().template(image_bytes)


# Codes that only a live fetch failure, a server bug or a real JD back end could produce.
NOT_PRODUCIBLE = {("match", "errcode", "50000")}


def test_every_producible_code_is_produced(emulator, contract):
    url = emulator(
        engine_obj=ScriptedEngine(),
        livecode_ttl_s=0.3,
        throttle={"max_concurrency": 0},
        appkeys=[
            {"appkey": DEMO.jd_appkey, "secretkey": DEMO.jd_secretkey},
            {"appkey": "free1", "secretkey": "s", "daily_quota": 1},
            {"appkey": "paid1", "secretkey": "s", "plan": "paid", "daily_quota": 1},
            {"appkey": "off", "secretkey": "s", "disabled": True},
        ],
    )
    M, I, L, R = (
        "/tech/ai/face/match",
        "/tech/ai/face/match/idno",
        "/tech/ai/face/match/validateData",
        "/tech/ai/face/match/result",
    )
    lip = {"type": "video", "videoType": "LIP", "data": b64(FACE_B)}
    post_match(url, M, match_body())  # 0
    post_match(url, L, {}, token=None)  # 40001
    post_match(url, L, {}, token="x")  # 40002
    post_match(url, M, None, raw=b"[]")  # 40003
    post_match(url, M, {"image": 1})  # 40004
    post_match(url, M, match_body(face=b"nope"))  # 40005
    post_match(url, M, match_body(image=png_of_size(307203)))  # 40006
    post_match(url, M, match_body() | {"image": {"origin": "fds", "data": "a.jpg"}})  # 40007
    post_match(url, M, match_body(faceData=lip))  # 40011
    post_match(url, M, match_body(faceData=lip, liveCode="99999"))  # 40012
    code = post_match(url, L, {}).json()["data"]["result"]["code"]
    post_match(url, M, match_body(faceData=lip, liveCode=code))
    post_match(url, M, match_body(faceData=lip, liveCode=code))  # 40014
    old = post_match(url, L, {}).json()["data"]["result"]["code"]
    time.sleep(0.4)
    post_match(url, M, match_body(faceData=lip, liveCode=old))  # 40013
    face = {"type": "image", "data": b64(FACE_A)}
    post_match(
        url, I, {"idNum": DEMO_ID_NUM[:-1] + "0", "name": DEMO_NAME, "faceData": face}
    )  # 40021
    unknown = "11010119900307447"
    post_match(
        url, I, {"idNum": unknown + check_char(unknown), "name": DEMO_NAME, "faceData": face}
    )  # 40022
    post_match(url, I, {"idNum": DEMO_ID_NUM, "name": "李四", "faceData": face})  # 40023
    for data in REFUSING.values():  # 40031..40035
        post_match(url, M, match_body(face=data))
    post_match(url, R, {"traceNo": "none"})  # 40041
    httpx.patch(
        url + "/_emulator/config",
        json={"throttle": {"qps": 1, "cluster_qps": 0, "max_concurrency": 0}},
    )
    for _ in range(3):
        post_match(url, L, {})  # 42900
    httpx.patch(
        url + "/_emulator/config",
        json={"throttle": {"qps": 0, "cluster_qps": 0, "max_concurrency": 0}},
    )

    now = int(time.time() * 1000)
    p = jd_params()
    post_jd(url, jd_body(collection=(FACE_A,)))  # 10000 / 0
    post_jd(url, jd_body())  # 1155
    post_jd(url, jd_body(), {k: v for k, v in p.items() if k != "appkey"})  # 10004
    post_jd(url, jd_body(), jd_params("who"))  # 10001
    post_jd(url, jd_body(), jd_params("off", "s"))  # 10050
    post_jd(url, jd_body(), {k: v for k, v in p.items() if k != "timestamp"})  # 10041
    post_jd(url, jd_body(), {**p, "timestamp": "x"})  # 10046
    post_jd(url, jd_body(), jd_params(ts_ms=now - 10**6))  # 10045
    post_jd(url, jd_body(), {k: v for k, v in p.items() if k != "sign"})  # 10042
    post_jd(url, jd_body(), {**p, "sign": "0" * 32})  # 10047
    for key in ("free1", "paid1"):
        post_jd(url, jd_body(), jd_params(key, "s"))
        post_jd(url, jd_body(), jd_params(key, "s"))  # 10040 / 10010
    post_jd(url, jd_body(businessId="X"))  # 1162
    post_jd(url, jd_body(collectionImageItems=[]))  # 100
    bad = jd_body()
    bad["compareImageItem"]["imgType"] = "ZZ"
    post_jd(url, bad)  # 43011
    post_jd(
        url,
        jd_body() | {"compareImageItem": {"imgType": "IDP", "imgUrl": "http://127.0.0.1:9/a.jpg"}},
    )  # 3000
    for data in REFUSING.values():  # 1152, 1172, 103, 1171, 1173
        post_jd(url, jd_body(compare=data))
    httpx.patch(
        url + "/_emulator/config",
        json={"throttle": {"qps": 1, "cluster_qps": 0, "max_concurrency": 0}},
    )
    for _ in range(3):
        post_jd(url, jd_body())  # 10043
    httpx.patch(
        url + "/_emulator/config",
        json={"throttle": {"qps": 0, "cluster_qps": 1, "max_concurrency": 0}},
    )
    for _ in range(3):
        post_jd(url, jd_body())  # 10044

    # fetching from an allow-listed host that does not answer: 40008 / 1161
    httpx.patch(
        url + "/_emulator/config",
        json={
            "origins": {"allow_hosts": ["127.0.0.1"]},
            "throttle": {"qps": 0, "cluster_qps": 0, "max_concurrency": 0},
        },
    )
    post_match(
        url, M, match_body() | {"image": {"origin": "uri", "data": "http://127.0.0.1:9/a.jpg"}}
    )
    post_jd(
        url,
        jd_body() | {"compareImageItem": {"imgType": "IDP", "imgUrl": "http://127.0.0.1:9/a.jpg"}},
    )

    observed = {tuple(k.split(":")) for k in httpx.get(url + "/_emulator/stats").json()["codes"]}
    producible = set()
    for c in contract.codes.codes:
        key = (c.api, c.where, c.code)
        if c.api == "match" or key in observed:
            producible.add(key)
    expected_jd = {
        ("jd", "gateway", c)
        for c in (
            "10000",
            "10001",
            "10004",
            "10010",
            "10040",
            "10041",
            "10042",
            "10043",
            "10044",
            "10045",
            "10046",
            "10047",
            "10050",
        )
    }
    expected_jd |= {
        ("jd", "business", str(c))
        for c in (0, 100, 103, 1152, 1155, 1161, 1162, 1171, 1172, 1173, 3000, 43011)
    }
    missing = (producible | expected_jd) - NOT_PRODUCIBLE - observed
    assert not missing, f"codes the emulator can produce but the tour did not: {sorted(missing)}"
    assert all(contract.codes.get(*k) is not None for k in observed), (
        "the emulator produced a code not in the table"
    )
