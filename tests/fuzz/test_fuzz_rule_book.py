"""Fuzz asks the conformance rule book for its in-answer verdicts: one rule, one verdict, both
suites."""

from __future__ import annotations

from typing import Any

from harness.clients import Exchange, Request
from harness.contract import ReadingLog
from harness.fuzz._checks import check_answer, check_rules

JD = Request(
    api="jd",
    operation="faceCompareNew",
    method="POST",
    path="/jdai/faceCompareNew",
    json={"serialNo": "fh-1"},
)
MATCH = Request(api="match", operation="match", method="POST", path="/tech/ai/face/match", json={})


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
    return Exchange(status=200, content_type="application/json", body=body)


def test_a_correct_answer_has_no_problem_and_records_the_readings_it_follows(contract: Any) -> None:
    log = ReadingLog()
    assert check_rules(contract, JD, _jd(), request_valid=True, readings=log) == []
    assert log.observed("E-041") == "default"
    # "success" for code 0 fits every wording of the table (E-027): it tells no reading apart
    assert log.observed("E-027") == "not-exercised"


def test_the_rule_books_verdicts_come_back_as_fuzz_problems(contract: Any) -> None:
    problems = check_rules(
        contract, JD, _jd(threshold={"e4": 0.5, "e5": 0.6, "e6": 0.7, "e7": 0.8})
    )
    assert [(p.check, p.severity, p.erratum) for p in problems] == [
        ("thresholds-fall", "high", "E-004")
    ]
    assert "\n" not in problems[0].message
    wrong = check_rules(contract, JD, _jd(result=False))
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
    problems = check_answer(
        contract, MATCH, Exchange(status=200, content_type="application/json", body=body)
    )
    assert [p.check for p in problems] == [
        "success-follows-threshold"
    ]  # 'false' at a passing score fits no reading


def _match_answer(score: str, success: str) -> Any:
    from harness.contract import load_contract, read_answer

    body = {
        "errcode": 0,
        "errmsg": "SUCCESS",
        "data": {
            "status": "SUCCESS",
            "traceNo": "1",
            "result": {"success": success, "score": score},
        },
    }
    return read_answer(load_contract(), "match", 200, body)


def test_the_pair_and_self_verdicts_are_the_ones_a_replay_judges_by():
    """One verdict per property, shared by the run and `replay` (the replay once compared swapped
    scores exactly and ignored the internal API's threshold, so it could call a fixed finding
    still failing, or a failing one fixed)."""
    from harness.fuzz._properties import disagree, self_match_fails, swap_disagrees

    high, low, near = (
        _match_answer("95", "true"),
        _match_answer("60", "false"),
        _match_answer("95.5", "true"),
    )
    assert disagree(high, low) and not disagree(high, _match_answer("95", "true"))
    assert not swap_disagrees("match", high, near)  # within the 1-point tolerance
    assert swap_disagrees("match", high, low)
    assert self_match_fails("match", _match_answer("70", "true"), 80.0)  # passed under threshold
    assert not self_match_fails("match", high, 80.0) and self_match_fails("match", low, 80.0)
    assert not disagree(high, None) and not swap_disagrees("match", None, low)
