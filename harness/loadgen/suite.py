"""The load suite: a scenario against a target, as a run or a limit search, as a SuiteResult.

This is what ``faceharness load run``/``find-limit`` and the gate call. It opens the
target (the embedded emulator on loopback, or a URL: the only address contacted),
applies the live-target safety defaults (:mod:`harness.loadgen.safety`), hands the
credentials to the Locust processes through their environment (never the config file)
and shapes the numbers as ``summary.json``'s ``LoadMetrics``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from harness.errors import HarnessError, TargetError, UsageError
from harness.loadgen import safety
from harness.loadgen.classify import AUTH_ERROR, BUSINESS_FAILURE, SUCCESS
from harness.loadgen.compare import side_by_side
from harness.loadgen.limit import (
    LimitResult,
    StepResult,
    describe_limit,
    find_limit,
    search_higher,
)
from harness.loadgen.measure import open_model_measure
from harness.loadgen.result import LoadResult
from harness.loadgen.runner import LoadProgress, RemoteWorkers, run_load
from harness.loadgen.scenarios import OPERATIONS, ScenarioOptions
from harness.results import Finding, LoadMetrics, LoadSuiteResult, derive_status

LIMIT_JSON = "limit.json"
COMPARE_JSON = "compare.json"
ENGINES = ("fast", "dlib")
_LATENCY_KEYS = ("p50", "p90", "p99", "p999", "max")
SEARCH_MAX_RATE = 2000.0  # a search's default top when no ceiling applies

StepCallback = Callable[[int, float, StepResult | None], None]


@dataclass(frozen=True)
class EmulatorOptions:
    """How the embedded emulator behaves for the run (``--target emulator`` only)."""

    engine: str = "fast"
    qps: float | None = None  # per token / appkey throttle (JD 10043, MATCH 42900)
    latency: tuple[str, ...] = ()  # e.g. "fixed:50ms", "stall:1s/10s", "match=fixed:5ms"

    def settings(self) -> dict[str, Any]:
        from harness.emulator import parse_latency

        if self.engine not in ENGINES:
            raise UsageError(f"--engine {self.engine!r}: expected one of {', '.join(ENGINES)}")
        if self.qps is not None and not (math.isfinite(self.qps) and self.qps >= 0):
            raise UsageError(f"--qps must be a number >= 0 (0: off), got {self.qps}")
        latency: dict[str, str] = {}
        for spec in self.latency:
            op, _ = parse_latency(spec)
            latency[op or "default"] = spec.rpartition("=")[2] if op else spec
        return {
            "engine": self.engine,
            "throttle": None if self.qps is None else {"qps": self.qps},
            "latency": latency or None,
        }


@dataclass(frozen=True)
class LimitOptions:
    """Criteria and bounds of a limit search (defaults depend on the target)."""

    slo_p99_ms: float = 1000.0
    max_error_rate: float = 0.01
    max_throttled_rate: float | None = None
    start_rate: float | None = None  # emulator 10/s, live target 1/s
    max_rate: float | None = None  # emulator 2000/s, live target the safety ceiling
    step_s: float = 3.0
    warmup_s: float = 1.0
    resolution: float = 0.04
    max_steps: int = 16
    time_budget_s: float = 300.0
    required_rps: float | None = None  # a limit below this is a finding


@dataclass(frozen=True)
class LoadPlan:
    """One load command: what to send, where, how hard and for how long."""

    out_dir: Path
    target: str = "emulator"
    scenario: ScenarioOptions = field(default_factory=ScenarioOptions)
    users: int | None = None
    rate: float | None = None
    duration_s: float = 30.0
    workers: int = 0
    remote: RemoteWorkers | None = None  # workers on other machines the master waits for
    max_requests: int | None = None
    timeout_s: float = 10.0
    search: LimitOptions | None = None  # set: find the limit instead of one run
    emulator: EmulatorOptions | None = None
    config: Path | None = None  # TOML with [credentials]; env vars win
    allow_costly: bool = False
    abort_error_rate: float | None | Literal["auto"] = "auto"
    slo_p99_ms: float | None = None  # run mode: a p99 above this is a finding
    max_error_rate: float | None = None  # run mode: an error rate above this is a finding
    max_rps: float | None = None  # highest rate sent (0: unlimited; default: the target's ceiling)

    @property
    def is_emulator(self) -> bool:
        return self.target == "emulator"


@dataclass
class LoadOutcome:
    """The suite result plus the raw results the CLI prints from."""

    suite: LoadSuiteResult
    runs: list[LoadResult] = field(default_factory=list)
    limit: LimitResult | None = None
    secrets: list[str] = field(default_factory=list)


def run_load_suite(
    target: str = "emulator",
    *,
    out_dir: str | Path,
    scenario: str | ScenarioOptions = "match",
    progress: Callable[[LoadProgress], None] | None = None,
    on_step: StepCallback | None = None,
    **options: Any,
) -> LoadSuiteResult:
    """Run the load suite and return its ``SuiteResult`` (metrics shaped as ``LoadMetrics``).

    ``options`` are :class:`LoadPlan` fields: ``users``/``rate`` for a run (both: a
    closed- then an open-model run), or ``search=LimitOptions(...)`` for a limit search.

    Example:
        run_load_suite("emulator", out_dir="reports/x", scenario="mixed", rate=20,
                       duration_s=10, emulator=EmulatorOptions(qps=200))
    """
    opts = scenario if isinstance(scenario, ScenarioOptions) else ScenarioOptions(scenario=scenario)
    plan = LoadPlan(out_dir=Path(out_dir), target=target, scenario=opts, **options)
    return execute(plan, progress=progress, on_step=on_step).suite


def execute(
    plan: LoadPlan,
    *,
    progress: Callable[[LoadProgress], None] | None = None,
    on_step: StepCallback | None = None,
) -> LoadOutcome:
    """Validate ``plan`` (raising :class:`UsageError`), then run it; a failure while running
    becomes a suite with status ``error`` rather than an exception."""
    from harness.target import check_url, open_target

    if not plan.is_emulator:
        check_url(plan.target)
        if plan.emulator is not None:
            raise UsageError(
                "--engine, --qps and --latency shape the emulator; use --target emulator"
            )
    emulator_settings = (plan.emulator or EmulatorOptions()).settings() if plan.is_emulator else {}
    remote = plan.remote.count if plan.remote else 0
    if not (0 <= plan.workers and 0 <= remote and plan.workers + remote <= 16):
        raise UsageError(f"--workers plus --expect-workers must be in [0, 16], got "
                         f"{plan.workers} + {remote}")  # fmt: skip
    limits = _check(plan)
    env, secrets = _credentials(plan)
    scenario = replace(plan.scenario, demo_credentials=plan.is_emulator)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    outcome = LoadOutcome(suite=LoadSuiteResult(name="load", status="pass"), secrets=secrets)
    try:
        with open_target(plan.target, **emulator_settings) as tgt:
            if not plan.is_emulator:  # the target answers and accepts the credentials, or exit 2
                from harness.clients import load_credentials
                from harness.preflight import apis_of, preflight

                preflight(
                    tgt.url,
                    apis=apis_of(plan.scenario.operations),
                    credentials=load_credentials(plan.config),
                    timeout_s=plan.timeout_s,
                )
            if plan.search is not None:
                _search(
                    plan, plan.search, tgt.url, scenario, env, limits, outcome, progress, on_step
                )
            else:
                _runs(plan, tgt.url, scenario, env, limits, outcome, progress)
    except UsageError:
        raise
    except HarnessError as exc:
        outcome.suite = LoadSuiteResult(name="load", status="error", error=str(exc),
                                        metrics=outcome.suite.metrics)  # fmt: skip
    outcome.suite = outcome.suite.model_copy(
        update={"started_at": started, "finished_at": datetime.now(UTC),
                "duration_s": round(time.monotonic() - t0, 3), "seed": plan.scenario.seed}
    )  # fmt: skip
    return outcome


# -- checks and credentials --------------------------------------------------------------------


def _check(plan: LoadPlan) -> safety.Limits:
    auto = plan.abort_error_rate == "auto"
    abort = None if plan.abort_error_rate == "auto" else plan.abort_error_rate
    if plan.search is None:
        if plan.duration_s <= 0:
            raise UsageError(f"--duration must be > 0, got {plan.duration_s}")
        safety.check_criteria(plan.slo_p99_ms, plan.max_error_rate)
        return safety.check_run(
            is_emulator=plan.is_emulator, users=plan.users, rate=plan.rate,
            max_requests=plan.max_requests, abort_error_rate=abort, abort_default=auto,
            allow_costly=plan.allow_costly, max_rps=plan.max_rps,
        )  # fmt: skip
    if plan.users is not None or plan.rate is not None:
        raise UsageError("find-limit chooses the rates itself; drop --users/--rate")
    s = plan.search
    safety.check_criteria(s.slo_p99_ms, s.max_error_rate)
    if s.required_rps is not None and not (math.isfinite(s.required_rps) and s.required_rps > 0):
        raise UsageError(f"--required-rps {s.required_rps:g}: expected a positive rate")
    safety.check_rate_ceiling(
        s.max_rate, "--max-rate", is_emulator=plan.is_emulator, allow_costly=plan.allow_costly,
        max_rps=plan.max_rps,
    )  # fmt: skip
    start, top = _search_rates(plan, s)
    if not (0 < start <= top):
        raise UsageError(f"need 0 < --start-rate ({start:g}) <= --max-rate ({top:g})")
    return safety.check_run(
        is_emulator=plan.is_emulator, users=None, rate=top, max_requests=plan.max_requests,
        abort_error_rate=abort, abort_default=auto, allow_costly=True,
    )  # fmt: skip


def _search_rates(plan: LoadPlan, s: LimitOptions) -> tuple[float, float]:
    """First and highest rate of a search: the ceiling (live 20/s, lifted by
    ``--allow-costly-load`` or ``--max-rps 0``) is the default top, else 2000/s."""
    ceiling = safety.rate_ceiling(
        is_emulator=plan.is_emulator, allow_costly=plan.allow_costly, max_rps=plan.max_rps
    )
    top = s.max_rate or (SEARCH_MAX_RATE if ceiling is None else ceiling)
    return s.start_rate or min(10.0 if plan.is_emulator else 1.0, top), top


def unjudgeable(target: str, completed: int, codes: Mapping[str, int],
                by_class: Mapping[str, int]) -> str | None:  # fmt: skip
    """Why answers like these cannot judge the service (None: they can).

    No connection that reached the service at all (refused, reset, closed before an answer) is an
    unreachable target; requests that reached it and ran out of time are its answer (a measured
    failure, judged by the run). HTTP answers that all refused the credentials or the account
    say nothing about the service's load.
    """
    top = ", ".join(f"{c} x{n}" for c, n in list(codes.items())[:3]) or "no answer"
    http = completed - sum(n for c, n in codes.items() if c.startswith("EXC "))
    if http + codes.get("EXC timeout", 0) <= 0:
        return (
            f"could not run: {target} unreachable (no HTTP answer to {completed} requests: {top})"
        )
    if http > 0 and by_class.get(AUTH_ERROR, 0) >= http:
        return f"could not run: {target} refused the credentials or the account ({top})"
    return None


def _credentials(plan: LoadPlan) -> tuple[dict[str, str], list[str]]:
    """Variables for the Locust processes, and the values every report must redact.

    The emulator accepts the demo credentials (and any set in the environment, which the
    Locust processes inherit anyway); a live target gets environment or config-file values.
    """
    from harness.clients import load_credentials

    secrets = load_credentials(plan.config, demo_defaults=plan.is_emulator).secrets()
    return ({} if plan.is_emulator else credential_env(plan.config, demo=False)), secrets


def credential_env(config: Path | None, *, demo: bool) -> dict[str, str]:
    """The credentials (environment, else ``config``) as variables for Locust processes."""
    from harness.clients import ENV_JD_APPKEY, ENV_JD_SECRETKEY, ENV_TOKEN, load_credentials

    creds = load_credentials(config, demo_defaults=demo)
    values = ((ENV_TOKEN, creds.token), (ENV_JD_APPKEY, creds.jd_appkey),
              (ENV_JD_SECRETKEY, creds.jd_secretkey))  # fmt: skip
    return {name: value for name, value in values if value}


# -- the two kinds of command ----------------------------------------------------------------


def _runs(
    plan: LoadPlan,
    url: str,
    scenario: ScenarioOptions,
    env: Mapping[str, str],
    limits: safety.Limits,
    outcome: LoadOutcome,
    progress: Callable[[LoadProgress], None] | None,
) -> None:
    both = plan.users is not None and plan.rate is not None
    models: list[tuple[str, dict[str, Any]]] = []
    if plan.users is not None:
        models.append(("closed-model", {"users": plan.users}))
    if plan.rate is not None:
        models.append(("open-model", {"rate": plan.rate}))
    budget = limits.max_requests  # for the whole command, both runs together
    for label, load in models:
        if budget is not None and budget < 1:
            break
        result = run_load(
            url, scenario, **load, duration_s=plan.duration_s,
            max_requests=budget, workers=plan.workers, remote=plan.remote,
            out_dir=plan.out_dir / label if both else plan.out_dir, progress_callback=progress,
            timeout_s=plan.timeout_s, abort_error_rate=limits.abort_error_rate, env=env,
        )  # fmt: skip
        outcome.runs.append(result)
        _judgeable(plan, result)
        if budget is not None:
            budget -= int(result.summary["totals"]["sent"])
        if result.stop_reason == "aborted":
            break  # an error spike: do not start the second model against the same trouble
    primary = outcome.runs[-1]  # the open-model run when both ran: it does not hide queueing
    metrics = run_metrics(primary)
    if both and len(outcome.runs) == 1:
        why = "aborted" if primary.stop_reason == "aborted" else "used up the request budget"
        metrics["notes"] = [f"the closed-model run {why}; the open-model run was skipped"]
    if len(outcome.runs) == 2:
        metrics["closed_model"] = {k: v for k, v in run_metrics(outcome.runs[0]).items()
                                   if k not in ("series", "hdr")}  # fmt: skip
        comparison = side_by_side(*outcome.runs)
        metrics["comparison"] = comparison
        _write_json(plan.out_dir / COMPARE_JSON, comparison)
    findings = _slo_findings(plan, outcome.runs)
    metrics["slo_p99_ms"] = plan.slo_p99_ms
    metrics["slo_error_rate"] = plan.max_error_rate
    outcome.suite = _suite(findings, metrics)


def _search(
    plan: LoadPlan,
    s: LimitOptions,
    url: str,
    scenario: ScenarioOptions,
    env: Mapping[str, str],
    limits: safety.Limits,
    outcome: LoadOutcome,
    progress: Callable[[LoadProgress], None] | None,
    on_step: StepCallback | None,
) -> None:
    start, top = _search_rates(plan, s)
    measure = open_model_measure(
        url, scenario, out_dir=plan.out_dir, step_s=s.step_s, warmup_s=s.warmup_s,
        workers=plan.workers, remote=plan.remote, timeout_s=plan.timeout_s,
        progress_callback=progress, env=env, abort_error_rate=limits.abort_error_rate,
    )  # fmt: skip
    used = 0
    steps = 0
    judged: list[float] = []  # rates whose answers could judge the service

    def planned(rate: float) -> int:
        return math.ceil(rate * (s.warmup_s + s.step_s + 1.0)) + 1

    def precheck(rate: float) -> str | None:
        if limits.max_requests is not None and used + planned(rate) > limits.max_requests:
            return (
                f"request budget: {used} of {limits.max_requests} used, next step needs "
                f"{planned(rate)}"
            )
        return None

    def step(rate: float) -> StepResult:
        nonlocal used, steps
        steps += 1
        if on_step is not None:
            on_step(steps, rate, None)
        result = measure(rate)
        used += planned(rate)
        if on_step is not None:
            on_step(steps, rate, result)
        run = result.detail
        reason = unjudgeable(plan.target, run.get("run_completed", result.completed),
                             run.get("run_codes", {}), run.get("run_by_class", {}))  # fmt: skip
        if reason is None:
            judged.append(rate)
        elif not judged:  # nothing can judge the service: stop now, not at 1/16 of the rate
            raise TargetError(f"{reason}; step {steps} at {rate:g}/s")
        return result

    found = find_limit(
        step, start_rate=start, max_rate=top, slo_p99_ms=s.slo_p99_ms,
        max_error_rate=s.max_error_rate, max_throttled_rate=s.max_throttled_rate,
        resolution=s.resolution, max_steps=s.max_steps, time_budget_s=s.time_budget_s,
        precheck=precheck,
    )  # fmt: skip
    outcome.limit = found
    _write_json(plan.out_dir / LIMIT_JSON, found.to_dict())
    metrics = limit_metrics(found)
    best = _limit_step_run(found)
    if best is not None:
        outcome.runs.append(best)
        metrics = {**run_metrics(best), **metrics}
    metrics["requests_budget"] = limits.max_requests
    metrics["requests_planned"] = used
    findings: list[Finding] = []
    op = _operation(plan.scenario)
    if found.bound is None:
        raise HarnessError(f"the limit search ran no step: {found.stopped_by}")
    if found.bound == "upper":
        findings.append(_finding(op, "qps_limit", f"no rate from {start:g}/s to {top:g}/s met the "
                                 f"criteria (p99 <= {s.slo_p99_ms:g} ms, errors <= "
                                     f"{s.max_error_rate:.1%}); "
                                 f"stopped by {found.stopped_by}"))  # fmt: skip
    elif s.required_rps is not None and (found.limit_rps or 0.0) < s.required_rps:
        shown = describe_limit(found.limit_rps, found.bound, found.stopped_by)
        if found.bound == "exact":
            findings.append(_finding(op, "qps_limit", f"sustainable rate {shown} is below the "
                                     f"required {s.required_rps:g}/s"))  # fmt: skip
        else:  # the search stopped below the requirement without failing: not a measurement
            metrics["inconclusive"] = (
                f"the limit is {shown}: the required {s.required_rps:g}/s was not tried; "
                f"to search higher, {search_higher(found.stopped_by)}"
            )
    outcome.suite = _suite(findings, metrics)


# -- metrics -----------------------------------------------------------------------------------


def run_metrics(result: LoadResult) -> dict[str, Any]:
    """One run's ``load.json`` as ``LoadMetrics`` fields (extra keys are kept)."""
    s = result.summary
    return {
        "mode": s["mode"],
        "latency_ms": {k: s["latency_ms"][k] for k in _LATENCY_KEYS}
        | {"measured_from": s["latency_ms"]["measured_from"]},
        "service_ms": {k: s["service_ms"][k] for k in _LATENCY_KEYS},
        "throughput_rps": s["throughput_rps"],
        "goodput_rps": s["goodput_rps"],
        "offered_rps": s["offered_rps"],
        "requests": s["totals"]["completed"],
        "duration_s": s["elapsed_s"],
        "error_rate": s["error_rate"],
        "by_class": s["by_class"],
        "errors_by_code": s["errors_by_code"],
        "stop_reason": s["stop_reason"],
        "abort_reason": s["abort_reason"],
        "series": [_point(row) for row in s["series"]],
        "hdr": _percentiles((s.get("hdr") or {}).get("latency")),
        "out_dir": str(result.out_dir),
    }


