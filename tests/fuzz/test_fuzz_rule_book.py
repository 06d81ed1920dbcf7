"""Fuzz asks the conformance rule book for its in-answer verdicts: one rule, one verdict, both
suites."""

from __future__ import annotations

import json
from typing import Any

from harness.clients import Exchange, Request
from harness.contract import ReadingLog, load_contract
from harness.fuzz import InvalidCase
from harness.fuzz._checks import check_answer, check_refusal, check_rules

JD = Request(
    api="jd",
    operation="faceCompareNew",
    method="POST",
    path="/jdai/faceCompareNew",
    json={"serialNo": "fh-1"},
)
MATCH = Request(api="match", operation="match", method="POST", path="/tech/ai/face/match", json={})


def _answer(api: str, body: Any) -> Exchange:
    """An HTTP 200 JSON answer as the sender records one: headers, bytes, the answer read."""
    headers = {"content-type": "application/json"}
    return Exchange.read(load_contract(), api, 200, headers, json.dumps(body).encode())


def _jd(**result: Any) -> Exchange:
    body = {
        "code": "10000",
        "msg": "查询成功",
        "result": {
            "code": 0,
            "msg": "success",
            "result": True,
            "score": 0.93,
            "serialNo": "fh-1",
            **result,
        },
    }
    return _answer("jd", body)


def test_a_correct_answer_has_no_problem_and_records_the_readings_it_follows(contract: Any) -> None:
    log = ReadingLog()
    assert check_rules(contract, JD, _jd(), request_valid=True, readings=log) == []
    assert log.observed("E-041") == "default"
    # "success" for code 0 fits every wording of the table (E-027): it tells no reading apart
    assert log.observed("E-027") == "not-exercised"


def test_the_rule_books_verdicts_come_back_as_fuzz_problems(contract: Any) -> None:
    problems = check_rules(
        contract,
        JD,
        _jd(threshold={"e4": 0.6, "e5": 0.5, "e6": 0.7, "e7": 0.8}),  # neither way
    )
    assert [(p.check, p.severity, p.erratum) for p in problems] == [
        ("thresholds-fall", "high", "E-004")
    ]
    assert "\n" not in problems[0].message
    # false at 0.93 over the stated 阈值 (code 0 with false alone is E-047's other reading)
    stated = "比对失败 :人脸比对判断 分数:0.93 阈值:0.8179 结果:false"
    wrong = check_rules(contract, JD, _jd(result=False, msg=stated))
    assert [p.check for p in wrong] == ["result-follows-threshold"]


def test_a_reading_is_a_problem_only_when_the_policy_requires_the_other(contract: Any) -> None:
    echoed_not = _jd(serialNo="service-own-id")
    assert check_rules(contract, JD, echoed_not, request_valid=True, readings=ReadingLog()) == []
    required = ReadingLog({"E-041": "default"})
    [problem] = check_rules(contract, JD, echoed_not, request_valid=True, readings=required)
    assert (problem.check, problem.basis, problem.erratum) == (
        "serialno-echoed",
        "reading",
        "E-041",
    )
    # an invalid request's serialNo is not judged
    assert check_rules(contract, JD, echoed_not, request_valid=False, readings=required) == []


def test_false_at_the_top_of_the_spec_score_range_fits_no_reading(contract: Any) -> None:
    low, high = (float(v) for v in contract.match.facts["score_range"])
    body = {
        "errcode": 0,
        "errmsg": "SUCCESS",
        "data": {
            "status": "SUCCESS",
            "traceNo": "t",
            "result": {"success": "false", "score": f"{high:g}"},
        },
    }
    problems = check_answer(contract, MATCH, _answer("match", body))
    assert [p.check for p in problems] == [
        "success-follows-threshold"
    ]  # 'false' at a passing score fits no reading


