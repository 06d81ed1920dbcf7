"""Unit tests of the API wiring of the load suite: JSON-code classifier, scenarios, safety.

No Locust, no network: requests are built and checked against the contract's schemas.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

import pytest

from harness.clients import (
    DEMO,
    DEMO_JD_APPKEY,
    DEMO_JD_SECRETKEY,
    DEMO_TOKEN,
    head_too_large,
    jd_sign,
)
from harness.contract import read_answer
from harness.errors import ConfigError, UsageError
from harness.loadgen.classify import KLASSES, api_classifier, klass_of
from harness.loadgen.limit import StepResult, find_limit
from harness.loadgen.result import LIVE_CODE_FIRST
from harness.loadgen.safety import (
    OVERRIDE_FLAG,
    URL_ABORT_ERROR_RATE,
    URL_MAX_REQUESTS,
    check_run,
    parse_duration,
)
from harness.loadgen.scenarios import (
    OPERATIONS,
    SMALL_MAX_BYTES,
    Scenario,
    ScenarioOptions,
    after_first,
    build_pool,
    parse_weights,
    scenario_request,
    sends_per_request,
)


def _match(errcode: int, success: str | None = "true", status: str = "SUCCESS") -> bytes:
    data: dict[str, Any] = {"status": status, "traceNo": "t1"}
    if success is not None:
        data["result"] = {"success": success, "score": "91"}
    return json.dumps({"errcode": errcode, "errmsg": "x", "data": data}).encode()


def _jd(gateway: str, business: int | None = None, result: bool = True) -> bytes:
    body: dict[str, Any] = {"code": gateway, "msg": "x", "charge": False}
    if business is not None:
        body["result"] = {"code": business, "msg": "x", "result": result, "score": 0.9}
    return json.dumps(body).encode()


CASES = [
    ("match ok", 200, _match(0), ("success", "match:errcode:0")),
    (
        "match no match",
        200,
        _match(0, "false"),
        ("business_failure", "match:errcode:0 success=false"),
    ),
    ("match livecode", 200, _match(0, None), ("success", "match:errcode:0")),
    ("match async accepted", 200, _match(0, None, "PROCESSING"), ("success", "match:errcode:0")),
    (
        "match status FAIL",
        200,
        _match(0, "true", "FAIL"),
        ("server_error", "match:errcode:0 status=FAIL"),
    ),
    ("match qps", 200, _match(42900), ("throttled", "match:errcode:42900")),
    ("match token", 200, _match(40002), ("auth_error", "match:errcode:40002")),
    ("match param", 200, _match(40004), ("input_error", "match:errcode:40004")),
    ("match no face", 200, _match(40031), ("business_failure", "match:errcode:40031")),
    ("match internal", 200, _match(50000), ("server_error", "match:errcode:50000")),
    ("match unknown", 200, _match(12345), ("server_error", "match:errcode:12345 (undocumented)")),
    ("jd qps", 200, _jd("10043"), ("throttled", "jd:gateway:10043")),
    ("jd cluster qps", 200, _jd("10044"), ("throttled", "jd:gateway:10044")),
    ("jd sign", 200, _jd("10047"), ("auth_error", "jd:gateway:10047")),
    ("jd daily limit", 200, _jd("10040"), ("auth_error", "jd:gateway:10040")),
    ("jd busy", 200, _jd("10020"), ("server_error", "jd:gateway:10020")),
    ("jd ok", 200, _jd("10000", 0), ("success", "jd:business:0")),
    ("jd not same", 200, _jd("10000", 1155, False), ("business_failure", "jd:business:1155")),
    ("jd traffic", 200, _jd("10000", 43010), ("throttled", "jd:business:43010")),
    ("jd param", 200, _jd("10000", 100), ("input_error", "jd:business:100")),
    ("jd system", 200, _jd("10000", 50), ("server_error", "jd:business:50")),
    (
        "jd ok but false",
        200,
        _jd("10000", 0, False),
        ("business_failure", "jd:business:0 result=false"),
    ),
    ("jd no result", 200, _jd("10000"), ("server_error", "jd:gateway:10000 without result.code")),
    ("http 429", 429, b"{}", ("throttled", "http:429")),
    # the documents give no HTTP status (E-015): a 4xx envelope is classified by its code
    ("match no face at 400", 400, _match(40031), ("business_failure", "match:errcode:40031")),
    (
        "jd not same at 400",
        400,
        _jd("10000", 1155, False),
        ("business_failure", "jd:business:1155"),
    ),
    ("match param at 400", 400, _match(40004), ("input_error", "match:errcode:40004")),
    ("match qps at 429", 429, _match(42900), ("throttled", "match:errcode:42900")),
    ("http 400 no envelope", 400, b"bad", ("input_error", "http:400")),
    ("match ok at 400", 400, _match(0), ("input_error", "http:400")),
    ("http 503", 503, b"busy", ("server_error", "http:503")),
    # E-051: a throttling code under HTTP 503 (nginx limit_req's status) is throttling
    ("jd qps at 503", 503, _jd("10043"), ("throttled", "jd:gateway:10043")),
    ("match qps at 503", 503, _match(42900), ("throttled", "match:errcode:42900")),
    ("match param at 503", 503, _match(40004), ("server_error", "http:503")),
    ("not json", 200, b"<html>", ("server_error", "http:200 not JSON")),
    ("not an envelope", 200, b"[1, 2]", ("server_error", "http:200 not the API's envelope")),
    # another 2xx is read as a 200 is: an empty 204 or a text 202 is no success (hostile target)
    ("http 204 empty", 204, b"", ("server_error", "http:204 not JSON")),
    ("http 202 text", 202, b"accepted", ("server_error", "http:202 not JSON")),
    ("match ok at 201", 201, _match(0), ("success", "match:errcode:0")),
]


@pytest.mark.parametrize(
    ("status", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_api_classifier(status: int, body: bytes, expected: tuple[str, str]) -> None:
    assert api_classifier(status, body, None) == expected


ENVELOPES = [c for c in CASES if c[1] == 200 and c[2][:1] == b"{"]


@pytest.mark.parametrize("body", [c[2] for c in ENVELOPES], ids=[c[0] for c in ENVELOPES])
def test_a_code_label_is_the_code_every_suite_counts(contract: Any, body: bytes) -> None:
    """``errors_by_code`` spells a code as conformance's and fuzz's ``codes`` do (the gate's
    coverage reads both alike); what follows the first space is load's qualifier."""
    label = api_classifier(200, body, None)[1]
    assert label.partition(" ")[0] in read_answer(contract, None, 200, body).code_keys


