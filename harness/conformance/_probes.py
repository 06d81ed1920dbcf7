"""Probes: requests the generator would only find by luck (a wrong signature with everything else
valid, an image of exactly the documented size), each testing one documented rule.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

from harness import interrupt
from harness.clients import (
    Auth,
    Exchange,
    Given,
    How,
    Request,
    http_client,
    live_code_of,
    retry_after_s,
    reused_sign,
    reused_timestamp,
)
from harness.clients._auth import (
    OUTSIDE_WINDOW_MS,
    SIGN_NOT_32_HEX,
    Part,
    cut_token_is_empty,
    example_timestamp_spellings,
)
from harness.clients._clock import ServiceClock
from harness.contract import (
    Answer,
    Code,
    Contract,
    jd_sign,
    parse_score,
    same_key_bytes,
    score_step,
)
from harness.emulator import check_char, first_generation
from harness.imaging import padded
from harness.pacing import Budget, Pacer
from harness.redact import remember_sign

from ._engine import excerpt
from ._failures import CheckFailed
from ._registry import RULES, Facts, RuleContext, Violation, observed, rule
from ._rules_http import Refusal, names_url, refusal_failure, system_error
from ._session import Session
from ._st_checks import run_rules
from ._transport import NoAnswer

_serial = itertools.count(1)
# serialNo is 随机唯一: no two runs send the same one; shaped as the document's own example
# ("1621270610624-010221159145-1821391", 34 characters), which no reading may refuse
_RUN = f"{uuid.uuid4().int % 10**12:012d}"


def _new_serial() -> str:
    return f"{int(time.time() * 1000)}-{_RUN}-{next(_serial) % 10**7:07d}"


def _digit_serial() -> str:
    """A serialNo of digits alone (32, a String all the same): a service whose JSON mapper infers
    a type echoes it as a number (session 28: fuzz alone sent one, one draw in 16)."""
    return _new_serial().replace("-", "")


def _capital_serial() -> str:
    """A serialNo with capital letters, of the document's example length (34): a service folding
    its case echoes another request's serialNo too (FH-J16)."""
    stamp, run, n = _new_serial().split("-")
    return f"{stamp}-FH{run[2:]}-{n}"


# the probes that send requests in flight together: run last in each API's probe order, so a
# short budget (their mini-bursts at a live target's pace) skips them, never a seed probe before
RACES = ("FH-L12", "FH-L18", "FH-L29")
LAST = ("FH-A23",)  # after the races: it draws on what the other probes leave of the budget


def burst_size(pacer: Pacer, *, unpaced: bool) -> int:
    """The requests a probe sends in flight together: CONCURRENT where no client-side pace is in
    the way (``unpaced``), else a second's worth of the pace (``Pacer.burst``) up to it; 0 below 2
    requests/s (no burst fits)."""
    if unpaced:
        return CONCURRENT
    n = min(CONCURRENT, pacer.most_together())
    return n if n >= 2 else 0


@dataclass
class ProbeContext:
    session: Session
    include_extensions: bool = True
    qps: dict[str, float] = field(default_factory=dict)  # api -> configured limit (URL targets)
    may_burst: bool = False  # no client-side rate limit in the way
    failures: list[CheckFailed] = field(default_factory=list)
    operation: str = ""  # the operation the current probe is about (for findings)
    last_request: Request | None = field(default=None, repr=False)
    last_response: Exchange | None = field(default=None, repr=False)
    # the HTTP rules' failures on last_response: a failing probe's own finding replaces them
    last_http_failures: list[CheckFailed] = field(default_factory=list, repr=False)
    touched: list[str] = field(default_factory=list)  # operations the probe sent to, in order
    paced_out: bool = False  # the probe bursts and the run's pace forbade it (``bursts``)
    # a replay: the burst its finding was found with (its replay file's), sent so again
    replay_burst: int | None = None
    burst: int | None = None  # the burst the probe sent (``bursts``), for its replay file
    # what the probe could not judge, and why (``ApiRun.probes_unjudged``: a pass is inconclusive)
    unjudged: list[str] = field(default_factory=list)
    # a replay of the probe's finding: a probe that draws its case by chance (FH-A23) draws
    # longer, and a draw without the case is ``unjudged`` (inconclusive), never "fixed"
    replaying: bool = False
    # every answer the probe got, with its request's operation (:meth:`judge`): a replay of an
    # answer rule's finding made in the probe's burst asks whether the rule read each of them
    answers: list[tuple[str, Exchange]] = field(default_factory=list, repr=False)

    @property
    def contract(self) -> Contract:
        return self.session.contract

    @property
    def readings(self) -> Any:
        return self.session.readings

    def bursts(self) -> int:
        """How many requests the probe may send in flight together (0: none): CONCURRENT on the
        emulator, or a live target run without a client-side pace (``--max-rps 0``); at a pace,
        a mini-burst of a second's worth (``Pacer.burst``: at most max_rps in any second, the
        average kept; 5 at the URL default); at under 2 requests/s none, and the probe is noted as
        not run at this pace (``ApiRun.probes_unpaced``), so a run says what it left out. A
        replay sends the burst its finding was found with (``replay_burst``)."""
        if self.replay_burst is not None:
            self.burst = self.replay_burst
        else:
            free = self.session.is_emulator or self.may_burst
            self.burst = burst_size(self.session.sender.pacer, unpaced=free)
            self.paced_out = not self.burst
        return self.burst

    def together(self, n: int) -> AbstractContextManager[None]:
        """The block's ``n`` requests go at once: within the pace when there is one."""
        if self.session.is_emulator or self.may_burst:
            return nullcontext()
        return self.session.sender.pacer.burst(n)

    def operations(self) -> list[str]:
        ops = self.contract.spec(self.session.api).operations.values()
        return [op.operation_id for op in ops if self.include_extensions or not op.extension]

    def canonical(self, operation: str, live_code: bool = True, *, close: bool = False) -> Request:
        """A valid request for ``operation`` with fresh credentials and real images (/idno without
        the liveCode E-008 may ask for when not ``live_code``: one send less; its code asked on a
        connection it closes when ``close``)."""
        face, op = self.session.pool.reference, self.contract.operation(operation)
        if operation == "match":
            body: Any = {
                "image": {"origin": "self", "data": face.b64},
                "faceData": {"type": "image", "data": face.b64},
            }
        elif operation == "matchIdno":
            # liveCode and videoType are 是 on /idno (E-008, E-010): valid under every reading
            id_num, name = self.session.identity or ("11010519491231002X", "张三")
            body = {
                "idNum": id_num,
                "name": name,
                "faceData": {"type": "image", "videoType": "SILENT", "data": face.b64},
            }
            code = self.fresh_live_code(close) if live_code else None
            if code is not None:
                body["liveCode"] = code
        elif operation == "asyncResult":
            body = {"traceNo": "faceharness-unknown-trace"}
        elif operation == "faceCompareNew":
            types = self.contract.enum("jd", "ImageItem", "imgType")
            body = {
                **self.contract.jd_fixed_fields,
                "collectionImageItems": [
                    {"imgType": types[0], "encryptionType": "NON", "imgBase64": face.b64}
                ],
                "compareImageItem": {
                    "imgType": "COM" if "COM" in types else types[0],  # not IDP: E-094
                    "encryptionType": "NON",
                    "imgBase64": face.b64,
                },
                "serialNo": _new_serial(),
            }
        else:
            body = {}
        return Request(self.session.api, operation, op.method.upper(), op.path, json=body)

    def fresh_live_code(self, close: bool = False) -> str | None:
        """A liveCode validateData issues now (None when it issues none: other rules report why),
        asked on a connection it closes when ``close`` (:meth:`live_code_request`)."""
        request = self.live_code_request() if close else self.canonical("liveCode")
        return live_code_of(self.send(request))

    def live_code_request(self) -> Request:
        """validateData asked with ``Connection: close``: the comparison that uses its code comes
        on another connection, as from a client's pool or through a balancer (值通过数字验证码
        接口获取 names no connection; round 11: codes kept per connection were refused). Only
        where a fresh code's acceptance is judged (FH-L07, FH-L22): elsewhere a code asked on
        the connection the next request uses keeps that connection's history (FH-A01 finds a
        token checked once per connection so)."""
        request = self.canonical("liveCode")
        return replace(request, headers={**request.headers, "Connection": "close"})

    def send(self, request: Request) -> Exchange:
        """Send one probe request, judged by the per-response rules; no answer raises NoAnswer."""
        session, operation = self.session, request.operation
        self.operation = operation  # a probe's finding is about the request it sent last
        if operation not in self.touched:
            self.touched.append(operation)
        return self.judge(request, *session.send(request, "probe"))

    def judge(self, request: Request, response: Exchange, facts: Facts) -> Exchange:
        """Judge an answer by the per-response rules; it becomes the one a failing probe's
        finding shows. Probes that send from several threads judge in one (see FH-L12)."""
        session, operation = self.session, request.operation
        self.last_request, self.last_response = request, response
        self.answers.append((operation, response))
        self.last_http_failures = []
        ctx = RuleContext(self.contract, session.api, operation, facts, session.readings)
        for failed in run_rules(session, ctx, response, request):
            self.failures.append(
                failed.recorded(session.api, operation, request, excerpt(response))
            )
            if failed.rule_id in RULES and RULES.get(failed.rule_id).api == "*":
                self.last_http_failures.append(failed)
        return response

    def ask(self, request: Request) -> Answer:
        """:meth:`send`, the answer as the contract reads it."""
        answer = self.send(request).answer
        assert answer is not None  # the session raises NoAnswer for a request without one
        return answer

    def ask_envelope(self, request: Request, what: str, expected: str = "an envelope") -> Answer:
        """:meth:`ask`, failing the probe for an answer without an envelope (a throttled one,
        HTTP 429, judges nothing: E-045)."""
        a = self.ask(request)
        if not (enveloped(a) or a.throttled):
            raise Violation(f"Received: HTTP {a.status} for {what}\nExpected: {expected}")
        return a

    def expect(
        self,
        request: Request,
        where: str,
        meaning: str,
        what: str,
        sent: Exchange | None = None,
        exact: bool = True,
    ) -> None:
        """The answer to ``request`` (sent now, or ``sent``) carries the code of ``meaning`` at
        ``where`` as the refusal rules judge it (FH-S03, FH-S04); one without a code at that place
        (HTTP, the gateway's daily quota) fails the probe too. A throttled answer judges nothing
        (E-045: the documented refusal of a rate over the service's own QPS limit). ``exact``
        False: the documents tie no code to this fault, so only the emulator is held to it (as
        fuzz's ``InvalidCase.exact``)."""
        expected = _code(self, where, meaning)
        response = sent or self.send(request)
        if (
            response.answer is not None
            and response.answer.throttled
            and expected.category != "quota"
        ):
            return
        ctx = RuleContext(
            self.contract, self.session.api, request.operation, readings=self.readings
        )
        strict = exact and expected.documented or self.session.is_emulator
        fetches = names_url(request.json)
        refusal = Refusal(expected.where, (expected.code,), what, strict, fetches=fetches)
        failed = refusal_failure(ctx, response, refusal)
        a = response.answer
        assert a is not None
        # errcode 0 with a failed status is a refusal at the errcode (E-039, judged by the book)
        place, coded = "errcode" if a.where == "status" else a.where, a.code is not None
        if place == "business" and not business(a):
            place, coded = "gateway", True  # the gateway's own code: a number, 10000
        if failed is None and enveloped(a) and place == where and coded:
            return
        # a policy requiring E-014's default made another code a finding: of that reading
        reading = failed.erratum if failed is not None and failed.basis == "reading" else None
        raise Violation(
            f"Received: {received(a)}{_named(a.meaning)} for {what}\n"
            f"Expected: {expected.where} code {expected.code} ({expected.en})",
            basis="reading" if reading else None,
            erratum=reading,
        )


def enveloped(answer: Answer) -> bool:
    """A JSON object under 500: the probes judge its codes. Its status is the HTTP rules' alone
    (the documents give none, E-015: a 4xx is FH-H02's convention, a 5xx FH-H01's finding)."""
    return answer.status < 500 and isinstance(answer.body, dict)


def _http_refusal(answer: Answer) -> bool:
    """A 4xx without the API's envelope (no code where the API puts one): the HTTP layer's or a
    binder's own refusal (E-015's other reading; FH-H02's to list, not a probe's)."""
    return 400 <= answer.status < 500 and answer.where is None


def business(answer: Answer) -> bool:
    """A business result under the gateway's success as documented, a string: under a number
    (``10000``, the JD rules' finding) the probes take the answer for the gateway's."""
    return answer.where == "business" and isinstance(answer.body["code"], str)


def received(answer: Answer) -> str:
    """``HTTP 500`` without an envelope or a code (Spring's 400 page), else the code and its
    place (``business code 100``)."""
    if not enveloped(answer) or answer.where is None:
        return f"HTTP {answer.status}"
    return answer.label if answer.where == "status" else f"{answer.where} code {answer.code_text}"


def scored_as_same(contract: Contract, answer: Answer | None) -> Any:
    """The score ``answer`` sent when it is on /match's documented scale and at or above its 80
    beyond the score's rounding, else None: a lower score with "true" is E-011's other reading,
    and one off the scale is FH-M04's. Fuzz's faceless-never-matched asks it too."""
    sent = answer.sent_score if answer is not None else None
    score = parse_score(sent)
    threshold, high = contract.success_threshold("match"), contract.score_ranges["match"][1]
    if score is not None and score <= high and score - threshold > score_step(sent):
        return sent
    return None


def self_match_missed(contract: Contract, answer: Answer | None) -> Any:
    """The score ``answer`` sent for one face compared with itself when no reading of /match's
    scale lets it be the same person's, else None: on the documented 0..100 and below its middle
    (50) beyond the score's rounding, as a 0..1 similarity written unscaled ("1") is. The 80 is
    advice (建议达到80分; /idno: 根据具体场景自行调整阈值), so a calibration that puts the same
    photo at 75..79 breaks no sentence; success "false" (人脸比对出错 under E-011's other reading,
    as a face not found) and a score off the scale (FH-M04's) are not judged. FH-L42 and fuzz's
    self-match ask it."""
    if answer is None or answer.decision is False:
        return None
    sent = answer.sent_score
    score = parse_score(sent)
    high = contract.score_ranges["match"][1]
    if score is not None and score <= high and high / 2 - score > score_step(sent):
        return sent
    return None


