"""What every answer must satisfy, and what an answer means: pure functions over one exchange.

The spec's response validators judge the shape; the code table judges the codes; a few
documented invariants (cited by erratum) judge consistency inside one answer. Each problem states
its basis (``seed``, ``convention`` at most ``low``, ``reading``); where the documents allow several
readings the check records which one the answer follows in the run's ``ReadingLog`` and reports a
problem only when a policy requires the other reading. Severities are the conformance rules' own
(one defect has one severity whichever suite finds it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from harness.contract import Contract, ReadingLog

from ._client import FRESH_LIVE_CODE
from ._request import Exchange, FuzzRequest, InvalidCase
from ._rules import rule_of

Severity = Literal["critical", "high", "medium", "low", "info"]


@dataclass(frozen=True)
class Problem:
    check: str
    severity: Severity
    message: str
    erratum: str | None = None
    variant: str = ""   # tells apart bugs under one check (the kind of a missing answer)
    basis: str = "seed"


def record_reading(log: ReadingLog | None, erratum: str, follows_default: bool, problem: Problem) -> list[Problem]:
    """Record which reading of ``erratum`` an answer follows; a problem only when the policy requires
    the other one (then with basis ``reading``)."""
    which = "default" if follows_default else "alternative"
    if log is None:
        return []
    log.observe(erratum, which, "" if follows_default else problem.message)  # type: ignore[arg-type]
    if not log.mismatch(erratum, which):  # type: ignore[arg-type]
        return []
    return [Problem(problem.check, problem.severity, problem.message + f" (the policy requires the "
                    f"{'alternative' if follows_default else 'default'} reading of {erratum})", erratum,
                    basis="reading")]


@dataclass(frozen=True)
class Outcome:
    """The answer in API-neutral terms."""

    where: str                  # errcode | gateway | business
    code: str | None
    category: str | None        # from the code table; None when the code is not in it
    ran: bool                   # the comparison (or the operation) ran to a result
    score: float | None = None
    passed: bool | None = None  # match success=="true" / JD result
    processing: bool = False    # async accepted, result later (E-013)
    trace_no: str | None = None
    remain_times: int | None = None


def _float(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def outcome(contract: Contract, request: FuzzRequest, exchange: Exchange) -> Outcome | None:
    """None when there is no envelope to read (transport error, non-JSON body)."""
    body = exchange.body
    if not isinstance(body, dict):
        return None
    if request.api == "match":
        code = body.get("errcode")
        meaning = contract.codes.get("match", "errcode", code)
        data: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
        result: dict[str, Any] = data["result"] if isinstance(data.get("result"), dict) else {}
        ok = code == contract.match.facts["success_code"]
        status = data.get("status")
        if ok and isinstance(status, str) and status not in ("SUCCESS", "PROCESSING"):
            # errcode 0 with a failed business status: a refusal of unknown category (E-039)
            return Outcome("status", status, None, ran=False,
                           trace_no=data.get("traceNo") if isinstance(data.get("traceNo"), str) else None)
        return Outcome("errcode", None if code is None else str(code), meaning.category if meaning else None,
                       ran=ok and data.get("status") == "SUCCESS", score=_float(result.get("score")),
                       passed=(result.get("success") == "true") if "success" in result else None,
                       processing=ok and data.get("status") == "PROCESSING",
                       trace_no=data.get("traceNo") if isinstance(data.get("traceNo"), str) else None)
    gateway = body.get("code")
    remain = body.get("remainTimes") if isinstance(body.get("remainTimes"), int) else None
    if str(gateway) != contract.jd_success_code or not isinstance(body.get("result"), dict):
        meaning = contract.codes.get("jd", "gateway", gateway)
        return Outcome("gateway", None if gateway is None else str(gateway), meaning.category if meaning else None,
                       ran=False, remain_times=remain)
    result = body["result"]
    code = result.get("code")
    meaning = contract.codes.get("jd", "business", code)
    ran = code in (0, contract.jd_not_same_person_code)
    return Outcome("business", None if code is None else str(code), meaning.category if meaning else None, ran=ran,
                   score=_float(result.get("score")), passed=result.get("result") if isinstance(result.get("result"), bool) else None,
                   remain_times=remain)


def check_answer(exchange: Exchange) -> list[Problem]:
    """Transport, HTTP status and envelope: every answer is HTTP 200 JSON (ERRATA E-015).

    No answer at all (a hang past the client timeout, a reset, a body cut off) is an ``answered``
    problem of its kind.
    """
    if exchange.error:
        return [Problem("answered", "high", f"no answer: {exchange.error}", variant=exchange.no_answer or "")]
    out = []
    if exchange.status >= 500:
        out.append(Problem("no_server_error", "high", f"HTTP {exchange.status}: a 5xx is always a finding", "E-015"))
    elif exchange.status != 200:
        out.append(Problem("http_200", "low", f"HTTP {exchange.status}; every answer is HTTP 200 with the envelope", "E-015",
                           basis="convention"))
    if not isinstance(exchange.body, dict):
        out.append(Problem("json_envelope", "high", f"the body is not a JSON object: {exchange.text[:80]!r}"))
    elif not exchange.content_type.startswith("application/json"):
        out.append(Problem("content_type", "low", f"Content-Type {exchange.content_type!r}, expected application/json",
                           basis="convention"))
    return out


def check_spec(contract: Contract, request: FuzzRequest, exchange: Exchange, *, live: bool,
               request_valid: bool = False, readings: ReadingLog | None = None) -> list[Problem]:
    """The response validator of the operation, the code table, and documented invariants."""
    if not isinstance(exchange.body, dict):
        return []
    op = contract.operation(request.operation)
    spec = contract.spec(request.api)
    out = []
    errors = list(spec.validator(op.response_schema).iter_errors(exchange.body)) if op.response_schema else []
    if errors:
        texts = "; ".join(f"{'.'.join(map(str, e.instance_path)) or 'body'}: {e.message[:100]}" for e in errors[:3])
        out.append(Problem("response_schema", "high", f"{op.response_schema} violated: {texts}"))
    seen = outcome(contract, request, exchange)
    if seen is not None and seen.code is not None and seen.where == "errcode" and seen.code != "0":
        # the internal API documents no codes (E-014): another table is a reading, not a defect
        out += record_reading(readings, "E-014", seen.category is not None,
                        Problem("code_documented", "low", f"errcode {seen.code} is not in specs/codes.yaml", "E-014"))
    elif seen is not None and seen.code is not None and seen.category is None and seen.where != "status":
        out.append(Problem("code_documented", "medium" if seen.where == "gateway" else "high",
                           f"{seen.where} code {seen.code} is not in specs/codes.yaml"))
    out += _match_invariants(contract, request, exchange.body, readings) if request.api == "match" else \
        _jd_invariants(contract, request, exchange.body, request_valid, readings)
    return out + _optional_parts(contract, request, exchange.body, readings)


def _optional_parts(contract: Contract, request: FuzzRequest, body: dict[str, Any],
                    readings: ReadingLog | None) -> list[Problem]:
    """Whether the optional parts are sent (E-006 internal, E-023 JD), as FH-M08/FH-J14 judge: a
    success without errmsg, an error with ``data``/``result`` null, a JD business error of only code
    and msg follow the documents' other reading."""
    if request.api == "match":
        errcode = body.get("errcode")
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            return []
        left_out = body.get("errmsg") is None if errcode == 0 else ("data" in body and body["data"] is None)
        return record_reading(readings, "E-006", not left_out, Problem(
            "optional_parts", "low", f"errcode {errcode} without errmsg or with data null", "E-006"))
    code, result = body.get("code"), body.get("result")
    if not isinstance(code, str):
        return []
    if code != contract.jd_success_code:
        left_out = "result" in body and result is None
    elif isinstance(result, dict) and isinstance(result.get("code"), int) \
            and result["code"] not in (0, contract.jd_not_same_person_code):
        left_out = "serialNo" not in result and "timestamp" not in result
    else:
        return []
    return record_reading(readings, "E-023", not left_out, Problem(
        "optional_parts", "low", f"gateway {code}: result null, or a business error of only code and msg", "E-023"))