def test_api_classifier_transport_failures() -> None:
    assert api_classifier(0, b"", TimeoutError("read")) == ("timeout", "no answer:timeout")
    assert api_classifier(0, b"", ConnectionRefusedError(111, "refused")) == (
        "connection_error",
        "no answer:connection",
    )


def test_outcomes_without_a_code_are_labelled_as_conformance_counts_them(contract: Any) -> None:
    """An answer that is not the API's envelope and a request without an answer: load's
    ``errors_by_code`` and conformance's ``codes`` spell them alike (``http:503``,
    ``no answer:timeout``)."""
    from harness.clients import Exchange
    from harness.conformance._tracker import RunTracker

    tracker = RunTracker()
    busy = Exchange.read(contract, "jd", 503, {}, b"busy")
    tracker.observe(busy, api="jd", operation="faceCompareNew", case_id="1", query={})
    tracker.unanswered("faceCompareNew", "timeout")
    tracker.unanswered("faceCompareNew", "connection")
    labels = [
        api_classifier(503, b"busy", None)[1],
        api_classifier(0, b"", TimeoutError("read"))[1],
        api_classifier(0, b"", ConnectionRefusedError(111, "refused"))[1],
    ]
    assert sorted(labels) == sorted(tracker.codes), (labels, tracker.codes)


