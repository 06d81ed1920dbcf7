"""The one HTTP layer (httpx), its typed errors, and the clients of both APIs over it (the
internal API's raw token, ERRATA E-016; JD's every request freshly signed)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Self, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from pydantic import BaseModel, ValidationError

from harness.config import Credentials
from harness.contract import (
    Answer,
    CompareResponse,
    Contract,
    LiveCodeResponse,
    MatchResponse,
    load_contract,
    no_answer_kind,
)
from harness.errors import TargetError
from harness.pacing import Budget, Pacer
from harness.redact import redact_text, redacted_excerpt

from ._build import Source, compare_body, idno_body, match_body
from ._clock import ServiceClock
from ._deadline import (
    DEFAULT_TIMEOUT_S,
    AnswerTooLarge,
    DeadlineExceeded,
    http_client,
    read_capped,
    too_large_message,
)
from ._head import refusal_text
from ._request import Exchange, Request

REFUSALS = frozenset({"auth", "quota", "input", "image_quality", "liveness", "business"})


class ApiError(Exception):
    """A refusal by code; ``category`` is its ``codes.yaml`` category, else ``internal``."""

    def __init__(self, answer: Answer) -> None:
        self.answer, self.code, self.meaning, self.retryable = (
            answer, answer.code, answer.meaning, answer.retryable
        )  # fmt: skip
        self.category = answer.category if answer.category in REFUSALS else "internal"
        text = answer.meaning.en if answer.meaning else "not in the code table"
        super().__init__(
            f"{answer.api} {answer.where} code {answer.code_text}: {text} "
            f"(service said: {answer.message or ''})"
        )


_M = TypeVar("_M", bound=BaseModel)


class TransportFailure(TargetError):
    """No usable answer at all; the CLI maps it to exit 2 like any unreachable target."""


# Why a request got no answer, by kind: the suites' vocabulary for ``answered`` findings.
NO_ANSWER: dict[str, str] = {
    "timeout": "nothing within {timeout}",
    "deadline": "the answer began, then did not complete within {timeout}",
    "reset": "the connection was reset before an answer began",
    "cut-off body": "the answer began, then the connection closed before its body was complete",
    "undecodable body": "the body could not be decoded as its Content-Encoding says",
    "oversized body": too_large_message(),
    "connection": "no connection to the target",
}


def no_answer_text(kind: str, timeout_s: float | None) -> str:
    """``"<kind>, <what happened>"``: one line per kind, so findings merge."""
    limit = f"the {timeout_s:g} s client timeout" if timeout_s else "the client timeout"
    return f"{kind}, {NO_ANSWER[kind].format(timeout=limit)}"


def redacted_line(text: str, secrets: list[str]) -> str:
    """An HTTP stack's error as one line without the run's secrets: it may quote what a target
    sent, and a hostile target can echo the request's credentials into its status line."""
    return " ".join(redact_text(text, secrets).split())


def check_reachable(url: str, timeout_s: float = 5.0, secrets: Iterable[str] = ()) -> None:
    """A request to the base URL: any HTTP answer will do; none means the run cannot start. A
    silence is asked once more: a target that leaves some requests unanswered is measured, not
    refused (the preflight's own timeout asks here too, so one check alone could meet the hang).
    Its line goes through the one redaction with ``secrets``: asked after requests that carried
    them (the preflight's), a hostile target quotes them in the status line it answers."""
    for attempt in (1, 2):
        try:
            with http_client(timeout=timeout_s) as client, client.stream("GET", url):
                return  # the status line is the answer; its body may be anything
        except httpx.ReadTimeout:  # connected: something took it and said nothing
            if attempt == 2:
                why = (
                    f"accepted the connection, then sent no answer within {timeout_s:g} s, twice "
                    "(is the service up behind it?)"
                )
                raise TargetError(redacted_line(f"target {url} {why}", list(secrets))) from None
        except httpx.HTTPError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if isinstance(exc, httpx.RemoteProtocolError):  # it answered, but not in HTTP
                why = malformed_why(reason)
            else:
                why = unreachable_why(exc, reason)
            raise TargetError(redacted_line(f"target {url} {why}", list(secrets))) from None


def malformed_why(reason: str) -> str:
    """Why no answer when the target answered in something that is not HTTP (a Content-Length of
    40 leading zeros, a status line of another protocol): every command words it alike (session
    25: ``call`` said ``RemoteProtocolError: bad Content-Length`` where the others said this)."""
    return f"answered with malformed HTTP: {refusal_text(reason)}"