def _match_answer(score: str | None, success: str | None) -> Any:
    from harness.contract import load_contract, read_answer

    body = {
        "errcode": 0,
        "errmsg": "SUCCESS",
        "data": {
            "status": "SUCCESS",
            "traceNo": "1",
            "result": {k: v for k, v in (("success", success), ("score", score)) if v is not None},
        },
    }
    return read_answer(load_contract(), "match", 200, body)


def test_the_pair_and_self_verdicts_are_the_ones_a_replay_judges_by():
    """One verdict per property, shared by the run and `replay` (the replay once compared swapped
    scores exactly and ignored the internal API's threshold, so it could call a fixed finding
    still failing, or a failing one fixed)."""
    from harness.fuzz._pool import shows_a_face
    from harness.fuzz._properties import reencoding, same_score, self_match, swap_symmetry

    def disagree(a: Any, b: Any) -> bool:
        return bool(same_score(a, b))

    def swap_disagrees(api: str, x: Any, y: Any) -> bool:
        return bool(swap_symmetry(api, x, y))

    def self_match_fails(api: str, found: Any, threshold: float) -> bool:
        return bool(self_match(api, found, threshold))

    high, low, near = (
        _match_answer("95", "true"),
        _match_answer("60", "false"),
        _match_answer("95.5", "true"),
    )
    assert disagree(high, low) and not disagree(high, _match_answer("95", "true"))
    assert not swap_disagrees("match", high, near)  # within the 1-point tolerance
    assert swap_disagrees("match", high, low)
    # FH-L42's line (review of round 12): 80 is advice, so 77 with "true" breaks no sentence;
    # below half the 0..100 scale ("1": a 0..1 similarity unscaled) no reading allows; "false"
    # is 人脸比对出错 under E-011's other reading (a face not found), not judged
    assert not self_match_fails("match", _match_answer("77", "true"), 80.0)
    assert self_match_fails("match", _match_answer("1", "true"), 80.0)
    assert self_match_fails("match", _match_answer("49", "true"), 80.0)
    assert not self_match_fails("match", _match_answer("0", "false"), 80.0)
    assert not self_match_fails("match", high, 80.0) and not self_match_fails("match", low, 80.0)
    # 计算两张脸的相似程度: a picture without a face need not match itself (legit_variants
    # no-face-non-match: JD's example answers 1155 with "valid": false)
    assert not self_match("match", low, 80.0, face=False)
    # `success | String | 否` and /match's `score | String | 否`: an answer without one is judged
    # by the other (legit_variants no-success, match-no-score: fuzz filed a high self_match_passes
    # and a medium reencoding_matches on a score of 100 sent without success)
    score_only, verdict_only = _match_answer("100", None), _match_answer(None, "true")
    for fails in (self_match_fails, lambda *a: bool(reencoding(*a[:2], "as:png", a[2]))):
        assert not fails("match", score_only, 80.0) and not fails("match", verdict_only, 80.0)
        assert fails("match", _match_answer("30", None), 80.0)
        assert not fails("match", _match_answer(None, None), 80.0)  # nothing to judge
    assert shows_a_face("angelina_jolie_1.jpg|fit:200") and not shows_a_face(
        "synthetic:64x64:1:png"
    )
    assert not disagree(high, None) and not swap_disagrees("match", None, low)


def _gateway(code: str) -> Exchange:
    return _answer("jd", {"code": code, "msg": "x"})


def test_an_answer_that_never_came_and_a_broken_schema_are_the_books_verdicts(contract: Any):
    lost = Exchange(status=0, error="reset, the connection was reset (X)", no_answer="reset")
    [problem] = check_answer(contract, JD, lost)
    assert (problem.check, problem.severity, problem.variant, problem.basis) == (
        "answered",
        "high",
        "reset",
        "seed",
    )
    assert problem.message == "no answer: reset, the connection was reset (X)"
    body = _jd().body
    del body["result"]["code"]
    assert [p.check for p in check_answer(contract, JD, _answer("jd", body))] == ["response_schema"]
    garbage = Exchange.read(contract, "jd", 200, {"content-type": "application/json"}, b"<")
    [problem] = check_answer(contract, JD, garbage)
    assert (problem.check, problem.severity) == ("response_schema", "medium")
    # a UTF-16 success is read as the success it is, and listed as conformance lists it (FH-H09)
    utf16 = json.dumps(_jd().body, ensure_ascii=False).encode("utf-16")
    wide = Exchange.read(contract, "jd", 200, {"content-type": "application/json"}, utf16)
    assert wide.body == _jd().body and wide.answer == _jd().answer
    [problem] = check_answer(contract, JD, wide)
    assert (problem.check, problem.severity, problem.basis) == ("json-utf8", "low", "convention")


