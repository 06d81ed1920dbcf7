"""The rules invalid requests break, and the codes the contract assigns to each.

Codes are never written here as numbers: they are looked up in ``specs/codes.yaml`` by
their meaning (``CodeTable.code_for``), so the fuzzer and the emulator cannot drift apart
silently; a renamed meaning fails loudly as a SpecError.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hypothesis.errors import InvalidArgument

from harness.config import did_you_mean
from harness.conformance._registry import Basis
from harness.contract import Contract


@dataclass(frozen=True)
class Rule:
    """A rule an invalid request breaks, and why the request is invalid: ``seed`` (a document says
    so), ``convention`` (an HTTP/JSON/image norm: a finding at most ``low``) or ``reading`` (only
    faceharness' reading of ``erratum`` makes it invalid: a service accepting it is observed
    following the alternative, not failed). ``readings`` overrides the erratum per api."""

    id: str
    title: str
    apis: tuple[str, ...]
    basis: Basis = "seed"
    erratum: str | None = None
    readings: tuple[tuple[str, str], ...] = ()  # (api, erratum): a reading on that api only

    def reading_for(self, api: str) -> str | None:
        """The erratum whose reading makes this rule's requests invalid on ``api``; None: invalid
        under all."""
        for on, erratum in self.readings:
            if on == api:
                return erratum
        return self.erratum if self.basis == "reading" else None


BOTH = ("match", "jd")
RULES: dict[str, Rule] = {
    r.id: r
    for r in [
        Rule("missing-field", "a required field is absent", BOTH),
        Rule("wrong-type", "a field has the wrong JSON type", BOTH),
        Rule("enum-outside", "a value outside its enum", BOTH),
        Rule("empty-string", "an empty string where the documents forbid it (E-034)", BOTH),
        Rule(
            "oversize",
            "a value over its documented size (E-012, E-020, E-024); over faceharness' own limits "
            "(E-043) an observation",
            BOTH,
        ),
        Rule("out-of-range", "an imgArr element outside -128..255 (E-021)", ("jd",)),
        Rule(
            "extra-field",
            "validateData takes no parameters (E-032)",
            ("match",),
            "reading",
            "E-032",
        ),
        Rule(
            "image-sources",
            "an ImageItem with two or three image sources, or none (E-023)",
            ("jd",),
        ),
        Rule("fixed-field", "a 固定值 field with another value", ("jd",)),
        Rule("bad-base64", "image data that is not plain padded base64", BOTH, "reading", "E-043"),
        Rule(
            "wrong-magic",
            "bytes that are not jpg/png (or mp4 for a video)",
            BOTH,
            readings=(("match", "E-043"),),
        ),
        Rule("truncated-image", "a JPEG/PNG stream cut short", BOTH, "convention"),
        Rule("zero-byte-image", "an empty image", BOTH),
        Rule("decompression-bomb", "a tiny PNG declaring a huge pixel count", BOTH, "convention"),
        Rule(
            "huge-dimensions", "a JPEG whose header declares 65000x65000 pixels", BOTH, "convention"
        ),
        Rule(
            "unicode-control",
            "unicode look-alikes or control characters where a pattern forbids them",
            BOTH,
            "reading",
            "E-043",
        ),
        Rule("deep-json", "JSON nested thousands of levels deep", BOTH, "convention"),
        Rule("huge-json", "a body far larger than any valid one", BOTH, "convention"),
        Rule("not-json", "a body that is not a JSON object", BOTH),
        Rule("bad-token", "a missing or unknown Authorization token (E-016)", ("match",)),
        Rule("bad-check-digit", "an idNum whose GB 11643 check digit is wrong (E-009)", ("match",)),
        Rule("lip-without-livecode", "LIP mode without liveCode (E-008)", ("match",)),
        Rule("bad-appkey", "a missing or unknown appkey", ("jd",)),
        Rule("bad-timestamp", "a missing, malformed, expired or future timestamp (E-019)", ("jd",)),
        Rule("bad-sign", "a missing or wrong sign (E-018)", ("jd",)),
        Rule(
            "sign-case",
            "the right sign in uppercase hex (E-018: the case is not stated)",
            ("jd",),
            "reading",
            "E-018",
        ),
    ]
}

# rules of the stateful properties (not generated as invalid cases, named in their InvalidCase)
STATE_RULES: dict[str, Rule] = {
    r.id: r
    for r in [
        Rule(
            "livecode-single-use",
            "a liveCode used a second time (E-042)",
            ("match",),
            "reading",
            "E-042",
        ),
        Rule("livecode-expiry", "a liveCode used after its lifetime (emulator only)", ("match",)),
        Rule("quota-exhausted", "a call with remainTimes 0 (E-028)", ("jd",)),
    ]
}


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
