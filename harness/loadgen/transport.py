"""Sending a prepared request on a Locust user's own connection pool, below its session.

Locust's ``FastHttpSession.request`` parses the URL, builds request and response wrapper
objects and fires its event for every call; the load process needs none of that (it
times, classifies and records each answer itself, then fires Locust's request event
once), and at thousands of requests per second per core that wrapping is a measurable
share of the generator's CPU (``benchmarks/bench_load.py``). Connections and keep-alive
are geventhttpclient's, exactly as Locust configures them; its timeouts are per socket
operation, so the whole request (connect, send, wait, read) also runs under one deadline of
the user's ``network_timeout`` (``--timeout``): a target that drips its answer cannot hold a
user. Runs only inside Locust (gevent-patched).
"""

from __future__ import annotations

from typing import Any

from geventhttpclient.url import URL

from harness.clients import MAX_ANSWER_BYTES
from harness.loadgen.request import PreparedRequest

READ_BLOCK = 64 * 1024


class RequestDeadline(TimeoutError):
    """The whole request did not end within its deadline (classified as a timeout)."""


class AnswerTooLarge(Exception):
    """The answer's body ran past ``MAX_ANSWER_BYTES``; reading stopped (memory stays bounded)."""


def request_deadline(seconds: float | None) -> Any:
    """A ``gevent.Timeout`` for one whole request (a no-op for ``None``): geventhttpclient's own
    timeouts are per socket operation, so an answer dripped byte by byte would never time out."""
    import gevent

    error = RequestDeadline(f"no complete answer within the {seconds:g} s request deadline") if seconds else None
    return gevent.Timeout(seconds or None, error)


class Transport:
    """Sends to the user's host (Locust's ``--host``); ``send`` returns ``(status, body)`` or
    raises the transport's exception (refused, reset, timeout ...)."""

    def __init__(self) -> None:
        self._bases: dict[str, tuple[URL, str]] = {}

    def _base(self, host: str) -> tuple[URL, str]:
        base = self._bases.get(host)
        if base is None:
            url = URL(host)
            base = self._bases[host] = (url, (url.path or "").rstrip("/"))
        return base

    def send(self, user: Any, req: PreparedRequest) -> tuple[int, bytes]:
        url, prefix = self._base(user.host)
        client = user.client.client.clientpool.get_client(url)
        with request_deadline(getattr(user, "network_timeout", None)):
            response = client.request(
                req.method, prefix + req.url_path(), body=req.body, headers=req.headers
            )
            try:
                body = _read_capped(response)
            finally:
                response.release()
        return int(response.status_code), body


def _read_capped(response: Any) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        part = bytes(response.read(READ_BLOCK))
        if not part:
            return b"".join(parts)
        size += len(part)
        if size > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(f"the answer's body ran past {MAX_ANSWER_BYTES // (1024 * 1024)} MiB")
        parts.append(part)
