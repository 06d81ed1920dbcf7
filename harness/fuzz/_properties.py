"""The properties: each builds one hypothesis test (or state machine) over a :class:`Run`.

Valid and invalid requests, metamorphic relations (the same request twice, A vs B against B vs
A, an image against itself, a re-encoded face) and state machines over the target's documented
state (a liveCode's life, async results, JD's remainTimes, throttling), each titled where it is
registered.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    precondition,
    rule,
)

from harness.clients import Auth, Credentials, Exchange, How, Request, live_code_of
from harness.conformance import RULES
from harness.conformance._probes import idno_verified, scored_as_same, self_match_missed
from harness.contract import Answer, Contract, load_contract
from harness.emulator import DEMO_ID_NUM, DEMO_NAME
from harness.faces import PoolImage, limits_for
from harness.imaging import sniff_format

from ._checks import Problem, Run, record_reading
from ._client import FRESH_LIVE_CODE
from ._invalid import OPERATIONS, PIN_MARK, InvalidCase, Pin, invalid_cases, mutators_for, pins_for
from ._pool import render, shows_a_face
from ._valid import (
    Gen,
    image_value,
    jd_pair,
    jd_requests,
    lip_request,
    match_pair,
    match_requests,
    pool_image,
    serial_numbers,
    valid_requests,
)

Builder = TypeVar("Builder", bound=Callable[[Run, str, str], Any])

# Metamorphic tolerances (the documents give none; decided here, see the run's report):
SWAP_TOLERANCE = {"match": 1.0, "jd": 0.01}  # score points (0..100) / similarity (0..1)


# The verdicts of the pair and self properties, shared by the run and its replay (a replay must
# judge a finding exactly as the run that found it).
def same_score(a: Answer | None, b: Answer | None) -> list[Problem]:
    """Two answers that both ran and differ in score or decision (the same request twice, an
    async result and its synchronous twin)."""
    if not (a and b and a.ran and b.ran) or (a.score, a.decision) == (b.score, b.decision):
        return []
    message = f"the same request scored {a.score} ({a.decision}) then {b.score} ({b.decision})"
    return [Problem("same_request_same_score", "high", message)]


def swap_symmetry(api: str, x: Answer | None, y: Answer | None) -> list[Problem]:
    """A vs B and B vs A scored further apart than ``SWAP_TOLERANCE``."""
    if not (x and y and x.ran and y.ran and x.score is not None and y.score is not None):
        return []
    if abs(x.score - y.score) <= SWAP_TOLERANCE[api]:
        return []
    message = f"A vs B scored {x.score:g}, B vs A {y.score:g} (tolerance {SWAP_TOLERANCE[api]:g})"
    return [Problem("swap_symmetry", "medium", message)]


def matched(api: str, found: Answer, threshold: float) -> bool | None:
    """Whether a comparison that ran said "the same person": its decision, held to ``threshold``
    where the internal API sent a score too; without a decision (`success | String | 否`) the
    internal API's score against ``threshold`` (`建议达到80分可认为是同一人`); None when the answer
    carries neither (/match's score is 否 as well): nothing to judge."""
    if found.decision is not None:
        return found.decision and (
            api != "match" or found.score is None or found.score >= threshold
        )
    if api == "match" and found.score is not None:
        return found.score >= threshold
    return None


def self_match(
    api: str,
    found: Answer | None,
    threshold: float,
    *,
    face: bool = True,
    contract: Contract | None = None,
) -> list[Problem]:
    """An image compared with itself did not pass: JD's below ``threshold``; the internal API's
    scored as another person's under every reading of its scale (``self_match_missed``, FH-L42's
    line: 80 is advice, and "false" is 人脸比对出错 under E-011's other reading). Only a ``face``
    must (计算两张脸的相似程度): a picture without one may be answered as a comparison that found
    nothing alike (JD's example: 1155 with ``"valid": false``)."""
    if not (found and found.ran and face):
        return []
    if api == "match" and self_match_missed(contract or load_contract(), found) is None:
        return []
    if api != "match" and matched(api, found, threshold) is not False:
        return []
    message = (
        f"an image compared with itself did not pass: score {found.score}, result {found.decision}"
    )
    return [Problem("self_match_passes", "high", message)]


def reencoding(api: str, found: Answer | None, op: str, threshold: float) -> list[Problem]:
    if not (found and found.ran) or matched(api, found, threshold) is not False:
        return []
    message = f"a face and its {op} re-encoding did not match: score {found.score}"
    return [Problem("reencoding_matches", "medium", message)]


REENCODINGS = ("as:png", "as:jpeg", "scale:90", "scale:110")


@dataclass(frozen=True)
class Property:
    """A named property of one api; ``build`` returns the hypothesis test (no arguments)."""

    name: str
    api: str
    title: str
    build: Callable[[Run, str, str], Any]  # (run, id, api): a test, a state machine, {part: test}
    skip: Callable[[Run], str | None] = lambda run: None
    share: float = 1.0  # fraction of --max-examples this property gets

    @property
    def id(self) -> str:
        return f"{self.api}:{self.name}"


def _unless(ok: Callable[[Run], bool], reason: str) -> Callable[[Run], str | None]:
    """A ``skip``: ``reason`` unless the run is ``ok``."""
    return lambda run: None if ok(run) else reason


def register(
    into: list[Property], name: str, title: str, *apis: str, **kw: Any
) -> Callable[[Builder], Builder]:
    """Declare the decorated builder the property ``name`` of each of ``apis`` (default both)."""

    def add(build: Builder) -> Builder:
        into.extend(Property(name, api, title, build, **kw) for api in apis or ("match", "jd"))
        return build

    return add


STATELESS: list[Property] = []


# --- valid and invalid requests -------------------------------------------------------------
@register(STATELESS, "valid-requests", "every answer to a valid request matches the spec")
def build_valid(run: Run, prop: str, api: str) -> Callable[[], None]:

    @given(valid_requests(run.gen, api))
    def valid_requests_answer_per_spec(request: Request) -> None:
        exchange, found = run.answer(prop, request)
        problems = run.refused_valid(found, exchange, request, "valid-requests")
        run.fail(prop, problems, request, exchange)

    return valid_requests_answer_per_spec


@register(STATELESS, "invalid-requests", "an invalid request gets its documented error code")
def build_invalid(run: Run, prop: str, api: str) -> dict[str, Callable[[], None]]:
    """One test per rule, so every rule gets its share of the budget (not 1/25 of it on average);
    before it, one test per mode of the rule (part ``RULE#N``, one example each), so every mode
    is sent whatever the seed. A live target gets no request for an extension's operation
    (asyncResult, E-013: faceharness' own, a path a service need not have), as conform's
    schema leaves it out without --include-extensions."""
    ops = tuple(
        o for o in OPERATIONS[api] if run.is_emulator or not run.contract.operation(o).extension
    )
    pairs = tuple(mutators_for(api, ops, None))

    def for_rule(name: str, pin: Pin | None = None) -> Callable[[], None]:
        mine = tuple(p for p in pairs if p[1].rule == name)

        @given(invalid_cases(run.gen, run.codes, mine, pin))
        def invalid_requests_get_their_code(case: InvalidCase) -> None:
            run.refused(prop, case, strict=case.exact or run.is_emulator)

        return invalid_requests_get_their_code

    tests: dict[str, Callable[[], None]] = {}
    for name in dict.fromkeys(m.rule for _, m in pairs):
        pins = pins_for(run.gen, tuple(p for p in pairs if p[1].rule == name))
        tests |= {f"{name}{PIN_MARK}{i}": for_rule(name, pin) for i, pin in enumerate(pins, 1)}
        tests[name] = for_rule(name)
    return tests


# --- metamorphic ------------------------------------------------------------------------------
@register(
    STATELESS, "same-request-same-score", "the same request twice gives the same score", share=0.5
)
def build_repeat(run: Run, prop: str, api: str) -> Callable[[], None]:
    strategy = (
        jd_requests(run.gen) if api == "jd" else match_requests(run.gen, lip=False, async_=False)
    )

    @given(strategy)
    def same_request_same_score(request: Request) -> None:
        _, a = run.answer(prop, request)
        again = request
        if api == "jd":  # JD's serialNo is 随机唯一: the repeat gets its own
            serial = (str(request.json.get("serialNo", "")) + "r")[-64:]
            again = dataclasses.replace(request, json={**request.json, "serialNo": serial})
        second, b = run.answer(prop, again)
        run.fail(prop, same_score(a, b), again, second)

    return same_request_same_score


def pair(run: Run, api: str, a: PoolImage, b: PoolImage) -> Request:
    return jd_pair(run.gen, a, b) if api == "jd" else match_pair(run.gen, a, b)


@register(STATELESS, "swap-symmetry", "A vs B and B vs A agree within tolerance", share=0.5)
def build_swap(run: Run, prop: str, api: str) -> Callable[[], None]:
    images = pool_image(run.gen.pool)

    @given(st.tuples(images, images).filter(lambda p: p[0].sha256 != p[1].sha256))
    def swapped_pair_agrees(images: tuple[PoolImage, PoolImage]) -> None:
        ab, ba = pair(run, api, *images), pair(run, api, images[1], images[0])
        _, x = run.answer(prop, ab)
        second, y = run.answer(prop, ba)
        run.fail(prop, swap_symmetry(api, x, y), ba, second)

    return swapped_pair_agrees


@register(
    STATELESS,
    "self-match",
    "an image compared with itself passes the documented threshold",
    share=0.5,
)
def build_self_match(run: Run, prop: str, api: str) -> Callable[[], None]:
    threshold = run.contract.success_threshold("match")

    @given(pool_image(run.gen.pool))
    def image_matches_itself(image: PoolImage) -> None:
        request = pair(run, api, image, image)
        exchange, found = run.answer(prop, request)
        problems = run.refused_valid(found, exchange, request, "self-match")
        face = shows_a_face(image.name)
        run.fail(
            prop,
            problems + self_match(api, found, threshold, face=face, contract=run.contract),
            request,
            exchange,
        )

    return image_matches_itself


@register(
    STATELESS,
    "reencoding-matches",
    "a re-encoded face (jpg<->png, mild resize) still matches",
    skip=_unless(
        lambda run: run.engine != "fast",
        "the fast engine compares byte hashes, not faces: a re-encoded image is a stranger to it "
        "(run with --engine dlib or against a live target)",
    ),
    share=0.5,
)
def build_reencoding(run: Run, prop: str, api: str) -> dict[str, Callable[[], None]]:
    """One part per re-encoding, pinned (each sent whatever the seed: a service failing one
    format alone is found by any), then faces and re-encodings drawn."""
    faces_dir = run.gen.pool.faces_dir
    limits = limits_for(api, run.contract, safe=True)

    def for_ops(ops: tuple[str, ...]) -> Callable[[], None]:
        @given(pool_image(run.gen.pool, faces_only=True), st.sampled_from(ops))
        def reencoded_face_still_matches(image: PoolImage, op: str) -> None:
            _reencoded(image, op)

        return reencoded_face_still_matches

    def _reencoded(image: PoolImage, op: str) -> None:
        data = render(f"{image.name}|{op}", faces_dir)
        if not limits.fits(data, sniff_format(data)):  # a big face as PNG can outgrow the limit
            smaller = f"{image.name}|fit:320"
            image = PoolImage(smaller, render(smaller, faces_dir), image.identity)
            data = render(f"{image.name}|{op}", faces_dir)
        other = PoolImage(f"{image.name}|{op}", data, image.identity)
        request = pair(run, api, image, other)
        exchange, found = run.answer(prop, request)
        problems = run.refused_valid(found, exchange, request, "reencoding-matches")
        threshold = run.contract.success_threshold("match")
        run.fail(prop, problems + reencoding(api, found, op, threshold), request, exchange)

    tests = {f"{op}{PIN_MARK}1": for_ops((op,)) for op in REENCODINGS}
    return tests | {"reencoding": for_ops(REENCODINGS)}


# --- pictures of no one (conformance's FH-L26, FH-L27) ----------------------------------------
# where the picture of no one goes: /match's reference photo or faceData (beside an extData with
# result-like keys: 附加参数登记 registers, it does not answer), a SILENT video of it on /match and
# /idno. A service comparing one part with itself, answering the request before's result or never
# decoding the video scores one of them as the same person.
FACELESS_MODES = ("image", "faceData", "extData", "video", "idno-video")
FACELESS_CHECKS = frozenset(RULES.get(r).name for r in ("FH-L26", "FH-L27"))  # a replay's too
_RESULT_LIKE = {"success": "true", "score": "100"}


def faceless_request(gen: Gen, mode: str, face: PoolImage, faceless: PoolImage) -> Request:
    """A valid comparison of ``face`` with ``faceless`` (a picture of no one) as ``mode`` says."""
    if mode == "image":
        return match_pair(gen, faceless, face)
    if mode in ("faceData", "extData"):
        plain = match_pair(gen, face, faceless)
        return plain.with_json(("extData",), _RESULT_LIKE) if mode == "extData" else plain
    recipe = f"{faceless.name}|mp4:3"
    data, part = image_value(("faceData", "data"), recipe, render(recipe, gen.pool.faces_dir))
    video = {"type": "video", "videoType": "SILENT", "data": data}
    if mode == "video":
        plain = match_pair(gen, face, face).with_json(("faceData",), video)
        return dataclasses.replace(plain, images=(*plain.images, part))
    # /idno marks liveCode and videoType 是 (E-008, E-010): both sent, valid under every reading
    id_num, name = gen.identities[0] if gen.identities else (DEMO_ID_NUM, DEMO_NAME)
    body = {"idNum": id_num, "name": name, "faceData": video, "liveCode": FRESH_LIVE_CODE}
    return gen.request("matchIdno", body, [part])


def faceless_matched(
    contract: Contract, request: Request, found: Answer | None, exchange: Exchange
) -> list[Problem]:
    """The rule book's verdict (FH-L26 photos, FH-L27 videos) on a comparison with a picture of no
    one: never scored at or above 80 on /match (a refusal, "false" or, E-011's other reading,
    "true" below 80 fits every reading), never verified on /idno."""
    face = request.json.get("faceData") if isinstance(request.json, dict) else None
    video = isinstance(face, dict) and face.get("type") == "video"
    entry = RULES.get("FH-L27" if video else "FH-L26")
    what = "a SILENT video that shows no face" if video else "a picture that shows no face"
    if request.operation == "matchIdno":
        if not idno_verified(exchange.body):
            return []
        message = f"success 'true' for /idno with {what}: the registry's photo cannot match it"
    else:
        sent = scored_as_same(contract, found)
        if sent is None:
            return []
        extra = " beside extData with result-like keys" if "extData" in request.json else ""
        threshold = contract.success_threshold("match")
        message = (
            f"score {sent!r} for /match with {what}{extra}: expected a refusal or a score below "
            f"{threshold:g} (建议达到80分可认为是同一人照片)"
        )
    return [Problem(entry.name, entry.severity, message, rule=entry.id)]


@register(
    STATELESS,
    "faceless-never-matched",
    "a picture or video of no one is never the same person (FH-L26, FH-L27)",
    "match",
    share=0.2,
)
def build_faceless(run: Run, prop: str, api: str) -> dict[str, Callable[[], None]]:
    """One part per mode, pinned (each sent whatever the seed), then modes drawn; a comparison of
    a face with itself goes first, so a result kept from the request before is not this one's."""
    faces, synthetic = run.gen.pool.faces, run.gen.pool.synthetic

    def for_modes(modes: tuple[str, ...]) -> Callable[[], None]:
        @given(st.sampled_from(modes), st.sampled_from(faces), st.sampled_from(synthetic))
        def faceless_never_matched(mode: str, face: PoolImage, faceless: PoolImage) -> None:
            run.answer(prop, match_pair(run.gen, face, face))
            request = faceless_request(run.gen, mode, face, faceless)
            exchange, found = run.answer(prop, request)
            problems = faceless_matched(run.contract, request, found, exchange)
            run.fail(prop, problems, request, exchange)

        return faceless_never_matched

    tests = {f"{mode}{PIN_MARK}1": for_modes((mode,)) for mode in FACELESS_MODES}
    return tests | {"faceless": for_modes(FACELESS_MODES)}


# --- the rule book's probes (what one generated request cannot show) --------------------------
@register(
    STATELESS,
    "rule-probes",
    "the rule book's probes of what one request cannot show (a collection against its items "
    "alone, forged liveCodes, bursts, optional fields) hold",
    share=0.1,
)
def build_probes(run: Run, prop: str, api: str) -> dict[str, Callable[[], None]]:
    """One pinned part per probe (each run whatever the seed, once): its verdict is the book's.
    A burst goes only where the run sends unpaced (the emulator, ``--max-rps 0``)."""
    from ._probes import PROBE_STEP, PROBES, probe_session, run_probe

    session = probe_session(
        run.client,
        api,
        credentials=run.client.credentials,
        is_emulator=run.is_emulator,
        faces_dir=run.gen.pool.faces_dir,
        readings=run.readings,
    )
    may_burst = not run.client.pacer.interval

    def for_rule(rule_id: str) -> Callable[[], None]:
        @given(st.just(rule_id))
        def rule_probe_holds(rule_id: str) -> None:
            run.steps[:] = [f"{PROBE_STEP} {rule_id}"]  # which one its replay runs again
            for problem, request, exchange in run_probe(session, rule_id, may_burst=may_burst):
                run.fail(prop, [problem], request, exchange)

        return rule_probe_holds

    return {f"{rule_id}{PIN_MARK}1": for_rule(rule_id) for rule_id in PROBES[api]}


SHORT_TTL_S = 0.005  # liveCode lifetime while the expiry rule issues its code (emulator)
ASYNC_WAIT_S = 2.0  # how long an async result may take before it counts as lost
FUZZ_QUOTA_APPKEY = "faceharnessfuzzquota"
FUZZ_QUOTA_SECRETKEY = "faceharness-fuzz-quota-secretkey"
FUZZ_QUOTA = 3
QUOTA_CREDENTIALS = Credentials(jd_appkey=FUZZ_QUOTA_APPKEY, jd_secretkey=FUZZ_QUOTA_SECRETKEY)


def emulator_overrides() -> dict[str, Any]:
    """Settings for an emulator that the fuzzer can drive through every documented state:
    the demo appkey plus a small-quota one (``build_settings(**emulator_overrides())``)."""
    from harness.clients import DEMO_JD_APPKEY, DEMO_JD_SECRETKEY

    demo = {"appkey": DEMO_JD_APPKEY, "secretkey": DEMO_JD_SECRETKEY}
    quota = {
        "appkey": FUZZ_QUOTA_APPKEY,
        "secretkey": FUZZ_QUOTA_SECRETKEY,
        "daily_quota": FUZZ_QUOTA,
    }
    return {"appkeys": (demo, quota)}


# the refusals the machines expect: rule -> (what was broken, where the code is, its meaning)
_REFUSALS = {
    "livecode-single-use": ("a liveCode used a second time", "errcode", "liveCode already used"),
    "livecode-expiry": (
        f"a liveCode used after its {SHORT_TTL_S} s lifetime",
        "errcode",
        "liveCode expired",
    ),
    "async-unknown-trace": ("an unknown traceNo", "errcode", "unknown async traceNo"),
    "bad-sign": ("a wrong sign", "gateway", "invalid sign"),
}


def _expect(run: Run, request: Request, rule: str) -> InvalidCase:
    detail, where, meaning = _REFUSALS[rule]
    api = "match" if where == "errcode" else "jd"
    code = run.contract.codes.code_for(api, where, meaning).code
    return InvalidCase(request, rule, detail, where, (code,), exact=where != "errcode")


STATEFUL: list[Property] = []


# --- liveCode ---------------------------------------------------------------------------------
def _slow_down(exchange: Exchange) -> bool:
    """The service asked the caller to slow down (E-045), with its envelope or without one: an
    HTTP 429 from a front proxy carries none (the internal API documents no rate limit)."""
    return exchange.answer is not None and exchange.answer.throttled


@register(
    STATEFUL,
    "livecode-lifecycle",
    "a liveCode is single-use and expires (40014, 40013)",
    "match",
    share=0.3,
)
def livecode_machine(run: Run, prop: str, _api: str) -> type[RuleBasedStateMachine]:
    gen = run.gen
    rejections = {
        run.contract.codes.code_for("match", "errcode", m).code
        for m in ("liveCode unknown", "liveCode expired", "liveCode already used")
    }

    class LiveCodeLifecycle(RuleBasedStateMachine):
        fresh = Bundle("fresh")
        used = Bundle("used")

        def __init__(self) -> None:
            super().__init__()
            run.steps.clear()
            self.expired = False
            self.newest: str | None = None  # the last code validateData issued
            self.clock = 0  # steps: when a code was last issued, and last sent (E-093)
            self.issued: dict[str, int] = {}
            self.sent: dict[str, int] = {}

        def _issue(self) -> str | None:
            """A code issued, or None when the service asked to slow down (nothing to use)."""
            request = gen.request("liveCode", {})
            exchange, found = run.answer(prop, request)
            code = live_code_of(exchange)
            self.newest = None if code is None else str(code)
            if code is not None:
                self.clock += 1
                self.issued[str(code)] = self.clock
            # E-045: asked to slow down; E-014: refused with a code the table does not know, a
            # service's own, whose reason nobody can read (a key not enabled for LIP): not judged
            # (harness.results.none_accepted makes a run refused so throughout inconclusive)
            unread = found is not None and found.where is not None and found.meaning is None
            if code is None and not _slow_down(exchange) and not unread:
                seen = f"{found.where} {found.code}" if found else "no envelope "
                message = f"validateData gave no code ({seen})"
                run.violated(prop, "livecode_issued", "high", message, request, exchange)
            return None if code is None else str(code)

        # A throttled step (E-045) still puts None in its bundle: what hypothesis draws next
        # must not depend on the service's rate limit, or its replay of the example draws
        # otherwise and the run breaks off (FlakyStrategyDefinition, exit 2)
        @rule(target=fresh)
        def issue(self) -> str | None:
            run.steps.append("issue a liveCode")
            return self._issue()

        @rule(target=used, code=consumes(fresh))
        def use(self, code: str | None) -> str | None:
            if code is None:
                run.steps.append("nothing to use: validateData was throttled")
                return None
            run.steps.append("use it in a LIP comparison")
            request = lip_request(gen, code)
            exchange, found = run.answer(prop, request)
            if _slow_down(exchange):  # not used: nothing to reuse
                return None
            # a code issued before the newest may be void on a live service (E-079: a token's
            # newest code only); the newest is valid under every reading. validateData may answer
            # a pending code again (E-093): a code sent since it was last issued is drawn again
            # from the bundle, its second use (E-042); one issued again after it was sent is not
            again = self.sent.get(code, 0) > self.issued.get(code, 0)
            judged = (run.is_emulator or code == self.newest) and not again
            self.clock += 1
            self.sent[code] = self.clock
            if found is not None and found.code in rejections and judged:
                message = f"a fresh liveCode was refused on first use ({found.code})"
                run.violated(prop, "livecode_first_use", "high", message, request, exchange)
            return code

        @rule(code=used)
        def reuse(self, code: str | None) -> None:
            if code is None:
                return
            run.steps.append("use the same liveCode again")
            case = _expect(run, lip_request(gen, code), "livecode-single-use")
            run.refused(prop, case, strict=run.is_emulator)

        @precondition(lambda self: run.is_emulator and not self.expired)  # sleeps: once per example
        @rule()
        def expire(self) -> None:
            self.expired = True
            run.steps.append(f"issue a liveCode living {SHORT_TTL_S} s, wait, use it")
            config = run.client.admin("GET", "config") or {}
            run.client.admin("PATCH", "config", {"livecode_ttl_s": SHORT_TTL_S})
            try:
                code = self._issue()
            finally:
                run.client.admin(
                    "PATCH", "config", {"livecode_ttl_s": config.get("livecode_ttl_s", 120)}
                )
            if code is None:
                return
            time.sleep(2 * SHORT_TTL_S)
            case = _expect(run, lip_request(gen, code), "livecode-expiry")
            run.refused(prop, case, strict=True)

    return LiveCodeLifecycle


# --- async results (ERRATA E-013) -------------------------------------------------------------
@register(
    STATEFUL,
    "async-result",
    "an async request's result arrives and equals the synchronous one",
    "match",
    skip=_unless(
        lambda run: run.is_emulator,
        "the async result operation is a faceharness extension (E-013); live targets skip it",
    ),
    share=0.3,
)
def async_machine(run: Run, prop: str, _api: str) -> type[RuleBasedStateMachine]:
    gen = run.gen
    field = gen.contract.match.schemas["AsyncResultRequest"]["required"][0]

    class AsyncResults(RuleBasedStateMachine):
        jobs = Bundle("jobs")

        def __init__(self) -> None:
            super().__init__()
            run.steps.clear()

        @rule(target=jobs, a=pool_image(gen.pool), b=pool_image(gen.pool))
        def submit(self, a: Any, b: Any) -> tuple[str, Any, Any]:
            run.steps.append("submit an async comparison")
            plain = pair(run, "match", a, b)
            request = dataclasses.replace(plain, json={**plain.json, "async": True})
            exchange, found = run.answer(prop, request)
            if found is not None and found.code == "0":
                # answered at once is a reading of E-013, not a defect
                message = "async=true answered with a final result, not PROCESSING"
                problem = Problem("async_processing", "medium", message, "E-013")
                observed = record_reading(run.readings, "E-013", found.processing, problem)
                run.fail(prop, observed, request, exchange)
            return (found.trace_no if found and found.processing and found.trace_no else ""), a, b

        @rule(job=jobs)
        def fetch(self, job: tuple[str, Any, Any]) -> None:
            trace, a, b = job
            if not trace:
                return
            run.steps.append("fetch its result")
            deadline = time.monotonic() + ASYNC_WAIT_S
            request = gen.request("asyncResult", {field: trace})
            exchange, found = run.answer(prop, request)
            while found is not None and found.processing and time.monotonic() < deadline:
                time.sleep(0.05)
                exchange, found = run.answer(prop, request)
            if found is not None and found.processing:
                message = f"still PROCESSING after {ASYNC_WAIT_S:g} s"
                run.violated(prop, "async_completes", "medium", message, request, exchange, "E-013")
            _, direct = run.answer(prop, pair(run, "match", a, b))
            if same_score(found, direct):
                assert found and direct
                message = (
                    f"async result {found.score} ({found.decision}) differs from "
                    f"the synchronous {direct.score} ({direct.decision})"
                )
                run.violated(prop, "async_equals_sync", "high", message, request, exchange)

        @rule(trace=serial_numbers(gen))
        def unknown(self, trace: str) -> None:
            run.steps.append("fetch a traceNo nobody was given")
            request = gen.request("asyncResult", {field: ("fuzz-" + trace)[:64]})
            case = _expect(run, request, "async-unknown-trace")
            run.refused(prop, case, strict=run.is_emulator)

    return AsyncResults


# --- JD quota (ERRATA E-028) ------------------------------------------------------------------
def _quota_skip(run: Run) -> str | None:
    if run.quota_credentials is None:
        return (
            "no small-quota appkey: start the emulator with harness.fuzz.emulator_overrides() "
            "(faceharness fuzz --target emulator does)"
            if run.is_emulator
            else "no JD credentials"
        )
    return None


@register(
    STATEFUL,
    "quota-countdown",
    "remainTimes falls by one per counted call; 10040 at zero (E-028)",
    "jd",
    skip=_quota_skip,
    share=0.3,
)
def quota_machine(run: Run, prop: str, _api: str) -> type[RuleBasedStateMachine]:
    gen = run.gen
    creds = run.quota_credentials
    # the body does not matter to the count: small pairs keep shrinking cheap
    requests = st.builds(
        lambda a, b, serial: jd_pair(gen, a, b, serial),
        pool_image(gen.pool),
        pool_image(gen.pool),
        serial_numbers(gen),
    )
    daily = run.contract.codes.code_for("jd", "gateway", "daily limit exceeded").code

    class QuotaCountdown(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            run.steps.clear()
            self.remain: int | None = None
            if run.is_emulator:
                run.client.admin("POST", "reset")  # a fresh daily quota for every example

        def _counted(self, request: Request) -> None:
            exchange, found = run.send(request, credentials=creds)
            before = self.remain
            if before == 0:
                case = InvalidCase(
                    request, "quota-exhausted", "a call with remainTimes 0", "gateway", (daily,)
                )
                problems = run.standard(request, exchange, found, case=case, strict=run.is_emulator)
                if found is not None and found.where == "gateway" and found.category != "quota":
                    message = f"at remainTimes 0 the gateway answered {found.code}"
                    problems.append(Problem("quota_stops", "high", message, "E-028"))
                run.fail(prop, problems, request, exchange)
                return
            problems = run.standard(request, exchange, found, request_valid=False)
            run.fail(prop, problems, request, exchange)
            if found is None or found.where == "gateway" or found.remain_times is None:
                return
            now = self.remain = found.remain_times
            counts = "remaintimes_counts_down"
            if before == -1:
                if now != -1:
                    message = f"unlimited (-1) became {now}"
                    run.violated(prop, counts, "high", message, request, exchange, "E-028")
                return
            if before is None and not run.is_emulator:
                return
            expected = FUZZ_QUOTA - 1 if before is None else before - 1
            was = f"{before}" if before is not None else f"a fresh quota of {FUZZ_QUOTA}"
            if not 0 <= now <= expected:
                message = f"remainTimes went from {was} to {now} on a counted call"
                run.violated(prop, counts, "high", message, request, exchange, "E-028")
            # faster than one per call: a shared appkey (E-028)
            message = f"remainTimes went from {was} to {now} on one counted call"
            problem = Problem(counts, "high", message, "E-028")
            observed = record_reading(run.readings, "E-028", now == expected, problem)
            run.fail(prop, observed, request, exchange)

        @rule(request=requests)
        def counted_call(self, request: Request) -> None:
            run.steps.append(f"a valid call (remainTimes was {self.remain})")
            self._counted(request)

        @rule(request=requests)
        def counted_refusal(self, request: Request) -> None:
            run.steps.append(
                f"an invalid body, refused by the business layer (remainTimes was {self.remain})"
            )
            body = {k: v for k, v in request.json.items() if k != "serialNo"}
            self._counted(dataclasses.replace(request, json=body))

        @rule(request=requests)
        def gateway_refusal(self, request: Request) -> None:
            run.steps.append(f"a wrongly signed call, not counted (remainTimes was {self.remain})")
            bad = dataclasses.replace(request, auth=Auth(sign=How.INVALID))
            case = _expect(run, bad, "bad-sign")
            run.refused(prop, case, strict=True, credentials=creds)

    return QuotaCountdown


# --- throttling -------------------------------------------------------------------------------
_EMULATOR_ONLY = _unless(
    lambda run: run.is_emulator,
    "throttling needs the emulator (it would load or reconfigure a live service)",
)


def build_throttling(run: Run, prop: str, api: str) -> Callable[[], None]:
    if api == "match":
        code = run.contract.codes.code_for("match", "errcode", "too many requests").code
        request = run.gen.request("liveCode", {})
    else:
        code = run.contract.codes.code_for("jd", "gateway", "QPS limit exceeded").code
        faces = run.gen.pool.faces
        request = pair(run, "jd", faces[0], faces[-1])

    @given(st.integers(2, 6))
    def throttled_above_configured_qps(qps: int) -> None:
        config = run.client.admin("GET", "config") or {}
        throttle = dict(config.get("throttle") or {})
        run.client.admin("PATCH", "config", {"throttle": {**throttle, "qps": qps}})
        try:
            answers = [run.send(request, paced=False) for _ in range(3 * qps + 2)]
        finally:
            run.client.admin("PATCH", "config", {"throttle": throttle or {"qps": 0}})
        for exchange, found in answers:
            problems = run.standard(request, exchange, found, request_valid=False)
            run.fail(prop, problems, request, exchange)
        throttled = [_throttled(found, code, api) for _, found in answers]
        refused = sum(throttled)
        served = sum(
            not t and f is not None and f.category != "quota"
            for t, (_, f) in zip(throttled, answers)
        )
        if refused == 0 or served == 0:
            message = (
                f"{len(answers)} requests at once with a {qps} QPS limit: "
                f"{refused} refused with {code}, {served} served"
            )
            run.violated(prop, "throttling", "high", message, request, answers[-1][0])

    return throttled_above_configured_qps


STATEFUL += [
    Property("throttling", api, title, build_throttling, _EMULATOR_ONLY, 0.1)
    for api, title in (
        ("match", "above the configured QPS the service refuses with 42900"),
        ("jd", "above the configured QPS the gateway refuses with 10043"),
    )
]


def _throttled(found: Any, code: str, api: str) -> bool:
    """The throttling code, or on the internal API an error code outside the table: a service's own
    numbering (E-014) whose throttling code only its table (--codes FILE) names."""
    if found is None:
        return False
    return found.code == code or (
        api == "match"
        and found.where == "errcode"
        and found.category is None
        and found.code not in ("0", None)
    )


# every property in run order: each api's stateless ones in turn, cheap ones first, then machines
PROPERTIES = sorted(STATELESS, key=lambda p: p.api != "match") + STATEFUL
