"""The rules invalid requests break, and the codes the contract assigns to each.

Codes are never written here as numbers: they are looked up in ``specs/codes.yaml`` by
their meaning (``CodeTable.code_for``), so the fuzzer and the emulator cannot drift apart
silently; a renamed meaning fails loudly as a SpecError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hypothesis.errors import InvalidArgument

from harness.clients import Request
from harness.clients._auth import SIGN_NOT_32_HEX
from harness.config import did_you_mean
from harness.conformance._registry import Basis
from harness.contract import Contract


@dataclass(frozen=True)
class Rule:
    """A rule an invalid request breaks, and why the request is invalid: ``seed`` (a document says
    so), ``convention`` (an HTTP/JSON/image norm: a finding at most ``low``) or ``reading`` (only
    faceharness' reading of ``erratum`` makes it invalid: a service accepting it is observed
    following the alternative, not failed). ``readings`` overrides the erratum per api. A seed
    rule's ``erratum`` is the reading some of its cases break alone, told case by case
    (``_checks.reading_only``: wrong-type's value a binder coerces, E-085)."""

    id: str
    title: str
    apis: tuple[str, ...]
    basis: Basis = "seed"
    erratum: str | None = None
    readings: tuple[tuple[str, str], ...] = ()  # (api, erratum): a reading on that api only

    def reading_for(self, api: str) -> str | None:
        """The erratum whose reading makes this rule's requests invalid on ``api``; None: invalid
        under all."""
        return dict(self.readings).get(api) or (self.erratum if self.basis == "reading" else None)


# id | apis | basis | erratum (API:E-NNN: a reading on that api only) | title (an indented line
# goes on with the title above)
_TABLE = """
missing-field        | match jd | seed       |             | a required field is absent
wrong-type           | match jd | seed       | E-085       | a field has the wrong JSON type
                                                             (one a binder coerces: E-085, an
                                                             observation)
enum-outside         | match jd | seed       |             | a value outside its enum
empty-string         | match jd | seed       |             | an empty string where the documents
                                                             forbid it (E-034)
oversize             | match jd | seed       |             | a value over its documented size
                                                             (E-012, E-020, E-024); over
                                                             faceharness' own limits (E-043) an
                                                             observation
out-of-range         | jd       | seed       |             | an imgArr element outside -128..255
                                                             (E-021)
extra-field          | match    | reading    | E-032       | validateData takes no parameters
                                                             (E-032)
image-sources        | jd       | seed       |             | an ImageItem with two or three image
                                                             sources, or none (E-023)
fixed-field          | jd       | seed       |             | a 固定值 field with another value
bad-base64           | match jd | reading    | E-043       | image data that is not plain padded
                                                             base64
wrong-magic          | match jd | seed       | match:E-043 | bytes that are not jpg/png (or mp4 for
                                                             a video)
truncated-image      | match jd | convention |             | a JPEG/PNG stream cut short
zero-byte-image      | match jd | seed       |             | an empty image
decompression-bomb   | match jd | convention |             | a tiny PNG declaring a huge pixel count
huge-dimensions      | match jd | convention |             | a JPEG whose header declares
                                                             65000x65000 pixels
unicode-control      | match jd | reading    | E-043       | unicode look-alikes or control
                                                             characters where a pattern forbids them
deep-json            | match jd | convention |             | JSON nested thousands of levels deep
huge-json            | match jd | convention |             | a body far larger than any valid one
not-json             | match jd | seed       |             | a body that is not a JSON object
bad-token            | match    | seed       |             | a missing or unknown Authorization
                                                             token (E-016)
bad-check-digit      | match    | seed       |             | an idNum whose GB 11643 check digit is
                                                             wrong (E-009)
lip-without-livecode | match    | seed       |             | LIP mode without liveCode (E-008)
bad-appkey           | jd       | seed       |             | a missing or unknown appkey
bad-timestamp        | jd       | seed       |             | a missing, malformed, expired or future
                                                             timestamp (E-019)
bad-sign             | jd       | seed       |             | a missing or wrong sign (E-018)
sign-case            | jd       | reading    | E-018       | the right sign in uppercase hex (E-018:
                                                             the case is not stated)
livecode-single-use  | match    | reading    | E-042       | a liveCode used a second time (E-042)
livecode-expiry      | match    | seed       |             | a liveCode used after its lifetime
                                                             (emulator only)
quota-exhausted      | jd       | seed       |             | a call with remainTimes 0 (E-028)
"""


def _rule(row: str) -> Rule:
    rid, apis, basis, erratum, title = (cell.strip() for cell in row.split("|"))
    on, _, which = erratum.rpartition(":")
    readings = ((on, which),) if on else ()
    erratum = "" if on else erratum
    return Rule(rid, title, tuple(apis.split()), basis, erratum or None, readings)  # type: ignore[arg-type]


_ALL = {r.id: r for r in map(_rule, re.sub(r"\n\s+", " ", _TABLE.strip()).splitlines())}
# the rules invalid requests break; the last three are the state machines' (named in their cases)
RULES = dict(list(_ALL.items())[:-3])
STATE_RULES = dict(list(_ALL.items())[-3:])


# where else than its code's place a rule's refusal passes: the seed gives a bad timestamp no code
# (timestamp有效期5分钟; 系统级错误码 详见返回码), so a service checking it behind the gateway
# (business 43011, 100) refuses it too, as conformance's FH-A18 holds; only a comparison is a defect
ALSO_REFUSED_AT = {"bad-timestamp": ("business",)}


def also_refused_at(rule: str, request: Request) -> tuple[str, ...]:
    """Where else than its code's place the refusal of ``request`` (breaking ``rule``) passes:
    :data:`ALSO_REFUSED_AT`'s, and the business for a sign that is not 32 hex digits
    (``SIGN_NOT_32_HEX``: the document ties the sign's format to no code, so 100 参数不合法 of a
    service checking it with the parameters refuses it, as conformance's FH-A15 takes it)."""
    also = ALSO_REFUSED_AT.get(rule, ())
    if request.auth.sign in SIGN_NOT_32_HEX and "business" not in also:
        also = (*also, "business")
    return also


def rule_of(rule_id: str) -> Rule:
    return RULES.get(rule_id) or STATE_RULES.get(rule_id) or Rule(rule_id, rule_id, ("match", "jd"))


def check_rules(rules: object, api: str) -> tuple[str, ...] | None:
    """Eager argument check for ``rules=``: known ids that apply to ``api``; None means all."""
    if rules is None:
        return None
    chosen = tuple(rules) if isinstance(rules, Iterable) and not isinstance(rules, str) else None
    if chosen is None or not all(isinstance(r, str) for r in chosen):
        raise InvalidArgument(
            f"rules must be a list of rule ids such as ['bad-sign'], got rules={rules!r}"
        )
    if not chosen:
        raise InvalidArgument("rules=[] selects nothing; pass None for every rule")
    for rule in chosen:
        if rule not in RULES:
            hint = did_you_mean(rule, RULES) or f"; known: {', '.join(RULES)}"
            raise InvalidArgument(f"unknown rule {rule!r}{hint}")
        if api != "all" and api not in RULES[rule].apis:
            raise InvalidArgument(
                f"rule {rule!r} does not apply to api {api!r} (it applies to "
                f"{', '.join(RULES[rule].apis)})"
            )
    return chosen


# the codes the rules earn, by meaning in the code table: the internal API's errcode (faceharness
# decisions, ERRATA E-014), JD's business result.code, and JD's gateway code by auth mode
_CODES = {
    "match_invalid": ("match", "errcode", "invalid parameter"),
    "match_unusable": ("match", "errcode", "image or video data unusable"),
    "match_oversize": ("match", "errcode", "data over the size limit"),
    "match_not_json": ("match", "errcode", "request body is not a JSON object"),
    "match_lip": ("match", "errcode", "liveCode missing in LIP mode"),
    "match_no_token": ("match", "errcode", "Authorization header missing"),
    "match_bad_token": ("match", "errcode", "Authorization token invalid"),
    "match_id_check": ("match", "errcode", "ID number fails"),
    "jd_invalid": ("jd", "business", "invalid parameter"),
    "jd_fixed": ("jd", "business", "business parameters wrong"),
    "jd_range": ("jd", "business", "request parameter outside"),
    "no_appkey": ("jd", "gateway", "appkey empty"),
    "wrong_appkey": ("jd", "gateway", "wrong appkey"),
    "no_timestamp": ("jd", "gateway", "timestamp empty"),
    "malformed_timestamp": ("jd", "gateway", "timestamp malformed"),
    "expired_timestamp": ("jd", "gateway", "timestamp outside"),
    "future_timestamp": ("jd", "gateway", "timestamp outside"),
    "no_sign": ("jd", "gateway", "sign empty"),
    "bad_sign": ("jd", "gateway", "invalid sign"),
}


class Codes:
    """The codes each rule earns (``codes.match_invalid``, ``codes.code("bad_sign")``), looked up
    by meaning in the contract's code table."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract

    def __repr__(self) -> str:
        return "Codes(contract)"

    def code(self, name: str) -> str:
        return self.contract.codes.code_for(*_CODES[name]).code

    def __getattr__(self, name: str) -> str:
        if name not in _CODES:
            raise AttributeError(name)
        return self.code(name)
