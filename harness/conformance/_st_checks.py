"""The schemathesis checks this package adds: business rules, and envelope-aware data checks.

Both APIs answer bad input with HTTP 200 and an error envelope (E-015), so the data checks hand
schemathesis' own status-based check (with its exemptions) the envelope's verdict as 400 or 200.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.core.failures import Failure, FailureGroup

from harness.clients import Exchange, Request
from harness.contract import Answer, Contract, as_bound

from ._failures import CheckFailed
from ._registry import RULES, RuleContext
from ._session import Session, session_of

SCHEMA_RULE = "FH-H05"  # response_schema (_rules_http)
NEGATIVE_RULE = ("FH-S01", "negative-data-rejected")
POSITIVE_RULE = ("FH-S02", "positive-data-accepted")
RULES_CHECK = "faceharness_rules"
NEGATIVE_CHECK = "faceharness_negative_data_rejection"
POSITIVE_CHECK = "faceharness_positive_data_acceptance"
CUSTOM_CHECKS = (RULES_CHECK, NEGATIVE_CHECK, POSITIVE_CHECK)
ASYNC_READING = "E-013"  # how async feedback arrives: a service may refuse async true as input


def async_refused(
    body: Any, answer: Answer | None, small_taken: Callable[[], bool | None] | None = None
) -> bool:
    """A comparison sent with ``async`` true refused with an input-category code: E-013's
    alternative (``async`` says nothing of how the feedback arrives; a service offering it to
    callers with a registered callback alone may call async true, from one without, invalid
    input: legit ``async-callback-input-code``), observed by FH-S02 and fuzz's valid requests,
    never their finding unless a policy requires E-013's default. The reading refuses async
    true whatever the request: ``small_taken`` (asked only here) says whether the service took
    the small canonical /match with async true; taken, this refusal is the request's own (session
    27 review: async bodies over 120 kB refused as 40004 passed as the reading)."""
    return (
        isinstance(body, dict)
        and body.get("async") is True
        and answer is not None
        and answer.category == "input"
        and not (small_taken is not None and small_taken() is True)
    )


def async_taken(answer: Answer | None) -> bool | None:
    """Whether an answer to the small canonical request with async true took it (True), refused
    it as input (False: E-013's alternative holds), or tells neither (None: no envelope, another
    refusal: a throttle, credentials)."""
    if answer is None or answer.where is None:
        return None
    if not answer.refused:
        return True
    return False if answer.category == "input" else None


def run_rules(
    session: Session, ctx: RuleContext, response: Exchange, request: Request
) -> list[CheckFailed]:
    """Every rule of the operation on one answer; the failures. One defect, one finding: a
    response-schema failure only at fields a failing rule owns is that rule's finding alone."""
    failed: list[CheckFailed] = []
    for entry in RULES.rules_for(session.api, ctx.operation):
        session.rule_runs[(entry.name, ctx.operation)] += 1
        try:
            entry.fn(ctx, response, request)
        except CheckFailed as exc:
            failed.append(exc)
    owned = tuple(f for exc in failed for f in RULES.get(exc.rule_id).fields)
    return [
        exc
        for exc in failed
        if not (exc.rule_id == SCHEMA_RULE and exc.at and all(p.startswith(owned) for p in exc.at))
    ]


def verdict(exchange: Exchange) -> tuple[bool, bool, str] | None:
    """(rejected, refused_valid_data, code text) of a judged envelope (:attr:`Answer.judged`) whose
    deciding code has its documented type; None otherwise."""
    answer = exchange.answer
    if answer is None or not answer.judged or not answer.typed:
        return None
    return answer.refused, answer.calls_input_invalid, answer.label


@schemathesis.check
def faceharness_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """Business rules (harness.conformance RULES) on every documented answer."""
    session = session_of(case)
    operation = session.operation_id(case) if session else None
    if session is None or operation is None or not session.is_own_call(case, response):
        return True
    facts = session.tracker.facts_for(case.id)
    ctx = RuleContext(session.contract, session.api, operation, facts, session.readings)
    answer, request = session.answer_of(case, response), session.request_of(case, operation)
    failed = run_rules(session, ctx, answer, request)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        raise FailureGroup(failed)
    return None


@schemathesis.check
def faceharness_negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-violating requests get an error code in the envelope (E-015)."""
    return _envelope_check(ctx, response, case, negative=True)


@schemathesis.check
def faceharness_positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid requests never get an input-category code (the service calling them invalid)."""
    return _envelope_check(ctx, response, case, negative=False)


