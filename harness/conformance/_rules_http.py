"""HTTP rules of both APIs: what every answer is before its envelope is read (ERRATA E-015).

Neither document mentions HTTP status; both promise the envelope in every answer (``errcode |
Num | 是``, JD's ``code``). A 5xx is therefore always a finding (seed); another status, or a
Content-Type other than JSON, breaks only an HTTP convention (at most ``low``). A body that is not
a JSON object is the response schema's finding. Conformance and fuzz both run these.
"""

from __future__ import annotations

from typing import Any

from ._context import ResponseLike, RuleContext
from ._registry import rule, violation

_ENVELOPE = "errcode | Num | 是 | 0交易成功 其它为异常情况 (000); code | String | 是 (004)"


@rule(
    "FH-H01",
    "no-server-error",
    api="*",
    erratum="E-015",
    quote=_ENVELOPE + ": an answer carries the envelope, never a server error",
)
def no_server_error(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """No answer is a 5xx: every answer, success or error, carries the envelope."""
    if response.status_code >= 500:
        raise violation(
            f"Received: HTTP {response.status_code}\nExpected: an envelope, never a server error"
        )


@rule(
    "FH-H02",
    "http-200",
    api="*",
    severity="low",
    erratum="E-015",
    basis="convention",
    quote="the documents give no HTTP status: every answer is HTTP 200 with the envelope",
)
def http_200(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """Every answer is HTTP 200 with the envelope (a 5xx is FH-H01's finding)."""
    if response.status_code != 200 and response.status_code < 500:
        raise violation(
            f"Received: HTTP {response.status_code}\nExpected: HTTP 200 with the envelope"
        )


@rule(
    "FH-H03",
    "content-type-json",
    api="*",
    severity="low",
    basis="convention",
    quote="a JSON body is sent as application/json (RFC 8259)",
)
def content_type_json(ctx: RuleContext, response: ResponseLike, case: Any) -> None:
    """A JSON answer says so in its Content-Type."""
    found = content_type(response)
    if not found.startswith("application/json"):
        raise violation(f"Received: Content-Type {found!r}\nExpected: application/json")


def content_type(response: Any) -> str:
    """The Content-Type of an httpx, schemathesis (lists of values) or harness response."""
    for key, value in (getattr(response, "headers", None) or {}).items():
        if key.lower() == "content-type":
            return str(value[0] if isinstance(value, list) and value else value)
    return str(getattr(response, "content_type", ""))
