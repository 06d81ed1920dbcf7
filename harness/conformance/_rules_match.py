"""Business rules of the internal face-match API (seed 000) that its schema cannot express.

Every fact (thresholds, score range, which operation returns a score when) is read from the
contract; the ids are stable and appear in findings as ``rule_id``.
"""

from __future__ import annotations

import re
from typing import Any

from ._context import ResponseLike, RuleContext, as_number, body_of, json_of
from ._registry import rule, violation

_COMPARE_OPS = ("match", "matchIdno")
_ENVELOPE_OPS = ("match", "matchIdno", "liveCode", "asyncResult")
_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _envelope(response: ResponseLike) -> dict[str, Any] | None:
    body = json_of(response) if response.status_code == 200 else None
    return body if isinstance(body, dict) else None


def _success_result(body: dict[str, Any]) -> dict[str, Any] | None:
    """`data.result` of an errcode-0, status-SUCCESS envelope; None otherwise."""
    data = body.get("data")
    if body.get("errcode") != 0 or not isinstance(data, dict) or data.get("status") != "SUCCESS":
        return None
    result = data.get("result")
    return result if isinstance(result, dict) else None


@rule("FH-M01", "envelope-consistent", api="match", operations=_ENVELOPE_OPS, erratum="E-013")
def envelope_consistent(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """errcode 0 <=> data.status SUCCESS (PROCESSING for async) <=> result present; errors carry errmsg."""
    body = _envelope(response)
    if body is None:
        return
    errcode = body.get("errcode")
    if not isinstance(errcode, int) or isinstance(errcode, bool):
        raise violation(f"Received: errcode={errcode!r}\nExpected: an integer errcode in every answer")
    data = body.get("data")
    if errcode != 0:
        errmsg = body.get("errmsg")
        if not isinstance(errmsg, str) or not errmsg.strip():
            raise violation(f"Received: errcode={errcode} with errmsg={errmsg!r}\n"
                            "Expected: a non-empty errmsg whenever errcode is not 0 (E-006)")
        if isinstance(data, dict) and (data.get("status") == "SUCCESS" or data.get("result") is not None):
            raise violation(f"Received: errcode={errcode} with data.status={data.get('status')!r} and a result\n"
                            "Expected: no SUCCESS status and no result when errcode is not 0")
        return
    if not isinstance(data, dict):
        raise violation("Received: errcode=0 without a data object\nExpected: data with status, traceNo, result")
    status, trace, result = data.get("status"), data.get("traceNo"), data.get("result")
    if not isinstance(trace, str) or not trace:
        raise violation(f"Received: errcode=0 with traceNo={trace!r}\nExpected: a non-empty traceNo")
    if status == "SUCCESS":
        if not isinstance(result, dict):
            raise violation("Received: errcode=0, status SUCCESS, no result\nExpected: result present on success")
        if ctx.operation == "liveCode" and not result.get("code"):
            raise violation("Received: validateData success without result.code\nExpected: result.code")
        return
    if status == "PROCESSING":
        request = body_of(case)
        queued = ctx.operation == "asyncResult" or (
            ctx.operation in _COMPARE_OPS and isinstance(request, dict) and request.get("async") is True)
        if not queued:
            raise violation("Received: status PROCESSING for a synchronous request\n"
                            "Expected: PROCESSING only for async=true or the async result (E-013)")
        if result is not None:
            raise violation("Received: status PROCESSING with a result\nExpected: no result while processing")
        return
    raise violation(f"Received: errcode=0 with data.status={status!r}\nExpected: SUCCESS (or PROCESSING for async)")


@rule("FH-M02", "success-follows-threshold", api="match", operations=_COMPARE_OPS, erratum="E-011")
def success_follows_threshold(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """success is "true" exactly when score reaches the operation's threshold; score returned as documented."""
    body = _envelope(response)
    result = _success_result(body) if body else None
    if result is None or result.get("success") not in ("true", "false"):
        return
    success = result["success"] == "true"
    threshold = ctx.contract.success_threshold(ctx.operation)
    returned = ctx.contract.operation(ctx.operation).facts.get("score_returned", "always")
    has_score = result.get("score") is not None
    if not has_score and (returned == "always" or success):
        raise violation(f"Received: success={result['success']!r} without a score\n"
                        f"Expected: a score ({ctx.operation} returns it {returned.replace('_', ' ')}, E-011)")
    if has_score and returned == "when_success" and not success:
        raise violation("Received: success='false' with a score\nExpected: a score only when success is 'true' (E-011)")
    score = as_number(result.get("score"))
    if score is not None and success != (score >= threshold):
        raise violation(f"Received: score={result.get('score')!r}, success={result['success']!r}\n"
                        f"Expected: success='{'true' if score >= threshold else 'false'}' "
                        f"({ctx.operation} threshold {threshold:g})")


@rule("FH-M03", "score-is-decimal-string", api="match", operations=_COMPARE_OPS, erratum="E-007")
def score_is_decimal_string(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """success is the string "true"/"false" and score a decimal string, as documented."""
    body = _envelope(response)
    result = _success_result(body) if body else None
    if result is None:
        return
    success = result.get("success")
    if success not in ("true", "false"):
        raise violation(f"Received: success={success!r} ({type(success).__name__})\n"
                        "Expected: the string 'true' or 'false' (E-007)")
    score = result.get("score")
    if score is not None and not (isinstance(score, str) and _DECIMAL.match(score)):
        raise violation(f"Received: score={score!r} ({type(score).__name__})\nExpected: a decimal string (E-007)")


@rule("FH-M04", "score-in-range", api="match", operations=_COMPARE_OPS, erratum="E-007")
def score_in_range(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """score lies in the documented range 0..100."""
    body = _envelope(response)
    result = _success_result(body) if body else None
    score = as_number(result.get("score")) if result else None
    if score is None:
        return
    low, high = (float(v) for v in ctx.contract.match.facts["score_range"])
    if not low <= score <= high:
        raise violation(f"Received: score={result.get('score')!r}\nExpected: {low:g}..{high:g}")  # type: ignore[union-attr]


@rule("FH-M05", "traceno-unique", api="match", operations=("match", "matchIdno", "liveCode"), sends=2)
def traceno_unique(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """Every answered request has its own traceNo (当前业务的唯一id)."""
    body = _envelope(response)
    data = body.get("data") if body else None
    if not body or body.get("errcode") != 0 or not isinstance(data, dict):
        return
    if ctx.facts.trace_seen:
        raise violation(f"Received: traceNo {data.get('traceNo')!r}, already returned earlier in this run\n"
                        "Expected: a traceNo unique to each request")


@rule("FH-M06", "errcode-in-table", api="match", severity="low", erratum="E-014")
def errcode_in_table(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """Every errcode is in the code table (the internal API's codes are faceharness' decision, E-014)."""
    body = _envelope(response)
    errcode = body.get("errcode") if body else None
    if isinstance(errcode, int) and not isinstance(errcode, bool) and ctx.code("errcode", errcode) is None:
        raise violation(f"Received: errcode {errcode}\nExpected: a code listed in specs/codes.yaml (E-014)")


@rule("FH-M07", "errmsg-matches-code", api="match", severity="low", erratum="E-014")
def errmsg_matches_code(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """An error's errmsg begins with its code's text."""
    body = _envelope(response)
    errcode = body.get("errcode") if body else None
    if not isinstance(errcode, int) or errcode == 0:
        return
    meaning = ctx.code("errcode", errcode)
    errmsg = body.get("errmsg")  # type: ignore[union-attr]
    if meaning is not None and isinstance(errmsg, str) and not errmsg.startswith(meaning.msg_prefix):
        raise violation(f"Received: errcode {errcode} with errmsg {errmsg[:80]!r}\n"
                        f"Expected: errmsg beginning with {meaning.msg_prefix!r}")