def test_the_refusal_of_an_invalid_case_is_the_books_verdict(contract: Any) -> None:
    """FH-S03 (refused with a code of its kind, by the broken rule's basis) and FH-S04 (the rule's
    own code where it is due)."""
    sign = contract.codes.named("jd", "bad_sign").code
    bad_sign = InvalidCase(JD, "bad-sign", "sign wrong", "gateway", (sign,), exact=True)
    [accepted] = check_refusal(contract, bad_sign, _jd(), strict=True)
    assert (accepted.check, accepted.severity, accepted.basis) == (
        "invalid_refused",
        "high",
        "seed",
    )
    assert check_refusal(contract, bad_sign, _gateway(sign), strict=True) == []
    other = contract.codes.named("jd", "wrong_appkey").code
    [wrong] = check_refusal(contract, bad_sign, _gateway(other), strict=True)
    assert (wrong.check, wrong.severity) == ("rule_code", "high")
    assert check_refusal(contract, bad_sign, _gateway(other), strict=False) == []
    business = InvalidCase(JD, "wrong-type", "serialNo = 1", "business", ("1",))
    [where] = check_refusal(contract, business, _gateway(sign), strict=True)
    assert where.check == "invalid_refused" and "gateway code" in where.message
    # a convention: at most low; a quota before the rule is judged: inconclusive
    truncated = InvalidCase(JD, "truncated-image", "cut", "business", ("1",))
    [low] = check_refusal(contract, truncated, _jd(), strict=True)
    assert (low.severity, low.basis) == ("low", "convention")
    daily = contract.codes.named("jd", "daily_limit").code
    assert check_refusal(contract, truncated, _gateway(daily), strict=True) == []


def test_jds_two_codes_of_an_invalid_parameter_refuse_any_invalid_parameter(contract: Any) -> None:
    """E-095 (round 15): `100 参数不合法!` and `43011 请求参数不在接受范围` tie to no fault, so a
    service answering 43011 where faceharness' table says 100 (legit jd-input-codes-swapped) is
    no rule_code finding (fuzz --seed 7 filed six high ones); another code still is."""
    invalid = contract.codes.named("jd", "invalid_parameter").code
    outside = contract.codes.named("jd", "out_of_range").code
    fixed = contract.codes.named("jd", "fixed_fields_wrong").code
    missing = InvalidCase(JD, "missing-field", "serialNo removed", "business", (invalid,))
    enum = InvalidCase(JD, "enum-outside", "imgType = X", "business", (outside,))
    assert check_refusal(contract, missing, _jd(code=int(outside), msg="x"), strict=True) == []
    assert check_refusal(contract, enum, _jd(code=int(invalid), msg="x"), strict=True) == []
    [other] = check_refusal(contract, missing, _jd(code=int(fixed), msg="x"), strict=True)
    assert (other.check, other.severity) == ("rule_code", "high")