_RENAMED = {"offered_rps": "offered", "achieved_rps": "achieved", "p50_ms": "p50", "p99_ms": "p99"}
HDR_PERCENTILES = (0.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999, 100.0)


def _point(row: Mapping[str, Any]) -> dict[str, Any]:
    """A second of ``load.json``'s series as ``summary.json``'s ``SeriesPoint``."""
    point = {_RENAMED.get(key, key): value for key, value in row.items()}
    point["errors"] = sum(row["errors_by_class"].values())
    return point


def _percentiles(encoded: str | None) -> list[tuple[float, float]]:
    """The run's latency distribution as ``[percentile, ms]`` pairs (reports show these; the
    histogram itself stays in the run's ``load.hlog``)."""
    from harness.loadgen import hdr

    hist = hdr.decode(encoded) if encoded else None
    if hist is None or hist.get_total_count() == 0:
        return []
    values = hist.get_percentile_to_value_dict(list(HDR_PERCENTILES))
    return [(p, round(float(values[p]) * 1e-3, 3)) for p in HDR_PERCENTILES]  # us -> ms


def limit_metrics(found: LimitResult) -> dict[str, Any]:
    """A limit search as ``LoadMetrics`` fields: the limit and its evidence steps."""
    return {
        "qps_limit": found.reported_rps,
        "qps_limit_bound": found.bound,
        "knee_rps": found.knee_rps,
        "plateau_rps": found.plateau_rps,
        "saturation_rps": found.saturation_rps,
        "first_bad_rps": found.first_bad_rps,
        "converged": found.converged,
        "stopped_by": found.stopped_by,
        "notes": list(found.notes),
        "criteria": dict(found.criteria),
        "search_elapsed_s": round(found.elapsed_s, 3),
        "slo_p99_ms": found.criteria["slo_p99_ms"],
        "slo_error_rate": found.criteria["max_error_rate"],
        "limit_search": [
            {
                "offered": round(st.rate, 3),
                "achieved": round(st.result.achieved_rps, 3),
                "p99": st.result.p99_ms,
                "error_rate": round(min(1.0, st.result.error_rate + st.result.throttled_rate), 6),
                "ok": st.good,
                "ok_rps": round(st.result.ok_rps, 3),
                "throttled_rate": round(st.result.throttled_rate, 6),
                "phase": st.phase,
                "reasons": list(st.reasons),
            }
            for st in found.steps
        ],
    }


