"""Every business rule on constructed answers: a conforming one passes, a violating one fails with
its id.

Rules whose basis is a reading (an ambiguous sentence of a document) never fail an answer that
follows another reading: they record it as observed, and fail only when the policy requires the
default.
"""

from __future__ import annotations

import contextlib
import copy
import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness.clients import Exchange, Request
from harness.conformance import RULES, CheckFailed, Facts, RuleContext
from harness.contract import ReadingLog

MATCH_OK = {
    "errcode": 0,
    "errmsg": "SUCCESS",
    "data": {
        "status": "SUCCESS",
        "traceNo": "17000000000000001",
        "result": {"success": "true", "score": "99"},
    },
}
MATCH_ERR = {"errcode": 40004, "errmsg": "参数不合法: image: required"}
JD_RESULT = {
    "code": 0,
    "msg": "success",
    "result": True,
    "score": 0.93,
    "similarity": 93,
    "threshold": {"e4": 1.1477, "e5": 1.092, "e6": 1.0403, "e7": 0.9829},
    "hacknessVo": {},
    "serialNo": "s-1",
    "timestamp": 0,
}
JD_BELOW = {
    **JD_RESULT,
    "code": 1155,
    "result": False,
    "score": 0.7060586,
    "similarity": 57,
    "msg": "比对失败 :人脸比对判断 分数:0.7060586 阈值:0.8179 结果:false",
}
JD_OK = {
    "code": "10000",
    "charge": False,
    "remainTimes": 41,
    "remainSeconds": -1,
    "msg": "查询成功",
    "result": JD_RESULT,
}