def test_an_invalid_case_is_judged_by_every_answers_rules_then_by_the_refusal_rules(
    contract: Any,
) -> None:
    """One judgement of an invalid case for the run, the pytest plugin and a replay: what every
    answer must satisfy first (a run reports the first problem), then FH-S03/FH-S04."""
    sign = contract.codes.named("jd", "bad_sign").code
    bad_sign = InvalidCase(JD, "bad-sign", "sign wrong", "gateway", (sign,), exact=True)
    accepted = _jd(msg=5)  # a success, and one that breaks the response schema
    problems = check_answer(contract, JD, accepted, case=bad_sign, strict=True)
    assert [p.check for p in problems] == ["response_schema", "invalid_refused"]
    assert check_answer(contract, JD, _gateway(sign), case=bad_sign, strict=True) == []
    other = contract.codes.named("jd", "wrong_appkey").code
    [wrong] = check_answer(contract, JD, _gateway(other), case=bad_sign, strict=True)
    assert wrong.check == "rule_code"
    assert check_answer(contract, JD, _gateway(other), case=bad_sign) == []


def test_an_invalid_case_only_by_a_reading_is_observed_when_accepted(contract: Any) -> None:
    ok = {"errcode": 0, "errmsg": "SUCCESS", "data": {"result": {"code": "2312"}}}
    live = Request("match", "liveCode", "POST", "/tech/ai/face/validateData", json={"x": 1})
    extra = InvalidCase(live, "extra-field", "x = 1", "errcode", ("40004",))
    answer = _answer("match", ok)
    log = ReadingLog()
    assert check_refusal(contract, extra, answer, strict=True, readings=log) == []
    assert log.observed("E-032") == "alternative"
    required = ReadingLog({"E-032": "default"})
    [problem] = check_refusal(contract, extra, answer, strict=True, readings=required)
    assert (problem.check, problem.basis, problem.erratum) == (
        "invalid_refused",
        "reading",
        "E-032",
    )
    assert "the policy requires the default reading of E-032" in problem.message


def test_the_internal_apis_codes_are_faceharness_numbering_observed_as_e014(contract: Any):
    """E-014, judged once for every suite: on a live service (not strict) another errcode refuses
    as well and is an observation; the emulator (strict) is held to the table, except for a code
    outside it (its own numbering). JD's codes are documented: its code is due, known or not."""
    token = contract.codes.named("match", "token_missing").code
    invalid = contract.codes.named("match", "invalid_parameter").code
    case = InvalidCase(MATCH, "bad-token", "no token", "errcode", (token,))
    right = _answer("match", {"errcode": int(token), "errmsg": "x"})
    other = _answer("match", {"errcode": int(invalid), "errmsg": "x"})
    own = _answer("match", {"errcode": 1001, "errmsg": "x"})
    log = ReadingLog()
    assert check_refusal(contract, case, right, strict=True, readings=log) == []
    assert check_refusal(contract, case, other, strict=False, readings=log) == []
    assert log.observed("E-014") == "alternative"
    [wrong] = check_refusal(contract, case, other, strict=True, readings=ReadingLog())
    assert (wrong.check, wrong.severity, wrong.basis) == ("rule_code", "high", "seed")
    assert (
        wrong.message
        == f"errcode code {invalid} for bad-token (no token); the contract assigns {token}"
    )
    log = ReadingLog()
    assert check_refusal(contract, case, own, strict=True, readings=log) == []
    assert log.observed("E-014") == "alternative"
    required = ReadingLog({"E-014": "default"})
    [problem] = check_refusal(contract, case, other, strict=False, readings=required)
    assert (problem.check, problem.severity, problem.basis, problem.erratum) == (
        "rule_code",
        "high",
        "reading",
        "E-014",
    )
    sign = contract.codes.named("jd", "bad_sign").code
    bad_sign = InvalidCase(JD, "bad-sign", "sign wrong", "gateway", (sign,), exact=True)
    log = ReadingLog()
    [unknown] = check_refusal(contract, bad_sign, _gateway("19999"), strict=True, readings=log)
    assert (unknown.check, unknown.basis) == ("rule_code", "seed")
    assert log.observed("E-014") == "not-exercised"


GARBAGE = [(200, "text/html", b"<html>OK</html>"), (204, "", b""), (302, "text/html", b"moved")]
NOT_MINE = [(200, "application/json", b'{"errcode": 0}'), (404, "text/html", b"<html>")]


