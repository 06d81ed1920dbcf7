"""What both clients share: sending, turning transport trouble into one-line errors, JSON parsing."""

from __future__ import annotations

from typing import Any

import httpx

from ._deadline import (
    DEFAULT_TIMEOUT_S,
    AnswerTooLarge,
    DeadlineExceeded,
    per_operation,
    too_large_message,
)
from ._errors import TransportFailure

request_timeout = per_operation
"""httpx's per-operation timeouts under a total deadline of ``seconds`` (see ``http_client``)."""

DEFAULT_TIMEOUT = per_operation(DEFAULT_TIMEOUT_S)

NO_ANSWER: dict[str, str] = {
    "timeout": "nothing within {timeout}",
    "deadline": "the answer began, then did not complete within {timeout}",
    "reset": "the connection was reset before an answer began",
    "cut-off body": "the answer began, then the connection closed before its body was complete",
    "undecodable body": "the body could not be decoded as its Content-Encoding says",
    "oversized body": too_large_message(),
    "connection": "no connection to the target",
}
"""Why a request got no answer, by kind: the suites' vocabulary for ``answered`` findings."""


def no_answer_text(kind: str, timeout_s: float | None) -> str:
    """``"<kind>, <what happened>"``: the same line for every request of a kind, so findings merge."""
    limit = f"the {timeout_s:g} s client timeout" if timeout_s else "the client timeout"
    return f"{kind}, {NO_ANSWER[kind].format(timeout=limit)}"


def describe_transport_error(
    exc: httpx.HTTPError, url: str, timeout: httpx.Timeout | None = None
) -> TransportFailure:
    """One line for a request without a usable answer (``timeout``: the client's, to name it)."""
    if isinstance(exc, DeadlineExceeded | AnswerTooLarge):
        return TransportFailure(f"{url}: {exc}")
    if isinstance(exc, httpx.TimeoutException):
        seconds = timeout.read if timeout is not None else None
        within = f"the {seconds:g} s timeout" if seconds else "the timeout"
        return TransportFailure(f"{url}: no answer within {within} ({type(exc).__name__})")
    if isinstance(exc, httpx.ConnectError):
        return TransportFailure(f"{url}: cannot connect ({exc})")
    return TransportFailure(f"{url}: {type(exc).__name__}: {exc}")


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The envelope as a dict, or a TransportFailure that says what came back instead."""
    where = f"{response.request.method} {response.request.url.path}"
    if response.status_code >= 500:
        raise TransportFailure(f"{where}: HTTP {response.status_code} from the service")
    try:
        body = response.json()
    except ValueError:
        snippet = response.content[:60].decode("utf-8", "replace")
        raise TransportFailure(
            f"{where}: HTTP {response.status_code} with a body that is not JSON ({snippet!r})"
        ) from None
    if not isinstance(body, dict):
        raise TransportFailure(
            f"{where}: HTTP {response.status_code} with JSON that is not an object"
        )
    return body