def idno_verified(body: Any) -> bool:
    """/idno answered success "true" (验证通过); a refusal, a failed status or "false" is not.
    Fuzz's faceless-never-matched asks it too."""
    data = body.get("data") if isinstance(body, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    return isinstance(result, dict) and result.get("success") == "true"


def zero(answer: Answer) -> bool:
    """errcode 0 (the JSON 0 or "0"), whatever ``data.status`` says (E-039 is FH-M01's)."""
    return answer.where == "status" or answer.code == "0" and answer.where == "errcode"


def _named(meaning: Code | None) -> str:
    return f" ({meaning.en})" if meaning is not None else ""


def _base_item_without_image(p: ProbeContext) -> dict[str, Any]:
    """The canonical request's base ImageItem without its imgBase64: for one that carries its
    image as imgArr (imgBase64、imgArr、imgUrl三选一: one source an item), FH-A20's and FH-J21's."""
    item = p.canonical("faceCompareNew").json["compareImageItem"]
    return {k: v for k, v in item.items() if k != "imgBase64"}


MAX_BURST = 200
_TOKEN = "Authorization ,值为授权token"
_JD_AUTH = (
    "公共请求参数 appkey / timestamp (timestamp有效期5分钟) / "
    "sign (签名,根据规则MD5(sectetkey+timestamp))"
)


probe = functools.partial(rule, kind="probe")


def refused_for_live_code(a: Answer, own: frozenset[tuple[str, str, str]]) -> bool:
    """Refused for the liveCode itself (missing, unknown, expired, used: the codes meaning
    ``liveCode ...``), not for a video the service's liveness check failed: the harness's videos
    never read the digits out, so a LIP check may refuse them as it likes. Fuzz asks it too.
    ``own``: the keys of the service's own table (``--codes``, ``CodeTable.own``), whose meanings
    are its facts as the seed's documented ones are; required, so no caller reads a refusal
    without the user's table (fuzz did until session 27). A refusal this cannot tell (a
    service's own numbers, its own words) a probe tells by contrast:
    :func:`refused_as_without_code`."""
    m = a.meaning
    if not (
        enveloped(a) and a.where == "errcode" and m is not None and m.en.startswith("liveCode")
    ):
        return False
    if m.documented or (m.api, m.where, m.code) in own:
        return True
    # codes.yaml's liveCode codes are faceharness's numbers (E-014): a live service's own table
    # may give them other meanings, so its errmsg must name the liveCode too
    said = a.body.get("errmsg")
    said = said.lower() if isinstance(said, str) else ""
    return any(w in said for w in ("验证码", "livecode", "live code", "verification"))


def _live_code_meaning(a: Answer, own: frozenset[tuple[str, str, str]]) -> bool | None:
    """Whether the service's table says ``a``'s code is a liveCode refusal: True, False (another
    meaning the seed or the service's own table documents), None (untold: faceharness's number,
    E-014, or a code outside the table)."""
    m = a.meaning
    if m is None or not (m.documented or (m.api, m.where, m.code) in own):
        return None
    return m.en.startswith("liveCode")


def _same_refusal(a: Answer, b: Answer) -> bool:
    """``b`` refused with ``a``'s code and ``a``'s errmsg (a service's one answer to both)."""
    said = (a.body.get("errmsg") if enveloped(a) else None, a.code)
    return enveloped(b) and b.refused and (b.body.get("errmsg"), b.code) == said


def refused_as_without_code(p: ProbeContext, request: Request, a: Answer) -> bool:
    """FH-L43's: ``a``, the refusal of ``request`` (a LIP video with a liveCode validateData
    issued, sent with async true), is a refusal for the liveCode: the service's table says so
    (:func:`refused_for_live_code`), or the async path dropped the code: ``a`` is, code and
    errmsg, the service's answer to the request without its liveCode (LIP模式时必传) and not its
    answer to the same request without ``async`` (the default path, the code kept). A service
    refusing the harness's video whatever its code (its liveness check, or a lip reader: the
    videos say no digits, so a fresh code and a never-issued one are refused alike as a
    mismatch) answers both paths alike. Session 26: a service's own numbers or words ("动态码",
    "LIP digits missing") were missed; a code whose documented meaning is another (the seed's,
    ``--codes``) is never one. Two requests more, only for a refusal the table cannot tell; a
    default-path answer throttled or retryable leaves it untold (not refused for the code).
    The synchronous FH-L07 and FH-L22 have no other path to compare: the table alone tells."""
    own = p.contract.codes.own
    if refused_for_live_code(a, own):
        return True
    if not (enveloped(a) and a.refused and a.where == "errcode"):
        return False
    if _live_code_meaning(a, own) is False:
        return False
    code = request.json.get("liveCode")
    if not isinstance(code, str) or not code or request.json.get("async") is not True:
        return False
    sync = request.with_json(("async",))
    kept = p.ask(sync)  # the same code on the default path
    if not enveloped(kept) or kept.throttled or kept.retryable or _same_refusal(a, kept):
        return False
    return _same_refusal(a, p.ask(sync.with_json(("liveCode",))))


def _code(p: ProbeContext, where: str, meaning: str) -> Code:
    return p.contract.codes.code_for(p.session.api, where, meaning)


# --- credentials: one defect at a time -------------------------------------------------------
def _auth_probe(
    auth: Auth, where: str, meaning: str, what: str, *more: tuple[Auth, str]
) -> Callable[[ProbeContext], None]:
    """``what`` (and each of ``more``) gets the ``meaning`` code on every operation (the JD
    gateway: its one operation)."""

    def run(p: ProbeContext) -> None:
        cases = ((auth, what), *more)
        clocks: list[tuple[int, str]] = [(0, "")]
        # E-019: timed on the service's clock when trusted; else on each plausible clock (as
        # FH-A14), the near case only when there is more than ours
        if any(one.service_clock for one, _ in cases) and _service_offset(p) is None:
            clock = p.session.sender.service_clock
            clocks = _window_clocks(clock, p.contract.jd_timestamp_window_ms)
            near = [one.offset_ms == NEAR_OUTSIDE_MS for one, _ in cases]
            if any(near) and len(clocks) == 1:
                cases = tuple(c for c, n in zip(cases, near, strict=True) if not n)
                p.unjudged.append(f"the 5 min 45 s case not sent: {clock.why_untrusted()}")
        for operation in p.operations() if where == "errcode" else ["faceCompareNew"]:
            for one, said in cases:
                if not one.service_clock or len(clocks) == 1:
                    p.expect(replace(p.canonical(operation), auth=one), where, meaning, said)
                else:
                    _on_every_clock(p, operation, one, said, clocks, (where, meaning))

    run.__doc__ = f"{what[0].upper()}{what[1:]} gets the {where} code for {meaning!r}."

    return run


def _on_every_clock(
    p: ProbeContext,
    operation: str,
    one: Auth,
    said: str,
    clocks: list[tuple[int, str]],
    code: tuple[str, str],
) -> None:
    """``one`` (a timestamp outside the window) sent on each of ``clocks`` (E-019, no clock
    trusted): misjudged on every one is a finding; on some only, not judged (``unjudged``): the
    service's clock, on which it was judged right, may be any of them."""
    window = p.contract.jd_timestamp_window_ms
    beyond = one.offset_ms or window + OUTSIDE_WINDOW_MS
    ahead = one.timestamp == How.FUTURE
    what = said.removesuffix(" on the service's clock")
    missed: list[Violation] = []
    for shift, on in clocks:
        moved = replace(
            one, service_clock=False, offset_ms=beyond + shift if ahead else beyond - shift
        )
        try:
            p.expect(replace(p.canonical(operation), auth=moved), *code, f"{what}{on}")
        except Violation as v:
            missed.append(v)
    if missed and len(missed) == len(clocks):
        raise missed[-1]
    if missed:
        why = p.session.sender.service_clock.why_untrusted()
        p.unjudged.append(f"{what} misjudged on some of the clocks, not all: {why}")


def _service_offset(p: ProbeContext) -> int | None:
    """The JD service's clock offset when two witnesses agree on it (E-019,
    ``ServiceClock.trusted_offset``): from the run's answers, else from one canonical comparison
    (valid under every reading) sent for it."""
    _measured_offset(p)
    return p.session.sender.service_clock.trusted_offset()


def _measured_offset(p: ProbeContext) -> int | None:
    """The sender's estimate of the JD service's clock offset (E-019), measured with one canonical
    comparison (valid under every reading) when the run has no JD answer showing it yet."""
    clock = p.session.sender.service_clock
    if clock.offset_ms is None:
        p.send(p.canonical("faceCompareNew"))
    return clock.offset_ms


_UTC8_MS = 8 * 3_600_000  # China Standard Time's offset from UTC
_WRAP_MS = 2**32  # a difference of milliseconds cut to 32 bits (``(int) (now - ts)``) reads as 0
NEAR_OUTSIDE_MS = 345_000  # 5 min 45 s: outside the window by more than the skew (30 s) allowed
_ERRATA = {"token": "E-016", "appkey": None, "timestamp": "E-019", "sign": "E-018"}
for _n, (_name, _how, _meaning, _what) in enumerate(
    (
        ("missing-token", How.ABSENT, "Authorization header missing", "a request without a token"),
        ("bad-token", How.INVALID, "Authorization token invalid", "an unknown token"),
        ("missing-appkey", How.ABSENT, "appkey empty", "a request without appkey"),
        ("wrong-appkey", How.INVALID, "wrong appkey", "an unknown appkey"),
        ("missing-timestamp", How.ABSENT, "timestamp empty", "a request without timestamp"),
        ("malformed-timestamp", How.MALFORMED, "timestamp malformed", "a non-numeric timestamp"),
        ("expired-timestamp", How.EXPIRED, "timestamp outside", "a signed timestamp 6 minutes old"),
        ("future-timestamp", How.FUTURE, "timestamp outside", "a signed timestamp 6 minutes ahead"),
        ("missing-sign", How.ABSENT, "sign empty", "a request without sign"),
        ("wrong-sign", How.INVALID, "invalid sign", "a sign made with the wrong secret"),
    ),
    start=1,
):
    _part = _name.rsplit("-", 1)[1]
    _token, _kw = _part == "token", dict[str, Any]({_part: _how})
    if _how in (How.EXPIRED, How.FUTURE):  # E-019: 6 minutes on the service's clock when trusted
        _kw["service_clock"] = True
    # 参数不能为空: a parameter sent empty (``sign=``) is as missing as one left out (fuzz's
    # no_sign:empty, no_timestamp:empty); a service that takes ``appkey=`` for its first account
    # lets anyone with that account's secret in without naming it
    _more: tuple[tuple[Auth, str], ...] = (
        ((Auth(**dict[str, Any]({_part: Given("")})), f"a request with an empty {_part}"),)
        if not _token and _how == How.ABSENT
        else ()
    )
    if _name == "wrong-appkey":  # an appkey looked up by prefix takes the valid one extended;
        # one looked up with an empty default secretkey takes MD5("" + timestamp) for any appkey,
        # one whose missing secretkey Java writes "null" MD5("null" + timestamp) (session 27)
        _more = (
            (Auth(appkey=How.EXTENDED), "the valid appkey with a character appended"),
            (
                Auth(appkey=How.INVALID, sign=How.TS_ONLY),
                "an unknown appkey signed as by an empty secretkey, MD5(timestamp)",
            ),
            (
                Auth(appkey=How.INVALID, sign=How.NULL_TS),
                'an unknown appkey signed as by Java\'s null secretkey, MD5("null" + timestamp)',
            ),
            (
                Auth(appkey=How.INVALID, sign=How.NONE_TS),
                'an unknown appkey signed as by Python\'s None secretkey, MD5("None" + timestamp)',
            ),
            (
                Auth(appkey=How.INVALID, sign=How.UNDEFINED_TS),
                "an unknown appkey signed as by JavaScript's undefined secretkey, "
                'MD5("undefined" + timestamp)',
            ),
        )
    # far outside the window where a mistake in the arithmetic puts a timestamp back inside it:
    # Beijing time (UTC+8) taken for UTC either way, the difference cut to 32 bits (2^32 ms)
    # and just outside it: 5 min 45 s (beyond the window by more than the clock skew allowed,
    # SKEW_MS, and under 6 min), which a window counted in whole minutes (``age / 60000 > 5``)
    # takes for 5 minutes: on the service's clock when two witnesses agree on it (E-019); else on
    # each plausible clock, not judged unless misjudged on all (E-082)
    if _name == "expired-timestamp":
        _more = (
            (Auth(timestamp=How.EXPIRED, offset_ms=_UTC8_MS), "a signed timestamp 8 h old"),
            (Auth(timestamp=How.EXPIRED, offset_ms=_WRAP_MS), "a signed timestamp 2^32 ms old"),
            (
                Auth(timestamp=How.EXPIRED, offset_ms=NEAR_OUTSIDE_MS, service_clock=True),
                "a signed timestamp 5 min 45 s old on the service's clock",
            ),
        )
    if _name == "future-timestamp":
        _more = (
            (Auth(timestamp=How.FUTURE, offset_ms=_UTC8_MS), "a signed timestamp 8 h ahead"),
            (Auth(timestamp=How.FUTURE, offset_ms=_WRAP_MS), "a signed timestamp 2^32 ms ahead"),
            (
                Auth(timestamp=How.FUTURE, offset_ms=NEAR_OUTSIDE_MS, service_clock=True),
                "a signed timestamp 5 min 45 s ahead on the service's clock",
            ),
        )
    probe(
        f"FH-A{_n:02d}",
        f"auth-{_name}",
        api="match" if _token else "jd",
        erratum=_ERRATA[_part],
        quote=_TOKEN if _token else _JD_AUTH,
    )(_auth_probe(Auth(**_kw), "errcode" if _token else "gateway", _meaning, _what, *_more))


@probe(
    "FH-A17",
    "auth-extended-token",
    api="match",
    erratum="E-016",
    quote=f"{_TOKEN} (the token with a character appended, or cut, or another after Bearer, is "
    "another value)",
)
def extended_token(p: ProbeContext) -> None:
    """The valid token with a character appended gets the bad-token code on every operation (a
    service comparing prefixes accepts it); so do the valid token with its last character cut
    (a service comparing ``stored.startswith(sent)`` accepts it) and an unknown token spelt
    ``Bearer <token>`` (E-016's other spelling; a service that takes any bearer value, a JWT
    decoded without its signature checked, accepts it), on validateData and /match: the
    operations whose canonical request costs one send (the Bearer spelling on /match alone);
    /idno's appended-character token goes with personType inner (round 17: an internal
    employee's branch of its own skipped the token check);
    so does the valid token with a character near its middle changed on /match, a digit for a
    digit, a letter for a letter (round 16: a service checking the token's length or format
    alone took it; not the last character, whose unused base64url bits a JWT's lenient decoder
    ignores: session 27 review).
    Last, an Authorization header sent empty on /match gets the missing-token code: no token
    (值为授权token) however it is left out (round 14: ``if token and token not in tokens``
    let it through; any refusal of it fits a live target, the emulator's is 缺少授权token); and
    so does a /match without one sent with async true (round 15: an async controller of its own,
    outside the token filter's mapping, queued it and answered errcode 0 交易成功; the document's
    async mode is the same operation, 值为授权token on every request). Round 18: the middle-changed
    token goes with extData {} (the registration's path), and on /idno as a vip's (高级客户),
    without the liveCode E-008 may ask for, judged on its acceptance alone."""
    invalid, missing = "Authorization token invalid", "Authorization header missing"

    def asynchronous(r: Request) -> Request:
        return r.with_json(("async",), True)

    def staff(r: Request) -> Request:
        """/idno as an internal employee's (round 17: a branch of its own for personType inner,
        outside the token filter, took any token): 值为授权token for every person."""
        return r.with_json(("personType",), "inner") if r.operation == "matchIdno" else r

    cases: tuple[tuple[Part, str, list[str], str, Callable[[Request], Request] | None], ...] = (
        (
            How.EXTENDED,
            "the valid token with a character appended (/idno: personType inner)",
            p.operations(),
            invalid,
            staff,
        ),
        (
            How.TRUNCATED,
            "the valid token with its last character cut",
            list(_ONE_SEND),
            invalid,
            None,
        ),
        (How.BEARER, "an unknown token spelt 'Bearer <token>'", ["match"], invalid, None),
        # round 16: a check of the token's length or format alone (a stub filter) took any
        # other value as long as the valid one
        # round 18: /match with extData (the registration's path) was mapped outside the token
        # filter
        (
            How.LAST_DIGIT,
            "the valid token with a character in its middle changed (extData {})",
            ["match"],
            invalid,
            lambda r: r.with_json(("extData",), {}),
        ),
        # round 14: ``if token and token not in tokens`` skips the check for an empty value
        (Given(""), "an empty Authorization header", ["match"], missing, None),
        # round 15: the async path's own controller checked no token
        (
            How.ABSENT,
            "a request without a token, sent with async true",
            ["match"],
            missing,
            asynchronous,
        ),
    )
    # a one-character token cut is an empty one, the missing-token case below (a false red)
    cut_is_empty = cut_token_is_empty(p.session.creds)
    for how, what, operations, meaning, change in cases:
        if how is How.TRUNCATED and cut_is_empty:
            continue
        for operation in operations:
            request = replace(p.canonical(operation), auth=Auth(token=how))
            p.expect(change(request) if change else request, "errcode", meaning, what)
    # round 18: /idno as a vip's (高级客户, a controller of its own outside the token filter);
    # without the liveCode E-008 may ask for (a send less), so only its acceptance is judged
    vip = p.canonical("matchIdno", live_code=False).with_json(*_VIP)
    _not_taken(
        p,
        replace(vip, auth=Auth(token=How.LAST_DIGIT)),
        "/idno, personType vip, the valid token with a character changed",
        "Authorization ,值为授权token (another value is no token)",
    )


_ONE_SEND = ("liveCode", "match")


@probe("FH-A11", "auth-uppercase-sign", api="jd", reading="E-018")
def uppercase_sign(p: ProbeContext) -> Any:
    """Whether the right sign in uppercase hex is accepted (E-018: MD5(...) does not state the
    case)."""
    request = replace(p.canonical("faceCompareNew"), auth=Auth(sign=How.UPPER))
    a = p.ask_envelope(request, "a sign in uppercase hex")
    if business(a):
        raise observed(
            "E-018",
            "Received: the gateway accepted the right sign in uppercase hex\n"
            "Default reading: lowercase hex only (10047 for the uppercase digits)",
        )
    return "E-018" if a.where == "gateway" and a.category == "auth" else None


probe(
    "FH-A12",
    "auth-sign-without-timestamp",
    api="jd",
    erratum="E-018",
    quote="sign String 签名,根据规则MD5(sectetkey+timestamp)",
)(
    _auth_probe(
        Auth(sign=How.SECRET_ONLY),
        "gateway",
        "invalid sign",
        "a sign made without the timestamp (MD5 of the secretkey alone)",
    )
)


@probe(
    "FH-A15",
    "auth-sign-other-formula",
    api="jd",
    erratum="E-018",
    quote="sign String 签名,根据规则MD5(sectetkey+timestamp)",
)
def sign_other_formula(p: ProbeContext) -> None:
    """A sign made by another formula than MD5(secretkey+timestamp) gets the bad-sign code: the two
    in the other order, the timestamp alone, the appkey (in every URL) for the secretkey, or the
    right MD5 cut to its first 16 digits (a service comparing only as many characters as were
    sent) or with a digit appended (one comparing only the first 32) or its last digit changed
    (one comparing 31: an off-by-one beside the 31-character appkey example), or the MD5 over the
    timestamp in seconds (one keeping a seconds-era client's formula beside the documented one),
    or the document's example sign itself (session 25: a sandbox's hard-coded sign left in the
    gateway; the MD5 of another secretkey and a timestamp of 2018, wrong for any of ours), or
    a second formula over the secretkey kept beside the documented one (session 28: MD5 of the
    appkey, secretkey and timestamp; SHA-256, SHA-1 (session 29: a verifier dispatching on the
    sign's length, 40 digits, took it, or any 40) or HMAC-MD5; the document's '+' read as a
    character; MD5 over the secretkey's MD5, a gateway storing only the key's hash).
    Wrong in lowercase as in any case, so wrong under every reading of E-018. Last, the sign of a
    request accepted a moment before, sent with a timestamp 1 ms later: a service that skips the
    check for a sign it has seen lets a captured URL's sign outlive its timestamp; and a wrong
    sign with that request's own timestamp: a service that keeps the check's verdict by timestamp
    lets any sign through (any gateway refusal of that one: a timestamp used once is replay
    protection, not a fault)."""
    for how, what in (
        (How.SWAPPED, "MD5(timestamp+secretkey)"),
        (How.TS_ONLY, "MD5(timestamp)"),
        (How.APPKEY_TS, "MD5(appkey+timestamp)"),
        (How.TRUNCATED, "the first 16 of the 32 hex digits of MD5(secretkey+timestamp)"),
        (How.EXTENDED, "MD5(secretkey+timestamp) with a digit appended"),
        (How.SECONDS_SIGN, "MD5(secretkey+the timestamp in seconds)"),
        (How.LAST_DIGIT, "MD5(secretkey+timestamp) with its last hex digit changed"),
        (How.EXAMPLE, "the document's example (sign String 2e1487...) copied"),
        (How.APPKEY_SECRET_TS, "MD5(appkey+secretkey+timestamp)"),
        (How.SHA256, "SHA-256(secretkey+timestamp)"),
        (How.SHA1, "SHA-1(secretkey+timestamp)"),
        (How.HMAC_MD5, "HMAC-MD5(secretkey, timestamp)"),
        (How.PLUS_TS, 'MD5(secretkey+"+"+timestamp)'),
        (How.DOUBLE_MD5, "MD5(MD5(secretkey)+timestamp)"),
    ):
        request = replace(p.canonical("faceCompareNew"), auth=Auth(sign=how))
        if how in SIGN_NOT_32_HEX:  # no 32 hex digits: a business refusal (100) passes too
            _sign_refused(p, request, f"a sign made as {what}", exact=True)
        else:
            p.expect(request, "gateway", "invalid sign", f"a sign made as {what}")
    stamp = int(time.time() * 1000) - 1000  # in the past: within the window under every reading
    earlier, later = reused_sign(stamp)
    # its serialNo in capitals too (session 29): FH-J16 sees an echo whose letters' case changed
    p.send(
        replace(p.canonical("faceCompareNew"), auth=earlier).with_json(
            ("serialNo",), _capital_serial()
        )
    )
    what = "the sign of the request before (timestamp 1 ms earlier) with a timestamp 1 ms later"
    p.expect(replace(p.canonical("faceCompareNew"), auth=later), "gateway", "invalid sign", what)
    # the timestamp of that accepted request with a sign made with another secret: a service
    # that keeps the check's verdict by appkey and timestamp lets any sign ride on it. Any
    # refusal passes: a service with replay protection (a timestamp used once) refuses it as
    # a reused timestamp (10045) before the sign, as the emulator alone is held to 10047
    again = reused_timestamp(stamp)[1]
    what = "a wrong sign with the timestamp of a request accepted a moment before"
    request = replace(p.canonical("faceCompareNew"), auth=again)
    p.expect(request, "gateway", "invalid sign", what, exact=False)


@probe(
    "FH-A21",
    "auth-sign-all-32-digits",
    api="jd",
    erratum="E-018",
    quote="sign String 2e148773a0337a8f2200ba90d445f083 签名,根据规则MD5(sectetkey+timestamp) "
    "(an MD5 in hex is 32 digits, its leading zeros too, as the example's)",
)
def sign_all_32_digits(p: ProbeContext) -> None:
    """A timestamp (a second or two old) whose MD5(secretkey+timestamp) begins with 0, signed
    right, is accepted: a service making the expected sign with ``new BigInteger(1,
    md5).toString(16)`` drops that zero and refuses it (10047), one request in 16 at random, so a
    short run may never meet one. The same sign without its leading zeros, and the right sign
    with a 0 put in front (33 digits), are bad signs: a service comparing signs as numbers takes
    both. Wrong under every reading of E-018 (only the digits' case is open). The accepted
    request's serialNo is digits alone (session 29: a service whose JSON mapper infers a type
    echoes it as a number)."""
    bad_sign = _code(p, "gateway", "invalid sign")
    auth = Auth(timestamp=How.ZERO_LED)
    # its serialNo digits alone: the answer rules see whether it comes back a string (FH-H05),
    # early in the probe order (FH-L18, which sent it before, runs last: a short budget skips it)
    digits = ("serialNo",), _digit_serial()
    request = replace(p.canonical("faceCompareNew"), auth=auth).with_json(*digits)
    a = p.ask_envelope(request, "a right sign whose MD5 begins with 0")
    if a.where == "gateway" and a.code == bad_sign.code:
        raise Violation(
            f"Received: gateway code {a.code}{_named(a.meaning)} for a request signed right "
            "whose MD5(secretkey+timestamp) begins with 0\n"
            "Expected: accepted: the sign is the 32 hex digits of the MD5, its leading 0 too "
            "(a sign made by BigInteger.toString(16) drops it)",
            request=request,
        )
    for sign, what in (
        (How.UNPADDED, "the right MD5 without its leading zero digits"),
        (How.ZERO_PADDED, "the right MD5 with a 0 put in front (33 digits)"),
    ):
        request = replace(p.canonical("faceCompareNew"), auth=replace(auth, sign=sign))
        # any refusal: the three may share a timestamp, which a service with replay protection
        # refuses as used (10045) before the sign, as in FH-A15
        _sign_refused(p, request, f"a sign made as {what}")


def _sign_refused(p: ProbeContext, request: Request, what: str, exact: bool = False) -> None:
    """``request``, its sign not 32 hex digits (or reusing a timestamp), refused by any refusal
    that ran no comparison: a gateway code (only the emulator held to 10047), or a business
    refusal (100 参数不合法) of a service checking the sign's format there, as FH-A18 and FH-A19
    take for the timestamp (the document ties the sign's format to no code). ``exact``: a gateway
    code is held to 10047 as :meth:`ProbeContext.expect` holds it."""
    response = p.send(request)
    a = response.answer
    if a is not None and business(a) and a.refused and not a.ran:
        return
    p.expect(request, "gateway", "invalid sign", what, sent=response, exact=exact)


@probe(
    "FH-A16",
    "auth-unsigned",
    api="jd",
    erratum="E-018",
    quote=_JD_AUTH,
)
def unsigned(p: ProbeContext) -> None:
    """A request with the appkey alone, neither timestamp nor sign, is refused at the gateway
    (any of its codes: which of the two it names first is the service's order of checks); a
    service that takes such calls for internal ones lets anyone who knows an appkey in."""
    auth = Auth(timestamp=How.ABSENT, sign=How.ABSENT)
    a = p.ask_envelope(replace(p.canonical("faceCompareNew"), auth=auth), "an unsigned request")
    if business(a):
        wanted = [_code(p, "gateway", m) for m in ("timestamp empty", "sign empty")]
        raise Violation(
            f"Received: business code {a.code}{_named(a.meaning)}: the gateway let a request "
            "without timestamp and sign through\n"
            f"Expected: a gateway code refusing it, e.g. {wanted[0].code} ({wanted[0].en}) or "
            f"{wanted[1].code} ({wanted[1].en})"
        )


HOUR_OLD_MS = 3_600_000  # outside the window on any clock a service answering us may keep


@probe(
    "FH-A18",
    "auth-timestamp-zero",
    api="jd",
    erratum="E-019",
    quote="timestamp long 1541491668060 请求的时间戳,精确到毫秒,timestamp有效期5分钟",
)
def timestamp_zero(p: ProbeContext) -> None:
    """A timestamp of 0, signed as sent, is never compared: a service that takes 0, a zero
    value, for "not set" and skips the window lets one signed URL work forever; nor is now with
    a minus sign (``-1733...``, 1915), which a service taking the number's absolute value lets
    through. Nor is a timestamp an hour old signed with the right MD5 in uppercase hex (E-018's
    other reading: a second comparison path that skips the window), nor the document's example
    timestamp (2018) written with a leading 0 (still a long; a window check behind a 13-digit
    guard skips it), each signed as sent (session 26), nor that one with a '+' before it, in
    full-width digits or after a space (session 27: ``Long.parseLong`` reads the first two, a
    parser trimming the text the third, after a guard they fail), nor with underscores between
    its digit groups (session 28: Python's ``int`` reads them). Any refusal passes (the
    gateway's credential codes, or a business code: the document gives the window no code of its
    own, 系统级错误码 详见返回码)."""
    for auth, when in (
        (Auth(timestamp=Given("0")), "of 0 (1970)"),
        (Auth(timestamp=How.NEGATED), "now with a minus sign (-1733...)"),
        (
            Auth(timestamp=How.EXPIRED, offset_ms=HOUR_OLD_MS, sign=How.UPPER),
            "an hour old, its sign in uppercase hex",
        ),
        *(
            (Auth(timestamp=Given(text)), f"of the document's example (2018) {how}")
            for text, how in example_timestamp_spellings()
        ),
    ):
        request = replace(p.canonical("faceCompareNew"), auth=auth)
        a = p.ask_envelope(request, f"a signed timestamp {when}")
        if business(a) and a.ran:  # refused by the business layer (43011, 100) is still refused
            outside = _code(p, "gateway", "timestamp outside")
            raise Violation(
                f"Received: business code {a.code}{_named(a.meaning)}: a request signed with "
                f"timestamp {when} was compared\n"
                f"Expected: a gateway code refusing it, e.g. {outside.code} ({outside.en}): "
                "timestamp有效期5分钟",
                request=request,
            )


@probe(
    "FH-A19",
    "auth-timestamp-twice",
    api="jd",
    erratum="E-019",
    quote="timestamp long 1541491668060 请求的时间戳,精确到毫秒,timestamp有效期5分钟; sign "
    "签名,根据规则MD5(sectetkey+timestamp)",
)
def timestamp_twice(p: ProbeContext) -> None:
    """A request signed with a timestamp 6 minutes old and carrying a second, fresh ``timestamp``
    after it (a captured URL with one appended) is never compared: read as the first it is
    outside the window, as the second its sign is wrong. A service checking the sign on one and
    the window on the other (a hand-parsed query beside the framework's) lets a captured URL
    outlive its 5 minutes. Any refusal passes (a gateway code, or a business code: the window may
    be checked there, as for FH-A18)."""
    request = replace(p.canonical("faceCompareNew"), auth=Auth(timestamp=How.DOUBLED))
    a = p.ask_envelope(request, "a timestamp 6 minutes old, signed, with a fresh one appended")
    if business(a) and a.ran:
        raise Violation(
            f"Received: business code {a.code}{_named(a.meaning)}: a request signed with a "
            "timestamp 6 minutes old was compared once a fresh timestamp was appended to its "
            "query\n"
            "Expected: refused: its sign is for a timestamp outside the five minutes "
            "(timestamp有效期5分钟), and the fresh one is not what it signs",
            request=request,
        )


@probe(
    "FH-A13",
    "auth-timestamp-in-seconds",
    api="jd",
    erratum="E-019",
    quote="timestamp long 1541491668060 请求的时间戳,精确到毫秒,timestamp有效期5分钟",
)
def timestamp_in_seconds(p: ProbeContext) -> None:
    """A signed timestamp of now in seconds (or microseconds, or nanoseconds: 19 digits, a long
    still) is refused at the gateway: read as the milliseconds the document asks for it is decades
    old (or ahead, 10045), or malformed (10046) to a service that checks the digits; accepting it
    means the window is not checked in milliseconds (a service guessing the unit from the digits
    takes each for now). Now in milliseconds with a fraction (``.5``) is no long: refused at the
    gateway (by any of its codes: a service may read the number, then find the sign is not for
    it); so is now as an ISO 8601 date (session 24: a lenient date parser takes it)."""
    wanted = timestamp_refusals(p.contract, How.SECONDS)
    for how, unit in (
        (How.SECONDS, "seconds (10 digits)"),
        (How.MICROS, "microseconds (16 digits)"),
        (How.NANOS, "nanoseconds (19 digits)"),
        (How.FRACTION, "milliseconds with a fraction (timestamp long)"),
        (How.ISO_DATE, "ISO 8601 date form (timestamp long)"),
    ):
        request = replace(p.canonical("faceCompareNew"), auth=Auth(timestamp=how))
        unlong = how in (How.FRACTION, How.ISO_DATE)  # no long: a binder may refuse it first
        what = f"a signed timestamp in {unit.split(' (')[0]}"
        a = p.ask(request) if unlong else p.ask_envelope(request, what)
        refused = a.code in {c.code for c in timestamp_refusals(p.contract, how)}
        if a.where == "gateway" and refused or a.throttled:
            continue  # refused as outside or malformed; or throttled, which judges nothing (E-045)
        if unlong and (business(a) and not a.ran or _http_refusal(a)):
            # a business layer parsing the timestamp refuses it as well; or the binder of
            # ``long timestamp`` (Spring's 400 page, E-015: FH-H02's to list, as for FH-J21)
            continue
        raise Violation(
            f"Received: {received(a)}{_named(a.meaning)} for a signed timestamp in {unit}\n"
            f"Expected: gateway code {wanted[0].code} ({wanted[0].en}) or {wanted[1].code} "
            f"({wanted[1].en}): the timestamp is 精确到毫秒"
        )


def timestamp_refusals(contract: Contract, how: How) -> tuple[Code, ...]:
    """The gateway codes that refuse a signed timestamp in another unit than milliseconds: as
    outside the window or malformed; one with a fraction by any of the gateway's credential codes
    (a service may read the number, then find the sign is not for it). Fuzz's bad-timestamp asks
    it too."""
    if how in (How.FRACTION, How.ISO_DATE):
        return tuple(c for c in contract.codes.of("jd", "gateway") if c.category == "auth")
    named = contract.codes.code_for
    return tuple(named("jd", "gateway", m) for m in ("timestamp outside", "timestamp malformed"))


SKEW_MS = 30_000  # clocks of client and service may differ this much (fuzz allows as much)
# FH-A14 with no clock trusted: plausible clocks (ours, result.timestamp's, Date's) this close
# together get one case timed 270 s before the latest of them: 210-270 s old on each, so within
# the window under every reading on whichever checks it, and over a minute old on all (E-082)
COMMON_SPREAD_MS = 60_000


@probe(
    "FH-A14",
    "auth-timestamp-within-window",
    api="jd",
    erratum="E-019",
    observes=("E-019",),
    quote="timestamp long 1541491668060 请求的时间戳,精确到毫秒,timestamp有效期5分钟",
)
def timestamp_within_window(p: ProbeContext) -> Any:
    """A timestamp signed 30 s less than five minutes ago is still valid (有效期5分钟): the
    gateway does not refuse it as outside the window. Then whether one signed as far ahead is
    valid too (E-019: the window may run forward from the timestamp only). 30 s from the edge
    judges the clocks when they differ more, so the cases are timed on the clock the window may
    run on: the service's when two witnesses agree on it (``ServiceClock.trusted_offset``), ours
    besides when it differs by more than the skew; with no agreement, on ours, on
    result.timestamp's and on the Date header's (each within the window of ours). Refused on
    every one is a finding; accepted on the trusted clock, or on every one, a pass; anything
    else is not judged (``unjudged``): a narrow window on one clock and a correct one on another
    answer alike."""
    age = p.contract.jd_timestamp_window_ms - SKEW_MS
    window = p.contract.jd_timestamp_window_ms
    _measured_offset(p)
    clocks = _window_clocks(p.session.sender.service_clock, window)
    trusted = p.session.sender.service_clock.trusted_offset() is not None
    outside = _code(p, "gateway", "timestamp outside")

    def cases(offset_ms: int, when: str) -> tuple[list[str], list[Answer]]:
        """The clocks it was refused on (10045) and every judged answer; on a trusted clock that
        took it, the others are not asked."""
        refused, answers = [], []
        for shift, on in clocks:
            auth = Auth(offset_ms=shift + offset_ms)
            a = p.ask_envelope(replace(p.canonical("faceCompareNew"), auth=auth), f"{when}{on}")
            answers.append(a)
            if a.where == "gateway" and a.code == outside.code:
                refused.append(on.removeprefix(" ") or "on our clock")
            elif trusted:
                break
        return refused, answers

    def unjudged(refused: list[str], when: str) -> None:
        p.unjudged.append(
            f"{when} refused {' and '.join(refused)}, accepted on another clock: "
            f"{p.session.sender.service_clock.why_untrusted()}"
        )

    ahead_clocks, shifts = clocks, [shift for shift, _ in clocks]
    if not trusted and len(shifts) > 1 and max(shifts) - min(shifts) <= COMMON_SPREAD_MS:
        # E-082: one case for them all, 270 s before the latest (after the earliest, ahead)
        clocks = [(max(shifts), f" by the latest of {len(shifts)} clocks within a minute")]
        ahead_clocks = [(min(shifts), f" of the earliest of {len(shifts)} clocks")]
        trusted = True
    refused, answers = cases(-age, f"a timestamp signed {age / 1000:g} s ago")
    if refused and len(refused) == len(answers):
        a = answers[-1]
        raise Violation(
            f"Received: gateway code {a.code}{_named(a.meaning)} for a timestamp signed "
            f"{age / 1000:g} s ago {' and '.join(refused)}\n"
            "Expected: accepted: within the five minutes the document gives (timestamp有效期5分钟)"
        )
    if refused and not (trusted and len(answers) == 1):
        return unjudged(refused, f"a timestamp signed {age / 1000:g} s ago")
    clocks = ahead_clocks
    refused, answers = cases(age, f"a timestamp signed {age / 1000:g} s ahead")
    if refused and len(refused) == len(answers):
        a = answers[-1]
        raise observed(
            "E-019",
            f"Received: gateway code {a.code}{_named(a.meaning)} for a timestamp signed "
            f"{age / 1000:g} s ahead {' and '.join(refused)}\n"
            "Default reading: accepted, within five minutes either way; the service's window "
            "runs forward from the timestamp only",
        )
    if refused and not (trusted and len(answers) == 1):
        return None  # which reading: as uncertain as the clocks
    return "E-019" if business(answers[-1]) else None  # another refusal or throttled: nothing


def _window_clocks(clock: ServiceClock, window_ms: int) -> list[tuple[int, str]]:
    """(offset from ours, words) of each clock FH-A14 times its cases on (E-019): the trusted
    one first, then ours when more than the skew off it; with none trusted, ours and each
    witness within the window of ours, one of any two within the skew of each other."""
    trusted = clock.trusted_offset()
    if trusted is not None:
        first = [(trusted, " on the service's clock" if abs(trusted) > SKEW_MS else "")]
        return first + ([(0, " on our clock")] if abs(trusted) > SKEW_MS else [])
    out = [(0, " on our clock")]
    for offset, on in (
        (clock.offset_ms, " on result.timestamp's clock"),
        (clock.date_offset_ms, " on the Date header's clock"),
    ):
        if offset is not None and abs(offset) <= window_ms:
            if all(abs(offset - o) > SKEW_MS for o, _ in out):
                out.append((offset, on))
    return out if len(out) > 1 else [(0, "")]


# --- size limits ----------------------------------------------------------------------------
def _b64_image(p: ProbeContext, size: int) -> str:
    """A real JPEG padded to ``size`` bytes, as base64."""
    return base64.b64encode(padded(p.session.pool.reference.data, size)).decode("ascii")


@probe("FH-L01", "base64-limit-inclusive", api="match", operations=("match",), reading="E-012")
def base64_at_limit(p: ProbeContext) -> Any:
    """Whether image.data of exactly 409,600 characters is accepted (E-012: "400k" is ambiguous)."""
    limit = p.contract.match_base64_max_chars // 4 * 4
    request = p.canonical("match").with_json(("image", "data"), _b64_image(p, limit // 4 * 3))
    a = p.ask_envelope(request, f"image.data of {limit} characters", "an envelope (errcode 是)")
    if a.throttled:
        return None  # E-045: it tells no reading
    if not zero(a) and (a.meaning is None or a.category == "input"):
        raise observed(
            "E-012",
            f"Received: {a.label} for image.data of exactly {limit} characters\n"
            "Default reading: accepted (400k = 409,600 characters, inclusive); the service's "
            "limit is lower (400,000 characters, or decoded bytes)",
        )
    return "E-012"


@probe(
    "FH-L02",
    "base64-over-limit",
    api="match",
    operations=("match",),
    erratum="E-012",
    observes=("E-012",),
    quote="base64字符串:self (base64内容需在400k以内)",
)
def base64_over_limit(p: ProbeContext) -> Any:
    """image.data one base64 quantum over 409,600 characters: refused with an envelope, never a 5xx.

    Accepted is another limit (an observation of E-012); refused fits either reading (see FH-L01).
    """
    chars = p.contract.match_base64_max_chars // 4 * 4 + 4
    request = p.canonical("match").with_json(("image", "data"), _b64_image(p, chars // 4 * 3))
    what = f"image.data of {chars} characters"
    a = p.ask_envelope(
        request, what, "an envelope with an errcode (errcode 是), never a server error"
    )
    if zero(a):
        raise observed(
            "E-012",
            f"Received: errcode 0 for image.data of {chars} characters\n"
            "Default reading: refused, over 400 KiB of text; the service's limit is larger "
            "or counts decoded bytes",
        )
    p.expect(request, "errcode", "data over the size limit", what, sent=p.last_response)
    # refused: over 409,600 and over 400,000 alike, so it tells the readings apart no more
    return None


def _jd_image(p: ProbeContext, size: int) -> Any:
    image = _b64_image(p, size)
    return p.canonical("faceCompareNew").with_json(("compareImageItem", "imgBase64"), image)


@probe("FH-L03", "jd-image-under-limit", api="jd", reading="E-020")
def jd_image_under_limit(p: ProbeContext) -> Any:
    """Whether an image one byte under 5 MiB is accepted (E-020: "小于5M" may be 5,000,000
    bytes)."""
    size = p.contract.jd_image_max_bytes - 1
    request = _jd_image(p, size)
    a = p.ask_envelope(request, f"an image of {size} bytes")
    if a.throttled:
        return None  # E-045: it tells no reading
    if business(a) and a.category == "input":
        raise observed(
            "E-020",
            f"Received: business code {a.code} for an image of {size} bytes\n"
            "Default reading: accepted (under 5 MiB); the service's 5M is smaller",
        )
    return "E-020"


@probe(
    "FH-L04",
    "jd-image-at-limit",
    api="jd",
    erratum="E-020",
    quote="图片大小: 小于5M (5 MiB is not under 5M in any reading)",
)
def jd_image_at_limit(p: ProbeContext) -> None:
    """An image of exactly 5 MiB is refused at the business level; the document ties no code
    to the size (100 参数不合法 and 43011 请求参数不在接受范围 fit alike), so a live service is held
    only to a refusal. As the base image and as a collection image: both are images; the second of
    two, as a service checking ``items.get(0)`` checks the first only. An HTTP layer's own 413
    without JD's envelope (nginx's ``client_max_body_size``: Content Too Large, RFC 9110 15.5.14)
    refuses it too (E-015, as FH-J21 and FH-L25 take a layer's 4xx: FH-H02's to list); whether
    that layer refuses a body within 5M is FH-L17's."""
    size = p.contract.jd_image_max_bytes
    request = _jd_image(p, size)
    _refused_at_limit(p, request, f"an image of {size} bytes")
    big = {**request.json["compareImageItem"], "imgType": "COM"}
    first = p.canonical("faceCompareNew").json["collectionImageItems"][0]
    request = p.canonical("faceCompareNew").with_json(("collectionImageItems",), [first, big])
    _refused_at_limit(p, request, f"a second collection image of {size} bytes")


def _refused_at_limit(p: ProbeContext, request: Request, what: str) -> None:
    a = p.ask(request)
    if a.status == 413 and _http_refusal(a):
        return  # a layer's refusal of the body's size (E-015)
    p.expect(request, "business", "invalid parameter", what, sent=p.last_response, exact=False)


@probe(
    "FH-L17",
    "jd-image-under-every-limit",
    api="jd",
    erratum="E-020",
    quote="图片大小: 小于5M (under 5,000,000 bytes, its base64 under 5,000,000 characters)",
)
def jd_image_under_every_limit(p: ProbeContext) -> None:
    """Images under "5M" in every reading of E-020 are not refused as invalid input (FH-L03
    only observes the reading, one byte under 5 MiB): the base image and a collection image of
    that size together, since the limit is each image's (图片大小), not the request's."""
    size = p.contract.jd_image_safe_bytes
    request = _jd_image(p, size)
    image = request.json["compareImageItem"]["imgBase64"]
    request = request.with_json(("collectionImageItems", 0, "imgBase64"), image)
    a = p.ask_envelope(request, f"two images of {size} bytes")
    if business(a) and a.category == "input":
        raise Violation(
            f"Received: business code {a.code}{_named(a.meaning)} for two images of {size} bytes "
            f"each ({4 * -(-size // 3)} base64 characters)\n"
            "Expected: accepted: each under 5M however 5M is read (小于5M)"
        )


@probe(
    "FH-L05",
    "jd-one-image-source",
    api="jd",
    erratum="E-023",
    quote="ImageItem说明,imgBase64、imgArr、imgUrl三选一",
)
def jd_one_image_source(p: ProbeContext) -> None:
    """An ImageItem with two of imgBase64/imgArr/imgUrl is refused as invalid input (a throttled
    answer judges nothing: E-045): the base image with imgBase64 and imgArr, the collection
    image so (session 26: a service checking 三选一 on compareImageItem alone), and the base
    image with imgArr and imgUrl, no imgBase64 (one testing ``imgBase64 != null && (...)``).
    The imgUrl is a reserved name (RFC 2606): it can never be fetched. The first must be an input
    error; the other two only never compared (a service may fail the fetch first, 1161, or word
    the refusal its own way: the refusal rules judge the code)."""
    arr = list(p.session.pool.small[0].data)
    base = _base_item_without_image(p)
    url = "https://faceharness.invalid/face.jpg"
    for path, value, what in (
        (("compareImageItem", "imgArr"), arr, "an image item with imgBase64 and imgArr"),
        (
            ("collectionImageItems", 0, "imgArr"),
            arr,
            "a collection image item with imgBase64 and imgArr",
        ),
        (
            ("compareImageItem",),
            {**base, "imgArr": arr, "imgUrl": url},
            "an image item with imgArr and imgUrl",
        ),
    ):
        request = p.canonical("faceCompareNew").with_json(path, value)
        a = p.ask(request)
        if a.throttled:
            return
        strict = path == ("compareImageItem", "imgArr")
        if (
            not (enveloped(a) and business(a) and a.category == "input")
            if strict
            else business(a) and a.ran
        ):
            expected = "an input error" if strict else "refused, never compared"
            raise Violation(
                f"Received: {received(a)} for {what}\n"
                f"Expected: {expected}: exactly one image source per item (E-023)",
                request=request,
            )


@probe(
    "FH-A20",
    "jd-imgarr-taken-in-some-form",
    api="jd",
    erratum="E-078",
    observes=("E-078",),
    quote="ImageItem说明,imgBase64、imgArr、imgUrl三选一; imgArr | byte[] | 图像byte[]数组",
)
def jd_imgarr_taken(p: ProbeContext) -> Any:
    """The base image's bytes sent as imgArr, once as 0..255 (Go's ``[]byte``) and once as Java's
    signed -128..127, are not both refused as invalid input (a business input code, or a bare
    HTTP 400): imgArr is one of the three documented sources, and a picture is valid under each
    reading in one of the two forms (E-078). Which form the service takes is observed (both
    compared: the default, either-range; one refused as input: unsigned-only or signed-only), not
    judged; a throttled answer judges nothing (E-045). Requests the harness expects a live service
    to accept carry imgBase64 (E-078), so only this probe holds a service to its imgArr."""
    pool = p.session.pool
    media = pool.reference if len(pool.reference.data) <= 100_000 else pool.small[0]
    unsigned = list(media.data)
    base = _base_item_without_image(p)
    refused: list[Answer] = []
    compared: list[str] = []
    for values, form in (
        (unsigned, "0..255"),
        ([v - 256 if v > 127 else v for v in unsigned], "-128..127"),
    ):
        request = p.canonical("faceCompareNew").with_json(
            ("compareImageItem",), {**base, "imgArr": values}
        )
        a = p.ask(request)
        if a.throttled:
            return None
        if (business(a) and a.category == "input") or (not enveloped(a) and a.status == 400):
            refused.append(a)
        elif business(a) and a.ran:
            compared.append(form)
    if len(refused) == 2:
        first, second = refused
        raise Violation(
            f"Received: {received(first)}{_named(first.meaning)} for the base image's bytes as "
            f"an imgArr of 0..255, {received(second)}{_named(second.meaning)} for them as "
            "-128..127\n"
            "Expected: one of the two taken: imgArr is a documented image source "
            "(imgBase64、imgArr、imgUrl三选一), whatever range its byte[] has (E-078)",
            request=request,
        )
    if len(compared) == 1 and len(refused) == 1:  # E-078: one range only, which it names
        (form,), (a,) = compared, refused
        other = "-128..127" if form == "0..255" else "0..255"
        name = "unsigned-only" if form == "0..255" else "signed-only"
        raise observed(
            "E-078",
            f"Received: {received(a)}{_named(a.meaning)} for the base image's bytes as an imgArr "
            f"of {other}, compared as {form}: {name}\n"
            "Default reading: either range taken (Jackson and Gson read a byte[] so)",
        )
    return "E-078" if len(compared) == 2 else None  # another answer tells nothing


@probe(
    "FH-L25",
    "jd-missing-image-is-not-a-system-error",
    api="jd",
    erratum="E-023",
    quote="100 参数不合法!; 50 系统错误!; compareImageItem ImageItem {...} 比对基准图; "
    'collectionImageItems List [{...}] 比对图; businessId String "JDT-NUEHUB-COM-FACE" 固定值',
)
def jd_missing_image_not_system_error(p: ProbeContext) -> None:
    """A request without compareImageItem, or without collectionImageItems, lacks what the service
    compares (needed under every reading, E-023): refused, neither compared (0) nor answered 50
    系统错误!, which blames the service and invites a retry of a request that can never succeed.
    Which refusal code is the service's (100 参数不合法!, 43011, ...): the refusal rules judge it
    as for any invalid request. A request without one of the other fields (businessId, appName,
    appAuthorityKey, serialNo) or an image item without imgType is refused or, E-023's other
    reading, compared with the 固定值 filled in (imgType left out): never answered 50 either. Nor
    is a 固定值 field with another value, an image that is not jpg/png, a body that is no JSON or
    a List sent as a string (a service's decoder, binder or config lookup failing uncaught): the
    caller's fault under every reading, as FH-J20 holds any refusal the probes and fuzz expect.
    Nor is a serialNo in full-width characters (session 25: a latin1 column's insert failing on a
    serialNo beyond ASCII): 随机唯一 names no alphabet, so it is compared or refused (E-043)."""
    ctx = RuleContext(p.contract, "jd", "faceCompareNew", readings=p.readings)
    canonical = p.canonical("faceCompareNew")
    fields = ("compareImageItem", "collectionImageItems", *p.contract.jd_fixed_fields, "serialNo")
    lacks = "Expected: refused as invalid input (e.g. 100 参数不合法!): the request lacks an image"
    filled = (
        "Expected: refused as invalid input (e.g. 100 参数不合法!), or compared with the field "
        "filled in (E-023): not the service's own failure"
    )
    wrong = "Expected: refused as invalid input (e.g. 100 参数不合法!): the caller's fault"
    beyond = (
        "Expected: compared, or refused as invalid input (E-043: serialNo's alphabet is a "
        "reading): not the service's own failure"
    )
    # (the request, what it is, whether it lacks an image, what is expected)
    cases: list[tuple[Request, str, bool, str]] = [
        (canonical.with_json((name,)), f"a request without {name}", True, lacks)
        for name in fields[:2]
    ]
    cases += [
        (canonical.with_json((name,)), f"a request without {name}", False, filled)
        for name in fields[2:]
    ]
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in _new_serial())
    cases += [(canonical.with_json(("serialNo",), wide), "a full-width serialNo", False, beyond)]
    fixed = next(iter(p.contract.jd_fixed_fields))
    not_image = base64.b64encode(b"faceharness: these bytes are no jpg or png\n" * 8).decode()
    cases += [
        (
            canonical.with_json((fixed,), "JDT-NOT-THE-FIXED-VALUE"),
            f"{fixed} not its 固定值",
            False,
            wrong,
        ),
        (
            canonical.with_json(("compareImageItem", "imgBase64"), not_image),
            "a base image whose bytes are no jpg or png",
            False,
            wrong,
        ),
        # session 22: a body that is no JSON, a List sent as a string (a binder's exception), an
        # image item without imgType (optional or required, E-023: a null deref either way)
        # without its json: the rules that read the request (FH-J11's serialNo) see none sent
        (
            replace(canonical, raw_body=b'{"businessId": ', json=None),
            "a body that is no JSON",
            False,
            wrong,
        ),
        (
            canonical.with_json(("collectionImageItems",), "not a list"),
            "collectionImageItems as a string, not a List",
            False,
            wrong,
        ),
        (
            canonical.with_json(("compareImageItem", "imgType")),
            "an image without imgType",
            False,
            filled,
        ),
    ]
    for request, what, image, expected in cases:
        # a body that is no JSON, or a List sent as a string, may be refused by the HTTP layer or
        # the binder (nginx's or Spring's 400 page, E-015): a refusal, no envelope to judge; so
        # may text beyond ASCII (a filter's 400), its 5xx FH-H01's as any answer's
        unbound = (
            request.raw_body is not None
            or not isinstance((request.json or {}).get("collectionImageItems", []), list)
            or expected == beyond
        )
        a = p.ask(request) if unbound else p.ask_envelope(request, what)
        # a comparison reported done (0) without an image, or the one code the quote names (50);
        # 1155 比对失败, 1161 图片上传失败! may be how a service words the refusal (the refusal
        # rules judge it)
        if business(a) and (image and str(a.code) == "0" or system_error(ctx, a)):
            raise Violation(
                f"Received: business code {a.code}{_named(a.meaning)} for {what}\n{expected}",
                request=request,
            )


@probe(
    "FH-L34",
    "jd-image-items-as-documented",
    api="jd",
    quote="compareImageItem ImageItem {...} 比对基准图; collectionImageItems List [{...}] 比对图; "
    "ImageItem说明,imgBase64、imgArr、imgUrl三选一",
)
def jd_image_items_as_documented(p: ProbeContext) -> None:
    """A request whose images are not as documented under any reading is not reported compared
    (business 0 成功): collectionImageItems as one ImageItem instead of a List (a reader that
    takes a single value for an array), compareImageItem as a List of one (a reader that takes an
    array's first item for a single value), and a second collection item with none of the three
    sources, or with an empty imgBase64, or null (session 27: ``if (item == null) continue;``),
    (one that skips it and compares the rest; E-085: a part sent null is no ImageItem under
    every reading). Which refusal code is the service's: the refusal rules judge it as for any
    invalid request; an HTTP layer's own 4xx without the envelope refuses it too (E-015: a Go
    validator's text/plain 400 to a null item, session 27 review)."""
    canonical = p.canonical("faceCompareNew")
    item = canonical.json["collectionImageItems"][0]
    sourceless = {k: v for k, v in item.items() if k not in ("imgBase64", "imgArr", "imgUrl")}
    base = canonical.json["compareImageItem"]
    for name, what, value in (
        ("collectionImageItems", "collectionImageItems as one ImageItem object, not a List", item),
        (
            "collectionImageItems",
            "a second collection item without imgBase64, imgArr or imgUrl",
            [item, sourceless],
        ),
        (
            "collectionImageItems",
            "a second collection item whose imgBase64 is empty",
            [item, {**item, "imgBase64": ""}],
        ),
        ("collectionImageItems", "a second collection item that is null", [item, None]),
        (
            "compareImageItem",
            "compareImageItem as a List of one ImageItem, not an ImageItem",
            [base],
        ),
    ):
        request = p.canonical("faceCompareNew").with_json((name,), value)
        a = p.ask(request)
        if _http_refusal(a):
            continue  # a binder's or framework's own 4xx is the refusal asked for (E-015)
        if not (enveloped(a) or a.throttled):
            raise Violation(
                f"Received: HTTP {a.status} for a request with {what}\n"
                "Expected: an envelope, or an HTTP layer's 4xx refusing it",
                request=request,
            )
        if business(a) and str(a.code) == "0":
            raise Violation(
                f"Received: business code 0{_named(a.meaning)} for a request with {what}\n"
                "Expected: refused as invalid input (e.g. 100 参数不合法!): compareImageItem is "
                "one ImageItem, collectionImageItems a List of them, each with one of imgBase64, "
                "imgArr, imgUrl (三选一)",
                request=request,
            )


@probe(
    "FH-L40",
    "jd-json-charset-accepted",
    api="jd",
    basis="convention",  # the document's literal value is application/json (E-065)
    severity="low",
    quote="Content-Type String application/json 标准编码格式 (RFC 8259 11: a charset parameter "
    "has no effect on compliant recipients; RFC 9110 8.3.1: type and subtype are "
    "case-insensitive)",
)
def jd_json_charset_accepted(p: ProbeContext) -> None:
    """A request accepted with ``Content-Type: application/json`` is accepted with the same media
    type and ``; charset=utf-8`` (what OkHttp, axios and many SDKs send): the header names the
    标准编码格式 application/json either way (media types take parameters, RFC 9110 8.3.1; one
    on application/json changes nothing, RFC 8259 11). Refused as invalid input, or by HTTP
    415, is a service comparing the header as a string. So is ``Application/JSON`` refused
    (session 26): type and subtype are case-insensitive (RFC 9110 8.3.1). The charset request's
    body has each ``/`` of the 固定值 written ``\\/`` (session 29: PHP's json_encode default, the
    same JSON text, RFC 8259 7; a service comparing appAuthorityKey on the body's text refused
    it), in that request for the probe's cost; the images' base64 stays as it is."""
    a = p.ask(p.canonical("faceCompareNew"))
    if not (business(a) and a.ran):
        return  # not accepted as sent: the other rules say why
    canonical = p.canonical("faceCompareNew")
    text = json.dumps(canonical.json, ensure_ascii=False, separators=(",", ":"))
    for right in p.contract.jd_fixed_fields.values():
        written = json.dumps(right, ensure_ascii=False)
        text = text.replace(written, written.replace("/", "\\/"))
    slashed = replace(
        canonical,
        raw_body=text.encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    cased = replace(p.canonical("faceCompareNew"), headers={"Content-Type": "Application/JSON"})
    for request, value, differs in (
        (
            slashed,
            "Content-Type 'application/json; charset=utf-8' (the 固定值's '/' written '\\/')",
            "with a parameter that changes nothing, in the same JSON text (RFC 8259 7)",
        ),
        (
            cased,
            "Content-Type 'Application/JSON'",
            "in another letter case, which names the same media type",
        ),
    ):
        b = p.ask(request)
        if (
            b.status == 415
            or business(b)
            and b.category == "input"
            or b.where == "gateway"
            and (b.category == "input")
        ):
            raise Violation(
                f"Received: {received(b)}{_named(b.meaning)} for {value}, while the same "
                "request sent with 'application/json' is compared\n"
                f"Expected: accepted: the same 标准编码格式 application/json, {differs}",
                request=request,
            )


@probe(
    "FH-L35",
    "json-charset-accepted",
    api="match",
    operations=("match",),
    basis="convention",  # the document says Json and names no Content-Type value at all
    severity="low",
    quote="Json (the request body: application/json; RFC 8259 11: a charset parameter has no "
    "effect on compliant recipients; RFC 9110 8.3.1: media types take parameters, and their type "
    "and subtype are case-insensitive)",
)
def json_charset_accepted(p: ProbeContext) -> None:
    """A /match accepted with ``Content-Type: application/json`` is accepted with the same media
    type and ``; charset=utf-8`` (what OkHttp, Spring's RestTemplate and axios send), as FH-L40
    holds JD's (round 15: a service comparing the header as a string, ``ct != "application/json"``,
    refused it with HTTP 415); so is it as ``Application/JSON;charset=UTF-8`` (round 16: the same
    comparison after the parameters are cut refused ``Application/JSON``; round 17: a charset
    compared as written refused ``UTF-8``). Any refusal of them but a transient one (throttling,
    E-045; a retryable or internal fault: an engine busy) is the header's: the same body was
    accepted a moment before."""
    a = p.ask(p.canonical("match"))
    if not _ran(a):
        return  # not accepted as sent: the other rules say why
    # (round 17: the charset's name compared as written, ``charset == "utf-8"``, refused Spring's
    # own ``application/json;charset=UTF-8``: RFC 9110 8.3.2, charset names are case-insensitive)
    for media in ("application/json; charset=utf-8", "Application/JSON;charset=UTF-8"):
        request = replace(p.canonical("match"), headers={"Content-Type": media})
        b = p.ask(request)
        if b.status == 415 or (
            enveloped(b)
            and not _ran(b)
            and b.where is not None
            and not (b.throttled or b.retryable)
        ):
            raise Violation(
                f"Received: {received(b)}{_named(b.meaning)} for Content-Type {media!r}, while "
                "the same request with 'application/json' is compared\n"
                "Expected: accepted: the same Json body, its media type written another way "
                "that means the same",
                request=request,
            )


_SAME_PERSON = "基于人的脸部特征信息,计算两张脸的相似程度,并返回相似度评分,判断两者是否为同一个人"


@probe(
    "FH-L32",
    "jd-faceless-never-matched",
    api="jd",
    severity="medium",
    quote=f"{_SAME_PERSON}; result Boolean false 算法结果",
)
def jd_faceless_never_matched(p: ProbeContext) -> None:
    """A picture that shows no face, as the collection image or as the base image, is never the
    same person (``result`` true), right after a comparison of the same other image that is: a
    result kept from an earlier request (a cache keyed by one of the two images, a buffer read
    before it is written) is not this one's. A refusal, 1155 or ``result`` false fit every
    reading (JD's example answers 1155 with ``"valid": false``)."""
    faceless = p.session.pool.faceless.b64
    for what, path in (
        ("a collection image that shows no face", ("collectionImageItems", 0, "imgBase64")),
        ("a base image (compareImageItem) that shows no face", ("compareImageItem", "imgBase64")),
    ):
        p.send(p.canonical("faceCompareNew"))  # a match first: its result is not the next one's
        request = p.canonical("faceCompareNew").with_json(path, faceless)
        a = p.send(request).answer
        if a is not None and business(a) and a.decision is True:
            raise Violation(
                f"Received: result=true (code {a.code}, score {a.sent_score!r}) for {what}\n"
                "Expected: a refusal or result=false: a picture of no one is not the same person "
                "(判断两者是否为同一个人)",
                request=request,
            )


def _jd_other_person(p: ProbeContext) -> Any:
    """A face of the pool that is not the reference's person (None without one)."""
    reference = p.session.pool.reference
    return next(
        (
            m
            for m in p.session.pool.jd_images
            if m.identity and reference.identity and m.identity != reference.identity
        ),
        None,
    )


def _value_of(a: Answer, key: str) -> tuple[float | None, float]:
    """result's ``score`` (the usable one) or ``similarity`` of a JD answer, and how far it may be
    from the value it was rounded from (half a unit of its last written decimal)."""
    if key == "score":
        return a.score, score_step(a.sent_score)
    result = a.body.get("result") if isinstance(a.body, dict) else None
    sent = result.get("similarity") if isinstance(result, dict) else None
    return (float(sent), 0.5) if type(sent) is int else (None, 0.0)


@probe(
    "FH-L44",
    "jd-collection-answer-is-one-comparison",
    api="jd",
    erratum="E-024",
    quote=f"{_SAME_PERSON}; collectionImageItems List [{{...}}] 比对图; score Float 得分; "
    "similarity Integer 个图片相似度(百分制); result Boolean 算法结果",
)
def jd_collection_answer_is_one_comparison(p: ProbeContext) -> None:
    """A collection of two images, another person's first and the base image itself second,
    is answered with the score, similarity and verdict of one comparison: a verdict "the same
    person" does not come with the score or similarity the other person's face got alone (at or
    below it), nor "not the same" with those the base image got against itself (at or above
    them); a loop that keeps ``items[0]``'s score beside the best one's verdict is such a
    service. The two comparisons are first sent alone, which tells them apart; a service that
    compares one collection image only (E-066) refuses the list, which this probe does not
    judge, and neither does it judge which image a list is answered by."""
    other = _jd_other_person(p)
    if other is None:
        return
    own = p.canonical("faceCompareNew")
    same = p.ask(own)
    path = ("collectionImageItems", 0, "imgBase64")
    differ = p.ask(p.canonical("faceCompareNew").with_json(path, other.b64))
    alone = {True: same, False: differ}
    if not all(business(a) and a.ran and a.decision is d for d, a in alone.items()):
        return  # not a match and a non-match alone: nothing to tell them apart by
    types = p.contract.enum("jd", "ImageItem", "imgType")
    first = {**own.json["collectionImageItems"][0], "imgBase64": other.b64}
    second = {
        **own.json["collectionImageItems"][0],
        "imgType": "COM" if "COM" in types else types[0],
    }
    request = p.canonical("faceCompareNew").with_json(("collectionImageItems",), [first, second])
    b = p.ask(request)
    if not (business(b) and b.ran and isinstance(b.decision, bool)):
        return  # refused (E-066: one collection image), throttled: the answer rules judge it
    opposite = alone[not b.decision]
    for key in ("score", "similarity"):
        got, got_step = _value_of(b, key)
        theirs, their_step = _value_of(opposite, key)
        mine, _ = _value_of(alone[b.decision], key)
        if got is None or theirs is None or mine is None:
            continue
        near = got_step + their_step + 1e-9
        # on the opposite comparison's side of it, and the two alone are apart
        wrong_side = got <= theirs + near if b.decision else got >= theirs - near
        apart = mine > theirs + near if b.decision else mine < theirs - near
        if wrong_side and apart:
            said = "the same person" if b.decision else "not the same person"
            raise Violation(
                f"Received: result={str(b.decision).lower()} (code {b.code}) with {key}="
                f"{got:g} for collectionImageItems [another person's face, the base image]; "
                f"alone, the base image against itself got {key}={_value_of(same, key)[0]:g} "
                f"(result=true), against the other face {key}={_value_of(differ, key)[0]:g} "
                "(result=false)\n"
                f"Expected: a {key} of the comparison whose verdict ({said}) the answer gives: "
                "the score and the verdict of one comparison "
                "(计算两张脸的相似程度,并返回相似度评分,判断两者是否为同一个人)",
                request=request,
            )


@probe(
    "FH-L33",
    "jd-exif-jpeg-accepted",
    api="jd",
    quote="图片类型: jpg/jpeg/png (a camera's JPEG starts with Exif's APP1, not JFIF's APP0; a "
    "progressive JPEG, a grayscale or CMYK JPEG are jpgs too; a PNG with an alpha channel or a "
    "palette, interlaced or of 16 bits per sample, is a png)",
)
def jd_exif_jpeg_accepted(p: ProbeContext) -> None:
    """The base image as a camera or phone writes its JPEG (FF D8 FF E1: Exif, no JFIF header),
    as a progressive JPEG (SOF2, as web tools and many phones write it), as a grayscale JPEG (one
    component), as a PNG with an alpha channel (RGBA, opaque: a screenshot's), as a CMYK JPEG and
    as an 8-bit palette PNG (session 23: a decoder of 3-channel pixels only, Java's ImageIO on
    CMYK), as an interlaced PNG (session 24: Adam7, which small decoders skip) and as a PNG of 16
    bits per sample (session 25: a decoder of 8-bit samples only) is not refused
    as invalid input: a jpg or png under every reading, the canonical
    request's picture. The RGBA PNG, the JPEG's own pixels, is also the same person as the JPEG
    when the Exif and the progressive JPEG (the same picture in other bytes) were
    (判断两者是否为同一个人: a service decoding a PNG's channels wrongly never matches one, fuzz's
    reencoding_matches); a byte-hashing stand-in engine (the emulator's fast one) matches neither
    JPEG, so it is not judged."""
    pool = p.session.pool
    same: dict[str, bool | None] = {}
    for what, recipe in (
        ("an Exif JPEG (FF D8 FF E1, as cameras write it)", "exif"),
        ("a progressive JPEG (SOF2, FF C2)", "progressive"),
        ("a grayscale JPEG (one component)", "gray"),
        ("a PNG with an alpha channel (RGBA)", "rgba"),
        ("a CMYK JPEG (four components)", "cmyk"),
        ("an 8-bit palette PNG (colour type 3)", "palette"),
        ("an interlaced PNG (Adam7)", "interlaced"),
        ("a PNG of 16 bits per sample", "png16"),
    ):
        image = base64.b64encode(pool.derived(pool.reference, recipe)).decode("ascii")
        request = p.canonical("faceCompareNew").with_json(("compareImageItem", "imgBase64"), image)
        a = p.ask_envelope(request, what)
        if business(a) and a.category == "input":
            raise Violation(
                f"Received: business code {a.code}{_named(a.meaning)} for the base image as "
                f"{what}\n"
                "Expected: accepted: a jpg or png (图片类型: jpg/jpeg/png) whatever its APPn "
                "segments, scan order or channels",
                request=request,
            )
        same[recipe] = a.decision if business(a) and a.ran else None
    if same["exif"] is same["progressive"] is True and same["rgba"] is False:
        raise Violation(
            "Received: result=false for the base image as a PNG (its own pixels, RGBA) against "
            "it as a JPEG; result=true for it as an Exif JPEG and as a progressive JPEG\n"
            "Expected: the same person: png is an image type the service takes "
            "(图片类型: jpg/jpeg/png) and it is the same face (判断两者是否为同一个人)",
            severity="medium",
            request=request,
        )


@probe(
    "FH-J21",
    "jd-other-format-never-compared",
    api="jd",
    quote="图片类型: jpg/jpeg/png (every image: compareImageItem, each of collectionImageItems, "
    "as imgBase64 or as imgArr)",
)
def jd_other_format_never_compared(p: ProbeContext) -> None:
    """The reference photo as a GIF is not reported compared (business 0 成功) wherever it is
    sent: as the base image, as the second of two collection images (a service checking
    ``items.get(0)`` checks the first only) and as the base image's imgArr (one checking the
    format on the imgBase64 path only). A GIF is no jpg, jpeg or png under any reading; any
    refusal (1155, 1161 included: how a service words it) passes, and a list of two refused as
    such (E-066) too, as does an HTTP layer's own 4xx without JD's envelope (E-015: FH-H02's to
    list, not this probe's). Session 26: the base image as a BMP too (a service refusing GIF by
    name, every other format decoded)."""
    pool = p.session.pool
    gif = pool.derived(pool.reference, "gif")
    b64 = base64.b64encode(gif).decode("ascii")
    bmp = base64.b64encode(pool.derived(pool.reference, "bmp")).decode("ascii")
    canonical = p.canonical("faceCompareNew")
    item = canonical.json["collectionImageItems"][0]
    types = p.contract.enum("jd", "ImageItem", "imgType")
    second = {**item, "imgType": "COM" if "COM" in types else types[0], "imgBase64": b64}
    base = _base_item_without_image(p)
    for path, value, what in (
        (("compareImageItem", "imgBase64"), b64, "the base image as a GIF"),
        (("collectionImageItems",), [item, second], "a second collection image as a GIF"),
        (("compareImageItem",), {**base, "imgArr": list(gif)}, "the base image's imgArr a GIF"),
        (("compareImageItem", "imgBase64"), bmp, "the base image as a BMP"),
    ):
        request = p.canonical("faceCompareNew").with_json(path, value)
        a = p.ask(request)
        if business(a) and str(a.code) == "0":
            kind = "BMP" if "BMP" in what else "GIF"
            raise Violation(
                f"Received: business code 0{_named(a.meaning)} for {what}\n"
                f"Expected: refused (e.g. 100 参数不合法!): a {kind} is no jpg, jpeg or png "
                "(图片类型: jpg/jpeg/png)",
                request=request,
            )


@probe(
    "FH-J23",
    "jd-fixed-field-exact",
    api="jd",
    erratum="E-044",
    observes=("E-055",),
    # appAuthorityKey's value is kept out of every report, its quote too
    quote='businessId String "JDT-NUEHUB-COM-FACE" 固定值; appName String "FACE_ALGORITHM" 固定值; '
    "appAuthorityKey String 固定值",
)
def jd_fixed_field_exact(p: ProbeContext) -> str | None:
    """Each 固定值 with one character appended, and with its last one dropped, is not compared: a
    service testing ``startsWith`` (or ``contains``) takes the first, one comparing the key
    without its base64 padding (``...DmBA=``) the second; a 固定值 holding '+' (appAuthorityKey)
    with a space for it (session 25: a service turning every ' ' back into '+', a form decoder's
    mistake undone, takes it), and one holding '+' or '/' in URL-safe base64's alphabet (session
    27: a service reading both alphabets takes ``-`` and ``_``). A spelling of other bytes differs
    from the fixed value under every reading (E-044: only another letter case is not judged): any
    refusal passes (1162, 100, 43011 alike); a comparison (0 or 1155) fails. A spelling of the
    same bytes (the key unpadded, URL-safe: ``same_key_bytes``) is asked last and observed: taken,
    E-055's compared-as-bytes (session 27 review: a service decoding the key was red). The
    values are never written out (appAuthorityKey is kept out of findings: a replay file names
    the variant)."""
    same_bytes: list[tuple[str, str, str]] = []
    for name, right in p.contract.jd_fixed_fields.items():
        spaced = [(right.replace("+", " "), "a space for each '+'")] if "+" in right else []
        if "+" in right or "/" in right:
            urlsafe = right.replace("+", "-").replace("/", "_")
            spaced.append((urlsafe, "URL-safe base64's '-' and '_' for '+' and '/'"))
        for value, what in (
            (right + "X", "one character appended"),
            (right[:-1], "its last dropped"),
            *spaced,
        ):
            if same_key_bytes(right, value):
                same_bytes.append((name, value, what))
                continue
            request = p.canonical("faceCompareNew").with_json((name,), value)
            a = p.ask(request)
            if business(a) and a.ran:
                raise Violation(
                    f"Received: business code {a.code}{_named(a.meaning)} (compared) for {name} "
                    f"as its 固定值 with {what}\n"
                    "Expected: refused (e.g. 1162 业务参数配置错误!): a 固定值 differing from the "
                    "document's",
                    request=request,
                )
    refused = 0
    for name, value, what in same_bytes:
        request = p.canonical("faceCompareNew").with_json((name,), value)
        a = p.ask(request)
        refused += a.refused
        if business(a) and a.ran:
            raise observed(
                "E-055",
                f"Received: business code {a.code}{_named(a.meaning)} (compared) for {name} as "
                f"its 固定值 with {what}, the same bytes in base64\n"
                "Default reading: the 固定值's text alone (refused)",
            )
    return "E-055" if same_bytes and refused == len(same_bytes) else None


# --- liveness -------------------------------------------------------------------------------
def _lip(p: ProbeContext, live_code: Any) -> Any:
    video = {"type": "video", "videoType": "LIP", "data": p.session.pool.video.b64}
    request = p.canonical("match").with_json(("faceData",), video)
    return request if live_code is None else request.with_json(("liveCode",), live_code)


@probe(
    "FH-L06",
    "lip-needs-livecode",
    api="match",
    operations=("match",),
    erratum="E-008",
    quote="liveCode | String | 否 | 传入对比数据为视频并选择LIP模式时必传; videoType | SILENT:默认,"
    "静默模式 LIP:数字模式,视频需读出指定数字",
)
def lip_needs_livecode(p: ProbeContext) -> None:
    """A LIP video without liveCode gets the missing-liveCode code; one whose videoType says
    "lip" (LIP in lowercase) without liveCode is not compared either.

    "lip" is LIP read case-insensitively, or no mode the table lists: refused for the liveCode
    or as invalid, either fits; compared, a service validating the mode case-insensitively and
    testing ``== "LIP"`` for the liveCode check skipped it. A failed status (E-039) fits too."""
    request = _lip(p, None)
    p.expect(request, "errcode", "liveCode missing in LIP mode", "a LIP video without liveCode")
    request = request.with_json(("faceData", "videoType"), "lip")
    a = p.ask(request)
    if _ran(a):
        raise Violation(
            f"Received: {a.label} for a video with videoType 'lip', without liveCode\n"
            "Expected: refused: 'lip' is LIP (数字模式, liveCode 必传) or no mode the table lists "
            "(SILENT, LIP), and compared as neither",
            request=request,
        )


@probe("FH-L07", "livecode-single-use", api="match", operations=("match",), reading="E-042")
def livecode_single_use(p: ProbeContext) -> Any:
    """A fresh liveCode is accepted; whether it is refused the second time is a reading (E-042).

    Two codes are asked and the second used: a LIP comparison may answer its code's traceNo
    (E-068), and FH-M05 tells that from a traceNo numbered per operation or per second only when
    the code used is not the first of the run's validateData answers."""
    code = None
    for _ in range(2):
        answer = p.send(p.live_code_request())
        a = answer.answer
        # errcode 0 as Python compares it: a JSON 0, 0.0 or false, not "0" (the rules judge it)
        issued = a is not None and enveloped(a) and (zero(a) and a.typed or a.code in _ZEROS)
        code = live_code_of(answer) if issued else None
        if code is None:
            return  # no code issued: other rules report why
    request = _lip(p, code)
    a = p.ask(request)
    if refused_for_live_code(a, p.contract.codes.own):  # a LIP check may refuse our video
        raise Violation(
            f"Received: {a.label}{_named(a.meaning)} for a liveCode issued a moment ago\n"
            "Expected: the fresh liveCode accepted (值通过数字验证码接口获取)",
        )
    a = p.ask(request)
    if enveloped(a) and zero(a):
        raise observed(
            "E-042",
            "Received: errcode 0 for the same liveCode sent a second time\n"
            "Default reading: a liveCode is single-use",
        )
    return "E-042"


@probe(
    "FH-L13",
    "livecode-must-be-issued",
    api="match",
    operations=("match",),
    quote="liveCode | String | 否 | 传入对比数据为视频并选择LIP模式时必传,值通过数字验证码接口获取",
)
def livecode_must_be_issued(p: ProbeContext) -> None:
    """A LIP video with a liveCode validateData did not issue is refused: first an empty one
    (a service that checks the code only when it is truthy compares the video unchecked), then
    forgeries: a fresh code with every digit shifted, then codes a loose comparison takes for
    the issued one: its last digit alone shifted (all but the last digit compared, a slice one
    short), the code without its last digit (``zip`` stops at the shorter code), without its
    first (``endswith``, ``in``), the code with a 0 before it (the codes compared as numbers).

    Each forgery is tried twice before a verdict (every digit: from the same code; the loose
    ones: each from a code of its own, since a service that took the first forgery for its
    code has used that code up), so that a forgery another caller happened to be issued (4 digits
    are few) is no finding. Only a match is an acceptance under every reading: E-011's other
    reading takes success "false" for a comparison that went wrong, as a lip-reading refusal
    may be.
    """
    request = _lip(p, "")
    a = p.ask(request)
    if enveloped(a) and a.ran and a.decision is True:
        raise Violation(
            "Received: a match for a LIP video with liveCode '' (a check skipped for a falsy "
            "value)\nExpected: refused: validateData never issues an empty code (值通过数字验证码"
            "接口获取; code | String | 是 | 数字验证码)",
            request=request,
        )
    code = _digit_code(p)
    if code is None:
        return
    every = ["".join(str((int(d) + n) % 10) for d in code) for n in (5, 3)]
    if _all_matched(p, every):
        raise Violation(
            f"Received: a comparison for LIP videos with liveCodes {' and '.join(every)}, which "
            f"validateData did not issue (it issued {code})\n"
            "Expected: refused (值通过数字验证码接口获取)"
        )
    # the same forgeries where a check may sit on one path alone (round 12): faceData.origin
    # self sent explicitly (默认为 self: the same request), with extData {} and async false
    # (round 17: a branch for registered extData, or for async sent at all, skipped the step;
    # E-017: {} is taken under every reading), the code as a JSON number (a check written for a
    # String skips it); refused for the value's type fits, so only a match counts
    for forged, change, shown in (
        (every, _defaults_sent, "with faceData.origin 'self', extData {} and async false"),
        ([int(c) for c in every], None, "sent as JSON numbers"),
    ):
        if _all_matched(p, forged, held=change is not None, change=change):
            raise Violation(
                f"Received: a comparison for LIP videos with liveCodes "
                f"{' and '.join(map(str, forged))} {shown}, which validateData did not issue "
                f"(it issued {code})\nExpected: refused (值通过数字验证码接口获取), whatever "
                "path the request takes"
            )
    for forges, shown, why in _LOOSE:
        pairs = _forged_twice(p, code, forges)
        if pairs:
            listed = " and ".join(
                f"{forged} (validateData issued {issued})" for issued, forged in pairs
            )
            raise Violation(
                f"Received: a comparison for LIP videos with liveCodes {listed}: {shown}\n"
                f"Expected: refused (值通过数字验证码接口获取; code | String | 是): {why}"
            )


# forgeries of an issued code a service comparing codes loosely takes for it (each tried on two
# codes): a slice one short (``sent[:3] == issued[:3]``), ``zip`` (stops at the shorter code:
# either code's beginning passes), ``issued.endswith(sent)`` or ``sent in issued`` (round 13: its
# end passes), ``int(sent) == int(issued)`` (a leading zero insignificant)
# (a code of the issued one's length is held to the unknown-liveCode code, as the others are)
_LOOSE: tuple[tuple[tuple[Callable[[str], str], ...], str, str], ...] = (
    (
        (lambda c: _last_shifted(c, 5), lambda c: _last_shifted(c, 3)),
        "each differs from the code issued in its last digit alone",
        "a code one digit off is not the code",
    ),
    (
        (lambda c: c[:-1],) * 2,
        "each is the code issued without its last digit",
        "a code cut short is not the code",
    ),
    (
        (lambda c: c[1:],) * 2,
        "each is the code issued without its first digit",
        "a code cut short is not the code, at either end",
    ),
    (
        (lambda c: "0" + c,) * 2,
        "each is the code issued with a 0 before it",
        "the code is a String of digits (数字验证码): another digit makes another code",
    ),
)


def _defaults_sent(request: Request) -> Request:
    """``request`` with its optional fields sent at their defaults, or empty (默认为 self,
    默认为false; extData {}, E-017): the same request, down the paths a service may take for a
    field it was sent (FH-L13's and FH-L22's forgeries)."""
    if request.operation == "match":
        request = request.with_json(("faceData", "origin"), "self")
    return request.with_json(("extData",), {}).with_json(("async",), False)


def _forged_twice(
    p: ProbeContext, code: str, forges: tuple[Callable[[str], str], ...]
) -> list[tuple[str, str]] | None:
    """(issued, forged) for each forgery when every one was compared as a match, else None.

    The first is made from ``code`` (unused: its forgeries were refused), each later one from a
    code of its own, since a service that took a forgery for its code has used that code up; a
    forgery another caller happened to be issued (4 digits are few) is no finding twice over."""
    pairs: list[tuple[str, str]] = []
    for forge in forges:
        issued = code if not pairs else _digit_code(p)
        if issued is None or len(issued) < 2:  # cut to nothing: the empty code's case above
            return None
        forged = forge(issued)
        if not _all_matched(p, [forged], held=len(forged) == len(issued)):
            return None
        pairs.append((issued, forged))
    return pairs


def _last_shifted(code: str, n: int) -> str:
    return code[:-1] + str((int(code[-1]) + n) % 10)


def _pace_s(budget: Budget) -> float:
    """Seconds a request of the run has taken on average (by the budget's own clock), at least
    0.1 s."""
    if budget.started is None or not budget.used:
        return 0.1
    return max(0.1, (budget.clock() - budget.started) / budget.used)


# FH-A23 draws codes until one begins with 0 (one in ten of 4 random digits) after the other
# probes (it runs after the races, ``LAST``), from its own part of the match reserve
# (``_run.PROBE_RESERVE``: LEADING_ZERO_NEED, session 25: a default URL run's engine left the
# probes no more than the reserve, whose spare FH-A23 keeps, and it drew nothing). It keeps the
# reserve's spare of 10 (``_run.PROBE_SPARE``) and, while it draws, room for what follows a
# zero-led code: its comparison, a control code's draws and that code's comparison
LEADING_ZERO_SPARE = 10  # _run.PROBE_SPARE (_run imports this module)
LEADING_ZERO_DRAWS = 20
LEADING_ZERO_CONTROL_DRAWS = 3
LEADING_ZERO_NEED = LEADING_ZERO_DRAWS + 1 + LEADING_ZERO_CONTROL_DRAWS + 1  # 25
LEADING_ZERO_KEEP = LEADING_ZERO_SPARE + 1 + LEADING_ZERO_CONTROL_DRAWS + 1  # 15, while drawing
# a replay draws three times as long (none in 0.9^60, 0.2 %: 12 % at 20), and then says unjudged
LEADING_ZERO_REPLAY_DRAWS = 60


@probe(
    "FH-A23",
    "livecode-leading-zero-accepted",
    api="match",
    operations=("match",),
    quote="liveCode | String | 否 | 传入对比数据为视频并选择LIP模式时必传,"
    "值通过数字验证码接口获取; validateData: code | String | 是 | 数字验证码",
)
def livecode_leading_zero(p: ProbeContext) -> None:
    """A liveCode validateData issued with a leading 0 ("0472") is taken as issued: a service
    that reads the code as a number (``str(int(code))``, a ``^[1-9]`` pattern, an int column)
    refuses one code in ten of its own. Valid under every reading: the code is the String the
    service itself issued (值通过数字验证码接口获取; code | String: a 数字验证码 is digits, so 0
    may lead, as FH-L13 holds "0" + code to be another code), sent back as it came, at once (the
    newest code, E-079; unused, E-042).

    A verdict needs the contrast: the zero-led code refused for the liveCode itself while a fresh
    code without one, sent the same way next, is not (a service refusing every fresh code is
    FH-L07's). No zero-led code among the codes drawn (a service issuing 1000..9999, or a
    budget too short for more draws) is nothing to judge here, and no verdict; in a replay
    (``replaying``: up to 60 draws) it is not judged, so the finding is not reported fixed."""
    budget = p.session.tracker.budget

    def code_where(fits: Callable[[str], bool], draws: int, keep: int) -> str | None:
        for _ in range(draws):
            left, seconds = budget.requests_left(), budget.seconds_left()
            if left is not None and left <= keep:
                return None
            if seconds is not None and seconds <= 2 * keep * _pace_s(budget):
                return None  # what it keeps, the spare too, in time twice over
            code = _digit_code(p)
            if code is None or fits(code):
                return code
        return None

    draws = LEADING_ZERO_REPLAY_DRAWS if p.replaying else LEADING_ZERO_DRAWS
    zero_led = code_where(lambda c: c.startswith("0"), draws, LEADING_ZERO_KEEP)
    if zero_led is None or not zero_led.startswith("0"):
        if p.replaying:  # a run's pass stays a pass (no case, no verdict); a replay's is no fix
            p.unjudged.append(
                f"no liveCode beginning with 0 among the codes drawn (at most {draws})"
            )
        return
    request = _lip(p, zero_led)
    shown = p.send(request)  # the answer the finding shows
    refused = shown.answer
    if refused is None or not refused_for_live_code(refused, p.contract.codes.own):
        return
    seen = received(refused) + _named(refused.meaning)
    control = code_where(
        lambda c: not c.startswith("0"), LEADING_ZERO_CONTROL_DRAWS, LEADING_ZERO_SPARE + 1
    )
    if control is None or control.startswith("0"):
        p.unjudged.append(f"liveCode {zero_led} refused ({seen}): no code without a 0 to compare")
        return
    if refused_for_live_code(p.ask(_lip(p, control)), p.contract.codes.own):
        return  # every fresh code refused: FH-L07's finding, not the 0's
    p.last_request, p.last_response = request, shown
    raise Violation(
        f"Received: {seen} for a LIP video with liveCode {zero_led!r}, issued by validateData a "
        f"moment before, while {control!r}, issued next and sent the same way, was taken\n"
        "Expected: the code taken as issued: a 数字验证码 is a String of digits "
        "(code | String | 是), its leading 0 part of it (值通过数字验证码接口获取)",
        request=request,
    )


def _digit_code(p: ProbeContext) -> str | None:
    """A fresh liveCode of ASCII digits, or None: no code issued, or not ASCII digits ('²' is a
    digit): the answer rules report why."""
    code = p.fresh_live_code()
    return code if code is not None and code.isascii() and code.isdigit() else None


def _all_matched(
    p: ProbeContext,
    forged: list[Any],
    held: bool = True,
    change: Callable[[Request], Request] | None = None,
) -> bool:
    """Whether a LIP video with each forged liveCode (``change`` applied to its request) was
    compared as a match (a refusal is held to the unknown-liveCode code when ``held``: a code of
    another length or shape may be refused as malformed too; "false" fits E-011's other reading:
    no verdict either way)."""
    for live_code in forged:
        request = _lip(p, live_code) if change is None else change(_lip(p, live_code))
        a = p.ask(request)
        if not (enveloped(a) and a.ran):
            if held and enveloped(a) and not zero(a):
                what = f"a LIP video with liveCode {live_code!r}, never issued"
                p.expect(request, "errcode", "liveCode unknown", what, sent=p.last_response)
            return False  # refused (or no envelope: the HTTP rules' finding)
        if a.decision is False:  # not the same person, or (E-011) the comparison went wrong
            return False
    return True


# --- throttling -----------------------------------------------------------------------------
def _qps_probe(
    operation: str, where: str, meaning: str, answers: str
) -> Callable[[ProbeContext], None]:

    def run(p: ProbeContext) -> None:
        expected, s = _code(p, where, meaning), p.session
        qps = 5.0 if s.is_emulator else p.qps.get(s.api) if p.may_burst else None
        if qps is None:
            return
        with _throttle(p, qps=qps):
            burst = min(MAX_BURST, int(3 * qps) + 5)
            p.session.tracker.ensure_budget(burst)
            request = replace(p.canonical(operation), json={})
            started = time.monotonic()
            hits = sum(_refused_as(p.ask(request), expected) for _ in range(burst))
            took = time.monotonic() - started
        if hits == 0 and burst / max(took, 1e-3) > 2 * qps:
            raise Violation(
                f"Received: no {expected.code} among {burst} requests in {took:.2f} s "
                f"({burst / max(took, 1e-3):.0f}/s) against a limit of {qps:g}/s\n"
                f"Expected: {expected.where} code {expected.code} ({expected.en}) above the limit",
            )

    run.__doc__ = f"Above the configured QPS {answers}."
    return run


probe(
    "FH-L08",
    "jd-qps-limit-enforced",
    api="jd",
    severity="medium",
    quote="免费试用服务具有调用量、QPS限制 (gateway 10043 超过QPS限制, JD's table)",
)(_qps_probe("faceCompareNew", "gateway", "QPS limit exceeded", "the gateway answers 10043"))
probe(
    "FH-L09",
    "match-qps-limit-enforced",
    api="match",
    operations=("liveCode",),
    basis="convention",
    severity="low",
    quote="a configured rate limit is enforced (the internal document gives none)",
)(_qps_probe("liveCode", "errcode", "too many requests", "the internal API answers 42900"))


def _refused_as(a: Answer, expected: Code) -> bool:
    """The expected code, or (internal API, E-014) an error code outside the table: a service's
    own throttling code may be any of those."""
    if not enveloped(a) or a.where == "status" or a.where == "business" and not business(a):
        return False  # no code, errcode 0, or the gateway's success
    return a.code == expected.code or (
        not expected.documented
        and a.where == expected.where
        and a.meaning is None
        and a.code not in ("0", None)
    )


@contextmanager
def _throttle(p: ProbeContext, **changes: Any) -> Iterator[None]:
    """The emulator's throttle settings changed for a probe and restored after; a URL as it is."""
    if not p.session.is_emulator:
        yield
        return
    admin = p.session.target.rstrip("/") + "/_emulator/config"
    with http_client(timeout=10) as client:
        before = client.get(admin).json().get("throttle", {})
        client.patch(admin, json={"throttle": {**before, **changes}}).raise_for_status()
        try:
            yield
        finally:
            client.patch(admin, json={"throttle": before})


_COMPARISONS = ("match", "matchIdno")
_ZEROS = ("0.0", "-0.0", "False")  # errcodes Python finds equal to 0, besides 0 itself
CONCURRENT = 6  # requests in flight at once in one round of the concurrency probe
ROUNDS = 3  # rounds against the emulator (a live target gets one)
_SAME_OUTCOME = ("success", "business")  # the answers of a valid comparison: match or not (1155)


# the pauses before each lone request while it is throttled: over a minute in all, so a quota of
# calls a minute the service's remainTimes does not count (E-045) has renewed by the last one
LONE_WAITS_S = (1.1, 5.0, 15.0, 45.0)
LONE_RETRY_AFTER_MAX_S = 30.0  # a longer Retry-After is a lockout this probe does not wait out
# the pauses' total while no verdict but "served" can come (the service's word on its calls left
# missing, or none left, and its throttled answer saying no remainTimes): over any per-second
# limit five times over (the first two pauses, 6.1 s); the longer waits are for a quota of calls
# a minute that the remainTimes said does not count, where a verdict can follow
LONE_UNSAID_MAX_S = 6.5


_SECRET_SEEN_CHARS = 8


@probe(
    "FH-J25",
    "jd-refusal-discloses-no-credential",
    api="jd",
    basis="convention",  # no sentence names it: CWE-209, an error message exposing a credential
    severity="low",
    quote="CWE-209, an error message exposing a credential: sign String 签名,根据规则"
    "MD5(sectetkey+timestamp) (the sign proves the secretkey: an answer that hands out the "
    "secretkey, or the right sign to a caller who sent a wrong one, lets anyone holding the "
    "appkey call as its owner)",
)
def jd_refusal_discloses_no_credential(p: ProbeContext) -> None:
    """A request signed with another secret, and one signed right with a timestamp 6 minutes old,
    are refused without the answer (its headers too) carrying the secretkey, the right sign for
    the timestamp sent, or a right sign for a timestamp the answer names, in any letter case (a
    debugging aid left in a gateway: ``expected sign=...`` in the body or an ``X-Expected-Sign``
    header; an expired timestamp's refusal naming the server's time and its sign, a pair valid
    for five minutes: session 27). The finding names none of them; the report masks each."""
    _, secret = p.session.creds.require_jd()
    now = int(p.session.sender.clock() * 1000)
    old = now - p.contract.jd_timestamp_window_ms - OUTSIDE_WINDOW_MS
    for stamp, sign, what in (
        (str(now), How.INVALID, "signed with another secret"),
        (str(old), How.VALID, "signed with a timestamp 6 minutes old"),
    ):
        auth = Auth(timestamp=Given(stamp), sign=sign)
        response = p.send(replace(p.canonical("faceCompareNew"), auth=auth))
        text = answer_text(response)
        # the expired request carried its own right sign: an answer echoing it discloses nothing
        shown = [] if sign == How.VALID else [(jd_sign(secret, stamp), "the right sign for it")]
        if len(secret) >= _SECRET_SEEN_CHARS:  # a shorter one may occur in any text by chance
            shown.append((secret, "the secretkey"))
        found = [w for value, w in shown if credential_shown(value.lower(), text)]
        if not found and handed_sign(secret, text, sent=stamp):
            found = ["the right sign for another timestamp"]
        if found:
            raise Violation(
                f"Received: an answer (HTTP {response.status}) to a request {what} that carries "
                f"{found[0]} (masked here)\n"
                "Expected: no credential in an answer: only the secretkey can make a sign",
            )


_DISCLOSURE_CHARS = 65_536  # of an answer, read for a credential: a refusal is short
_HEX32 = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_MILLIS = re.compile(r"(?<![0-9])[0-9]{10,19}(?![0-9])")


def answer_text(response: Exchange) -> str:
    """An answer's headers and body as one lowercase text, the body's first 64 KiB."""
    heads = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    body = response.content[:_DISCLOSURE_CHARS].decode("utf-8", "replace")
    return f"{heads}\n{body}".lower()


def handed_sign(secret: str, text: str, *, sent: str) -> bool:
    """``text`` holds MD5(secretkey + t) for a number t it names other than the timestamp
    ``sent`` (at most 100 of each looked at): a (timestamp, sign) pair only the secretkey could
    make, which the request did not carry. Each found sign is remembered, so every later
    redaction masks it."""
    stamps = [t for t in _MILLIS.findall(text)[:100] if t != sent]
    signs = {jd_sign(secret, t): t for t in stamps}
    handed = [h for h in _HEX32.findall(text)[:100] if h in signs]
    for h in handed:
        remember_sign(h)
    return bool(handed)


def credential_shown(value: str, text: str) -> bool:
    """``value`` occurs in ``text``; a digit-only one only outside a longer run of digits: a
    digit-only secretkey of 8 may occur inside any millisecond timestamp or serial by chance
    (the session 26 review), while "sign=<it>" or a quoted one stands alone. One with a letter
    counts anywhere (``MD5(secret+timestamp)`` written out runs into the timestamp's digits)."""
    if not (value.isascii() and value.isdigit()):
        return value in text
    return re.search(rf"(?<![0-9]){re.escape(value)}(?![0-9])", text) is not None


@probe(
    "FH-J24",
    "jd-lone-request-served",
    api="jd",
    severity="medium",
    quote="免费试用服务具有调用量、QPS限制; 43010 流量受限; remainTimes 剩余调用次数;无限制时为-1",
)
def jd_lone_request_served(p: ProbeContext) -> None:
    """A valid comparison is not refused 流量受限 (43010, a gateway QPS code, HTTP 429) when it is
    sent alone while the service's own remainTimes says calls are left: nothing else of ours in
    flight, after a pause of over a second, five times over 66 s (each pause longer, or the
    answer's ``Retry-After`` when it says so, up to 30 s; the first two only, 6.1 s, while the
    service gives no word that calls are left, when only its serving could still judge). Such a
    request is within any limit on queries per second (E-045 sets no figure; the least is one a
    second): a service refusing it serves nothing, as one leaking its permits on refusals does,
    and every later answer would judge nothing (a throttled answer says nothing of its
    request). Only a throttled first
    answer costs a pause: a service that serves it passes at once.

    The sentence names a second limit, 调用量 (calls a day, or in any window): a quota spent
    during the run may refuse a lone request for as long as it likes. So a verdict needs the
    service's word that it was not spent: its last remainTimes -1 (unlimited), or more calls than
    the requests sent since (each may have been counted). Without it (none said, or too few
    left), or a longer lockout, or the run's time budget ending first, the probe cannot judge:
    ``unjudged``, which makes a passing run inconclusive (a service that served is judged)."""
    request = p.canonical("faceCompareNew")
    answer, waited = p.ask(request), 0.0
    for wait in LONE_WAITS_S:
        if not answer.throttled:
            return
        calls = p.session.calls_left(request)
        unsaid = answer.remain_times is None and (calls is None or calls < 1)
        if unsaid and waited + wait > LONE_UNSAID_MAX_S:  # only "served" could still judge
            word = (
                "said none" if calls is None else f"left {calls:g} calls after the requests since"
            )
            return _lone_unjudged(
                p, answer, f"its remainTimes {word} (not waited past {waited:g} s for a word)"
            )
        headers = p.last_response.headers if p.last_response is not None else {}
        said = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        told = retry_after_s(said, under=math.inf) if said is not None else None
        if told is not None and told > LONE_RETRY_AFTER_MAX_S:
            return _lone_unjudged(p, answer, f"a lockout of {told:g} s announced (Retry-After)")
        pause, left = max(wait, told or 0.0), p.session.tracker.budget.seconds_left()
        if left is not None and left < pause + 5:
            return _lone_unjudged(p, answer, "the run's time budget ended first")
        interrupt.sleep(pause)  # a gate stage's time limit (no signal) ends the pause too
        waited += pause
        if interrupt.requested():
            return None  # a stop asked for: no verdict
        answer = p.ask(request := p.canonical("faceCompareNew"))
    cluster = answer.meaning is not None and answer.meaning.name == "cluster_qps_limit"
    if not answer.throttled or cluster:  # 超过集群QPS限制: others' traffic may fill a cluster
        return
    calls = p.session.calls_left(request)
    if calls is None or calls < 1:
        said = "said none" if calls is None else f"left {calls:g} calls after the requests since"
        return _lone_unjudged(p, answer, f"its remainTimes {said}: a spent 调用量 quota may be why")
    raise Violation(
        f"Received: {received(answer)}{_named(answer.meaning)} for a valid comparison sent "
        f"alone, {len(LONE_WAITS_S) + 1} times over {sum(LONE_WAITS_S):g} s (nothing else in "
        f"flight, over a second apart), while the service's remainTimes said "
        f"{'unlimited (-1)' if math.isinf(calls) else f'{calls:g} calls left'}\n"
        "Expected: served: one request at a time, under one a second, is within any QPS "
        "limit (免费试用服务具有调用量、QPS限制), and the call quota was not spent (remainTimes "
        "剩余调用次数); 43010 流量受限 is for traffic over the limit"
    )


def _lone_unjudged(p: ProbeContext, answer: Answer, why: str) -> None:
    """FH-J24 throttled a lone request and could not tell why (E-045): noted, no verdict."""
    p.unjudged.append(f"a valid comparison sent alone was still refused {received(answer)}: {why}")


@probe(
    "FH-L12",
    "jd-concurrency-limit",
    api="jd",
    severity="medium",
    quote="业务错误码 ... 43010 流量受限 (JD's business code table)",
)
def jd_concurrency_limit(p: ProbeContext) -> None:
    """A request accepted alone, sent with others in flight, is answered the same way or refused
    with a traffic-limit code (business 43010 流量受限, or a gateway quota code); its verdict (0
    or 1155) is the one it got alone: the same two images are the same person or not.

    The document sets no concurrency figure, so no refusal is required (the run's ``codes`` count
    them); blaming the request or putting 43010 anywhere but the business result contradicts the
    code table. A live target paced at 2 requests/s or more gets a mini-burst (``bursts``).
    """
    limited = _code(p, "business", "traffic limited")
    verdicts = {"0", str(p.contract.jd_not_same_person_code)}  # match, not the same person
    rounds = ROUNDS if p.session.is_emulator else 1
    if not (burst := p.bursts()):
        return
    p.session.tracker.ensure_budget(1 + rounds * burst)
    request = p.canonical("faceCompareNew")
    a = p.ask(request)
    if not (enveloped(a) and business(a) and a.category in _SAME_OUTCOME):
        return  # not accepted alone: the answer rules say why
    with (
        _throttle(p, max_concurrency=1),
        p.session.tracker.unordered(),
        ThreadPoolExecutor(CONCURRENT) as pool,
    ):
        for _ in range(rounds):
            # each with its own serialNo (the document asks one per call), of the same shape
            sent = [request.with_json(("serialNo",), _new_serial()) for _ in range(burst)]
            # sent from the pool, judged here: a finding shows its own answer (and its HTTP
            # rules' failures), not the one another thread happened to judge last
            with p.together(burst):
                replies = list(pool.map(lambda r: p.session.send(r, "probe"), sent))
            judged = [
                (r, p.judge(r, *answered), p.last_http_failures)
                for r, answered in zip(sent, replies, strict=True)
            ]
            answers = [exchange.answer for _, exchange, _ in judged]
            for r, exchange, http_failures in judged:
                b = exchange.answer
                assert b is not None  # the session raises NoAnswer for a request without one
                p.last_request, p.last_response, p.last_http_failures = r, exchange, http_failures
                if not enveloped(b) or b.where == "business" and not business(b):
                    continue  # no envelope: the answer rules; a result under a number: FH-J's
                if b.code == limited.code and b.where != limited.where:
                    raise Violation(
                        f"Received: {received(b)} while {burst} comparisons were in flight\n"
                        f"Expected: {limited.code} ({limited.zh}) in the business result "
                        "(业务错误码), with the gateway's success code",
                        request=request,
                    )
                if {a.code, b.code} == verdicts:
                    raise Violation(
                        f"Received: {received(b)}{_named(b.meaning)} for a request answered "
                        f"business {a.code}{_named(a.meaning)} when sent alone, while "
                        f"{burst} were in flight\n"
                        "Expected: the same verdict on the same two images "
                        f"(判断两者是否为同一个人), or {limited.code} ({limited.zh}) "
                        "when traffic is limited",
                        request=request,
                    )
                # a failure of the service's own under load (10020 系统繁忙,请稍后再试, 50) is
                # no document's sentence broken: load's error rate judges it
                if b.meaning is None or b.category in _SAME_OUTCOME + ("quota", "internal"):
                    continue  # the same answer, a traffic limit, a failure, outside the table
                raise Violation(
                    f"Received: {received(b)}{_named(b.meaning)} for a request answered "
                    f"business {a.code} when sent alone, while {burst} were in flight\n"
                    f"Expected: the same answer, or {limited.code} ({limited.zh}) when traffic is "
                    "limited",
                    request=request,
                )
            if any(b and enveloped(b) and business(b) and b.code == limited.code for b in answers):
                return


@probe(
    "FH-L18",
    "jd-concurrent-answers-own-request",
    api="jd",
    quote='serialNo String "1621270610624-010221159145-1821391" 随机唯一 (request); '
    "serialNo string 请求id (result)",
)
def jd_concurrent_answers_own_request(p: ProbeContext) -> None:
    """Comparisons are each answered for their own request: no result names the serialNo another
    request sent (echoed or the service's own id, E-041, it is never another caller's): neither
    the request sent just before (a buffer kept from call to call) nor another of a burst in
    flight together; and in a burst of two pairs, the base image against itself and against
    another person's face, each answer gives the verdict its own pair got alone (a shared result
    buffer hands one request another's comparison under its own serialNo). A live target is
    burst within its pace (``bursts``)."""
    burst = p.bursts()  # the whole probe's budget at once: never its part in turn alone
    p.session.tracker.ensure_budget(2 + (burst + 1 if burst else 0))
    before = p.canonical("faceCompareNew")
    p.send(before)
    request = p.canonical("faceCompareNew")
    itself = p.send(request)
    got = _serial_answered(itself)
    if got == before.json["serialNo"]:
        raise Violation(
            f"Received: result.serialNo {got!r} for the request sent with serialNo "
            f"{request.json['serialNo']!r}: the serialNo of the request sent before it\n"
            "Expected: the answer to this request (its serialNo echoed, or the service's own "
            "request id, E-041), never another request's"
        )
    if not burst:
        return
    alone = {"the base image itself": itself.answer}
    other = _jd_other_person(p)
    path = ("collectionImageItems", 0, "imgBase64")
    pairs = {"the base image itself": p.canonical("faceCompareNew")}
    if other is not None:
        pairs["another person's face"] = pairs["the base image itself"].with_json(path, other.b64)
        alone["another person's face"] = p.ask(pairs["another person's face"])
    names = [list(pairs)[i % len(pairs)] for i in range(burst)]
    sent = [pairs[n].with_json(("serialNo",), _new_serial()) for n in names]
    serials = [r.json["serialNo"] for r in sent]
    with p.session.tracker.unordered(), ThreadPoolExecutor(burst) as pool, p.together(burst):
        answered = list(pool.map(lambda r: p.session.send(r, "probe"), sent))
    for name, r, reply in zip(names, sent, answered, strict=True):
        exchange = p.judge(r, *reply)  # judged here: a finding shows its answer
        got = _serial_answered(exchange)
        if got in serials and got != r.json["serialNo"]:
            raise Violation(
                f"Received: result.serialNo {got!r} for the request sent with serialNo "
                f"{r.json['serialNo']!r}, while {burst} comparisons were in flight\n"
                "Expected: the answer to this request (its serialNo echoed, or the service's "
                "own request id, E-041), never another request's",
                request=r,
            )
        b, first = exchange.answer, alone[name]
        if b is None or first is None or not all(business(x) and x.ran for x in (b, first)):
            continue  # refused (a traffic limit), or not compared alone: nothing to set apart
        if isinstance(first.decision, bool) and b.decision is (not first.decision):
            raise Violation(
                f"Received: result={str(b.decision).lower()} (code {b.code}) for the base image "
                f"against {name}, while {burst} comparisons of two pairs were in flight; "
                f"alone it got result={str(first.decision).lower()} (code {first.code})\n"
                "Expected: the verdict of this request's own two faces "
                "(判断两者是否为同一个人), or a traffic-limit refusal (43010 流量受限)",
                request=r,
            )


def _serial_answered(exchange: Exchange) -> Any:
    """result.serialNo as sent, whatever its type or gateway code: whose request it says it is."""
    body = exchange.body
    result = body.get("result") if isinstance(body, dict) else None
    return result.get("serialNo") if isinstance(result, dict) else None


# --- identities -------------------------------------------------------------------------------
_STEM = "11010519000101000"  # born 1900-01-01: GB 11643-valid, in no registry a test relies on
UNREGISTERED = _STEM + check_char(_STEM)  # FH-L10's and FH-L29's number of no one


@probe(
    "FH-L10",
    "idno-unknown-identity",
    api="match",
    operations=("matchIdno",),
    severity="medium",
    observes=("E-039",),
    quote="用于身份证查到的公安库照片+传入照片...的对比; success | true:验证通过 false:验证不通过",
)
def idno_unknown_identity(p: ProbeContext) -> None:
    """A well-formed ID number the registry does not hold is never verified (验证通过).

    A refusal or a failed status fits a reading of E-039 (FH-M01's); only "true" is a defect.
    Nor is the /idno identity's own number with another check character (no person's number,
    so in no 公安库; a lowercase x is E-044's, never sent): a service matching the registry on
    part of the number takes it for that identity; so is its first 17 characters alone (no
    resident ID number has 17: GB 11643 gives 18, the first generation 15). These variants go
    without liveCode (one send each): a service asking for one (E-008) refuses them, which fits.
    The identity's own photo is verified first (a cache of verifications keyed by the face
    alone answers the later numbers sent with that photo from it), as FH-L23 does.
    """
    canonical = p.canonical("matchIdno")
    own = str(canonical.json["idNum"])
    right = check_char(own[:17]) if len(own) == 18 and own[:17].isdigit() else None
    numbers = [UNREGISTERED]
    if right is not None:
        numbers += [own[:17] + ("1" if right == "0" else "0"), own[:17]]
    shown = ["", f" ({own} with another check character)", f" ({own} cut to 17)"]
    # the identity's own photo verified first: the next requests send that photo with other
    # numbers, so a service keeping verifications by the face alone answers them from it
    p.send(p.canonical("matchIdno", live_code=False))
    for n, id_num in enumerate(numbers):  # the own number's variants without liveCode: one send
        request = (canonical if n == 0 else p.canonical("matchIdno", live_code=False)).with_json(
            ("idNum",), id_num
        )
        if idno_verified(p.send(request).body):
            raise Violation(
                f"Received: success 'true' for ID number {id_num}, in no registry{shown[n]}\n"
                "Expected: a refusal or success 'false' (the 公安库 holds no photo to compare)",
            )
    # the same number with a SILENT video of the identity's face: a video path of its own that
    # never looks the number up (the last registry photo compared) verifies it
    video = {"type": "video", "videoType": "SILENT", "data": p.session.pool.video.b64}
    request = p.canonical("matchIdno", live_code=False).with_json(("idNum",), numbers[0])
    if idno_verified(p.send(request := request.with_json(("faceData",), video)).body):
        raise Violation(
            f"Received: success 'true' for ID number {numbers[0]}, in no registry, with a "
            "SILENT video of a face\nExpected: a refusal or success 'false' (the 公安库 holds "
            "no photo to compare the video with: 公安库照片+视频的对比)",
            request=request,
        )
    # /idno's table has no image: a service reading one (a request object shared with /match)
    # compares faceData with it, the 公安库 photo unused; refusing the field or ignoring it fits
    # (sent without liveCode: a service asking for one, E-008's other reading, refuses it)
    face = canonical.json.get("faceData")
    if isinstance(face, dict) and isinstance(face.get("data"), str):
        request = p.canonical("matchIdno", live_code=False).with_json(("idNum",), numbers[0])
        request = request.with_json(("image",), {"origin": "self", "data": face["data"]})
        if idno_verified(p.send(request).body):
            raise Violation(
                f"Received: success 'true' for ID number {numbers[0]}, in no registry, sent "
                "with an image holding faceData's own picture\n"
                "Expected: a refusal or success 'false': /idno compares the 公安库 photo the ID "
                "number finds (its table has no image; 用于身份证查到的公安库照片+传入照片)",
                request=request,
            )


@probe(
    "FH-L23",
    "idno-faceless-never-verified",
    api="match",
    operations=("matchIdno",),
    severity="medium",
    quote="用于身份证查到的公安库照片+传入照片...的对比; success | true:验证通过 false:验证不通过; "
    "personType | 人员类型,normal-普通客户 vip-高级客户 inner-内部员工",
)
def idno_faceless_never_verified(p: ProbeContext) -> None:
    """A picture with no face in it is never verified (验证通过) on /idno, with no personType or
    any documented one: nothing of the person was compared with the registry's photo (a service
    that skips the comparison for one kind of customer, a vip, verifies it).

    A verification of the identity's own photo goes first, so that a service answering a later
    request for the same idNum from a cache of verified identities (keyed by idNum alone) is
    seen: the picture of no one is another request, with its own comparison.

    A refusal (no face), a failed status (E-039) or "false" fits every reading; only "true" is a
    defect: no threshold of the service's own (E-011) makes a picture without a face that person.
    """
    faceless = p.session.pool.faceless
    person_types = p.contract.enum("match", "IdnoRequest", "personType")
    # verified, or not: either way not the next request's answer; without liveCode (one send: a
    # service asking for one, E-008, refuses it and has no verification to keep)
    p.send(p.canonical("matchIdno", live_code=False))
    for person_type in (None, *person_types):
        request = p.canonical("matchIdno").with_json(("faceData", "data"), faceless.b64)
        if person_type is not None:
            request = request.with_json(("personType",), person_type)
        if idno_verified(p.send(request).body):
            shown = f" and personType {person_type!r}" if person_type else ""
            raise Violation(
                f"Received: success 'true' for /idno with a picture that shows no face{shown}\n"
                "Expected: a refusal or success 'false' (the comparison of the registry's photo "
                "with a picture of no one cannot pass)",
                request=request,
            )


@probe(
    "FH-L26",
    "match-faceless-never-matched",
    api="match",
    operations=("match",),
    severity="medium",
    quote="用于照片+照片,或者照片+视频的对比; image | 对比时要参照的客户照片; data | 图片数据; "
    "faceData | 需要比对的客户照片或视频; score | 匹配分数,建议达到80分可认为是同一人照片; "
    "extData | 附加参数登记",
)
def match_faceless_never_matched(p: ProbeContext) -> None:
    """/match with a picture that shows no face, as the reference photo or as faceData, never
    scores as the same person (80, 建议达到80分可认为是同一人照片), right after a comparison that
    does (a result kept from the request before is not this one's); nor with extData carrying
    result-like keys (附加参数登记 registers, it does not answer). A service that compares one
    part with itself (the other unused) matches one of the two.

    Only a score on the documented scale at or above 80 beyond its rounding is judged (one off
    the scale is FH-M04's): a refusal (no face), "false", or "true" with a lower score (E-011's
    other reading) fits every reading.
    """
    faceless = p.session.pool.faceless.b64
    threshold = p.contract.success_threshold("match")
    canonical = p.canonical("match")
    cases = (
        ("a reference photo with no face", canonical.with_json(("image", "data"), faceless)),
        ("faceData with no face", canonical.with_json(("faceData", "data"), faceless)),
        (
            'faceData with no face and extData {"success": "true", "score": "100"}',
            canonical.with_json(("faceData", "data"), faceless).with_json(
                ("extData",), {"success": "true", "score": "100"}
            ),
        ),
    )
    for what, request in cases:
        p.send(canonical)  # a match first: its result is not the next request's
        sent = scored_as_same(p.contract, p.send(request).answer)
        if sent is not None:
            raise Violation(
                f"Received: score {sent!r} for /match with {what}\n"
                f"Expected: a refusal or a score below {threshold:g}: a picture of no one is not "
                "the same person (建议达到80分可认为是同一人照片)",
                request=request,
            )


@probe(
    "FH-L27",
    "video-of-no-one-never-matched",
    api="match",
    operations=_COMPARISONS,
    severity="medium",
    quote="用于照片+照片,或者照片+视频的对比; "
    "用于身份证查到的公安库照片+传入照片,或者公安库照片+视频的对比; "
    "faceData | 需要比对的客户照片或视频; score | 匹配分数,建议达到80分可认为是同一人照片; "
    "success | true:验证通过 false:验证不通过",
)
def video_of_no_one_never_matched(p: ProbeContext) -> None:
    """A SILENT video of a picture with no face is never scored as the same person on /match
    (80, 建议达到80分) nor verified on /idno (验证通过), as FH-L26 and FH-L23 hold photos: a
    service whose video path never decodes the video (the reference or registry photo compared
    with itself) does both. Last, the same video in LIP mode on /match with a fresh liveCode: a
    LIP path of its own (视频支持做出指定动作) that checks the code and never decodes the video
    matches it.

    A refusal (no face, a video it cannot use), "false", or (/match, E-011's other reading) "true"
    with a score below 80 fits every reading.
    """
    video = {"type": "video", "videoType": "SILENT", "data": p.session.pool.faceless_video.b64}
    threshold = p.contract.success_threshold("match")
    request = p.canonical("match").with_json(("faceData",), video)
    sent = scored_as_same(p.contract, p.send(request).answer)
    if sent is not None:
        raise Violation(
            f"Received: score {sent!r} for /match with a SILENT video that shows no face\n"
            f"Expected: a refusal or a score below {threshold:g}: a video of no one is not the "
            "same person (建议达到80分可认为是同一人照片)",
            request=request,
        )
    request = p.canonical("matchIdno").with_json(("faceData",), video)
    if idno_verified(p.send(request).body):
        raise Violation(
            "Received: success 'true' for /idno with a SILENT video that shows no face\n"
            "Expected: a refusal or success 'false' (the registry's photo compared with a video "
            "of no one cannot pass)",
            request=request,
        )
    code = p.fresh_live_code()  # the LIP path (视频支持做出指定动作) too, past its liveCode check
    if code is None:
        return  # no code issued: the answer rules report why
    lip = video | {"videoType": "LIP"}
    request = p.canonical("match").with_json(("faceData",), lip).with_json(("liveCode",), code)
    sent = scored_as_same(p.contract, p.send(request).answer)
    if sent is not None:
        raise Violation(
            f"Received: score {sent!r} for /match with a LIP video that shows no face, sent with "
            "a liveCode validateData issued a moment ago\n"
            f"Expected: a refusal or a score below {threshold:g}: a video of no one is not the "
            "same person, whichever mode (建议达到80分可认为是同一人照片)",
            request=request,
        )


@probe(
    "FH-L28",
    "livecode-not-carried-over",
    api="match",
    operations=("match",),
    quote="liveCode | String | 否 | 传入对比数据为视频并选择LIP模式时必传,值通过数字验证码接口获取",
)
def livecode_not_carried_over(p: ProbeContext) -> None:
    """A LIP video without liveCode is refused for it right after a LIP video with a fresh one was
    accepted (FH-L06 sends it with nothing before): each request carries its own (必传), and a
    service that keeps the last verified code (a session field never cleared) takes the second
    for verified.

    Only when the first is accepted: a refusal of it (the video, its liveness check) leaves
    nothing to carry over.
    """
    code = p.fresh_live_code()
    if code is None:
        return  # no code issued: the answer rules report why
    if not _ran(p.ask(_lip(p, code))):
        return
    what = "a LIP video without liveCode, right after one with a fresh liveCode was accepted"
    p.expect(_lip(p, None), "errcode", "liveCode missing in LIP mode", what)


@probe(
    "FH-L29",
    "match-concurrent-answers-own-request",
    api="match",
    operations=_COMPARISONS,
    severity="medium",
    quote="result | String | 是 | 业务结果; score | 匹配分数,建议达到80分可认为是同一人照片; "
    "用于照片+照片...的对比; success | true:验证通过 false:验证不通过 (/idno)",
)
def match_concurrent_answers_own_request(p: ProbeContext) -> None:
    """Comparisons in flight together are each answered for their own pictures: on /match one
    whose reference photo shows no face never scores as the same person (80) while comparisons of
    one photo with itself run beside it (FH-L26 holds it alone); on /idno one whose faceData shows
    no face is never verified (验证通过) while verifications of the identity's own photo run
    beside it (FH-L23 alone), nor one for a number in no registry (FH-L10 alone), sent with the
    identity's own photo. A result, or an identity looked up, kept in a variable the requests
    share answers one with another's, on one operation or both. A live target is burst within
    its pace (``bursts``).

    /idno goes without liveCode (one send each): a service asking for one (E-008) refuses them
    all, which tells nothing and fits. Last, validateData calls in flight together: each is a
    business of its own, so the answer rules (FH-M05) hold each to a traceNo of its own (a
    single-flight around the code generator answers them all with one).
    """
    if not (burst := p.bursts()):
        return
    # its bursts' whole budget at once (both operations', validateData's): never half spent
    p.session.tracker.ensure_budget(2 * burst + CONCURRENT + 1)
    threshold = p.contract.success_threshold("match")
    faceless = p.session.pool.faceless.b64
    match = p.canonical("match")
    idno = p.canonical("matchIdno", live_code=False)
    unknown = idno.with_json(("idNum",), UNREGISTERED)
    for same, other, verdict in (
        (match, match.with_json(("image", "data"), faceless), "a reference photo of no one"),
        (idno, idno.with_json(("faceData", "data"), faceless), "faceData of no one"),
    ):
        # every other request is the odd one; on /idno every second of them the identity's own
        # photo with a number in no registry (round 15: the identity a lookup found, kept in a
        # field the requests share, verifies a number looked up beside it)
        odd = [other, unknown] if same is idno else [other]
        sent = [odd[n // 2 % len(odd)] if n % 2 == 0 else same for n in range(burst)]
        p.operation = same.operation  # the burst's finding is about its operation (as send sets)
        if same.operation not in p.touched:
            p.touched.append(same.operation)
        with (
            p.session.tracker.unordered(),
            ThreadPoolExecutor(burst) as pool,
            p.together(burst),
        ):
            answered = list(pool.map(lambda r: p.session.send(r, "probe"), sent))
        for request, reply in zip(sent, answered, strict=True):
            exchange = p.judge(request, *reply)  # judged here: a finding shows its answer
            if request is unknown and idno_verified(exchange.body):
                raise Violation(
                    f"Received: success 'true' for /idno with ID number {UNREGISTERED}, in no "
                    f"registry, while {burst // 2} verifications of the identity's own number "
                    "were in flight\nExpected: this request's own result: a refusal or success "
                    "'false' (the 公安库 holds no photo for it), as it gets alone (FH-L10)",
                    request=request,
                )
            if request is not other:
                continue
            if request.operation == "matchIdno":
                if idno_verified(exchange.body):
                    raise Violation(
                        f"Received: success 'true' for /idno with {verdict}, while "
                        f"{burst // 2} verifications of the identity's own photo were in "
                        "flight\nExpected: this request's own result: a refusal or success "
                        "'false' (验证不通过), as it gets alone",
                        request=request,
                    )
                continue
            sent_score = scored_as_same(p.contract, exchange.answer)
            if sent_score is not None:
                raise Violation(
                    f"Received: score {sent_score!r} for /match with {verdict}, while "
                    f"{burst // 2} comparisons of a photo with itself were in flight\n"
                    f"Expected: this request's own result: a refusal or a score below "
                    f"{threshold:g} (建议达到80分可认为是同一人照片), as it gets alone",
                    request=request,
                )
    _livecode_burst(p)


def _livecode_burst(p: ProbeContext) -> None:
    """CONCURRENT validateData calls in flight at once, each judged by the answer rules; one
    alone first, so that a validateData that answers nothing is one request without an answer
    (its finding, as every probe's), not a burst of them of which one is counted."""
    p.session.tracker.ensure_budget(CONCURRENT + 1)
    p.send(p.canonical("liveCode"))
    sent = [p.canonical("liveCode") for _ in range(CONCURRENT)]
    p.operation = "liveCode"
    if "liveCode" not in p.touched:
        p.touched.append("liveCode")
    with p.session.tracker.unordered(), ThreadPoolExecutor(CONCURRENT) as pool:
        answered = list(pool.map(lambda r: p.session.send(r, "probe"), sent))
    for request, reply in zip(sent, answered, strict=True):
        p.judge(request, *reply)


@probe("FH-L11", "idno-without-livecode", api="match", operations=("matchIdno",), reading="E-008")
def idno_without_livecode(p: ProbeContext) -> Any:
    """Whether /idno without liveCode and videoType is accepted (E-008: the /idno table marks
    both 是).

    Accepted without them, it is accepted with them too under every reading (a finding if not).
    """
    request = p.canonical("matchIdno").with_json(("liveCode",)).with_json(("faceData", "videoType"))
    a = p.ask_envelope(request, "/idno without liveCode and videoType", "an envelope (errcode 是)")
    if a.throttled:
        return None  # E-045: it tells no reading
    if zero(a):
        if _ran(a):  # E-039's failed status is no acceptance to compare with
            _idno_with_both_accepted(p)
        return "E-008"
    if a.meaning is None or a.category in ("input", "liveness"):
        raise observed(
            "E-008",
            f"Received: {a.label} for /idno without liveCode and videoType\n"
            "Default reading: accepted (liveCode only for LIP, videoType SILENT by default); "
            "the service enforces the table's 是",
        )
    return None  # refused for another reason (throttled, the identity): nothing to tell


def _idno_with_both_accepted(p: ProbeContext) -> None:
    """/idno accepted without liveCode and videoType is accepted with both (a liveCode issued a
    moment before, videoType SILENT): the table marks both 是 and the example sends them with a
    SILENT video, so they make no request invalid under any reading of E-008."""
    request = p.canonical("matchIdno")
    if "liveCode" not in request.json:
        return  # validateData issued no code: the answer rules report why
    a = p.ask(request)
    if _refused(a):
        raise Violation(
            f"Received: {a.label}{_named(a.meaning)} for /idno with a liveCode validateData "
            "issued a moment before and videoType SILENT, which the same request without both "
            "had accepted\n"
            "Expected: accepted (liveCode | String | 是, videoType | String | 是 on /idno)",
        )


_TABLES = (
    "idNum | String | 是; name | String | 是; type | String | 是 | 照片:image 视频:video; "
    "personType | 否 | normal-普通客户 vip-高级客户 inner-内部员工; "
    "videoType, origin: 传该字段时,不能为空字符串; videoType | SILENT ... LIP; data | String | 是; "
    "用于照片+照片,或者照片+视频的对比"
)


@probe("FH-L14", "documented-fields-enforced", api="match", quote=_TABLES)
def documented_fields_enforced(p: ProbeContext) -> None:
    """A request breaking one rule of the request tables (a 是 field left out, a type outside
    image/video, an empty or unknown videoType, an empty origin, a comparison without one of its
    two parts, a personType outside normal/vip/inner) is refused as invalid.

    Each breaks its sentence under every reading: videoType is emptied (or set to no mode the
    table lists) on a video, where it takes effect (type为video时生效), and /idno keeps the
    liveCode and videoType E-008 may ask for; an origin outside self/fds/uri is no data type the
    table lists; an idNum "" is no 身份证号 whatever its format; image and faceData have "-" in
    the required column (E-033), but a comparison (照片+照片, 公安库照片+传入照片) has nothing to
    compare without either, and their data is 是; personType lists its 人员类型 (a service reading
    it for vip and inner alone takes any other for normal). The /idno cases share one request's
    liveCode: the first that is accepted spends it, so personType goes first. An idNum '' may
    be refused by a format validator's own 4xx without the envelope (E-015, E-043: session 27
    review); every other case is the API's own 异常情况, its errcode due (E-016's review: mutant
    invalid-parameter-framework-400 stays a defect). Round 18: /match without faceData; /idno
    without name goes as an internal employee's (personType inner), and /match's type 'audio' and
    /idno without name in async mode (a queue that validated nothing took them), judged on their
    acceptance alone (E-013: async true may be refused for itself).
    """
    video = {"type": "video", "videoType": "", "data": p.session.pool.video.b64}
    unknown = video | {"videoType": "NOT_A_MODE"}
    match, idno = p.canonical("match"), p.canonical("matchIdno")
    cases = (
        (
            "/idno personType 'NOT_A_TYPE' (no 人员类型 the table lists)",
            idno.with_json(("personType",), "NOT_A_TYPE"),
        ),
        # round 18: as an internal employee's (a branch looking staff up by number alone
        # took it without name)
        ("/idno without name, personType inner", idno.with_json(("name",)).with_json(*_INNER)),
        ("/idno without idNum", idno.with_json(("idNum",))),
        ("/idno with idNum ''", idno.with_json(("idNum",), "")),
        ("/idno without faceData", idno.with_json(("faceData",))),
        ("/match without image", match.with_json(("image",))),
        ("/match without faceData", match.with_json(("faceData",))),  # round 18
        ("image without data", match.with_json(("image", "data"))),
        ("faceData without data", match.with_json(("faceData", "data"))),
        ("faceData without type", match.with_json(("faceData", "type"))),
        ("a video with videoType ''", match.with_json(("faceData",), video)),
        (
            "a video with videoType 'NOT_A_MODE' (names no mode nor action)",
            match.with_json(("faceData",), unknown),
        ),
        ("faceData.origin ''", match.with_json(("faceData", "origin"), "")),
        ("faceData.origin 'ftp'", match.with_json(("faceData", "origin"), "ftp")),
    )
    for what, request in cases:
        # an idNum's format is a validator's to check (E-043): its own 4xx refuses '' (E-015)
        sent = p.send(request) if request.json.get("idNum") == "" else None
        if sent is not None and sent.answer is not None and _http_refusal(sent.answer):
            continue
        p.expect(request, "errcode", "invalid parameter", what, sent=sent)
    # round 18: the async path queued the body before its validator ran; async true may be
    # refused for itself (E-013: a service offering it to registered callers alone), so only
    # the acceptance of these is judged (/match's type 'audio' goes so alone: FH-L30 holds
    # /idno's to the invalid-parameter code)
    asynchronous = (
        ("faceData.type 'audio', async true", match.with_json(("faceData", "type"), "audio")),
        ("/idno without name, async true", idno.with_json(("name",))),
    )
    for what, request in asynchronous:
        _not_taken(p, request.with_json(("async",), True), what)


@probe(
    "FH-L30",
    "idno-fields-enforced",
    api="match",
    operations=("matchIdno",),
    quote="type | String | 是 | 照片:image 视频:video; "
    "data | String | 是 | 视频数据(base64,文件服务器文件路径或链接); videoType, origin | "
    "传该字段时,不能为空字符串 (/idno)",
)
def idno_fields_enforced(p: ProbeContext) -> None:
    """/idno with a faceData.type outside image/video, or faceData without type or without data
    (both 是 in /idno's table), is refused as invalid, as FH-L14 holds /match's: "audio" is no
    type the table lists (a service reading the type only for "video" compares it as a photo), a
    service defaulting type to image takes a request without it, and one falling back to the
    registry's photo for missing data verifies a request without it. So is a video with
    videoType "" and faceData with origin "": /idno's own rows forbid the empty string (传该字段时,
    不能为空字符串), and a service whose /idno reads an empty one as its default (SILENT, self)
    takes them (round 11: FH-L14 sent them to /match alone). The rest of the request is
    the canonical one, valid under every reading (liveCode and videoType, which E-008 may ask for,
    included). A name "" is not sent: the document forbids the empty string only for videoType
    and origin (传该字段时,不能为空字符串, E-034), so a service may take "" for a name it does
    not check. Round 18: "audio" goes as a vip's (高级客户: a branch of its own had no enum
    check) and origin "" on a SILENT video (a video parser of its own read it as self)."""
    video = {"type": "video", "videoType": "", "data": p.session.pool.video.b64}
    cases = (
        ("/idno faceData.type 'audio', personType vip", (_TYPE, "audio"), _VIP),
        ("/idno faceData without type", (_TYPE,), None),
        ("/idno faceData without data", (("faceData", "data"),), None),
        ("/idno a video with videoType ''", (("faceData",), video), None),
        (
            "/idno a SILENT video with origin ''",
            (("faceData",), video | {"videoType": "SILENT", "origin": ""}),
            None,
        ),
    )
    for what, change, person in cases:
        request = p.canonical("matchIdno").with_json(*change)
        p.expect(
            request.with_json(*person) if person else request, "errcode", "invalid parameter", what
        )


_TYPE = ("faceData", "type")
_VIP, _INNER = (("personType",), "vip"), (("personType",), "inner")
_ROW = "a row of its table (是, the type's values)"


def _not_taken(p: ProbeContext, request: Request, what: str, broken: str = _ROW) -> None:
    """``request`` breaks ``broken`` under every reading, sent with a field that may be refused
    for itself (async true, E-013; extData, E-017): any refusal, or no envelope, passes; an
    acceptance (errcode 0, SUCCESS or PROCESSING) fails."""
    a = p.ask(request)
    if _ran(a):
        raise Violation(
            f"Received: {a.label} for {what}\n"
            f"Expected: refused: the request breaks {broken} whatever else it carries",
            request=request,
        )


@probe(
    "FH-L31",
    "extdata-text-answered",
    api="match",
    operations=_COMPARISONS,
    quote="errcode | Num | 是 | 0交易成功 其它为异常情况 (every answer carries the envelope); "
    "extData | 否 | 附加参数登记",
)
def extdata_text_answered(p: ProbeContext) -> None:
    """Each comparison with an extData whose keys and values are Chinese text, one value an object
    and one a list (JSON values all), one a character beyond the BMP (U+20BB7 𠮷 of CJK Extension B,
    where GB 18030 puts the 生僻字 of real names), gets an envelope, never a server error (FH-L15
    sends an empty extData): JSON text is Unicode, and the document itself writes its fields in
    Chinese.
    Acceptance is not required: extData's shape is undocumented (E-017)."""
    # a nested object and a list beside it (round 12: extData read as Map<String, String> crashed)
    # and a character beyond the BMP (round 14: a utf8mb3 column, MySQL's "utf8", crashed on 𠮷)
    ext = {"备注": "张三的申请", "来源": {"渠道": "app"}, "标签": ["复核"], "经办人": "王𠮷"}
    for operation in _COMPARISONS:  # /idno without liveCode: only the envelope is judged
        request = p.canonical(operation, live_code=False).with_json(("extData",), ext)
        p.ask_envelope(
            request,
            f"{operation} with extData {json.dumps(ext, ensure_ascii=False)}",
            "an envelope with an errcode (errcode 是), never a server error",
        )


# a real name's length: 维吾尔族 names written in full run past 20 characters (the spec's bound
# is 64, E-043); a VARCHAR(20) audit column is the defect this finds; its last character beyond the
# BMP (round 14): 生僻字 of real names are in CJK Extension B (GB 18030), which a utf8mb3 column
# (MySQL's "utf8") cannot store; a blank between two of its parts (round 17: a name split at a
# blank into surname and given name, unguarded, crashed on one)
_LONG_NAME = "阿卜杜热西提·买买提依明·艾合买提江 托合提尼亚孜𠮷"


@probe(
    "FH-L41",
    "idno-identity-text-answered",
    api="match",
    operations=("matchIdno",),
    quote="errcode | Num | 是 | 0交易成功 其它为异常情况 (every answer carries the envelope); "
    "idNum | String | 是 | 验证人的身份证号; name | String | 是 | 验证人的姓名",
)
def idno_identity_text_answered(p: ProbeContext) -> None:
    """/idno with the ID number's check character X written as a lowercase x (E-044: a service
    may upper-case it or refuse it), and with a name of 26 characters (a name written in full,
    with its middle dots and a blank between two parts, and a 生僻字 beyond the BMP), gets an
    envelope, never a server error.
    Acceptance is not required: only the envelope is judged. Both go in one request without
    liveCode (an answer, whatever it is, is all the probe asks). So does the number in its
    first-generation form, 15 digits (round 16: a service reading the birth date and check
    character at an 18-digit number's places crashed on it; refusing it fits, E-043): the
    probe costs two sends. A validator's own 4xx without the envelope refuses either (E-015:
    session 27 review, a text/plain 400 to the 15 digits was red); a 5xx, or a 2xx that is no
    envelope, fails (``_answered``)."""
    request = p.canonical("matchIdno", live_code=False).with_json(("name",), _LONG_NAME)
    own = str(request.json.get("idNum", ""))
    lower = own.endswith("X")
    if lower:
        request = request.with_json(("idNum",), own[:-1] + "x")
    _answered(
        p,
        request,
        f"/idno with a name of {len(_LONG_NAME)} characters (middle dots, a blank, a character "
        "beyond the BMP)"
        + (f" and idNum {own[:-1]}x (the check character in lowercase)" if lower else ""),
    )
    first = first_generation(own)
    if first is not None:
        _answered(
            p,
            p.canonical("matchIdno", live_code=False).with_json(("idNum",), first),
            f"/idno with idNum {first} (the first-generation, 15-digit form of {own})",
        )


@probe(
    "FH-L36",
    "idno-name-escaped-alike",
    api="match",
    operations=("matchIdno",),
    basis="convention",  # the document says Json; RFC 8259 says what JSON text is
    severity="low",
    quote="name | String | 是 | 验证人的姓名; Json (RFC 8259 7: a character written as a \\u "
    "escape is the same string; 8.1: JSON text exchanged is UTF-8)",
)
def idno_name_escaped_alike(p: ProbeContext) -> None:
    """/idno with its non-ASCII name written in UTF-8 and again as \\u escapes (the same JSON
    text, as Jackson or Gson may send it) is accepted or refused alike (round 16: a service
    decoding the body as ISO-8859-1, a servlet's default without a charset, read the UTF-8 name
    as mojibake and refused every registered Chinese name with 姓名不一致; the escaped one, ASCII,
    it read right). A transient refusal (throttling, E-045; a retryable fault) judges nothing.
    Sent without liveCode (one send each): a service asking for one (E-008) refuses both."""
    request = p.canonical("matchIdno", live_code=False)
    name = request.json.get("name")
    if not isinstance(name, str) or name.isascii():
        return  # a configured identity with an ASCII name: both spellings are one text
    text = json.dumps(request.json, ensure_ascii=True, separators=(",", ":"))
    escaped = replace(request, raw_body=text.encode("ascii"))
    a, b = p.ask(request), p.ask(escaped)
    if any(x.throttled or x.retryable or not enveloped(x) for x in (a, b)) or _ran(a) == _ran(b):
        return  # no envelope: the HTTP rules' and FH-L41's
    ran, refused = ("UTF-8", "\\u escapes") if _ran(a) else ("\\u escapes", "UTF-8")
    other = b if _ran(a) else a
    raise Violation(
        f"Received: {received(other)}{_named(other.meaning)} for /idno with the name in "
        f"{refused}, while the same request with it in {ran} is accepted\n"
        "Expected: the same answer: both are one JSON text (RFC 8259 7, 8.1)",
        request=escaped if _ran(a) else request,
    )


@probe(
    "FH-L15",
    "optional-fields-answered",
    api="match",
    operations=_COMPARISONS,
    quote="errcode | Num | 是 (every answer carries the envelope); async, extData, origin, "
    "videoType, personType | 否; origin | 来自文件服务器:fds; async | 是否开启异步反馈模式; "
    "data | 图片数据(base64)",
)
def optional_fields_answered(p: ProbeContext) -> None:
    """Each comparison with every optional field of its table sent (valid values) gets an
    envelope, never a server error; so does /match with an image from the file server (origin
    fds, a path no server holds: the service fetches from its own fds, nothing else) and from a
    link (origin uri, under a name that resolves nowhere), and /match in async mode (async true,
    开启异步反馈模式), whose answer the answer rules judge as every other: accepted, it carries the
    traceNo (是) its result is known by (E-013 either way), and /match with the reference photo
    as a PNG in both parts (refused or compared, never a crash), and with both parts' data in
    base64 lines (round 13; both parts since round 14); /idno's photo goes as a PNG in its
    every-optional-field request, and in base64 lines in one of its own (session 28).

    Acceptance is not required: extData's shape and fds paths are undocumented (E-017), and a
    service may offer async feedback to registered callers alone (附加参数登记). So an HTTP
    layer's 4xx without the envelope (a WAF, an anti-SSRF filter, a binder) refuses any of them
    (E-015); the link's fetch failing may be answered 502/503/504 with the envelope, and no
    answer to it at all (a resolver slower than the client's timeout) leaves it unjudged (E-017).
    A 500, enveloped or not, is a crash.
    """
    optional = {"async": False, "extData": {}}
    match = p.canonical("match").with_json(("image", "origin"), "self")
    # without liveCode: only the envelope is judged (a service asking for one refuses it)
    idno = p.canonical("matchIdno", live_code=False).with_json(("personType",), "normal")
    # /idno's photo a PNG (session 28: /idno's own JPEG-only decoder crashed, /match's did not):
    # the default reading and the emulator take a PNG, so its fields still reach the service;
    # one refusing PNGs refuses it, which FH-L15 takes (FH-L19's personTypes go as JPEGs)
    pool = p.session.pool
    png = base64.b64encode(pool.derived(pool.reference, "png256")).decode("ascii")
    idno = idno.with_json(("faceData", "data"), png)
    for request in (match, idno):
        for key, value in optional.items():
            request = request.with_json((key,), value)
        request = request.with_json(("faceData", "origin"), "self")
        as_png = " (its photo a PNG)" if request.operation == "matchIdno" else ""
        a = _answered(p, request, f"{request.operation} with every optional field{as_png}")
        if as_png and _refused(a):
            # a service refusing PNGs (E-043) refused it before its fields reached the branches
            # that crash (round 18): sent again with the reference JPEG, a request more for it alone
            jpeg = request.with_json(("faceData", "data"), pool.reference.b64)
            _answered(p, jpeg, "matchIdno with every optional field (its PNG refused: a JPEG)")
    fds = {"origin": "fds", "data": "faceharness/no-such-file.jpg"}
    _answered(p, match.with_json(("image",), fds), "match with image origin fds")
    # round 14: origin uri (图片链接) too, a link under the reserved .invalid name (RFC 6761: it
    # resolves nowhere, so a service fetches nothing; a fetch path of its own crashed on it)
    uri = {"origin": "uri", "data": _NO_SUCH_LINK}
    try:
        _answered(p, match.with_json(("image",), uri), "match with image origin uri", link=True)
    except NoAnswer as unanswered:  # a reset or an answer begun, then stalled: FH-H04's finding
        if unanswered.kind != "timeout":
            raise
        # a resolver's retries may outlast the client's timeout: no answer is no crash
        p.unjudged.append(
            f"match with image origin uri: no answer within {p.session.timeout_s:g} s "
            "(a link's fetch may take longer)"
        )
    for operation in _COMPARISONS:  # /idno's table has async too (round 12: its path crashed)
        request = p.canonical(operation, live_code=False).with_json(("async",), True)
        _answered(p, request, f"{operation} with async true")
    # the reference photo as a PNG in both parts (图片数据 names no format: a service may refuse
    # it, E-043, but a decoder that takes every photo for a JPEG crashes on it; round 14: image's
    # decoder alone did, and round 11's faceData's alone: each part its own decoder)
    # (a side of 256: well within 400,000 characters under every reading of E-012)
    _answered(
        p, _both_parts(p.canonical("match"), png), "match with image and faceData a PNG photo"
    )
    # round 13: the reference photo's base64 in MIME's lines of 76 (a service may refuse them,
    # E-043, but a decoder for one line alone crashed), in both parts (round 14: faceData's)
    b64 = pool.reference.b64
    lines = "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    _answered(
        p,
        _both_parts(p.canonical("match"), lines),
        "match with image and faceData data in base64 lines of 76 characters",
    )
    # session 28: /idno's own decoder for one line alone crashed on them. Its own request: the
    # default reading (and the emulator) refuses lines, so any other case sent with them would go
    # unseen by the services following it
    _answered(
        p,
        p.canonical("matchIdno", live_code=False).with_json(("faceData", "data"), lines),
        "matchIdno with faceData data in base64 lines of 76 characters",
    )


def _answered(p: ProbeContext, request: Request, what: str, link: bool = False) -> Answer:
    """FH-L15's verdict on one request: an envelope (taken or refused), an HTTP layer's 4xx
    (E-015), or, for a request naming a link (``link``), a 502/503/504 with the envelope (its
    fetch failed: RFC 9110 15.6.3, E-017). A 5xx else, or a 2xx that is no envelope, fails."""
    a = p.ask(request)
    upstream = link and a.status in (502, 503, 504) and a.where is not None
    if enveloped(a) or a.throttled or _http_refusal(a) or upstream:
        return a
    raise Violation(
        f"Received: HTTP {a.status} for {what}\n"
        "Expected: an envelope with an errcode (errcode 是), or an HTTP layer's 4xx, never a "
        "server error",
        request=request,
    )


# a link no service can fetch: .invalid is reserved never to resolve (RFC 6761 6.4)
_NO_SUCH_LINK = "https://faceharness.invalid/no-such-file.jpg"


def _both_parts(request: Request, data: str) -> Request:
    """/match with ``data`` as image's and faceData's (a photo): a format or encoding one part's
    decoder crashes on is seen in one request, whichever part it is (a service refusing the
    format refuses it in both, as its format rule is the request's)."""
    return request.with_json(("image", "data"), data).with_json(("faceData", "data"), data)


@probe(
    "FH-L19",
    "documented-values-accepted",
    api="match",
    operations=_COMPARISONS,
    quote="async | boolean | 否 | 是否开启异步反馈模式,默认为false; origin | String | 否 | "
    "base64字符串:self ... 默认为 self; personType | String | 否 | 人员类型,normal-普通客户 "
    "vip-高级客户 inner-内部员工; videoType | String | 否 | type为video时生效; liveCode | String | "
    '否; 请求示例 "liveCode":"1232" with "videoType":"SILENT"; validateData 请求参数 无 (errcode | '
    "Num | 是: an envelope)",
    observes=("E-081",),
)
def documented_values_accepted(p: ProbeContext) -> Any:
    """A comparison is accepted with an optional field at a value its table documents (origin
    self and async false, the defaults; each personType; videoType SILENT,
    the default, on a /match photo, where it takes no effect) when it is accepted without the
    field, and
    without the fields (all 否) when it is accepted with them; so is a video without origin when
    it is accepted with origin self (默认为 self: a service defaulting a video to fds refuses it),
    and with a fresh liveCode, as the request example sends one with a SILENT video (a service
    taking a liveCode for LIP alone refuses it). validateData without a body (round 13), and
    with a field it does not take (session 25), gets an envelope.

    Only the refusal of one is judged, and only if the request without the field is then
    accepted (or, left out, with it): a refusal both share (the identity, the service's state)
    judges nothing. The defaults go in one request, and one at a time only to name the one
    refused. Last, which reading of E-081 the service follows for a LIP-only value on a photo:
    /match's photo with a fresh liveCode (its code asked of validateData in those two), /idno's
    with videoType LIP (observed, never failed but for an answer that is no envelope).
    """
    photo_code = _documented_values(p)
    idno = _idno_photo_lip(p)
    if photo_code is not None:
        raise photo_code
    return idno


def _documented_values(p: ProbeContext) -> Violation | None:
    """The cases of FH-L19 but /idno's LIP photo; returns /match's photo refused for its fresh
    liveCode alone, in an envelope, while accepted without it: E-081's other reading (a code
    for a LIP video alone; round 13 failed it, the s24 review), raised after /idno's case. The
    liveCode rides in the defaults' one request (no request more when it is taken)."""
    person_types = p.contract.enum("match", "IdnoRequest", "personType")
    code = _code_without_body(p)
    live = ((("liveCode",), code),) if code is not None else ()
    photo_code: Violation | None = None
    cases: dict[str, list[tuple[tuple[tuple[str, ...], Any], ...]]] = {
        "match": [
            (
                (("image", "origin"), "self"),
                (("faceData", "origin"), "self"),
                (("async",), False),
                (("faceData", "videoType"), "SILENT"),
                *live,
            )
        ],
        # not async true (round 15 expected it accepted): nothing says how the feedback arrives
        # (E-013), a service may offer it to registered callers alone (附加参数登记) and refuse
        # it otherwise; FH-L15 sends it on both comparisons and fails a crash or no envelope
        "matchIdno": [((("personType",), v),) for v in person_types],
    }
    for operation, sets in cases.items():
        for n, changes in enumerate(sets):
            request = _documented(p, operation, changes)
            a = p.ask(request)
            # /match's defaults carry the photo's liveCode: a server error to it is no reading's
            down = _turned_down if operation == "match" else _refused
            if not down(a):
                if n == 0 and _ran(a) and _refused(b := p.ask(bare := _bare(p, operation))):
                    shown = ", ".join(".".join(path) for path, _ in changes)
                    raise Violation(
                        f"Received: {b.label}{_named(b.meaning)} for {operation} without "
                        f"{shown}, while the same request with them is accepted\n"
                        "Expected: accepted: the fields are optional (否; origin 默认为 self, "
                        "async 默认为false)",
                        request=bare,
                    )
                if n == 0 and operation == "match" and _ran(a):
                    _async_default_false(p, (request, a), (bare, b))
                continue
            if not _ran(p.ask(_bare(p, operation))):
                break  # refused without the field too: nothing to tell (the other probes say why)
            for one in changes if len(changes) > 1 else ():  # name the value refused
                single = _documented(p, operation, (one,))
                if down(b := p.ask(single)):
                    request, a, changes = single, b, (one,)
                    break
            if operation == "match" and [path for path, _ in changes] == [("liveCode",)]:
                if enveloped(a):  # E-081: no sentence says a photo takes a liveCode
                    photo_code = observed(
                        "E-081",
                        f"Received: {a.label}{_named(a.meaning)} for /match's photo with a "
                        "liveCode validateData issued a moment ago, while the same photo without "
                        "it is accepted: liveCode read as for a LIP video alone\nDefault reading: "
                        "accepted, no row forbids it (liveCode | 否)",
                    )
                    break
                raise Violation(
                    f"Received: {a.label}{_named(a.meaning)} for /match's photo with a liveCode "
                    "validateData issued a moment ago, while the same photo without it is "
                    "accepted\nExpected: an envelope with an errcode (errcode 是), taken or "
                    "refused (E-081)",
                    request=request,
                )
            shown = ", ".join(f"{'.'.join(path)} {json.dumps(value)}" for path, value in changes)
            raise Violation(
                f"Received: {a.label}{_named(a.meaning)} for {operation} with {shown}, while the "
                "same request without it is accepted\n"
                "Expected: accepted: a value the request table documents for the field",
                request=request,
            )
    video = {"type": "video", "videoType": "SILENT", "origin": "self"}
    request = _bare(p, "match").with_json(("faceData",), video | {"data": p.session.pool.video.b64})
    if not _ran(p.ask(request)):
        return photo_code
    if _refused(b := p.ask(bare := request.with_json(_VIDEO_ORIGIN))):
        raise Violation(
            f"Received: {b.label}{_named(b.meaning)} for a /match SILENT video without origin, "
            "while the same video with origin self is accepted\n"
            "Expected: accepted: faceData origin is optional (否, 默认为 self)",
            request=bare,
        )
    code = p.fresh_live_code()
    if code is not None and _refused(b := p.ask(coded := request.with_json(("liveCode",), code))):
        raise Violation(
            f"Received: {b.label}{_named(b.meaning)} for a /match SILENT video with a liveCode "
            "validateData issued a moment ago, while the same video without it is accepted\n"
            "Expected: accepted: liveCode is optional (否), and the request example sends one "
            'with a SILENT video ("liveCode":"1232", "videoType":"SILENT")',
            request=coded,
        )
    return photo_code


# a field no table names (E-073), sent to validateData (请求参数 无): refused or ignored (E-032)
_UNNAMED_FIELD = "faceharnessExtra"


def _code_without_body(p: ProbeContext) -> str | None:
    """A fresh liveCode, asked of validateData with no body at all (请求参数 无), then with a
    field it does not take: each refused or taken (E-032: the 请求示例 is {}; a field refused by
    default, ignored by its other reading), never a crash (round 13: a body parsed unguarded
    crashed; a body bound to a class without fields, fuzz's extra-field alone found it). The
    newest code issued (E-079); none, asked with {} (one request more only for a service that
    refuses both). A binder's own 4xx without the envelope (Go's ``DisallowUnknownFields`` with
    ``http.Error``'s text) is a refusal (E-015, as FH-J21 and FH-L25 take one)."""
    empty = replace(p.canonical("liveCode"), raw_body=b"")
    extra = p.canonical("liveCode").with_json((_UNNAMED_FIELD,), 1)
    code: str | None = None
    for request, what in (
        (empty, "validateData without a body (请求参数 无)"),
        (
            extra,
            f'validateData with a field it does not take ({{"{_UNNAMED_FIELD}": 1}}; 请求参数 无)',
        ),
    ):
        exchange = p.send(request)
        a = exchange.answer
        # a binder's own 4xx (Go's DisallowUnknownFields, http.Error's text) refuses it (E-015)
        if a is not None and not (enveloped(a) or a.throttled or _http_refusal(a)):
            raise Violation(
                f"Received: HTTP {a.status} for {what}\n"
                "Expected: an envelope with an errcode (errcode 是), taken or refused (E-032; "
                "an HTTP layer's 4xx refuses it too, E-015), never a server error",
                request=request,
            )
        code = live_code_of(exchange) or code
    return code or p.fresh_live_code()


def _idno_photo_lip(p: ProbeContext) -> str | None:
    """/idno's photo with videoType LIP (是 there; a fresh liveCode): accepted is E-081's default
    (type为video时生效: no effect on a photo), refused while the same photo with SILENT is
    accepted its other reading (LIP:数字模式,视频需读出指定数字 needs a video): never a finding."""
    request = _documented(p, "matchIdno", ((("faceData", "videoType"), "LIP"),))
    a = p.ask(request)
    if not _refused(a):
        return "E-081" if _ran(a) else None
    if not _ran(p.ask(_bare(p, "matchIdno"))):
        return None  # refused with SILENT too: nothing to tell
    raise observed(
        "E-081",
        f"Received: {a.label}{_named(a.meaning)} for an /idno photo with videoType LIP, while "
        "the same photo with SILENT is accepted: LIP read as needing a video\n"
        "Default reading: accepted, the field takes no effect on a photo (type为video时生效)",
    )


_VIDEO_ORIGIN = ("faceData", "origin")


def _async_default_false(p: ProbeContext, *sent: tuple[Request, Answer]) -> None:
    """async sent false and async left out (默认为false) are one mode: when one of the two is
    answered with the comparison's outcome and the other without it, under the status the same
    request gets with async true, the service took it for an async request. Nothing is judged
    unless async true gets such a status of its own (a service answering it at once, E-013's
    other reading, or ignoring async, is never asked more than one request). Both answered
    PROCESSING without a result, as async true is: every comparison queued (round 11), which
    neither mode's answer shows against the other."""
    for (deferred, d), (other, o) in (sent, sent[::-1]):
        status = _deferred(d)
        if status is None or not _synced(o):
            continue
        if _deferred(p.ask(other.with_json(("async",), True))) == status:
            said = "async false" if deferred.json.get("async") is False else "no async"
            raise Violation(
                f"Received: errcode 0, status {status!r} and no result for /match with {said}: "
                "the answer the same request gets with async true, while "
                f"{'no async' if said == 'async false' else 'async false'} gets the comparison's "
                "result\nExpected: the result at once: async false and async left out are the "
                "synchronous mode (async | 是否开启异步反馈模式,默认为false)",
                request=deferred,
            )
        return
    (first, f), (_, s) = sent
    status = _deferred(f)
    if not (f.processing and s.processing and status == _deferred(s)):
        return
    if _deferred(p.ask(first.with_json(("async",), True))) == status:
        raise Violation(
            f"Received: errcode 0, status {status!r} and no result for /match with async false "
            "and with async left out: the answer the same request gets with async true\n"
            "Expected: the result at once: async false and async left out are the synchronous "
            "mode (async | 是否开启异步反馈模式,默认为false)",
            request=first,
        )


def _deferred(a: Answer) -> str | None:
    """The status of an errcode-0 answer that is not SUCCESS and carries no outcome of the
    comparison (an async acknowledgement under any name, or E-039's failed status); else None."""
    if not zero(a) or a.ran or a.decision is not None or a.score_sent:
        return None
    return a.code if a.where == "status" else "PROCESSING" if a.processing else None


def _synced(a: Answer) -> bool:
    """errcode 0, SUCCESS and the comparison's outcome (success or score) in the answer."""
    return a.ran and (a.decision is not None or a.score_sent)


def _documented(
    p: ProbeContext, operation: str, changes: tuple[tuple[tuple[str, ...], Any], ...]
) -> Request:
    request = _bare(p, operation)
    for path, value in changes:
        request = request.with_json(path, value)
    return request


def _turned_down(a: Answer) -> bool:
    """Refused, or answered with no envelope and no throttling (a server error): a documented
    value gets an acceptance under every reading."""
    return _refused(a) or not (enveloped(a) or a.throttled)


def _refused(a: Answer) -> bool:
    """An error code that is not a transient one (a QPS limit, a retryable fault)."""
    return enveloped(a) and not (zero(a) or a.throttled or a.retryable)


def _bare(p: ProbeContext, operation: str) -> Request:
    """The canonical request without the optional fields it sends (/idno keeps liveCode and
    videoType, which E-008 may ask for, and gets a fresh liveCode every time: E-042)."""
    request = p.canonical(operation)
    return request.with_json(("image", "origin")) if operation == "match" else request


def _ran(a: Answer) -> bool:
    """errcode 0 with SUCCESS or PROCESSING (E-039's failed status is no acceptance)."""
    return enveloped(a) and zero(a) and a.where != "status"


@probe(
    "FH-L16",
    "base64-over-every-limit",
    api="match",
    operations=_COMPARISONS,
    erratum="E-012",
    quote="base64字符串:self (base64内容需在400k以内), in the origin rows of image and faceData",
)
def base64_over_every_limit(p: ProbeContext) -> None:
    """image.data, and faceData.data on both comparisons, over 400 KiB of decoded bytes, so over
    "400k" under every reading of E-012 (409,600 or 400,000 characters, 400 KiB or 400 kB of
    bytes), is refused: the sentence stands in faceData's origin row as well as in image's, and a
    service checking one part (or one operation) alone lets the other through. Last, a SILENT
    video that size on /idno and /match: the row is faceData's, whose data is a photo or a video
    (视频数据, 视频链接), so a service checking photos alone (videos are bigger), or /idno's
    video path that skips the check (round 14), or its vip branch (round 17: the video is sent
    as a vip's), lets it through. Round 18: a branch of its own skipped the check, so image's
    case goes with async true and extData {} (judged on its acceptance alone: either may be
    refused for itself, E-013, E-017), faceData's with async false and /idno's photo as an
    internal employee's (personType inner), values every reading takes."""
    size = p.contract.match_base64_max_chars + 3  # decoded bytes: over 409,600
    data = _b64_image(p, size)
    sent: dict[str, Request] = {}
    # round 18: a branch of its own skipped the check: faceData's case goes with async false
    # (the default, sent) and /idno's photo as an internal employee's, values every reading takes
    branches: dict[tuple[str, str], tuple[tuple[str, ...], Any]] = {
        ("match", "faceData"): (("async",), False),
        ("matchIdno", "faceData"): _INNER,
    }
    for operation, part in (("match", "image"), ("match", "faceData"), ("matchIdno", "faceData")):
        request = p.canonical(operation).with_json((part, "data"), data)
        what = f"{operation} {part}.data of {size} bytes ({len(data)} characters)"
        if (branch := branches.get((operation, part))) is not None:
            request = request.with_json(*branch)
            what += f", {'.'.join(branch[0])} {json.dumps(branch[1])}"
        sent[operation] = request
        if part == "image":
            # round 18: image's goes in async mode with extData (the queue's path and the
            # registration's took it unchecked); either may be refused for itself (E-013,
            # E-017), so only its acceptance fails (the other parts' cases hold the code)
            request = request.with_json(("async",), True).with_json(("extData",), {})
            what += ", async true, extData {}"
            _not_taken(p, request, what, "image's origin row (base64内容需在400k以内)")
            continue
        p.expect(request, "errcode", "data over the size limit", what)
    video = base64.b64encode(padded(p.session.pool.video.data, size)).decode("ascii")
    face = {"type": "video", "videoType": "SILENT", "data": video}
    what = f"match a SILENT video in faceData.data of {size} bytes ({len(video)} characters)"
    # round 14: /idno's video too (its own path, 公安库照片+视频), with the liveCode its photo
    # case was sent (a photo's, never redeemed: no send more); round 17: as a vip's (高级客户: a
    # branch of its own skipped the size check), the photo case as the default person's
    idno = sent["matchIdno"].with_json(("faceData",), face).with_json(("personType",), "vip")
    p.expect(idno, "errcode", "data over the size limit", f"matchIdno{what[5:]}, personType vip")
    request = p.canonical("match").with_json(("faceData",), face)
    p.expect(request, "errcode", "data over the size limit", what)
    # and in LIP mode, with a code validateData issued a moment ago: a size check on the SILENT
    # path alone (the liveness path of its own, 视频支持做出指定动作) lets it through
    code = p.fresh_live_code()
    if code is not None:
        lip = request.with_json(("faceData", "videoType"), "LIP").with_json(("liveCode",), code)
        p.expect(lip, "errcode", "data over the size limit", what.replace("SILENT", "LIP"))


@probe(
    "FH-L20",
    "base64-under-every-limit",
    api="match",
    operations=_COMPARISONS,
    erratum="E-012",
    quote="base64字符串:self (base64内容需在400k以内) (400,000 characters are within 400k however "
    "it is read), in the origin rows of image and faceData",
)
def base64_under_every_limit(p: ProbeContext) -> None:
    """image.data, and faceData.data on both comparisons, within "400k" under every reading of
    E-012 (400,000 characters: 300,000 decoded bytes) is not refused as invalid input (FH-L01 only
    observes the reading, at 409,600): the sentence stands in faceData's origin row as well, and a
    service with a smaller limit for one part (or one operation) refuses it there alone. Last,
    both parts of /match at that size at once: the limit is each part's (it stands in each origin
    row), so a limit on the whole request (a proxy's body size) below two parts' is another."""
    chars = p.contract.match_base64_safe_chars // 4 * 4
    data = _b64_image(p, chars // 4 * 3)
    cases = [
        (f"{operation} {part}.data of {chars} characters", operation, (part,))
        for operation, part in (
            ("match", "image"),
            ("match", "faceData"),
            ("matchIdno", "faceData"),
        )
    ] + [(f"match image.data and faceData.data of {chars} characters each", "match", _PARTS)]
    for what, operation, parts in cases:
        request = p.canonical(operation)
        for part in parts:
            request = request.with_json((part, "data"), data)
        a = p.ask_envelope(request, what)
        if enveloped(a) and a.where == "errcode" and a.calls_input_invalid:
            raise Violation(
                f"Received: {a.label}{_named(a.meaning)} for {what}\n"
                "Expected: accepted: within 400k however 400k is read (base64内容需在400k以内)",
                request=request,
            )


_PARTS = ("image", "faceData")


@probe(
    "FH-L21",
    "livecode-only-for-lip",
    api="match",
    operations=("match",),
    quote="liveCode | String | 否 | 传入对比数据为视频并选择LIP模式时必传; "
    "videoType | type为video时生效。 SILENT:默认,静默模式,视频不需要做动作",
)
def livecode_only_for_lip(p: ProbeContext) -> None:
    """/match without a liveCode is never refused for one unless the data is a LIP video: a SILENT
    video, a video without videoType (SILENT is the default) and a photo whose videoType says LIP
    (it takes effect for videos only).

    Only a refusal for the liveCode (missing, unknown, expired, used) is judged: a service may
    refuse a video it cannot use (too short, its codec, its liveness check) as it likes."""
    video = p.session.pool.video.b64
    silent = p.canonical("match").with_json(
        ("faceData",), {"type": "video", "videoType": "SILENT", "data": video}
    )
    cases = (
        ("a SILENT video without liveCode", silent),
        ("a video without videoType or liveCode", silent.with_json(("faceData", "videoType"))),
        (
            "a photo with videoType LIP, without liveCode",
            p.canonical("match").with_json(("faceData", "videoType"), "LIP"),
        ),
    )
    for what, request in cases:
        a = p.ask(request)
        if refused_for_live_code(a, p.contract.codes.own):
            raise Violation(
                f"Received: {a.label}{_named(a.meaning)} for {what}\n"
                "Expected: no liveCode asked for: it is required only when the data is a video "
                "in LIP mode (传入对比数据为视频并选择LIP模式时必传)",
                request=request,
            )


@probe(
    "FH-L22",
    "idno-lip-livecode",
    api="match",
    operations=("matchIdno",),
    quote="liveCode | String | 是 | 数字验证码,选择LIP模式时必传,值通过数字验证码接口获取 (/idno)",
)
def idno_lip_livecode(p: ProbeContext) -> None:
    """/idno holds a LIP video to the liveCode as /match does (FH-L06, FH-L07, FH-L13): without
    one it is refused, with one validateData issued a moment ago it is not refused for the
    liveCode, and with one validateData never issued it is not verified (验证通过).

    Under both readings of E-008 these hold alike (the table marks liveCode 是 and LIP needs it).
    A refusal for the identity (a live service's registry) leaves the rest untold: no finding.
    """
    video = {"type": "video", "videoType": "LIP", "data": p.session.pool.video.b64}
    fresh = p.canonical("matchIdno", close=True).with_json(("faceData",), video)
    if "liveCode" not in fresh.json:
        return  # validateData issued no code: the answer rules report why
    what = "an /idno LIP video without liveCode"
    p.expect(fresh.with_json(("liveCode",)), "errcode", "liveCode missing in LIP mode", what)
    # 必传 for every person: a branch of its own for a personType (内部员工) that skips the
    # liveness step lets a LIP video through without a code (a service refusing the personType
    # for this identity refuses it too, which fits)
    # (normal too, sent explicitly: a switch on personType whose case for it skips the step,
    # round 14, while a request without one takes the default path)
    for person in p.contract.enum("match", "IdnoRequest", "personType"):
        p.expect(
            fresh.with_json(("liveCode",)).with_json(("personType",), person),
            "errcode",
            "liveCode missing in LIP mode",
            f"{what}, personType {person}",
        )
    a = p.ask(fresh)
    if refused_for_live_code(a, p.contract.codes.own):  # a LIP check may refuse our video
        raise Violation(
            f"Received: {a.label}{_named(a.meaning)} for an /idno LIP video with a liveCode "
            "issued a moment ago\nExpected: the fresh liveCode accepted (值通过数字验证码接口获取)",
            request=fresh,
        )
    code = p.fresh_live_code()
    if code is None or not (code.isascii() and code.isdigit()):
        return  # no code issued, or not ASCII digits: the answer rules report why
    for shift in (5, 3):  # a forgery another caller happened to be issued is tried again
        forged = "".join(str((int(d) + shift) % 10) for d in code)
        # with extData {} and async false (round 17: a branch of its own for a registered
        # caller's extData skipped the liveness step; both are the request without them)
        request = _defaults_sent(fresh.with_json(("liveCode",), forged))
        a = p.ask(request)
        if not (enveloped(a) and a.ran and a.decision is True):
            if enveloped(a) and not zero(a):
                what = f"an /idno LIP video with liveCode {forged!r}, never issued"
                p.expect(request, "errcode", "liveCode unknown", what, sent=p.last_response)
            return
    raise Violation(
        f"Received: success 'true' for /idno LIP videos with liveCodes validateData did not "
        f"issue (it issued {code})\nExpected: refused, never verified (值通过数字验证码接口获取)",
        request=request,
    )


@probe(
    "FH-L42",
    "same-photo-scores-as-same",
    api="match",
    operations=("match",),
    severity="medium",
    quote="用于照片+照片...的对比; score | String | 否 | 匹配分数,建议达到80分可认为是同一人照片",
)
def same_photo_scores_as_same(p: ProbeContext) -> None:
    """/match with the reference photo (a face) as both image and faceData, byte for byte, is not
    scored as another person's under every reading of the scale (``self_match_missed``): below
    50 of 0..100, as a similarity of 0..1 written unscaled ("1") is. One request.

    Judged only when a score on the documented scale comes without success "false": 80 is
    advice (建议), a refusal or an answer without a score fits every reading, and "false" with
    a score of 0 is a face not found (人脸比对出错, E-011's other reading; no-face-non-match).
    """
    request = p.canonical("match")
    a = p.ask(request)
    if not (enveloped(a) and a.ran) or (sent := self_match_missed(p.contract, a)) is None:
        return
    high = p.contract.score_ranges["match"][1]
    raise Violation(
        f"Received: score {sent!r} for /match with one photo of a face as both image and "
        f"faceData\nExpected: a score in the upper half of 0..{high:g}: the same photo is the "
        "same person's (匹配分数,建议达到80分可认为是同一人照片; 80 is advice, half the scale is "
        "no reading of it)",
        request=request,
    )


@probe(
    "FH-L43",
    "livecode-taken-in-async-mode",
    api="match",
    operations=_COMPARISONS,
    quote="liveCode | String | 否 | 传入对比数据为视频并选择LIP模式时必传,"
    "值通过数字验证码接口获取 (/idno: 是); async | boolean | 否 | 是否开启异步反馈模式",
)
def livecode_taken_in_async_mode(p: ProbeContext) -> None:
    """A /match LIP video sent with a liveCode validateData issued a moment ago and async true is
    not refused for the liveCode: the code is the request's whichever feedback mode it asks for
    (FH-L07 and FH-L22 send it synchronously). A service whose async path copies the request into
    a task without the liveCode refuses it as missing. Then the same on /idno (round 14: its
    async path of its own dropped the code).

    Only a refusal for the liveCode itself is judged: PROCESSING (E-013's default), a result at
    once (its other reading) and a refusal of the video (its liveness check) fit every reading."""
    code = p.fresh_live_code()
    if code is None:
        return  # no code issued: the answer rules report why
    _async_lip(p, _lip(p, code), "/match")
    # round 14: /idno's async path too (its liveCode is 是 there, E-008), its code asked after
    # /match's was used (a service keeping a token's newest code alone, E-079, takes both)
    video = {"type": "video", "videoType": "LIP", "data": p.session.pool.video.b64}
    idno = p.canonical("matchIdno").with_json(("faceData",), video)
    if "liveCode" in idno.json:  # else validateData issued no code: the answer rules say why
        _async_lip(p, idno, "/idno")


def _async_lip(p: ProbeContext, lip: Request, where: str) -> None:
    """FH-L43's verdict on ``lip`` (a LIP video with a fresh liveCode) sent with async true."""
    request = lip.with_json(("async",), True)
    a = p.ask(request)
    if refused_as_without_code(p, request, a):
        raise Violation(
            f"Received: {a.label}{_named(a.meaning)} for {where} with a LIP video, a liveCode "
            "issued a moment ago and async true\nExpected: the fresh liveCode accepted in "
            "async mode too (值通过数字验证码接口获取; async | 是否开启异步反馈模式)",
            request=request,
        )
