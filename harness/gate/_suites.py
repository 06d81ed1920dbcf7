"""The gate's suites, built from a profile and a policy; the gate runs each as ``suite.run(ctx)``.

The suite packages are imported when a suite is built for a selected stage, so a gate that
does not run a suite never pays for (or breaks on) its imports.

Targets: conformance and fuzz share the gate's target (for ``--target emulator`` the gate's
own emulator). Load and accuracy open the embedded emulator themselves when the target is
the emulator, because they need other settings (a throttle so the limit search ends fast;
the dlib engine); load gets the gate's faults, breaks and latency too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from harness.gate._policy import Policy
from harness.gate._profiles import Profile
from harness.results import LoadMetrics, LoadSuiteResult, SuiteName, SuiteResult, derive_status
from harness.suite import Progress, RunContext, Suite

STAGE_SHARE = 0.8  # of a stage's time limit, for suites that stop themselves in time


def build_suites(
    names: tuple[SuiteName, ...],
    profile: Profile,
    policy: Policy,
    *,
    is_emulator: bool,
    config: Path | None,
) -> list[Suite]:
    """The selected suites with the profile's options, in the order the gate runs them."""
    p = profile
    suites: list[Suite] = []
    for name in names:
        if name == "conformance":
            from harness.config import read_config
            from harness.conformance import ConformanceSuite

            settings = None if is_emulator else read_config(config).conformance
            suites.append(ConformanceSuite(examples=p.conformance_examples, settings=settings))
        elif name == "fuzz":
            from harness.fuzz import FuzzSuite

            suites.append(FuzzSuite(max_examples=p.fuzz_examples))
        elif name == "load":
            suites.append(LoadStage(p, policy))
        else:
            from harness.accuracy import AccuracySuite

            engine = p.accuracy_engine if is_emulator else None
            suites.append(
                AccuracySuite(apis=p.accuracy_apis, max_pairs=p.accuracy_max_pairs, engine=engine)
            )
    return suites


def suite_context(ctx: RunContext, name: SuiteName, profile: Profile) -> RunContext:
    """``ctx`` for one suite: its own folder, and its request budget (on the emulator the
    profile caps conformance and fuzz; load and accuracy are bounded by their duration, steps
    and pairs there)."""
    folder = ctx.out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    if ctx.is_emulator:
        cap = profile.max_requests if name in ("conformance", "fuzz") else None
    else:
        cap = profile.url_max_requests
    return replace(ctx, out_dir=folder, max_requests=cap)


@dataclass(frozen=True)
class LoadStage:
    """The gate's load suite: an open-model run at the policy's (or profile's) rate, then a
    limit search when due, as one result."""

    profile: Profile
    policy: Policy
    name: Literal["load"] = field(default="load", init=False)

    def run(self, ctx: RunContext) -> SuiteResult:
        from harness.loadgen import safety
        from harness.loadgen.scenarios import ScenarioOptions
        from harness.loadgen.suite import LimitOptions, LoadSuite

        p = self.profile
        rate = self.policy.load.p99_at_rps or p.load_rate_rps
        notes: list[str] = []
        ceiling = safety.rate_ceiling(
            is_emulator=ctx.is_emulator, allow_costly=False, max_rps=ctx.max_rps
        )
        if ceiling is not None and rate > ceiling:
            which = "live-target" if ctx.max_rps is None else "max_rps"
            notes.append(f"run rate capped at the {which} ceiling {ceiling:g}/s")
            rate = ceiling
        run = LoadSuite(
            scenario=ScenarioOptions(p.load_scenario),
            rate=rate,
            duration_s=p.load_duration_s,
            slo_p99_ms=p.load_slo_p99_ms,
            max_error_rate=p.load_max_error_rate,
            emulator=_emulator_options(ctx, p.engine, qps=ctx.emulator.get("qps")),
        ).run(replace(ctx, out_dir=ctx.out_dir / "run"))
        if not self._search_due(ctx):
            return merge_load(run, None, notes)
        start, top = self._search_range(ctx, ceiling)
        qps = ctx.emulator.get("qps") or p.limit_emulator_qps
        search = LoadSuite(
            scenario=ScenarioOptions(p.limit_scenario),
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
            emulator=_emulator_options(ctx, p.engine, qps=qps),
        ).run(replace(ctx, out_dir=ctx.out_dir / "limit", progress=_prefixed(ctx.progress)))
        return merge_load(run, search, notes)

    def _search_due(self, ctx: RunContext) -> bool:
        mode = self.profile.limit_search
        if mode != "auto":
            return mode == "always"
        return ctx.is_emulator or self.policy.load.min_qps_limit is not None

    def _search_range(
        self, ctx: RunContext, ceiling: float | None
    ) -> tuple[float | None, float | None]:
        p = self.profile
        top = p.limit_max_rps if ceiling is None else min(p.limit_max_rps or ceiling, ceiling)
        if ctx.is_emulator or top is None:
            return p.limit_start_rps, top
        return min(1.0, top), top  # a live service is approached from 1/s, whatever the profile


_SEARCH_KEYS = ("qps_limit", "qps_limit_bound", "inconclusive", "limit_search", "knee_rps",
                "plateau_rps", "saturation_rps", "first_bad_rps", "converged", "stopped_by",
                "criteria", "search_elapsed_s", "requests_budget", "requests_planned")  # fmt: skip


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
    metrics: dict[str, Any] = run.metrics.model_dump() if run.metrics is not None else {}
    if search is not None and search.metrics is not None:
        found = search.metrics.model_dump()
        metrics.update({k: found[k] for k in _SEARCH_KEYS if k in found})
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


def _emulator_options(ctx: RunContext, engine: str, *, qps: float | None) -> Any:
    """The load suite's emulator (``--target emulator``): the gate's faults, breaks and latency
    too."""
    from harness.loadgen.suite import EmulatorOptions

    if not ctx.is_emulator:
        return None
    latency = tuple(
        spec if op == "default" else f"{op}={spec}"
        for op, spec in (ctx.emulator.get("latency") or {}).items()
    )
    faults, breaks = (tuple(ctx.emulator.get(k) or ()) for k in ("faults", "breaks"))
    return EmulatorOptions(engine=engine, qps=qps, latency=latency, faults=faults, breaks=breaks)


def _prefixed(progress: Progress) -> Progress:
    """The limit search's progress, named as such on the gate's load line."""
    return lambda done, total, text: progress(done, total, f"limit search: {text}")
