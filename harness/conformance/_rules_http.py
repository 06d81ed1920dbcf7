"""HTTP rules of both APIs, judged before the envelope is read (ERRATA E-015): neither document
mentions HTTP status, both promise the envelope in every answer, so a 5xx is always a finding and
another status or Content-Type only breaks a convention. A body that is not a JSON object is the
response schema's finding. Conformance and fuzz both run these."""

from __future__ import annotations

from typing import Any

from harness.clients import Exchange

from ._context import RuleContext
from ._registry import rule, violation


@rule(
    "FH-H01",
    "no-server-error",
    api="*",
    erratum="E-015",
    quote="errcode | Num | 是 (000); code | String | 是 (004): every answer carries the envelope",
)
def no_server_error(ctx: RuleContext, response: Exchange, case: Any) -> None:
    """No answer is a 5xx: every answer, success or error, carries the envelope."""
    if response.status_code >= 500:
        raise violation(f"Received: HTTP {response.status_code}\nExpected: never a server error")


@rule(
    "FH-H02",
    "http-200",
    api="*",
    severity="low",
    erratum="E-015",
    basis="convention",
    quote="the documents give no HTTP status: every answer is HTTP 200 with the envelope",
)
def http_200(ctx: RuleContext, response: Exchange, case: Any) -> None:
    """Every answer is HTTP 200 with the envelope (a 5xx is FH-H01's finding alone)."""
    if response.status_code != 200 and response.status_code < 500:
        raise violation(f"Received: HTTP {response.status_code}\nExpected: HTTP 200")


@rule(
    "FH-H03",
    "content-type-json",
    api="*",
    severity="low",
    basis="convention",
    quote="a JSON body is sent as application/json (RFC 8259)",
)
def content_type_json(ctx: RuleContext, response: Any, case: Any) -> None:
    """A JSON answer says so in its Content-Type (httpx, schemathesis or harness headers)."""
    found = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    found = str(found[0] if isinstance(found, list) and found else found)
    # media types are case-insensitive (RFC 9110 8.3.1): Application/JSON is as good
    if found.split(";")[0].strip().lower() != "application/json":
        raise violation(f"Received: Content-Type {found!r}\nExpected: application/json")