def test_every_code_has_a_class_and_only_rate_limits_throttle(contract: Any) -> None:
    classes = {
        (c.api, c.where, c.code): klass_of(c.category, c.retryable) for c in contract.codes.codes
    }
    assert set(classes.values()) <= set(KLASSES)
    throttled = {key for key, klass in classes.items() if klass == "throttled"}
    assert throttled == {
        ("jd", "gateway", "10043"),
        ("jd", "gateway", "10044"),
        ("jd", "business", "43010"),
        ("match", "errcode", "42900"),
    }
    assert classes[("jd", "business", "1155")] == "business_failure"


# -- scenarios ---------------------------------------------------------------------------------


def _decoded_images(body: dict[str, Any]) -> list[bytes]:
    found: list[bytes] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("data", "imgBase64") and isinstance(value, str):
                    found.append(base64.b64decode(value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return found


def _issued(code: str) -> bytes:
    result = {"status": "SUCCESS", "traceNo": "t1", "result": {"code": code}}
    return json.dumps({"errcode": 0, "errmsg": "SUCCESS", "data": result}).encode()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_operation_builds_a_valid_request(contract: Any, operation: str) -> None:
    """A matchIdno is valid under every reading of E-008 once its validateData call issued a
    code: SILENT and that code (the table marks both 是), as ``call idno`` sends it."""
    scenario = Scenario(ScenarioOptions(scenario=operation, demo_credentials=True), environ={})
    op = contract.operation(operation)
    spec = contract.spec(op.api)
    requests = [scenario.next_request() for _ in range(5)]
    if operation == "faceCompareNew":  # session 28: a sign the target echoes is masked in load too
        from harness.redact import redact_text

        sign = str(requests[-1].query["sign"])
        assert redact_text(f"bad {sign[:16]}|{sign.upper()}") == "bad ***|***"
    if operation == "matchIdno":
        issue = contract.operation("liveCode")
        for n, req in enumerate(list(requests)):
            first = req.first
            assert first is not None and (first.name, first.method, first.path, first.body) == (
                LIVE_CODE_FIRST,
                issue.method.upper(),
                issue.path,
                b"{}",
            )
            assert first.headers["Authorization"] == DEMO_TOKEN
            outcome, ready = after_first(req, 200, _issued(f"48{n}1"), ("success", "ok"))
            assert outcome == ("success", "ok") and ready is not None and ready.first is None
            body = json.loads(ready.body)
            assert body["liveCode"] == f"48{n}1" and body["faceData"]["videoType"] == "SILENT"
            requests[n] = ready
    for req in requests:
        assert (req.name, req.method, req.path) == (operation, op.method.upper(), op.path)
        body = json.loads(req.body)
        if op.request_schema:
            errors = list(spec.validator(op.request_schema).iter_errors(body))
            assert not errors, errors[0]
        if operation == "faceCompareNew":
            assert req.query["appkey"] == DEMO_JD_APPKEY
            assert req.query["sign"] == jd_sign(DEMO_JD_SECRETKEY, req.query["timestamp"])
            assert "Authorization" not in req.headers
        else:
            assert req.headers["Authorization"] == DEMO_TOKEN and not req.query
    if operation == "faceCompareNew":  # a fresh serial number per request
        assert len({json.loads(r.body)["serialNo"] for r in requests}) == len(requests)


def test_every_image_load_sends_has_a_face_an_engine_accepts(dlib_engine: Any) -> None:
    """load expects its requests accepted, so its small copies cost fewer bytes, not face pixels
    (downscaled, Eileen Collins' face was 43 px wide, under the dlib engine's 50: face_too_small,
    an error in every run against a real engine)."""
    small = [im for im in build_pool().images if im.size_class == "small"]
    assert len(small) >= 10
    for image in small:
        dlib_engine.template(image.data)


def test_a_matchidno_goes_only_with_a_code_its_validatedata_issued(contract: Any) -> None:
    """No code, no matchIdno: a refused validateData stays its own outcome (never an error of
    matchIdno's); a success without ``result.code`` (是) is the service's error."""
    req = Scenario(ScenarioOptions("matchIdno", demo_credentials=True), environ={}).next_request()
    throttled = ("throttled", "match:errcode:42900")
    assert after_first(req, 200, b'{"errcode": 42900}', throttled) == (throttled, None)
    assert after_first(req, 0, b"", ("timeout", "no answer:timeout"))[1] is None
    codeless = _issued("1234").replace(b'"code": "1234"', b'"other": 1')
    outcome, ready = after_first(req, 200, codeless, ("success", "match:errcode:0"))
    assert outcome == ("server_error", "match:errcode:0 without data.result.code") and not ready
    # an open-model rate counts requests at the service: validateData's too
    assert sends_per_request(asdict(ScenarioOptions("mixed"))) == 1.2  # 2 of every 10 picks
    assert sends_per_request(asdict(ScenarioOptions("matchIdno"))) == 2.0
    assert sends_per_request(asdict(ScenarioOptions("match"))) == 1.0
    assert sends_per_request({"paths": ["/echo"]}) == 1.0


def test_pairing_and_size_mix() -> None:
    small = Scenario(ScenarioOptions(sizes="small=1", demo_credentials=True), environ={})
    for _ in range(10):
        images = _decoded_images(json.loads(small.next_request().body))
        assert len(images) == 2 and images[0] == images[1]  # "same": one photo both sides
        assert len(images[0]) < SMALL_MAX_BYTES
    pool = build_pool()
    identity = {img.data: img.identity for img in pool.images}
    for pairing, same_person in (("genuine", True), ("impostor", False)):
        scenario = Scenario(ScenarioOptions(pairing=pairing, demo_credentials=True), environ={})
        for _ in range(10):
            a, b = _decoded_images(json.loads(scenario.next_request().body))
            assert a != b and (identity[a] == identity[b]) is same_person


def test_mixed_scenario_follows_its_weights() -> None:
    options = ScenarioOptions(
        scenario="mixed", weights="match=3,liveCode=1,faceCompareNew=0", demo_credentials=True
    )
    scenario = Scenario(options, environ={})
    names = [scenario.next_request().name for _ in range(2000)]
    assert Counter(names) == {"match": 1500, "liveCode": 500}
    assert all(
        Counter(names[i : i + 4])["liveCode"] == 1 for i in range(0, 2000, 4)
    )  # spread evenly
    default = Scenario(ScenarioOptions(scenario="mixed", demo_credentials=True), environ={})
    first = Counter(default.next_request().name for _ in range(10))  # weights 4, 2, 1, 3
    assert first == {"match": 4, "matchIdno": 2, "liveCode": 1, "faceCompareNew": 3}


def test_credentials_come_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FACEHARNESS_TOKEN", "FACEHARNESS_JD_APPKEY", "FACEHARNESS_JD_SECRETKEY"):
        monkeypatch.delenv(name, raising=False)
    jd = Scenario(
        ScenarioOptions(scenario="faceCompareNew"),
        environ={"FACEHARNESS_JD_APPKEY": "k1", "FACEHARNESS_JD_SECRETKEY": "s1"},
    ).next_request()
    assert jd.query["appkey"] == "k1" and jd.query["sign"] == jd_sign("s1", jd.query["timestamp"])
    with pytest.raises(ConfigError, match="FACEHARNESS_TOKEN"):
        Scenario(ScenarioOptions(scenario="liveCode"), environ={})
    with pytest.raises(ConfigError, match="FACEHARNESS_JD_APPKEY"):
        Scenario(ScenarioOptions(scenario="faceCompareNew"), environ={})
    monkeypatch.setenv("FACEHARNESS_TOKEN", "tok-from-env")
    req = scenario_request(scenario="liveCode", seed=7)
    assert req.headers["Authorization"] == "tok-from-env"
    assert not any("tok" in str(v) for v in asdict(ScenarioOptions(scenario="liveCode")).values())


BAD_OPTIONS = [
    ({"scenario": "compare"}, "--scenario"),
    ({"pairing": "twins"}, "--pairing"),
    ({"sizes": "huge=1"}, "--sizes"),
    ({"sizes": "small=0"}, "positive"),
    ({"scenario": "mixed", "weights": "match=x"}, "not a number"),
    ({"scenario": "mixed", "weights": "match"}, "NAME=WEIGHT"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_OPTIONS, ids=[m for _, m in BAD_OPTIONS])
def test_bad_scenario_options(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ScenarioOptions(**kwargs)


def test_parse_weights() -> None:
    assert parse_weights(" small=1, large=2.5 ", ("small", "large"), "--sizes") == {
        "small": 1.0,
        "large": 2.5,
    }


# -- safety ------------------------------------------------------------------------------------


def _run(**kw: Any) -> Any:
    base: dict[str, Any] = {
        "is_emulator": False,
        "users": None,
        "rate": None,
        "max_requests": None,
        "abort_error_rate": None,
        "abort_default": True,
        "allow_costly": False,
    }
    return check_run(**{**base, **kw})


def test_live_targets_get_explicit_load_ceilings_a_budget_and_an_abort() -> None:
    with pytest.raises(UsageError, match="--users N .* or --rate R"):
        _run()
    with pytest.raises(UsageError, match=OVERRIDE_FLAG):
        _run(rate=50)
    with pytest.raises(UsageError, match=OVERRIDE_FLAG):
        _run(users=6)
    limits = _run(rate=5)
    assert (limits.max_requests, limits.abort_error_rate) == (
        URL_MAX_REQUESTS,
        URL_ABORT_ERROR_RATE,
    )
    assert _run(rate=500, allow_costly=True, max_requests=50).max_requests == 50
    assert _run(rate=5, abort_default=False).abort_error_rate is None  # --no-abort
    emulator = _run(is_emulator=True, rate=5000)
    assert (emulator.max_requests, emulator.abort_error_rate) == (None, None)


def test_max_rps_is_the_rate_ceiling_and_zero_means_unlimited() -> None:
    """Issue 15: one pacing convention; --max-rps 0 lifts the rate ceiling, the budget stays."""
    limits = _run(rate=500, max_rps=0)
    assert limits.max_requests == URL_MAX_REQUESTS  # the live request budget as it is
    assert _run(rate=30, max_rps=40).max_requests == URL_MAX_REQUESTS
    with pytest.raises(UsageError, match="--rate 50/s is above --max-rps 40"):
        _run(rate=50, max_rps=40)
    with pytest.raises(UsageError, match="--max-rps 5"):
        _run(
            is_emulator=True, rate=10, max_rps=5
        )  # a ceiling the user chose binds the emulator too


@pytest.mark.parametrize(
    ("costly", "max_rps", "max_rate", "top"),
    [(False, None, None, 20.0), (True, None, None, 2000.0), (False, 0.0, None, 2000.0),
     (False, 50.0, None, 50.0), (True, None, 300.0, 300.0)],
)  # fmt: skip
def test_find_limit_ceiling_on_a_live_target(
    costly: bool, max_rps: float | None, max_rate: float | None, top: float, tmp_path: Path
) -> None:
    """--allow-costly-load (or --max-rps 0) lifts find-limit's --max-rate ceiling too."""
    from harness.loadgen.suite import LimitOptions, LoadSuite
    from harness.suite import RunContext

    url = "http://127.0.0.1:9"
    ctx = RunContext(  # a live target's run needs its credentials (checked with the options)
        target=url, url=url, is_emulator=False, out_dir=tmp_path, max_rps=max_rps, credentials=DEMO
    )
    suite = LoadSuite(allow_costly=costly, search=LimitOptions(max_rate=max_rate))
    assert suite.search_rates(ctx) == (1.0, top)
    assert suite.check(ctx).max_requests == URL_MAX_REQUESTS


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30", 30.0), ("30s", 30.0), ("2m", 120.0), ("500ms", 0.5), ("1.5h", 5400.0)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "-1s", "0", "5 days"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="--duration"):
        parse_duration(text)


def test_find_limit_precheck_stops_the_search() -> None:
    def measure(rate: float) -> StepResult:
        return StepResult(rate, rate, rate, 5.0, 0.0, 0.0, completed=int(rate * 3))

    budget = {"left": 100.0}

    def precheck(rate: float) -> str | None:
        if rate * 3 > budget["left"]:
            return "request budget"
        budget["left"] -= rate * 3
        return None

    result = find_limit(measure, start_rate=5, max_rate=1000, slo_p99_ms=100, max_error_rate=0.01,
                        precheck=precheck)  # fmt: skip
    assert result.stopped_by == "request budget"
    assert [s.rate for s in result.steps] == [
        5,
        10,
    ] and result.limit_rps == 10  # 15 + 30, then 60 > 55


def test_no_match_verdicts_are_served_requests_not_an_error_spike() -> None:
    from harness.loadgen.recorder import ErrorSpike, Recorder

    spike = ErrorSpike(threshold=0.5, window_s=5.0, min_samples=5)
    recorder = Recorder(proc="p", late_s=0.01, spike=spike, origin=(0.0, 1000.0))
    for i in range(20):
        recorder.done(1.0, 1.0, 1.0 + i / 100, "business_failure", "jd:business:1155")
    assert spike.check(1.5) is None
    assert recorder.err_codes == {"jd:business:1155": 20}  # still counted by code
    for i in range(30):
        recorder.done(1.0, 1.0, 1.3 + i / 100, "auth_error", "jd:gateway:10047")
    assert spike.check(1.7) is not None  # 30 of 50 failed


def test_scenario_jd_is_the_jd_api_operation() -> None:
    """The README's `--scenario jd` (as in `--api jd`) names JD's one operation."""
    assert ScenarioOptions(scenario="jd").scenario == "faceCompareNew"
    assert ScenarioOptions(scenario="jd").operations == {"faceCompareNew": 1.0}


_BODY = b'{"errcode":0}'
_HEADS = {  # h11 reads the first eight; geventhttpclient refused them (load only)
    "te-and-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"d\r\n" + _BODY + b"\r\n0\r\n\r\n",
    "folded": b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 13\r\n\r\n" + _BODY,
    "bare-lf": b"HTTP/1.1 200 OK\nContent-Length: 13\n\n" + _BODY,
    "length-listed": b"HTTP/1.1 200 OK\r\nContent-Length: 13, 13\r\n\r\n" + _BODY,
    "length-twice": b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Length: 13\r\n\r\n" + _BODY,
    "del-in-value": b"HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\nContent-Length: 13\r\n\r\n" + _BODY,
    "interim": b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n"
    + _BODY,
    "escape-in-reason": b"HTTP/1.1 500 \x1b[2Jboom\r\nContent-Length: 13\r\n\r\n" + _BODY,
    # and both refuse these
    "space-before-colon": b"HTTP/1.1 200 OK\r\nContent-Type : x\r\nContent-Length: 13\r\n\r\n"
    + _BODY,
    "nul-in-value": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 13\r\n\r\n" + _BODY,
    "te-unknown": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n{}",
    "te-gzip-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "te-identity": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n{}",
    "status-099": b"HTTP/1.1 099 X\r\nContent-Length: 13\r\n\r\n" + _BODY,
    "unasked-101": b"HTTP/1.1 101 Switching\r\nUpgrade: x\r\n\r\n",
    "length-signed": b"HTTP/1.1 200 OK\r\nContent-Length: +13\r\n\r\n" + _BODY,
}


@pytest.mark.parametrize("raw", list(_HEADS.values()), ids=list(_HEADS))
def test_load_reads_an_answer_head_as_the_sender_does(raw: bytes) -> None:
    """One owner of a head's rules, the sender's h11 (``harness.clients.HeadReader``): load's
    geventhttpclient refused a chunked answer with a Content-Length (h11: Transfer-Encoding wins,
    RFC 9112 6.3), a folded line, bare LF, a length listed twice alike and DEL in a value, which
    the sender reads; so a service load called broken served every other suite (hostile round 7,
    te_and_cl). What h11 refuses (``Content-Type : x``, a Transfer-Encoding other than chunked)
    stays no answer for load, with h11's reason."""
    import socket

    from geventhttpclient.response import HTTPParseError

    from harness.clients import refused_head
    from harness.loadgen import transport

    class Pool:
        def release_socket(self, sock: Any) -> None: ...

        def return_socket(self, sock: Any) -> None: ...

    refused = refused_head(raw)
    server, client = socket.socketpair()
    with server, client:
        server.sendall(raw)
        server.close()
        if refused is not None:
            with pytest.raises(HTTPParseError) as caught:
                transport._Response(client, cast(Any, Pool()), block_size=4096, method="POST")
            assert str(caught.value) == refused[:120]
            return
        response = transport._Response(client, cast(Any, Pool()), block_size=4096, method="POST")
        assert response.read() == (b"" if raw.startswith(b"HTTP/1.1 101") else _BODY)


def test_load_refuses_by_size_exactly_the_heads_the_sender_refuses() -> None:
    """One rule: a head is too large when its bytes, interim answers included, pass
    ``MAX_HEAD_BYTES`` (``HeadReader``). 20,000 and 30,000 ``a:b`` fields (100 and 150 KB) are
    an answer (load charged each field ": " and CRLF twice and refused both; the sender counted
    fields and refused the second); 180 KB of headers padded with whitespace and 200 KB of
    ``100 Continue`` answers before the final one are none: the sender read the first (its fields
    are under the size, and h11 counts bytes only by how its reads fall) and the second (an
    endless run of them was a timeout), load refused the first and read the second."""
    import socket
    import threading

    from harness.clients import http_client, refused_head
    from harness.loadgen import transport

    class Pool:
        def release_socket(self, sock: Any) -> None: ...

        def return_socket(self, sock: Any) -> None: ...

    final = b"Content-Length: 13\r\n\r\n" + _BODY
    heads = [b"HTTP/1.1 200 OK\r\n" + b"a:b\r\n" * n + final for n in (20_000, 30_000)]
    heads.append(b"HTTP/1.1 200 OK\r\n" + b"a:%sb\r\n" % (b" " * 1000) * 180 + final)
    interim = b"HTTP/1.1 100 Continue\r\nX-Pad: %s\r\n\r\n" % (b"p" * 1000)
    heads.append(interim * 200 + b"HTTP/1.1 200 OK\r\n" + final)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        for raw in heads:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(raw)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    url = "http://127.0.0.1:%d/" % listener.getsockname()[1]
    said: list[tuple[str, str, str]] = []
    with listener, http_client(timeout=10) as sender:
        for raw in heads:
            try:
                by_sender = sender.get(url).text
            except Exception as exc:  # noqa: BLE001 - the sender's refusal, by its message
                by_sender = str(exc)
            a, b = socket.socketpair()
            with a, b:
                a.sendall(raw)
                a.close()
                try:
                    by_load = (
                        transport._Response(b, cast(Any, Pool()), method="GET").read().decode()
                    )
                except Exception as exc:  # noqa: BLE001
                    by_load = str(exc)
            said.append((by_sender, by_load, refused_head(raw, "GET") or _BODY.decode()))
    server.join(5)
    too_large = head_too_large()
    assert said == [(_BODY.decode(),) * 3] * 2 + [(too_large,) * 3] * 2, said


@pytest.mark.parametrize(
    ("heads_too_large", "head_refused"), [(0, None), (4, None), (0, "bad Content-Length")]
)
def test_a_target_answering_only_heads_too_large_is_named_so_not_unreachable(
    heads_too_large: int, head_refused: str | None
) -> None:
    """Load counts such an answer as the sender does (``no answer:reset``); a run of nothing else
    said "unreachable" for a target that answered every request: it is named as the sender names
    it (``harness.clients.head_too_large``). Hostile round 8: a head h11 refuses (``Content-Length:
    +160``) is malformed HTTP, as conform's reachability check says, not "unreachable"."""
    from harness.clients import head_too_large
    from harness.loadgen.suite import unjudgeable

    summary = {
        "totals": {"completed": 4},
        "codes": {"no answer:reset": 4},
        "by_class": {"connection_error": 4},
        "heads_too_large": heads_too_large,
        "head_refused": head_refused,
    }
    said = unjudgeable("http://t", summary)
    if heads_too_large:
        assert (
            said is not None and f"http://t answered nothing readable: {head_too_large()}" in said
        )
    elif head_refused:
        assert said is not None and "http://t answered with malformed HTTP: bad Content-Length" in (
            said
        ), said
    else:
        assert said is not None and said.startswith("could not run: http://t unreachable"), said


_DATE = "Sun, 06 Dec 2026 10:00:00 GMT"


@pytest.mark.parametrize(
    ("value", "date", "seconds"),
    [
        ("2", None, 2.0),
        (
            "Sun, 06 Dec 2026 10:00:05 GMT",
            _DATE,
            5.0,
        ),  # the end of a lockout, by the server's clock
        ("Sun, 06 Dec 2026 09:59:55 GMT", _DATE, None),  # past
        ("Sun, 06 Dec 2026 12:00:00 GMT", _DATE, None),  # two hours: not a rate limiter's wait
        ("Sun, 06 Dec 2026 10:00:05", _DATE, None),  # no zone: not an HTTP-date
        ("soon", _DATE, None),
        ("nan", None, None),
        ("inf", None, None),
    ],
)
def test_retry_after_is_read_in_both_of_its_forms(
    value: str, date: str | None, seconds: float | None
) -> None:
    """RFC 9110 10.2.3: a number of seconds or an HTTP-date. A lockout announced by its end's date
    was not read, so a limit search did not wait it out (``throttle_variants`` ``lockout-date``)."""
    from harness.clients import retry_after_s

    assert retry_after_s(value, date) == seconds


def test_retry_after_as_a_date_without_the_answers_date_counts_from_now() -> None:
    from email.utils import formatdate

    from harness.clients import retry_after_s

    wait = retry_after_s(formatdate(time.time() + 60, usegmt=True), "not a date")
    assert wait is not None and 0 < wait <= 60


def test_a_field_given_twice_is_not_read_as_one_value() -> None:
    """Two ``Retry-After`` fields reached ``retry_after_s`` as geventhttpclient's list: a TypeError
    out of load's transport, so a 429 was counted as no answer at all."""
    from geventhttpclient.header import Headers

    from harness.loadgen import transport

    headers = Headers()
    headers.add("Retry-After", "2")
    headers.add("Retry-After", "3")
    headers.add("Date", _DATE)
    assert transport._single(headers, "retry-after") is None
    assert transport._single(headers, "date") == _DATE


def test_a_head_reader_builds_the_request_it_reads_against_once_per_method() -> None:
    """h11 validates a request as it is built: load's generator reads a head per answer, and a
    request built per answer was a measurable share of it (``harness.clients._head._asked``)."""
    from harness.clients import refused_head
    from harness.clients._head import _asked

    _asked.cache_clear()
    for _ in range(3):
        assert refused_head(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "PATCH") is None
    assert (_asked.cache_info().misses, _asked.cache_info().hits) == (1, 2)
