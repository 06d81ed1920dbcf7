"""Business rules of JD faceCompareNew (seed 004) that its schema cannot express; the JD tables
have no 必填 values (E-023), so parts the harness cannot read are fine."""

from __future__ import annotations

import functools
import itertools
import math
import re
import time
from typing import Any

from harness.clients import Exchange, Request
from harness.contract import NUMBER, num_code, parse_score, score_step

from ._registry import RuleContext, Violation, envelope, observe_reading, observed, rule

# a number as a msg writes it (harness.contract's NUMBER): in exponent form too, as a language
# writes a small double into a string (Java's `"分数:" + 7.06E-5`, Python's `f"分数:{7.06e-05}"`;
# E-027, E-072). A threshold is unsigned (a "-" stops it: FH-J07 then takes the run's); a
# score stated negative is still a score that FH-J17 compares
_THRESHOLD = re.compile(rf"阈值\s*[:：]\s*({NUMBER})")
SERIAL = re.compile(r"^[0-9A-Za-z_.:-]{1,64}$")  # serialNo as the spec shapes it (E-043)
_DAY_MS = 86_400_000
_EPS = 5e-5  # msg prints the threshold with 4 decimals
_PUNCT = str.maketrans({"，": ",", "！": "!", "：": ":", "（": "(", "）": ")", " ": None})
jd_rule = functools.partial(rule, api="jd")


def _business(ctx: RuleContext, response: Exchange) -> dict[str, Any] | None:
    """`result` of a gateway-success answer, else None."""
    body = envelope(response) or {}
    if body.get("code") not in ctx.contract.jd_success_codes:
        return None
    result = body.get("result")
    return result if isinstance(result, dict) else None


def _compared(ctx: RuleContext, body: dict[str, Any]) -> bool:
    """Whether a gateway-success answer says the comparison ran: business code 0 or 1155."""
    result = body.get("result")
    code = _int(result.get("code")) if isinstance(result, dict) else None
    return code in (0, ctx.contract.jd_not_same_person_code)


def _verdict_or_score(result: dict[str, Any]) -> bool:
    """Whether a result states a comparison's outcome: a default-initialised object beside a
    gateway error (code 0, result false, no score) states none."""
    return result.get("result") is True or parse_score(result.get("score")) not in (None, 0.0)


def _int(value: Any) -> int | None:
    """An int or long field as its integer (``1155.0`` too: E-058's other reading, which FH-J04,
    FH-J12 and FH-J13 observe; the other rules judge the value)."""
    return num_code(value)


def _whole(ctx: RuleContext, field: str, value: Any, typed: str) -> int | None:
    """An int or long field of seed 004 as its integer, the reading of E-058 it follows recorded:
    ``1155.0`` is the integer 1155 under the other (JSON has one number type); a fraction is no
    integer under any reading; ``typed``: the seed's row."""
    if isinstance(value, float) and not isinstance(value, bool):
        if not value.is_integer():
            raise Violation(f"Received: {field}={value!r}\nExpected: a whole number ({typed})")
        example = f"{field}={value!r}: a whole number written with a fraction part of zero"
        required = observe_reading(ctx.readings, "E-058", False, example)
        if required is not None:
            raise Violation(example + required, basis="reading", erratum="E-058")
        return int(value)
    found = _int(value)
    if found is not None:
        required = observe_reading(ctx.readings, "E-058", True, "")
        if required is not None:
            raise Violation(f"{field}={found}" + required, basis="reading", erratum="E-058")
    return found


def operating_threshold(msg: Any) -> float | None:
    """The threshold a below-threshold msg states ("... 阈值:0.8179 ..."), if any (E-004)."""
    found = _THRESHOLD.search(msg) if isinstance(msg, str) else None
    return float(found.group(1)) if found else None