def test_a_valid_request_answered_without_the_envelope_fails_its_property() -> None:
    """Under both readings of E-015 every answer is the envelope: a hostile target answering a
    page, a bare 204 or a redirect to everything must not pass fuzz (the rule book leaves another
    media type or status to the convention rules, which list without failing). One defect is one
    counted finding: a 2xx without the envelope is FH-H05's (`response_schema`), which the
    property once filed a second time; a redirect, which FH-H05 does not judge, is its own."""
    from harness.fuzz._checks import outcome, refused_as_invalid

    contract = load_contract()
    owner = ["response_schema", "response_schema", "valid_request_answered"]  # GARBAGE's
    for (status, kind, content), check in zip(GARBAGE + NOT_MINE, owner + [None, None]):
        exchange = Exchange.read(contract, "match", status, {"content-type": kind}, content)
        found = outcome(contract, MATCH, exchange)
        checks = [p.check for p in refused_as_invalid(contract, found, exchange=exchange)]
        expected = ["valid_request_answered"] if check == "valid_request_answered" else []
        assert checks == expected, (status, kind)
        if check is not None:
            book = check_answer(contract, MATCH, exchange, request_valid=True)
            counted = [p.check for p in book if p.basis != "convention"] + checks
            assert counted == [check], (status, kind)
    lost = Exchange(status=0, error="reset", no_answer="reset")
    assert refused_as_invalid(contract, None, exchange=lost) == []  # FH-H04's


def test_a_field_only_faceharness_requires_is_observed_as_e023_when_missing(contract: Any):
    """The 必填 column is empty (E-023): missing-field still drops serialNo, the 固定值 fields and
    imgType (a service may require them), but accepting such a request only follows the other
    reading; without one of the two images ("计算两张脸的相似程度") every reading refuses it."""
    from dataclasses import replace

    from harness.fuzz._body import fields

    item = {"encryptionType": "NON", "imgType": "SFF", "imgBase64": "/9j/4AAQSkZJRg=="}
    body = {
        "businessId": "JDT-NUEHUB-COM-FACE",
        "appName": "FACE_ALGORITHM",
        "appAuthorityKey": "sADsk3+58E9yf/fUN9DmBA==",
        "collectionImageItems": [item],
        "compareImageItem": {**item, "imgType": "IDP"},
        "serialNo": "fh-1",
    }
    dropped = {f.path for f in fields(contract.jd, "faceCompareNew", body) if f.required}
    reading_only = [("serialNo",), ("businessId",), ("appName",), ("appAuthorityKey",)]
    reading_only += [("compareImageItem", "imgType"), ("collectionImageItems", 0, "imgType")]
    every_reading = [("collectionImageItems",), ("compareImageItem",)]
    assert dropped == {*reading_only, *every_reading}
    invalid = contract.codes.named("jd", "invalid_parameter").code
    for path in reading_only + every_reading:
        sent = json.loads(json.dumps(body))
        holder = sent
        for key in path[:-1]:
            holder = holder[key]
        del holder[path[-1]]
        field = ".".join(map(str, path))
        case = InvalidCase(
            replace(JD, json=sent), "missing-field", f"{field} removed", "business", (invalid,)
        )
        log = ReadingLog()
        problems = check_refusal(contract, case, _jd(), strict=True, readings=log)
        if path in every_reading:
            assert [(p.check, p.basis) for p in problems] == [("invalid_refused", "seed")], path
            continue
        assert problems == [] and log.observed("E-023") == "alternative", (path, problems)
        required = ReadingLog({"E-023": "default"})
        [problem] = check_refusal(contract, case, _jd(), strict=True, readings=required)
        assert (problem.basis, problem.erratum) == ("reading", "E-023"), path


