"""The fuzz run's sender: the one HTTP layer, plus what the fuzz properties count and ask.

Live targets are protected by a rate (``max_rps``, default 5 for URLs) and a request
budget; when either the budget or the time limit runs out the sender raises
:class:`harness.pacing.BudgetExhausted` and the run stops cleanly.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

import httpx

from harness.clients import (
    Auth,
    Credentials,
    Exchange,
    How,
    Request,
    Sender,
    live_code_of,
    reused_sign,
    reused_timestamp,
)
from harness.conformance._tracker import TraceHistory
from harness.contract import no_answer_key
from harness.findings import fresh_serial

LIVE_MAX_RPS = 5.0  # a URL target's pace and request budget unless given (the emulator: unlimited)
LIVE_MAX_REQUESTS = 2000
FRESH_LIVE_CODE = (
    "$fresh-liveCode"  # replaced at send time by a code validateData just issued (E-008)
)


class FuzzClient(Sender):
    """A :class:`~harness.clients.Sender` that counts operations, codes and traceNos for the run's
    metrics, and gives a request marked :data:`FRESH_LIVE_CODE` a liveCode issued a moment ago."""

    def __init__(self, base_url: str, **kw: Any) -> None:
        super().__init__(base_url, **kw)
        self.by_operation: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.throttled = 0
        self.trace_nos = TraceHistory()  # every traceNo answered in this run (FH-M05's history)
        self.serials: dict[str, str] = {}  # JD serialNos sent and answered (FH-J16's history)

    @classmethod
    def paced(
        cls, url: str, is_emulator: bool, max_rps: float | None, max_requests: int | None, **kw: Any
    ) -> FuzzClient:
        """A client paced and budgeted as its target needs (None: the target's default)."""
        live = not is_emulator
        rps = (LIVE_MAX_RPS if live else 0.0) if max_rps is None else max_rps
        budget = (LIVE_MAX_REQUESTS if live else 0) if max_requests is None else max_requests
        return cls(url, max_rps=rps, max_requests=budget, **kw)

    def send(
        self, request: Request, *, paced: bool = True, credentials: Credentials | None = None
    ) -> Exchange:
        if isinstance(request.json, dict) and request.json.get("liveCode") == FRESH_LIVE_CODE:
            request = self._with_fresh_live_code(request, credentials)
        if request.api == "jd" and request.auth in (Auth(sign=How.STALE), Auth(sign=How.SAME_TS)):
            request = self._after_signed_one(request, credentials)
        exchange = super().send(request, paced=paced, credentials=credentials)
        self.by_operation[request.operation] += 1
        if exchange.answer is not None:
            self.codes.update(exchange.answer.code_keys)
            self.throttled += exchange.answer.throttled  # for harness.results.nothing_judged
        elif exchange.no_answer is not None:  # counted as conformance and load count it
            self.codes[no_answer_key(exchange.no_answer)] += 1
        return exchange

    def _with_fresh_live_code(self, request: Request, credentials: Credentials | None) -> Request:
        """/idno marks liveCode 是 (E-008): a request meant to be valid carries a code issued a
        moment ago, valid under every reading (one extra validateData call)."""
        op = self.contract.operation("liveCode")
        issue = Request("match", "liveCode", op.method.upper(), op.path, json={})
        code = live_code_of(self.send(issue, credentials=credentials))
        body = dict(request.json)
        if code is not None:
            body["liveCode"] = code
        else:
            del body["liveCode"]  # no code issued (reported by the property that asked for one)
        return dataclasses.replace(request, json=body)

    def _after_signed_one(self, request: Request, credentials: Credentials | None) -> Request:
        """A stale sign is one a service has seen (``bad_sign:stale``): the same request signed a
        second ago is sent first, with a serialNo of its own (随机唯一), and ``request`` reuses
        its sign with a timestamp 1 ms later, as conformance's FH-A15 does; a sign of its own
        timestamp (``bad_sign:samets``) is one made with another secret over the first's."""
        stamp = int(self.clock() * 1000) - 1000
        same = request.auth == Auth(sign=How.SAME_TS)
        earlier, later = (reused_timestamp if same else reused_sign)(stamp)
        first = fresh_serial(dataclasses.replace(request, auth=earlier), self.contract)
        self.send(first, credentials=credentials)
        return dataclasses.replace(request, auth=later)

    # --- emulator admin (loopback only; never used against a live URL) --------------------
    def admin(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """`/_emulator/...`; None when the endpoint is absent (not an emulator)."""
        content = json.dumps(body) if body is not None else None
        try:
            response = self.http.request(method, "/_emulator/" + path, content=content)
            data = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None