def redirect_why(
    base_url: str, path: str, status: int, headers: Mapping[str, str], secrets: list[str]
) -> str | None:
    """``"with HTTP 307, a redirect to URL: ..."`` when ``path``'s answer is a redirect (a 3xx
    with a ``Location``), else None: every command words it alike and follows none (session 27:
    ``call`` said "a body that is not JSON", and a Location httpx cannot parse, such as
    ``0313.0.113.7``, was "malformed HTTP"). The place shown has no query (a sign); a place
    that ends with the path asked is a moved base, named as the ``--target`` to use."""
    location = next((v for k, v in headers.items() if k.lower() == "location"), "").strip()
    if not (300 <= status < 400 and location):
        return None
    try:
        moved = urlsplit(urljoin(base_url.rstrip("/") + path, location))
    except ValueError:  # review of session 27: "http://[::1" ended every command (internal error)
        return (
            f"with HTTP {status}, a redirect to a Location that is not a URL "
            f"({redacted_line(location, secrets)[:200]}): faceharness follows no redirect"
        )
    shown = redacted_line(urlunsplit((*moved[:3], "", "")), secrets)[:200]
    why = (
        f"with HTTP {status}, a redirect to {shown}: faceharness follows no redirect (the "
        f"credentials go to the target only)"
    )
    if moved.path.endswith(path) and moved.scheme in ("http", "https"):
        base = urlunsplit((moved.scheme, moved.netloc, moved.path[: -len(path)], "", ""))
        why += f"; if the service moved there, run with --target {redacted_line(base, secrets)}"
    return why


def unreachable_why(exc: BaseException, reason: str) -> str:
    """Why no connection: a TLS handshake that failed on a target that answered (an https:// URL
    of a plain HTTP port), which every command words alike (session 23: the preflight and call
    said "unreachable" or "cannot connect"), else unreachable."""
    if _caused_by(exc, ssl.SSLError):  # it answered, but not in TLS
        return f"answered, but its TLS handshake failed (is it an http:// port?): {reason}"
    return f"is unreachable: {reason}"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is in the chain of exceptions ``exc`` was raised from (httpx wraps
    httpcore's, which wraps the socket's)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None or isinstance(seen, kind):
            return seen is not None
        seen = seen.__cause__ or seen.__context__
    return False