def test_a_valid_match_without_live_code_refused_for_one_fails_its_property(tmp_path: Any) -> None:
    """`liveCode ... 传入对比数据为视频并选择LIP模式时必传`: a valid /match request without one (so
    no LIP video) refused for the liveCode itself fails, as conformance's FH-L21 judges it (the
    one function, `refused_for_live_code`). A team's own liveness code, or a request that carries
    a liveCode (a LIP video's, never issued), is no such finding."""
    import dataclasses

    from harness.fuzz._checks import outcome, refused_as_invalid

    own = tmp_path / "codes.yaml"  # a team's own liveness code, as FH-L21's test has it
    own.write_text(
        "codes:\n  - {code: 40090, en: lip reading failed, category: liveness}\n"
        "  - {code: 40091, en: liveCode unknown to this service, category: liveness}\n"
    )
    contract = load_contract(codes=own)
    silent = {"image": {"data": "x"}, "faceData": {"type": "video", "videoType": "SILENT"}}
    bare = dataclasses.replace(MATCH, json=silent)
    carried = dataclasses.replace(MATCH, json={**silent, "liveCode": "2312"})

    def problems(code: int, request: Request, errmsg: str = "数字验证码错误") -> list[str]:
        body = json.dumps({"errcode": code, "errmsg": errmsg, "data": None}).encode()
        exchange = Exchange.read(contract, "match", 200, {"content-type": "application/json"}, body)
        found = outcome(contract, request, exchange)
        return [
            p.check for p in refused_as_invalid(contract, found, exchange=exchange, request=request)
        ]

    for name in ("livecode_missing", "livecode_unknown", "livecode_expired", "livecode_used"):
        code = int(contract.code_named("match", name))
        assert problems(code, bare) == ["valid_request_accepted"], name
        assert problems(code, carried) == [], name
    assert problems(40090, bare) == []  # a failed liveness check: the service's own to refuse
    # E-014: a live service's own 40012 meaning something else (its errmsg names no liveCode)
    assert problems(40012, bare, "no face detected") == []
    # session 27: the team's own table (--codes) says 40091 is a liveCode refusal, whatever its
    # errmsg, as conformance's FH-L21 reads it (CodeTable.own); fuzz read it without the table
    assert problems(40091, bare, "动态码不符") == ["valid_request_accepted"]
    assert problems(40091, carried, "动态码不符") == []


def test_a_valid_request_with_async_true_refused_as_invalid_is_e013_s_reading(
    contract: Any,
) -> None:
    """Session 26's closing note: a service offering async feedback to callers with a registered
    callback alone may refuse async true as an invalid parameter (legit
    ``async-callback-input-code``, 40004): fuzz's valid requests record E-013's alternative, as
    conformance's FH-S02 does (``async_refused``), and fail it only under a policy requiring the
    default; the same refusal without async true is still valid_request_accepted."""
    import dataclasses

    from harness.contract import ReadingLog
    from harness.fuzz._checks import outcome, refused_as_invalid

    face = {"type": "image", "data": "x"}
    body = json.dumps({"errcode": 40004, "errmsg": "参数不合法: async", "data": None}).encode()
    exchange = Exchange.read(contract, "match", 200, {"content-type": "application/json"}, body)

    def problems(sent: dict[str, Any], readings: ReadingLog | None) -> list[tuple[str, str]]:
        request = dataclasses.replace(MATCH, json={"image": face, "faceData": face, **sent})
        found = outcome(contract, request, exchange)
        got = refused_as_invalid(
            contract, found, exchange=exchange, request=request, readings=readings
        )
        return [(p.check, p.basis) for p in got]

    seen = ReadingLog()
    assert problems({"async": True}, seen) == []
    assert seen.observed("E-013") == "alternative", seen.to_dict()
    assert problems({"async": False}, seen) == [("valid_request_accepted", "seed")]
    assert problems({}, None) == [("valid_request_accepted", "seed")]
    required = ReadingLog({"E-013": "default"})
    assert problems({"async": True}, required) == [("valid_request_accepted", "reading")]


