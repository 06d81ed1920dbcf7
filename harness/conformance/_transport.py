"""Requests that got no answer (a hang past the client timeout, a reset, a body cut off) as findings.

A fault below HTTP is the target's as much as a 5xx is, so it is reported under the ``answered``
check like any other finding, not raised out of the run. The kind opens the message, whose first
line is the same for every request of that kind, so findings merge to one per operation and kind
(see ``group_key``).
"""

from __future__ import annotations

import re
from typing import Any

import requests

from harness.clients import no_answer_text

from ._exchange import Exchange
from ._raw import RawFailure, exchange_size

ANSWERED = "answered"
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
"""What the target can cause below HTTP; other ``requests`` errors (a bad URL, a header that cannot
be sent) are the harness's own and stay errors."""

_TIMEOUT = re.compile(r"timeout=([0-9.]+)")


class NoAnswer(Exception):
    """A probe's request got no answer; the probe stops, its request becomes a finding."""

    def __init__(self, raw: RawFailure) -> None:
        super().__init__(raw.message)
        self.raw = raw


def is_transport_error(exc: BaseException) -> bool:
    return isinstance(exc, TRANSPORT_ERRORS)


def kind_of(exc: BaseException) -> str:
    """``timeout``, ``reset``, ``cut-off body``, ``undecodable body`` or ``connection``."""
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "undecodable body"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):  # raised while reading the body
        return "cut-off body"
    text = _chain_text(exc)
    if any(mark in text for mark in ("reset", "aborted", "RemoteDisconnected", "Errno 104")):
        return "reset"
    return "connection"


def no_answer(exc: BaseException, *, api: str, operation: str, exchange: Exchange,
              timeout_s: float | None) -> RawFailure:
    """The finding for one request that ``exc`` left without an answer."""
    kind = kind_of(exc)
    seconds = _TIMEOUT.search(_chain_text(exc))
    limit = float(seconds.group(1)) if seconds else timeout_s  # schemathesis shortens it for an operation that hangs
    detail = " ".join(_detail(exc).split())[:160]
    message = f"{no_answer_text(kind, limit)}\n{type(exc).__name__}: {detail}"
    return RawFailure(api=api, operation=operation, check=ANSWERED, rule_id=None, level="high", title="no answer",
                      message=message, erratum=None, exchange=exchange, response=None, size=exchange_size(exchange))


def _detail(exc: BaseException) -> str:
    """The innermost reason, without the connection-pool prefix (host and port change from run to
    run; a refused connection still names them)."""
    inner: Any = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", None) or inner
    args = getattr(inner, "args", ())
    text = args[0] if args and isinstance(args[0], str) else str(inner)
    return re.sub(r"HTTPS?ConnectionPool\([^)]*\):\s*", "", text)


def _chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 5:
        parts.append(f"{type(seen).__name__}: {seen!r}")
        seen = seen.__cause__ or seen.__context__
    return " ".join(parts)