def _match_invariants(contract: Contract, request: FuzzRequest, body: dict[str, Any],
                      readings: ReadingLog | None = None) -> list[Problem]:
    """E-011 as conformance's FH-M02 judges it: /match "true" below 80 and /idno decided at another
    threshold are readings; /match "false" with a passing score fits none."""
    data = body.get("data")
    if body.get("errcode") == 0 and isinstance(data, dict) and data.get("status") not in ("SUCCESS", "PROCESSING") \
            and isinstance(data.get("result"), dict) and (data["result"].get("success") == "true" or data["result"].get("code")):
        # as conformance's FH-M01: whichever reading of E-039, a positive result needs status SUCCESS
        return [Problem("status_consistent", "medium", f"errcode 0 with status {data.get('status')!r} and a positive "
                                                       "result; “SUCCESS”为业务成功", "E-039")]
    if body.get("errcode") != 0 or not isinstance(data, dict) or not isinstance(data.get("result"), dict) \
            or data.get("status") != "SUCCESS":
        return []
    facts = contract.operation(request.operation).facts
    if "success_threshold" not in facts:
        return []
    result = data["result"]
    score, threshold = _float(result.get("score")), float(facts["success_threshold"])
    if score is None or result.get("success") not in ("true", "false") or not 0 <= score <= 100:
        return []
    success = result["success"] == "true"
    message = f"success={result['success']} with score {score:g} (threshold {threshold:g} for {request.operation})"
    if request.operation == "match" and not success and score >= threshold:
        return [Problem("success_follows_threshold", "high", message + "; 'false' (出错) with a passing score fits "
                                                                      "no reading", "E-011")]
    if (score >= threshold) == success and not (request.operation == "match" and not success):
        return []   # fits both readings: only /match "false" below 80 contradicts comparison-ran
    return record_reading(readings, "E-011", (score >= threshold) == success,
                    Problem("success_follows_threshold", "high", message, "E-011"))


