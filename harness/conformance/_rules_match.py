"""Business rules of the internal face-match API (seed 000) that its schema cannot express; every
fact is read from the contract."""

from __future__ import annotations

import functools
from typing import Any

from harness.clients import Exchange, Request
from harness.contract import DECIMAL, EXPONENT, num_code, parse_score, score_step

from ._registry import RuleContext, Violation, envelope, observe_reading, observed, rule

_COMPARE_OPS = ("match", "matchIdno")
_ENVELOPE_OPS = ("match", "matchIdno", "liveCode", "asyncResult")
_OUTCOME = ("success", "score")  # a comparison's result (success | 否, score | 否)
match_rule = functools.partial(rule, api="match")


def _success_result(response: Exchange) -> dict[str, Any] | None:
    """`data.result` of an errcode-0, status-SUCCESS envelope; None otherwise."""
    body = envelope(response) or {}
    data = body.get("data")
    if body.get("errcode") != 0 or not isinstance(data, dict) or data.get("status") != "SUCCESS":
        return None
    result = data.get("result")
    return result if isinstance(result, dict) else None


def _errcode(response: Exchange) -> tuple[dict[str, Any], int | None]:
    """The envelope of an HTTP 200 answer, and its errcode when that is an integer (E-054)."""
    body = envelope(response) or {}
    return body, num_code(body.get("errcode"))


_ERRCODE = "errcode | Num | 是 | 0交易成功 其它为异常情况"
_ERRMSG = "errmsg | String | 否 | errcode不为0时有值"


