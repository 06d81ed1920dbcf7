"""What every answer must satisfy, and what an answer means: pure functions over one exchange.

The spec's response validators judge the shape; the code table judges the codes; a few
documented invariants (cited by erratum) judge consistency inside one answer. Each problem states
its basis (``seed``, ``convention`` at most ``low``, ``reading``); where the documents allow several
readings the check records which one the answer follows in the run's ``ReadingLog`` and reports a
problem only when a policy requires the other reading. Severities are the conformance rules' own
(one defect has one severity whichever suite finds it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

from harness.clients import Exchange, Request
from harness.conformance import RULES, CheckFailed, Facts, RuleContext
from harness.contract import Answer, Contract, ReadingLog, read_answer

from ._client import FRESH_LIVE_CODE
from ._request import InvalidCase
from ._rules import rule_of

Severity = Literal["critical", "high", "medium", "low", "info"]


@dataclass(frozen=True)
class Problem:
    check: str
    severity: Severity
    message: str
    erratum: str | None = None
    variant: str = ""  # tells apart bugs under one check (the kind of a missing answer)
    basis: str = "seed"


def record_reading(
    log: ReadingLog | None, erratum: str, follows_default: bool, problem: Problem
) -> list[Problem]:
    """Record which reading of ``erratum`` an answer follows; a problem only when the policy
    requires the other one (then with basis ``reading``)."""
    which = "default" if follows_default else "alternative"
    if log is None:
        return []
    log.observe(erratum, which, "" if follows_default else problem.message)  # type: ignore[arg-type]
    if not log.mismatch(erratum, which):  # type: ignore[arg-type]
        return []
    return [
        Problem(
            problem.check,
            problem.severity,
            problem.message + f" (the policy requires the "
            f"{'alternative' if follows_default else 'default'} reading of {erratum})",
            erratum,
            basis="reading",
        )
    ]


def outcome(contract: Contract, request: Request, exchange: Exchange) -> Answer | None:
    """The answer read by the contract; None when there is no envelope to read (transport error,
    non-JSON body, no code)."""
    answer = exchange.answer or read_answer(contract, request.api, exchange.status, exchange.body)
    return answer if answer.where is not None else None


def check_answer(
    contract: Contract,
    request: Request,
    exchange: Exchange,
    *,
    request_valid: bool = False,
    readings: ReadingLog | None = None,
    facts: Facts | None = None,
) -> list[Problem]:
    """Every answer: the rule book's HTTP rules (E-015), the operation's response schema (a body
    that is not a JSON object breaks it), then the book's rules inside the answer.

    No answer at all (a hang past the client timeout, a reset, a body cut off) is an ``answered``
    problem of its kind.
    """
    if exchange.error:
        kind = exchange.no_answer or ""
        return [Problem("answered", "high", f"no answer: {exchange.error}", variant=kind)]
    op = contract.operation(request.operation)
    out = check_rules(contract, request, exchange, book=HTTP)
    if not isinstance(exchange.body, dict):
        texts = f"the body is not a JSON object: {exchange.text[:80]!r}"
    else:
        errors = (
            contract.spec(request.api).validator(op.response_schema).iter_errors(exchange.body)
            if op.response_schema
            else ()
        )
        texts = "; ".join(
            f"{'.'.join(map(str, e.instance_path)) or 'body'}: {e.message[:100]}"
            for e in list(errors)[:3]
        )
    if texts:
        out.append(Problem("response_schema", "high", f"{op.response_schema} violated: {texts}"))
    return out + check_rules(
        contract, request, exchange, request_valid=request_valid, readings=readings, facts=facts
    )


# what fuzz asks the conformance rule book on every answer: HTTP status and Content-Type, codes in
# the table, and the documented invariants inside one answer (a rule is written once)
HTTP = ("FH-H01", "FH-H02", "FH-H03")
BOOK = {
    "match": ("FH-M01", "FH-M02", "FH-M05", "FH-M06", "FH-M08"),
    "jd": ("FH-J02", "FH-J04", "FH-J05", "FH-J06", "FH-J07", "FH-J11", "FH-J14"),
}


def check_rules(
    contract: Contract,
    request: Request,
    exchange: Exchange,
    *,
    request_valid: bool = False,
    readings: ReadingLog | None = None,
    facts: Facts | None = None,
    book: tuple[str, ...] | None = None,
) -> list[Problem]:
    """The rule book's verdicts on one answer (``book``: these rules, default the API's in-answer
    ones), as problems (readings recorded in ``readings``; ``facts``: the run's history, for
    FH-M05). FH-J11 (serialNo echoed) judges only requests valid under every reading."""
    ctx = RuleContext(
        contract=contract,
        api=request.api,
        operation=request.operation,
        readings=readings,
        facts=facts or Facts(),
    )
    response = SimpleNamespace(  # what a rule reads, also of an exchange built in a test
        status_code=exchange.status,
        content=exchange.content or json.dumps(exchange.body).encode(),
        headers={"content-type": exchange.content_type},
    )
    out = []
    for rule_id in BOOK[request.api] if book is None else book:
        entry = RULES.get(rule_id)
        if (
            not entry.applies_to(request.api, request.operation)
            or rule_id == "FH-J11"
            and not request_valid
        ):
            continue
        try:
            entry.fn(ctx, response, request)
        except CheckFailed as exc:
            message, basis = exc.message.replace("\n", "; "), exc.basis or entry.basis
            out.append(Problem(entry.name, exc.level, message, exc.erratum, basis=basis))
    return out


# rules whose requests break the request schema and nothing else: whether they are invalid under
# every reading is decided by the spec's x-reading marks (faceharness' own limits and formats)
SCHEMA_RULES = frozenset(
    {
        "missing-field",
        "wrong-type",
        "enum-outside",
        "empty-string",
        "oversize",
        "out-of-range",
        "extra-field",
        "image-sources",
        "fixed-field",
        "unicode-control",
        "huge-json",
    }
)


def reading_only(contract: Contract | None, case: InvalidCase) -> str | None:
    """The erratum whose reading alone makes ``case`` invalid (its body is valid once the limits and
    formats marked ``x-reading`` are left out); None when it is invalid under every reading."""
    request = case.request
    if (
        contract is None
        or case.rule not in SCHEMA_RULES
        or request.raw_body is not None
        or not isinstance(request.json, dict)
        or case.field in ("auth", "query")
    ):
        return None
    operation = contract.operation(request.operation)
    if not operation.request_schema:
        return None
    body = request.json
    if body.get("liveCode") == FRESH_LIVE_CODE:
        body = {**body, "liveCode": "2312"}
    validator = contract.spec(request.api).validator(operation.request_schema, every_reading=True)
    if not validator.is_valid(body):
        return None
    return "E-032" if request.operation == "liveCode" else "E-043"


def check_expected_code(
    case: InvalidCase,
    found: Answer | None,
    *,
    strict: bool,
    readings: ReadingLog | None = None,
    contract: Contract | None = None,
) -> list[Problem]:
    """An invalid request is refused with a documented code, the rule's own where known.

    A request invalid only under faceharness' reading of an erratum (an undocumented limit or
    format) is an observation when accepted; one invalid by an HTTP/JSON/image convention is
    at most ``low``. An accepted bad sign is ``high`` here as in conformance (FH-A10).
    """
    if found is None or found.code is None:
        return []
    if found.where == "gateway" and case.where == "business" and found.category == "quota":
        return []  # throttled or out of quota before the rule could be judged: inconclusive
    success = found.ran or found.processing or (found.where == "errcode" and found.code == "0")
    rule = rule_of(case.rule)
    severity: Severity = "low" if rule.basis == "convention" else "high"
    erratum = rule.reading_for(case.request.api) or reading_only(contract, case)
    if erratum is not None:
        message = (
            f"accepted although faceharness' reading of {erratum} calls it invalid "
            f"({case.rule}: {case.detail})"
        )
        problem = Problem("invalid_refused", severity, message, erratum)
        observed = record_reading(readings, erratum, not success, problem)
        if success:
            return observed
    elif success:
        message = f"accepted although it breaks {case.rule}: {case.detail}"
        return [Problem("invalid_refused", severity, message, basis=rule.basis)]
    if found.where == "status":
        return []  # errcode 0 with a failed status: a refusal under the two-level reading (E-039)
    if found.where != case.where:
        message = (
            f"{found.where} code {found.code} where a {case.where} code {'/'.join(case.codes)} "
            f"was due ({case.rule}: {case.detail})"
        )
        return [Problem("invalid_refused", severity, message)]
    if found.category is None:
        return []  # reported by code_documented already
    if strict and found.code not in case.codes:
        message = (
            f"{case.where} code {found.code} for {case.rule} ({case.detail}); "
            f"the contract assigns {'/'.join(case.codes)}"
        )
        return [Problem("rule_code", "high", message)]
    return []