def _envelope_check(ctx: Any, response: Any, case: Any, *, negative: bool) -> bool | None:
    session = session_of(case)
    operation = session.operation_id(case) if session else None
    if session is None or operation is None:
        return True
    seen = verdict(session.answer_of(case, response))
    mode = "negative" if negative else "positive"
    if seen is None or session.mode_of(case) != mode or negative and _body_not_sent(case):
        return True
    rejected, refused, code = seen
    reading = (  # only the body is negative, and only by faceharness' limits and formats
        invalid_only_by_reading(session.contract, session.api, operation, case.body)
        if negative and _negative_body_only(case)
        else None
    )
    if reading is not None:  # a limit, format or field only a reading sets (E-043, E-032, E-023)
        what = "required fields" if reading == "E-023" else "limits and formats"
        session.readings.observe(
            reading,
            "default" if rejected else "alternative",
            f"{operation}: Received: {code} for a request outside only "
            f"faceharness' {what}\nDefault reading: refused ({reading})",
        )
        if rejected or not session.readings.mismatch(reading, "alternative"):
            return None
    answer = session.answer_of(case, response).answer
    if not negative and refused and async_refused(case.body, answer, session.small_async_taken):
        reading = ASYNC_READING  # E-013's alternative: async true refused without a callback
        session.readings.observe(
            reading,
            "alternative",
            f"{operation}: Received: {code} for a request with async true\n"
            f"Default reading: async true answered PROCESSING ({reading})",
        )
        if not session.readings.mismatch(reading, "alternative"):
            return None
    as_status = copy.copy(response)  # the envelope's verdict as its HTTP status
    as_status.status_code = 400 if (rejected if negative else refused) else 200
    name = "_openapi_negative_data_rejection" if negative else "_openapi_positive_data_acceptance"
    try:
        _builtin(name, (as_status.status_code == 400) == negative)(ctx, as_status, case)
    except Failure as exc:
        detail = exc.message.split("Invalid component:", 1)
        head = (
            f"Received: {code}, a successful comparison\n"
            + (
                f"Expected: an error code for a request outside the default reading of {reading}"
                if reading
                else "Expected: an error code for a schema-violating request (E-015)"
            )
            if negative
            else f"Received: {code} (category input) for a schema-valid request\n"
            + (
                f"Expected: async true taken, the default reading of {reading}"
                if reading
                else "Expected: any answer but an input error (E-015)"
            )
        )
        rule_id, check = NEGATIVE_RULE if negative else POSITIVE_RULE
        # invalid only by a reading the policy requires: that reading's finding, not the seed's
        required = f"\nRequired: the default reading of {reading} (gate policy [readings])"
        raise CheckFailed(
            rule_id=rule_id,
            check=check,
            operation=operation,
            message=head
            + (f"\nInvalid component:{detail[1]}" if len(detail) == 2 else "")
            + (required if reading else ""),
            severity="medium",
            erratum=reading or "E-015",
            basis="reading" if reading else "seed",
        ) from None
    return None


def _negative_body_only(case: Any) -> bool:
    """Only the case's body is negative."""
    from schemathesis.core.parameters import ParameterLocation

    negative = {loc for loc, part in case.meta.components.items() if part.mode.is_negative}
    return negative == {ParameterLocation.BODY}


def invalid_only_by_reading(contract: Contract, api: str, operation: str, body: Any) -> str | None:
    """The erratum whose reading alone makes ``body`` invalid (valid without the spec's
    ``x-reading`` limits, formats and required fields); None when it is invalid under every
    reading. A body invalid only by several readings at once (or by none) is named as before by
    faceharness' own formats, E-043 (E-032 for validateData); one valid once a Java binder has
    read it (E-085), by that reading when its bound values keep faceharness' formats too."""
    schema = contract.operation(operation).request_schema
    if not schema or not isinstance(body, dict):
        return None
    spec = contract.spec(api)
    lenient = spec.validator(schema, every_reading=True)
    if not lenient.is_valid(body):  # E-085: valid once a Java binder has read it is a reading
        bound = as_bound(lenient, body)
        if bound is None:
            return None
        return "E-085" if spec.validator(schema).is_valid(bound) else "E-043"
    if not spec.validator(schema).is_valid(body):
        for erratum in spec.reading_errata:  # E-023: a field only faceharness requires
            if spec.validator(schema, lenient=frozenset({erratum})).is_valid(body):
                return erratum
    return "E-032" if operation == "liveCode" else "E-043"


def _body_not_sent(case: Any) -> bool:
    """A case negative only in a body it does not send, where none is required."""
    from schemathesis.core import NOT_SET

    if not _negative_body_only(case) or case.body is not NOT_SET:
        return False
    body = (
        case.operation.definition.raw.get("requestBody", {})
        if hasattr(case.operation, "definition")
        else {}
    )
    return not body.get("required", False)


def _builtin(name: str, passes: bool) -> Any:
    """schemathesis' own status-based check (a private helper of schemathesis 4; without it the
    verdict stands without exemptions)."""
    from schemathesis.specs.openapi import checks

    found = getattr(checks, name, None)
    if found is not None:
        return found

    def plain(ctx: Any, response: Any, case: Any) -> None:
        if not passes:
            raise Failure(operation=case.operation.label, message="verdict without exemptions")

    return plain