@jd_rule(
    "FH-J01",
    "gateway-envelope-consistent",
    erratum="E-002",
    observes=("E-002",),
    quote="code string 1000 参见下方错误码-系统级错误码; result object {...} 查询结果; example "
    '"code": "10000"',
)
def gateway_envelope(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """The gateway code is a string; gateway success carries the result (查询结果), and a gateway
    error no comparison's (business code 0 or 1155): the call was refused. Success is the
    example's "10000" or the table's "1000" (E-002: which one the target follows is observed)."""
    body = envelope(response)
    if body is None:
        return None
    code, ok = body.get("code"), ctx.contract.jd_success_code
    if not isinstance(code, str):
        raise Violation(
            f"Received: code={code!r}\nExpected: the gateway code as a string, e.g. {ok!r} (E-002)"
        )
    success = code in ctx.contract.jd_success_codes
    if success and not isinstance(body.get("result"), dict):
        raise Violation(
            f"Received: gateway {code} with result={body.get('result')!r}\n"
            "Expected: the result object (查询结果) on gateway success"
        )
    if not success and _compared(ctx, body) and _verdict_or_score(body["result"]):
        raise Violation(
            f"Received: gateway {code} with a comparison's result (result.code "
            f"{body['result'].get('code')})\n"
            f"Expected: a refused call without a comparison; a comparison under gateway {ok}"
        )
    if not success:
        return None
    if code != ok:
        raise observed(
            "E-002",
            f"Received: gateway success {code!r}\n"
            f"Default reading: {ok!r} (the example; the table's {code!r} is the alternative)",
        )
    return "E-002"


@jd_rule(
    "FH-J02",
    "gateway-code-in-table",
    severity="medium",
    any_outcome="envelope",
    quote="code string 1000 参见下方错误码-系统级错误码; 1.系统级错误码 详见返回码",
)
def gateway_code_in_table(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """Every gateway code is in JD's published return-code table."""
    body = envelope(response) or {}
    code = body.get("code")
    if isinstance(code, str) and ctx.code("gateway", code) is None:
        raise Violation(
            f"Received: gateway code {code}\nExpected: a code of JD's return-code table"
        )


@jd_rule("FH-J03", "gateway-msg-matches-code", severity="low", reading="E-040")
def gateway_msg_matches_code(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Whether a gateway msg uses codes.yaml's wording for its code (E-040: the code is the
    contract)."""
    body = envelope(response) or {}
    code = body.get("code")
    meaning = ctx.code("gateway", code) if isinstance(code, str) else None
    msg = body.get("msg")
    if meaning is None or not isinstance(msg, str) or code in ctx.contract.jd_success_codes:
        return None
    # the code's text or a recorded variant, full- and half-width punctuation alike
    wanted = (meaning.msg_prefix, *getattr(meaning, "variants", ()))
    if not any(msg.translate(_PUNCT).startswith(w.translate(_PUNCT)) for w in wanted if w):
        raise observed(
            "E-040",
            f"Received: gateway {code} with msg {msg[:80]!r}\n"
            f"Default reading: msg beginning with {meaning.msg_prefix!r} (JD's tables word it "
            "in several ways; the code is the contract)",
        )
    return "E-040"


@jd_rule(
    "FH-J04",
    "business-code-in-table",
    observes=("E-058",),
    quote="2.业务错误码 (the table of result.code values)",
)
def business_code_in_table(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """Every business code (result.code) is in the document's table: an int (``code int``), so
    ``1155.5`` is none of its codes (``1155.0`` is 1155 under E-058's other reading); a result
    beside a gateway error (its content undocumented, E-023) is held to the type only."""
    body = envelope(response) or {}
    result = _business(ctx, response)
    beside = body.get("result") if result is None else None  # beside a gateway error: its type
    if isinstance(beside, dict) and isinstance(beside.get("code"), float):
        _whole(ctx, "result.code", beside["code"], "code int 0 状态code")
    code = _whole(ctx, "result.code", result.get("code"), "code int 0 状态code") if result else None
    if code is not None and ctx.code("business", code) is None:
        raise Violation(
            f"Received: result.code {code}\nExpected: a code of the document's 业务错误码 table"
        )


@jd_rule("FH-J05", "business-msg-matches-code", severity="low", reading="E-027")
def business_msg_matches_code(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Whether result.msg begins with the table's text for its code ("success" for code 0;
    E-027)."""
    result = _business(ctx, response)
    code = _int(result.get("code")) if result else None
    msg = result.get("msg") if result else None
    meaning = ctx.code("business", code) if code is not None else None
    if meaning is None or not isinstance(msg, str):
        return None
    allowed = ("success", meaning.msg_prefix) if code == 0 else (meaning.msg_prefix,)
    if code == 0 and msg.startswith(allowed):
        return None  # "success" for 0 is the table's word under any wording of the errors
    if not msg.startswith(allowed):
        raise observed(
            "E-027",
            f"Received: result.code {code} with msg {msg[:80]!r}\n"
            f"Default reading: msg beginning with {' or '.join(repr(a) for a in allowed)} (E-027)",
        )
    return "E-027"


@jd_rule(
    "FH-J06",
    "thresholds-fall",
    erratum="E-004",
    observes=("E-004",),
    quote="e4 误识率为万分之一的阈值 ... e7 误识率为千万分之一的阈值 "
    "(a stricter rate, a stricter threshold)",
)
def thresholds_fall(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """A stricter false-accept rate has a stricter threshold, so e4..e7 run one way: a distance
    engine's fall (e4 >= e5 >= e6 >= e7, the example's: E-004's default), a similarity engine's
    rise (its other reading, observed: no sentence names the scale). Neither way is a defect, nor
    are equal neighbours (the table's own e4..e7 are all 1.0920000: a stricter rate, a threshold
    no looser); only one pair rising and another falling is (a stricter rate, a looser threshold
    somewhere, ERRATA E-004)."""
    result = _business(ctx, response)
    threshold = result.get("threshold") if result else None
    if not isinstance(threshold, dict):
        return None
    keys = sorted(ctx.contract.jd_threshold_fmr, key=lambda k: -ctx.contract.jd_threshold_fmr[k])
    values = [parse_score(threshold.get(k)) for k in keys]
    if any(v is None for v in values):
        return None
    shown = ", ".join(f"{k}={threshold.get(k)}" for k in keys)
    pairs = list(itertools.pairwise(values))
    falls = all(a >= b for a, b in pairs)  # type: ignore[operator]
    rises = all(a <= b for a, b in pairs)  # type: ignore[operator]
    if falls and rises:  # all equal (the table's 1.0920000 each): either way
        return None
    if falls:
        return "E-004"
    if rises:
        raise observed(
            "E-004",
            f"Received: {shown}\nDefault reading: {' > '.join(keys)}, distance thresholds (E-004)",
        )
    raise Violation(
        f"Received: {shown}\nExpected: {' >= '.join(keys)} or {' <= '.join(keys)}: a stricter "
        "rate, a threshold no looser (E-004)"
    )


@jd_rule(
    "FH-J22",
    "thresholds-are-not-the-far",
    erratum="E-004",
    quote="e4 Float 1.0920000 误识率为万分之一的阈值 ... e7 Float 1.0920000 "
    "误识率为千万分之一的阈值 (the threshold at that false-accept rate, not the rate)",
)
def thresholds_are_not_the_far(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """The thresholds are not the false-accept rates their rows name (e4 = 0.0001 ... e7 =
    1e-07): a serializer writing each key's rate where its threshold belongs gives a client no
    threshold. Their scale is the engine's (E-035), so only the rates themselves, every one sent
    (at least two), are a finding: no threshold of any scale is all four of them by chance."""
    result = _business(ctx, response)
    threshold = result.get("threshold") if result else None
    if not isinstance(threshold, dict):
        return
    rates = ctx.contract.jd_threshold_fmr
    sent = {k: parse_score(threshold.get(k)) for k in rates if threshold.get(k) is not None}
    if len(sent) >= 2 and all(
        v is not None and math.isclose(v, rates[k], rel_tol=1e-6) for k, v in sent.items()
    ):
        shown = ", ".join(f"{k}={threshold.get(k)}" for k in sent)
        raise Violation(
            f"Received: {shown}\n"
            "Expected: the threshold at each false-accept rate (误识率为万分之一的阈值 ...), not "
            "the rate itself"
        )


@jd_rule(
    "FH-J07",
    "result-follows-threshold",
    erratum="E-004",
    observes=("E-047",),
    quote='example "result": false, "msg": "比对失败 :人脸比对判断 分数:0.7060586 阈值:0.8179 '
    '结果:false", "code": 1155; 0 成功',
)
def result_follows_threshold(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """result is true exactly when score reaches the operating threshold; code 1155, or any code
    of a call that failed (100 参数不合法, ...), never with true. A non-match under code 0 (the
    verdict in result alone) is E-047's other reading."""
    result = _business(ctx, response)
    if not result or not isinstance(result.get("result"), bool):
        return None
    verdict, code = result["result"], _int(result.get("code"))
    not_same = ctx.contract.jd_not_same_person_code
    if code == not_same and verdict:
        raise Violation(
            f"Received: result.code {code} with result=true\n"
            f"Expected: code 0 with result=true; code {not_same} (比对失败) never with true (E-027)"
        )
    meaning = ctx.code("business", code) if code not in (None, 0, not_same) else None
    # an input refusal (100 参数不合法) ran no comparison; an anti-spoof or risk refusal (1157,
    # 1183, 1159) may follow one that matched: result (算法结果) and code are two fields
    if meaning is not None and meaning.category == "input" and verdict:
        raise Violation(
            f"Received: result.code {code} ({meaning.zh}) with result=true\n"
            "Expected: no verdict 'the same person' on a call that failed; result=true with "
            "code 0 (成功) only"
        )
    score = parse_score(result.get("score"))
    limit = operating_threshold(result.get("msg")) or ctx.facts.operating_threshold
    # msg's threshold has 4 decimals; a score shown rounded (0.82) may have been decided unrounded
    near = max(_EPS, score_step(result.get("score")))
    if (
        score is not None
        and limit is not None
        and abs(score - limit) >= near
        and 0.0 <= score <= 1.0  # outside [0, 1] is FH-J08's finding
        and verdict != (score >= limit)
    ):
        raise Violation(
            f"Received: score={score:.7f}, result={str(verdict).lower()}\n"
            f"Expected: result={str(score >= limit).lower()} at operating threshold {limit} (E-004)"
        )
    if code == 0 and not verdict:
        raise observed(
            "E-047",
            "Received: result.code 0 with result=false\n"
            f"Default reading: code {not_same} (比对失败) for a non-match, as the example has it; "
            "code 0 (状态code) with the verdict in result (算法结果) follows the document as well",
        )
    return "E-047" if code == not_same else None


@jd_rule(
    "FH-J08",
    "jd-score-in-range",
    erratum="E-004",
    severity="medium",
    quote='score Float 0.70605 得分; example "score": 0.7060586214065552',
    fields=("result.score",),
)
def jd_score_in_range(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """score is a similarity in [0, 1]."""
    result = _business(ctx, response)
    if not result or result.get("score") is None:
        return
    score = result["score"]
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
        raise Violation(f"Received: score={score!r}\nExpected: a number in [0, 1] (E-004)")


@jd_rule(
    "FH-J09",
    "similarity-in-range",
    erratum="E-005",
    quote="similarity Integer 76 个图片相似度(百分制)",
    fields=("result.similarity",),
)
def similarity_in_range(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """similarity is an integer percentage 0..100."""
    result = _business(ctx, response)
    if not result or result.get("similarity") is None:
        return
    value = result["similarity"]
    if _int(value) is None or not 0 <= value <= 100:
        raise Violation(f"Received: similarity={value!r}\nExpected: an integer 0..100 (E-005)")


@jd_rule(
    "FH-J10",
    "similarity-monotone",
    erratum="E-005",
    sends=2,
    severity="medium",
    quote="similarity 个图片相似度(百分制); score 得分 (two measures of one likeness)",
)
def similarity_monotone(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """similarity never falls when score rises (across the run)."""
    conflict = ctx.facts.similarity_conflict
    result = _business(ctx, response)
    if conflict is None or not result:
        return
    raise Violation(
        f"Received: score={result.get('score')}, similarity={result.get('similarity')}; "
        f"earlier score={conflict[0]}, similarity={conflict[1]}\n"
        "Expected: similarity non-decreasing in score (E-005)"
    )


@jd_rule("FH-J11", "serialno-echoed", severity="medium", reading="E-041", any_outcome="place")
def serialno_echoed(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Whether result.serialNo echoes the request's serialNo (E-041) or is the service's own
    request id."""
    result = _business(ctx, response)
    body = request.json
    sent = body.get("serialNo") if isinstance(body, dict) else None
    if (
        not result
        or not isinstance(sent, str)
        or not SERIAL.match(sent)
        or result.get("serialNo") is None
    ):
        return None
    if result.get("serialNo") != sent:
        raise observed(
            "E-041",
            f"Received: result.serialNo={str(result.get('serialNo'))[:64]!r}\n"
            f"Default reading: {sent!r}, the request's serialNo echoed (E-041)",
        )
    return "E-041"


@jd_rule(
    "FH-J16",
    "serialno-names-its-request",
    erratum="E-041",
    sends=2,
    any_outcome="place",
    quote='serialNo String "1621270610624-010221159145-1821391" 随机唯一 (request); serialNo '
    "string 98a39e53-84d4-448e-9081-29f64a6cd984 请求id (result)",
)
def serialno_names_its_request(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """result.serialNo (请求id) names this request: echoed, or the service's own id (E-041), it is
    never the serialNo another request of the run sent or was answered (a constant such as the
    document's example UUID, a cached answer kept whole), judged from the run's history
    (``Facts.serial_of_other``); nor this request's cut short (a column narrower than the
    document's own 34-character example): an id of its own is no prefix of 16 or more of the
    caller's characters."""
    other = ctx.facts.serial_of_other
    result = _business(ctx, response)
    body = request.json
    sent = body.get("serialNo") if isinstance(body, dict) else None
    answered = result.get("serialNo") if result else None
    if (
        isinstance(sent, str)
        and SERIAL.match(sent)
        and isinstance(answered, str)
        and _CUT <= len(answered) < len(sent)
        and sent.startswith(answered)
    ):
        raise Violation(
            f"Received: result.serialNo={answered!r} for the request sent with serialNo {sent!r}\n"
            f"Expected: {sent!r} whole (echoed), or an id of the service's own (E-041): not the "
            f"serialNo cut to its first {len(answered)} characters"
        )
    if isinstance(sent, str) and isinstance(answered, str) and _mangled(sent, answered):
        raise Violation(
            f"Received: result.serialNo={answered!r} for the request sent with serialNo {sent!r}\n"
            f"Expected: {sent!r} whole (echoed), or an id of the service's own (E-041): not the "
            "serialNo with its characters beyond ASCII replaced (a column of another charset) or "
            "its letters' case changed (a case-folding store), which other serialNos become too"
        )
    if other is None or not result:
        return
    raise Violation(
        f"Received: result.serialNo={str(answered)[:64]!r} for the request sent with serialNo "
        f"{sent!r}; the run's request {other!r} was answered with it or sent it\n"
        "Expected: a 请求id of this request alone (its serialNo echoed, or an id of the "
        "service's own, E-041), which the document asks 随机唯一"
    )


_CUT = 16  # a cut echo this long is no sequential id or clock reading of the service's own
_REPLACED = frozenset("?\ufffd")  # what an encoder writes for a character it cannot


def _mangled(sent: str, answered: str) -> bool:
    """``answered`` is ``sent`` with two or more of its characters beyond ASCII replaced by ``?``
    (or U+FFFD), the rest kept, as a latin1 or GBK column or a misdeclared charset returns them
    (session 26), or with its letters' case changed, two or more of them, as a case-folding store
    returns them (session 29): an echo no longer naming its request, never an id of the service's
    own."""
    if len(answered) != len(sent) or answered == sent:
        return False
    if answered in (sent.lower(), sent.upper()):
        return sum(1 for c, a in zip(sent, answered, strict=True) if c != a) >= 2
    pairs = list(zip(sent, answered, strict=True))
    replaced = sum(1 for c, a in pairs if a != c and not c.isascii() and a in _REPLACED)
    kept = sum(1 for c, a in pairs if a == c)
    return replaced >= 2 and replaced + kept == len(sent)


_SCORE_IN_MSG = re.compile(rf"分数\s*[:：]\s*(-?{NUMBER})")


@jd_rule(
    "FH-J17",
    "msg-score-is-score",
    erratum="E-027",
    severity="medium",
    quote='example "msg": "比对失败 :人脸比对判断 分数:0.7060586 阈值:0.8179 结果:false", "score": '
    "0.7060586214065552",
)
def msg_score_is_score(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """A msg that states the comparison's score (``分数:``, as the example's) states the score the
    result carries, beyond the rounding of either (or the same on the 0..100 scale): two scores
    of one comparison that disagree leave the caller to guess which was decided on. A msg
    without ``分数`` (E-027: the wording is the service's) is not judged."""
    result = _business(ctx, response)
    msg = result.get("msg") if result else None
    said = _SCORE_IN_MSG.search(msg) if isinstance(msg, str) else None  # a msg of another type
    # is FH-J's schema rule's to judge
    score = parse_score(result.get("score")) if result else None
    if said is None or score is None or not 0.0 <= score <= 1.0 or result is None:
        return
    stated = float(said.group(1))
    # `score Float`: a Java Float holds the engine's double to half a single-precision unit,
    # at most |score| * 2**-24 (E-027; round 15, legit jd-float32: 分数:0.7784267 beside
    # 0.77842677 was a medium finding)
    single = abs(score) * 2.0**-24
    near = score_step(said.group(1)) + score_step(result.get("score")) + single + 1e-9
    # a stated 1e999 is inf, and inf is within 100 times a step as huge: never the score
    if math.isfinite(stated) and any(
        abs(stated - scale * score) <= scale * near for scale in (1.0, 100.0)
    ):
        return
    raise Violation(
        f"Received: msg stating 分数:{said.group(1)} beside score={result.get('score')!r}\n"
        "Expected: the score the result carries (the example: 分数:0.7060586 beside "
        "0.7060586214065552)"
    )


_VERDICT_IN_MSG = re.compile(r"结果\s*[:：]\s*(true|false)\b", re.IGNORECASE)


@jd_rule(
    "FH-J19",
    "msg-verdict-is-result",
    erratum="E-027",
    severity="medium",
    quote='example "result": false, "msg": "比对失败 :人脸比对判断 分数:0.7060586 阈值:0.8179 '
    '结果:false"',
)
def msg_verdict_is_result(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """A msg that states the comparison's verdict (``结果:false``, as the example's) states the
    ``result`` (算法结果) the answer carries: two verdicts of one comparison that disagree leave
    the caller to guess which one holds. A msg without ``结果`` (E-027: the wording is the
    service's) is not judged."""
    result = _business(ctx, response)
    msg = result.get("msg") if result else None
    said = _VERDICT_IN_MSG.search(msg) if isinstance(msg, str) else None
    verdict = result.get("result") if result else None
    if said is None or not isinstance(verdict, bool):
        return
    if (said.group(1).lower() == "true") != verdict:
        raise Violation(
            f"Received: msg stating 结果:{said.group(1)} beside result={str(verdict).lower()}\n"
            "Expected: the verdict the result carries (the example: 结果:false beside "
            '"result": false)'
        )


@jd_rule(
    "FH-J18",
    "refused-credentials-not-charged",
    erratum="E-028",
    quote="charge boolean false 或 true false:不扣费, true:扣费; 1.系统级错误码 (the gateway "
    "refuses a call whose appkey, timestamp or sign is wrong)",
)
def refused_credentials_not_charged(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """A call the gateway refused for its credentials (category auth: an unknown appkey, a
    timestamp outside the window, a wrong sign) is not charged (扣费): nothing was served, and
    the account it names was never proven its sender's (the appkey is in every URL, so charging
    it lets anyone spend another's calls). Under every reading of E-028 only calls the gateway
    accepted are counted."""
    body = envelope(response) or {}
    code = body.get("code")
    meaning = ctx.code("gateway", code) if isinstance(code, str) else None
    if meaning is None or meaning.category != "auth" or body.get("charge") is not True:
        return
    raise Violation(
        f"Received: gateway {code} ({meaning.zh}) with charge=true\n"
        "Expected: charge=false (不扣费): a call refused for its credentials is not charged"
    )


@jd_rule(
    "FH-J12",
    "remaintimes-counts-down",
    erratum="E-028",
    sends=2,
    any_outcome="place",
    observes=("E-028", "E-058"),
    quote="remainTimes long 1305 "
    "剩余调用次数;免费api:每天剩余调用次数;收费api:剩余次数;无限制时为-1",
)
def remaintimes_counts_down(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """remainTimes falls with every comparison that ran, stays -1 when unlimited, never below; by
    exactly one, and after a refused request too, is E-028."""
    body = envelope(response) or {}
    if body.get("code") not in ctx.contract.jd_success_codes:
        return
    # the schema's integer takes 4998.0: a whole count under E-058's other reading
    now = _whole(ctx, "remainTimes", body.get("remainTimes"), "remainTimes long 1305")
    before = ctx.facts.remain_before
    if now is None:
        return None
    if now < -1:
        raise Violation(
            f"Received: remainTimes={now}\nExpected: -1 (unlimited) or a count >= 0 (E-028)"
        )
    if before is None:
        return None
    if before == 0:
        raise Violation(
            "Received: gateway success after remainTimes reached 0\n"
            "Expected: 10040 (free) or 10010 (paid) once no calls remain (E-028)"
        )
    if before == -1:
        if now != -1:
            raise Violation(
                f"Received: remainTimes={now} after -1\nExpected: -1 (无限制时为-1) stays -1"
            )
        return None
    if now == before and not _compared(ctx, body):
        raise observed(
            "E-028",
            f"Received: remainTimes={now} after {before}, for a request the service refused\n"
            f"Default reading: {before - 1} (every call counted; a service may count only the "
            "comparisons it ran, 不扣费)",
        )
    if now >= before:
        raise Violation(
            f"Received: remainTimes={now} after {before}\n"
            "Expected: fewer calls remaining after a counted call (剩余调用次数)"
        )
    if now != before - 1:
        raise observed(
            "E-028",
            f"Received: remainTimes={now} after {before}\n"
            f"Default reading: {before - 1} (one per call; a shared appkey falls faster)",
        )
    return "E-028"


_CLOCK_S = 30  # remainSeconds of two servers of one service may differ by their clocks


@jd_rule(
    "FH-J15",
    "remainseconds-counts-down",
    erratum="E-028",
    sends=2,
    any_outcome="place",
    quote="remainSeconds long 1223456 剩余调用时间(s);免费api:-1;收费api:剩余调用时间;无限制时为-1",
)
def remainseconds_counts_down(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """remainSeconds is the time left (剩余调用时间): it never rises during a run beyond what two
    servers' clocks may differ (a count of seconds used instead rises with every call); -1
    (free or unlimited) is not judged."""
    body = envelope(response) or {}
    now, least = _int(body.get("remainSeconds")), ctx.facts.remain_seconds_least
    if body.get("code") not in ctx.contract.jd_success_codes or now is None or least is None:
        return
    if now > least + _CLOCK_S:
        raise Violation(
            f"Received: remainSeconds={now} after {least} earlier in the run\n"
            "Expected: the seconds remaining (剩余调用时间) falling with time, or -1"
        )


@jd_rule(
    "FH-J13",
    "result-timestamp-ms",
    severity="medium",
    erratum="E-029",
    any_outcome="place",
    observes=("E-058",),
    quote='timestamp long 时间戳; example "timestamp": 1627977407152',
)
def result_timestamp_ms(ctx: RuleContext, response: Exchange, request: Request) -> None:
    """result.timestamp is milliseconds since the epoch, close to now: a long (``1627977407152.0``
    is one under E-058's other reading, a fraction under none)."""
    result = _business(ctx, response)
    typed = "timestamp long 169000000000"
    stamp = _whole(ctx, "result.timestamp", result.get("timestamp"), typed) if result else None
    if stamp is None:
        return
    if abs(stamp - time.time_ns() // 1_000_000) > _DAY_MS:  # integers: a 400-digit long is no float
        raise Violation(
            f"Received: result.timestamp={stamp}\nExpected: milliseconds since the epoch, "
            "within a day of now (E-029)"
        )


@jd_rule("FH-J14", "jd-optional-parts-sent", severity="low", reading="E-023")
def jd_optional_parts_sent(ctx: RuleContext, response: Exchange, request: Request) -> Any:
    """Whether a gateway error leaves result out and a business error's result carries serialNo and
    timestamp (E-023), or the service sends ``"result": null`` / only code and msg (必填 is
    empty)."""
    body = envelope(response) or {}
    code = body.get("code")
    if not isinstance(code, str):
        return None
    if code not in ctx.contract.jd_success_codes:
        if "result" in body and body["result"] is None:
            raise observed(
                "E-023",
                f'Received: gateway {code} with "result": null\n'
                "Default reading: no result part on a gateway error",
            )
        return "E-023"
    result = body.get("result")
    business = _int(result.get("code")) if isinstance(result, dict) else None
    if not isinstance(result, dict) or business in (None, 0, ctx.contract.jd_not_same_person_code):
        return None
    if "serialNo" not in result and "timestamp" not in result:
        raise observed(
            "E-023",
            f"Received: business code {business} whose result holds only "
            f"{', '.join(sorted(result))}\n"
            "Default reading: serialNo and timestamp beside code and msg",
        )
    return "E-023"