class Sender:
    """One httpx client per run: sends :class:`Request` objects, returns :class:`Exchange` records
    (a request without an answer too, with ``error`` set). ``budget``: the run's, shared with what
    else spends it; else one of ``max_requests`` and ``max_seconds`` (0: unlimited).
    """

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Credentials,
        contract: Contract | None = None,
        max_rps: float = 0.0,
        max_requests: int = 0,
        max_seconds: float = 0.0,
        budget: Budget | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self.contract = contract or load_contract()
        if budget is None:
            budget = Budget(max_requests, max_seconds)
            budget.started = budget.clock()  # the run's time runs from its sender
        self.pacer = Pacer(max_rps, budget=budget)
        self.budget, self.clock, self.timeout_s = budget, clock, timeout_s
        self.http = http_client(base_url=self.base_url, timeout=timeout_s, transport=transport)
        # E-019: the service's clock, from its answers
        self.service_clock = ServiceClock(self.contract.jd_timestamp_window_ms)
        self.sent = 0
        self.reconnects = 0  # requests sent again after a connection failed before any answer

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url}, sent={self.sent})"

    @property
    def credentials(self) -> Credentials:
        """The run's credentials (a request made elsewhere may name them, never read them)."""
        return self._credentials

    def send(
        self, request: Request, *, paced: bool = True, credentials: Credentials | None = None
    ) -> Exchange:
        """Send one request (``paced=False``: a burst that must exceed a rate on purpose)."""
        self.budget.check()  # also Ctrl-C / SIGTERM, when the run is in a gate's thread
        if paced:
            self.pacer.wait()
        credentials = credentials or self._credentials
        sent_ms = self.clock() * 1000
        headers, query = request.auth.apply(
            request.api,
            credentials,
            now_ms=int(sent_ms),
            window_ms=self.contract.jd_timestamp_window_ms,
            service_offset_ms=self.service_clock.trusted_offset(),
        )
        self.sent += 1
        self.budget.spend()
        start = time.perf_counter()
        try:
            response = self._request_once_more(
                request.method,
                request.path,
                params={**request.query, **query},
                content=request.body_bytes(),
                headers={"Content-Type": "application/json", **request.headers, **headers},
            )
        except httpx.HTTPError as exc:
            return self._unanswered(exc, begun=False, start=start, secrets=credentials.secrets())
        try:
            content = read_capped(response)
        except httpx.HTTPError as exc:
            return self._unanswered(exc, begun=True, start=start, secrets=credentials.secrets())
        finally:
            response.close()
        elapsed_s = time.perf_counter() - start
        exchange = Exchange.read(
            self.contract,
            request.api,
            response.status_code,
            dict(response.headers.items()),  # one pass: a lookup per name is quadratic
            content,
            elapsed_s=elapsed_s,
        )
        if request.api == "jd":  # E-019: its answer against the send's time, on the send's clock
            self.service_clock.observe(
                exchange.answer, sent_ms, sent_ms + elapsed_s * 1000, exchange.headers
            )
        return exchange

    def _request_once_more(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """The answer's status and headers; a kept-alive connection the server closed (nothing
        refused in what it sent) is tried once more (``reconnects``). A retry after the request
        was written may have reached a service that charges for it: it is spent from the budget.
        A timeout is never retried.
        """
        request = self.http.build_request(method, path, **kw)
        try:
            return self.http.send(request, stream=True)
        except (httpx.ConnectError, httpx.WriteError):
            pass
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            # hostile session 28: an answer h11 refuses (a bad Content-Length, TLS bytes) is the
            # service's answer, not a closed connection: sent again, the next answer hid it (and
            # a JD comparison was billed twice)
            answered = isinstance(exc, httpx.RemoteProtocolError) and not str(exc).startswith(
                "Server disconnected"
            )
            if answered or not self.budget.allows():
                raise
            self.budget.spend()
        self.reconnects += 1
        return self.http.send(request, stream=True)

    def _unanswered(
        self, exc: httpx.HTTPError, *, begun: bool, start: float, secrets: list[str]
    ) -> Exchange:
        kind = no_answer_kind(exc, begun=begun)
        detail = redacted_line(f"{type(exc).__name__}: {exc}", secrets)[:160]
        return Exchange(
            status=0,
            error=f"{no_answer_text(kind, self.timeout_s)} ({detail})",
            elapsed_s=time.perf_counter() - start,
            no_answer=kind,
            cause=exc,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Client(Sender):
    """What both clients share: a sender of their API's operations, and whether a refusal raises."""

    api = ""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        raise_for_code: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(base_url, credentials=credentials, timeout_s=timeout, **options)
        self.raise_for_code = raise_for_code

    def post(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """The envelope ``operation`` answers ``body`` with (a TransportFailure when none)."""
        return self.envelope(self.ask(operation, body), operation)

    def ask(self, operation: str, body: dict[str, Any]) -> Exchange:
        """What ``operation`` answered ``body`` with, not yet read as an envelope: a caller that
        backs off when throttled (E-045) sees the status and headers first."""
        op = self.contract.operation(operation)
        return self.send(Request(self.api, operation, op.method.upper(), op.path, json=body))

    def envelope(self, exchange: Exchange, operation: str) -> dict[str, Any]:
        """The envelope of ``operation``'s ``exchange`` (a TransportFailure when none)."""
        op = self.contract.operation(operation)
        where = f"{op.method.upper()} {op.path}"
        exc = exchange.cause
        said = "" if exc is None else redacted_line(str(exc), self._credentials.secrets())
        if isinstance(exc, DeadlineExceeded | AnswerTooLarge):
            raise TransportFailure(f"{self.base_url}: {exc}")
        if isinstance(exc, httpx.TimeoutException):
            raise TransportFailure(
                f"{self.base_url}: no answer within the {self.timeout_s:g} s timeout "
                f"({type(exc).__name__})"
            )
        if isinstance(exc, httpx.ConnectError):
            if _caused_by(exc, ssl.SSLError):
                raise TransportFailure(f"{self.base_url} {unreachable_why(exc, said)}")
            raise TransportFailure(f"{self.base_url}: cannot connect ({said})")
        # h11's refusals and httpcore's own (a close without an answer, a Location httpx cannot
        # read: hostile session 26's accept_close, redirect_octal), as every command words them
        if isinstance(exc, httpx.RemoteProtocolError):
            line = said.splitlines()[0] if said else type(exc).__name__
            raise TransportFailure(f"target {self.base_url} {malformed_why(line)}")
        if exc is not None:
            raise TransportFailure(f"{self.base_url}: {type(exc).__name__}: {said}")
        if exchange.status >= 500:
            raise TransportFailure(f"{where}: HTTP {exchange.status} from the service")
        moved = redirect_why(
            self.base_url, op.path, exchange.status, exchange.headers, self._credentials.secrets()
        )
        if moved:
            raise TransportFailure(f"{self.base_url} answers {where} {moved}")
        if exchange.body is None and exchange.content.strip() != b"null":  # null is JSON
            snippet = redacted_excerpt(exchange.content, 60)
            raise TransportFailure(
                f"{where}: HTTP {exchange.status} with a body that is not JSON ({snippet!r})"
            )
        if not isinstance(exchange.body, dict):
            raise TransportFailure(
                f"{where}: HTTP {exchange.status} with JSON that is not an object"
            )
        answer = exchange.answer  # "not the same person" and E-039's failed status are results
        if self.raise_for_code and answer and answer.refused and answer.where != "status":
            raise ApiError(answer)
        return exchange.body

    def _compared(self, model: type[_M], operation: str, body: dict[str, Any]) -> _M:
        """The comparison ``operation`` answered ``body`` with, as ``model``; a score the answer
        carries but nobody can use (off the API's documented scale, ``Contract.score_ranges``,
        or no number) is a TransportFailure, one line, as for an answer that does not fit."""
        exchange = self.ask(operation, body)
        fitted = self._fit(model, operation, self.envelope(exchange, operation))
        answer = exchange.answer
        if answer is not None and answer.score is None and answer.score_sent:
            op = self.contract.operation(operation)
            low, high = self.contract.score_ranges[self.api]
            sent = answer.sent_score
            what = "off" if answer.score_off_scale else "not a number on"
            raise TransportFailure(
                f"{op.method.upper()} {op.path}: the answer's score {str(sent)[:40]!r} is {what} "
                f"the documented scale {low:g}..{high:g}: no usable comparison"
            )
        return fitted

    def _fit(self, model: type[_M], operation: str, body: dict[str, Any]) -> _M:
        """The envelope as ``model``; a value of another type than the documents say (a score
        sent as a number, NaN) is a TransportFailure, one line."""
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            error = exc.errors()[0]
            at = ".".join(str(part) for part in error["loc"])
            op = self.contract.operation(operation)
            raise TransportFailure(
                f"{op.method.upper()} {op.path}: the answer does not fit {model.__name__} "
                f"({at}: {error['msg']})"
            ) from None


class FaceMatchClient(_Client):
    api = "match"

    def __init__(self, base_url: str, *, token: str, **options: Any) -> None:
        super().__init__(base_url, Credentials(token=token), **options)

    def match(self, image: Source, face: Source, **kw: Any) -> MatchResponse:
        body = match_body(self.contract, image, face, **kw)
        return self._compared(MatchResponse, "match", body)

    def idno(self, id_num: str, name: str, face: Source, **kw: Any) -> MatchResponse:
        body = idno_body(self.contract, id_num, name, face, **kw)
        return self._compared(MatchResponse, "matchIdno", body)

    def live_code(self) -> str:
        parsed = self._fit(LiveCodeResponse, "liveCode", self.post("liveCode", {}))
        if parsed.data is None or parsed.data.result is None:
            raise TransportFailure("validateData answered success without data.result.code")
        return parsed.data.result.code


class JdFaceCompareClient(_Client):
    """JD faceCompareNew. A "not the same person" answer (1155) is a result, not an error."""

    api = "jd"

    def __init__(self, base_url: str, *, appkey: str, secretkey: str, **options: Any) -> None:
        super().__init__(base_url, Credentials(jd_appkey=appkey, jd_secretkey=secretkey), **options)

    def compare(
        self, compare_image: Source, collection: Sequence[Source], **kw: Any
    ) -> CompareResponse:
        body = compare_body(self.contract, compare_image, collection, **kw)
        return self._compared(CompareResponse, "faceCompareNew", body)


def client_for(
    api: str, base_url: str, credentials: Credentials, **kw: Any
) -> FaceMatchClient | JdFaceCompareClient:
    """The client of ``api`` (a credential it needs missing: an error before anything is sent)."""
    if api == "match":
        return FaceMatchClient(base_url, token=credentials.require_token(), **kw)
    appkey, secret = credentials.require_jd()
    return JdFaceCompareClient(base_url, appkey=appkey, secretkey=secret, **kw)
