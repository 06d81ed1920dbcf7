"""One API's part of a run: what its hooks, checks and probes share. Schemathesis checks are
global; they find their session by the case's raw schema dict (each run loads its own copy).
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from harness.clients import (
    Auth,
    Credentials,
    Exchange,
    Given,
    How,
    Request,
    Sender,
    jd_sign,
    live_code_of,
)
from harness.clients._auth import JD_AUTH_PARAMS, TOKEN_HEADER, given_or, token_of
from harness.contract import Contract, ReadingLog
from harness.emulator import DEMO_ID_NUM, DEMO_NAME
from harness.pacing import BudgetExhausted

from ._inject import PayloadInjector
from ._payloads import PayloadPool
from ._registry import Facts
from ._tracker import RunTracker, lip_of
from ._transport import NoAnswer, no_answer

DEFAULT_TIMEOUT_S = 60.0  # conformance's request deadline when a run names none
_SESSIONS: dict[int, Session] = {}
_LOCK = threading.Lock()
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Session:
    contract: Contract
    api: str
    creds: Credentials
    tracker: RunTracker
    pool: PayloadPool
    is_emulator: bool
    target: str
    identity: tuple[str, str] | None  # the registered one /idno uses; None: the emulator's demo
    raw_schema: dict[str, Any] = field(repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S  # the total deadline every request is sent with
    max_rps: float = 0.0  # the run's pace, for the requests the harness sends itself
    sender: Sender = field(init=False, repr=False)  # the probes', hooks' and replays' requests
    injector: PayloadInjector = field(init=False, repr=False)
    rule_runs: Counter[tuple[str, str]] = field(default_factory=Counter)
    readings: ReadingLog = field(default_factory=ReadingLog)  # shared by the run's sessions
    answers: dict[str, tuple[Any, Exchange]] = field(  # case id -> (response, its Exchange)
        default_factory=dict, repr=False
    )
    requests: dict[str, Request] = field(default_factory=dict, repr=False)  # case id -> Request
    # the small canonical /match with async true: taken, refused as input or neither (asked once)
    _async_small: list[bool | None] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.identity is None and self.is_emulator:
            self.identity = DEMO_ID_NUM, DEMO_NAME
        self.injector = PayloadInjector(
            self.contract, self.pool, self.identity, live=not self.is_emulator
        )
        self.sender = Sender(
            self.target,
            credentials=self.creds,
            contract=self.contract,
            max_rps=self.max_rps,
            budget=self.tracker.budget,  # one budget: a paid reconnect retry is spent from it too
            timeout_s=self.timeout_s,
        )
        self._async_lock = threading.Lock()
        self._ops = {
            op.path: op.operation_id for op in self.contract.spec(self.api).operations.values()
        }

    def __enter__(self) -> Session:
        with _LOCK:
            _SESSIONS[id(self.raw_schema)] = self
        return self

    def __exit__(self, *exc: object) -> None:
        with _LOCK:
            _SESSIONS.pop(id(self.raw_schema), None)
        self.sender.close()

    def operation_id(self, case: Any) -> str | None:
        return self._ops.get(case.operation.path)

    def is_own_call(self, case: Any, response: Any) -> bool:
        """An answer to the documented method, not to schemathesis' probe of an undeclared one."""
        method = getattr(getattr(response, "request", None), "method", None) or case.method
        return str(method).upper() == str(case.operation.method).upper()

    def mode_of(self, case: Any, *, settled: bool = True) -> str:
        meta = case.meta if settled else getattr(case, "_meta", None)
        if meta is None:
            return "unknown"
        return "negative" if meta.generation.mode.is_negative else "positive"

    def request_of(self, case: Any, operation: str) -> Request:
        """A sent schemathesis case as the one :class:`Request` its rules judge (made once)."""
        from schemathesis.core import NOT_SET

        if case.id in self.requests:
            return self.requests[case.id]
        query = {str(k): str(v) for k, v in dict(case.query or {}).items()}
        headers = {str(k): str(v) for k, v in dict(case.headers or {}).items()}
        if self.api == "jd":
            auth = jd_auth_of(query, self.creds, self.contract.jd_timestamp_window_ms)
            query = {k: v for k, v in query.items() if k not in JD_AUTH_PARAMS}
        else:
            auth = Auth(token=token_of(headers, self.creds))
            headers = {k: v for k, v in headers.items() if k.lower() != TOKEN_HEADER.lower()}
        body = case.body
        raw = b"" if body is NOT_SET else body if isinstance(body, bytes) else None
        self.requests[case.id] = Request(
            self.api,
            operation,
            str(case.method).upper(),
            str(getattr(case, "formatted_path", case.path)),
            json=None if raw is not None else body,
            raw_body=raw,
            auth=auth,
            query=query,
            headers=headers,
        )
        return self.requests[case.id]

    def recorded(self, case: Any, operation: str) -> Request:
        """The case's :class:`Request` as its finding keeps it: the body copied (a value JSON
        cannot hold: its repr); only findings pay for the copy."""
        request = self.request_of(case, operation)
        try:
            json.dumps(request.json)
        except (TypeError, ValueError):
            return replace(request, json=repr(request.json))
        return replace(request, json=copy.deepcopy(request.json))

    def fresh_live_code(self) -> str | None:
        """A liveCode validateData issues now (/idno marks liveCode 是, E-008); None when none is
        issued or the budget is spent."""
        try:
            self.tracker.ensure_budget()
            issue = self.contract.operation("liveCode")
            request = Request("match", "liveCode", issue.method.upper(), issue.path, json={})
            answer = self.sender.send(request)
            if answer.cause is not None:
                return None
            self.observe_sent(request, answer, f"fresh-liveCode-{id(answer)}")
        # BudgetExhausted, a BaseException, would kill schemathesis' worker thread inside its hook;
        # on any other error the case goes without a code, and the rules report why
        except (BudgetExhausted, Exception):
            return None
        return live_code_of(answer)

    def send(self, request: Request, label: str) -> tuple[Exchange, Facts]:
        """Send a probe's or replay's request within the budget; its answer and the run's facts as
        of it. One without an answer is counted and raises :class:`NoAnswer`, its finding."""
        self.tracker.ensure_budget()
        answer = self.sender.send(request)
        if answer.cause is None:
            return answer, self.observe_sent(request, answer, f"{label}-{id(answer)}")
        kind = answer.no_answer or "connection"
        self.tracker.unanswered(request.operation, kind, spent=True)
        raise NoAnswer(no_answer(answer.cause, request, self.timeout_s, kind), kind)

    def small_async_taken(self) -> bool | None:
        """Whether the service takes the canonical /match of the pool's smallest face sent with
        async true (one request a run, sent the first time a refusal of async true needs it; none
        left or no answer: None): E-013's alternative refuses async true whatever the request
        (``async_refused``)."""
        from ._probes import ProbeContext
        from ._st_checks import async_taken

        with self._async_lock:
            if not self._async_small:
                b64 = self.pool.small_face.b64
                request = ProbeContext(session=self).canonical("match")
                for path in (("image", "data"), ("faceData", "data"), ("async",)):
                    request = request.with_json(path, True if path == ("async",) else b64)
                try:
                    answer, _ = self.send(request, "async-probe")
                except (BudgetExhausted, NoAnswer):
                    self._async_small.append(None)
                else:
                    self._async_small.append(async_taken(answer.answer))
            return self._async_small[0]

    def answer_of(self, case: Any, response: Any) -> Exchange:
        """schemathesis' response to ``case`` as the one :class:`Exchange`, read once."""
        seen, found = self.answers.get(case.id, (None, None))
        if seen is response and found is not None:
            return found
        found = Exchange.read(
            self.contract,
            self.api,
            response.status_code,
            {k: ", ".join(v) for k, v in response.headers.items()},
            response.content,
            elapsed_s=response.elapsed,
        )
        self.answers[case.id] = (response, found)
        return found

    def observe_sent(self, request: Request, answer: Exchange, case_id: str) -> Facts:
        """Record an answer to a request the harness sent itself; the run's facts as of it."""
        return self.tracker.observe(
            answer,
            spent=True,
            api=self.api,
            operation=request.operation,
            case_id=case_id,
            query=self._query(request),
            serial=serial_of(request.json),
            live_code=lip_of(request.json),
        )

    def _query(self, request: Request) -> dict[str, Any]:
        """The query ``request`` goes with: its appkey, as remainTimes are counted per appkey."""
        _, sent = request.auth.apply(self.api, self.creds, now_ms=0, window_ms=0)
        return {**request.query, **sent}

    def calls_left(self, request: Request) -> float | None:
        """The calls left of the quota ``request``'s appkey draws on, by the service's last
        remainTimes (``RunTracker.calls_left``: ``inf`` unlimited, None unknown)."""
        return self.tracker.calls_left(self._query(request))

    def observe(self, case: Any, response: Any) -> None:
        operation = self.operation_id(case)
        if operation is None:
            return
        exchange = self.answer_of(case, response)
        if self.api == "jd":  # E-019: the service's clock, from an answer the run has (after_call)
            now_ms = self.sender.clock() * 1000
            self.sender.service_clock.observe(
                exchange.answer, now_ms - exchange.elapsed_s * 1000, now_ms, exchange.headers
            )
        self.tracker.observe(
            exchange,
            api=self.api,
            operation=operation,
            case_id=case.id,
            query=dict(case.query or {}),
            serial=serial_of(case.body),
            live_code=lip_of(case.body),
        )