def _limit_step_run(found: LimitResult) -> LoadResult | None:
    """The run of the highest good step at or below the limit (its latency is the limit's)."""
    if found.limit_rps is None:
        return None
    good = [s for s in found.steps if s.good and s.rate <= found.limit_rps * (1 + 1e-9)]
    if not good:
        return None
    out = Path(str(max(good, key=lambda s: s.rate).result.detail.get("out_dir", "")))
    try:
        summary = json.loads((out / "load.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return LoadResult(mode=summary["mode"], summary=summary, series=[], out_dir=out)


def _suite(findings: list[Finding], metrics: dict[str, Any]) -> LoadSuiteResult:
    """A search that stopped below the requirement without failing (``metrics["inconclusive"]``)
    is an inconclusive suite, never a pass."""
    status = derive_status(findings)
    why = metrics.get("inconclusive")
    inconclusive = status == "pass" and bool(why)
    return LoadSuiteResult(
        name="load",
        status="inconclusive" if inconclusive else status,
        reason=why if inconclusive else None,
        testable_when="the search reaches the required rate (raise --max-rate, or "
        "--allow-costly-load "
        "on a live target)"
        if inconclusive
        else None,
        findings=findings,
        metrics=LoadMetrics.model_validate(metrics),
    )


def _judgeable(plan: LoadPlan, result: LoadResult) -> None:
    """Raise "could not run" when a run's answers cannot judge the service (:func:`unjudgeable`),
    or when the harness itself aborted the run."""
    s = result.summary
    reason = unjudgeable(plan.target, s["totals"]["completed"], s["codes"], s["by_class"])
    if reason is not None:
        raise TargetError(reason)
    abort = s.get("abort_reason") or ""
    if result.stop_reason == "aborted" and not abort.startswith("error spike"):
        raise HarnessError(f"{s['mode']}: aborted: {abort}")


def _slo_findings(plan: LoadPlan, runs: list[LoadResult]) -> list[Finding]:
    """SLO breaches, and the run's own failures: an aborted run (error spike), a run whose
    answers were all errors, or above ``--max-error-rate``; one finding per run and kind."""
    findings: list[Finding] = []
    op = _operation(plan.scenario)
    for run in runs:
        s = run.summary
        p99 = s["latency_ms"]["p99"]
        if plan.slo_p99_ms is not None and (p99 is None or p99 > plan.slo_p99_ms):
            findings.append(
                _finding(op, "slo_p99", f"{s['mode']}: p99 {p99} ms > SLO {plan.slo_p99_ms:g} ms")
            )
        completed = s["totals"]["completed"]
        served = s["by_class"].get(SUCCESS, 0) + s["by_class"].get(BUSINESS_FAILURE, 0)
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
        findings.append(_finding(op, "error_rate", f"{s['mode']}: {message}"))
    return findings


def _operation(options: ScenarioOptions) -> str:
    return (
        options.scenario
        if options.scenario in OPERATIONS
        else "mixed: " + ",".join(options.operations)
    )


def _finding(operation: str, check: str, message: str) -> Finding:
    api = "match" if operation in ("match", "matchIdno", "liveCode") else (
        "jd" if operation == "faceCompareNew" else "match+jd")  # fmt: skip
    return Finding(suite="load", api=api, operation=operation, check=check, severity="high",
                   message=message)  # fmt: skip


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
