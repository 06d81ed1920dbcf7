"""One total time budget per request: connect, send, wait and read together. httpx times each
socket operation on its own, so a server dripping one byte every half second would hold a request
for ever; here every socket operation gets at most what is left of the request's deadline.
"""

from __future__ import annotations

import contextvars
import functools
import http.cookiejar
import math
import ssl
import time
from collections.abc import Iterator
from typing import Any, cast

import httpcore
import httpx

from harness.errors import UsageError

DEFAULT_TIMEOUT_S = 30.0  # generous for a face comparison
MAX_ANSWER_BYTES = 8 * 1024 * 1024  # small JSON envelopes: an endless stream is cut off here
# An answer head past this size is no answer, for the sender and the other transports alike, as
# ``HeadReader`` counts it (the bytes received up to the end of the final head, interim answers
# included). h11 refuses a head once its unparsed bytes pass 100 KB, which a head of 100 to 164 KB
# did or did not do by how the socket's reads fell: its cap is raised to this size.
MAX_HEAD_BYTES = (
    httpcore._sync.http11.HTTP11Connection.MAX_INCOMPLETE_EVENT_SIZE
    + httpcore._sync.http11.HTTP11Connection.READ_NUM_BYTES
)
httpcore._sync.http11.HTTP11Connection.MAX_INCOMPLETE_EVENT_SIZE = MAX_HEAD_BYTES


def head_too_large() -> str:
    return f"an answer head over {MAX_HEAD_BYTES} bytes"


def framing_too_large() -> str:
    """A chunk's size line or the trailer past the head's size (h11 said "Receive buffer too
    long", its own words, in the finding)."""
    return f"an answer's chunk size line or trailer over {MAX_HEAD_BYTES} bytes"


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds, self.at = seconds, time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def message(self) -> str:
        return (
            f"the answer began, then did not complete within the {self.seconds:g} s request "
            "deadline"
        )


class DeadlineExceeded(Exception):
    """A request used up its total budget; every HTTP stack's flavour of it derives from this."""


class HttpxDeadlineExceeded(DeadlineExceeded, httpx.TimeoutException):
    """httpx's flavour: still an ``httpx.TimeoutException`` for code that catches timeouts."""


class AnswerTooLarge(Exception):
    """The answer's body ran past :data:`MAX_ANSWER_BYTES`; reading stopped."""


class UndecodableBody(Exception):
    """The body is not what its ``Content-Encoding`` says (a transport that decodes it itself)."""


class CutOffBody(Exception):
    """The answer began, then its body did not come whole (a transport that cannot say whether
    an error came before or after the answer's head: load's geventhttpclient)."""


class HttpxAnswerTooLarge(AnswerTooLarge, httpx.TransportError):
    pass


def too_large_message() -> str:
    return f"the answer's body ran past {MAX_ANSWER_BYTES // (1024 * 1024)} MiB; reading stopped"


def read_capped(response: httpx.Response) -> bytes:
    """The body as its Content-Encoding inflates it, cut off past :data:`MAX_ANSWER_BYTES`: the
    transport caps the bytes on the wire, and a few bytes of brotli may inflate to gigabytes, so
    the raw bytes are inflated here a piece at a time (httpx inflates each chunk whole)."""
    from ._decoding import decoded

    try:
        return decoded(
            response.iter_raw(),
            response.headers.get_list("content-encoding"),
            MAX_ANSWER_BYTES,
        )
    except AnswerTooLarge as exc:
        raise HttpxAnswerTooLarge(str(exc), request=response.request) from None
    except UndecodableBody as exc:  # httpx's own outcome for it
        raise httpx.DecodingError(str(exc), request=response.request) from exc.__cause__


def check_seconds(seconds: float) -> float:
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
        raise UsageError(f"request timeout {seconds:g} s: expected a positive number of seconds")
    return float(seconds)


_CURRENT: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "faceharness_deadline", default=None
)


def _clamp(timeout: float | None) -> float | None:
    if (deadline := _CURRENT.get()) is None:
        return timeout
    left = deadline.remaining()
    if left <= 0:
        raise httpcore.ReadTimeout(f"the {deadline.seconds:g} s request deadline passed")
    return left if timeout is None else min(timeout, left)


