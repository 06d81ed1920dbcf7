"""Sending fuzz requests: credentials filled in at the last moment, paced, counted, bounded.

Live targets are protected by a rate (``max_rps``, default 5 for URLs) and a request
budget; when either the budget or the time limit runs out the client raises
:class:`harness.pacing.BudgetExhausted` and the run stops cleanly.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, Self

import httpx

from harness.clients import Credentials, http_client, no_answer_text
from harness.contract import jd_sign, no_answer_kind
from harness.errors import UsageError
from harness.pacing import Budget, Pacer

from ._request import Exchange, FuzzRequest

BAD_TOKEN = "faceharness-fuzz-not-a-token"
FRESH_LIVE_CODE = (
    "$fresh-liveCode"  # replaced at send time by a code validateData just issued (E-008)
)
WRONG_APPKEY = "faceharnessfuzzwrongappkey"


DEFAULT_TIMEOUT_S = 30.0
"""Client timeout of a fuzz request when the run names none (``--timeout``)."""


class FuzzClient:
    """One HTTP client per run: sends :class:`FuzzRequest` objects and records what came back.

    Args:
        base_url: the target (emulator URL or a live base URL).
        credentials: token and JD appkey/secretkey; never written anywhere.
        max_rps: pacing (0: unlimited).
        max_requests: budget of requests (0: unlimited).
        max_seconds: wall-time budget (0: unlimited).
        timeout_s: the total deadline of every request; a request without an answer in time (or
            whose connection breaks) comes back as an :class:`Exchange` with ``error`` set.
        transport: an httpx transport (tests pass ``httpx.MockTransport``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Credentials,
        max_rps: float = 0.0,
        max_requests: int = 0,
        max_seconds: float = 0.0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self.pacer = Pacer(max_rps)
        self.budget = Budget(max_requests, max_seconds)
        self.budget.started = self.budget.clock()  # the run's time runs from its client
        self.clock = clock
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise UsageError(
                f"request timeout {timeout_s} s: expected a positive number of seconds"
            )
        self.timeout_s = timeout_s
        self.http = http_client(base_url=self.base_url, timeout=timeout_s, transport=transport)
        self.sent = 0
        self.reconnects = 0  # requests sent again after a connection failed before any answer
        self.by_operation: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.trace_nos: set[str] = set()  # every traceNo answered in this run
        self.consecutive_failures = 0

    def __repr__(self) -> str:
        return f"FuzzClient({self.base_url}, sent={self.sent})"

    def secrets(self) -> list[str]:
        return self._credentials.secrets()

    # --- budget ------------------------------------------------------------------------
    def remaining(self) -> int | None:
        return self.budget.requests_left()

    def _charge(self) -> None:
        self.budget.check()  # also Ctrl-C / SIGTERM, when the run is in a gate's thread

    # --- auth ----------------------------------------------------------------------------
    def _auth(
        self, request: FuzzRequest, credentials: Credentials
    ) -> tuple[dict[str, str], dict[str, str], int]:
        """(headers, query, timestamp sent) for the request's auth mode; secrets only here."""
        mode, _, variant = request.auth.partition(":")
        headers: dict[str, str] = {"Content-Type": "application/json"}
        if request.api == "match":
            if mode == "token":
                headers["Authorization"] = credentials.require_token()
            elif mode == "bad_token":
                headers["Authorization"] = BAD_TOKEN
            return headers, dict(request.query), 0
        appkey, secret = credentials.require_jd()
        now = int(self.clock() * 1000)
        ts = now
        if mode == "signed" and variant:
            ts = now + int(variant)
        elif mode == "expired_timestamp":
            ts = now - int(variant)
        elif mode == "future_timestamp":
            ts = now + int(variant)
        ts_text = str(ts)
        if mode == "malformed_timestamp":
            ts_text = variant
        elif mode == "no_timestamp":
            ts_text = ""
        query: dict[str, str] = {
            "appkey": WRONG_APPKEY if mode == "wrong_appkey" else appkey,
            "timestamp": ts_text,
            "sign": jd_sign(secret, ts_text),
        }
        if mode == "bad_sign":
            query["sign"] = {
                "other": jd_sign(secret + "x", ts_text),
                "upper": query["sign"].upper(),
                "swapped": hashlib.md5(f"{ts_text}{secret}".encode()).hexdigest(),
                "tsonly": hashlib.md5(ts_text.encode()).hexdigest(),
            }[variant or "other"]
        if mode == "no_appkey":
            del query["appkey"]
        if mode == "no_timestamp" and variant != "empty":
            del query["timestamp"]
        if mode == "no_sign":
            if variant == "empty":
                query["sign"] = ""
            else:
                del query["sign"]
        return headers, {**request.query, **query}, ts

    # --- sending -------------------------------------------------------------------------
    def send(
        self, request: FuzzRequest, *, paced: bool = True, credentials: Credentials | None = None
    ) -> Exchange:
        """Send one request; ``credentials`` overrides the run's (a second appkey), ``paced=False``
        is for bursts that must exceed a rate on purpose (the emulator only)."""
        if isinstance(request.json, dict) and request.json.get("liveCode") == FRESH_LIVE_CODE:
            request = self._with_fresh_live_code(request, credentials)
        self._charge()
        if paced:
            self.pacer.wait()
        headers, query, _ = self._auth(request, credentials or self._credentials)
        body = request.body_bytes()
        self.sent += 1
        self.budget.spend()
        self.by_operation[request.operation] += 1
        sent_at = int(self.clock() * 1000)
        start = time.perf_counter()
        try:
            response = self._request_once_more(
                request.method, request.path, params=query, content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            return self._unanswered(exc, begun=False, start=start, sent_at=sent_at)
        try:
            response.read()
        except httpx.HTTPError as exc:
            return self._unanswered(exc, begun=True, start=start, sent_at=sent_at)
        finally:
            response.close()
        self.consecutive_failures = 0
        elapsed = time.perf_counter() - start
        parsed: Any = None
        try:
            parsed = response.json()
        except (ValueError, UnicodeDecodeError):
            parsed = None
        exchange = Exchange(
            status=response.status_code,
            content_type=response.headers.get("content-type", ""),
            body=parsed,
            text=response.text[:500] if parsed is None else "",
            elapsed_s=elapsed,
            sent_at_ms=sent_at,
        )
        self._count(request, exchange)
        return exchange

    def _request_once_more(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """The answer's status and headers (its body is read by the caller).

        A kept-alive connection the server closed (typically right after a 5xx) fails the next
        request before it is sent; that one is retried once, and counted (``reconnects`` in the
        run's metrics: a target that drops connections before answering shows there). A timeout
        is never retried, and neither is an answer that began and was then cut off (the caller
        reads the body after this returns).
        """
        request = self.http.build_request(method, path, **kw)
        try:
            return self.http.send(request, stream=True)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.ConnectError):
            self.reconnects += 1
            return self.http.send(request, stream=True)

    def _unanswered(
        self, exc: httpx.HTTPError, *, begun: bool, start: float, sent_at: int
    ) -> Exchange:
        self.consecutive_failures += 1
        kind = no_answer_kind(exc, begun=begun)
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
        return Exchange(
            status=0,
            error=f"{no_answer_text(kind, self.timeout_s)} ({detail})",
            elapsed_s=time.perf_counter() - start,
            sent_at_ms=sent_at,
            no_answer=kind,
        )

    def _count(self, request: FuzzRequest, exchange: Exchange) -> None:
        body = exchange.body if isinstance(exchange.body, dict) else {}
        if request.api == "match":
            self.codes[f"match:{body.get('errcode', f'http{exchange.status}')}"] += 1
        else:
            code = body.get("code", f"http{exchange.status}")
            result = body.get("result") if isinstance(body.get("result"), dict) else None
            self.codes[f"jd:{code}" + (f"/{result.get('code')}" if result else "")] += 1

    # --- emulator admin (loopback only; never used against a live URL) --------------------
    def _with_fresh_live_code(
        self, request: FuzzRequest, credentials: Credentials | None
    ) -> FuzzRequest:
        """/idno marks liveCode 是 (E-008): a request meant to be valid carries a code issued a moment ago,
        valid under every reading (one extra validateData call)."""
        import dataclasses

        issue = FuzzRequest(
            api="match",
            operation="liveCode",
            method="POST",
            path="/tech/ai/face/match/validateData",
            json={},
        )
        answer = self.send(issue, credentials=credentials)
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        result = data.get("result") if isinstance(data, dict) else None
        code = result.get("code") if isinstance(result, dict) else None
        body = dict(request.json)
        if isinstance(code, str):
            body["liveCode"] = code
        else:
            del body["liveCode"]  # no code issued (reported by the property that asked for one)
        return dataclasses.replace(request, json=body)

    def admin(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """`/_emulator/...`; None when the endpoint is absent (not an emulator)."""
        try:
            response = self.http.request(
                method, "/_emulator/" + path, content=json.dumps(body) if body is not None else None
            )
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
