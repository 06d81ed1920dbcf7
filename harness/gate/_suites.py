"""One adapter per suite: a profile's settings in, that suite's runner called, a SuiteResult out.

The runners live in their own packages and are imported lazily, when their stage starts,
so a gate that does not run a suite never pays for (or breaks on) its imports. Only the
keyword arguments a runner declares are passed (see :func:`_call`), so an optional
setting such as a request timeout reaches the runners that accept it.

Targets: conformance and fuzz share the gate's target (for ``--target emulator`` the
gate's own emulator). Load and accuracy open the
embedded emulator themselves when the target is the emulator, because they need other
settings (a throttle so the limit search ends fast; the dlib engine); the gate forwards
its emulator settings (faults, latency, breaks, throttle) to them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.clients import Credentials
from harness.gate._policy import Policy
from harness.gate._profiles import Profile
from harness.results import (
    AccuracySuiteResult,
    ConformanceSuiteResult,
    FuzzSuiteResult,
    LoadMetrics,
    LoadSuiteResult,
    SuiteName,
    SuiteResult,
    derive_status,
)

STAGE_SHARE = 0.8  # of a stage's time limit, for runners that stop themselves in time

Progress = Callable[[float, float | None, str], None]
"""``(done, total, text)``: how far a stage is; ``total`` None when unknown."""


@dataclass(frozen=True)
class SuiteContext:
    """Everything a stage needs; built once by the gate, read by every adapter."""

    target: str  # "emulator" or the URL as given
    target_url: str  # the base URL conformance and fuzz send to
    is_emulator: bool
    credentials: Credentials = field(repr=False)
    out_dir: Path
    profile: Profile
    policy: Policy
    faces: Path | None = None
    config: Path | None = None
    emulator: dict[str, Any] = field(default_factory=dict)  # settings to forward
    progress: Progress = lambda done, total, text: None

    def suite_dir(self, name: str) -> Path:
        path = self.out_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path


def run_conformance_stage(ctx: SuiteContext) -> SuiteResult:
    from harness.config import read_config
    from harness.conformance import run_conformance

    p = ctx.profile
    settings = read_config(ctx.config).conformance if not ctx.is_emulator else None
    result = _call(
        run_conformance,
        ctx.target_url,
        is_emulator=ctx.is_emulator,
        api="all",
        examples=p.conformance_examples,
        seed=p.seed,
        max_rps=p.max_rps,
        max_requests=_budget(ctx),
        faces_dir=ctx.faces,
        credentials=ctx.credentials,
        out_dir=ctx.suite_dir("conformance"),
        progress=_tolerant(ctx.progress),
        timeout_s=p.request_timeout_s,
        request_timeout_s=p.request_timeout_s,
        settings=settings,
        emulator_breaks=tuple(ctx.emulator.get("breaks") or ()),
        max_seconds=STAGE_SHARE * p.stage_timeout_s,
        required_readings=dict(ctx.policy.readings),
    )
    return ConformanceSuiteResult.model_validate(_as_dict(result, "conformance"))


def run_fuzz_stage(ctx: SuiteContext) -> SuiteResult:
    from harness.fuzz import run_fuzz

    p = ctx.profile
    result = _call(
        run_fuzz,
        ctx.target_url,
        is_emulator=ctx.is_emulator,
        api="all",
        max_examples=p.fuzz_examples,
        seed=p.seed,
        max_rps=p.max_rps,
        max_requests=_budget(ctx),
        faces_dir=ctx.faces,
        credentials=ctx.credentials,
        out_dir=ctx.suite_dir("fuzz"),
        progress=_tolerant(ctx.progress),
        timeout_s=p.request_timeout_s,
        request_timeout_s=p.request_timeout_s,
        breaks=tuple(ctx.emulator.get("breaks") or ()),
        max_seconds=STAGE_SHARE * p.stage_timeout_s,
        required_readings=dict(ctx.policy.readings),
    )
    return FuzzSuiteResult.model_validate(_as_dict(result, "fuzz"))


def run_accuracy_stage(ctx: SuiteContext) -> SuiteResult:
    from harness.accuracy import DEFAULT, run_accuracy_suite

    p = ctx.profile

    def on_progress(api: str, done: int, total: int) -> None:
        ctx.progress(done, total, f"{api} pairs")

    result = run_accuracy_suite(
        out=ctx.suite_dir("accuracy"),
        target=ctx.target,
        faces=ctx.faces,
        apis=p.accuracy_apis,
        max_pairs=p.accuracy_max_pairs,
        seed=p.seed,
        config=ctx.config,
        engine=p.accuracy_engine if ctx.is_emulator else None,
        max_rps=p.max_rps if ctx.is_emulator else (p.max_rps or DEFAULT),
        max_requests=None if ctx.is_emulator else (p.url_max_requests or DEFAULT),
        on_progress=on_progress,
        request_timeout_s=p.request_timeout_s,
        max_seconds=STAGE_SHARE * p.stage_timeout_s,
    )
    return AccuracySuiteResult.model_validate(_as_dict(result, "accuracy"))


def run_load_stage(ctx: SuiteContext) -> SuiteResult:
    """An open-model run at the policy's (or profile's) rate, then a limit search if due."""
    from harness.loadgen import safety
    from harness.loadgen.suite import LimitOptions, run_load_suite

    p, rules = ctx.profile, ctx.policy.load
    rate = rules.p99_at_rps or p.load_rate_rps
    notes: list[str] = []
    if not ctx.is_emulator and rate > safety.URL_MAX_RATE:
        notes.append(f"run rate capped at the live-target ceiling {safety.URL_MAX_RATE:g}/s")
        rate = safety.URL_MAX_RATE
    common: dict[str, Any] = {"timeout_s": p.request_timeout_s}
    if ctx.is_emulator:
        common["emulator"] = _emulator_options(ctx, p.engine, qps=ctx.emulator.get("qps"))
    else:
        common["config"] = ctx.config
        common["max_requests"] = p.url_max_requests
    run = run_load_suite(
        ctx.target,
        out_dir=ctx.suite_dir("load") / "run",
        scenario=p.load_scenario,
        rate=rate,
        duration_s=p.load_duration_s,
        slo_p99_ms=p.load_slo_p99_ms,
        max_error_rate=p.load_max_error_rate,
        progress=_load_progress(ctx, "run", p.load_duration_s),
        **common,
    )
    search = None
    if _search_due(ctx):
        start, top = _search_range(ctx)
        if ctx.is_emulator:
            qps = ctx.emulator.get("qps") or p.limit_emulator_qps
            common["emulator"] = _emulator_options(ctx, p.engine, qps=qps)

        def on_step(step: int, offered: float, result: Any) -> None:
            ctx.progress(step, p.limit_max_steps, f"limit search: step {step} at {offered:.0f}/s")

        search = run_load_suite(
            ctx.target,
            out_dir=ctx.suite_dir("load") / "limit",
            scenario=p.limit_scenario,
            search=LimitOptions(
                slo_p99_ms=p.load_slo_p99_ms,
                max_error_rate=p.load_max_error_rate,
                start_rate=start,
                max_rate=top,
                step_s=p.limit_step_s,
                warmup_s=p.limit_warmup_s,
                max_steps=p.limit_max_steps,
                time_budget_s=p.limit_time_budget_s,
            ),
            on_step=on_step,
            **common,
        )
    return merge_load(run, search, notes)


STAGES: dict[SuiteName, Callable[[SuiteContext], SuiteResult]] = {
    "conformance": run_conformance_stage,
    "fuzz": run_fuzz_stage,
    "load": run_load_stage,
    "accuracy": run_accuracy_stage,
}
"""The stage of each suite, in the order the gate runs them."""


# --------------------------------------------------------------------------- load helpers


def merge_load(
    run: SuiteResult, search: SuiteResult | None, notes: list[str] | None = None
) -> LoadSuiteResult:
    """One load result from the run (latency, series) and the search (limit, evidence)."""
    parts = [r for r in (run, search) if r is not None]
    findings = [f for r in parts for f in r.findings]
    errors = [
        f"{label}: {r.error}"
        for label, r in (("run", run), ("limit search", search))
        if r is not None and r.status == "error"
    ]
    metrics: dict[str, Any] = _dump(run.metrics)
    if search is not None:
        found = _dump(search.metrics)
        keep = (
            "qps_limit",
            "qps_limit_bound",
            "inconclusive",
            "limit_search",
            "knee_rps",
            "plateau_rps",
            "saturation_rps",
            "first_bad_rps",
            "converged",
            "stopped_by",
            "criteria",
            "search_elapsed_s",
            "requests_budget",
            "requests_planned",
        )
        metrics.update({k: found[k] for k in keep if k in found})
        metrics["limit_notes"] = found.get("notes", [])
        metrics["limit_errors_by_code"] = found.get("errors_by_code", {})
        if found.get("latency_ms"):
            metrics["limit_latency_ms"] = found["latency_ms"]
    if notes:
        metrics["notes"] = [*metrics.get("notes", []), *notes]
    error = "; ".join(errors) or None
    return LoadSuiteResult(
        name="load",
        status=derive_status(findings, error),
        findings=findings,
        error=error,
        metrics=LoadMetrics.model_validate(metrics) if metrics else None,
        started_at=run.started_at,
        finished_at=(search or run).finished_at,
        duration_s=sum(r.duration_s or 0.0 for r in parts) or None,
        seed=run.seed,
    )


def _search_due(ctx: SuiteContext) -> bool:
    mode = ctx.profile.limit_search
    if mode != "auto":
        return mode == "always"
    return ctx.is_emulator or ctx.policy.load.min_qps_limit is not None


def _search_range(ctx: SuiteContext) -> tuple[float | None, float | None]:
    from harness.loadgen import safety

    p = ctx.profile
    if ctx.is_emulator:
        return p.limit_start_rps, p.limit_max_rps
    top = min(p.limit_max_rps or safety.URL_MAX_RATE, safety.URL_MAX_RATE)
    return min(1.0, top), top  # a live service is approached from 1/s, whatever the profile


def _emulator_options(ctx: SuiteContext, engine: str, *, qps: float | None) -> Any:
    """The load suite's emulator options, carrying the gate's faults and breaks too."""
    from harness.loadgen.suite import EmulatorOptions

    forwarded = {k: tuple(v) for k, v in ctx.emulator.items() if k in ("faults", "breaks") and v}

    @dataclass(frozen=True)
    class _Forwarded(EmulatorOptions):
        def settings(self) -> dict[str, Any]:
            return {**super().settings(), **forwarded}

    latency = tuple(
        spec if op == "default" else f"{op}={spec}"
        for op, spec in (ctx.emulator.get("latency") or {}).items()
    )
    return _Forwarded(engine=engine, qps=qps, latency=latency)


def _load_progress(ctx: SuiteContext, label: str, duration_s: float) -> Callable[[Any], None]:
    def report(update: Any) -> None:
        elapsed = float(getattr(update, "elapsed_s", 0.0) or 0.0)
        rps = getattr(update, "last_second_rps", None)
        text = f"{label}: {getattr(update, 'completed', 0)} requests" + (
            f", {rps:.0f}/s" if isinstance(rps, (int, float)) else ""
        )
        ctx.progress(min(elapsed, duration_s), duration_s, text)

    return report


# --------------------------------------------------------------------------- generic helpers


def _budget(ctx: SuiteContext) -> int | None:
    """Requests a suite may send: the profile's cap for the emulator; for a live target the
    profile's ``url_max_requests``, else None so each suite applies its own live default."""
    return ctx.profile.max_requests if ctx.is_emulator else ctx.profile.url_max_requests


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with the keyword arguments it declares (all of them if it takes ``**kw``)."""
    params = inspect.signature(fn).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(*args, **kwargs)


def _tolerant(progress: Progress) -> Callable[..., None]:
    """A progress callback accepting ``(done, total[, text])``, ``(text[, done, total])``,
    or one object with ``done``/``completed`` and ``total`` attributes."""

    def callback(*args: Any, **kwargs: Any) -> None:
        if len(args) == 1 and not isinstance(args[0], (int, float, str)):
            obj = args[0]
            done = getattr(obj, "done", None) or getattr(obj, "completed", 0) or 0
            total = getattr(obj, "total", None)
            text = str(getattr(obj, "text", "") or getattr(obj, "description", "") or "")
        elif args and isinstance(args[0], str):
            text = args[0]
            done = args[1] if len(args) > 1 else kwargs.get("done", 0)
            total = args[2] if len(args) > 2 else kwargs.get("total")
        else:
            done = args[0] if args else kwargs.get("done", 0)
            total = args[1] if len(args) > 1 else kwargs.get("total")
            text = str(args[2]) if len(args) > 2 else str(kwargs.get("text", "") or "")
        try:
            progress(float(done), None if total is None else float(total), text)
        except (TypeError, ValueError):
            progress(0.0, None, text)

    return callback


def _as_dict(result: Any, name: str) -> dict[str, Any]:
    if isinstance(result, SuiteResult):
        data: dict[str, Any] = result.model_dump()
    elif isinstance(result, dict):
        data = dict(result)
    else:
        raise TypeError(f"the {name} runner returned {type(result).__name__}, not a SuiteResult")
    data["name"] = name
    if data.get("metrics") is None and name in ("conformance", "fuzz"):
        data.pop("metrics", None)
    return data


def _dump(metrics: Any) -> dict[str, Any]:
    if metrics is None:
        return {}
    if hasattr(metrics, "model_dump"):
        dumped: dict[str, Any] = metrics.model_dump()
        return dumped
    return dict(metrics)
