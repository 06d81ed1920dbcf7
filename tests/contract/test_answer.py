"""One reader of both APIs' answers (harness.contract.read_answer): every suite sees the same
answer."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest

from harness.clients import Exchange
from harness.contract import (
    compact_json,
    json_copy,
    no_answer_kind,
    parse_json,
    parse_score,
    read_answer,
    score_step,
)


def _match(errcode: Any, status: str | None = "SUCCESS", **result: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"traceNo": "t-1"}
    if status is not None:
        data["status"] = status
    if result:
        data["result"] = result
    return {"errcode": errcode, "errmsg": "x", "data": data}


def _jd(gateway: Any = "10000", **result: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": gateway, "msg": "m", "remainTimes": 7}
    if result:
        body["result"] = {"msg": "r", "serialNo": "s-1", **result}
    return body


def test_a_match_comparison_that_ran(contract: Any) -> None:
    a = read_answer(contract, "match", 200, _match(0, success="true", score="91.5"))
    assert (a.where, a.code, a.category, a.typed, a.refused) == (
        "errcode",
        "0",
        "success",
        True,
        False,
    )
    assert (a.ran, a.processing, a.score, a.decision, a.trace_no) == (
        True,
        False,
        91.5,
        True,
        "t-1",
    )
    assert (
        read_answer(contract, "match", 200, _match(0, success="false", score="3")).decision is False
    )
    assert read_answer(contract, "match", 200, _match(0, "PROCESSING")).processing


def test_a_match_refusal_carries_its_code_table_entry(contract: Any) -> None:
    a = read_answer(contract, "match", 200, {"errcode": 42900, "errmsg": "请求过于频繁"})
    assert (a.refused, a.ran, a.category, a.retryable, a.message) == (
        True,
        False,
        "quota",
        True,
        "请求过于频繁",
    )
    assert a.label == "errcode 42900"
    unknown = read_answer(contract, "match", 200, {"errcode": 49999, "errmsg": "?"})
    assert unknown.refused and unknown.meaning is None and unknown.category is None


def test_errcode_zero_with_a_failed_status_is_the_two_level_reading(contract: Any) -> None:
    a = read_answer(contract, "match", 200, _match(0, "FAIL", success="false", score="12"))
    assert (a.where, a.code, a.refused, a.ran, a.label) == (
        "status",
        "FAIL",
        True,
        False,
        "errcode 0 with status FAIL",
    )
    assert (a.score, a.decision) == (12.0, False)  # the answer still carries what it says (E-039)


def test_a_code_of_the_wrong_json_type_is_read_but_not_typed(contract: Any) -> None:
    a = read_answer(contract, "match", 200, _match("40004"))
    assert (a.code, a.category, a.typed) == ("40004", "input", False)
    assert not read_answer(contract, "match", 200, _match(True)).typed
    assert not read_answer(contract, "jd", 200, _jd(10047)).typed
    assert not read_answer(contract, "jd", 200, _jd("10000", code="0")).typed


def test_jd_gateway_then_business(contract: Any) -> None:
    refused = read_answer(contract, "jd", 200, _jd("10047"))
    assert (refused.where, refused.code, refused.category, refused.refused, refused.label) == (
        "gateway",
        "10047",
        "auth",
        True,
        "gateway code 10047",
    )
    same = read_answer(contract, "jd", 200, _jd(code=0, result=True, score=0.93))
    assert (
        same.where,
        same.ran,
        same.refused,
        same.decision,
        same.score,
        same.serial_no,
        same.remain_times,
    ) == ("business", True, False, True, 0.93, "s-1", 7)
    other = read_answer(
        contract, "jd", 200, _jd(code=contract.jd_not_same_person_code, result=False, score=0.2)
    )
    assert (
        other.ran and not other.refused and other.decision is False and other.category == "business"
    )
    bad = read_answer(contract, "jd", 200, _jd(code=100, msg="参数不合法!"))
    assert (bad.refused, bad.ran, bad.label, bad.message, bad.calls_input_invalid) == (
        True,
        False,
        "result.code 100",
        "参数不合法!",
        True,
    )


def test_gateway_success_without_a_result_is_neither_a_refusal_nor_a_result(contract: Any) -> None:
    a = read_answer(contract, "jd", 200, _jd("10000"))
    assert (a.where, a.refused, a.ran, a.typed) == ("gateway", False, False, False)


def test_a_1000_gateway_envelope_with_a_result_is_success(contract: Any) -> None:
    """E-002: the table's `code string 1000` is gateway success as the example's "10000" is; only
    at the gateway, and without the result it is no comparison's answer."""
    a = read_answer(contract, "jd", 200, _jd("1000", code=0, result=True, score=0.93))
    assert (a.where, a.code, a.ran, a.refused, a.typed, a.decision) == (
        "business",
        "0",
        True,
        False,
        True,
        True,
    )
    bare = read_answer(contract, "jd", 200, _jd("1000"))
    assert (bare.where, bare.refused, bare.ran, bare.typed) == ("gateway", False, False, False)
    other = read_answer(contract, "jd", 200, _jd("1001", code=0, result=True, score=0.93))
    assert (other.where, other.refused, other.ran, other.meaning) == ("gateway", True, False, None)
    business = read_answer(contract, "jd", 200, _jd(code=1000, result=True, score=0.93))
    assert (business.refused, business.ran) == (True, False)
    match = read_answer(contract, "match", 200, {"errcode": 1000, "errmsg": "x", "data": {}})
    assert match.refused and not match.ran