def test_an_error_whose_errmsg_says_success_is_a_problem(contract: Any) -> None:
    """FH-M09 is in fuzz's book: errmsg "SUCCESS" is errcode 0's (返回示例); a refusal saying it
    misleads; the same refusal with a message of its own is no problem."""
    body = {"errcode": 40004, "errmsg": "SUCCESS"}
    problems = check_answer(contract, MATCH, _answer("match", body))
    assert [(p.check, p.basis) for p in problems] == [("error-errmsg-not-success", "seed")]
    body["errmsg"] = "参数不合法: name"
    assert check_answer(contract, MATCH, _answer("match", body)) == []


def test_a_msg_stating_another_verdict_than_result_is_a_fuzz_problem(contract: Any) -> None:
    """Session 19 (msg-verdict-inverted): the example's msg states 结果:false beside result false;
    fuzz asks FH-J19 on every answer, as conformance does."""
    said = "比对失败 :人脸比对判断 分数:0.61 阈值:0.8179 结果:{}"
    below = {"code": 1155, "result": False, "score": 0.61}
    assert check_rules(contract, JD, _jd(**below, msg=said.format("false"))) == []
    inverted = check_rules(contract, JD, _jd(**below, msg=said.format("true")))
    assert [p.check for p in inverted] == ["msg-verdict-is-result"]


def test_an_idno_person_not_verified_is_e067_s_reading(contract: Any) -> None:
    """Round 18 (legit idno-bad-number-not-passed): /idno answering a number that fails GB 11643
    as `false:验证不通过` (errcode 0, no score) declined it; fuzz filed it accepted (high), and a
    cut JPEG of a person it lacks, unread, low. E-067's reading, observed; a "false" with a
    score, a "true", a seed rule's invalid /idno request (the comparison ran: mutants
    idno-oversize-video-accepted and three more) and /match are still accepted."""
    idno = Request(
        api="match", operation="matchIdno", method="POST", path="/tech/ai/face/match/idno", json={}
    )
    digit = contract.codes.named("match", "bad_idnum").code
    media = contract.codes.named("match", "media_unusable").code
    token = contract.codes.named("match", "token_invalid").code

    def verified(success: str, **more: str) -> Exchange:
        data = {"status": "SUCCESS", "traceNo": "1", "result": {"success": success, **more}}
        return _answer("match", {"errcode": 0, "data": data})

    log = ReadingLog()
    cut = InvalidCase(idno, "truncated-image", "x", "errcode", (media,))  # a convention's: unread
    assert check_refusal(contract, cut, verified("false"), strict=True, readings=log) == []
    assert log.observed("E-067") == "not-exercised"
    case = InvalidCase(idno, "bad-check-digit", "x", "errcode", (digit,))
    assert check_refusal(contract, case, verified("false"), strict=True, readings=log) == []
    assert log.observed("E-067") == "alternative"
    for answer in (verified("false", score="75"), verified("true", score="95")):
        [taken] = check_refusal(contract, case, answer, strict=True, readings=ReadingLog())
        assert (taken.check, taken.severity) == ("invalid_refused", "high"), taken.message
    for other in (
        InvalidCase(idno, "bad-token", "x", "errcode", (token,)),
        InvalidCase(idno, "lip-without-livecode", "x", "errcode", (media,)),  # compared
        InvalidCase(MATCH, "bad-check-digit", "x", "errcode", (digit,)),
    ):
        [taken] = check_refusal(contract, other, verified("false"), strict=True)
        assert taken.check == "invalid_refused", taken.message
    required = ReadingLog({"E-067": "default"})
    [problem] = check_refusal(contract, case, verified("false"), strict=True, readings=required)
    assert (problem.basis, problem.erratum) == ("reading", "E-067"), problem.message
    refused, log = _answer("match", {"errcode": int(digit), "errmsg": "x"}), ReadingLog()
    assert check_refusal(contract, case, refused, strict=True, readings=log) == []
    assert log.observed("E-067") == "default"
