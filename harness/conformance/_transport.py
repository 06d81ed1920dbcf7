"""Requests without an answer as findings of FH-H04 (a fault below HTTP is the target's as much as
a 5xx), and one total deadline per schemathesis request (requests times each socket read on its
own, so a target that drips its answer would hold the run for ever).
"""

from __future__ import annotations

import contextvars
import http.client
import logging
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import requests
import requests.adapters
import urllib3.response
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from harness.clients import (
    MAX_ANSWER_BYTES,
    MAX_HEAD_BYTES,
    AnswerTooLarge,
    Deadline,
    DeadlineExceeded,
    Exchange,
    Request,
    UndecodableBody,
    framing_too_large,
    head_too_large,
    no_answer_text,
    refused_chunk_line,
    refused_head,
)
from harness.clients._deadline import too_large_message
from harness.clients._decoding import decoded
from harness.contract import load_contract, no_answer_kind
from harness.contract._answer import _chain_text
from harness.redact import redact_text

from ._failures import CheckFailed
from ._registry import RULES, RuleContext

ANSWERED = "answered"
ANSWERED_RULE = "FH-H04"
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
"""What the target can cause below HTTP; other ``requests`` errors are the harness's own."""

_TIMEOUT = re.compile(r"timeout=([0-9.]+)")


class NoAnswer(Exception):
    """A probe's request got no answer; the probe stops, its request becomes a finding."""

    def __init__(self, raw: CheckFailed, kind: str = "connection") -> None:
        super().__init__(raw.message)
        self.raw, self.kind = raw, kind  # kind: a key of harness.clients.NO_ANSWER


def no_answer(
    exc: BaseException, request: Request, timeout_s: float | None, kind: str | None = None
) -> CheckFailed:
    """The finding for one request that ``exc`` left without an answer (``kind``: the sender's)."""
    kind = kind or no_answer_kind(exc)
    seconds = _TIMEOUT.search(_chain_text(exc))
    # schemathesis shortens the timeout for an operation that hangs
    limit = float(seconds.group(1)) if seconds else timeout_s
    detail = " ".join(redact_text(_detail(exc)).split())[:160]  # masked, then cut
    error = f"{no_answer_text(kind, limit)}\n{type(exc).__name__}: {detail}"
    entry = RULES.get(ANSWERED_RULE)
    try:  # the rule book's verdict (FH-H04), as fuzz asks it
        entry.fn(
            RuleContext(load_contract(), request.api, request.operation),
            Exchange(status=0, error=error, no_answer=kind, cause=exc),
            request,
        )
    except CheckFailed as failed:
        return failed.recorded(request.api, request.operation, request)
    raise AssertionError(f"{ANSWERED_RULE} passed a request without an answer")


def _detail(exc: BaseException) -> str:
    """The innermost reason, without the connection-pool prefix (its port changes by run)."""
    inner: Any = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", None) or inner
    args = getattr(inner, "args", ())
    text = args[0] if args and isinstance(args[0], str) else str(inner)
    return re.sub(r"HTTPS?ConnectionPool\([^)]*\):\s*", "", text)


# --- one deadline per request -----------------------------------------------------------------
class RequestDeadlineExceeded(DeadlineExceeded, requests.Timeout):
    """The answer began but did not complete within the request's deadline (kind ``deadline``)."""


class RequestAnswerTooLarge(AnswerTooLarge, requests.exceptions.ChunkedEncodingError):
    """The answer's body ran past ``MAX_ANSWER_BYTES`` (kind ``oversized body``)."""


class RequestUndecodableBody(UndecodableBody, requests.exceptions.ContentDecodingError):
    """The body is not what its ``Content-Encoding`` says (kind ``undecodable body``)."""


