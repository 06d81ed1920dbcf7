"""The load suite: a scenario against a target (the only address contacted), as a run or a
limit search; credentials reach the Locust processes through their environment only.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from harness import interrupt
from harness.clients import head_too_large
from harness.contract import Answer, load_contract, no_answer_key, read_answer
from harness.errors import HarnessError, TargetError, UsageError
from harness.loadgen import hdr, safety
from harness.loadgen.classify import (
    AUTH_ERROR,
    BUSINESS_FAILURE,
    CONNECTION_ERROR,
    SUCCESS,
    THROTTLED,
    TIMEOUT,
)
from harness.loadgen.limit import (
    PENALISED,
    QUOTA_MIN_ANSWERS,
    QUOTA_TAIL_S,
    STATED_NOTE,
    LimitResult,
    StepCut,
    StepResult,
    describe_limit,
    find_limit,
    meets_minimum,
    search_higher,
)
from harness.loadgen.recorder import STOP_DURATION
from harness.loadgen.result import LoadResult, SecondRow, describe_stated
from harness.loadgen.runner import LoadProgress, RemoteWorkers, Requests, run_load
from harness.loadgen.scenarios import OPERATIONS, ScenarioOptions, api_of, credential_env
from harness.results import NOTHING_SENT, Finding, LoadMetrics, LoadSuiteResult, derive_status
from harness.suite import RunContext

LIMIT_JSON = "limit.json"
COMPARE_JSON = "compare.json"
_LATENCY_KEYS = ("p50", "p90", "p99", "p999", "max")
SEARCH_MAX_RATE = 2000.0  # a search's default top when no ceiling applies
# saturated or broken (``_Run._settle``): answers in a row that half hung would pass in 0.4 %
SETTLE_ANSWERS = 8
SETTLE_MIN_RATE = 1.0  # per second
SETTLE_MAX_S = 40.0  # a queue's drain (its backlog at what it delivered) and the answers


@functools.cache
def shed_keys() -> frozenset[str]:
    """The answers of a service shedding load (see ``limit._plateau``): HTTP 503 ("temporary
    overload", RFC 9110 15.6.4) and JD's system busy (10020, `系统繁忙,请稍后再试`)."""
    contract = load_contract()
    busy = read_answer(contract, "jd", 200, {"code": contract.code_named("jd", "system_busy")})
    return frozenset({Answer("", 503).code_key, busy.code_key})


@functools.cache
def qps_keys() -> frozenset[str]:
    """The refusals that name a rate limit (JD 10043 `超过QPS限制`, 10044, the internal 42900): a
    service saying so limits a rate, not requests in flight (``limit._in_flight_at_plateau``)."""
    contract = load_contract()
    named = (("jd", "code", "qps_limit"), ("jd", "code", "cluster_qps_limit"),
             ("match", "errcode", "too_many_requests"))  # fmt: skip
    return frozenset(
        read_answer(contract, api, 200, {field: contract.code_named(api, name)}).code_key
        for api, field, name in named
    )


@dataclass(frozen=True)
class EmulatorOptions:
    """How the embedded emulator behaves for the run (``--target emulator`` only)."""

    engine: str = "fast"
    qps: float | None = None  # per token / appkey throttle (JD 10043, MATCH 42900)
    latency: tuple[str, ...] = ()  # e.g. "fixed:50ms", "stall:1s/10s", "match=fixed:5ms"
    faults: tuple[Any, ...] = ()  # the gate's emulator faults and breaks, passed on as they are
    breaks: tuple[Any, ...] = ()

    def settings(self) -> dict[str, Any]:
        from harness.emulator import parse_latency
        from harness.target import check_engine

        check_engine(self.engine)
        if self.qps is not None and not (math.isfinite(self.qps) and self.qps >= 0):
            raise UsageError(f"--qps must be a number >= 0 (0: off), got {self.qps}")
        latency: dict[str, str] = {}
        for spec in self.latency:
            op, _ = parse_latency(spec)
            latency[op or "default"] = spec.rpartition("=")[2] if op else spec
        extra = {k: v for k, v in (("faults", self.faults), ("breaks", self.breaks)) if v}
        return {
            "engine": self.engine,
            "throttle": None if self.qps is None else {"qps": self.qps},
            "latency": latency or None,
            **extra,
        }


@dataclass(frozen=True)
class LimitOptions:
    """Criteria and bounds of a limit search (defaults depend on the target)."""

    slo_p99_ms: float = 1000.0
    max_error_rate: float = 0.01
    start_rate: float | None = None  # emulator 10/s, live target 1/s
    max_rate: float | None = None  # emulator 2000/s, live target the safety ceiling
    step_s: float = 3.0
    warmup_s: float = 1.0
    max_steps: int = 16
    time_budget_s: float = 300.0
    required_rps: float | None = None  # a limit below this is a finding


@dataclass(frozen=True)
class LoadSuite:
    """One bounded run (``users``: closed model, ``rate``: open model, both: compared) or, with
    ``search``, a limit search (a finished step goes to ``ctx.progress`` as steps done)."""

    scenario: ScenarioOptions = field(default_factory=ScenarioOptions)
    users: int | None = None
    rate: float | None = None
    duration_s: float = 30.0
    search: LimitOptions | None = None  # set: find the limit instead of one run
    workers: int = 0
    remote: RemoteWorkers | None = None  # workers on other machines the master waits for
    emulator: EmulatorOptions | None = None
    allow_costly: bool = False
    abort_error_rate: float | None | Literal["auto"] = "auto"
    slo_p99_ms: float | None = None  # run mode: a p99 above this is a finding
    max_error_rate: float | None = None  # run mode: an error rate above this is a finding
    # run mode: False (the gate's own rate) makes a run over the error rate only by throttling
    # (E-045) or over ``slo_p99_ms`` (no latency is promised) inconclusive, not a finding
    contracted_rate: bool = True
    name: Literal["load"] = field(default="load", init=False)

    def check(self, ctx: RunContext) -> safety.Limits:
        """Everything checked before any traffic (one-line :class:`UsageError`)."""
        from harness.target import check_url

        if not ctx.is_emulator:
            check_url(ctx.target)
            if self.emulator is not None:
                raise UsageError(
                    "--engine, --qps and --latency shape the emulator; use --target emulator"
                )
        face = self.scenario.idno_face
        if "matchIdno" in self.scenario.operations:
            _check_identity()
        if face and not Path(face).is_file():  # was read only by matchIdno, else ignored
            raise UsageError(f"--idno-face {face}: no such file")
        remote = self.remote.count if self.remote else 0
        if not (0 <= self.workers and 0 <= remote and self.workers + remote <= 16):
            raise UsageError(f"--workers plus --expect-workers must be in [0, 16], got "
                             f"{self.workers} + {remote}")  # fmt: skip
        users, rate, s = self.users, self.rate, self.search
        costly, max_rps = self.allow_costly, ctx.max_rps
        if s is None:
            if self.duration_s <= 0:
                raise UsageError(f"--duration must be > 0, got {self.duration_s}")
            safety.check_criteria(self.slo_p99_ms, self.max_error_rate)
        else:
            if users is not None or rate is not None:
                raise UsageError("find-limit chooses the rates itself; drop --users/--rate")
            safety.check_criteria(s.slo_p99_ms, s.max_error_rate)
            if s.required_rps is not None and not 0 < s.required_rps < math.inf:
                raise UsageError(f"--required-rps {s.required_rps:g}: expected a positive rate")
            safety.check_rate_ceiling(s.max_rate, "--max-rate", is_emulator=ctx.is_emulator,
                                      allow_costly=costly, max_rps=max_rps)  # fmt: skip
            start, rate = self.search_rates(ctx)
            if not (0 < start <= rate):
                raise UsageError(f"need 0 < --start-rate ({start:g}) <= --max-rate ({rate:g})")
            costly, max_rps = True, None  # the search's rates are checked: its top is the load
        abort = self.abort_error_rate
        limits = safety.check_run(
            is_emulator=ctx.is_emulator, users=users, rate=rate, max_requests=ctx.max_requests,
            abort_error_rate=None if abort == "auto" else abort, abort_default=abort == "auto",
            allow_costly=costly, max_rps=max_rps,
            rate_option="--rate" if s is None else "--max-rate",
        )  # fmt: skip
        if not ctx.is_emulator:
            # a missing credential is a config mistake, refused before --out is written (it
            # was the generator's error, in a summary.json of a run that never ran)
            ops = set(self.scenario.operations)
            if ops - {"faceCompareNew"}:
                ctx.credentials.require_token()
            if "faceCompareNew" in ops:
                ctx.credentials.require_jd()
        return limits

    def search_rates(self, ctx: RunContext) -> tuple[float, float]:
        """First and highest rate of a search: the default top is the ceiling, else 2000/s."""
        s = self.search or LimitOptions()
        ceiling = safety.rate_ceiling(
            is_emulator=ctx.is_emulator, allow_costly=self.allow_costly, max_rps=ctx.max_rps
        )
        top = SEARCH_MAX_RATE if ceiling is None else ceiling
        if s.max_rate is not None:  # 0 is a mistake to refuse, not "the default"
            top = s.max_rate
        start = min(10.0 if ctx.is_emulator else 1.0, top)
        return (start if s.start_rate is None else s.start_rate), top

    def run(self, ctx: RunContext) -> LoadSuiteResult:
        """A failure while running is a suite with status ``error``."""
        from harness.report.output import REPORT_FILES, not_a_file
        from harness.target import open_target

        interrupt.begin()  # an earlier run's caught Ctrl-C does not stop this one
        limits = self.check(ctx)
        if blocked := not_a_file(ctx.out_dir, REPORT_FILES):  # before the preflight, not after
            raise UsageError(f"--out {ctx.out_dir}: {blocked.name} exists and is not a file")
        emulator = (self.emulator or EmulatorOptions()).settings() if ctx.is_emulator else {}
        scenario = replace(
            self.scenario, demo_credentials=ctx.is_emulator,
            seed=self.scenario.seed if ctx.seed is None else ctx.seed,
            faces_dir=str(ctx.faces.resolve()) if ctx.faces else self.scenario.faces_dir,
        )  # fmt: skip
        run = _Run(self, ctx, scenario, limits)
        started, t0 = datetime.now(UTC), time.monotonic()
        try:
            with open_target(ctx.target, **emulator) as tgt:
                if not ctx.is_emulator:  # the target answers and accepts the credentials, or exit 2
                    from harness.pacing import Budget
                    from harness.preflight import apis_of, preflight

                    sent = Budget()  # charged to --max-requests: a live target bills every call
                    preflight(tgt.url, apis=apis_of(scenario.operations),
                              credentials=ctx.credentials, timeout_s=run.timeout_s,
                              budget=sent)  # fmt: skip
                    run.overhead += sent.used
                result = run.search(tgt.url) if self.search is not None else run.runs(tgt.url)
        except UsageError:
            raise
        except HarnessError as exc:
            result = LoadSuiteResult(name="load", status="error", error=str(exc))
        return result.model_copy(
            update={"started_at": started, "finished_at": datetime.now(UTC),
                    "duration_s": round(time.monotonic() - t0, 3), "seed": scenario.seed}
        )  # fmt: skip


def _check_identity() -> None:
    """matchIdno's identity from the environment, checked before any traffic: a number failing
    GB 11643's check made every /idno request an error of the run, counted as the service's; a
    15-digit first-generation number is one a registry may hold (as conformance's id_num)."""
    import os

    from harness.config import not_a_registered_id_number
    from harness.loadgen.scenarios import ENV_ID_NUM

    if (value := os.environ.get(ENV_ID_NUM)) and (why := not_a_registered_id_number(value)):
        raise UsageError(f"{ENV_ID_NUM}: {why}")


def run_load_suite(
    target: str = "emulator", *, out_dir: str | Path, scenario: str | ScenarioOptions = "match",
    config: Path | None = None, timeout_s: float = 10.0, max_requests: int | None = None,
    max_rps: float | None = None, **options: Any,
) -> LoadSuiteResult:  # fmt: skip
    """:class:`LoadSuite` run against ``target`` with the environment's (or ``config``'s)
    credentials, as the command does."""
    from harness.clients import load_credentials

    opts = scenario if isinstance(scenario, ScenarioOptions) else ScenarioOptions(scenario=scenario)
    is_emulator = target == "emulator"
    ctx = RunContext(
        target=target, url=target, is_emulator=is_emulator, out_dir=Path(out_dir), config=config,
        credentials=load_credentials(config, demo_defaults=is_emulator), max_rps=max_rps,
        max_requests=max_requests, request_timeout_s=timeout_s,
    )  # fmt: skip
    return LoadSuite(scenario=opts, **options).run(ctx)


_UNREADABLE = ("undecodable body", "oversized body", "cut-off body")


def rest_between_steps(seconds: float) -> None:
    """A wait between steps (a Retry-After, a recheck's rest) that a stop ends as it ends a step
    (:class:`StepCut`): the search keeps the steps it completed. Ctrl-C raised out of the sleep
    before (session 23, c7bc734: ``load find-limit`` wrote none of them); a gate stage's time
    limit (``interrupt.cancel``, no signal) did not end it at all, the sleep ran its length."""
    try:
        interrupt.sleep(seconds, clock=time)  # this module's: the tests' virtual time
    except KeyboardInterrupt:
        interrupt.request()
    if stop := interrupt.requested():
        raise StepCut(stop)


def retry_wait(
    asked: float, elapsed: float, waited: float, steps: int, budget: float | None
) -> float:
    """How long to honour a Retry-After before the next step: the search checked its time budget
    before that step, not for the wait, so a step as long as the mean so far must still fit after
    it (review: a whole step ran past the budget)."""
    if not budget:
        return max(0.0, asked)
    mean = (elapsed - waited) / max(steps, 1)
    return max(0.0, min(asked, budget - elapsed - mean))


def longest_wait(
    waits: list[tuple[float, float, float | None]],
) -> tuple[float, float, float | None]:
    """The longest Retry-After the search was asked (asked, at rate, waited: None when no step
    came after it). Two steps at one rate may be asked alike (a recheck, the confirmation step),
    one waited for and one not: tuples compared whole would compare a float with None."""
    return max(waits, key=lambda w: (w[0], w[1], w[2] is not None, w[2] or 0.0))


def unjudgeable(target: str, summary: Mapping[str, Any]) -> str | None:
    """Why a run's answers (its ``load.json`` ``summary``) cannot judge the service (None: they
    can): none reached it (timeouts did: they are its answer), or all refused the credentials."""
    completed = summary["totals"]["completed"]
    codes, by_class = summary["codes"], summary["by_class"]
    top = ", ".join(f"{c} x{n}" for c, n in list(codes.items())[:3]) or "no answer"
    unreached = by_class.get(CONNECTION_ERROR, 0)  # no answer, timeouts aside
    if unreached >= completed:
        # bodies that came and could not be read: the target answered, nothing to judge by
        unreadable = any(no_answer_key(kind) in codes for kind in _UNREADABLE)
        what = "answered nothing readable" if unreadable else "unreachable"
        if summary.get("heads_too_large"):  # named as the sender names it: it answered
            what = f"answered nothing readable: {head_too_large()}"
        elif summary.get("head_refused"):  # as conform's reachability check names it
            what = f"answered with malformed HTTP: {summary['head_refused']}"
        return f"could not run: {target} {what} (no HTTP answer to {completed} requests: {top})"
    http = completed - unreached - codes.get(no_answer_key("timeout"), 0)
    if http > 0 and by_class.get(AUTH_ERROR, 0) >= http:
        return f"could not run: {target} refused the credentials or the account ({top})"
    return None


def _spent(summary: dict[str, Any]) -> int:
    """The requests a run took from the command's budget: those sent first in their slots and
    those sent again on a new connection (``reconnects``: the open-model run after a closed one
    was given the closed one's re-sends again, the command sent past ``--max-requests``)."""
    return int(summary["totals"]["sent"]) + int(summary.get("reconnects") or 0)


class _Run:
    """One :meth:`LoadSuite.run` on the opened target."""

    def __init__(
        self, suite: LoadSuite, ctx: RunContext, scenario: ScenarioOptions, limits: safety.Limits
    ) -> None:
        self.suite, self.ctx, self.scenario, self.limits = suite, ctx, scenario, limits
        self.timeout_s = ctx.request_timeout_s or 10.0
        env = {} if ctx.is_emulator else credential_env(ctx.credentials)
        # requests sent before the runs (the command's preflight, the suite's): charged to the
        # budget, not counted as the run's
        self.overhead = ctx.spent
        self.offset = 0.0  # seconds of the models already run (progress)
        self.label = ""  # a search's current step
        self.options: dict[str, Any] = {"workers": suite.workers, "remote": suite.remote,
                                        "env": env, "timeout_s": self.timeout_s,
                                        "abort_error_rate": limits.abort_error_rate}  # fmt: skip

    def _progress(
        self, done: Callable[[float], float], total: float | None
    ) -> Callable[[LoadProgress], None]:
        def report(p: LoadProgress) -> None:
            rps = "-" if p.last_second_rps is None else f"{p.last_second_rps:.0f}/s"
            p99 = "-" if p.last_second_p99_ms is None else f"{p.last_second_p99_ms:.1f} ms"
            text = (f"{self.label or p.mode}: {p.completed} answers, {p.errors} not ok, "
                    f"last second {rps}, p99 {p99}")  # fmt: skip
            self.ctx.progress(done(p.elapsed_s), total, text)

        return report

    def runs(self, url: str) -> LoadSuiteResult:
        suite, out = self.suite, self.ctx.out_dir
        both = suite.users is not None and suite.rate is not None
        models = [(label, load) for label, load in (("closed-model", {"users": suite.users}),
                  ("open-model", {"rate": suite.rate})) if None not in load.values()]  # fmt: skip
        total = suite.duration_s * len(models)
        budget = self.limits.max_requests  # for the whole command, both runs together
        budget = None if budget is None else budget - self.overhead
        if budget is not None and budget < 1:  # the preflight took it all
            return LoadSuiteResult(name="load", status="inconclusive", reason=NOTHING_SENT)
        runs: list[LoadResult] = []
        for label, load in models:
            if budget is not None and budget < 1:
                break
            result = run_load(
                url, self.scenario, **load, duration_s=suite.duration_s, max_requests=budget,
                out_dir=out / label if both else out,
                progress_callback=self._progress(lambda e: min(total, self.offset + e), total),
                **self.options,
            )  # fmt: skip
            self.offset += suite.duration_s
            runs.append(result)
            _judgeable(self.ctx.target, result)
            if budget is not None:
                budget -= _spent(result.summary)
            if result.stop_reason == "aborted":
                break  # an error spike: do not start the second model against the same trouble
        primary = runs[-1]  # the open-model run when both ran: it does not hide queueing
        metrics = run_metrics(primary)
        if both and len(runs) == 1:
            why = "aborted" if primary.stop_reason == "aborted" else "used up the request budget"
            metrics["notes"] = [f"the closed-model run {why}; the open-model run was skipped"]
        if len(runs) == 2:
            metrics["closed_model"] = {k: v for k, v in run_metrics(runs[0]).items()
                                       if k not in ("series", "hdr")}  # fmt: skip
            metrics["comparison"] = comparison = side_by_side(*(r.summary for r in runs))
            _write_json(out / COMPARE_JSON, comparison)
        metrics |= {"slo_p99_ms": suite.slo_p99_ms, "slo_error_rate": suite.max_error_rate}
        if runs and (low := self._settle(url, runs[-1], budget)) is not None:
            metrics["settle"] = low
        # what this suite sent (its preflight, the runs, the low-rate run): the gate's limit
        # search after it is charged with them (one stage, one budget)
        metrics["requests_sent"] = (
            self.overhead - self.ctx.spent + sum(_spent(r.summary) for r in runs)
            + int(metrics.get("settle", {}).get("requests") or 0)
        )  # fmt: skip
        if said := describe_stated(primary.summary.get("rate_limit_stated")):
            metrics["notes"] = [*metrics.get("notes", []), f"{said}{STATED_NOTE}"]
        findings = _slo_findings(suite, runs)
        throttled = _throttled_only(suite, runs[-1]) if runs else None
        if throttled is not None and not any(f.check == "error_rate" for f in findings):
            metrics["inconclusive"] = throttled
        elif runs and (slow := _slow_unheld(suite, runs[-1])) is not None:
            metrics["inconclusive"] = slow
        return _suite(findings, metrics)

    def _settle(self, url: str, run: LoadResult, budget: int | None) -> dict[str, Any] | None:
        """Saturated or broken? A run its own error limit does not hold, over it only through
        timeouts while it served less than half the requests (it delivered far below the rate),
        is run again at a quarter of what it delivered: a service that answers each of the last
        ``SETTLE_ANSWERS`` requests there was saturated, not broken (its queue drains first:
        :func:`_drain_s`, within ``SETTLE_MAX_S``). Recorded as ``run.settled`` for
        :func:`_throttled_only`."""
        suite = self.suite
        shed = _shed_share(suite, run)
        if not (_saturated(suite, run) or shed):
            return None
        delivered = _served(run.summary) / _elapsed_s(suite, run.summary)
        rate = max(SETTLE_MIN_RATE, delivered / 4)
        answers = max(SETTLE_ANSWERS, _told_apart(shed)) if shed else SETTLE_ANSWERS
        drain = _drain_s(run.summary, rate, self.timeout_s, _elapsed_s(suite, run.summary))
        if drain is None or drain + answers / rate > SETTLE_MAX_S:  # no run can wait it out
            run.undrained = _unanswered(run.summary)
            return {"rate": round(rate, 3), "delivered_rps": round(delivered, 3),
                    "drain_s": None if drain is None else round(drain, 3),
                    "undrained": run.undrained}  # fmt: skip
        duration = drain + answers / rate
        planned = math.ceil(rate * duration) + 1
        if budget is not None and budget < planned:  # ``budget``: what the runs left
            return None  # no budget to tell: the timeouts judge as before
        low = run_load(
            url, self.scenario, rate=rate, duration_s=duration, max_requests=planned,
            out_dir=self.ctx.out_dir / "settle", **(self.options | {"abort_error_rate": None}),
        )  # fmt: skip
        answered = _answered_last(low, SETTLE_ANSWERS)
        if shed:  # shedding, not failing at random: none shed where the run's share would show
            low_shed = _shed_count(low.summary)
            told = _told_apart(shed) <= low.summary["totals"]["completed"]
            answered = answered and not low_shed and told
        settle = {"rate": round(rate, 3), "duration_s": round(duration, 3),
                  "delivered_rps": round(delivered, 3), "answered_last": answered,
                  "requests": _spent(low.summary)}  # fmt: skip
        run.settled = answered
        return settle

    def search(self, url: str) -> LoadSuiteResult:
        s, ctx, limits = self.suite.search, self.ctx, self.limits
        assert s is not None
        start, top = self.suite.search_rates(ctx)
        used = steps = 0
        judged: list[float] = []  # rates whose answers could judge the service

        def planned(rate: float) -> int:
            return math.ceil(rate * (s.warmup_s + s.step_s + 1.0)) + 1

        def precheck(rate: float) -> str | None:
            if stop := interrupt.requested():  # Ctrl-C, or a gate stage's time limit
                return stop
            spent = used + self.overhead
            if limits.max_requests is not None and spent + planned(rate) > limits.max_requests:
                return (f"request budget: {spent} of {limits.max_requests} used, next step needs "
                        f"{planned(rate)}")  # fmt: skip
            return None

        measure = open_model_measure(
            url, self.scenario, out_dir=ctx.out_dir, step_s=s.step_s, warmup_s=s.warmup_s,
            progress_callback=self._progress(lambda _: steps - 1, s.max_steps), **self.options,
        )  # fmt: skip

        began = time.monotonic()
        waits: list[tuple[float, float, float | None]] = []  # (asked, at rate, waited)

        def step(rate: float) -> StepResult:
            nonlocal used, steps
            if waits and waits[-1][2] is None:  # the last step was asked to wait (Retry-After)
                asked, at, _ = waits[-1]
                waited_before = sum(w or 0.0 for _, _, w in waits)
                elapsed = time.monotonic() - began
                waited = retry_wait(asked, elapsed, waited_before, steps, s.time_budget_s)
                rest_between_steps(waited)  # within the run's time budget, never past it
                waits[-1] = (asked, at, waited)
            steps += 1
            self.label = f"step {steps}: {rate:.1f}/s"
            ctx.progress(steps - 1, s.max_steps, self.label)
            try:
                result = measure(rate)
            except (HarnessError, KeyboardInterrupt) as exc:  # the steps before it are kept
                if isinstance(exc, KeyboardInterrupt):
                    interrupt.request()
                if stop := interrupt.requested():
                    raise StepCut(stop) from None
                raise
            used += planned(rate)
            p99 = "-" if result.p99_ms is None else f"{result.p99_ms:.1f} ms"
            ctx.progress(steps, s.max_steps, (
                f"step {steps}: offered {rate:.1f}/s, achieved {result.achieved_rps:.1f}/s, "
                f"ok {result.ok_rps:.1f}/s, p99 {p99}, errors {result.error_rate:.1%}, "
                f"throttled {result.throttled_rate:.1%}"))  # fmt: skip
            if (said := result.detail.get("retry_after_s")) is not None:
                waits.append((float(said), rate, None))
            reason = unjudgeable(ctx.target, result.run.summary)
            if reason is None:
                judged.append(rate)
            elif not judged:  # nothing can judge the service: stop now, not at 1/16 of the rate
                raise TargetError(f"{reason}; step {steps} at {rate:g}/s")
            return result

        found = find_limit(
            step, start_rate=start, max_rate=top, slo_p99_ms=s.slo_p99_ms,
            max_error_rate=s.max_error_rate, max_steps=s.max_steps, time_budget_s=s.time_budget_s,
            precheck=precheck, rest=rest_between_steps,
        )  # fmt: skip
        _write_json(ctx.out_dir / LIMIT_JSON, found.to_dict())
        best = _limit_step_run(found)  # its latency is the limit's
        metrics = {**(run_metrics(best) if best is not None else {}), **limit_metrics(found)}
        metrics |= {"requests_budget": limits.max_requests, "requests_planned": used}
        if waits:  # RFC 9110 10.2.3: the service said when to come back
            asked, at, waited = longest_wait(waits)
            how = (f"the search waited {waited:g} s before its next step" if waited is not None
                   else "no step came after it")  # fmt: skip
            if waited is not None and waited < asked:
                how += " (what the time budget left)"
            metrics["notes"] = [*metrics.get("notes", []), f"a refused step at {at:.1f}/s was "
                                f"answered with Retry-After: {asked:g} s; {how}"]  # fmt: skip
        findings: list[Finding] = []
        if found.inconclusive:
            metrics["inconclusive"] = found.inconclusive
        op = _operation(self.scenario)
        if found.bound is None:
            raise HarnessError(f"the limit search ran no step: {found.stopped_by}")
        if (stop := interrupt.requested()) and not found.converged:  # its steps, not a verdict
            metrics["inconclusive"] = metrics.get("inconclusive") or (
                f"the limit search was stopped ({stop}) after {len(found.steps)} step(s), "
                "before it finished"
            )
        elif found.bound == "upper":
            findings.append(_finding(op, "qps_limit", f"no rate from {start:g}/s to {top:g}/s met "
                                     f"the criteria (p99 <= {s.slo_p99_ms:g} ms, errors <= "
                                     f"{s.max_error_rate:.1%}); stopped by "
                                     f"{found.stopped_by}"))  # fmt: skip
        elif s.required_rps is not None and (found.limit_rps or 0.0) < s.required_rps:
            shown = describe_limit(found.limit_rps, found.bound, found.stopped_by)
            if found.bound == "exact":  # unless what the search could not name leaves it open
                limit, unsure = found.limit_rps or 0.0, found.inconclusive
                if meets_minimum(limit, s.required_rps, unsure, found.failed_rps) is False:
                    findings.append(_finding(op, "qps_limit", f"sustainable rate {shown} is below "
                                             f"the required {s.required_rps:g}/s"))  # fmt: skip
            else:  # the search stopped below the requirement without failing: not a measurement
                metrics["inconclusive"] = (
                    f"the limit is {shown}: the required {s.required_rps:g}/s was not tried; "
                    f"to search higher, {search_higher(found.stopped_by)}"
                )
        return _suite(findings, metrics)


def run_metrics(result: LoadResult) -> dict[str, Any]:
    s = result.summary
    return {
        "mode": s["mode"],
        "latency_ms": {k: s["latency_ms"][k] for k in (*_LATENCY_KEYS, "measured_from")},
        "service_ms": {k: s["service_ms"][k] for k in _LATENCY_KEYS},
        **{k: s[k] for k in ("throughput_rps", "goodput_rps", "offered_rps")},
        "requests": s["totals"]["completed"],
        "duration_s": s["elapsed_s"],
        **{k: s[k] for k in ("error_rate", "by_class", "errors_by_code", "stop_reason")},
        **{k: s.get(k) for k in ("abort_reason", "late_sends", "dropped_sends")},
        "warnings": s.get("warnings", []),
        "series": [_point(row) for row in s["series"]],
        "hdr": _percentiles((s.get("hdr") or {}).get("latency")),
        "out_dir": str(result.out_dir),
    }


_RENAMED = {"offered_rps": "offered", "achieved_rps": "achieved", "p50_ms": "p50", "p99_ms": "p99"}
HDR_PERCENTILES = (0.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999, 100.0)


def _point(row: Mapping[str, Any]) -> dict[str, Any]:
    point = {_RENAMED.get(key, key): value for key, value in row.items()}
    point["errors"] = sum(row["errors_by_class"].values())
    return point


def _percentiles(encoded: str | None) -> list[tuple[float, float]]:
    """``[percentile, ms]`` pairs for the reports (the histogram stays in ``load.hlog``)."""
    hist = hdr.merge([encoded])
    if hist.get_total_count() == 0:
        return []
    values = hist.get_percentile_to_value_dict(list(HDR_PERCENTILES))
    return [(p, round(float(values[p]) * 1e-3, 3)) for p in HDR_PERCENTILES]  # us -> ms


_LIMIT_FIELDS = (
    "knee_rps plateau_rps saturation_rps first_bad_rps failed_rps converged stopped_by".split()
)


def limit_metrics(found: LimitResult) -> dict[str, Any]:
    return {
        "qps_limit": found.reported_rps,
        "qps_limit_bound": found.bound,
        **{k: getattr(found, k) for k in _LIMIT_FIELDS},
        "notes": list(found.notes),
        "criteria": dict(found.criteria),
        "search_elapsed_s": round(found.elapsed_s, 3),
        "slo_p99_ms": found.criteria["slo_p99_ms"],
        "slo_error_rate": found.criteria["max_error_rate"],
        "limit_search": [  # limit.json's rows, renamed as a series point; errors with throttling
            {_RENAMED[k]: row[k] for k in ("offered_rps", "achieved_rps", "p99_ms")}
            | {"error_rate": round(min(1.0, st.result.error_rate + st.result.throttled_rate), 6)}
            | {"ok": st.good}
            | {k: row[k] for k in ("ok_rps", "throttled_rate", "phase", "reasons")}
            for st, row in ((st, st.row()) for st in found.steps)
        ],
    }


def _limit_step_run(found: LimitResult) -> LoadResult | None:
    """The run of the highest good step at or below the limit (its latency is the limit's)."""
    if found.limit_rps is None:
        return None
    good = [s for s in found.steps if s.good and s.rate <= found.limit_rps * (1 + 1e-9)]
    return max(good, key=lambda s: s.rate).result.run if good else None


def _suite(findings: list[Finding], metrics: dict[str, Any]) -> LoadSuiteResult:
    """A search that stopped below the requirement without failing (``metrics["inconclusive"]``)
    is an inconclusive suite, never a pass."""
    status, why = derive_status(findings), metrics.get("inconclusive")
    result = LoadSuiteResult(name="load", status=status, findings=findings,
                             metrics=LoadMetrics.model_validate(metrics))  # fmt: skip
    if status != "pass" or not why:
        return result
    when = next((text for test, text in _TESTABLE_WHEN if test(why)), _SEARCH_HIGHER)
    return result.model_copy(update={"status": "inconclusive", "reason": why,
                                     "testable_when": when})  # fmt: skip


_SEARCH_HIGHER = (
    "the search reaches the required rate (raise --max-rate, or --allow-costly-load on a live "
    "target)"
)
_TESTABLE_WHEN: tuple[tuple[Callable[[str], bool], str], ...] = (  # the first that fits
    (lambda why: why.startswith("p99"),
     "the policy holds the service to a latency ([load] max_p99_ms and p99_at_rps)"),
    (lambda why: why.startswith(PENALISED), "a `load run --rate R --duration 60s` under the rate "
     "reported holds (R is sustained) or is refused"),
    (lambda why: why.startswith(("refusals do not follow", "the service may limit requests")),
     "a `load run --rate R --duration 60s` measures its refusals at a fixed rate R"),
    (lambda why: "(E-045)" in why, "the run's rate is one the service is held to (load run "
     "--max-error-rate, or the policy's [load] p99_at_rps); load find-limit measures the limit"),
)  # fmt: skip


def _judgeable(target: str, result: LoadResult) -> None:
    """Raise "could not run" when a run's answers cannot judge the service, or the harness
    itself aborted the run."""
    s = result.summary
    reason = unjudgeable(target, s)
    if reason is not None:
        raise TargetError(reason)
    abort = s.get("abort_reason") or ""
    if result.stop_reason == "aborted" and not abort.startswith("error spike"):
        raise HarnessError(f"{s['mode']}: aborted: {abort}")


def _throttled_only(plan: LoadSuite, run: LoadResult) -> str | None:
    """Why a run at a rate the service is not held to judges nothing: it is over the error rate
    only through throttling answers and timeouts behind them, or, some answers served, only
    through timeouts (a service may queue what is above its limit; E-045). ``load run`` holds the
    service to its rate only with ``--max-error-rate``: without one, a run aborted (or all
    refused) through throttling alone measured a limit below its rate, no defect."""
    s = run.summary
    completed, by_class = s["totals"]["completed"], s["by_class"]
    throttled, late, served = by_class.get(THROTTLED, 0), by_class.get(TIMEOUT, 0), _served(s)
    # a service that served some and shed the rest (HTTP 503, JD system busy: E-057) refused
    # load as a throttle does; one that served nothing may be down, and fails as before
    # (review of session 19: a backend failing at random, 503 on 5 % at 2/s, passed as shedding):
    # only when a run at a quarter of what it served shed none (``_Run._settle``)
    shed = _shed_count(s) if served and run.settled else 0
    throttled += shed
    held = plan.max_error_rate is not None  # the user's (load run) or the policy's error limit
    if plan.contracted_rate and (held or run.stop_reason != "aborted" and served):
        return None  # the user's error limit judges it, or nothing does (a pass)
    if not completed:
        return None
    if not (throttled or late and (served and (_queued(run) or run.undrained) or run.settled)):
        return None
    allowed = plan.max_error_rate if plan.max_error_rate is not None else 0.0
    if (completed - served - throttled - late) / completed > allowed:
        return None
    rate = f" at {plan.rate:g}/s" if plan.rate is not None else ""
    if late and not throttled and served and run.undrained:
        return (
            f"{late} of {completed} requests{rate} had no answer within the request "
            f"timeout; the service served {served} "
            f"({served / _elapsed_s(plan, s):.1f}/s) and held {run.undrained} unanswered, more "
            f"than a low-rate run could wait out within {SETTLE_MAX_S:g} s at what the operations "
            "that timed out answered in time (it may work faster on those the run gave up on), "
            "so no low-rate run was made: saturated (a queue) or broken, untold (E-045); "
            "latency and errors at a rate this run chose judge nothing; a longer --timeout tells"
        )
    if not throttled and run.settled and not (served and _queued(run)):
        return (
            f"{late} of {completed} requests{rate} had no answer within the request timeout; the "
            f"service served {served} ({served / _elapsed_s(plan, s):.1f}/s), and at a quarter of "
            f"that it answered each of the last {SETTLE_ANSWERS} requests: saturated at this "
            "rate, not broken (E-045); latency and errors at a rate this run chose judge nothing"
        )
    if not throttled:
        return (
            f"{late} of {completed} requests{rate} had no answer within the request timeout, "
            "the rest were served: a service may queue what is above its limit (E-045); "
            "latency and errors at a rate this run chose judge nothing"
        )
    share = throttled / completed
    waited = f" ({late} more timed out)" if late else ""
    how = "throttled" if not shed else "throttled or shed (HTTP 503, system busy: E-057)"
    return (
        f"{how} {share:.1%} of the answers{rate}{waited}: the service's QPS limit is below "
        "the rate this run chose (E-045); latency and errors there judge nothing" + _quota_seen(run)
    )


def _quota_seen(run: LoadResult) -> str:
    """What a run that ran into a quota over a longer window (N a minute) saw, said: served, then
    every request of its last whole seconds refused, which no token bucket does (it serves its
    refill every second); "" otherwise."""
    series = getattr(run, "series", None) or []
    tail = _refused_tail(run) if series else 0
    if tail < QUOTA_TAIL_S:
        return ""
    # counted from the end of the run's previous whole seconds of refusals, when there were
    # any (a window that ran out before, then began again): before, from the run's start, so
    # a run over two windows of 600 a minute said "it served 1000"
    earlier = series[: len(series) - 1 - tail]
    refused = [i for i, row in enumerate(earlier)
               if row.completed >= QUOTA_MIN_ANSWERS
               and row.by_class.get(THROTTLED, 0) == row.completed]  # fmt: skip
    served = sum(row.success for row in earlier[refused[-1] + 1 if refused else 0 :])
    since = " from the end of its previous whole seconds of refusals" if refused else ""
    said = run.summary.get("retry_after_s")
    window = f", asking to come back in {said:g} s (Retry-After)" if said else ""
    return (
        f"; it served {served} request(s){since}, then refused every request of the run's last "
        f"{tail} "
        f"whole second(s){window}: a quota over a window longer than that (N a minute, a day) "
        "ran out, or a lockout; a rate under the quota's meets it too, later"
    )


def _shed_count(summary: Mapping[str, Any]) -> int:
    return _among(summary.get("errors_by_code") or summary.get("codes") or {}, shed_keys())


def _among(codes: Mapping[str, int], keys: frozenset[str]) -> int:
    return int(sum(codes.get(key, 0) for key in keys))


def _shed_share(plan: LoadSuite, run: LoadResult) -> float:
    """The share of a run's answers that shed load, when shedding may explain its errors: a rate
    the user's error limit does not hold, some served, no error but shedding, throttling and
    lateness; else 0."""
    s = run.summary
    if not _unheld(plan, run):
        return 0.0
    completed, by_class, served = s["totals"]["completed"], s["by_class"], _served(s)
    shed = _shed_count(s)
    if not (served and shed):
        return 0.0
    other = completed - served - shed - by_class.get(THROTTLED, 0) - by_class.get(TIMEOUT, 0)
    return 0.0 if other else shed / completed


def _drain_s(
    summary: Mapping[str, Any], rate: float, timeout_s: float, elapsed_s: float
) -> float | None:
    """How long a saturated run's queue may take to drain before the low-rate run's answers come
    in time: a service that keeps working on the requests the run gave up on (a thread pool with
    a queue) holds every unanswered one, and works them off at what the operations that timed
    out delivered over the run's ``elapsed_s`` (one answered at once, outside the queue, drains
    nothing: the ``pool`` variant's liveCode), less their share of the low-rate run's ``rate``;
    at least one request timeout. None timed out: none. Nothing delivered at all says no rate to
    drain by: one timeout, as before (a hang's run). None: no wait drains it (the operations that
    timed out answered none in time while others were served, or the low-rate run's own requests
    use up what they deliver). Session 27's review: the planned duration for elapsed read an
    aborted run's 0.2/s, and liveCode's instant answers a pool of 1/s at 3/s."""
    late = int(summary["by_class"].get(TIMEOUT, 0))
    if not late:
        return 0.0
    names = [v["by_class"] for v in (summary.get("by_name") or {}).values()]
    slow = [c for c in names if c.get(TIMEOUT)] or [summary["by_class"]]
    served = sum(map(_ok, slow))
    share = sum(sum(c.values()) for c in slow) / max(1, int(summary["totals"]["completed"]))
    if not served:
        return None if _served(summary) else timeout_s
    speed = float(served) / elapsed_s - rate * min(1.0, share)
    if speed <= 0:
        return None
    return max(timeout_s, _unanswered(summary) / speed)


def _unanswered(summary: Mapping[str, Any]) -> int:
    """Requests a run gave up on or left unanswered: a queue that works on may hold each."""
    totals = summary["totals"]
    late = int(summary["by_class"].get(TIMEOUT, 0))
    return late + max(0, int(totals["sent"]) - int(totals["completed"]))


def _elapsed_s(plan: LoadSuite, summary: Mapping[str, Any]) -> float:
    """The run's own seconds (an aborted one's are fewer than planned), else the plan's."""
    elapsed = float(summary.get("elapsed_s") or 0.0)
    return elapsed if elapsed > 0 else plan.duration_s


def _told_apart(share: float) -> int:
    """Answers a run must have, none shed, to tell shedding from failing at random at ``share``
    (a chance under 5 % of none at that share)."""
    return math.ceil(math.log(0.05) / math.log1p(-min(share, 0.99)))


def _served(summary: Mapping[str, Any]) -> int:
    return _ok(summary["by_class"])


def _ok(by_class: Mapping[str, int]) -> int:
    """Answers the service served: a success, or its verdict ("no match")."""
    return int(by_class.get(SUCCESS, 0) + by_class.get(BUSINESS_FAILURE, 0))


def _saturated(plan: LoadSuite, run: LoadResult) -> bool:
    """Timeouts a low-rate run may explain: a rate the user's error limit does not hold, less
    than half served (far below the rate offered; none when all wait together), no error other
    than lateness, and no queue already evident (:func:`_queued`)."""
    s = run.summary
    if not _unheld(plan, run):
        return False
    completed, late, served = s["totals"]["completed"], s["by_class"].get(TIMEOUT, 0), _served(s)
    if not (late and 2 * served < completed) or completed - served - late:
        return False
    return not (served and _queued(run))


def _unheld(plan: LoadSuite, run: LoadResult) -> bool:
    """An open-model run whose errors no error limit judges: at a rate the user gave, their
    error limit judges it, or, not aborted, nothing does (a pass)."""
    return run.mode == "open-model" and not (
        plan.contracted_rate and (plan.max_error_rate is not None or run.stop_reason != "aborted")
    )


def _answered_last(run: LoadResult, count: int) -> bool:
    """Whether the last ``count`` answers of ``run`` (by the second they came) were all served:
    timeouts while a queue drained come first, a hang's come throughout."""
    seen = 0
    for row in reversed(run.series):
        if not row.completed:
            continue
        if row.completed != _ok(row.by_class):
            return False
        seen += row.completed
        if seen >= count:
            return True
    return False


def _queued(run: LoadResult) -> bool:
    """Timeouts behind a queue, not a hang: a queue's waits spread up to the timeout, so answers
    served just below the timed-out share waited long too (at least half the longest wait); a
    service that hangs some requests serves the rest fast (review of session 16: ``hang:0.3``)."""
    s = run.summary
    latency = hdr.merge([s.get("hdr", {}).get("latency")])
    completed, late = s["totals"]["completed"], s["by_class"].get(TIMEOUT, 0)
    if not latency.get_total_count() or not completed:
        return False
    below = max(0.0, 100.0 * (1 - late / completed) - 5.0)
    return bool(latency.get_value_at_percentile(below) >= 0.5 * latency.get_max_value())


def _slow_unheld(plan: LoadSuite, run: LoadResult) -> str | None:
    """Why a p99 over an SLO faceharness chose judges nothing: the documents promise none."""
    p99 = run.summary["latency_ms"]["p99"]
    if plan.contracted_rate or plan.slo_p99_ms is None or p99 is None or p99 <= plan.slo_p99_ms:
        return None
    rate = f" at {plan.rate:g}/s" if plan.rate is not None else ""
    return (
        f"p99 {p99:g} ms{rate} is over {plan.slo_p99_ms:g} ms, an SLO this run chose: the "
        "documents promise no latency"
    )


def _slo_findings(plan: LoadSuite, runs: list[LoadResult]) -> list[Finding]:
    """SLO breaches, aborts, all-error runs and runs above ``--max-error-rate``: one finding
    per run and kind."""
    findings: list[Finding] = []
    op = _operation(plan.scenario)
    for run in runs:
        s = run.summary
        p99 = s["latency_ms"]["p99"]
        if plan.slo_p99_ms is not None and (p99 is None or p99 > plan.slo_p99_ms):
            if _slow_unheld(plan, run) is None:  # else the suite says why it is inconclusive
                message = f"{s['mode']}: p99 {p99} ms > SLO {plan.slo_p99_ms:g} ms"
                findings.append(_finding(op, "slo_p99", message))
        completed, served = s["totals"]["completed"], _served(s)
        rate = (completed - served) / completed if completed else 1.0
        top = ", ".join(f"{k} x{n}" for k, n in list(s["errors_by_code"].items())[:3])
        if run.stop_reason == "aborted":
            message = f"aborted after {completed} answers: {s['abort_reason']} ({top})"
        elif served == 0:
            message = f"every answer was an error ({top})"
        elif plan.max_error_rate is not None and rate > plan.max_error_rate:
            message = f"errors {rate:.2%} > {plan.max_error_rate:.2%} ({top})"
        else:
            continue
        if _throttled_only(plan, run) is not None:
            continue  # a rate the service is not held to: the suite says why it is inconclusive
        findings.append(_finding(op, "error_rate", f"{s['mode']}: {message}"))
    return findings


def _operation(options: ScenarioOptions) -> str:
    mixed = "mixed: " + ",".join(options.operations)
    return options.scenario if options.scenario in OPERATIONS else mixed


def _finding(operation: str, check: str, message: str) -> Finding:
    api = api_of(operation) if operation in OPERATIONS else "match+jd"
    return Finding(suite="load", api=api, operation=operation, check=check, severity="high",
                   message=message)  # fmt: skip


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def open_model_measure(
    target_url: str,
    requests: Requests,
    *,
    out_dir: str | Path,
    step_s: float = 3.0,
    warmup_s: float = 1.0,
    timeout_s: float = 5.0,
    **options: Any,
) -> Callable[[float], StepResult]:
    """``measure(rate)`` for :func:`find_limit`: one open-model :func:`run_load` per step,
    judged on the whole seconds after the warm-up (connection set-up, a bucket's first burst)."""
    if step_s < 1 or warmup_s < 0:
        raise ValueError("step_s must be >= 1 and warmup_s >= 0")
    counter = itertools.count(1)

    def measure(rate: float) -> StepResult:
        duration = warmup_s + step_s + 1.0
        result = run_load(
            target_url, requests, rate=rate, duration_s=duration,
            max_requests=math.ceil(rate * duration) + 1,
            out_dir=Path(out_dir) / f"step-{next(counter):02d}-{rate:.1f}rps", timeout_s=timeout_s,
            **options,
        )  # fmt: skip
        return step_from_result(result, warmup_s=warmup_s, step_s=step_s)

    return measure


def step_from_result(result: LoadResult, *, warmup_s: float, step_s: float) -> StepResult:
    """Judge a run on whole seconds from ``warmup_s`` after its first send (exact HDR p99); the
    second half's success rate is the plateau (``tail_ok_rps``). A run that stopped early (an
    error-spike abort) is judged without its last second of sends, which the stop cut short."""
    start = result.summary.get("started_at_epoch")
    offset = float(start) - result.series[0].sec if (start is not None and result.series) else 0.0
    first = math.ceil(offset + warmup_s)
    last = first + math.floor(step_s)
    sending = [r.t for r in result.series if r.offered]
    if result.stop_reason != STOP_DURATION and sending:  # its last second of sends was cut short
        last = min(last, max(first + 1, sending[-1]))
    rows, end = result.window(first, last)
    tail_start = end - max(1, math.floor(step_s) // 2)
    tail, tail_end = result.window(tail_start, end)
    seconds = end - first
    window = SecondRow.total(map(vars, rows))
    completed, by_class = window.completed, window.by_class
    served = sum(by_class.get(k, 0) for k in (SUCCESS, BUSINESS_FAILURE, THROTTLED))
    latency = hdr.summarize_ms(hdr.merge([window.hist]))
    shed, qps = (
        _among(window.errors_by_code, shed_keys()),
        _among(window.errors_by_code, qps_keys()),
    )
    tail_row = SecondRow.total(map(vars, tail))
    tail_ok = tail_row.success / (tail_end - tail_start)
    mix_ok, mix_unrefused, mix_free = _mix_ok_rps(result.summary, tail_row, tail_end - tail_start)
    warm = SecondRow.total(vars(r) for r in result.series if r.t < first)
    warmup_throttled = warm.by_class.get(THROTTLED, 0) / warm.completed if warm.completed else None
    return StepResult(
        offered_rps=window.offered / seconds,
        achieved_rps=completed / seconds,
        ok_rps=by_class.get(SUCCESS, 0) / seconds,
        p99_ms=latency["p99"],
        error_rate=(completed - served) / completed if completed else 0.0,
        throttled_rate=by_class.get(THROTTLED, 0) / completed if completed else 0.0,
        completed=completed,
        dropped=window.dropped,
        tail_ok_rps=tail_ok,
        mix_ok_rps=mix_ok,
        mix_unrefused=mix_unrefused,
        mix_free=mix_free,
        shed_rate=shed / completed if completed else 0.0,
        window_s=float(seconds),
        p50_ms=latency["p50"],
        qps_rate=qps / completed if completed else 0.0,
        warmup_throttled=warmup_throttled,
        warmup_refused=warm.by_class.get(THROTTLED, 0),
        warmup_late=warm.late,
        warmup_late_s=warm.late_max_s,
        first_refused=rows[0].by_class.get(THROTTLED, 0) if rows else 0,
        refused_tail_s=_refused_tail(result),
        **_refused_whole(result),
        late=window.late,
        window_ok=tuple(r.success for r in rows),
        after_ok=tuple(r.success for r in result.series if r.t >= end),
        detail={
            "out_dir": str(result.out_dir),
            "window_s": [first, end],
            "by_class": by_class,
            "latency_ms": latency,
            "stop_reason": result.stop_reason,
            "run_completed": result.summary["totals"]["completed"],  # the whole run, warm-up too
            "run_codes": result.summary.get("codes", {}),
            "run_by_class": result.summary.get("by_class", {}),
            "retry_after_s": result.summary.get("retry_after_s"),
            "rate_limit_stated": result.summary.get("rate_limit_stated"),
        },
        run=result,
    )


def _refused_tail(result: LoadResult) -> int:
    """Whole seconds at the run's end (its last, cut one left out) whose every answer was
    throttled: a quota that ran out (``limit._quota``)."""
    refused = itertools.takewhile(
        lambda row: 0 < row.completed <= row.by_class.get(THROTTLED, 0),
        reversed(result.series[:-1]),
    )
    return sum(1 for _ in refused)


def _refused_whole(result: LoadResult) -> dict[str, Any]:
    """``StepResult``'s ``refused_whole_s``, ``served_around`` and ``refused_span`` (the seconds
    from the run's start at which the first began and the last ended): the run's whole seconds of
    :data:`QUOTA_MIN_ANSWERS` answers or more, every one throttled (its last second only when as
    full as the others: a cut one may miss a refill), and the successes before the first and
    after the last (no token bucket refuses a whole second: it serves its refill every second; a
    quota that ran out does, then serves its next window)."""
    rows = result.series
    full = sorted(row.completed for row in rows[:-1])
    usual = full[len(full) // 2] if full else 0
    whole = [i for i, row in enumerate(rows)
             if row.completed >= QUOTA_MIN_ANSWERS
             and row.by_class.get(THROTTLED, 0) == row.completed
             and (i < len(rows) - 1 or row.completed >= 0.9 * usual)]  # fmt: skip
    if not whole:
        return {}
    before = sum(row.success for row in rows[: whole[0]])
    after = sum(row.success for row in rows[whole[-1] + 1 :])
    return {"refused_whole_s": len(whole), "served_around": (before, after),
            "refused_span": (whole[0], whole[-1] + 1)}  # fmt: skip


def _mix_ok_rps(
    summary: Mapping[str, Any], tail: SecondRow, seconds: float
) -> tuple[float | None, tuple[str, ...], tuple[str, ...]]:
    """For a run of several APIs, each limited by its own credential (the token, the appkey):
    the mix's rate at which a refused API gets what it got in the tail, its sends there (its
    share of the run's) less its part of the tail's refusals, over that share. The mix's ok/s
    counts the API that was not refused too (a 20/s token beside a 12 ok/s JD share read
    33.4/s; the mix's limit is 26.7/s). None for one API, or without a refusal (by the run's
    load.json's ``by_name`` rows: Locust's error text was parsed before).

    A limit may hold one operation, not the credential (``/match/idno`` at 5/s): an operation of
    a refused API sent often enough to expect :data:`MIX_SURELY_REFUSED` refusals at the API's
    refused share, yet refused none, is under no limit of the others, so it is left out of the
    refused group's share (session 23: counted in, it read a mix whose idno share allows 30/s at
    37.7/s, "exact"). The operations refused none without that certainty are the second value:
    the search cannot tell their group (``limit.MIX_UNSURE``). The third value names those left
    out: one step is no proof (a fixed order of requests may meet a bucket's refill in step, so
    ``liveCode`` always found a token: a token of 20/s in ``match=1,matchIdno=1,liveCode=1,
    faceCompareNew=8`` read 40/s, not 60/s), ``find_limit`` asks a second refused step."""
    sent: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    ops: dict[str, Counter[str]] = {}  # an API's operations: sends, refusals
    unrefused: dict[str, list[tuple[str, int]]] = {}
    shedding = shed_keys()
    for name, row in (summary.get("by_name") or {}).items():
        api = api_of(str(name))
        n = sum(row.get("by_class", {}).values())
        off = row.get("by_class", {}).get(THROTTLED, 0)
        off += _among(row.get("errors_by_code", {}), shedding)
        sent[api] += n
        refused[api] += off
        ops.setdefault(api, Counter())[str(name)] += n
        if n and not off:
            unrefused.setdefault(api, []).append((str(name), n))
    refused = +refused
    if len(+sent) < 2 or not refused or seconds <= 0:
        return None, (), ()
    refused_there = tail.by_class.get(THROTTLED, 0) + _among(tail.errors_by_code, shed_keys())
    rates, unsure, left_out = [], list[str](), list[str]()
    for api in (a for a in refused if sent[a]):  # its tail ok/s, over its share of the mix
        ratio = refused[api] / sent[api]
        free = [(op, n) for op, n in unrefused.get(api, []) if n * ratio >= MIX_SURELY_REFUSED]
        unsure += [op for op, n in unrefused.get(api, []) if (op, n) not in free]
        left_out += [op for op, _ in free]
        share = (sent[api] - sum(n for _, n in free)) / sum(sent.values())
        ok = share * tail.completed - refused_there * refused[api] / sum(refused.values())
        rates.append(max(0.0, ok) / share / seconds)
    return min(rates, default=None), tuple(unsure), tuple(left_out)


MIX_SURELY_REFUSED = 5.0  # refusals expected of an operation at its API's share: none is no chance


COMPARED: tuple[tuple[str, str], ...] = (
    ("throughput_rps", "answers per second"),
    ("goodput_rps", "successful answers per second"),
    ("offered_rps", "offered requests per second"),
    ("error_rate", "non-success fraction"),
    ("latency_ms.p50", "p50 latency (ms)"),
    ("latency_ms.p90", "p90 latency (ms)"),
    ("latency_ms.p99", "p99 latency (ms)"),
    ("latency_ms.p999", "p99.9 latency (ms)"),
    ("latency_ms.max", "max latency (ms)"),
    ("latency_ms.measured_from", "latency measured from"),
    ("late_sends", "late sends"),
    ("dropped_sends", "dropped sends"),
    ("stop_reason", "stopped by"),
)


def side_by_side(*runs: Mapping[str, Any]) -> dict[str, Any]:
    """Runs side by side, a column per run by its mode (numbered if it repeats): never blended."""
    columns: list[str] = []
    for run in runs:
        n = sum(1 for c in columns if c == run["mode"] or c.startswith(run["mode"] + " #"))
        columns.append(run["mode"] if n == 0 else f"{run['mode']} #{n + 1}")

    def value(run: Any, key: str) -> Any:
        for part in key.split("."):
            run = run.get(part) if isinstance(run, Mapping) else None
        return run

    rows = [{"metric": key, "label": text} | {c: value(r, key) for c, r in zip(columns, runs)}
            for key, text in COMPARED]  # fmt: skip
    return {"columns": columns, "rows": rows}
