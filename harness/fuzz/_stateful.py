"""Stateful properties: hypothesis state machines over the target's documented state.

- liveCode: issued -> used once -> refused when reused (40014) -> refused when expired (40013);
- async: ``async=true`` answers PROCESSING, the result arrives, equals the synchronous answer;
- JD quota: ``remainTimes`` falls by one per counted call, never below 0, 10040 at zero (E-028);
- throttling: above a configured QPS the service refuses (42900 / 10043) (emulator only).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, precondition, rule

from harness.clients import Auth, Credentials, How, Request
from harness.conformance._session import live_code_of

from ._checks import Problem, Run, record_reading
from ._invalid import InvalidCase
from ._properties import Property, pair, register, same_score
from ._valid import jd_pair, lip_request, pool_image, serial_numbers

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
@register(
    STATEFUL,
    "livecode-lifecycle",
    "a liveCode is single-use and expires (40014, 40013)",
    "match",
    share=0.3,
)
def livecode_machine(run: Run, prop: str) -> type[RuleBasedStateMachine]:
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

        def _issue(self) -> str:
            request = gen.request("liveCode", {})
            exchange, found = run.answer(prop, request)
            code = live_code_of(exchange)
            if code is None:
                seen = f"{found.where} {found.code}" if found else "no envelope "
                message = f"validateData gave no code ({seen})"
                run.violated(prop, "livecode_issued", "high", message, request, exchange)
            return str(code)

        @rule(target=fresh)
        def issue(self) -> str:
            run.steps.append("issue a liveCode")
            return self._issue()

        @rule(target=used, code=consumes(fresh))
        def use(self, code: str) -> str:
            run.steps.append("use it in a LIP comparison")
            request = lip_request(gen, code)
            exchange, found = run.answer(prop, request)
            if found is not None and found.code in rejections:
                message = f"a fresh liveCode was refused on first use ({found.code})"
                run.violated(prop, "livecode_first_use", "high", message, request, exchange)
            return code

        @rule(code=used)
        def reuse(self, code: str) -> None:
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
            time.sleep(2 * SHORT_TTL_S)
            case = _expect(run, lip_request(gen, code), "livecode-expiry")
            run.refused(prop, case, strict=True)

    return LiveCodeLifecycle


# --- async results (ERRATA E-013) -------------------------------------------------------------
def _async_skip(run: Run) -> str | None:
    if run.is_emulator:
        return None
    return "the async result operation is a faceharness extension (E-013); live targets skip it"


@register(
    STATEFUL,
    "async-result",
    "an async request's result arrives and equals the synchronous one",
    "match",
    skip=_async_skip,
    share=0.3,
)
def async_machine(run: Run, prop: str) -> type[RuleBasedStateMachine]:
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
def quota_machine(run: Run, prop: str) -> type[RuleBasedStateMachine]:
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
            if before == -1:
                if now != -1:
                    message = f"unlimited (-1) became {now}"
                    run.violated(
                        prop, "remaintimes_counts_down", "high", message, request, exchange, "E-028"
                    )
                return
            if before is None and not run.is_emulator:
                return
            expected = FUZZ_QUOTA - 1 if before is None else before - 1
            was = f"{before}" if before is not None else f"a fresh quota of {FUZZ_QUOTA}"
            if not 0 <= now <= expected:
                message = f"remainTimes went from {was} to {now} on a counted call"
                run.violated(
                    prop, "remaintimes_counts_down", "high", message, request, exchange, "E-028"
                )
            # faster than one per call: a shared appkey (E-028)
            message = f"remainTimes went from {was} to {now} on one counted call"
            problem = Problem("remaintimes_counts_down", "high", message, "E-028")
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
def _emulator_only(run: Run) -> str | None:
    if run.is_emulator:
        return None
    return "throttling needs the emulator (it would load or reconfigure a live service)"


@register(
    STATEFUL,
    "throttling",
    "above the configured QPS the gateway refuses with 10043",
    "jd",
    skip=_emulator_only,
    share=0.1,
)
@register(
    STATEFUL,
    "throttling",
    "above the configured QPS the service refuses with 42900",
    "match",
    skip=_emulator_only,
    share=0.1,
)
def build_throttling(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
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
        refused = sum(1 for _, found in answers if _throttled(found, code, api))
        served = sum(
            1
            for _, found in answers
            if found is not None and not _throttled(found, code, api) and found.category != "quota"
        )
        if refused == 0 or served == 0:
            message = (
                f"{len(answers)} requests at once with a {qps} QPS limit: "
                f"{refused} refused with {code}, {served} served"
            )
            run.violated(prop, "throttling", "high", message, request, answers[-1][0])

    return throttled_above_configured_qps


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