class _Guard:
    """One request's deadline: when it passes, the request's connection is shut down, which ends
    whatever socket operation the request is blocked in."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.fired = self.done = False
        self._conns: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(deadline.remaining(), self.fire)
        self._timer.daemon = True
        self._timer.start()

    def attach(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conns.append(conn)
            if self.fired:
                _shutdown(conn)

    def fire(self) -> None:
        with self._lock:  # never after `finish`: the connection may serve the next request by then
            if self.done:
                return
            self.fired = True
            for conn in self._conns:
                _shutdown(conn)

    def finish(self) -> None:
        self._timer.cancel()
        with self._lock:
            self.done = True


def _shutdown(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        # the plain socket's shutdown, also under TLS: it wakes a recv blocked in another thread
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


_GUARD: contextvars.ContextVar[_Guard | None] = contextvars.ContextVar(
    "faceharness_request_guard", default=None
)


class _HeadLimit:
    """The socket's reader while a head is read: past ``MAX_HEAD_BYTES`` it is no answer; the
    bytes read are kept for ``harness.clients.refused_head``."""

    def __init__(self, fp: Any) -> None:
        self._fp, self._left, self.head = fp, MAX_HEAD_BYTES, bytearray()

    def __getattr__(self, name: str) -> Any:  # close, ...
        return getattr(self._fp, name)

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self._fp.readline(limit)
        self._left -= len(line)
        if self._left < 0:
            raise http.client.HTTPException(head_too_large())
        self.head += line
        return line


class _TrailerLimit:
    """The socket's reader after the head, whose lines are a chunked body's framing: a chunk size
    line is read as the sender reads it (``refused_chunk_line``: urllib3 refused one over 64 KB
    and read sizes h11 refuses), and a trailer (the lines after the last, zero-size chunk) past
    ``MAX_HEAD_BYTES`` is no answer, as for the sender (urllib3 read any number of trailer lines:
    a 1 MB trailer was an answer here only)."""

    def __init__(self, fp: Any) -> None:
        self._fp, self._left = fp, -1

    def __getattr__(self, name: str) -> Any:  # read, close, peek, ...
        return getattr(self._fp, name)

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self._fp.readline(limit)
        if self._left >= 0:
            self._left -= len(line)
            if self._left < 0:
                raise http.client.HTTPException(framing_too_large())
            return line
        if line and (refused := refused_chunk_line(line)) is not None:
            raise http.client.HTTPException(f"{redact_text(refused):.120}")
        if line.partition(b";")[0].strip() == b"0":  # the last chunk: its trailer follows
            self._left = MAX_HEAD_BYTES
        return line


def _h11_version(version: str) -> str:
    """The version as h11 reads it: any ``HTTP/D.D``, 1.1's framing from 1.1 up and 1.0's below
    (http.client refused ``HTTP/2.0 200``, which the sender reads: a run's "no answer: reset" that
    its replay called fixed)."""
    if re.fullmatch(r"HTTP/[0-9]\.[0-9]", version) and not version.startswith("HTTP/1."):
        return "HTTP/1.1" if version >= "HTTP/1.1" else "HTTP/1.0"
    return version


class _Response(http.client.HTTPResponse):
    """An answer head read as the sender reads it: http.client refuses more than 100 header lines
    (an answer the sender reads was a run's "no answer: reset" that its replay called fixed);
    HTTP sets no limit (RFC 9110 5.4), so here the head's size decides, as it does for h11."""

    def _read_status(self) -> tuple[str, int, str]:
        """The final status: interim 1xx answers (102 Processing, 103 Early Hints) are skipped
        with their headers, as h11 does; http.client skips only 100 and took a 102 for the answer
        (status 102, no body) and left the real one to the next request on the connection."""
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 100 < status < 200 or status == 101:
                return _h11_version(version), status, reason
            http.client._read_headers(self.fp)  # type: ignore[attr-defined]

    def begin(self) -> None:
        fp = self.fp
        self.fp = reader = _HeadLimit(fp)  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            if self.fp is not None:  # None: http.client closed it
                self.fp = _TrailerLimit(fp)  # type: ignore[assignment]
        refused = refused_head(bytes(reader.head))
        if refused is not None:
            # masked whole, then cut: h11 quotes the header line, a credential echoed in it too
            raise http.client.HTTPException(f"{redact_text(refused):.120}")
        lengths = {
            v.strip() for f in self.headers.get_all("content-length") or [] for v in f.split(",")
        }
        if len(lengths) > 1 or any(
            not (v.isascii() and v.isdigit()) or len(v) > 20 for v in lengths
        ):
            # h11's rule: http.client read a negative one to the end of the connection
            raise http.client.HTTPException(f"bad Content-Length {sorted(lengths)!r:.60}")


class _Watched:
    response_class = _Response

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        guard = _GUARD.get()
        if guard is not None:
            guard.attach(self)  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> None:
        guard = _GUARD.get()
        if guard is not None and getattr(self, "sock", None) is not None:  # a kept-alive connection
            guard.attach(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]


class _Pool(HTTPConnectionPool):
    ConnectionCls = type("_Conn", (_Watched, HTTPConnection), {})


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = type("_TLSConn", (_Watched, HTTPSConnection), {})


def _seconds(timeout: Any) -> float:
    """The total budget a requests ``timeout`` argument stands for (a pair: its read part)."""
    if isinstance(timeout, tuple):
        timeout = timeout[-1]
    read = getattr(timeout, "read_timeout", timeout)  # urllib3's Timeout
    return float(read) if isinstance(read, int | float) and read > 0 else 60.0


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """Each request ends within its ``timeout`` in total, the answer's body read included (no
    answer begun in time: ``requests.ReadTimeout``, as requests' own)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        seconds = _seconds(timeout)
        guard = _Guard(Deadline(seconds))
        token = _GUARD.set(guard)
        try:
            try:
                response = super().send(
                    request,
                    stream=True,
                    timeout=(min(5.0, seconds), seconds),
                    verify=verify,
                    cert=cert,
                    proxies=proxies,
                )
            except requests.RequestException as exc:
                if guard.fired:
                    raise self._no_answer(request, seconds) from exc
                raise
            if guard.fired:  # headers cut short by the shutdown can still parse: not an answer
                response.close()
                raise self._no_answer(request, seconds)
            cut: requests.RequestException | None = None
            try:
                response._content = _read_capped(response, request)
            except requests.RequestException as exc:
                response.close()
                if not guard.fired:
                    raise
                cut = exc
            if guard.fired:  # a body cut, or read "to the end of the connection", by the shutdown
                message = guard.deadline.message()
                raise RequestDeadlineExceeded(message, request=request, response=response) from cut
            return response
        finally:
            guard.finish()
            _GUARD.reset(token)

    @staticmethod
    def _no_answer(request: requests.PreparedRequest, seconds: float) -> requests.ReadTimeout:
        """No answer began in time, shaped like requests' own (schemathesis parses its text)."""
        error = ReadTimeoutError(None, request.url, f"Read timed out. (read timeout={seconds:g})")  # type: ignore[arg-type]
        return requests.ReadTimeout(error, request=request)


def _read_capped(response: requests.Response, request: requests.PreparedRequest) -> bytes:
    """The body read as the sender reads it (:func:`harness.clients.decoded`: the raw bytes
    inflated a piece at a time, capped, a compressed stream cut short refused); requests'
    own errors for what the connection does."""
    try:
        return decoded(
            _raw_chunks(response),
            response.raw.headers.getlist("content-encoding"),
            MAX_ANSWER_BYTES,
        )
    except AnswerTooLarge:
        response.close()
        raise RequestAnswerTooLarge(
            too_large_message(), request=request, response=response
        ) from None
    except UndecodableBody as exc:
        raise RequestUndecodableBody(
            f"the body is not what its Content-Encoding says: {exc}",
            request=request,
            response=response,
        ) from None


def _raw_chunks(response: requests.Response) -> Iterator[bytes]:
    """The body's bytes as they came (its transfer coding undone), with requests' errors."""
    try:
        yield from response.raw.stream(64 * 1024, decode_content=False)
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except ReadTimeoutError as exc:
        raise requests.ConnectionError(exc) from exc


def _quiet_header_warnings(record: logging.LogRecord) -> bool:
    """urllib3 logs headers it cannot parse with a traceback; the request's outcome says it."""
    return not str(record.msg).startswith("Failed to parse headers")


def mount_deadline(session: requests.Session) -> requests.Session:
    """Give ``session`` a total deadline per request (its ``timeout`` argument)."""
    # a line is at least a byte: _Response's limit on the head's size decides, not this count
    http.client._MAXHEADERS = max(http.client._MAXHEADERS, MAX_HEAD_BYTES)  # type: ignore[attr-defined]
    # nor a line's: http.client refused a status line or header over 64 KB that h11 reads
    http.client._MAXLINE = max(http.client._MAXLINE, MAX_HEAD_BYTES)  # type: ignore[attr-defined]
    # nor a chunk size line's (urllib3's 64 KB): refused_chunk_line judges it, as h11 does
    urllib3.response._MAX_CHUNK_LINE_LENGTH = max(
        urllib3.response._MAX_CHUNK_LINE_LENGTH, MAX_HEAD_BYTES + 2
    )
    pool_log = logging.getLogger("urllib3.connectionpool")
    if _quiet_header_warnings not in pool_log.filters:
        pool_log.addFilter(_quiet_header_warnings)
    # a redirect is the answer, as the sender reads it: followed, it was more requests than the
    # budget counted (30 for a loop), and any other host is not the target
    session.get_redirect_target = lambda response: None  # type: ignore[assignment,method-assign]
    adapter = DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def install_in_schemathesis() -> None:
    """Every requests session schemathesis' engine makes gets deadlines (it offers no setting:
    ``context.make_session`` is wrapped)."""
    from schemathesis.engine import context

    made = context.make_session
    if getattr(made, "faceharness_deadline", False):
        return

    def make_session(*args: Any, **kwargs: Any) -> requests.Session:
        return mount_deadline(made(*args, **kwargs))

    make_session.faceharness_deadline = True  # type: ignore[attr-defined]
    context.make_session = make_session
