"""Rules of both APIs judged before the envelope's meaning (E-015: both documents promise the
envelope in every answer and mention no HTTP status), and the refusal rules; fuzz runs them too."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from harness.clients import Exchange
from harness.contract import Answer, declared_charset, parse_json, read_answer, strict_json

from ._failures import CheckFailed, Level
from ._registry import Basis, RuleContext, Violation, observe_reading, observed, rule

ENVELOPE = "errcode | Num | 是 (000); code | String | 是 (004): every answer carries the envelope"


@rule("FH-H04", "answered", api="*", quote=ENVELOPE)
def answered(ctx: RuleContext, response: Exchange, case: Any) -> None:
    """Every request gets an answer: a hang past the client timeout, a reset or a body cut off is
    the target's as much as a 5xx (the kind opens the message, so findings merge by kind)."""
    if error := getattr(response, "error", None):
        raise Violation(f"no answer: {error}")


@rule("FH-H01", "no-server-error", api="*", erratum="E-015", quote=ENVELOPE)
def no_server_error(ctx: RuleContext, response: Exchange, case: Any) -> None:
    """No answer is a 5xx: every answer, success or error, carries the envelope. A 503 whose
    envelope carries a throttling code is the documented refusal with RFC 9110's status for a
    temporary overload (E-051): FH-H02's, as a 429 is; so is a 502, 503 or 504 whose envelope
    answers a request naming a link (E-017: a fetch of it failed, the upstream's fault)."""
    if response.status_code >= 500 and not _upstream(ctx, response, case):
        raise Violation(f"Received: HTTP {response.status_code}\nExpected: never a server error")


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
    if response.status_code != 200 and (
        response.status_code < 500 or _upstream(ctx, response, case)
    ):
        raise Violation(f"Received: HTTP {response.status_code}\nExpected: HTTP 200")


def _upstream(ctx: RuleContext, response: Any, case: Any) -> bool:
    """A 5xx that is no server error of its own: a throttling 503 (:func:`_overloaded`), or a
    502, 503 or 504 with the API's envelope answering a request that names a link (/match's
    origin uri, JD's imgUrl): the link's fetch failed, RFC 9110 15.6.3's "invalid response from
    an inbound server" (E-017). A 500 stays FH-H01's, enveloped or not."""
    if _overloaded(ctx, response):
        return True
    body = getattr(case, "json", None)
    if body is None:  # fuzz's InvalidCase carries its request
        body = getattr(getattr(case, "request", None), "json", None)
    if response.status_code not in (502, 503, 504) or not names_link(body):
        return False
    return _answer(ctx, response).where is not None


def _answer(ctx: RuleContext, response: Any) -> Answer:
    return getattr(response, "answer", None) or read_answer(
        ctx.contract, ctx.api, response.status_code, bytes(response.content)
    )


def _overloaded(ctx: RuleContext, response: Any) -> bool:
    """HTTP 503 with the API's envelope carrying a throttling code (E-051, E-045)."""
    if response.status_code != 503:
        return False
    found = _answer(ctx, response)
    return found.where is not None and found.throttled


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
    if _media_type(found) != ("application", "json"):
        raise Violation(f"Received: Content-Type {found!r}\nExpected: application/json")