def test_every_suite_counts_an_answer_under_its_codes_the_deciding_one_last(contract: Any) -> None:
    keys = {
        "match:errcode:42900": _match(42900),
        "match:errcode:0": _match(0, "FAIL"),  # errcode 0 with a failed status (E-039)
        "jd:gateway:10043": _jd("10043"),
        "jd:gateway:10000": _jd("10000"),  # gateway success without a result
        "jd:gateway:10000 jd:business:1155": _jd(code=1155, result=False),
    }
    for expected, body in keys.items():
        answer = read_answer(contract, None, 200, body)
        assert " ".join(answer.code_keys) == expected
        assert answer.code_key == answer.code_keys[-1]  # the deciding code, load's label
    assert read_answer(contract, None, 200, b"<html>").code_keys == ("http:200",)
    assert read_answer(contract, "jd", 503, None).code_keys == ("http:503",)
    # hostile session 24 (surrogate_code): JSON's lone surrogates, which Python's parser takes,
    # as codes; load counted the answers by them and ended writing its CSV (UnicodeEncodeError)
    for raw, expected in (
        (b'{"errcode": "\\udfff", "errmsg": "x"}', "match:errcode:\\udfff"),
        (b'{"code": "\\ud800", "result": {"code": "\\udc00"}}', "jd:gateway:\\ud800"),
    ):
        answer = read_answer(contract, None, 200, raw)
        said = " ".join([*answer.code_keys, answer.label])
        assert said.encode("utf-8") and expected in said, said
    # hostile session 29 (code_unique_huge): a different 1 MB code in every answer is counted
    # by a short key, one per code, never the megabyte (summary.json's code table held them all)
    huge = [read_answer(contract, None, 200, _match(str(i) * 1_000_000)) for i in (1, 2)]
    keys = [a.code_key for a in huge]
    assert keys[0] != keys[1] and all(len(k) < 150 for k in keys), keys
    assert keys[0].startswith("match:errcode:" + "1" * 32) and "1000000 characters" in keys[0]


def test_bytes_and_parsed_bodies_read_alike_and_the_api_is_told_from_the_envelope(
    contract: Any,
) -> None:
    for body in (_match(40031), _jd(code=1152)):
        raw = json.dumps(body).encode()
        assert read_answer(contract, None, 200, raw) == read_answer(contract, None, 200, body)
    assert read_answer(contract, None, 200, json.dumps(_match(0)).encode()).api == "match"
    assert read_answer(contract, None, 200, json.dumps(_jd()).encode()).api == "jd"


