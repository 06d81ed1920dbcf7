"""Sending a prepared request on a Locust user's own connection pool, below its session.

Locust's session wrapping and geventhttpclient's per-call header merging were a measurable
share of the generator's CPU (``benchmarks/bench_load.py``), so a request head is built by
geventhttpclient once per distinct (method, path, headers, body length) and kept (the query
string, renewed per request by a signed API, is spliced in), and idle keep-alive connections
are a plain list. Connecting, response parsing and retries stay geventhttpclient's. The whole
request runs under one deadline of the user's ``network_timeout``, so a target that drips its
answer cannot hold a user. Runs only inside Locust (gevent-patched).
"""

from __future__ import annotations

import contextlib
import errno
import time
from collections.abc import Callable
from typing import Any, cast

import gevent
from gevent.monkey import get_original
from geventhttpclient.response import HTTPConnectionClosed, HTTPParseError, HTTPSocketPoolResponse
from geventhttpclient.url import URL
from greenlet import getcurrent

from harness.clients import (
    MAX_ANSWER_BYTES,
    MAX_HEAD_BYTES,
    AnswerTooLarge,
    CutOffBody,
    HeadReader,
    HeadRefused,
    UndecodableBody,
    decoded,
    framing_too_large,
    head_too_large,
    retry_after_s,
)
from harness.contract import declared_charset
from harness.loadgen.result import PreparedRequest, merge_stated, stated_limit
from harness.loadgen.scenarios import api_of
from harness.redact import redact_text

_select = get_original("select", "select")  # the blocking module's: a zero-timeout check only
READ_BLOCK = 64 * 1024
MAX_HEADS = 1024  # cached request heads per host (a scenario uses a handful)


def loop_time_now(**_kw: Any) -> None:
    """Locust's ``init`` hook: bring libev's cached loop time up to now. Locust starts its
    ``--run-time`` timer (``gevent.spawn_later``) on that cached time, which stands still from
    gevent's first switch to the hub through the locustfile's imports: a plain ``-t 8s`` run
    whose imports took 6 s on a loaded machine ended 2 s after its users started, having sent
    nothing (a harness master's backstop lost as much)."""
    gevent.get_hub().loop.update_now()