class _Clamped:
    """An httpcore network backend or stream clamped to the current deadline, and what it opens."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:  # close, get_extra_info, sleep, ...
        return getattr(self._inner, name)

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, *more: Any, **kw: Any
    ) -> _Clamped:
        return _Clamped(self._inner.connect_tcp(host, port, _clamp(timeout), *more, **kw))

    _asked = False  # a request was written: its answer's head is read afresh
    _head: Any = None  # the answer head being read (``HeadReader``), None once it is complete

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """httpcore's read, the answer head's bytes also counted by the one size rule of every
        transport (``harness.clients.HeadReader``: h11's cap inside httpcore counts by how the
        reads fall)."""
        data = cast(bytes, self._inner.read(max_bytes, _clamp(timeout)))
        if self._asked:
            from ._head import HeadReader

            self._asked, self._head = False, HeadReader()
        if self._head is not None:
            from ._head import HeadRefused

            try:
                if self._head.feed(data) is not None:
                    self._head = None
            except HeadRefused as exc:
                self._head = None
                if str(exc) == head_too_large():  # any other refusal: h11 in httpcore says it
                    raise httpcore.RemoteProtocolError(head_too_large()) from None
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._asked = True
        self._inner.write(buffer, _clamp(timeout))

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: Any = None, timeout: float | None = None
    ) -> _Clamped:
        return _Clamped(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout)))


class _Body(httpx.SyncByteStream):
    """The answer's body, read under the request's deadline (one chunk per socket read)."""

    def __init__(
        self, inner: httpx.SyncByteStream, deadline: Deadline, request: httpx.Request, pool: Any
    ) -> None:
        self._inner, self._deadline, self._request = inner, deadline, request
        self._pool = pool

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        size = 0
        while True:
            token = _CURRENT.set(self._deadline)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except httpx.HTTPError as exc:
                if self._deadline.expired:
                    raise self._expired() from exc
                if "Receive buffer too long" in str(exc):  # h11's words: a trailer past its cap
                    raise httpx.RemoteProtocolError(
                        framing_too_large(), request=self._request
                    ) from None
                raise
            finally:
                _CURRENT.reset(token)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise HttpxAnswerTooLarge(too_large_message(), request=self._request)
            yield chunk
            if self._deadline.expired:
                raise self._expired()

    def _expired(self) -> HttpxDeadlineExceeded:
        return HttpxDeadlineExceeded(self._deadline.message(), request=self._request)

    def close(self) -> None:
        self._inner.close()
        for connection in self._pool.connections if self._pool is not None else ():
            _drop_if_more_came(connection)


def _drop_if_more_came(connection: Any) -> None:
    """Closes an idle kept-alive connection that holds bytes past the answer it carried: a target
    that sent two answers to one request; kept, the second was read as the next request's."""
    http11: Any = getattr(connection, "_connection", None)
    state = getattr(http11, "_h11_state", None)
    if state is not None and http11.is_idle() and state.trailing_data[0]:
        http11.close()


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CAs), made once: loading the CA file took 0.3 s of
    CPU for every client, which a run makes several of (the sender, the reachability check)."""
    return httpx.create_ssl_context()


class DeadlineTransport(httpx.BaseTransport):
    """An httpx transport whose every request ends within ``seconds``, answer body included
    (another ``inner`` than httpx's, such as ``MockTransport``, is cut off between chunks)."""

    def __init__(self, seconds: float, inner: httpx.BaseTransport | None = None) -> None:
        self.seconds = seconds  # checked by http_client, its one maker
        self._inner = inner if inner is not None else httpx.HTTPTransport(verify=_tls())
        pool = getattr(self._inner, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _Clamped):
            pool._network_backend = _Clamped(backend)  # type: ignore[union-attr]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = Deadline(self.seconds)
        token = _CURRENT.set(deadline)
        # no answer began in time: the clamped read raises httpx's own ReadTimeout (kind "timeout")
        try:
            response = self._inner.handle_request(request)
        except httpx.RemoteProtocolError as exc:
            if "Receive buffer too long" not in str(exc):
                raise
            raise httpx.RemoteProtocolError(head_too_large(), request=request) from exc
        finally:
            _CURRENT.reset(token)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Body(response.stream, deadline, request, getattr(self._inner, "_pool", None)),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


class _NoRedirects(httpx.Client):
    """An httpx client that follows no redirect: a 3xx is the answer (a redirect may name any
    host; the credentials go to the target only). httpx still builds the request a redirect
    would make (``Response.next_request``) and refuses a ``Location`` it cannot parse as a
    protocol error: hostile session 26's ``0313.0.113.7`` (an octal-looking IPv4) lost the 307
    and was sent once more as a dropped connection. Here no such request is built."""

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        return super().send(request, **{**kwargs, "follow_redirects": False})

    def _build_redirect_request(self, request: httpx.Request, response: httpx.Response) -> Any:
        return request  # never sent: a redirect is not followed


def http_client(
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
    **kwargs: Any,
) -> httpx.Client:
    """The harness's httpx client: every request ends within ``timeout`` seconds in total
    (connecting gets at most 5 s of it). It keeps no cookie: a request is what its finding
    records, and a target's Set-Cookie (a session, its echo of the token) must not add to it.
    It follows no redirect (``_NoRedirects``)."""
    seconds = check_seconds(timeout)
    no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return _NoRedirects(
        timeout=httpx.Timeout(seconds, connect=min(5.0, seconds)),
        transport=DeadlineTransport(seconds, transport),
        cookies=no_cookies,
        **kwargs,
    )