NESTED = b"[" * 100_000 + b"]" * 100_000  # JSON nested past Python's stack


@pytest.mark.parametrize("raw", [b"<html>", b"[1, 2]", b'{"other": 1}', b"", b"\xff\xfe", NESTED])
def test_what_is_not_an_envelope_has_no_place(contract: Any, raw: bytes) -> None:
    a = read_answer(contract, None, 200, raw)
    assert a.where is None and a.code is None and not a.typed


@pytest.mark.parametrize("at", [250, 450, 1900])
def test_an_image_in_a_page_that_is_not_json_is_masked_before_it_is_cut(
    contract: Any, at: int
) -> None:
    """Hostile round 8: an HTML error page showing the request's image as a ``data:`` URI near
    the end of a finding's excerpt (500 characters for fuzz, 2,000 for conformance); cut first,
    the image's first characters were too few for the redactor and reached findings and reports."""
    import base64

    from fixtures.hostile_target import _JPEG

    from harness.conformance._engine import excerpt

    page = ("<p>" + "x" * at + '<img src="data:image/jpeg;base64,').encode()
    raw = page + base64.b64encode(_JPEG) + b'"></p>'
    exchange = Exchange.read(contract, "match", 400, {"content-type": "text/html"}, raw)
    start = base64.b64encode(_JPEG)[:40].decode()
    assert start not in exchange.text and start not in exchange.excerpt()["text"]
    assert start not in excerpt(exchange)["body"] and "<image sha256=" in excerpt(exchange)["body"]


def test_a_finding_holds_an_excerpt_of_a_huge_answer_not_its_parsed_body(contract: Any) -> None:
    """Hostile session 25 (trace_flood): a success answer with 100,000 traceNos went whole into
    each fuzz finding, and every redaction of it walked them all: `fuzz --max-seconds 40` took
    over 100 s. A finding holds the body parsed while its text is within conformance's bound,
    else its first characters, masked, as conformance's finding does."""
    from harness.conformance._engine import excerpt

    answer = {
        "errcode": 0,
        "errmsg": "SUCCESS",
        "data": {"traceNo": [f"{i:017d}" for i in range(2000)]},
    }
    raw = json.dumps(answer).encode()
    exchange = Exchange.read(contract, "match", 200, {"content-type": "application/json"}, raw)
    assert exchange.body == answer
    shown = exchange.excerpt()
    traces = shown["body"]["data"]["traceNo"]
    assert traces[:20] == answer["data"]["traceNo"][:20] and len(traces) == 21, traces[-1]
    assert shown["body"]["errmsg"] == "SUCCESS" and "1980 more items" in traces[-1]
    assert excerpt(exchange)["body"] == shown["body"]  # conformance's alike
    small = json.dumps(_match(0)).encode()
    read = Exchange.read(contract, "match", 200, {"content-type": "application/json"}, small)
    assert read.excerpt()["body"] == json.loads(small)