@match_rule(
    "FH-M01",
    "envelope-consistent",
    operations=_ENVELOPE_OPS,
    fields=("data.traceNo", "data.status", "data.result", "errcode", "errmsg"),
    quote=f"{_ERRCODE}; {_ERRMSG}; status | String | 是; traceNo | String | 是 | 当前业务的唯一id; "
    "result | 是",
    observes=("E-039", "E-013"),
)
def envelope_consistent(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Every answer has an integer errcode; errors an errmsg; errcode 0 a data object with status
    and traceNo.

    errcode 0 without SUCCESS (E-039) and async answered at once (E-013) are readings; under
    PROCESSING (E-013's own) only a positive result (success "true") is a finding, as under any
    status but SUCCESS: a result object's defaults ("false", "0") are no verdict.
    """
    body = envelope(response)
    if body is None:
        return None
    errcode = num_code(body.get("errcode"))  # 0.0 is the Num 0 (E-054)
    if errcode is None:
        raise Violation(
            f"Received: errcode={body.get('errcode')!r}\n"
            f"Expected: an integer errcode in every answer ({_ERRCODE})"
        )
    data = body.get("data")
    if errcode != 0:
        errmsg = body.get("errmsg")
        if not isinstance(errmsg, str) or not errmsg.strip():
            raise Violation(
                f"Received: errcode={errcode} with errmsg={errmsg!r}\n"
                f"Expected: a non-empty errmsg whenever errcode is not 0 ({_ERRMSG})"
            )
        if isinstance(data, dict) and data.get("status") == "SUCCESS":
            # with a result or without: “SUCCESS”为业务成功 under both readings of E-039 (the
            # two-level one reads status below an errcode 0, never against a non-zero one)
            shown = " and a result" if data.get("result") is not None else ""
            raise Violation(
                f"Received: errcode={errcode} with data.status 'SUCCESS'{shown}\n"
                f"Expected: no business success in an answer whose errcode says 异常 ({_ERRCODE}; "
                "status | “SUCCESS”为业务成功)",
                severity="medium",
            )
        # a business failure refused by errcode: E-039's default
        meaning = ctx.code("errcode", errcode)
        business = meaning is not None and meaning.category in ("business", "image_quality")
        return "E-039" if business else None
    if not isinstance(data, dict):
        raise Violation(
            "Received: errcode=0 without a data object\n"
            "Expected: data with status and traceNo (both 是 in the document)"
        )
    status, trace, result = data.get("status"), data.get("traceNo"), data.get("result")
    if not isinstance(trace, str) or not trace:
        raise Violation(
            f"Received: errcode=0 with traceNo={trace!r}\nExpected: a non-empty traceNo (是)"
        )
    if not isinstance(status, str) or not status:
        raise Violation(
            f"Received: errcode=0 with status={status!r}\nExpected: a status string (是)"
        )
    sent = request.json
    asked_async = (
        ctx.operation in _COMPARE_OPS and isinstance(sent, dict) and sent.get("async") is True
    )
    if status == "SUCCESS":
        if not isinstance(result, dict):
            raise Violation(
                "Received: errcode=0, status SUCCESS, no result\n"
                "Expected: result (业务结果, 是) on business success"
            )
        # /idno: score 验证通过时返回 and success 否, so a result with neither is an identity not
        # verified (session 28: legit_variants no-success, its /idno PNG not verified, was red)
        outcome = ctx.operation not in ("liveCode", "matchIdno")
        if outcome and all(result.get(k) is None for k in _OUTCOME):
            raise Violation(
                f"Received: errcode=0, status SUCCESS, a result without success or score "
                f"{str(result)[:80]}\nExpected: the comparison's outcome in result (业务结果, 是): "
                "success or score, the only fields the document gives it"
            )
        if ctx.operation == "liveCode" and not result.get("code"):
            raise Violation(
                "Received: validateData success without result.code\nExpected: result.code (是)"
            )
        if asked_async:
            raise observed(
                "E-013",
                "Received: async=true answered at once with status SUCCESS and a result\n"
                "Default reading: PROCESSING now, the result later (E-013)",
            )
        # a success fits either reading of E-039
        return "E-013" if ctx.operation == "asyncResult" else None
    if status == "PROCESSING" and (asked_async or ctx.operation == "asyncResult"):
        if isinstance(result, dict) and result.get("success") == "true":
            # PROCESSING is our reading (E-013) and status the business signal: a result object
            # serialised with its defaults (success "false", score "0") says nothing yet, but
            # a positive verdict before the comparison ran does (as the E-039 clause below)
            raise Violation(
                f"Received: errcode=0, status 'PROCESSING' with a positive result "
                f"{str(result)[:80]}\n"
                "Expected: no success 'true' while the comparison is still processing: a "
                "positive business result comes with status SUCCESS (“SUCCESS”为业务成功; "
                "success | true:人脸比对成功)",
                severity="medium",
            )
        return "E-013"
    if isinstance(result, dict) and (result.get("success") == "true" or result.get("code")):
        raise Violation(
            f"Received: errcode=0, status {status!r} with a positive result {str(result)[:80]}\n"
            "Expected: a positive business result only with status SUCCESS (“SUCCESS”为业务成功)",
            severity="medium",
        )
    raise observed(
        "E-039",
        f"Received: errcode=0 with data.status={status!r}\n"
        "Default reading: errcode 0 comes with SUCCESS (PROCESSING for async); "
        "the two-level reading allows a business failure under errcode 0 (E-039)",
    )


_SAYS_SUCCESS = (
    "success",
    "交易成功",
)  # the words the document gives errcode 0 (返回示例, 0交易成功)


@match_rule(
    "FH-M09",
    "error-errmsg-not-success",
    operations=_ENVELOPE_OPS,
    fields=("errmsg",),
    quote=f'{_ERRCODE}; {_ERRMSG}; 返回示例 "errcode":0 ... "errmsg":"SUCCESS"',
)
def error_errmsg_not_success(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """An error's errmsg does not say success: the document gives "SUCCESS" (and 交易成功) to
    errcode 0, and any other errcode is 异常; a message filled from the success path misleads
    every caller that logs or shows it."""
    body, errcode = _errcode(response)
    errmsg = body.get("errmsg")
    if errcode and isinstance(errmsg, str) and errmsg.strip().lower() in _SAYS_SUCCESS:
        raise Violation(
            f"Received: errcode={errcode} with errmsg={errmsg!r}\n"
            f"Expected: an errmsg saying what went wrong: errcode {errcode} is 异常 ({_ERRCODE}), "
            "and SUCCESS is errcode 0's (返回示例)"
        )


@match_rule(
    "FH-M02",
    "success-follows-threshold",
    operations=_COMPARE_OPS,
    reading="E-011",
    quote="score | String | 否 | 匹配分数,建议达到80分可认为是同一人照片",
)
def success_follows_threshold(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Which reading of success the answer follows (E-011); a finding only for what fits none.

    /match "false" at or above 80 fits none ("false" is 出错 or below the advised 80); /idno
    "true" without a score breaks 验证通过时返回.
    """
    result = _success_result(response)
    if result is None or result.get("success") not in ("true", "false"):
        return None
    success = result["success"] == "true"
    threshold = ctx.contract.success_threshold(ctx.operation)
    score = parse_score(result.get("score"))
    if ctx.operation == "matchIdno" and success and result.get("score") in (None, ""):
        raise Violation(
            "Received: success='true' without a score\n"
            "Expected: a score when verification passes (score: 验证通过时返回)",
            severity="medium",
        )
    low, high = (float(v) for v in ctx.contract.match.facts["score_range"])
    if score is None or not low <= score <= high:
        return None  # a score outside 0..100 is FH-M04's finding, not a reading
    # a score shown rounded ("80" for 79.6) decided unrounded: at the threshold either way is right
    rounded = abs(score - threshold) <= score_step(result.get("score"))
    if success == (score >= threshold) or rounded:  # only /match "false" at 80 contradicts one
        return "E-011" if ctx.operation == "match" and not success else None
    shown = f"score={result.get('score')!r}, success={result['success']!r}"
    if ctx.operation == "match" and not success:
        raise Violation(
            f"Received: {shown}\nExpected: a score of {score:g} is 'true' under the threshold "
            "reading and 'false' (人脸比对出错) comes without a passing score under any "
            "reading (E-011)"
        )
    raise observed(
        "E-011",
        f"Received: {shown}\nDefault reading: "
        f"success='{'true' if score >= threshold else 'false'}' "
        f"({ctx.operation} threshold {threshold:g}); the service follows another reading (E-011)",
    )


@match_rule(
    "FH-M03",
    "score-is-decimal-string",
    operations=_COMPARE_OPS,
    erratum="E-007",
    quote='success | String | 否; score | String | 否 | 匹配分数; example "score":"99"',
    fields=("data.result.success", "data.result.score"),
    observes=("E-072",),
)
def score_is_decimal_string(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """success is the string "true"/"false" and score a decimal string, as documented; in
    exponent form ("3.0E-4", a language's String of a double) it is E-072's other reading."""
    result = _success_result(response)
    if result is None:
        return
    success = result.get("success")
    if success is not None and success not in ("true", "false"):
        raise Violation(
            f"Received: success={success!r} ({type(success).__name__})\n"
            "Expected: the string 'true' or 'false' (E-007)"
        )
    score = result.get("score")  # null or "": not returned (否, 验证通过时返回; E-070)
    if score in (None, ""):
        return
    if isinstance(score, str) and DECIMAL.fullmatch(score):
        observe_reading(ctx.readings, "E-072", True, "")
        return
    if isinstance(score, str) and EXPONENT.fullmatch(score):
        raise observed("E-072", f"score={score!r}: a decimal string in exponent form")
    raise Violation(
        f"Received: score={score!r} ({type(score).__name__})\nExpected: a decimal string (E-007)"
    )


@match_rule(
    "FH-M04",
    "score-in-range",
    operations=_COMPARE_OPS,
    erratum="E-007",
    severity="medium",
    quote="score | 匹配分数,建议达到80分可认为是同一人照片 (a score in points, 0..100)",
    fields=("data.result.score",),
)
def score_in_range(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """score lies in the documented range 0..100."""
    result = _success_result(response)
    score = parse_score(result.get("score")) if result else None
    low, high = (float(v) for v in ctx.contract.match.facts["score_range"])
    if result and score is not None and not low <= score <= high:
        raise Violation(f"Received: score={result.get('score')!r}\nExpected: {low:g}..{high:g}")


@match_rule(
    "FH-M05",
    "traceno-unique",
    operations=("match", "matchIdno", "liveCode"),
    sends=2,
    observes=("E-068",),
    quote="traceNo | String | 是 | 当前业务的唯一id",
)
def traceno_unique(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Every answered request has its own traceNo (当前业务的唯一id); a comparison that used a
    liveCode may answer the traceNo validateData gave with it: one business (E-068)."""
    body = envelope(response) or {}
    data = body.get("data")
    if body.get("errcode") != 0 or not isinstance(data, dict):
        return None
    if ctx.facts.trace_of_livecode:
        raise observed(
            "E-068",
            f"Received: traceNo {data.get('traceNo')!r}, the one validateData gave with the "
            "liveCode this request sent\nDefault reading: a traceNo of its own for each request; "
            "one traceNo for the liveCode's business (当前业务) follows the document as well",
        )
    if ctx.facts.trace_seen:
        raise Violation(
            f"Received: traceNo {data.get('traceNo')!r}, already returned earlier in this run\n"
            "Expected: a traceNo unique to each request"
        )
    return "E-068" if ctx.facts.trace_of_livecode is False else None


@match_rule("FH-M06", "errcode-in-table", severity="low", reading="E-014")
def errcode_in_table(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Whether the service uses faceharness' code table (E-014) or its own codes (--codes FILE)."""
    body, errcode = _errcode(response)
    if not errcode:
        return None
    if ctx.code("errcode", errcode) is None:
        raise observed(
            "E-014",
            f"Received: errcode {errcode} ({str(body.get('errmsg'))[:60]!r})\n"
            "Default reading: a code of specs/codes.yaml; this is an error answer of unknown "
            "category (give the service's table with --codes FILE)",
        )
    return "E-014"


@match_rule("FH-M07", "errmsg-matches-code", severity="low", reading="E-014")
def errmsg_matches_code(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Whether an error's errmsg begins with the text the code table gives its code (E-014)."""
    body, errcode = _errcode(response)
    meaning = ctx.code("errcode", errcode) if errcode else None
    errmsg = body.get("errmsg")
    if meaning is None or not isinstance(errmsg, str):
        return None
    if not errmsg.startswith(meaning.msg_prefix):
        raise observed(
            "E-014",
            f"Received: errcode {errcode} with errmsg {errmsg[:80]!r}\n"
            f"Default reading: errmsg beginning with {meaning.msg_prefix!r}",
        )
    return "E-014"


@match_rule("FH-M08", "optional-parts-sent", severity="low", reading="E-006")
def optional_parts_sent(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Whether errmsg comes on success and errors carry no data (E-006), or the service leaves them
    out.

    errmsg is 否 and data ``-`` in 是否必返: the document allows either.
    """
    body, errcode = _errcode(response)
    if errcode is None:
        return None
    if errcode == 0 and body.get("errmsg") is None:
        raise observed(
            "E-006",
            "Received: errcode 0 without errmsg\n"
            "Default reading: errmsg 'SUCCESS' as the examples have it (errmsg 否)",
        )
    if errcode != 0 and "data" in body and body["data"] is None:
        raise observed(
            "E-006",
            f'Received: errcode {errcode} with "data": null\n'
            "Default reading: no data part in an error answer (data -)",
        )
    return "E-006"