@rule(
    "FH-H09",
    "json-utf8",
    api="*",
    severity="low",
    basis="convention",
    quote="JSON text exchanged between systems MUST be encoded using UTF-8, and no byte order "
    "mark added (RFC 8259 8.1)",
)
def json_utf8(ctx: RuleContext, response: Any, case: Any) -> None:
    """A JSON answer in UTF-16 or UTF-32, after a byte order mark, or in the charset its
    Content-Type declares (GBK: E-071) is still read as JSON by
    every suite (neither document names the answer's encoding: no seed rule, no false red); it
    is listed here, so a client that reads only UTF-8 knows why it failed where the harness did
    not."""
    content = bytes(response.content or b"")
    encoding = json.detect_encoding(content[:4]) if content else "utf-8"
    if encoding != "utf-8" and parse_json(content) is not None:
        said = "UTF-8 after a byte order mark" if encoding == "utf-8-sig" else encoding.upper()
        raise Violation(f"Received: a JSON body in {said}\nExpected: UTF-8 without a BOM")
    charset = declared_charset(_content_type(response))
    if charset and parse_json(content) is None and parse_json(content, charset) is not None:
        raise Violation(  # E-071: read as it declares, and listed here
            f"Received: a JSON body in {charset.upper()}, as its Content-Type declares\n"
            "Expected: UTF-8 without a BOM"
        )


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
    """An HTTP 200 answer (the only status the specs document; another 2xx, a bare 204, claims
    success too) read as JSON (so labelled, or unlabelled) fits its operation's response schema;
    another status or media type is FH-H01..H03's finding.

    Under another media type the body is still the envelope (errcode/code 是): a JSON object is
    judged by its API's rules, anything else has none (``code=2312`` as text/plain)."""
    name = ctx.contract.operation(ctx.operation).response_schema
    if not 200 <= response.status_code < 300 or not name:
        return
    labelled = _read_as_json(_content_type(response))
    try:
        body = strict_json(response.content, declared_charset(_content_type(response)))
        if not labelled:  # the label is FH-H03's; a JSON object, its API's rules'
            if isinstance(body, dict):
                return
            raise ValueError("no envelope")
        errors = list(ctx.contract.spec(ctx.api).validator(name).iter_errors(body))
    except (ValueError, TypeError, RecursionError):  # not JSON, too deep, a lone surrogate
        text = bytes(response.content)[:80].decode("utf-8", "replace")
        # schemathesis' severity for a malformed JSON answer (one defect, one severity)
        raise Violation(
            f"{name} violated: the body is not a JSON object: {text!r}", severity="medium"
        ) from None
    if errors:
        paths = [".".join(map(str, e.instance_path)) for e in errors]
        texts = "; ".join(f"{p or 'body'}: {e.message[:100]}" for p, e in zip(paths, errors[:3]))
        at = tuple(  # a missing property is about the property itself
            ".".join(filter(None, (p, m.group(1)))) if (m := _REQUIRED.match(e.message)) else p
            for p, e in zip(paths, errors)
        )
        raise Violation(f"{name} violated: {texts}", at=at)


def _media_type(content_type: str) -> tuple[str, str] | None:
    """(type, subtype) of a Content-Type, case-insensitive (RFC 9110 8.3.1), a structured
    ``+json`` suffix read as json (RFC 6839 3.1: application/vnd.x+json is JSON); None when it
    has no slash."""
    kind, slash, sub = content_type.split(";")[0].strip().lower().partition("/")
    return (kind, "json" if sub.endswith("+json") else sub) if slash else None


def _read_as_json(content_type: str) -> bool:
    """As schemathesis reads an answer's media type: JSON when it says so (any case, a ``+json``
    suffix, or by a wildcard), and when it is absent or malformed; anything else has no
    documented schema (a +json answer skipped here went unjudged: a false pass)."""
    media = _media_type(content_type)
    return media is None or (media[0] in ("application", "*") and media[1] in ("json", "*"))


@dataclass(frozen=True)
class Refusal:
    """What the refusal rules judge an answer against: the place and codes due, what was broken,
    whether that code itself is due (``strict``: documented, or the emulator), and why the request
    is invalid (its broken rule's ``basis``; ``reading``: the erratum that alone makes it so).
    ``also``: other places whose refusal passes too, where the document ties the fault to no layer
    (a bad timestamp: 系统级错误码 详见返回码, as FH-A18 holds)."""

    where: str
    codes: tuple[str, ...]
    detail: str
    strict: bool
    rule: str = ""
    basis: Basis = "seed"
    reading: str | None = None
    also: tuple[str, ...] = ()
    fetches: bool = False  # the request names an imgUrl: fetching it is the service's own work


def names_url(body: Any) -> bool:
    """Whether a JD body names an imgUrl (a refusal of it may be a failed fetch, the service's)."""
    if not isinstance(body, dict):
        return False
    items: list[Any] = []
    for value in (body.get("compareImageItem"), body.get("collectionImageItems")):
        items += value if isinstance(value, list) else [value]  # any shape a fuzz case gives
    return any(isinstance(i, dict) and "imgUrl" in i for i in items)


def names_link(body: Any) -> bool:
    """Whether a request names a picture by link: JD's imgUrl (:func:`names_url`), or /match's
    image or faceData from origin uri (图片链接, 视频链接): the service fetches it."""
    if names_url(body):
        return True
    parts = [body.get(k) for k in ("image", "faceData")] if isinstance(body, dict) else []
    return any(isinstance(part, dict) and part.get("origin") == "uri" for part in parts)


