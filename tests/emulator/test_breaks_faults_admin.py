"""Break modes break their rule (and the unbroken emulator keeps it); faults; latency; admin;
CLI."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from fixtures.servers import start_emulate

from harness.clients import DEMO
from harness.emulator import BREAKS

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

MATCH, LIVE = "/tech/ai/face/match", "/tech/ai/face/match/validateData"


def _m(url, body=None, **kw):
    return post_match(url, MATCH, match_body() if body is None else body, **kw)


def _jd(url, body=None, params=None):
    return post_jd(url, jd_body() if body is None else body, params)


def _lip(url, code):
    return _m(
        url,
        match_body(
            liveCode=code, faceData={"type": "video", "videoType": "LIP", "data": b64(FACE_B)}
        ),
    ).json()["errcode"]


# Each probe returns True when the documented rule is violated.
PROBES = {
    "score-out-of-range": lambda u: int(_m(u).json()["data"]["result"]["score"]) > 100,
    "score-as-number": lambda u: not isinstance(_m(u).json()["data"]["result"]["score"], str),
    "success-inconsistent": lambda u: (
        lambda r: (r["success"] == "true") != (int(r["score"]) >= 80)
    )(_m(u).json()["data"]["result"]),
    "missing-traceno": lambda u: "traceNo" not in _m(u).json()["data"],
    "duplicate-traceno": lambda u: len({_m(u).json()["data"]["traceNo"] for _ in range(3)}) < 3,
    "errcode-status-mismatch": lambda u: (
        lambda b: b["errcode"] == 0 and b["data"]["status"] != "SUCCESS"
    )(_m(u).json()),
    "wrong-code-bad-token": lambda u: _m(u, token="bogus").json()["errcode"] != 40002,
    "livecode-reusable": lambda u: (lambda c: (_lip(u, c), _lip(u, c))[1] != 40014)(
        post_match(u, LIVE, {}).json()["data"]["result"]["code"]
    ),
    "lip-without-livecode": lambda u: (
        _m(
            u, match_body(faceData={"type": "video", "videoType": "LIP", "data": b64(FACE_B)})
        ).json()["errcode"]
        != 40011
    ),
    "oversize-500": lambda u: _m(u, match_body(image=png_of_size(307203))).status_code == 500,
    "wrong-content-type": lambda u: (
        not _m(u).headers["content-type"].startswith("application/json")
    ),
    "accept-expired-timestamp": lambda u: (
        _jd(u, params=jd_params(ts_ms=int(time.time() * 1000) - 600_000)).json()["code"] == "10000"
    ),
    "accept-bad-sign": lambda u: (
        _jd(u, params={**jd_params(), "sign": "0" * 32}).json()["code"] == "10000"
    ),
    "unknown-code": lambda u: _jd(u).json()["result"]["code"] not in (0, 1155),
    "msg-mismatch": lambda u: not _jd(u).json()["result"]["msg"].startswith("比对失败"),
    "thresholds-out-of-order": lambda u: (lambda t: not t["e4"] > t["e5"] > t["e6"] > t["e7"])(
        _jd(u).json()["result"]["threshold"]
    ),
    "similarity-out-of-range": lambda u: not 0 <= _jd(u).json()["result"]["similarity"] <= 100,
    "jd-score-out-of-range": lambda u: not 0 <= _jd(u).json()["result"]["score"] <= 1,
    "result-inconsistent": lambda u: (
        _jd(u).json()["result"]["result"] is True
    ),  # FACE_A vs FACE_B: 1155 on the fast engine
    "serialno-not-echoed": lambda u: (
        lambda b: _jd(u, b).json()["result"]["serialNo"] != b["serialNo"]
    )(jd_body()),
    "remaintimes-stuck": lambda u: _jd(u).json()["remainTimes"] == _jd(u).json()["remainTimes"],
    "ignore-qps": lambda u: "10043" not in [_jd(u).json()["code"] for _ in range(6)],
    "two-image-sources": lambda u: (
        lambda b: (
            (
                b["compareImageItem"].__setitem__("imgUrl", "http://127.0.0.1:9/a.jpg"),
                _jd(u, b).json()["result"]["code"],
            )[1]
            != 100
        )
    )(jd_body()),
}
QUOTA_KEYS = [{"appkey": DEMO.jd_appkey, "secretkey": DEMO.jd_secretkey, "daily_quota": 100}]


def test_every_break_mode_has_a_probe():
    assert set(PROBES) == set(BREAKS) and len(BREAKS) >= 15


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_break_mode_violates_its_rule_and_only_when_on(emulator, name):
    settings = {"appkeys": QUOTA_KEYS, "throttle": {"qps": 2 if name == "ignore-qps" else 0}}
    clean = emulator(**settings)
    assert PROBES[name](clean) is False, f"{name}: the unbroken emulator already violates the rule"
    broken = emulator(breaks=(name,), **settings)
    assert PROBES[name](broken) is True, f"{name}: the break mode does not violate its rule"


@pytest.mark.parametrize(
    "kind, expect",
    [
        ("http500", "HTTP 500"),
        ("http503", "HTTP 503"),
        ("reset", "RemoteProtocolError"),
        ("empty", "empty"),
        ("chunked", "RemoteProtocolError"),
        ("badjson", "invalid JSON"),
    ],
)
def test_faults_reach_the_client(emulator, kind, expect):
    url = emulator(faults=(f"{kind}:1.0",))
    try:
        r = httpx.post(url + LIVE, json={}, headers={"Authorization": DEMO.token}, timeout=5)
    except httpx.HTTPError as exc:
        broken_stream = {"RemoteProtocolError", "ReadError"}  # which one depends on timing
        assert type(exc).__name__ in (
            broken_stream if expect == "RemoteProtocolError" else {expect}
        )
        return
    if expect.startswith("HTTP"):
        assert r.status_code == int(expect.split()[1])
    elif expect == "empty":
        assert r.status_code == 200 and r.content == b""
    else:
        with pytest.raises(ValueError):
            r.json()
    assert (
        httpx.get(url + "/_emulator/health").json()["status"] == "ok"
    )  # admin paths are never faulted


def test_hang_and_slow_are_bounded_by_the_client(emulator):
    url = emulator(faults=("liveCode=hang:1.0",))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url + LIVE, json={}, headers={"Authorization": DEMO.token}, timeout=0.5)
    assert time.monotonic() - started < 3
    assert _m(url).json()["errcode"] == 0  # other operations unaffected
    slow = emulator(faults=("slow:1.0",))
    started = time.monotonic()
    body = httpx.post(
        slow + LIVE, json={}, headers={"Authorization": DEMO.token}, timeout=10
    ).json()
    assert body["errcode"] == 0 and time.monotonic() - started >= 2.5


def test_fixed_latency_is_added(emulator):
    url = emulator(latency={"liveCode": "fixed:600ms"})
    started = time.monotonic()
    post_match(url, LIVE, {})
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    _jd(url)
    assert time.monotonic() - started < 0.6  # only the configured operation waits


def test_admin_health_stats_reset_and_runtime_config(emulator):
    url = emulator(appkeys=QUOTA_KEYS)
    _jd(url)
    stats = httpx.get(url + "/_emulator/stats").json()
    assert stats["requests"]["faceCompareNew"] == 1 and stats["codes"]["jd:gateway:10000"] == 1
    text = httpx.get(url + "/_emulator/stats").text + httpx.get(url + "/_emulator/config").text
    for secret in (DEMO.token, DEMO.jd_appkey, DEMO.jd_secretkey):
        assert secret not in text
    r = httpx.patch(url + "/_emulator/config", json={"breaks": ["accept-bad-sign"]})
    assert r.status_code == 200 and r.json()["breaks"] == ["accept-bad-sign"]
    assert _jd(url, params={**jd_params(), "sign": "f" * 32}).json()["code"] == "10000"
    assert httpx.patch(url + "/_emulator/config", json={"breaks": ["nope"]}).status_code == 400
    assert httpx.patch(url + "/_emulator/config", json={"tokens": ["x"]}).status_code == 400
    r = httpx.patch(url + "/_emulator/config", json={"latency": {"default": "bogus"}})
    assert r.status_code == 400  # named by its key, not by an option (was "--latency 'bogus'")
    assert r.json()["error"].startswith("config: latency: unknown kind 'bogus'"), r.json()
    assert httpx.post(url + "/_emulator/reset").json() == {"status": "reset"}
    assert httpx.get(url + "/_emulator/stats").json()["requests"] == {}
    assert httpx.get(url + "/tech/ai/face/match").status_code == 405


def test_emulate_cli_lists_breaks_and_rejects_bad_options(cli):
    listed = cli("emulate", "--list-breaks")
    assert listed.returncode == 0
    assert all(name in listed.stdout for name in BREAKS)
    for args, text in [
        (("emulate", "--latency", "fixed:abc"), "not a duration"),
        (("emulate", "--fault", "explode:0.1"), "unknown kind"),
        # before: served, the latency matching no request (a misspelt operation did nothing)
        (("emulate", "--latency", "mach=fixed:5ms"), "unknown operation 'mach'"),
        (("emulate", "--break", "nope"), "unknown break mode"),
        (("emulate", "--host", "0.0.0.0", "--engine", "fast"), "loopback"),
    ]:
        r = cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert (
            text in r.stderr
            and len(r.stderr.strip().splitlines()) == 1
            and "Traceback" not in r.stderr
        )


def test_dlib_engine_over_http_on_the_shared_faces(emulator, dlib_engine, faces_dir, face_labels):
    url = emulator(engine="dlib", engine_obj=dlib_engine)
    singles = [
        r
        for r in face_labels
        if r["faces"] == "1" and (faces_dir / r["file"]).stat().st_size * 4 // 3 < 409000
    ]
    by_id: dict[str, list[str]] = {}
    for r in singles:
        by_id.setdefault(r["identity"], []).append(r["file"])
    genuine = [(v[0], v[1]) for v in by_id.values() if len(v) >= 2][:4]
    ids = [v[0] for v in by_id.values()]
    impostor = list(zip(ids, ids[1:]))[:4]
    read = lambda f: (faces_dir / f).read_bytes()  # noqa: E731
    for a, b in genuine:
        res = _m(url, match_body(image=read(a), face=read(b))).json()["data"]["result"]
        assert int(res["score"]) >= 70, (a, b, res)
    for a, b in impostor:
        res = _m(url, match_body(image=read(a), face=read(b))).json()["data"]["result"]
        assert res["success"] == "false" and int(res["score"]) < 70, (a, b, res)
    no_face = next(r["file"] for r in face_labels if r["faces"] == "0")
    assert _m(url, match_body(image=FACE_A, face=read(no_face))).json()["errcode"] == 40031
    two = next(r["file"] for r in face_labels if r["faces"] == "2")
    if (faces_dir / two).stat().st_size * 4 // 3 < 409000:
        assert _m(url, match_body(image=FACE_A, face=read(two))).json()["errcode"] == 40032
    jd = _jd(url, jd_body(compare=read(no_face))).json()["result"]
    assert jd["code"] == 1152
    assert re.match(r"^采集照无人脸", jd["msg"])


def test_emulate_cli_injects_aborts_without_printing_tracebacks(tmp_path):
    """An injected reset or cut-off body is the fault working: the console stays quiet."""
    proc, url = start_emulate("--port", "0", "--fault", "reset:0.5", "--fault", "chunked:1.0")
    try:
        for _ in range(6):
            with pytest.raises(httpx.HTTPError):
                httpx.post(url + LIVE, json={}, headers={"Authorization": DEMO.token}, timeout=5)
        faults = httpx.get(url + "/_emulator/stats").json()["codes"]
        assert faults.get("fault:reset", 0) + faults.get("fault:chunked", 0) == 6
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err and "Exception in ASGI" not in err, err[-2000:]
