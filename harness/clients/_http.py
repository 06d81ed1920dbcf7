"""What both clients share: sending, turning transport trouble into one-line errors, JSON parsing."""

from __future__ import annotations

from typing import Any

import httpx

from ._errors import TransportFailure

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def describe_transport_error(exc: httpx.HTTPError, url: str) -> TransportFailure:
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure(f"{url}: no answer within the timeout ({type(exc).__name__})")
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
        raise TransportFailure(f"{where}: HTTP {response.status_code} with JSON that is not an object")
    return body