class RequestDeadline(TimeoutError):
    """The whole request did not end within its deadline (classified as a timeout)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within the {seconds:g} s request deadline")


def request_deadline(seconds: float | None) -> Any:
    """A ``gevent.Timeout`` for one whole request (a no-op for ``None``): geventhttpclient's own
    timeouts are per socket operation, so an answer dripped byte by byte would never time out."""
    return gevent.Timeout(seconds or None, RequestDeadline(seconds) if seconds else None)


class _Deadlines:
    """Whole-request deadlines of one process, checked by one repeating hub timer every ``TICK_S``
    (a timer per request was a measurable share of the generator's CPU); expiry throws
    :class:`RequestDeadline` into the request's greenlet from the hub, as ``gevent.Timeout``
    does."""

    TICK_S = 0.05
    # the sockets carry no timeout, so a user without ``network_timeout`` still gets one:
    # Locust FastHttpUser's default
    DEFAULT_S = 60.0

    def __init__(self) -> None:
        self.due: dict[Any, tuple[float, float]] = {}  # greenlet -> (deadline, its seconds)
        self.timer: Any = None

    def arm(self, seconds: float | None) -> Any:
        """Start the current greenlet's deadline; pass what this returns to :meth:`disarm`."""
        seconds = seconds or self.DEFAULT_S
        current = getcurrent()
        self.due[current] = (time.perf_counter() + seconds, seconds)
        if self.timer is None:
            self.timer = gevent.get_hub().loop.timer(self.TICK_S, self.TICK_S, ref=False)
            self.timer.start(self._check)
        return current

    def disarm(self, token: Any) -> None:
        if token is not None:
            self.due.pop(token, None)

    def _check(self) -> None:
        if not self.due:  # nothing running: no timer until the next request
            self.timer.close()
            self.timer = None
            return
        now = time.perf_counter()
        for current, (deadline, seconds) in [(g, d) for g, d in self.due.items() if d[0] <= now]:
            if self.due.get(current, (None,))[0] == deadline and not current.dead:
                del self.due[current]
                with contextlib.suppress(Exception):  # the request handles it; nothing reaches here
                    current.throw(RequestDeadline(seconds))


class _Host:
    """One target host's client (Locust's, from the user's pool), its request heads and its idle
    keep-alive connections (the ``pool`` geventhttpclient's responses hand them back to)."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.connector = client._connection_pool  # connects: address, TLS, proxy
        self.size = self.connector.size
        self.idle: list[Any] = []
        self.gather = not client.ssl  # TLS sockets have no sendmsg: one sendall(head + body)
        self.heads: dict[tuple[Any, ...], tuple[str, str, bytes]] = {}
        self.owner: Any = None  # the user's client pool this host's client came from

    def get_socket(self) -> Any:
        return self.idle_socket() or self.new_socket()

    def idle_socket(self) -> Any:
        """An idle keep-alive connection still open (one that reads as ready was closed or holds
        stray bytes: dropped, as geventhttpclient's pool does), else None."""
        idle = self.idle
        while idle:
            sock = idle.pop()
            try:
                if sock.fileno() >= 0 and not _select([sock], (), (), 0.0)[0]:
                    return sock
            except (OSError, ValueError):
                pass
            sock.close()
        return None

    def new_socket(self) -> Any:
        sock = self.connector._create_socket()
        sock.settimeout(None)  # the whole-request deadline bounds every wait
        return sock

    def return_socket(self, sock: Any) -> None:
        self.idle.append(sock)

    def release_socket(self, sock: Any) -> None:
        with contextlib.suppress(Exception):
            sock.close()

    def head(self, req: PreparedRequest) -> bytes:
        """``METHOD target HTTP/1.1`` and the headers, as geventhttpclient builds them."""
        key = (req.method, req.path, len(req.body), *req.headers.items())
        parts = self.heads.get(key)
        if parts is None:
            if len(self.heads) >= MAX_HEADS:
                self.heads.clear()
            text = self.client._build_request(  # validates the method, target and headers
                req.method,
                self.prefix + req.path,
                body=req.body,
                headers=req.headers,
                chunked=False,
            )
            line_end = text.index(" " + self.client.version + "\r\n")
            parts = self.heads[key] = (text[:line_end], text[line_end:], text.encode("latin-1"))
        if not req.query:
            return parts[2]
        query = req.url_path()[len(req.path) :]  # urlencoded: nothing left to validate
        return (parts[0] + query + parts[1]).encode("latin-1")


class Transport:
    """Sends to the user's host (Locust's ``--host``); ``send`` returns ``(status, body,
    charset)`` (the charset its Content-Type declares, E-071) or raises the transport's exception
    (refused, reset, timeout ...)."""

    def __init__(self) -> None:
        self._hosts: dict[tuple[int, str], _Host] = {}
        self._deadlines = _Deadlines()
        # the longest Retry-After a refusal asked for (RFC 9110 10.2.3): a limit search waits
        # it out before its next step
        self.retry_after_s: float | None = None
        # answers whose head was past MAX_HEAD_BYTES: a target that answered, not an unreachable one
        self.heads_too_large = 0
        # why the last answer head the sender's parser refuses was refused (a Content-Length of
        # "+5", ...): a target that answered in malformed HTTP, not an unreachable one
        self.head_refused: str | None = None
        # the limit the answers state in RateLimit-* / X-RateLimit-* fields (:func:`stated_limit`):
        # evidence beside what the load measures, never required
        self.stated: list[dict[str, Any]] | None = None
        # requests sent again after a kept-alive connection closed with no byte of answer (the
        # sender's ``reconnects``); ``may_resend`` claims the run's request budget for each
        self.reconnects = 0
        self.may_resend: Callable[[], bool] = lambda: True

    def _host(self, user: Any) -> _Host:
        pool = user.client.client.clientpool
        key = (id(pool), user.host)
        host = self._hosts.get(key)
        if host is None:
            url = URL(user.host)
            host = self._hosts[key] = _Host(pool.get_client(url), (url.path or "").rstrip("/"))
            host.owner = pool  # kept alive, so its id is never another user's pool
        return host

    def warm(self, user: Any, count: int) -> int:
        """Open up to ``count`` keep-alive connections before the clock starts (or the first
        second pays for the connects); a failure is left to the run's own requests to record."""
        host = self._host(user)
        opened: list[Any] = []

        def connect() -> None:
            with contextlib.suppress(Exception):
                opened.append(host.get_socket())  # a new one: none is idle yet

        timeout = getattr(user, "connection_timeout", None) or 10.0
        connecting = [gevent.spawn(connect) for _ in range(min(count, host.size))]
        gevent.joinall(connecting, timeout=timeout)
        gevent.killall(connecting)  # still connecting: given up
        for sock in opened:  # back as idle keep-alive connections
            host.return_socket(sock)
        return len(opened)

    def send(self, user: Any, req: PreparedRequest) -> tuple[int, bytes, str | None]:
        host = self._host(user)
        token = self._deadlines.arm(getattr(user, "network_timeout", None))
        try:
            try:  # behind a proxy too: its absolute URI and CONNECT are geventhttpclient's
                response = _exchange(host, req, self._resend)
            except HeadTooLarge:
                self.heads_too_large += 1
                raise
            except HeadMalformed as exc:
                self.head_refused = str(exc)  # masked and cut by _Response
                raise
            try:
                body = read_body(response)
            finally:
                response.release()
        finally:
            self._deadlines.disarm(token)
        status = int(response.status_code)
        if (said := stated_limit(lambda name: _stated_field(response, name))) is not None:
            self.stated = merge_stated(self.stated, {**said, "api": api_of(req.name)})
        if (
            status >= 300
            and (wait := retry_after_s(_single(response, "retry-after"), _single(response, "date")))
            is not None
        ):
            self.retry_after_s = max(wait, self.retry_after_s or 0.0)
        return status, body, answer_charset(response)

    def _resend(self) -> bool:
        if not self.may_resend():
            return False
        self.reconnects += 1
        return True


def answer_charset(response: Any) -> str | None:
    """The charset the answer's Content-Type declares, for the classifier (E-071)."""
    return declared_charset(_single(response, "content-type") or "")


def _single(response: Any, name: str) -> str | None:
    """A field that holds one value (RFC 9110 5.5): given twice, it is not read (geventhttpclient
    hands a list, which ``retry_after_s`` took for a number: a TypeError, and the answer was
    counted as none)."""
    value = response.get(name)
    return value if isinstance(value, str) else None


LIST_FIELDS = frozenset({"ratelimit-policy", "ratelimit", "ratelimit-limit"})


def _stated_field(response: Any, name: str) -> str | None:
    """A RateLimit field for ``stated_limit``: the drafts' structured List fields may be sent over
    several field lines, which are one value joined with ", " (RFC 9110 5.3); the others hold
    one value (``_single``)."""
    value = response.get(name)
    if name in LIST_FIELDS and isinstance(value, list):
        return ", ".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else None


def _exchange(host: _Host, req: PreparedRequest, resend: Callable[[], bool]) -> Any:
    """``HTTPClient.request`` for a ready head and a bytes body, in one write. A kept-alive
    connection the server closed with no byte of answer (its idle timeout racing this write, RFC
    9112 9.3.1, 9.6) is sent again once on a new one, whatever the method, as the sender does
    (``Sender._request_once_more``), if ``resend()`` (the run's budget) allows: load's POSTs were
    errors. Never after a byte of answer (a malformed one is the service's) nor on a new
    connection (the target closes without answering). A write that failed (reset, broken pipe)
    before the close still counts as sent: the peer may have read the whole request first (a
    reset reports nothing of what it received), and a budget bounds what a target may bill."""
    head, body = host.head(req), req.body
    for attempt in range(2):
        sock = host.idle_socket()
        reused, sock = sock is not None, sock or host.new_socket()
        try:
            if host.gather:
                _send(sock, head, body)
            else:
                sock.sendall(head + body)
        except BaseException as exc:  # the deadline, or a send error: the connection is spent
            if not isinstance(exc, OSError) or exc.errno not in (errno.ECONNRESET, errno.EPIPE):
                host.release_socket(sock)
                raise
            # the server may have answered (e.g. 401 on a huge body) before it closed
        try:
            return _response(sock, host, req.method)
        except HTTPConnectionClosed:  # closed before a byte of answer came (geventhttpclient's)
            if attempt or not reused or not resend():
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _send(sock: Any, head: bytes, body: bytes) -> None:
    """Head and body in one write (as one ``sendall(head + body)`` would, without copying a
    large body); what the socket did not take goes after it."""
    if not body:
        sock.sendall(head)
        return
    sent = sock.sendmsg((head, body))
    if sent < len(head):
        sock.sendall(head[sent:] + body)
    elif sent < len(head) + len(body):
        sock.sendall(memoryview(body)[sent - len(head) :])


class _SecondAnswer(HTTPParseError):
    pass


class FramingTooLarge(HTTPParseError, CutOffBody):
    """A trailer or chunk size line past :data:`MAX_HEAD_BYTES`, said as the sender says it: past
    the head, a body cut off (also when it came in the head's read, before :func:`read_body`)."""

    def __init__(self) -> None:
        super().__init__(framing_too_large())


class FramingRefused(HTTPParseError, CutOffBody):
    """A chunked body's framing the sender's parser refuses (``HeadReader.body``), in its
    words: past the head, a body cut off as the sender says, also when its first chunk came in
    the head's read (it was a reset there, and a run of them "unreachable": hostile
    ``chunk_zeros``)."""


class HeadMalformed(HTTPParseError):
    """An answer head the sender's parser refuses (a Content-Length of "+5", ...): the target
    answered, in malformed HTTP; a connection closed with nothing said is geventhttpclient's own
    error, an unreachable target's."""


class HeadTooLarge(HTTPParseError):
    """An answer head past :data:`MAX_HEAD_BYTES`: no answer, as for the sender, and named so
    (counted by :class:`Transport`: a run of nothing else is not an unreachable target)."""

    def __init__(self) -> None:
        super().__init__(head_too_large())


# what geventhttpclient's parser refuses in a header value or reason phrase that h11 reads (DEL,
# control characters): load reads no such value, so a space keeps the head readable
_UNSAFE = bytes(range(0x20)).replace(b"\t", b"") + b"\x7f"
_SAFE = bytes.maketrans(_UNSAFE, b" " * len(_UNSAFE))


def _plain_head(answer: Any) -> bytes:
    """The head h11 read, written as geventhttpclient's parser reads it alike: h11 (the sender)
    owns the rules of a head (folded lines, bare LF, a Content-Length listed twice alike, DEL in a
    value, ``HTTP/0.5``); geventhttpclient refused those. Framing as h11 frames it: with
    Transfer-Encoding (chunked: h11 refuses any other) the Content-Length is not read (RFC 9112
    6.3)."""
    chunked = any(name == b"transfer-encoding" for name, _ in answer.headers)
    # any version h11 reads, by the framing it gives it: 1.1's from 1.1 up, 1.0's below
    version = b"1.1" if answer.http_version >= b"1.1" else b"1.0"
    lines = [b"HTTP/%s %d %s" % (version, answer.status_code, answer.reason.translate(_SAFE))]
    lines += [
        name + b": " + value.translate(_SAFE)
        for name, value in answer.headers
        if not (chunked and name == b"content-length")
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _Response(HTTPSocketPoolResponse):
    """An answer read as the sender reads it: its head by h11 (:class:`harness.clients.HeadReader`,
    interim 1xx answers skipped, a status under 100 refused), then handed to geventhttpclient's
    parser as a plain head for the body; a head past the sender's size is no answer."""

    _head_left = MAX_HEAD_BYTES
    _reader: HeadReader | None = None
    _head_read = False
    _chunked = False

    def feed(self, data: str | bytes) -> None:
        if not self._head_read:
            data = self._head(bytes(data, "latin-1") if isinstance(data, str) else data)
            if not self._head_read:
                return
        elif self._chunked and data:  # (b"": the connection closed, said to the parser as it is)
            data = self._rechunked(bytes(data, "latin-1") if isinstance(data, str) else data)
            if not data:
                return  # h11 needs more (a chunk size line in pieces): b"" is the end to the parser
        try:
            super().feed(data)
        except _SecondAnswer:
            self.message_complete = self._trailing_data_dropped = True

    def _head(self, data: bytes) -> bytes:
        """What geventhttpclient's parser is to read of ``data``: nothing until h11 has read the
        final head (``b""``, the connection closed before it: as it is, for its own error)."""
        if self._reader is None:
            if not data:  # nothing came: a kept-alive connection the server closed (retried)
                self._head_read = True
                return data
            self._reader = HeadReader(self.method)
        try:
            answer = self._reader.feed(data)
        except HeadRefused as exc:
            if str(exc) == head_too_large():
                raise HeadTooLarge() from None
            # masked whole, then cut: h11 quotes the header line, a credential echoed in it too
            raise HeadMalformed(f"{redact_text(str(exc)):.120}") from None
        if answer is None:
            if not data:
                self._head_read = True  # closed mid-head: the parser says so
            return data
        self._head_read = True
        self._chunked = any(name == b"transfer-encoding" for name, _ in answer.headers)
        if self._chunked:  # the body's first bytes, read with the head, by h11
            return _plain_head(answer) + self._rechunked(b"")
        return _plain_head(answer) + self._reader.rest

    def _rechunked(self, data: bytes) -> bytes:
        """A chunked body's bytes as h11 (the sender's parser) reads them, chunked again plainly
        for geventhttpclient's parser: it read chunk sizes h11 refuses (30 leading zeros) and
        chunk size lines past the head's size, and refused chunk extensions h11 reads. What
        follows the body is handed on as it came (a second answer is dropped by its parser)."""
        assert self._reader is not None
        try:
            read, ended = self._reader.body(data)
        except HeadRefused as exc:
            self._chunked = False
            raise FramingRefused(f"{redact_text(str(exc)):.120}") from None
        framed = b"%x\r\n%s\r\n" % (len(read), read) if read else b""
        if ended:
            self._chunked = False
            framed += b"0\r\n\r\n" + self._reader.rest
        return framed

    def _on_header_field(self, string: str) -> None:
        if self.headers_complete:  # a trailer's: the head was counted by HeadReader, as the sender
            self._spend(string)
        super()._on_header_field(string)

    def _on_header_value(self, string: str) -> None:
        if self.headers_complete:
            self._spend(string)
        super()._on_header_value(string)

    def _spend(self, text: str) -> None:
        """Trailer fields past the size the sender reads are no answer, as for the sender: each
        piece is charged ": " or CRLF (charging both to each piece refused 20,000 ``a:b`` fields
        the sender reads)."""
        self._head_left -= len(text) + 2
        if self._head_left < 0:
            raise FramingTooLarge()

    def _on_message_begin(self) -> None:
        """A message after a complete final answer is none of this request's: a target that sent
        two answers to one request (its body was read as both bodies); the connection is dropped."""
        if self.message_complete and self.get_code() >= 200:
            raise _SecondAnswer("a second answer to one request")
        super()._on_message_begin()


class _Lease:
    """``host`` as one response's pool while that response reads its head: geventhttpclient hands
    the socket back as soon as a message is complete, an interim one included, and reads on;
    back in the idle list, another request took it mid-read (every later request failed)."""

    def __init__(self, host: _Host) -> None:
        self.host, self.returned = host, None

    def return_socket(self, sock: Any) -> None:
        self.returned = sock

    def release_socket(self, sock: Any) -> None:
        self.returned = None
        self.host.release_socket(sock)


def _response(sock: Any, host: _Host, method: str) -> Any:
    lease = _Lease(host)
    try:
        response = _Response(
            sock, cast(Any, lease), block_size=host.client.block_size, method=method,
            headers_type=host.client.headers_type,
        )  # fmt: skip
    except BaseException:
        if lease.returned is not None:
            host.release_socket(lease.returned)
        raise
    # whole with its head (and nothing after it): free
    if lease.returned is not None and response.message_complete and not response.should_close():
        host.return_socket(lease.returned)
    elif lease.returned is not None:  # handed back at an interim answer: the rest is unreadable
        host.release_socket(lease.returned)
    elif cast(Any, response)._pool is lease:
        cast(Any, response)._pool = host  # its body is still to read: the host takes it back after
    return response


def read_body(response: Any) -> bytes:
    """A geventhttpclient answer's body as the sender reads it (load's users and plain Locust's):
    capped, its Content-Encoding undone by the sender's one decoder; an error past the head is a
    body cut off."""
    try:
        return _decoded(_read_capped(response), response.get("content-encoding"))
    except (HTTPParseError, ConnectionError) as exc:  # past the head, as the sender says
        raise CutOffBody(f"{type(exc).__name__}: {exc}") from exc


def _decoded(body: bytes, coding: str | list[str] | None) -> bytes:
    """The body with its ``Content-Encoding`` undone as the sender undoes it (load sends no
    ``Accept-Encoding``, so any coding is acceptable, RFC 9110 12.5.3): a body that is not what its
    coding says is no answer there, and a few KB may inflate past the cap."""
    codings = [coding] if isinstance(coding, str) else coding or []
    try:
        return decoded([body], codings, MAX_ANSWER_BYTES)
    except UndecodableBody:
        said = ", ".join(codings)
        raise UndecodableBody(f"the body is not the {said} its Content-Encoding says") from None


def _read_capped(response: Any) -> bytes:
    body = bytearray()
    for part in iter(lambda: response.read(READ_BLOCK), b""):
        body += part
        if len(body) > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(
                f"the answer's body ran past {MAX_ANSWER_BYTES // (1024 * 1024)} MiB"
            )
    return bytes(body)