def system_error(ctx: RuleContext, found: Answer) -> bool:
    """Whether JD's answer is business 50 系统错误! (the service's own failure)."""
    if ctx.api != "jd" or found.where != "business" or found.code is None:
        return False
    return str(found.code) == str(
        ctx.contract.codes.code_for("jd", "business", "system error").code
    )


def refusal_failure(ctx: RuleContext, response: Exchange, refusal: Refusal) -> CheckFailed | None:
    """The book's verdict on an answer due to refuse: the refusal rule it fails, or None."""
    try:
        invalid_refused(ctx, response, refusal)
        rule_code(ctx, response, refusal)
        refusal_not_system_error(ctx, response, refusal)
    except CheckFailed as failed:
        return failed
    return None


def _judged(ctx: RuleContext, response: Exchange, refusal: Refusal) -> Answer | None:
    """The answer, when it can judge the refusal: it has a code, and no quota stopped the request
    before its rule could be judged. A throttling answer says nothing of the request (E-045),
    wherever its code stands: JD's business `43010 流量受限` under gateway 10000 too."""
    found = response.answer or read_answer(ctx.contract, ctx.api, response.status, response.body)
    if found.where is None or found.code is None or found.throttled:
        return None
    if found.where == "gateway" and refusal.where == "business" and found.category == "quota":
        return None
    return found


def _accepted(found: Answer) -> bool:
    return found.ran or found.processing or (found.where == "errcode" and found.code == "0")


def _not_verified(ctx: RuleContext, found: Answer, refusal: Refusal) -> bool:
    """/idno answered as a verification that did not pass (errcode 0, success "false", no score:
    `false:验证不通过`, `score ... 验证通过时返回`) where that is no acceptance (E-067): to an ID
    number whose check digit is wrong (E-009's bad_idnum due), which finds no one in the 公安库;
    and to a request only an image convention calls invalid (a cut JPEG, a pixel bomb), which a
    service looking the person up first declines unread: fuzz's identity is in no live registry,
    so the run cannot tell it from a comparison that ran. Not for a seed rule's request (a video
    over the limit, LIP without a liveCode): that answer is a comparison that ran."""
    if ctx.operation != "matchIdno" or not found.ran or found.decision is not False:
        return False
    if found.score_sent:  # something was compared
        return False
    return refusal.basis == "convention" or _check_digit_due(ctx, refusal)


def _check_digit_due(ctx: RuleContext, refusal: Refusal) -> bool:
    """Whether the refusal due is the ID number's check digit (E-009), where E-067 is observed."""
    meanings = (ctx.code(refusal.where, c) for c in refusal.codes)
    return any(m is not None and m.name == "bad_idnum" for m in meanings)


@rule(
    "FH-S03",
    "invalid_refused",
    api="*",
    kind="refusal",
    quote="errcode | 0交易成功 其它为异常情况 (000); 四、错误码信息 (004): invalid is refused",
    observes=("E-067",),
)
def invalid_refused(ctx: RuleContext, response: Exchange, refusal: Refusal) -> None:
    """An invalid request is refused with a code of its kind; the basis is its broken rule's:
    seed, an HTTP/JSON/image convention (at most ``low``), or faceharness' reading of an erratum
    (an undocumented limit or format: observed when accepted). An accepted bad sign is ``high``
    here as in conformance (FH-A10). errcode 0 with a failed status is a refusal under the
    two-level reading (E-039)."""
    found = _judged(ctx, response, refusal)
    if found is None:
        return
    severity: Level = "low" if refusal.basis == "convention" else "high"
    broken = f"{refusal.rule}: {refusal.detail}"
    if _not_verified(ctx, found, refusal):
        if not _check_digit_due(ctx, refusal):
            return
        message = f'/idno answered success "false" without a score (验证不通过) to {broken}'
        required = observe_reading(ctx.readings, "E-067", False, message)
        if required is not None:
            raise Violation(message + required, severity=severity, basis="reading", erratum="E-067")
        return
    accepted = _accepted(found)
    if found.meaning is not None and found.meaning.name == "bad_idnum":
        required = observe_reading(ctx.readings, "E-067", True, "")
        if required is not None:
            message = f"/idno refused {broken} with errcode {found.code}"
            raise Violation(message + required, severity=severity, basis="reading", erratum="E-067")
    if refusal.reading is not None:
        erratum = refusal.reading
        message = f"accepted although faceharness' reading of {erratum} calls it invalid ({broken})"
        required = observe_reading(ctx.readings, erratum, not accepted, message)
        if required is not None:
            raise Violation(message + required, severity=severity, basis="reading", erratum=erratum)
        if accepted:
            return
    elif accepted:
        raise Violation(
            f"accepted although it breaks {broken}", severity=severity, basis=refusal.basis
        )
    if found.where not in ("status", refusal.where, *refusal.also):
        raise Violation(
            f"{found.where} code {found.code} where a {refusal.where} code "
            f"{'/'.join(refusal.codes)} was due ({broken})",
            severity=severity,
        )