def serial_of(body: Any) -> Any:
    """The serialNo a JD request body sent, if any (FH-J16's history)."""
    return body.get("serialNo") if isinstance(body, dict) else None


def session_of(case: Any) -> Session | None:
    operation = getattr(case, "operation", None)
    schema = getattr(operation, "schema", None)
    raw = getattr(schema, "raw_schema", None)
    return _SESSIONS.get(id(raw)) if raw is not None else None


def kept_auth(case: Any, query: dict[str, Any]) -> Auth:
    """Fresh JD credentials, except those a negative case mutated on purpose (all of them when
    unknowable): those as generated."""
    meta = getattr(case, "_meta", None)
    if meta is None or not meta.generation.mode.is_negative:
        return Auth()
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.generation.meta import negated_parameters

    named = {name for name, where in negated_parameters(meta) if where == ParameterLocation.QUERY}
    every = meta.is_negative_at(ParameterLocation.QUERY) and not named
    kept: dict[str, Any] = {
        name: Given(str(query[name])) if name in query else How.ABSENT
        for name in JD_AUTH_PARAMS
        if every or name in named
    }
    return Auth(**kept)


def jd_auth_of(
    query: dict[str, Any],
    creds: Credentials,
    window_ms: int,
) -> Auth:
    """How the JD credentials a request carried were made, without any secret."""
    appkey, secret, stamp = creds.jd_appkey or "", creds.jd_secretkey or "", query.get("timestamp")

    def made(name: str, valid: Callable[[str], bool], other: Callable[[str], Any]) -> Any:
        value = query.get(name)
        return (
            How.ABSENT if value is None else How.VALID if valid(str(value)) else other(str(value))
        )

    return Auth(
        appkey=made("appkey", lambda v: v == appkey, lambda v: given_or(v, How.INVALID, creds)),
        timestamp=made(
            "timestamp",
            lambda v: v.isdigit() and abs(int(v) - time.time_ns() // 1_000_000) <= window_ms,
            Given,
        ),
        sign=made(
            "sign",
            lambda v: bool(secret) and v == jd_sign(secret, str(stamp or "")),
            lambda v: How.INVALID if _HEX32.match(v) else given_or(v, How.INVALID, creds),
        ),
    )
