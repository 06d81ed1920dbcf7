"""Every business rule on constructed answers: a conforming one passes, a violating one fails with its id."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness.conformance import RULES, CheckFailed, Facts, RuleContext

MATCH_OK = {"errcode": 0, "errmsg": "SUCCESS",
            "data": {"status": "SUCCESS", "traceNo": "17000000000000001", "result": {"success": "true", "score": "99"}}}
MATCH_ERR = {"errcode": 40004, "errmsg": "参数不合法: image: required"}
JD_RESULT = {"code": 0, "msg": "success", "result": True, "score": 0.93, "similarity": 93,
             "threshold": {"e4": 1.1477, "e5": 1.092, "e6": 1.0403, "e7": 0.9829},
             "hacknessVo": {}, "serialNo": "s-1", "timestamp": 0}
JD_BELOW = {**JD_RESULT, "code": 1155, "result": False, "score": 0.7060586, "similarity": 57,
            "msg": "比对失败 :人脸比对判断 分数:0.7060586 阈值:0.8179 结果:false"}
JD_OK = {"code": "10000", "charge": False, "remainTimes": 41, "remainSeconds": -1, "msg": "查询成功", "result": JD_RESULT}


def jd(result: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    body = copy.deepcopy(JD_OK)
    if result is not None:
        body["result"] = {**body["result"], **result}
    body.update(top)
    return body


def match(result: dict[str, Any] | None = None, data: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
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


# rule id -> (api, operation, conforming answer, violating answer, request body, facts ok, facts bad)
CASES: dict[str, tuple[Any, ...]] = {
    "FH-M01": ("match", "match", MATCH_OK, match(data={"status": "FAIL"}), {}, Facts(), Facts()),
    "FH-M02": ("match", "match", match({"success": "false", "score": "79"}), match({"success": "true", "score": "79"}),
               {}, Facts(), Facts()),
    "FH-M03": ("match", "match", MATCH_OK, match({"success": "true", "score": 99}), {}, Facts(), Facts()),
    "FH-M04": ("match", "match", MATCH_OK, match({"success": "true", "score": "101"}), {}, Facts(), Facts()),
    "FH-M05": ("match", "match", MATCH_OK, MATCH_OK, {}, Facts(), Facts(trace_seen=True)),
    "FH-M06": ("match", "match", MATCH_ERR, {"errcode": 49999, "errmsg": "x"}, {}, Facts(), Facts()),
    "FH-M07": ("match", "match", MATCH_ERR, {"errcode": 40004, "errmsg": "bad input"}, {}, Facts(), Facts()),
    "FH-J01": ("jd", "faceCompareNew", JD_OK, {"code": "10000", "msg": "查询成功"}, {}, Facts(), Facts()),
    "FH-J02": ("jd", "faceCompareNew", {"code": "10047", "msg": "sign签名无效"}, {"code": "19999", "msg": "?"},
               {}, Facts(), Facts()),
    "FH-J03": ("jd", "faceCompareNew", {"code": "10047", "msg": "sign签名无效"}, {"code": "10047", "msg": "bad sign"},
               {}, Facts(), Facts()),
    "FH-J04": ("jd", "faceCompareNew", jd({"code": 100, "msg": "参数不合法 :x"}), jd({"code": 9999, "msg": "?"}),
               {}, Facts(), Facts()),
    "FH-J05": ("jd", "faceCompareNew", jd(JD_BELOW), jd({**JD_BELOW, "msg": "success"}), {}, Facts(), Facts()),
    "FH-J06": ("jd", "faceCompareNew", JD_OK, jd({"threshold": {"e4": 0.98, "e5": 1.04, "e6": 1.09, "e7": 1.14}}),
               {}, Facts(), Facts()),
    "FH-J07": ("jd", "faceCompareNew", jd(JD_BELOW), jd({**JD_BELOW, "code": 0, "msg": "success"}),
               {}, Facts(), Facts()),
    "FH-J08": ("jd", "faceCompareNew", JD_OK, jd({"score": 1.7}), {}, Facts(), Facts()),
    "FH-J09": ("jd", "faceCompareNew", JD_OK, jd({"similarity": 193}), {}, Facts(), Facts()),
    "FH-J10": ("jd", "faceCompareNew", JD_OK, JD_OK, {}, Facts(), Facts(similarity_conflict=(0.5, 99))),
    "FH-J11": ("jd", "faceCompareNew", JD_OK, jd({"serialNo": "other"}), {"serialNo": "s-1"}, Facts(), Facts()),
    "FH-J12": ("jd", "faceCompareNew", JD_OK, JD_OK, {}, Facts(remain_before=42), Facts(remain_before=41)),
    "FH-J13": ("jd", "faceCompareNew", jd({"timestamp": _ts()}), jd({"timestamp": _ts() // 1000}),
               {}, Facts(), Facts()),
}


def judge(contract: Any, rule_id: str, api: str, operation: str, body: Any, request: Any, facts: Facts) -> None:
    ctx = RuleContext(contract=contract, api=api, operation=operation, facts=facts)
    RULES.get(rule_id).fn(ctx, httpx.Response(200, json=body), SimpleNamespace(body=request, query={}))


def test_every_rule_has_a_case():
    assert {r.id for r in RULES if r.kind == "rule"} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_the_conforming_and_fails_the_violating_answer(contract, rule_id):
    api, operation, good, bad, request, facts_ok, facts_bad = CASES[rule_id]
    judge(contract, rule_id, api, operation, good, request, facts_ok)
    with pytest.raises(CheckFailed) as failed:
        judge(contract, rule_id, api, operation, bad, request, facts_bad)
    assert failed.value.rule_id == rule_id and failed.value.operation == operation
    assert "Received" in failed.value.message and "Expected" in failed.value.message


@pytest.mark.parametrize("body", [
    match({"success": "false", "score": "0"}),           # boundary 0
    match({"success": "true", "score": "100"}),          # boundary 100
    match({"success": "true", "score": "80"}),           # exactly the /match threshold (E-011)
])
def test_match_boundaries_conform(contract, body):
    for rule_id in ("FH-M02", "FH-M03", "FH-M04"):
        judge(contract, rule_id, "match", "match", body, {}, Facts())


def test_idno_threshold_and_score_only_on_success(contract):
    judge(contract, "FH-M02", "matchIdno", "matchIdno", match({"success": "true", "score": "70"}), {}, Facts())
    judge(contract, "FH-M02", "matchIdno", "matchIdno", match({"success": "false"}), {}, Facts())
    with pytest.raises(CheckFailed):  # /idno returns a score only when success is "true" (E-011)
        judge(contract, "FH-M02", "matchIdno", "matchIdno", match({"success": "false", "score": "50"}), {}, Facts())
    with pytest.raises(CheckFailed):  # /match always returns one
        judge(contract, "FH-M02", "match", "match", match({"success": "false"}), {}, Facts())


def test_processing_only_for_async_requests(contract):
    queued = match(data={"status": "PROCESSING"})
    del queued["data"]["result"]
    judge(contract, "FH-M01", "match", "match", queued, {"async": True}, Facts())
    with pytest.raises(CheckFailed):
        judge(contract, "FH-M01", "match", "match", queued, {"async": False}, Facts())


def test_error_envelope_needs_errmsg(contract):
    with pytest.raises(CheckFailed):
        judge(contract, "FH-M01", "match", "match", {"errcode": 40004}, {}, Facts())


def test_unknown_internal_code_is_low_severity(contract):
    with pytest.raises(CheckFailed) as failed:
        judge(contract, "FH-M06", "match", "match", {"errcode": 49999, "errmsg": "x"}, {}, Facts())
    assert failed.value.level == "low"


def test_jd_result_uses_the_threshold_learnt_earlier_in_the_run(contract):
    above = jd({"code": 1155, "result": False, "score": 0.95, "msg": "比对失败"})
    judge(contract, "FH-J07", "jd", "faceCompareNew", above, {}, Facts())  # no threshold known: undecidable
    with pytest.raises(CheckFailed):  # code 1155 says below, but 0.95 >= the operating 0.8179
        judge(contract, "FH-J07", "jd", "faceCompareNew", {**above, "result": {**above["result"], "code": 1155}},
              {}, Facts(operating_threshold=0.8179))


def test_remaintimes_unlimited_stays_unlimited(contract):
    unlimited = jd(remainTimes=-1)
    judge(contract, "FH-J12", "jd", "faceCompareNew", unlimited, {}, Facts(remain_before=-1))
    with pytest.raises(CheckFailed):
        judge(contract, "FH-J12", "jd", "faceCompareNew", jd(remainTimes=-3), {}, Facts())
    with pytest.raises(CheckFailed):  # at 0 the next call must be refused (E-028)
        judge(contract, "FH-J12", "jd", "faceCompareNew", jd(remainTimes=0), {}, Facts(remain_before=0))


def test_rules_ignore_answers_that_are_not_envelopes(contract):
    for rule in RULES:
        if rule.kind != "rule":
            continue
        operation = "faceCompareNew" if rule.api == "jd" else "match"
        ctx = RuleContext(contract=contract, api=rule.api, operation=operation)
        rule.fn(ctx, httpx.Response(500, text="boom"), SimpleNamespace(body={}, query={}))
        rule.fn(ctx, httpx.Response(200, text="<html>"), SimpleNamespace(body={}, query={}))