@rule(
    "FH-S04",
    "rule_code",
    api="*",
    kind="refusal",
    quote="系统级错误码 详见返回码; 业务错误码(code) 说明 (004): each fault its code (000: E-014)",
    observes=("E-014",),
)
def rule_code(ctx: RuleContext, response: Exchange, refusal: Refusal) -> None:
    """A refused request carries its broken rule's own code where that code is due (``strict``).

    Another of the internal API's codes (faceharness' decision) is an observation of E-014. A
    request invalid only under faceharness' reading of an erratum (a serialNo beyond ASCII, E-043)
    has no code the documents tie to it: any refusal is the reading's (session 25: fuzz's pinned
    full-width serialNo refused 43011 请求参数不在接受范围 read "the contract assigns 100").
    """
    found = _judged(ctx, response, refusal)
    if (
        found is None
        or _accepted(found)
        or _not_verified(ctx, found, refusal)
        or found.where != refusal.where
        or found.code in refusal.codes
    ):
        return
    due = "/".join(refusal.codes)
    what = f"{refusal.rule} ({refusal.detail})" if refusal.rule else refusal.detail
    decided = not any(
        getattr(ctx.code(refusal.where, c), "documented", True) for c in refusal.codes
    )
    if decided and (not refusal.strict or found.meaning is None):
        raise observed(
            "E-014",
            f"Received: {found.label} for {what}\n"
            f"Default reading: {refusal.where} {due} (faceharness' table)",
        )
    if _both_generic_input(ctx, refusal, found.code):
        return
    if refusal.strict and refusal.reading is None:
        raise Violation(f"{refusal.where} code {found.code} for {what}; the contract assigns {due}")


# JD's two business codes of an invalid parameter, which no sentence ties to a cause (E-095)
_GENERIC_INPUT = frozenset({"invalid_parameter", "out_of_range"})


def _both_generic_input(ctx: RuleContext, refusal: Refusal, code: str | None) -> bool:
    """Whether ``code`` and every code due are JD's `100 参数不合法!` or `43011
    请求参数不在接受范围`: the table gives both and ties neither to a fault, so either refuses any
    invalid parameter (E-095; round 15, legit jd-input-codes-swapped)."""
    if refusal.where != "business" or code is None:
        return False
    named = [getattr(ctx.code("business", c), "name", None) for c in (code, *refusal.codes)]
    return getattr(ctx.code("business", code), "api", None) == "jd" and set(named) <= _GENERIC_INPUT


@rule(
    "FH-J20",
    "refusal-not-system-error",
    api="jd",
    kind="refusal",
    quote="100 参数不合法!; 50 系统错误! (a request invalid under some reading is the caller's "
    "fault or, under another, answered: never the service's failure)",
)
def refusal_not_system_error(ctx: RuleContext, response: Exchange, refusal: Refusal) -> None:
    """A JD request invalid under every reading (its broken rule a seed sentence) is refused as
    the caller's fault, never answered 50 系统错误!: that blames the service and invites retries
    of a request that can never succeed (an exception the service did not catch). Which refusal
    code is due is FH-S04's. Not judged for a request naming an imgUrl (a failed fetch may be
    the service's own failure). One invalid only by a reading (a serialNo beyond ASCII, E-043)
    is judged too: valid under the other reading it is answered, invalid it is refused as the
    caller's, and 50 is neither (session 25: a latin1 column's 50 passed every refusal rule)."""
    if refusal.basis not in ("seed", "reading") or refusal.fetches:
        return
    found = _judged(ctx, response, refusal)
    if found is not None and system_error(ctx, found):
        why = (
            "the request breaks a sentence of the document under every reading"
            if refusal.reading is None
            else f"it is valid under one reading of {refusal.reading}, the caller's fault under "
            "the other, and the service's failure under none"
        )
        raise Violation(
            f"Received: business code {found.code} (system error) for {refusal.detail}\n"
            "Expected: refused as the caller's invalid input (e.g. 100 参数不合法!), not 50 "
            f"系统错误!: {why}"
        )
