"""What a probe needs: canonical valid requests, a sender that runs the rules, expectations.

Probes send requests the generator would only find by luck (a wrong signature with everything else
valid, an image of exactly the documented size): each builds a :class:`~harness.clients.Request`
and derives the changed ones from it. Every send goes through the session's sender (so the run's
pace applies) and the run's tracker, and every answer is also judged by the per-response rules; a
failure keeps the probe's request so its finding replays exactly that. A request without an
answer stops its probe and becomes an ``answered`` finding (see ``_transport``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from harness import clients
from harness.clients import Request
from harness.contract import Answer, Code, Contract

from ._context import RuleContext
from ._engine import excerpt
from ._failures import CheckFailed
from ._registry import RULES, Violation
from ._rules_http import Refusal, refusal_failure
from ._session import Session, live_code_of
from ._st_checks import run_rules

_serial = itertools.count(1)


@dataclass
class ProbeOptions:
    include_extensions: bool = True
    qps: dict[str, float] = field(default_factory=dict)  # api -> configured limit (URL targets)
    may_burst: bool = False  # no client-side rate limit in the way


@dataclass
class ProbeContext:
    session: Session
    options: ProbeOptions = field(default_factory=ProbeOptions)
    failures: list[CheckFailed] = field(default_factory=list)
    operation: str = ""  # the operation the current probe is about (for findings)
    last_request: Request | None = field(default=None, repr=False)
    last_response: clients.Exchange | None = field(default=None, repr=False)
    # the HTTP rules' failures on last_response: a failing probe's own finding replaces them
    last_http_failures: list[CheckFailed] = field(default_factory=list, repr=False)
    touched: list[str] = field(default_factory=list)  # operations the probe sent to, in order

    @property
    def contract(self) -> Contract:
        return self.session.contract

    @property
    def readings(self) -> Any:
        return self.session.readings

    # --- requests -----------------------------------------------------------------------
    def operations(self) -> list[str]:
        ops = self.contract.spec(self.session.api).operations.values()
        return [
            op.operation_id for op in ops if self.options.include_extensions or not op.extension
        ]

    def canonical(self, operation: str) -> Request:
        """A valid request for ``operation`` with fresh credentials and real images."""
        pool, api = self.session.pool, self.session.api
        face = pool.reference
        op = self.contract.operation(operation)
        if operation == "match":
            body: Any = {
                "image": {"origin": "self", "data": face.b64},
                "faceData": {"type": "image", "data": face.b64},
            }
        elif operation == "matchIdno":
            # liveCode and videoType are 是 on /idno (E-008, E-010): a fresh code and the default
            # mode, so the request is valid under every reading
            id_num, name = self.session.identity or ("11010519491231002X", "张三")
            body = {
                "idNum": id_num,
                "name": name,
                "faceData": {"type": "image", "videoType": "SILENT", "data": face.b64},
            }
            code = self.fresh_live_code()
            if code is not None:
                body["liveCode"] = code
        elif operation == "asyncResult":
            body = {"traceNo": "faceharness-unknown-trace"}
        elif operation == "faceCompareNew":
            fixed = dict(self.contract.jd_fixed_fields)
            types = self.contract.enum("jd", "ImageItem", "imgType")
            body = {
                **fixed,
                "collectionImageItems": [
                    {"imgType": types[0], "encryptionType": "NON", "imgBase64": face.b64}
                ],
                "compareImageItem": {
                    "imgType": "IDP" if "IDP" in types else types[0],
                    "encryptionType": "NON",
                    "imgBase64": face.b64,
                },
                "serialNo": f"fh-probe-{next(_serial)}",
            }
        else:
            body = {}
        return Request(api, operation, op.method.upper(), op.path, json=body)

    def fresh_live_code(self) -> str | None:
        """A liveCode validateData issues now (None when it issues none: other rules report why)."""
        return live_code_of(self.send(self.canonical("liveCode")))

    def send(self, request: Request) -> clients.Exchange:
        """Send one probe request; the answer is observed and judged by the per-response rules.

        A request that gets no answer raises :class:`NoAnswer`: the probe cannot judge its rule.
        """
        session, operation = self.session, request.operation
        session.tracker.ensure_budget()
        if operation not in self.touched:
            self.touched.append(operation)
        response = session.send(request)
        facts = session.observe_sent(request, response, f"probe-{id(response)}")
        self.last_request, self.last_response = request, response
        self.last_http_failures = []
        ctx = RuleContext(self.contract, session.api, operation, "probe", facts, session.readings)
        for failed in run_rules(session, ctx, response, request):
            failed.request = request
            failed.response = excerpt(response)
            self.failures.append(failed)
            if failed.rule_id in RULES and RULES.get(failed.rule_id).api == "*":
                self.last_http_failures.append(failed)
        return response

    def ask(self, request: Request) -> Answer:
        """Send one probe request (:meth:`send`); its answer, read once by the contract."""
        answer = self.send(request).answer
        assert answer is not None  # the session raises NoAnswer for a request without one
        return answer

    def ask_envelope(self, request: Request, what: str, expected: str = "an envelope") -> Answer:
        """:meth:`ask`, failing the probe for an answer without an envelope."""
        a = self.ask(request)
        if not enveloped(a):
            raise Violation(
                f"Received: HTTP {a.status} for {what}\nExpected: {expected}", request=request
            )
        return a

    def expect(
        self, request: Request, response: clients.Exchange, expected: Code, what: str
    ) -> None:
        """The answer carries ``expected`` at its place, as the rule book's refusal rules judge
        it (FH-S03, FH-S04: on a live service any refusal will do for the internal API's codes,
        faceharness' decision, and the code is an observation of E-014). The probe owns its
        answer: one without a code at that place (HTTP, the gateway's quota) fails it too."""
        ctx = RuleContext(
            self.contract, self.session.api, request.operation, "probe", readings=self.readings
        )
        strict = expected.documented or self.session.is_emulator
        refusal = Refusal(expected.where, (expected.code,), what, strict)
        failed = refusal_failure(ctx, response, refusal)
        a = response.answer
        assert a is not None
        # errcode 0 with a failed status is a refusal at the errcode (E-039, judged by the book)
        where, coded = "errcode" if a.where == "status" else a.where, a.code is not None
        if where == "business" and not business(a):
            where, coded = "gateway", True  # the gateway's own code: a number, 10000
        if failed is None and enveloped(a) and where == expected.where and coded:
            return
        # a policy requiring E-014's default made another code a finding: of that reading
        reading = failed.erratum if failed is not None and failed.basis == "reading" else None
        raise Violation(
            f"Received: {received(a)}{_named(a.meaning)} for {what}\n"
            f"Expected: {expected.where} code {expected.code} ({expected.en})",
            request=request,
            basis="reading" if reading else None,
            erratum=reading,
        )


def enveloped(answer: Answer) -> bool:
    """An HTTP 200 JSON object: the probes judge its codes, the HTTP rules any other answer."""
    return answer.status == 200 and isinstance(answer.body, dict)


def business(answer: Answer) -> bool:
    """A business result under the gateway's success as documented, a string: under a number
    (``10000``, the JD rules' finding) the probes take the answer for the gateway's."""
    return answer.where == "business" and isinstance(answer.body["code"], str)


def received(answer: Answer) -> str:
    """``HTTP 500`` without an envelope, else the code and its place (``business code 100``)."""
    if not enveloped(answer):
        return f"HTTP {answer.status}"
    return answer.label if answer.where == "status" else f"{answer.where} code {answer.code}"


def zero(answer: Answer) -> bool:
    """errcode 0 (the JSON 0 or "0"), whatever ``data.status`` says: E-039's two-level reading
    is FH-M01's to observe."""
    return answer.where == "status" or answer.code == "0" and answer.where == "errcode"


def _named(meaning: Code | None) -> str:
    return f" ({meaning.en})" if meaning is not None else ""