def test_a_huge_answer_keeps_its_fields_after_a_large_image_and_counts_characters(
    contract: Any,
) -> None:
    """Review of session 25: cut as text at 2,000 characters, an answer echoing a large image
    lost its errcode and score, the fields a finding is about; and the bound counted bytes where
    conformance counts characters (a Chinese errmsg under the bound lost its parsed body)."""
    import base64

    from fixtures.hostile_target import _JPEG

    from harness.conformance._engine import excerpt

    image = base64.b64encode(_JPEG * (30_000 // len(_JPEG) + 1)).decode()
    answer = {"data": {"faceImage": image, "score": 0.91}, "errcode": 50001, "errmsg": "internal"}
    raw = json.dumps(answer).encode()
    exchange = Exchange.read(contract, "match", 200, {"content-type": "application/json"}, raw)
    for shown in (exchange.excerpt()["body"], excerpt(exchange)["body"]):
        assert shown["errcode"] == 50001 and shown["data"]["score"] == 0.91, shown
        assert shown["data"]["faceImage"].startswith("<image sha256="), shown
        assert image[:40] not in json.dumps(shown)
    wide = {"errcode": 40001, "errmsg": "缺少授权token" * 1500}  # 13,500 characters, 31,500 bytes
    raw = json.dumps(wide, ensure_ascii=False).encode()
    exchange = Exchange.read(contract, "match", 200, {"content-type": "application/json"}, raw)
    assert exchange.excerpt()["body"] == wide


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_tokens_are_not_json(contract: Any, token: bytes) -> None:
    """Python's parser takes them, RFC 8259 does not: the body is not read (every suite alike),
    and the answer keeps the text the server sent for a finding to show."""
    from harness.conformance._engine import excerpt

    raw = b'{"code": "10000", "result": {"code": 0, "score": %s, "result": true}}' % token
    a = read_answer(contract, "jd", 200, raw)
    assert a.where is None and a.body is None and not a.ran
    exchange = Exchange.read(contract, "jd", 200, {"content-type": "application/json"}, raw)
    assert exchange.body is None and exchange.answer == a
    assert exchange.excerpt()["text"] == raw.decode()
    assert excerpt(exchange)["body"] == raw.decode()  # conformance's finding excerpt
    assert math.isinf(parse_json(b'{"s": 1e400}')["s"])  # a number past a double: JSON, kept


def test_json_the_fast_parser_refuses_still_parses(contract: Any) -> None:
    utf16 = read_answer(contract, "match", 200, json.dumps(_match(40004)).encode("utf-16"))
    assert utf16.code == "40004" and utf16.refused


def test_one_score_parser() -> None:
    assert parse_score("91") == 91.0 and parse_score(0.5) == 0.5 and parse_score(3) == 3.0
    assert parse_score(True) is None and parse_score(None) is None and parse_score("high") is None
    assert parse_score([1]) is None
    assert math.isinf(parse_score("1e400") or 0.0)  # kept: the range rules report it


@pytest.mark.parametrize(
    ("written", "step"),
    [
        ("80", 0.5),
        ("0.82", 0.005),
        (0.82, 0.005),
        (80, 0.0),
        ("7.06e-05", 0.5e-7),
        ("-0.82", 0.005),
        ("1e-999", 0.0),  # underflows to 0: exact enough
        ("85\n", 0.0),  # no number as written (fullmatch)
    ],
)
def test_the_step_of_a_score_is_half_its_last_written_digit(written, step) -> None:
    assert score_step(written) == pytest.approx(step, rel=1e-9, abs=0.0)


@pytest.mark.parametrize(
    "written", ["1e999", "1E+999", "9.99e99999", "1e308", "1e" + "9" * 5000, "1e+00" + "7" * 4400]
)
def test_the_step_of_a_huge_exponent_is_finite(written) -> None:
    """Review session 24: ``10.0 ** 999`` raised OverflowError (conform exit 2, no report).
    Hostile round 18 (score_long_exponent): an exponent of 5,000 digits, ValueError in ``int``
    (conform "internal error", exit 2 with no report; fuzz broke off)."""
    assert math.isfinite(score_step(written)) and score_step(written) > 1e300


def test_a_score_of_many_exponent_digits_is_read_not_an_error() -> None:
    """``1e`` and 5,000 zeros is 1.0: read, its step half a unit; a negative one is 0."""
    assert parse_score("1e" + "0" * 5000) == 1.0 and score_step("1e" + "0" * 5000) == 0.5
    assert score_step("1e-" + "9" * 5000) == 0.0


@pytest.mark.parametrize("written", ["9_9", "0_9", "\uff19\uff19", "\uff10.\uff19", "\u0669\u0669"])
def test_a_score_string_no_json_reader_takes_for_a_number_is_no_score(written) -> None:
    """Hostile round 18 (score_underscore, score_fullwidth): Python's ``float`` reads "9_9" and
    fullwidth or Arabic-Indic digits as 99; Java's parseDouble and JSON do not. Read as 99,
    accuracy counted the score and the rules judged a decision against it."""
    assert parse_score(written) is None


def test_no_answer_kinds_of_httpx_errors() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/x")
    assert no_answer_kind(httpx.ReadTimeout("t", request=request)) == "timeout"
    assert no_answer_kind(httpx.RemoteProtocolError("r", request=request)) == "reset"
    assert (
        no_answer_kind(httpx.RemoteProtocolError("r", request=request), begun=True)
        == "cut-off body"
    )
    assert no_answer_kind(httpx.DecodingError("d", request=request)) == "undecodable body"
    assert no_answer_kind(httpx.ConnectError("c", request=request)) == "connection"


def test_an_account_out_of_calls_is_not_called_a_credential_rejection(contract: Any) -> None:
    """JD 10040 (a daily quota spent, legit_variants jd-daily-400) took the credentials: the
    preflight's one line says the account cannot call now, with no key to check."""
    from harness.preflight import PreflightError, _judge

    spent = read_answer(contract, "jd", 200, {"code": "10040", "msg": "次数用完"})
    with pytest.raises(PreflightError) as stopped:
        _judge("http://127.0.0.1:9", "jd", "POST /jdai/faceCompareNew", 200, spent, [])
    line = str(stopped.value)
    assert line.startswith("the account cannot make calls now at http://127.0.0.1:9: jd"), line
    assert "credentials rejected" not in line and "APPKEY" not in line, line
    wrong = read_answer(contract, "jd", 200, {"code": "10001", "msg": "错误的API KEY"})
    with pytest.raises(PreflightError, match="^credentials rejected by .*APPKEY"):
        _judge("http://127.0.0.1:9", "jd", "POST /jdai/faceCompareNew", 200, wrong, [])


def test_the_preflight_line_masks_what_it_quotes_before_cutting_it(contract: Any) -> None:
    """It quoted the first 120 characters of the service's message, then masked them: an image
    (base64) or a secret the cut left shorter than the redaction recognises was printed, a
    fragment of it (hostile round 7, image_in_answer: a JPEG's first 90 bytes on the console)."""
    import base64

    from harness.preflight import PreflightError, _judge

    image = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8).decode()
    secret = "preflight-secret-5c1d-long-enough"
    for said in (f"cannot decode image {image}", "x" * 100 + " " + secret):
        wrong = read_answer(contract, "jd", 200, {"code": "10001", "msg": said})
        with pytest.raises(PreflightError) as stopped:
            _judge("http://127.0.0.1:9", "jd", "POST /jdai/faceCompareNew", 200, wrong, [secret])
        line = str(stopped.value)
        assert image[:24] not in line and secret[:10] not in line, line


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        (1_765_000_000_000, 1_765_000_000_000),
        (1.765e12, 1_765_000_000_000),
        (10**400, None),  # a hostile huge JSON int: OverflowError in the clock (review, s22)
        (10**14, None),
        (0, None),
        (-5, None),
        (True, None),
        ("1765000000000", None),
    ],
    ids=["epoch-ms", "float", "huge", "year-5138", "zero", "negative", "bool", "string"],
)
def test_service_time_is_only_a_plausible_epoch_ms(
    contract: Any, stamp: Any, expected: Any
) -> None:
    from harness.clients._clock import ServiceClock

    answer = read_answer(contract, "jd", 200, _jd(code=0, result=True, score=0.93, timestamp=stamp))
    assert answer.where == "business"
    assert answer.service_time_ms == expected
    clock = ServiceClock()
    clock.observe(answer, 1_000.0, 1_010.0)  # raised OverflowError on 10**400
    assert clock.offset_ms == (None if expected is None else expected - 1_005)