def _jd_invariants(contract: Contract, request: FuzzRequest, body: dict[str, Any], request_valid: bool,
                   readings: ReadingLog | None = None) -> list[Problem]:
    result = body.get("result")
    if str(body.get("code")) != contract.jd_success_code or not isinstance(result, dict):
        return []
    out = []
    code, msg = result.get("code"), result.get("msg")
    if code in (0, contract.jd_not_same_person_code) and isinstance(result.get("result"), bool) and result["result"] != (code == 0):
        out.append(Problem("result_follows_code", "high", f"result={result['result']} with code {code}", "E-027"))
    meaning = contract.codes.get("jd", "business", code)
    if meaning is not None and isinstance(msg, str) and code != 0:
        out += record_reading(readings, "E-027", msg.startswith(meaning.msg_prefix),
                        Problem("msg_matches_code", "low", f"code {code} with msg {msg[:40]!r}; the table's text "
                                                           f"begins {meaning.msg_prefix!r}", "E-027"))
    thresholds = result.get("threshold")
    if isinstance(thresholds, dict):
        keys = sorted(contract.jd_threshold_fmr, key=lambda k: -contract.jd_threshold_fmr[k])   # e4, e5, e6, e7
        values = [_float(thresholds.get(k)) for k in keys]
        if all(v is not None for v in values) and any(a <= b for a, b in pairwise(values)):   # type: ignore[operator]
            out.append(Problem("thresholds_ordered", "high", f"thresholds {dict(zip(keys, values))} do not fall from e4 to e7", "E-004"))
    if request_valid and isinstance(request.json, dict) and isinstance(request.json.get("serialNo"), str) \
            and result.get("serialNo") is not None:
        out += record_reading(readings, "E-041", result.get("serialNo") == request.json["serialNo"],
                        Problem("serialno_echoed", "medium", "result.serialNo does not echo the request's serialNo",
                                "E-041"))
    return out