def jd(result: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    body = copy.deepcopy(JD_OK)
    if result is not None:
        body["result"] = {**body["result"], **result}
    body.update(top)
    return body


def match(
    result: dict[str, Any] | None = None, data: dict[str, Any] | None = None, **top: Any
) -> dict[str, Any]:
    body = copy.deepcopy(MATCH_OK)
    if data is not None:
        body["data"] = {**body["data"], **data}
    if result is not None:
        body["data"]["result"] = result
    body.update(top)
    return body


def _ts() -> int:
    import time

    return int(time.time() * 1000)


# rule id -> (api, operation, conforming answer, violating answer, request body, facts ok, facts
# bad)
CASES: dict[str, tuple[Any, ...]] = {
    "FH-M01": ("match", "match", MATCH_OK, match(data={"traceNo": ""}), {}, Facts(), Facts()),
    "FH-M02": (
        "match",
        "match",
        match({"success": "false", "score": "79"}),
        match({"success": "false", "score": "85"}),
        {},
        Facts(),
        Facts(),
    ),
    "FH-M03": (
        "match",
        "match",
        MATCH_OK,
        match({"success": "true", "score": 99}),
        {},
        Facts(),
        Facts(),
    ),
    "FH-M04": (
        "match",
        "match",
        MATCH_OK,
        match({"success": "true", "score": "101"}),
        {},
        Facts(),
        Facts(),
    ),
    "FH-M05": ("match", "match", MATCH_OK, MATCH_OK, {}, Facts(), Facts(trace_seen=True)),
    "FH-M09": (
        "match",
        "match",
        {"errcode": 1001, "errmsg": "参数错误"},
        {"errcode": 1001, "errmsg": "SUCCESS"},
        {},
        Facts(),
        Facts(),
    ),
    "FH-J01": (
        "jd",
        "faceCompareNew",
        JD_OK,
        {"code": "10000", "msg": "查询成功"},
        {},
        Facts(),
        Facts(),
    ),
    "FH-J02": (
        "jd",
        "faceCompareNew",
        {"code": "10047", "msg": "sign签名无效"},
        {"code": "19999", "msg": "?"},
        {},
        Facts(),
        Facts(),
    ),
    "FH-J04": (
        "jd",
        "faceCompareNew",
        jd({"code": 100, "msg": "参数不合法 :x"}),
        jd({"code": 9999, "msg": "?"}),
        {},
        Facts(),
        Facts(),
    ),
    "FH-J06": (
        "jd",
        "faceCompareNew",
        JD_OK,
        jd({"threshold": {"e4": 1.04, "e5": 0.98, "e6": 1.09, "e7": 1.14}}),  # neither way
        {},
        Facts(),
        Facts(),
    ),
    "FH-J22": (  # each threshold written as the FAR its row names (far-for-threshold)
        "jd",
        "faceCompareNew",
        JD_OK,
        jd({"threshold": {"e4": 0.0001, "e5": 1e-05, "e6": 1e-06, "e7": 1e-07}}),
        {},
        Facts(),
        Facts(),
    ),
    "FH-J07": (
        "jd",
        "faceCompareNew",
        jd(JD_BELOW),
        jd({**JD_BELOW, "result": True}),  # 1155 (比对失败) with true: no reading
        {},
        Facts(),
        Facts(),
    ),
    "FH-J08": ("jd", "faceCompareNew", JD_OK, jd({"score": 1.7}), {}, Facts(), Facts()),
    "FH-J09": ("jd", "faceCompareNew", JD_OK, jd({"similarity": 193}), {}, Facts(), Facts()),
    "FH-J10": (
        "jd",
        "faceCompareNew",
        JD_OK,
        JD_OK,
        {},
        Facts(),
        Facts(similarity_conflict=(0.5, 99)),
    ),
    "FH-J12": (
        "jd",
        "faceCompareNew",
        JD_OK,
        JD_OK,
        {},
        Facts(remain_before=42),
        Facts(remain_before=41),
    ),
    "FH-J15": (
        "jd",
        "faceCompareNew",
        jd(remainSeconds=1_000_020),  # within two servers' clocks of the least seen
        jd(remainSeconds=1_000_060),  # a count of seconds used: one more minute
        {},
        Facts(remain_seconds_least=1_000_000),
        Facts(remain_seconds_least=1_000_000),
    ),
    # session 18: a result's serialNo names one request (a cut echo; the run's history)
    "FH-J16": (
        "jd",
        "faceCompareNew",
        jd({"serialNo": "1621270610624-010221159145-1821391"}),
        jd({"serialNo": "1621270610624-010221159145-18213"}),  # cut to 32
        {"serialNo": "1621270610624-010221159145-1821391"},
        Facts(),
        Facts(),
    ),
    "FH-J17": (
        "jd",
        "faceCompareNew",
        jd({**JD_BELOW, "score": 0.7060586214065552}),
        jd({**JD_BELOW, "score": 0.2939414}),  # msg states 1 - score
        {},
        Facts(),
        Facts(),
    ),
    # session 19: msg's 结果 is the result's verdict
    "FH-J19": (
        "jd",
        "faceCompareNew",
        jd(JD_BELOW),
        jd({**JD_BELOW, "msg": JD_BELOW["msg"].replace("结果:false", "结果:true")}),
        {},
        Facts(),
        Facts(),
    ),
    "FH-J18": (
        "jd",
        "faceCompareNew",
        {"code": "10047", "charge": False, "msg": "sign签名无效"},
        {"code": "10047", "charge": True, "msg": "sign签名无效"},
        {},
        Facts(),
        Facts(),
    ),
    "FH-J13": (
        "jd",
        "faceCompareNew",
        jd({"timestamp": _ts()}),
        jd({"timestamp": _ts() // 1000}),
        {},
        Facts(),
        Facts(),
    ),
}


# rule id -> (api, operation, erratum, answer following the default reading, one following an
# alternative,
#             request body, facts)
READINGS: dict[str, tuple[Any, ...]] = {
    "FH-J06": (  # round 16: similarity thresholds rise (legit_variants jd-thresholds-rising)
        "jd",
        "faceCompareNew",
        "E-004",
        JD_OK,
        jd({"threshold": {"e4": 0.62, "e5": 0.68, "e6": 0.73, "e7": 0.78}}),
        {},
        Facts(),
    ),
    "FH-M01": (
        "match",
        "match",
        "E-039",
        {"errcode": 40022, "errmsg": "公安库无此身份"},  # a business failure refused
        match(data={"status": "FAIL", "result": None}),
        {},
        Facts(),
    ),
    "FH-M08": (
        "match",
        "match",
        "E-006",
        MATCH_OK,
        {k: v for k, v in MATCH_OK.items() if k != "errmsg"},
        {},
        Facts(),
    ),
    "FH-M02": (
        "match",
        "match",
        "E-011",
        match({"success": "false", "score": "35"}),
        match({"success": "true", "score": "35"}),
        {},
        Facts(),
    ),
    "FH-M06": (
        "match",
        "match",
        "E-014",
        MATCH_ERR,
        {"errcode": 49999, "errmsg": "x"},
        {},
        Facts(),
    ),
    "FH-M07": (
        "match",
        "match",
        "E-014",
        MATCH_ERR,
        {"errcode": 40004, "errmsg": "bad input"},
        {},
        Facts(),
    ),
    "FH-J03": (
        "jd",
        "faceCompareNew",
        "E-040",
        {"code": "10047", "msg": "sign签名无效"},
        {"code": "10047", "msg": "bad sign"},
        {},
        Facts(),
    ),
    "FH-J05": (
        "jd",
        "faceCompareNew",
        "E-027",
        jd(JD_BELOW),
        jd({**JD_BELOW, "msg": "success"}),
        {},
        Facts(),
    ),
    "FH-J11": (
        "jd",
        "faceCompareNew",
        "E-041",
        JD_OK,
        jd({"serialNo": "98a39e53-84d4-448e-9081-29f64a6cd984"}),
        {"serialNo": "s-1"},
        Facts(),
    ),
    "FH-J12": (
        "jd",
        "faceCompareNew",
        "E-028",
        JD_OK,
        jd(remainTimes=38),
        {},
        Facts(remain_before=42),
    ),
    "FH-J14": (
        "jd",
        "faceCompareNew",
        "E-023",
        {"code": "10047", "charge": False, "msg": "sign签名无效"},
        {"code": "10047", "charge": False, "msg": "sign签名无效", "result": None},
        {},
        Facts(),
    ),
}


def judge(
    contract: Any,
    rule_id: str,
    api: str,
    operation: str,
    body: Any,
    request: Any,
    facts: Facts,
    readings: ReadingLog | None = None,
) -> None:
    ctx = RuleContext(
        contract=contract, api=api, operation=operation, facts=facts, readings=readings
    )
    RULES.get(rule_id).fn(ctx, answer(contract, api, 200, body), sent(api, operation, request))


def answer(contract: Any, api: str, status: int, body: Any) -> Exchange:
    """A JSON (or, for ``bytes``, raw) answer as the sender records it: its body read once."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange.read(contract, api, status, {"content-type": "application/json"}, content)


def sent(api: str, operation: str, body: Any = None) -> Request:
    """The request a rule judges (every rule's third argument)."""
    return Request(api, operation, "POST", f"/{operation}", json=body)


def test_every_rule_has_a_case():
    in_answer = {r.id for r in RULES if r.kind == "rule" and r.api != "*"}
    assert in_answer == set(CASES) | set(READINGS)
    both = {r.id for r in RULES if r.kind == "rule" and r.api == "*"}
    assert both == set(HTTP_CASES) | {"FH-H04", "FH-H05", "FH-H09"}


# the HTTP rules (E-015) judge what an answer is before its envelope: (status, content type)
# answers each must fail, with the severity and basis it states
HTTP_CASES = {
    "FH-H01": [(500, "application/json"), (503, "text/html")],
    "FH-H02": [(404, "application/json"), (302, "application/json")],
    "FH-H03": [(200, "text/plain"), (200, ""), (200, "application/jsonp")],
}
# JSON by any spelling HTTP allows: media types are case-insensitive, parameters may follow
# and a structured +json suffix (RFC 6839: legit_variants json-suffix)
JSON_TYPES = [
    "application/json",
    "Application/JSON; charset=UTF-8",
    " application/json ;q=1",
    "application/vnd.face.v1+json",
]


@pytest.mark.parametrize("rule_id", sorted(HTTP_CASES))
@pytest.mark.parametrize("api", ["match", "jd"])
def test_http_rules_fail_what_they_name_and_pass_an_http_200_json_answer(contract, rule_id, api):
    entry = RULES.get(rule_id)
    operation = "faceCompareNew" if api == "jd" else "match"
    ctx = RuleContext(contract=contract, api=api, operation=operation)
    assert entry.applies_to(api, operation)
    case = sent(api, operation, {})
    entry.fn(ctx, httpx.Response(200, json={"errcode": 0}), case)
    for status, ctype in HTTP_CASES[rule_id]:
        response = httpx.Response(status, content=b"{}", headers={"content-type": ctype})
        with pytest.raises(CheckFailed) as failed:
            entry.fn(ctx, response, case)
        assert (failed.value.rule_id, failed.value.basis) == (rule_id, entry.basis)
    for ctype in JSON_TYPES:
        entry.fn(ctx, httpx.Response(200, content=b"{}", headers={"content-type": ctype}), case)
    # a 5xx is FH-H01's finding alone, not also an undocumented status
    if rule_id == "FH-H02":
        entry.fn(ctx, httpx.Response(500, json={}), case)
    expected = ("seed", "high") if rule_id == "FH-H01" else ("convention", "low")
    assert (entry.basis, entry.severity) == expected


def test_a_json_answer_not_in_utf8_is_a_convention_finding_and_still_read(contract):
    """RFC 8259 8.1: JSON between systems MUST be UTF-8, without a BOM. Neither document names
    the answer's encoding, so every suite reads a UTF-16 or BOM-led body as the JSON it is (no
    false red) and conformance and fuzz list it, low, under FH-H09 (it was read in silence)."""
    entry = RULES.get("FH-H09")
    assert (entry.basis, entry.severity) == ("convention", "low")
    ctx = RuleContext(contract=contract, api="match", operation="match")
    case = sent("match", "match", {})
    text = json.dumps({"errcode": 0, "errmsg": "成功"}, ensure_ascii=False)
    for raw, said in [
        (text.encode("utf-16"), "UTF-16"),
        (text.encode("utf-16-le"), "UTF-16-LE"),
        (text.encode("utf-32"), "UTF-32"),
        (b"\xef\xbb\xbf" + text.encode(), "UTF-8 after a byte order mark"),
    ]:
        read = answer(contract, "match", 200, raw)
        assert read.answer is not None and read.answer.code == "0", said
        with pytest.raises(CheckFailed) as failed:
            entry.fn(ctx, read, case)
        assert f"a JSON body in {said}" in str(failed.value), str(failed.value)
    for raw in [text.encode(), b"", "<html>".encode("utf-16"), b'{"errmsg": "\xff\xfe"}']:
        entry.fn(ctx, answer(contract, "match", 200, raw), case)  # UTF-8, or not JSON: FH-H05's


def test_a_json_answer_in_the_charset_it_declares_is_read_and_listed(contract):
    """E-071 (round-8 legit variant gbk-declared): an internal service answering GBK, as its
    Content-Type declares, was not JSON to any suite (conform: 11 high findings, fuzz: medium
    schema findings); it is read as it declares, and FH-H09 lists it, low. Undeclared, or
    declared wrongly, it is still not JSON (FH-H05's finding)."""
    body = {"errcode": 40002, "errmsg": "授权token无效或已过期"}
    raw = json.dumps(body, ensure_ascii=False).encode("gbk")
    ctx = RuleContext(contract=contract, api="match", operation="match")
    case = sent("match", "match", {})
    for ctype in ("application/json;charset=GBK", 'application/json; Charset="gb2312"'):
        read = Exchange.read(contract, "match", 200, {"Content-Type": ctype}, raw)
        assert read.answer is not None and read.answer.code == "40002", ctype
        response = httpx.Response(200, content=raw, headers={"content-type": ctype})
        RULES.get("FH-H05").fn(ctx, response, case)
        with pytest.raises(CheckFailed) as failed:
            RULES.get("FH-H09").fn(ctx, response, case)
        assert "a JSON body in GB" in str(failed.value), str(failed.value)
    for ctype in ("application/json", "application/json;charset=utf-8", "text/json;charset=nope"):
        assert Exchange.read(contract, "match", 200, {"content-type": ctype}, raw).body is None
        with pytest.raises(CheckFailed):
            RULES.get("FH-H05").fn(
                ctx, httpx.Response(200, content=raw, headers={"content-type": ctype}), case
            )


@pytest.mark.parametrize(
    ("api", "body"),
    [("jd", {"code": "10043", "msg": "超过QPS限制"}), ("match", {"errcode": 42900, "errmsg": "x"})],
)
def test_a_503_carrying_a_throttling_code_is_throttling_not_a_server_error(contract, api, body):
    """E-051 (legit_variants qps-503): the documented throttling answer as HTTP 503 (nginx
    limit_req's status) is FH-H02's low convention finding, as a 429 is, not FH-H01's high one;
    a 503 with any other code is still FH-H01's."""
    operation = "faceCompareNew" if api == "jd" else "match"
    ctx = RuleContext(contract=contract, api=api, operation=operation)
    case = sent(api, operation, {})
    RULES.get("FH-H01").fn(ctx, answer(contract, api, 503, body), case)
    with pytest.raises(CheckFailed) as failed:
        RULES.get("FH-H02").fn(ctx, answer(contract, api, 503, body), case)
    assert (failed.value.rule_id, failed.value.level) == ("FH-H02", "low")
    other = (
        {"code": "10020", "msg": "系统繁忙"} if api == "jd" else {"errcode": 40004, "errmsg": "x"}
    )
    with pytest.raises(CheckFailed) as failed:
        RULES.get("FH-H01").fn(ctx, answer(contract, api, 503, other), case)
    assert (failed.value.rule_id, failed.value.level) == ("FH-H01", "high")
    RULES.get("FH-H02").fn(ctx, answer(contract, api, 503, other), case)


@pytest.mark.parametrize(
    ("api", "link", "envelope"),
    [
        ("jd", {"compareImageItem": {"imgType": "IDP", "imgUrl": "http://h.invalid/a.jpg"}},
         {"code": "10000", "msg": "成功", "result": {"code": 100, "msg": "图片下载失败"}}),
        ("match", {"image": {"origin": "uri", "data": "https://h.invalid/a.jpg"}},
         {"errcode": 40007, "errmsg": "图片下载失败"}),
    ],
)  # fmt: skip
def test_a_failed_fetch_of_a_link_is_no_server_error(contract, api, link, envelope):
    """E-017 (review of session 25): a request naming a link (JD's imgUrl, /match's origin uri)
    answered 502/503/504 with the envelope is the link's host failing (RFC 9110 15.6.3): FH-H02
    lists it, FH-H01 does not. A 500 with the envelope, a 502 without one, and a 502 to a request
    naming no link stay FH-H01's."""
    operation = "faceCompareNew" if api == "jd" else "match"
    ctx = RuleContext(contract=contract, api=api, operation=operation)
    by_link, plain = sent(api, operation, link), sent(api, operation, {})
    for status in (502, 503, 504):
        RULES.get("FH-H01").fn(ctx, answer(contract, api, status, envelope), by_link)
        with pytest.raises(CheckFailed) as failed:
            RULES.get("FH-H02").fn(ctx, answer(contract, api, status, envelope), by_link)
        assert failed.value.level == "low"
    for status, body, case in [
        (500, envelope, by_link),
        (502, b"<html>502 Bad Gateway</html>", by_link),
        (502, envelope, plain),
    ]:
        with pytest.raises(CheckFailed) as failed:
            RULES.get("FH-H01").fn(ctx, answer(contract, api, status, body), case)
        assert (failed.value.rule_id, failed.value.level) == ("FH-H01", "high")


@pytest.mark.parametrize(
    ("api", "body", "where", "due"),
    [
        (
            "jd",
            {"code": "10000", "result": {"code": 43010, "msg": "流量受限", "serialNo": "s1"}},
            "business",
            "100",
        ),
        ("jd", {"code": "10043", "msg": "超过QPS限制"}, "gateway", "10047"),
        ("match", {"errcode": 42900, "errmsg": "请求过于频繁"}, "errcode", "40004"),
    ],
)
def test_a_throttling_answer_to_an_invalid_request_judges_nothing(contract, api, body, where, due):
    """E-045 (`免费试用服务具有调用量、QPS限制`): a throttling answer says nothing of the request it
    refused. JD's documented business `43010 流量受限` under gateway 10000 (legit_variants
    jd-throttle-43010) was FH-S04's high "the contract assigns 100" for 13 of fuzz's invalid
    cases; only a gateway quota was let pass."""
    from harness.conformance._rules_http import Refusal, refusal_failure

    operation = "faceCompareNew" if api == "jd" else "match"
    ctx = RuleContext(contract=contract, api=api, operation=operation)
    refusal = Refusal(where, (due,), "a rule broken", strict=True, rule="bad-base64")
    assert refusal_failure(ctx, answer(contract, api, 200, body), refusal) is None


JD_SYSTEM_ERROR = {
    "code": "10000",
    "charge": False,
    "msg": "查询成功",
    "result": {"code": 50, "msg": "系统错误!", "serialNo": "1", "timestamp": 1627977407152},
}


@pytest.mark.parametrize(
    ("basis", "reading", "fetches", "failed"),
    [
        ("seed", None, False, True),  # invalid under every reading: 50 blames the service
        ("convention", None, False, False),  # deep JSON, a huge body: a norm, not a sentence
        # invalid only under faceharness' reading: valid under the other, so answered; 50 is no
        # answer under either (session 25: a serialNo beyond ASCII answered 50)
        ("reading", "E-043", False, True),
        ("seed", None, True, False),  # an imgUrl: a failed fetch may be the service's own
    ],
)
def test_a_jd_refusal_answered_50_is_fh_j20(contract, basis, reading, fetches, failed):
    """Session 21: a live JD service answering 50 系统错误! to an image of 5 MiB passed every
    refusal rule (no code is tied to the size, so any business refusal was taken)."""
    from harness.conformance._rules_http import Refusal, refusal_failure

    ctx = RuleContext(contract=contract, api="jd", operation="faceCompareNew")
    refusal = Refusal("business", ("100",), "an image of 5 MiB", False, "oversize", basis, reading)
    refusal = replace(refusal, fetches=fetches)
    found = refusal_failure(ctx, answer(contract, "jd", 200, JD_SYSTEM_ERROR), refusal)
    assert (found is not None and found.rule_id == "FH-J20") is failed, found
    refused = {**JD_SYSTEM_ERROR, "result": {**JD_SYSTEM_ERROR["result"], "code": 100}}
    assert refusal_failure(ctx, answer(contract, "jd", 200, refused), refusal) is None


@pytest.mark.parametrize(
    "body",
    [
        {"compareImageItem": {"imgUrl": "https://faceharness.invalid/a.jpg"}},
        {"collectionImageItems": [{}, {"imgUrl": "u"}]},
        {"collectionImageItems": {"imgUrl": "u"}},  # one item for the List
        {"compareImageItem": [{"imgUrl": "u"}], "collectionImageItems": 5},  # fuzz's wrong types
    ],
)
def test_a_jd_body_naming_an_image_url_in_any_shape_is_read(body):
    """A fuzz case's wrong-type collectionImageItems (an int) broke the whole jd:invalid-requests
    property (``*5``) when names_url read it as a list."""
    from harness.conformance._rules_http import names_url

    assert names_url(body)
    assert not names_url({**body, "compareImageItem": {}, "collectionImageItems": 5})


def test_a_request_without_an_answer_is_fh_h04_of_its_kind(contract):
    entry = RULES.get("FH-H04")
    ctx = RuleContext(contract=contract, api="jd", operation="faceCompareNew")
    lost = Exchange(status=0, error="reset, the connection was reset", no_answer="reset")
    with pytest.raises(CheckFailed) as failed:
        entry.fn(ctx, lost, SimpleNamespace(body={}, query={}))
    assert (failed.value.rule_id, failed.value.check, failed.value.level) == (
        "FH-H04",
        "answered",
        "high",
    )
    assert failed.value.basis == "seed" and failed.value.message.startswith("no answer: reset, ")
    for answered in (Exchange(status=500), httpx.Response(200, json={})):  # others judge those
        entry.fn(ctx, answered, SimpleNamespace(body={}, query={}))


@pytest.mark.parametrize("api", ["match", "jd"])
def test_the_response_schema_is_fh_h05_read_through_the_contract(contract, api):
    """Every documented response example fits; a missing field, a wrong type and a body that is
    not JSON (whatever its media type) do not; another status, or an envelope under another media
    type, is the HTTP rules' finding, not this one's."""
    entry = RULES.get("FH-H05")
    case = SimpleNamespace(body={}, query={})
    examples = [e for e in contract.spec(api).examples() if e[1] == "response"]
    assert examples
    for operation, _, _, body in examples:
        ctx = RuleContext(contract=contract, api=api, operation=operation)
        entry.fn(ctx, httpx.Response(200, json=body), case)
        entry.fn(ctx, httpx.Response(200, content=json.dumps(body).encode()), case)  # unlabelled
    operation, body = examples[0][0], copy.deepcopy(examples[0][3])
    ctx = RuleContext(contract=contract, api=api, operation=operation)
    missing = next(iter(body))
    del body[missing]
    with pytest.raises(CheckFailed) as failed:
        entry.fn(ctx, httpx.Response(200, json=body), case)
    suffixed = {"content-type": "application/vnd.face.v1+json"}  # judged too, not skipped
    with pytest.raises(CheckFailed):
        entry.fn(
            ctx, httpx.Response(200, content=json.dumps(body).encode(), headers=suffixed), case
        )
    assert (failed.value.rule_id, failed.value.level, failed.value.basis) == (
        "FH-H05",
        "high",
        "seed",
    )
    assert missing in failed.value.message and set(failed.value.at) == {missing}
    with pytest.raises(CheckFailed) as failed:
        entry.fn(ctx, httpx.Response(200, json=[]), case)
    assert failed.value.level == "high"
    for content, ctype in [
        (b"<html>", "application/json"),
        (b"<html>", "json"),  # malformed: read as the documented JSON, as schemathesis does
        (b"<html>", "text/html"),  # another label (FH-H03's), and no envelope (errcode 是)
        (b"code=2312", "text/plain"),
        (b'{"errcode": "\\udcf3"}', "Application/JSON"),  # a lone surrogate no validator reads
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # nested past Python's stack
    ]:
        garbage = httpx.Response(200, content=content, headers={"content-type": ctype})
        with pytest.raises(CheckFailed) as failed:
            entry.fn(ctx, garbage, case)
        assert failed.value.level == "medium" and "not a JSON object" in failed.value.message
    # another 2xx claims success as a 200 does: its body is the envelope too (a hostile 204)
    for status, content in [(204, b""), (202, b"accepted")]:
        with pytest.raises(CheckFailed) as failed:
            entry.fn(ctx, httpx.Response(status, content=content), case)
        assert failed.value.level == "medium" and "not a JSON object" in failed.value.message
    entry.fn(ctx, httpx.Response(201, json=examples[0][3]), case)
    for other in (
        httpx.Response(500, text="boom"),
        # an envelope labelled otherwise: FH-H03's finding alone, its fields the API's rules'
        httpx.Response(200, content=b'{"errcode": 0}', headers={"content-type": "text/plain"}),
    ):
        entry.fn(ctx, other, case)


def test_every_rule_states_its_basis():
    for entry in RULES:
        assert entry.basis in ("seed", "convention", "reading"), entry.id
        if entry.basis == "seed":
            assert entry.quote, f"{entry.id} quotes nothing"
        if entry.basis == "convention":
            assert entry.severity in ("low", "info"), entry.id
        if entry.basis == "reading":
            assert entry.observes, entry.id


@pytest.mark.parametrize("rule_id", sorted(READINGS))
def test_reading_rules_observe_instead_of_failing(contract, rule_id):
    api, operation, erratum, default, alternative, request, facts = READINGS[rule_id]
    assert erratum in contract.readings and rule_id in contract.readings[erratum].observed_by
    log = ReadingLog()
    judge(contract, rule_id, api, operation, default, request, facts, log)
    assert log.observed(erratum) == "default"
    judge(
        contract, rule_id, api, operation, alternative, request, facts, log
    )  # no CheckFailed: not a defect
    assert log.observed(erratum) == "mixed"
    assert log.evidence(erratum)["counts"] == {"default": 1, "alternative": 1}
    assert "Received" in log.evidence(erratum)["example"]
    required = ReadingLog(
        {erratum: "default"}
    )  # a team requiring the default reading gets a finding
    with pytest.raises(CheckFailed) as failed:
        judge(contract, rule_id, api, operation, alternative, request, facts, required)
    assert (
        failed.value.basis == "reading"
        and failed.value.erratum == erratum
        and failed.value.rule_id == rule_id
    )
    wants_alternative = ReadingLog({erratum: "alternative"})
    with pytest.raises(CheckFailed):
        judge(contract, rule_id, api, operation, default, request, facts, wants_alternative)


def test_success_true_with_a_low_score_follows_the_document(contract):
    """Issue 14.1: {"success":"true","score":"35"} is 人脸比对成功 with a score the caller judges
    (E-011)."""
    log = ReadingLog()
    judge(
        contract,
        "FH-M02",
        "match",
        "match",
        match({"success": "true", "score": "35"}),
        {},
        Facts(),
        log,
    )
    assert log.observed("E-011") == "alternative"
    with pytest.raises(
        CheckFailed
    ) as failed:  # "false" (出错) with a passing score fits no reading
        judge(
            contract,
            "FH-M02",
            "match",
            "match",
            match({"success": "false", "score": "95"}),
            {},
            Facts(),
            log,
        )
    assert failed.value.basis == "seed"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_the_conforming_and_fails_the_violating_answer(contract, rule_id):
    api, operation, good, bad, request, facts_ok, facts_bad = CASES[rule_id]
    judge(contract, rule_id, api, operation, good, request, facts_ok)
    with pytest.raises(CheckFailed) as failed:
        judge(contract, rule_id, api, operation, bad, request, facts_bad)
    assert failed.value.rule_id == rule_id and failed.value.operation == operation
    assert "Received" in failed.value.message and "Expected" in failed.value.message


@pytest.mark.parametrize(
    "body",
    [
        match({"success": "false", "score": "0"}),  # boundary 0
        match({"success": "true", "score": "100"}),  # boundary 100
        match({"success": "true", "score": "80"}),  # exactly the /match threshold (E-011)
    ],
)
def test_match_boundaries_conform(contract, body):
    for rule_id in ("FH-M02", "FH-M03", "FH-M04"):
        judge(contract, rule_id, "match", "match", body, {}, Facts())


@pytest.mark.parametrize("score", ["85\n", "8\n5", " 85", "85.", ".5"])
def test_a_score_with_more_than_digits_is_no_decimal_string(contract, score):
    """FH-M03: Python's ``$`` matches before a final newline; "85\n" is no number the score's
    String holds (返回示例 "score":"99")."""
    with pytest.raises(CheckFailed):
        judge(
            contract,
            "FH-M03",
            "match",
            "match",
            match({"success": "true", "score": score}),
            {},
            Facts(),
        )


def test_idno_threshold_and_score_only_on_success(contract):
    # FH-M01: /idno's score 验证通过时返回 and success 否: a result with neither is an identity
    # not verified (session 28: legit_variants no-success was red); /match's gives its outcome
    judge(contract, "FH-M01", "matchIdno", "matchIdno", match({}), {}, Facts())
    with pytest.raises(CheckFailed, match="without success or score"):
        judge(contract, "FH-M01", "match", "match", match({}), {}, Facts())
    log = ReadingLog()
    judge(
        contract,
        "FH-M02",
        "matchIdno",
        "matchIdno",
        match({"success": "true", "score": "70"}),
        {},
        Facts(),
        log,
    )
    judge(
        contract, "FH-M02", "matchIdno", "matchIdno", match({"success": "false"}), {}, Facts(), log
    )
    # a score with "false", or "true" at 65: the service's own threshold (70 is only 推荐), observed
    judge(
        contract,
        "FH-M02",
        "matchIdno",
        "matchIdno",
        match({"success": "false", "score": "75"}),
        {},
        Facts(),
        log,
    )
    judge(
        contract,
        "FH-M02",
        "matchIdno",
        "matchIdno",
        match({"success": "true", "score": "65"}),
        {},
        Facts(),
        log,
    )
    # "true" at 70 agrees with 70 and with a threshold of the service's own: it tells nothing, not
    # counted
    assert log.evidence("E-011")["counts"] == {"default": 0, "alternative": 2}
    with pytest.raises(CheckFailed):  # 验证通过时返回: a passed verification carries its score
        judge(contract, "FH-M02", "matchIdno", "matchIdno", match({"success": "true"}), {}, Facts())
    judge(
        contract, "FH-M02", "match", "match", match({"success": "false"}), {}, Facts()
    )  # score is 否 on /match


def test_processing_only_for_async_requests(contract):
    queued = match(data={"status": "PROCESSING"})
    del queued["data"]["result"]
    log = ReadingLog()
    judge(contract, "FH-M01", "match", "match", queued, {"async": True}, Facts(), log)
    assert log.observed("E-013") == "default"
    judge(
        contract, "FH-M01", "match", "match", queued, {"async": False}, Facts(), log
    )  # two-level status
    assert log.observed("E-039") == "alternative"
    judge(
        contract, "FH-M01", "match", "match", MATCH_OK, {"async": True}, Facts(), log
    )  # answered at once
    assert log.observed("E-013") == "mixed"


@pytest.mark.parametrize(
    "result", [{"success": "", "score": ""}, {"success": "false", "score": "0"}, None]
)
def test_a_processing_answer_with_a_results_defaults_is_no_finding(contract, result):
    """Review of round 12: PROCESSING is E-013's reading and status the business signal, so a
    result object serialised with its defaults under it is no verdict, for FH-M01 and the response
    schema (FH-H05) alike; success "true" there is a positive result before the comparison ran,
    and "" for success stays off the schema under SUCCESS."""
    queued = match(data={"status": "PROCESSING", "result": result})
    validator = contract.match.validator("MatchResponse")
    judge(contract, "FH-M01", "match", "match", queued, {"async": True}, Facts())
    assert list(validator.iter_errors(queued)) == []
    with pytest.raises(CheckFailed):
        positive = match(data={"status": "PROCESSING", "result": {"success": "true"}})
        judge(contract, "FH-M01", "match", "match", positive, {"async": True}, Facts())
    assert list(validator.iter_errors(match({"success": "", "score": "99"})))


def test_two_level_status_is_observed_not_failed(contract):
    """errcode 0 with status FAIL and no result (E-039); null and absent optional parts (issue
    14.3)."""
    log = ReadingLog()
    for body in (
        match(data={"status": "FAIL", "result": None}),
        {"errcode": 40004, "errmsg": "x", "data": None},
        {k: v for k, v in MATCH_OK.items() if k != "errmsg"},
        {**MATCH_OK, "errmsg": None},
    ):
        judge(contract, "FH-M01", "match", "match", body, {}, Facts(), log)
        errors = list(contract.match.validator("MatchResponse").iter_errors(body))
        assert errors == [], (body, errors)
    # a success fits both readings and an input error is no business failure: only FAIL tells
    assert log.observed("E-039") == "alternative"
    with pytest.raises(CheckFailed):  # a positive result under a failed status fits no reading
        judge(
            contract, "FH-M01", "match", "match", match(data={"status": "FAIL"}), {}, Facts(), log
        )


def test_jd_partial_answers_are_within_the_document(contract):
    """E-023: a gateway error with result null, a business error holding only code and msg."""
    for body in (
        {"code": "10047", "msg": "sign签名无效", "result": None},
        # a default-initialised result object beside a gateway error states no comparison
        {"code": "10047", "msg": "sign签名无效", "result": {"code": 0, "result": False}},
        # a gateway mirroring its own code into result: result's content there is undocumented
        {"code": "10047", "msg": "sign签名无效", "result": {"code": 10047, "msg": "sign签名无效"}},
        {"code": "10000", "msg": "查询成功", "result": {"code": 100, "msg": "参数不合法!"}},
    ):
        for rule_id in ("FH-J01", "FH-J02", "FH-J04", "FH-J05", "FH-J11", "FH-J13"):
            judge(contract, rule_id, "jd", "faceCompareNew", body, {"serialNo": "s-1"}, Facts())
        errors = list(contract.jd.validator("CompareResponse").iter_errors(body))
        assert errors == [], (body, errors)


def test_jd_gateway_text_variants_are_not_findings(contract):
    """E-040: JD's published wordings (full-width commas included) are the code's text too."""
    log = ReadingLog({"E-040": "default"})
    for code, msg in (
        ("10047", "请求签名sign无效，请检查签名信息"),
        ("10045", "timestamp参数无效，请检查timestamp距离当前时间是否超过5分钟"),
        ("10001", "错误的请求appkey"),
        ("10042", "URL上sign参数不能为空"),
        ("10047", "sign签名无效"),
    ):
        judge(
            contract, "FH-J03", "jd", "faceCompareNew", {"code": code, "msg": msg}, {}, Facts(), log
        )
    assert log.observed("E-040") == "default"
    with pytest.raises(CheckFailed) as failed:
        judge(
            contract,
            "FH-J03",
            "jd",
            "faceCompareNew",
            {"code": "10047", "msg": "bad"},
            {},
            Facts(),
            log,
        )
    assert (
        failed.value.level == "low"
    )  # the text is information: low even when a policy requires it


def test_jd_gateway_success_1000_is_observed_and_still_needs_its_result(contract):
    """E-002: the table's "1000" is gateway success (the alternative, observed); without the
    result it is still FH-J01's finding, another code still a gateway error, a required default
    a finding."""
    log = ReadingLog()
    for code in ("10000", "1000"):
        for rule_id in ("FH-J01", "FH-J02", "FH-J03"):
            body = {**JD_OK, "code": code}
            judge(contract, rule_id, "jd", "faceCompareNew", body, {}, Facts(), log)
    assert log.observed("E-002") == "mixed"
    for bad, rule_id in (
        ({"code": "1000", "msg": "查询成功"}, "FH-J01"),
        ({**JD_OK, "code": "1001"}, "FH-J01"),
        ({"code": "1001"}, "FH-J02"),
    ):
        with pytest.raises(CheckFailed) as failed:
            judge(contract, rule_id, "jd", "faceCompareNew", bad, {}, Facts())
        assert failed.value.basis == "seed", failed.value.message
    with pytest.raises(CheckFailed) as failed:
        judge(
            contract,
            "FH-J01",
            "jd",
            "faceCompareNew",
            {**JD_OK, "code": "1000"},
            {},
            Facts(),
            ReadingLog({"E-002": "default"}),
        )
    assert (failed.value.basis, failed.value.erratum) == ("reading", "E-002")


def test_error_envelope_needs_errmsg(contract):
    with pytest.raises(CheckFailed):
        judge(contract, "FH-M01", "match", "match", {"errcode": 40004}, {}, Facts())


def test_unknown_internal_code_is_an_error_answer_not_a_finding(contract):
    log = ReadingLog()
    for rule_id in ("FH-M01", "FH-M06", "FH-M07"):
        judge(
            contract, rule_id, "match", "match", {"errcode": 49999, "errmsg": "x"}, {}, Facts(), log
        )
    assert log.observed("E-014") == "alternative"


def test_jd_result_uses_the_threshold_learnt_earlier_in_the_run(contract):
    above = jd({"code": 1155, "result": False, "score": 0.95, "msg": "比对失败"})
    judge(
        contract, "FH-J07", "jd", "faceCompareNew", above, {}, Facts()
    )  # no threshold known: undecidable
    with pytest.raises(CheckFailed):  # code 1155 says below, but 0.95 >= the operating 0.8179
        judge(
            contract,
            "FH-J07",
            "jd",
            "faceCompareNew",
            {**above, "result": {**above["result"], "code": 1155}},
            {},
            Facts(operating_threshold=0.8179),
        )


def test_remaintimes_unlimited_stays_unlimited(contract):
    unlimited = jd(remainTimes=-1)
    judge(contract, "FH-J12", "jd", "faceCompareNew", unlimited, {}, Facts(remain_before=-1))
    with pytest.raises(CheckFailed):
        judge(contract, "FH-J12", "jd", "faceCompareNew", jd(remainTimes=-3), {}, Facts())
    with pytest.raises(
        CheckFailed
    ):  # a count that does not fall after a counted call (剩余调用次数)
        judge(
            contract,
            "FH-J12",
            "jd",
            "faceCompareNew",
            jd(remainTimes=42),
            {},
            Facts(remain_before=42),
        )
    with pytest.raises(CheckFailed):  # at 0 the next call must be refused (E-028)
        judge(
            contract,
            "FH-J12",
            "jd",
            "faceCompareNew",
            jd(remainTimes=0),
            {},
            Facts(remain_before=0),
        )


def test_rules_ignore_answers_that_are_not_envelopes(contract):
    for rule in RULES:
        if rule.kind != "rule" or rule.api == "*":  # the HTTP rules judge exactly those
            continue
        operation = "faceCompareNew" if rule.api == "jd" else "match"
        ctx = RuleContext(contract=contract, api=rule.api, operation=operation)
        rule.fn(ctx, answer(contract, rule.api, 500, b"boom"), sent(rule.api, operation, {}))
        rule.fn(ctx, answer(contract, rule.api, 200, b"<html>"), sent(rule.api, operation, {}))


def test_readings_file_and_rule_book_agree(contract):
    """Every reading names the rules that observe it, and those rules exist and say so."""
    for rid, reading in contract.readings.items():
        assert reading.observed_by, rid
        for rule_id in reading.observed_by:
            # negative-data-rejected (_st_checks): limits marked x-reading in the specs;
            # positive-data-accepted: async true refused as input (E-013, session 27)
            if rule_id in ("FH-S01", "FH-S02"):
                continue
            if rule_id.startswith("accuracy:"):  # a documented claim held or contradicted
                from harness.accuracy._result import READINGS as CLAIM_READINGS

                claim = rule_id.removeprefix("accuracy:")
                assert CLAIM_READINGS[claim.partition(".")[0]] == rid, (rule_id, rid)
                continue
            if rule_id.startswith("fuzz:"):
                from harness.fuzz._rules import RULES as FUZZ_RULES

                fuzz_rule = FUZZ_RULES[rule_id.removeprefix("fuzz:")]
                assert rid in {fuzz_rule.erratum, *(e for _, e in fuzz_rule.readings)}, (
                    rule_id,
                    rid,
                )
                continue
            assert rule_id in RULES, f"{rid}: no rule {rule_id}"
            entry = RULES.get(rule_id)
            assert rid in entry.observes or entry.id in ("FH-A01", "FH-A02"), (
                f"{rule_id} does not observe {rid}"
            )
    for entry in RULES:
        for rid in entry.observes:
            assert rid in contract.readings and entry.id in contract.readings[rid].observed_by, (
                entry.id,
                rid,
            )


def test_a_score_shown_rounded_is_judged_beyond_its_rounding(contract):
    """tests/fixtures/legit_variants.py `score-rounded`: the internal score in whole points as the
    example has it ("99"), JD's to two decimals, the decision taken on the unrounded score: 79.6
    shown "80" with "false", 0.8175 shown 0.82 with false at 0.8179 are right; one step further
    is still wrong."""
    judge(
        contract,
        "FH-M02",
        "match",
        "match",
        match({"success": "false", "score": "80"}),
        {},
        Facts(),
    )
    with pytest.raises(CheckFailed):
        judge(
            contract,
            "FH-M02",
            "match",
            "match",
            match({"success": "false", "score": "81"}),
            {},
            Facts(),
        )
    with pytest.raises(CheckFailed):  # one decimal: 80.0 stands for at least 79.95
        judge(
            contract,
            "FH-M02",
            "match",
            "match",
            match({"success": "false", "score": "80.1"}),
            {},
            Facts(),
        )
    below = {**JD_BELOW, "msg": "比对失败 :人脸比对判断 分数:0.82 阈值:0.8179 结果:false"}
    judge(contract, "FH-J07", "jd", "faceCompareNew", jd({**below, "score": 0.82}), {}, Facts())
    with pytest.raises(CheckFailed):
        judge(contract, "FH-J07", "jd", "faceCompareNew", jd({**below, "score": 0.83}), {}, Facts())
    with pytest.raises(CheckFailed):  # full precision: no rounding to hide behind
        judge(
            contract, "FH-J07", "jd", "faceCompareNew", jd({**below, "score": 0.8212}), {}, Facts()
        )


def test_a_msg_stating_a_small_score_in_exponent_form_is_read_whole(contract):
    """legit_variants `jd-python-msg` (round 13): a msg worded as the example's by a Python or
    Java service writes a small score as the language writes a double (`分数：7.0605862e-05`,
    `分数:7.06E-5`, full-width colons, 结果：False): FH-J17 read the mantissa alone (7.06) and
    filed a medium finding beside score 7.0605862e-05. The exponent is read, and a score written
    rounded in that form is judged beyond its rounding; another score is still a finding."""
    tiny = {**JD_BELOW, "score": 7.0605862e-05, "similarity": 0}
    for said in ("分数：7.0605862e-05 阈值：0.8179 结果：False", "分数:7.06E-5 阈值:0.8179"):
        answer = jd({**tiny, "msg": "比对失败 :人脸比对判断 " + said})
        for rule_id in ("FH-J17", "FH-J19", "FH-J07"):
            judge(contract, rule_id, "jd", "faceCompareNew", answer, {}, Facts())
    with pytest.raises(CheckFailed):  # the mantissa is no score of its own
        wrong = jd({**JD_BELOW, "score": 0.706, "msg": "比对失败 分数:7.06e-05 结果:false"})
        judge(contract, "FH-J17", "jd", "faceCompareNew", wrong, {}, Facts())
    with pytest.raises(CheckFailed):  # beyond the rounding of 7.06E-5
        wrong = jd({**tiny, "msg": "比对失败 分数:7.08E-5 结果:false"})
        judge(contract, "FH-J17", "jd", "faceCompareNew", wrong, {}, Facts())


def test_a_float_score_beside_a_msg_of_the_double_is_the_same_score(contract):
    """legit_variants `jd-float32` (round 15): `score Float` held by a Java Float (single
    precision, written as Jackson writes it) beside a msg formatting the engine's double to 7
    decimals: 分数:0.7784267 beside 0.77842677 differs by 7.7e-8, past both roundings, and fuzz
    --seed 7 filed a medium FH-J17. Half a single-precision unit more is allowed; a msg a
    digit off in its 6th decimal is still another score."""
    base = {**JD_BELOW, "score": 0.77842677, "similarity": 77}
    same = jd({**base, "msg": "比对失败 :人脸比对判断 分数:0.7784267 阈值:0.8179 结果:false"})
    judge(contract, "FH-J17", "jd", "faceCompareNew", same, {}, Facts())
    with pytest.raises(CheckFailed):
        other = jd({**base, "msg": "比对失败 :人脸比对判断 分数:0.7784277 阈值:0.8179 结果:false"})
        judge(contract, "FH-J17", "jd", "faceCompareNew", other, {}, Facts())


@pytest.mark.parametrize("written", ["1e999", "1e-999", "9.5E+400", "0.5e-400"])
def test_a_score_with_a_huge_or_tiny_exponent_is_judged_not_a_crash(contract, written):
    """Review session 24: `score_step("1e999")` raised OverflowError (FH-J07 on the score,
    FH-J17 on msg's 分数:1e999), and conform exited 2 with no report. Either is judged (a
    finding, or none), never an exception of another kind."""
    stated = f"比对失败 分数:{written} 阈值:0.8179 结果:false"
    answers = (
        jd({**JD_BELOW, "score": written, "msg": stated}),
        jd({**JD_BELOW, "msg": stated}),
    )
    for answer in answers:
        for rule_id in ("FH-J04", "FH-J07", "FH-J08", "FH-J17"):
            with contextlib.suppress(CheckFailed):
                judge(contract, rule_id, "jd", "faceCompareNew", answer, {}, Facts())
    with pytest.raises(CheckFailed):  # no rounding of the stated number makes it 0.7060586
        judge(contract, "FH-J17", "jd", "faceCompareNew", answers[1], {}, Facts())


def test_a_threshold_takes_no_sign_and_a_score_stated_negative_is_compared(contract):
    """One spelling of a number as written (harness.contract NUMBER): msg's 阈值 is unsigned (a
    "-" leaves the run's threshold), while 分数:-0.7060586 beside 0.7060586 is FH-J17's."""
    from harness.conformance._rules_jd import operating_threshold

    assert (
        operating_threshold("阈值:-0.5") is None and operating_threshold("阈值：0.8179") == 0.8179
    )
    with pytest.raises(CheckFailed):
        negative = jd({**JD_BELOW, "msg": f"比对失败 分数:-{JD_BELOW['score']} 结果:false"})
        judge(contract, "FH-J17", "jd", "faceCompareNew", negative, {}, Facts())


def test_a_non_match_under_code_0_is_a_reading(contract):
    """E-047 (legit_variants `jd-non-match-code-0`): `code int 0 状态code` and `result Boolean
    算法结果` are two fields; a non-match as code 0 with result false is observed, never failed,
    while a result that contradicts the score at the stated threshold is still a finding."""
    log = ReadingLog()
    non_match = jd({**JD_BELOW, "code": 0})
    judge(contract, "FH-J07", "jd", "faceCompareNew", non_match, {}, Facts(), log)
    assert log.observed("E-047") == "alternative"
    judge(contract, "FH-J07", "jd", "faceCompareNew", jd(JD_BELOW), {}, Facts(), log)
    assert log.observed("E-047") == "mixed"
    with pytest.raises(CheckFailed):  # 0.95 passes 阈值:0.8179: false contradicts it
        judge(
            contract, "FH-J07", "jd", "faceCompareNew", jd({**JD_BELOW, "code": 0, "score": 0.95}),
            {}, Facts(),
        )  # fmt: skip


def test_a_refusal_after_a_comparison_that_matched_is_no_contradiction(contract):
    """FH-J07: result true beside 100 (参数不合法: nothing was compared) is one; beside an
    anti-spoof or risk refusal (1157 照片存在攻击行为, 1183, 1159 风控拦截) it is not: the
    comparison (result 算法结果) may have matched before the refusal (code 状态code)."""
    for code in (1157, 1183, 1159):
        body = jd({"code": code, "msg": "x", "result": True, "score": 0.93})
        judge(contract, "FH-J07", "jd", "faceCompareNew", body, {}, Facts())
    with pytest.raises(CheckFailed):
        body = jd({"code": 100, "msg": "参数不合法!", "result": True, "score": 0.93})
        judge(contract, "FH-J07", "jd", "faceCompareNew", body, {}, Facts())


_WHOLE = {  # rule -> the field an integer, a whole float, a fraction (JSON bodies); the facts
    "FH-J04": (jd({"code": 0}), jd({"code": 0.0}), jd({"code": 1155.5}), Facts()),
    "FH-J12": (
        jd(remainTimes=41),
        jd(remainTimes=41.0),
        jd(remainTimes=40.5),
        Facts(remain_before=42),
    ),
    "FH-J13": (
        jd({"timestamp": _ts()}),
        jd({"timestamp": float(_ts())}),
        jd({"timestamp": _ts() + 0.5}),
        Facts(),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(_WHOLE))
def test_a_whole_float_is_a_reading_and_a_fraction_a_finding(contract, rule_id):
    """E-058 (review of session 18): JSON has one number type, so `1155.0` for `code int` is the
    integer 1155 under a plausible reading: observed (and judged as its integer, FH-J12's count
    too), a finding only when the policy requires the integer literal; `1155.5` fails under every
    reading. Session 16's rules failed the whole float outright."""
    integer, whole, fraction, facts = _WHOLE[rule_id]
    log = ReadingLog()
    judge(contract, rule_id, "jd", "faceCompareNew", whole, {}, facts, log)
    assert log.observed("E-058") == "alternative", log.to_dict()
    with pytest.raises(CheckFailed) as required:
        judge(
            contract,
            rule_id,
            "jd",
            "faceCompareNew",
            whole,
            {},
            facts,
            ReadingLog({"E-058": "default"}),
        )
    assert required.value.basis == "reading"
    with pytest.raises(CheckFailed) as failed:
        judge(contract, rule_id, "jd", "faceCompareNew", fraction, {}, facts, ReadingLog())
    assert failed.value.basis == "seed"
    judge(contract, rule_id, "jd", "faceCompareNew", integer, {}, facts, log)
    assert log.observed("E-058") == "mixed"


@pytest.mark.parametrize(
    ("errcode", "code", "fails"),
    [(0.0, "0", False), (4.0004e4, "40004", False), (0.5, "0.5", True), ("0", "0", True)],
)
def test_an_integral_num_errcode_is_its_integer(contract, errcode, code, fails):
    """E-054 (`errcode | Num`): 0.0 is the number 0, for the answer every suite reads and for
    FH-M01; a fraction or a string is still no errcode."""
    body = match(errcode=errcode) if errcode == 0 else {"errcode": errcode, "errmsg": "参数不合法"}
    a = answer(contract, "match", 200, body).answer
    assert (a.code, a.typed, a.refused) == (code, not fails, code != "0")
    if fails:
        with pytest.raises(CheckFailed):
            judge(contract, "FH-M01", "match", "match", body, {}, Facts())
    else:
        judge(contract, "FH-M01", "match", "match", body, {}, Facts())


def test_an_empty_value_is_a_part_not_returned(contract):
    """E-070: /idno's score "" when not passed (验证通过时返回; a Java bean's default) and a JD
    gateway error's `"result": {}` are parts not returned, as null; FH-M03 and FH-H05 filed high
    findings on each (round-8 legit variants idno-score-empty, jd-gateway-result-empty)."""
    idno = match({"success": "false", "score": ""})
    for rule_id in ("FH-M03", "FH-M02", "FH-H05"):
        judge(contract, rule_id, "match", "matchIdno", idno, {}, Facts(), ReadingLog())
    assert not answer(contract, "match", 200, idno).answer.score_sent
    refused = {"code": "10047", "charge": False, "msg": "sign签名无效", "result": {}}
    judge(contract, "FH-H05", "jd", "faceCompareNew", refused, {}, Facts(), ReadingLog())
    # still findings: /idno "true" with "" (验证通过时返回), a gateway success whose result is {}
    true_empty = match({"success": "true", "score": ""})
    with pytest.raises(CheckFailed):
        judge(contract, "FH-M02", "match", "matchIdno", true_empty, {}, Facts(), ReadingLog())
    with pytest.raises(CheckFailed):
        judge(
            contract, "FH-H05", "jd", "faceCompareNew", {"code": "10000", "result": {}}, {}, Facts()
        )


def test_a_score_in_exponent_form_is_a_reading(contract):
    """E-072: `score | String | 匹配分数` says nothing of the string's digits; a Java service
    writes an impostor's 0.0003 as `"3.0E-4"` (`String.valueOf`), Python `"5e-07"`. FH-M03 and
    the schema (FH-H05) filed high findings on each (round-9 legit variant score-java-string:
    conform and fuzz exit 1); now the reading is observed, and the number still judged."""
    log = ReadingLog()
    for score, success in (("3.0E-4", "false"), ("5e-07", "false"), ("8.123400E+01", "true")):
        body = match({"success": success, "score": score})
        for rule_id in ("FH-M03", "FH-H05", "FH-M02", "FH-M04"):
            judge(contract, rule_id, "match", "match", body, {}, Facts(), log)
    assert log.observed("E-072") == "alternative", log.to_dict()
    judge(contract, "FH-M03", "match", "match", match(), {}, Facts(), log)
    assert log.observed("E-072") == "mixed"
    with pytest.raises(CheckFailed) as required:
        exponent = match({"success": "false", "score": "3.0E-4"})
        judge(
            contract,
            "FH-M03",
            "match",
            "match",
            exponent,
            {},
            Facts(),
            ReadingLog({"E-072": "default"}),
        )
    assert required.value.basis == "reading"
    # still findings under every reading: off the scale, or no decimal string at all
    with pytest.raises(CheckFailed):
        judge(
            contract,
            "FH-M04",
            "match",
            "match",
            match({"success": "true", "score": "1.0E3"}),
            {},
            Facts(),
        )
    with pytest.raises(CheckFailed):
        judge(
            contract,
            "FH-M02",
            "match",
            "match",
            match({"success": "false", "score": "9.5E1"}),
            {},
            Facts(),
        )
    for score in ("99%", "80,5", "NaN", "Infinity", "1e", "E5", "-1.0E-4"):
        with pytest.raises(CheckFailed):
            body = match({"success": "false", "score": score})
            judge(contract, "FH-M03", "match", "match", body, {}, Facts(), ReadingLog())


def test_a_result_timestamp_too_large_for_a_float_is_fh_j13_not_an_internal_error(contract):
    """Review of session 22: ``"timestamp": 10**400`` (a JSON integer no float holds) stopped
    conform with an OverflowError in FH-J13's distance from now; it is a timestamp far from now."""
    with pytest.raises(CheckFailed) as failed:
        judge(contract, "FH-J13", "jd", "faceCompareNew", jd({"timestamp": 10**400}), {}, Facts())
    assert failed.value.rule_id == "FH-J13"


@pytest.mark.parametrize(
    ("reading", "code", "failed"),
    [(None, 1162, True), ("E-043", 1162, False), ("E-043", 43011, False), (None, 43011, False)],
)
def test_a_refusal_of_a_request_invalid_only_by_a_reading_takes_any_refusal_code(
    contract, reading, code, failed
):
    """Session 25: fuzz pins a full-width serialNo every run (invalid only under E-043's default);
    a live JD service refusing it 43011 请求参数不在接受范围 got a high FH-S04, "the contract
    assigns 100", though no sentence ties a code to a format the documents do not state. A
    strict case of a seed rule still gets its own code, 100 or 43011 alike (E-095, round 15)."""
    from harness.conformance._rules_http import Refusal, refusal_failure

    ctx = RuleContext(contract=contract, api="jd", operation="faceCompareNew")
    refusal = Refusal("business", ("100",), "serialNo = '０１'", True, "unicode-control", "seed")
    refusal = replace(refusal, reading=reading, basis="reading" if reading else "seed")
    refused = {**JD_SYSTEM_ERROR, "result": {**JD_SYSTEM_ERROR["result"], "code": code}}
    found = refusal_failure(ctx, answer(contract, "jd", 200, refused), refusal)
    assert (found is not None and found.rule_id == "FH-S04") is failed, found


@pytest.mark.parametrize(
    ("threshold", "seen", "fails"),
    [
        (
            {"e4": 1.092, "e5": 1.092, "e6": 1.092, "e7": 1.092},
            "not-exercised",
            False,
        ),  # the seed's table
        ({"e4": 1.15, "e5": 1.092, "e6": 1.092, "e7": 0.98}, "default", False),
        ({"e4": 0.62, "e5": 0.68, "e6": 0.68, "e7": 0.78}, "alternative", False),
        (
            {"e4": 1.092, "e5": 1.092, "e6": 1.2, "e7": 1.0},
            "not-exercised",
            True,
        ),  # one rises, one falls
    ],
)
def test_fh_j06_takes_equal_neighbouring_thresholds(contract, threshold, seen, fails):
    """Session 27 review: the seed's own table gives e4..e7 all 1.0920000, and FH-J06 filed
    equal thresholds high; E-004 calls only a stricter rate with a looser threshold a finding,
    so a run that never turns (ties included) passes, one pair rising and another falling fails."""
    log = ReadingLog()
    body = jd({"threshold": threshold})
    if fails:
        with pytest.raises(CheckFailed):
            judge(contract, "FH-J06", "jd", "faceCompareNew", body, {}, Facts(), log)
    else:
        judge(contract, "FH-J06", "jd", "faceCompareNew", body, {}, Facts(), log)
    assert log.observed("E-004") == seen


@pytest.mark.parametrize(
    ("answered", "named"),
    [
        ("1621270610624-fh0221159145-1821391", False),  # its capitals folded: AB and ab one id
        ("1621270610624-FH0221159145-1821391", True),  # echoed as sent
        ("98a39e53-84d4-448e-9081-29f64a6cd984", True),  # an id of the service's own (E-041)
        ("1621270610624-Fh0221159145-1821391", True),  # one letter: no fold of the whole
    ],
)
def test_fh_j16_tells_a_case_folded_echo_from_the_request_id(contract, answered, named):
    """Session 29: a serialNo echoed with its letters' case folded no longer names one request
    (E-041); an echo, or an id of the service's own, does."""
    sent = {"serialNo": "1621270610624-FH0221159145-1821391"}
    body = jd({"serialNo": answered})
    if named:
        judge(contract, "FH-J16", "jd", "faceCompareNew", body, sent, Facts())
        return
    with pytest.raises(CheckFailed) as failed:
        judge(contract, "FH-J16", "jd", "faceCompareNew", body, sent, Facts())
    assert "case" in failed.value.message