@pytest.mark.parametrize(
    "result",
    [{"result": False, "score": 0.41}, {}, {"result": True, "score": 0.9}],
    ids=["full", "bare", "result-true"],
)
def test_jd_1115_is_a_comparison_that_did_not_pass(contract: Any, result: dict[str, Any]) -> None:
    """`1115 采集照对比分值过低,未通过!` answers valid data, compared and below the threshold
    (E-044), as 1155 `比对失败` does: accuracy counted it a non-match while this reader called
    it a refusal (not ran), so every other suite (load's classification, the probes that need a
    comparison that ran) read a non-match as an error. With or without ``result`` (E-023: a
    business error may hold only code and msg) it is "not passed", and with ``result`` true too:
    the code says `未通过` outright, ``result`` is only `算法结果` (review of session 27: a
    1115 with result true read as a match, where accuracy had read 1115 a non-match)."""
    a = read_answer(contract, "jd", 200, _jd(code=1115, msg="采集照对比分值过低,未通过!", **result))
    assert (a.ran, a.refused, a.decision) == (True, False, False)
    assert a.score == result.get("score")
    # 1155 without result (E-088): a non-match, not "no decision" (accuracy left such pairs out),
    # when it shows the comparison ran: a score, or the example's msg giving its result
    said = "比对失败 :人脸比对判断 分数:0.7060586 阈值:0.8179 结果:false"
    for shown in ({"score": 0.41}, {"msg": said}):
        same = read_answer(contract, "jd", 200, _jd(code=contract.jd_not_same_person_code, **shown))
        assert (same.ran, same.refused, same.decision) == (True, False, False), shown
    # a bare 1155 (比对失败 alone) may be a comparison that failed to run: no decision (session
    # 29: it read as a false non-match)
    bare = read_answer(contract, "jd", 200, _jd(code=1155, msg="比对失败"))
    assert (bare.ran, bare.refused, bare.decision) == (True, False, None)
    said = read_answer(contract, "jd", 200, _jd(code=1155, result=True, score=0.9))
    assert said.decision is True  # a result sent is read (1155 with result true: E-044)
    other = read_answer(contract, "jd", 200, _jd(code=1157, msg="照片存在攻击行为"))
    assert (other.ran, other.refused, other.decision) == (False, True, None)


