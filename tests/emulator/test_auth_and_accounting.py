"""JD gateway auth, timestamp window, quotas and throttling; internal API tokens."""

from __future__ import annotations

import time

import pytest

from harness.clients import DEMO

from ._helpers import FACE_A, jd_body, jd_params, match_body, post_jd, post_match

NOW = lambda: int(time.time() * 1000)  # noqa: E731


@pytest.mark.parametrize(
    "params, code",
    [
        (lambda: {k: v for k, v in jd_params().items() if k != "appkey"}, "10004"),
        (lambda: jd_params(appkey="someoneelse"), "10001"),
        (lambda: {k: v for k, v in jd_params().items() if k != "timestamp"}, "10041"),
        (lambda: {**jd_params(), "timestamp": "yesterday"}, "10046"),
        (lambda: {k: v for k, v in jd_params().items() if k != "sign"}, "10042"),
        (lambda: {**jd_params(), "sign": "0" * 32}, "10047"),
        (lambda: jd_params(secret="not-the-secret"), "10047"),
    ],
    ids=[
        "no-appkey",
        "wrong-appkey",
        "no-timestamp",
        "bad-timestamp",
        "no-sign",
        "wrong-sign",
        "wrong-secret",
    ],
)
def test_each_gateway_auth_failure_has_its_code(emulator, params, code):
    url = emulator()
    r = post_jd(url, jd_body(), params())
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == code and body["charge"] is False and "result" not in body
    assert body["msg"]


def test_jd_timestamp_window_is_symmetric(emulator):
    url = emulator()
    for offset_s, code in [(-290, "10000"), (290, "10000"), (-310, "10045"), (310, "10045")]:
        r = post_jd(url, jd_body(), jd_params(ts_ms=NOW() + offset_s * 1000))
        assert r.json()["code"] == code, offset_s
    # a 400-digit timestamp is far outside the window, not an OverflowError (HTTP 500)
    r = post_jd(url, jd_body(), jd_params(ts_ms=10**400))
    assert r.status_code == 200 and r.json()["code"] == "10045", r.text


def test_jd_quota_counts_down_and_stops(emulator):
    url = emulator(
        appkeys=[
            {"appkey": "freekey", "secretkey": "s1", "daily_quota": 3},
            {
                "appkey": "paidkey",
                "secretkey": "s2",
                "plan": "paid",
                "daily_quota": 1,
                "remain_seconds": 3600,
            },
            {"appkey": DEMO.jd_appkey, "secretkey": DEMO.jd_secretkey},
        ]
    )
    seen = [post_jd(url, jd_body(), jd_params("freekey", "s1")).json() for _ in range(4)]
    assert [b.get("remainTimes") for b in seen[:3]] == [2, 1, 0]
    assert all(b["charge"] is False and b["remainSeconds"] == -1 for b in seen[:3])
    assert seen[3]["code"] == "10040"
    paid = [post_jd(url, jd_body(), jd_params("paidkey", "s2")).json() for _ in range(2)]
    assert (
        paid[0]["charge"] is True
        and paid[0]["remainTimes"] == 0
        and paid[0]["remainSeconds"] == 3600
    )
    assert paid[1]["code"] == "10010"
    unlimited = post_jd(url, jd_body()).json()
    assert unlimited["remainTimes"] == -1


def test_disabled_appkey_is_10050(emulator):
    url = emulator(appkeys=[{"appkey": "gone", "secretkey": "s", "disabled": True}])
    assert post_jd(url, jd_body(), jd_params("gone", "s")).json()["code"] == "10050"


def test_throttling_codes_above_the_configured_qps(emulator):
    url = emulator(throttle={"qps": 2})
    jd_codes = [post_jd(url, jd_body(collection=(FACE_A,))).json()["code"] for _ in range(6)]
    assert jd_codes[:2] == ["10000", "10000"] and "10043" in jd_codes
    match_codes = [
        post_match(url, "/tech/ai/face/match/validateData", {}).json()["errcode"] for _ in range(6)
    ]
    assert match_codes[0] == 0 and 42900 in match_codes
    cluster = emulator(
        throttle={"cluster_qps": 1},
        appkeys=[
            {"appkey": "k2", "secretkey": "s"},
            {"appkey": DEMO.jd_appkey, "secretkey": DEMO.jd_secretkey},
        ],
    )
    first = post_jd(cluster, jd_body()).json()["code"]
    second = post_jd(cluster, jd_body(), jd_params("k2", "s")).json()["code"]
    assert (first, second) == ("10000", "10044")


@pytest.mark.parametrize(
    "headers, code",
    [
        ({}, 40001),
        ({"Authorization": "nope"}, 40002),
        ({"Authorization": "Bearer " + DEMO.token}, 0),
    ],
    ids=["missing", "wrong", "bearer"],
)
def test_internal_api_token(emulator, headers, code):
    import httpx

    url = emulator()
    r = httpx.post(url + "/tech/ai/face/match/validateData", json={}, headers=headers)
    assert r.status_code == 200 and r.json()["errcode"] == code


def test_error_envelope_has_errmsg(emulator, contract):
    url = emulator()
    for body in [
        post_match(url, "/tech/ai/face/match", None, token=None).json(),
        post_match(url, "/tech/ai/face/match", {"image": 1}).json(),
    ]:
        assert body["errcode"] != 0 and body["errmsg"]
        assert body["errmsg"].startswith(contract.code("match", "errcode", body["errcode"]).zh)
    ok = post_match(url, "/tech/ai/face/match", match_body()).json()
    assert ok["errcode"] == 0 and ok["errmsg"] == "SUCCESS"
