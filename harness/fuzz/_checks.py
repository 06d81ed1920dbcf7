"""What every answer must satisfy, asked of the one rule book (``harness.conformance.RULES``).

Bases and severities are the book's (one defect has one severity whichever suite finds it); where
the documents allow several readings the answer's is recorded in the run's ``ReadingLog``, and a
problem reported only when a policy requires the other reading.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from harness.clients import Exchange, Request
from harness.conformance import RULES, CheckFailed, Facts, RuleContext
from harness.conformance._probes import refused_for_live_code
from harness.conformance._registry import observe_reading
from harness.conformance._rules_http import Refusal, names_url
from harness.conformance._st_checks import (
    ASYNC_READING,
    async_refused,
    async_taken,
    invalid_only_by_reading,
)
from harness.conformance._tracker import lip_of, serial_named
from harness.contract import Answer, Contract, ReadingLog, read_answer
from harness.redact import Pretty, redacted_excerpt

from ._client import FRESH_LIVE_CODE, FuzzClient
from ._invalid import InvalidCase
from ._rules import Codes, also_refused_at, rule_of
from ._valid import Gen, match_pair

Severity = Literal["critical", "high", "medium", "low", "info"]


@dataclass(frozen=True)
class Problem:
    check: str
    severity: Severity
    message: str
    erratum: str | None = None
    variant: str = ""  # tells apart bugs under one check (the kind of a missing answer)
    basis: str = "seed"
    rule: str | None = None  # the conformance rule whose verdict this is, when no case names one


def record_reading(
    log: ReadingLog | None, erratum: str, follows_default: bool, problem: Problem
) -> list[Problem]:
    """Record which reading of ``erratum`` an answer follows; a problem only when the policy
    requires the other one (then with basis ``reading``)."""
    required = observe_reading(log, erratum, follows_default, problem.message)
    if required is None:
        return []
    return [replace(problem, message=problem.message + required, erratum=erratum, basis="reading")]


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
    """Every answer (and the answer to an invalid ``case``: its refusal rules), one judgement for
    the run, the pytest plugin and a replay."""
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
HTTP = ("FH-H01", "FH-H02", "FH-H03", "FH-H05", "FH-H09")
BOOK = {
    "match": ("FH-M01", "FH-M02", "FH-M03", "FH-M05", "FH-M06", "FH-M08", "FH-M09"),
    "jd": (
        *("FH-J01", "FH-J02", "FH-J04", "FH-J05", "FH-J06", "FH-J07", "FH-J11", "FH-J14"),
        *("FH-J16", "FH-J17", "FH-J18", "FH-J19", "FH-J22"),
    ),
}
REFUSAL = ("FH-S03", "FH-S04", "FH-J20")


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
    ctx = RuleContext(contract, request.api, request.operation, facts or Facts(), readings)
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
    "missing-field wrong-type enum-outside empty-string oversize out-of-range extra-field "
    "image-sources fixed-field unicode-control huge-json".split()
)
_JD_IMAGES = ("imgBase64", "imgArr")  # an oversize case's field ending so: the image's size


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
    if case.rule == "oversize" and request.api == "jd" and case.field.endswith(_JD_IMAGES):
        return None  # "图片大小: 小于5M", not in the schema: over it under every reading (E-020)
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
    also = also_refused_at(case.rule, case.request)
    fetches = names_url(case.request.json)
    refusal = Refusal(
        case.where, case.codes, case.detail, strict, case.rule, broken.basis, reading, also, fetches
    )
    return check_rules(
        contract, case.request, exchange, book=REFUSAL, readings=readings, case=refusal
    )


# what each property's request is called when it is refused as invalid (by the run and a replay)
VALID_AS = {
    "valid-requests": "a valid request",
    "self-match": "an image compared with itself",
    "reencoding-matches": "a face and its re-encoding",
}


def refused_as_invalid(
    contract: Contract,
    found: Answer | None,
    name: str = "valid-requests",
    exchange: Exchange | None = None,
    request: Request | None = None,
    readings: ReadingLog | None = None,
    small_async_taken: Callable[[], bool | None] | None = None,
) -> list[Problem]:
    """A request valid under every reading (of the property ``name``) is not refused as invalid,
    and its answer (``exchange``) is the API's envelope: under both readings of E-015 (errors at
    200 or as 4xx) every answer is, so a page, a bare 204 or a redirect is no answer to judge
    (a 5xx is FH-H01's, no answer FH-H04's, any 2xx without the envelope FH-H05's: one defect,
    one finding, so this judges a redirect or another status under 400 alone).

    A valid /match ``request`` without liveCode (so no LIP video: that needs one) is not refused
    for a liveCode either, as conformance's FH-L21 judges it (``refused_for_live_code``: only a
    code for the liveCode itself; a liveness check failing a video is the service's own).
    One sent with async true refused as invalid follows E-013's alternative (``async_refused``,
    conformance's FH-S02 alike): recorded in ``readings``, a problem only when a policy requires
    the default; unless ``small_async_taken`` says the small canonical /match with async true was
    taken (then the refusal is this request's own: a problem)."""
    what = VALID_AS.get(name, VALID_AS["valid-requests"])
    if found is not None and found.category == "input":
        meaning = found.meaning.en if found.meaning else "?"
        message = f"{what} was refused as invalid: {found.where} code {found.code} ({meaning})"
        problem = Problem("valid_request_accepted", "high", message)
        body = request.json if request is not None else None
        if async_refused(body, found, small_async_taken):
            return record_reading(readings, ASYNC_READING, False, problem)
        if async_refused(body, found):  # the small one taken: not E-013's reading
            message += "; the small canonical /match with async true was taken"
            return [replace(problem, message=message)]
        return [problem]
    if (
        found is not None
        and _needs_no_live_code(request)
        and refused_for_live_code(found, contract.codes.own)
    ):
        meaning = found.meaning.en if found.meaning else "?"
        message = (
            f"{what} without liveCode was refused for one: {found.where} code {found.code} "
            f"({meaning}); liveCode is needed only for a video in LIP mode "
            "(传入对比数据为视频并选择LIP模式时必传)"
        )
        return [Problem("valid_request_accepted", "high", message)]
    if exchange is None or isinstance(exchange.body, dict):
        return []
    if not (0 < exchange.status < 200 or 300 <= exchange.status < 400 or _refusal(exchange)):
        return []  # a 2xx: FH-H05's
    kind = exchange.content_type or "no Content-Type"
    text = redacted_excerpt(exchange.content, 60)
    message = f"{what} got HTTP {exchange.status} ({kind}) that is not the API's envelope: "
    return [Problem("valid_request_answered", "high", message + repr(text))]


def small_async_taken(
    gen: Gen, send: Callable[[Request], tuple[Exchange, Answer | None]]
) -> bool | None:
    """:func:`async_taken` of the small canonical /match (the pool's smallest face against itself)
    sent with async true through ``send``."""
    face = min(gen.pool.faces, key=lambda f: len(f.data))
    exchange, found = send(match_pair(gen, face, face).with_json(("async",), True))
    return async_taken(found) if exchange.no_answer is None else None


# 4xx that judge no request: a wrong base URL or method (404, 405: nothing judged, inconclusive),
# a caller told to slow down (429, E-045), a request that took too long to send (408)
_NOT_A_REFUSAL = frozenset({404, 405, 408, 429})


def _refusal(exchange: Exchange) -> bool:
    """A 4xx that refuses the request without the envelope (a text or HTML 400, a proxy's 413):
    the valid request was refused, under every reading of E-015 (conformance's rule probes fail
    such answers alike; hostile session 22: fuzz passed a target answering every valid request
    with a text/html 400)."""
    return 400 <= exchange.status < 500 and exchange.status not in _NOT_A_REFUSAL


def _needs_no_live_code(request: Request | None) -> bool:
    """A /match request sent without liveCode: valid, so its faceData is no LIP video."""
    body = request.json if request is not None else None
    return (
        request is not None
        and request.operation == "match"
        and isinstance(body, dict)
        and ("liveCode" not in body)
    )


class PropertyFailed(AssertionError):
    """One exchange violated a property; carries everything a Finding and a replay file need."""

    def __init__(
        self,
        problem: Problem,
        request: Request,
        exchange: Exchange | None,
        *,
        property_name: str,
        case: InvalidCase | None = None,
        steps: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{problem.check}: {problem.message}")
        self.problem, self.request, self.exchange = problem, request, exchange
        self.property_name, self.case, self.steps = property_name, case, steps


@functools.cache
def failure_type(check: str, variant: str) -> type[PropertyFailed]:
    """A subclass per check lets hypothesis tell bugs apart and shrink each to its own example."""
    words = re.split(r"[_\W]+", f"{check}:{variant}")
    name = "".join(word.title() for word in words if word) + "Failed"
    return type(name, (PropertyFailed,), {"__module__": __name__})


@dataclass
class Run:
    """One fuzz run: the contract, the client, generation settings and what the target is."""

    contract: Contract
    client: FuzzClient
    gen: Gen
    codes: Codes
    is_emulator: bool
    engine: str | None  # the emulator's engine; None for a live target
    seed: int
    max_examples: int
    db_root: Path  # the hypothesis example databases, one per property (and part)
    quota_credentials: Any = None  # JD credentials of a small-quota appkey (emulator), or None
    last_failure: dict[str, PropertyFailed] = field(default_factory=dict)
    # problems of an HTTP convention only, first of each kind per property: listed, never raised
    # (shrinking them would spend the budget on what fails no service, E-015)
    listed: dict[tuple[str, str, str], PropertyFailed] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)  # state-machine steps of the current example
    # which reading of each erratum the answers follow
    readings: ReadingLog = field(default_factory=ReadingLog)
    async_small: list[bool | None] = field(default_factory=list)  # small_async_taken's answer

    def send(self, request: Request, **kw: Any) -> tuple[Exchange, Answer | None]:
        exchange = self.client.send(request, **kw)
        return exchange, outcome(self.contract, request, exchange)

    def small_async_taken(self) -> bool | None:
        """Whether the target takes the small canonical /match with async true (sent once a run,
        the first time a refusal of async true needs it: ``async_refused``)."""
        if not self.async_small:
            self.async_small.append(small_async_taken(self.gen, self.send))
        return self.async_small[0]

    def standard(
        self,
        request: Request,
        exchange: Exchange,
        found: Answer | None,
        *,
        request_valid: bool = False,
        case: InvalidCase | None = None,
        strict: bool = False,
    ) -> list[Problem]:
        """What every answer must satisfy, whatever the property (and the answer to an invalid
        ``case``: its refusal rules)."""
        traced = (
            self.client.trace_nos.facts(request.operation, found, *lip_of(request.json))
            if found is not None
            else Facts()
        )
        other = None
        if found is not None and found.where == "business" and isinstance(request.json, dict):
            sent = request.json.get("serialNo")
            other = serial_named(self.client.serials, sent, found.serial_no)
        return check_answer(
            self.contract,
            request,
            exchange,
            request_valid=request_valid,
            readings=self.readings,
            facts=replace(traced, serial_of_other=other),
            case=case,
            strict=strict,
        )

    def fail(
        self,
        prop: str,
        problems: list[Problem],
        request: Request,
        exchange: Exchange | None,
        case: InvalidCase | None = None,
    ) -> None:
        """Raise the first problem as a PropertyFailed (and remember it, in case the budget
        runs out while hypothesis is still shrinking); an HTTP convention's problems alone are
        listed instead."""
        if not problems:
            return
        counted = [p for p in problems if p.basis != "convention"]
        for first in counted[:1] or problems:
            exc = failure_type(first.check, first.variant)(
                first, request, exchange, property_name=prop, case=case, steps=tuple(self.steps)
            )
            if counted:
                self.last_failure[prop] = exc
                raise exc
            self.listed.setdefault((prop, first.check, first.variant), exc)

    def answer(self, prop: str, request: Request) -> tuple[Exchange, Answer | None]:
        """Send a valid ``request`` and fail on anything every answer must satisfy."""
        exchange, found = self.send(request)
        self.fail(
            prop, self.standard(request, exchange, found, request_valid=True), request, exchange
        )
        return exchange, found

    def refused_valid(
        self, found: Answer | None, exchange: Exchange, request: Request, name: str
    ) -> list[Problem]:
        """``refused_as_invalid`` with this run's contract, readings and async-true resend."""
        return refused_as_invalid(
            self.contract, found, name, exchange, request, self.readings, self.small_async_taken
        )

    def refused(self, prop: str, case: InvalidCase, *, strict: bool, **kw: Any) -> Answer | None:
        """Send ``case``'s request and fail unless it is refused with its documented code."""
        exchange, found = self.send(case.request, **kw)
        problems = self.standard(case.request, exchange, found, case=case, strict=strict)
        self.fail(prop, problems, case.request, exchange, case)
        return found

    def violated(
        self,
        prop: str,
        check: str,
        severity: Severity,
        message: str,
        request: Request,
        exchange: Exchange | None,
        erratum: str | None = None,
    ) -> None:
        """Fail with one problem found beyond the standard checks."""
        self.fail(prop, [Problem(check, severity, message, erratum)], request, exchange)


@dataclass
class FuzzTarget(Pretty):
    """The service under test: its URL, whether it is the emulator, and a paced client."""

    url: str
    is_emulator: bool
    client: FuzzClient
    contract: Contract

    def __repr__(self) -> str:
        emulator = ", emulator" if self.is_emulator else ""
        return f"FuzzTarget({self.url}{emulator}, sent={self.client.sent})"

    def send(self, request: Request) -> Exchange:
        """Send with credentials filled in (never stored in the request)."""
        return self.client.send(request)

    def outcome(self, request: Request, exchange: Exchange) -> Answer | None:
        """The answer in API-neutral terms: code, category, whether the comparison ran, score."""
        return outcome(self.contract, request, exchange)

    def problems(
        self, request: Request, exchange: Exchange, *, request_valid: bool = True
    ) -> list[Problem]:
        """What the fuzzer's checks find wrong with one answer (HTTP, envelope, spec, codes)."""
        return check_answer(self.contract, request, exchange, request_valid=request_valid)

    def assert_conforms(self, request: Request, exchange: Exchange) -> None:
        """AssertionError naming every problem of an answer to a valid request."""
        problems = self.problems(request, exchange)
        found = self.outcome(request, exchange)
        problems += refused_as_invalid(self.contract, found, exchange=exchange, request=request)
        assert not problems, _text(problems, exchange)

    def assert_refused(self, case: InvalidCase, exchange: Exchange) -> None:
        """AssertionError unless an invalid request got a documented error (its rule's code
        where the documents say which, or always on the emulator)."""
        strict = case.exact or self.is_emulator
        problems = check_answer(self.contract, case.request, exchange, case=case, strict=strict)
        assert not problems, _text(problems, exchange) + f" [{case.rule}: {case.detail}]"


def _text(problems: list[Problem], exchange: Exchange) -> str:
    body = exchange.excerpt()
    return "; ".join(f"{p.check}: {p.message}" for p in problems) + f" (answer: {str(body)[:300]})"