def check_trace_unique(seen: set[str], request: FuzzRequest, found: Outcome | None) -> list[Problem]:
    """traceNo is 当前业务的唯一id: no two answers of a run may share one."""
    if found is None or found.trace_no is None or request.operation == "asyncResult":
        return []
    if found.trace_no in seen:
        return [Problem("traceno_unique", "high", f"traceNo {found.trace_no} was already given to an earlier request")]
    seen.add(found.trace_no)
    return []


# rules whose requests break the request schema and nothing else: whether they are invalid under
# every reading is decided by the spec's x-reading marks (faceharness' own limits and formats)
SCHEMA_RULES = frozenset({"missing-field", "wrong-type", "enum-outside", "empty-string", "oversize", "out-of-range",
                          "extra-field", "image-sources", "fixed-field", "unicode-control", "huge-json"})


def reading_only(contract: Contract | None, case: InvalidCase) -> str | None:
    """The erratum whose reading alone makes ``case`` invalid (its body is valid once the limits and
    formats marked ``x-reading`` are left out); None when it is invalid under every reading."""
    request = case.request
    if contract is None or case.rule not in SCHEMA_RULES or request.raw_body is not None \
            or not isinstance(request.json, dict) or case.field in ("auth", "query"):
        return None
    operation = contract.operation(request.operation)
    if not operation.request_schema:
        return None
    body = request.json
    if body.get("liveCode") == FRESH_LIVE_CODE:
        body = {**body, "liveCode": "2312"}
    if not contract.spec(request.api).validator(operation.request_schema, every_reading=True).is_valid(body):
        return None
    return "E-032" if request.operation == "liveCode" else "E-043"


def check_expected_code(case: InvalidCase, found: Outcome | None, *, strict: bool,
                        readings: ReadingLog | None = None, contract: Contract | None = None) -> list[Problem]:
    """An invalid request is refused with a documented code, the rule's own where known.

    A request invalid only under faceharness' reading of an erratum (an undocumented limit or
    format) is an observation when accepted; one invalid by an HTTP/JSON/image convention is
    at most ``low``. An accepted bad sign is ``high`` here as in conformance (FH-A10).
    """
    if found is None or found.code is None:
        return []
    if found.where == "gateway" and case.where == "business" and found.category == "quota":
        return []   # throttled or out of quota before the rule could be judged: inconclusive
    success = found.ran or found.processing or (found.where == "errcode" and found.code == "0")
    rule = rule_of(case.rule)
    severity: Severity = "low" if rule.basis == "convention" else "high"
    erratum = rule.reading_for(case.request.api) or reading_only(contract, case)
    if erratum is not None:
        problem = Problem("invalid_refused", severity, f"accepted although faceharness' reading of {erratum} "
                                                       f"calls it invalid ({case.rule}: {case.detail})", erratum)
        observed = record_reading(readings, erratum, not success, problem)
        if success:
            return observed
    elif success:
        return [Problem("invalid_refused", severity, f"accepted although it breaks {case.rule}: {case.detail}",
                        basis=rule.basis)]
    if found.where == "status":
        return []   # errcode 0 with a failed status: a refusal under the two-level reading (E-039)
    if found.where != case.where:
        return [Problem("invalid_refused", severity,
                        f"{found.where} code {found.code} where a {case.where} code {'/'.join(case.codes)} was due ({case.rule}: {case.detail})")]
    if found.category is None:
        return []   # reported by code_documented already
    if strict and found.code not in case.codes:
        return [Problem("rule_code", "high", f"{case.where} code {found.code} for {case.rule} ({case.detail}); "
                                             f"the contract assigns {'/'.join(case.codes)}")]
    return []