@pytest.mark.parametrize(
    "value",
    [
        {"img": "QUJD" * 5000, "名": '张三\u2028\x7f\x00\x1f"\\/', "n": [1, -1, True, None, []]},
        {"big": [2**63 - 1, -(2**63), 2**64 - 1]},
        (1, "tuple", {}),
        {"f": 1e16, "g": [0.5, 1e-05]},  # floats: the standard library's spelling (1e+16)
        {1: "int key", None: "null key"},  # keys the standard library turns into text
        {"past": 2**64},  # past 64 bits
        {"imgArr": [-28, 21] * 500 + [[1, {"k": 1e-05}]]},  # a float deep in a byte array
    ],
    ids=["text", "ints", "tuple", "floats", "keys", "past-64-bits", "nested-float"],
)
def test_a_request_body_is_the_standard_librarys_compact_json(value):
    """`compact_json` (request bodies, load's prebuilt bodies) writes exactly the bytes
    `json.dumps(ensure_ascii=False, separators=(",", ":"))` did, whichever writer it takes."""
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert compact_json(value) == expected


def test_a_request_body_nested_past_orjsons_depth_or_with_a_lone_surrogate_is_as_before():
    deep: list = []
    for _ in range(300):
        deep = [deep]
    assert compact_json(deep) == json.dumps(deep, separators=(",", ":")).encode()
    with pytest.raises(UnicodeEncodeError):
        compact_json({"s": "\ud800"})


def test_a_json_copy_is_a_deep_copy():
    """`json_copy` (E-085's bound bodies, fuzz's mutated bodies) shares nothing a caller may
    change with the value it copied, as `copy.deepcopy` did."""
    import copy

    value = {
        "imgArr": [-28, 21] * 500,
        "items": [{"a": [1, 2.5, None, True, "x"]}, [[{"b": {}}]]],
        "other": (1, [2]),
        "n": None,
    }
    copied = json_copy(value)
    assert copied == copy.deepcopy(value)
    copied["imgArr"][0] = 0
    copied["items"][0]["a"].append(3)
    copied["items"][1][0][0]["b"]["c"] = 1
    copied["other"][1].append(3)
    assert value["imgArr"][0] == -28 and value["items"][0]["a"] == [1, 2.5, None, True, "x"]
    assert value["items"][1][0][0]["b"] == {} and value["other"] == (1, [2])
