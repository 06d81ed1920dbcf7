"""What every answer must satisfy, asked of the one rule book (``harness.conformance.RULES``).

Fuzz runs the book's rules of both APIs (an answer at all, HTTP, the response schema), its rules
inside one answer, and its refusal rules on the answer to an invalid case (FH-S03, FH-S04), each
stating its basis (``seed``, ``convention`` at most ``low``, ``reading``); where the documents
allow several readings the answer's is recorded in the run's ``ReadingLog`` and a problem reported
only when a policy requires the other reading. Severities are the book's (one defect has one
severity whichever suite finds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from harness.clients import Exchange, Request
from harness.conformance import RULES, CheckFailed, Facts, RuleContext
from harness.conformance._registry import observe_reading
from harness.conformance._rules_http import Refusal
from harness.conformance._st_checks import invalid_only_by_reading
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
    required = observe_reading(log, erratum, follows_default, problem.message)
    if required is None:
        return []
    return [
        Problem(
            problem.check, problem.severity, problem.message + required, erratum, basis="reading"
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
    case: InvalidCase | None = None,
    strict: bool = False,
) -> list[Problem]:
    """Every answer: the rule book's rules of both APIs (an answer at all, HTTP status and
    Content-Type, the response schema), then its rules inside the answer; the answer to an invalid
    ``case`` then its refusal rules (:func:`check_refusal`). One judgement for the run, the pytest
    plugin and a replay."""
    book = (ANSWERED,) if exchange.error else HTTP + BOOK[request.api]  # no answer: FH-H04 alone
    problems = check_rules(
        contract,
        request,
        exchange,
        book=book,
        request_valid=request_valid,
        readings=readings,
        facts=facts,
    )
    if case is not None:
        problems += check_refusal(contract, case, exchange, strict=strict, readings=readings)
    return problems


# what fuzz asks the conformance rule book on every answer: an answer at all (FH-H04), HTTP status
# and Content-Type, the response schema, codes in the table, and the documented invariants inside
# one answer (a rule is written once)
ANSWERED = "FH-H04"
HTTP = ("FH-H01", "FH-H02", "FH-H03", "FH-H05")
BOOK = {
    "match": ("FH-M01", "FH-M02", "FH-M05", "FH-M06", "FH-M08"),
    "jd": ("FH-J02", "FH-J04", "FH-J05", "FH-J06", "FH-J07", "FH-J11", "FH-J14"),
}
REFUSAL = ("FH-S03", "FH-S04")


def check_rules(
    contract: Contract,
    request: Request,
    exchange: Exchange,
    *,
    book: tuple[str, ...] | None = None,
    request_valid: bool = False,
    readings: ReadingLog | None = None,
    facts: Facts | None = None,
    case: object = None,
) -> list[Problem]:
    """The rule book's verdicts (``book``: these rules, default the API's in-answer ones) on one
    answer, as problems (readings recorded in ``readings``; ``facts``: the run's history, for
    FH-M05; ``case``: the rules' third argument, default the request). FH-J11 (serialNo echoed)
    judges only requests valid under every reading."""
    ctx = RuleContext(
        contract=contract,
        api=request.api,
        operation=request.operation,
        readings=readings,
        facts=facts or Facts(),
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
            entry.fn(ctx, exchange, request if case is None else case)
        except CheckFailed as exc:
            message, basis = exc.message.replace("\n", "; "), exc.basis or entry.basis
            variant = exchange.no_answer or ""  # the kind of a missing answer
            out.append(Problem(entry.name, exc.level, message, exc.erratum, variant, basis))
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


def reading_only(contract: Contract, case: InvalidCase) -> str | None:
    """The erratum whose reading alone makes ``case`` invalid (a schema rule broken only in the
    body's limits and formats marked ``x-reading``); None when it is invalid under every reading."""
    request = case.request
    if (
        case.rule not in SCHEMA_RULES
        or request.raw_body is not None
        or case.field in ("auth", "query")
    ):
        return None
    body = request.json
    if isinstance(body, dict) and body.get("liveCode") == FRESH_LIVE_CODE:
        body = {**body, "liveCode": "2312"}
    return invalid_only_by_reading(contract, request.api, request.operation, body)


def check_refusal(
    contract: Contract,
    case: InvalidCase,
    exchange: Exchange,
    *,
    strict: bool,
    readings: ReadingLog | None = None,
) -> list[Problem]:
    """The rule book's verdicts on the answer to an invalid case (FH-S03, FH-S04), by the basis of
    the rule it breaks (``strict``: its own code is due)."""
    broken = rule_of(case.rule)
    reading = broken.reading_for(case.request.api) or reading_only(contract, case)
    refusal = Refusal(case.where, case.codes, case.detail, strict, case.rule, broken.basis, reading)
    return check_rules(
        contract, case.request, exchange, book=REFUSAL, readings=readings, case=refusal
    )
