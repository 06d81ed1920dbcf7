"""Rules of both APIs judged before the envelope's meaning (ERRATA E-015): neither document
mentions HTTP status, both promise the envelope in every answer, so no answer at all or a 5xx is
always a finding and another status or Content-Type only breaks a convention; an HTTP 200 JSON
answer fits the operation's response schema (the spec's, read through the contract). Conformance
and fuzz both run these."""

from __future__ import annotations

import json
import re
from typing import Any

from harness.clients import Exchange

from ._context import RuleContext
from ._registry import rule, violation

ENVELOPE = "errcode | Num | 是 (000); code | String | 是 (004): every answer carries the envelope"


@rule("FH-H04", "answered", api="*", quote=ENVELOPE)
def answered(ctx: RuleContext, response: Exchange, case: Any) -> None:
    """Every request gets an answer: a hang past the client timeout, a reset or a body cut off is
    the target's as much as a 5xx (the kind opens the message, so findings merge by kind)."""
    error = getattr(response, "error", None)
    if error:
        raise violation(f"no answer: {error}")


@rule(
    "FH-H01",
    "no-server-error",
    api="*",
    erratum="E-015",
    quote=ENVELOPE,
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
    found = _content_type(response)
    # media types are case-insensitive (RFC 9110 8.3.1): Application/JSON is as good
    if found.split(";")[0].strip().lower() != "application/json":
        raise violation(f"Received: Content-Type {found!r}\nExpected: application/json")


def _content_type(response: Any) -> str:
    found = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    return str(found[0] if isinstance(found, list) and found else found)


_REQUIRED = re.compile(r"""^["']([^"']+)["'] is a required property""")


@rule(
    "FH-H05",
    "response_schema",
    api="*",
    quote="返回参数 (000, 004): the fields of every answer, transcribed as the spec's 200 schema",
)
def response_schema(ctx: RuleContext, response: Any, case: Any) -> None:
    """An HTTP 200 answer (the only status the specs document) read as JSON (so labelled, or
    unlabelled) fits its operation's response schema; another status or media type is
    FH-H01..H03's finding."""
    name = ctx.contract.operation(ctx.operation).response_schema
    if response.status_code != 200 or not name or not _read_as_json(_content_type(response)):
        return
    try:
        body = json.loads(response.content)
        errors = list(ctx.contract.spec(ctx.api).validator(name).iter_errors(body))
    except (ValueError, TypeError):  # not JSON, or JSON no validator reads (a lone surrogate)
        text = bytes(response.content)[:80].decode("utf-8", "replace")
        # schemathesis' severity for a malformed JSON answer (one defect, one severity)
        raise violation(
            f"{name} violated: the body is not a JSON object: {text!r}", severity="medium"
        ) from None
    if errors:
        paths = [".".join(map(str, e.instance_path)) for e in errors]
        texts = "; ".join(f"{p or 'body'}: {e.message[:100]}" for p, e in zip(paths, errors[:3]))
        at = tuple(  # a missing property is about the property itself
            ".".join(filter(None, (p, m.group(1)))) if (m := _REQUIRED.match(e.message)) else p
            for p, e in zip(paths, errors)
        )
        raise violation(f"{name} violated: {texts}", at=at)


def _read_as_json(content_type: str) -> bool:
    """As schemathesis reads an answer's media type: JSON when it says so (any case, or by a
    wildcard), and when it is absent or malformed; anything else has no documented schema."""
    kind, slash, sub = content_type.split(";")[0].strip().lower().partition("/")
    return not slash or (kind in ("application", "*") and sub in ("json", "*"))
