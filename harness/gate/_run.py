"""The gate: inputs checked before traffic, each suite a worker-thread stage that can't crash it."""

from __future__ import annotations

import os
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from harness import interrupt
from harness.clients import load_credentials
from harness.config import read_config
from harness.contract import Contract, load_contract
from harness.errors import HarnessError, UsageError
from harness.faces import load_images
from harness.gate._judge import build_coverage, compare_baseline, judge, load_baseline
from harness.gate._policy import Policy, Profile, get_profile, load_policy
from harness.pacing import Budget
from harness.preflight import apis_with_credentials, preflight
from harness.report.output import prepare_run_dir
from harness.results import (
    SUITE_NAMES,
    LoadMetrics,
    LoadSuiteResult,
    SuiteName,
    SuiteResult,
    Suites,
    Summary,
    build_summary,
    derive_status,
    interrupted_suite,
    merge_findings,
    partial_suite,
)
from harness.suite import STAGE_SHARE, RunContext, Suite
from harness.target import check_engine, check_url, open_target, url_label

GRACE_S = 20.0  # after a stage's time limit: time to unwind (one client timeout at most)
INTERRUPT_GRACE_S = 5.0  # Ctrl-C: time a stage gets to unwind before it is abandoned


@dataclass
class GateOutcome:
    summary: Summary
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return self.summary.exit_code

    @property
    def report(self) -> Path | None:
        return self.paths.get("html")


@dataclass(frozen=True)
class GatePlan:
    out_dir: Path
    target: str
    profile: Profile
    policy: Policy
    selected: tuple[SuiteName, ...]
    suites: tuple[Suite, ...]
    contract: Contract
    faces: Path | None = None
    config: Path | None = None
    baseline: tuple[Summary, str] | None = None


def plan_gate(
    *,
    out_dir: str | os.PathLike[str],
    target: str = "emulator",
    profile: str | Profile = "quick",
    policy: str | os.PathLike[str] | Policy | None = None,
    baseline: str | os.PathLike[str] | None = None,
    engine: str | None = None,
    faces: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    contract: Contract | None = None,
) -> GatePlan:
    """Check every input of a gate run before any traffic (a bad one: one line, exit 2)."""
    config_path = Path(config) if config is not None else None
    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    pol = policy if isinstance(policy, Policy) else load_policy(_path(policy), config_path)
    prof = prof.with_overrides(pol.run, pol.source)
    if engine is not None:
        check_engine(engine)
        if target != "emulator":
            raise UsageError(
                "--engine chooses the emulator's face engine; use it with --target emulator"
            )
        prof = prof.model_copy(update={"engine": engine, "accuracy_engine": engine})
    if target != "emulator":
        target = check_url(target)
    faces_dir = _path(faces)
    if faces_dir is not None:
        load_images(faces_dir)  # the face pool and its labels.csv, checked before any traffic
    read_config(config_path)  # every section checked now (one line, exit 2), not mid-run
    if target != "emulator" and not load_credentials(config_path).secrets():
        raise UsageError(
            "no credentials for a live target: set FACEHARNESS_TOKEN and/or "
            "FACEHARNESS_JD_APPKEY + FACEHARNESS_JD_SECRETKEY, or [credentials] in --config"
        )
    selected = tuple(
        n for n in SUITE_NAMES if n in prof.suites or n in pol.required_suites(prof.suites)
    )
    if prof.name == "full" and "accuracy" in selected and faces_dir is None:
        raise UsageError(
            "--profile full measures accuracy on --faces DIR; give one "
            "(or leave accuracy out with [run] suites in the policy)"
        )
    base = load_baseline(baseline) if baseline is not None else None
    suites = build_suites(selected, prof, pol, is_emulator=target == "emulator", config=config_path)
    # created last: once it exists, the run has started (and can be stopped)
    out = prepare_run_dir(Path(out_dir))
    contract = contract or load_contract()
    return GatePlan(
        out, target, prof, pol, selected, suites, contract, faces_dir, config_path, base
    )


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    return Path(value) if value is not None else None


def execute_gate(plan: GatePlan, observer: StageObserver | None = None) -> GateOutcome:
    """Run a planned gate; a target that cannot be opened is a summary with ``error`` (exit 2)."""
    observer = observer or StageObserver()
    interrupt.begin()  # a library caller's earlier, caught Ctrl-C must not stop this run
    prof = plan.profile
    started = datetime.now(UTC)
    results: dict[SuiteName, SuiteResult] = {}
    run_error: str | None = None
    label = "emulator" if plan.target == "emulator" else url_label(plan.target)
    secrets: tuple[str, ...] = ()
    try:
        from harness.fuzz import emulator_overrides

        with open_target(
            plan.target,
            engine=prof.engine,
            config=plan.config,
            contract=plan.contract,
            extra_appkeys=tuple(emulator_overrides().get("appkeys", ())),
        ) as tgt:
            # the contract itself fixes one credential value: JD's documented appAuthorityKey
            fixed = plan.contract.jd_fixed_fields.get("appAuthorityKey")
            label, secrets = tgt.label, (*tgt.secrets, *([fixed] if fixed else []))
            shared = Budget()  # the shared preflight: charged to the first suite's budget
            preflight(
                tgt.url,
                apis=apis_with_credentials(tgt.credentials),
                credentials=tgt.credentials,
                contract=plan.contract,
                timeout_s=prof.request_timeout_s,
                budget=shared,
            )
            charge = shared.used
            settings = tgt.settings  # what the suites need to know of the gate's emulator
            ctx = RunContext(
                target=plan.target,
                url=tgt.url,
                is_emulator=tgt.is_emulator,
                credentials=tgt.credentials,
                out_dir=plan.out_dir,
                seed=prof.seed,
                faces=plan.faces,
                config=plan.config,
                max_rps=prof.max_rps,
                max_seconds=STAGE_SHARE * prof.stage_timeout_s,
                request_timeout_s=prof.request_timeout_s,
                required_readings=dict(plan.policy.readings),
                emulator={}
                if settings is None
                else {
                    "faults": settings.faults,
                    "breaks": settings.breaks,
                    "latency": settings.latency,
                    "qps": settings.throttle.qps or None,
                },
            )
            for suite in plan.suites:
                if interrupt.requested():
                    break
                # its own folder and request budget: on the emulator the profile caps
                # conformance and fuzz (load and accuracy are bounded by duration, steps, pairs)
                folder = ctx.out_dir / suite.name
                folder.mkdir(parents=True, exist_ok=True)
                cap = prof.max_requests if suite.name in ("conformance", "fuzz") else None
                cap = cap if ctx.is_emulator else prof.url_max_requests
                results[suite.name] = run_stage(
                    suite,
                    replace(ctx, out_dir=folder, max_requests=cap, spent=charge),
                    observer=observer,
                    timeout_s=prof.stage_timeout_s,
                    grace_s=GRACE_S + prof.request_timeout_s,
                )
                charge = 0  # charged once
    except HarnessError as exc:
        run_error = str(exc)
    except KeyboardInterrupt:  # between stages, or while the target opened or closed
        interrupt.request()
    stopped = interrupt.requested()
    why = f"interrupted ({stopped})" if stopped else run_error or "the run stopped"
    for name in (n for n in plan.selected if n not in results):
        results[name] = SuiteResult(name=name, status="skipped", skipped_reason=f"not run: {why}")
    summary = assemble(
        contract=plan.contract,
        policy=plan.policy,
        selected=plan.selected,
        results=results,
        target=label,
        started_at=started,
        finished_at=datetime.now(UTC),
        baseline=plan.baseline,
        error=run_error,
        run_id=plan.out_dir.resolve().name,
        seed=prof.seed,
        interrupted=stopped,
    )
    from harness.report import write_reports

    paths = write_reports(summary, plan.out_dir, secrets)
    return GateOutcome(summary=summary, paths=paths)


def run_gate(*, observer: StageObserver | None = None, **options: Any) -> GateOutcome:
    """:func:`plan_gate` (``options`` are its arguments), then :func:`execute_gate`."""
    return execute_gate(plan_gate(**options), observer)


def assemble(
    *,
    contract: Contract,
    policy: Policy,
    selected: tuple[SuiteName, ...],
    results: dict[SuiteName, SuiteResult],
    target: str,
    started_at: datetime,
    finished_at: datetime,
    baseline: tuple[Summary, str] | None = None,
    **fields: Any,
) -> Summary:
    """The run's summary: suites judged by the policy, coverage, errata, baseline."""
    merged = {
        name: result.model_copy(update={"findings": merge_findings(result.findings)})
        for name, result in results.items()
    }
    comparison = None
    if baseline is not None:
        comparison = compare_baseline(
            Suites.model_validate(merged), baseline[0], policy=policy.baseline, source=baseline[1]
        )
    ran = {name: merged[name] for name in selected if name in merged}
    coverage = build_coverage(contract, ran.values())
    gate, judged = judge(
        policy, ran, ran=selected, baseline=comparison, coverage=coverage, contract=contract
    )
    try:
        harness_version: str | None = version("faceharness")
    except PackageNotFoundError:
        harness_version = None
    return build_summary(
        target=target,
        started_at=started_at,
        finished_at=finished_at,
        suites=judged.values(),
        contract=contract,
        required_readings=policy.readings,
        coverage=coverage,
        gate=gate,
        baseline=comparison,
        harness_version=harness_version,
        **fields,
    )


def build_suites(
    names: tuple[SuiteName, ...],
    profile: Profile,
    policy: Policy,
    *,
    is_emulator: bool,
    config: Path | None,
) -> tuple[Suite, ...]:
    """The selected suites with the profile's options; a suite package is imported if selected."""
    p = profile
    suites: list[Suite] = []
    for name in names:
        if name == "conformance":
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
    return tuple(suites)


@dataclass(frozen=True)
class LoadStage:
    """An open-model run at the policy's (or profile's) rate, then a limit search when due."""

    profile: Profile
    policy: Policy
    name: Literal["load"] = field(default="load", init=False)

    def run(self, ctx: RunContext) -> SuiteResult:
        from harness.loadgen import safety
        from harness.loadgen.scenarios import ScenarioOptions
        from harness.loadgen.suite import EmulatorOptions, LimitOptions, LoadSuite

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

        def emulator(qps: float | None) -> EmulatorOptions | None:
            if not ctx.is_emulator:
                return None
            latency = tuple(
                spec if op == "default" else f"{op}={spec}"
                for op, spec in (ctx.emulator.get("latency") or {}).items()
            )
            faults, breaks = (tuple(ctx.emulator.get(k) or ()) for k in ("faults", "breaks"))
            return EmulatorOptions(
                engine=p.engine, qps=qps, latency=latency, faults=faults, breaks=breaks
            )

        def limit_progress(done: float, total: float | None, text: str) -> None:
            ctx.progress(done, total, f"limit search: {text}")  # named so on the gate's load line

        run = LoadSuite(
            scenario=ScenarioOptions(p.load_scenario),
            rate=rate,
            duration_s=p.load_duration_s,
            slo_p99_ms=p.load_slo_p99_ms,
            max_error_rate=p.load_max_error_rate,
            contracted_rate=self.policy.load.p99_at_rps is not None,
            emulator=emulator(ctx.emulator.get("qps")),
        ).run(replace(ctx, out_dir=ctx.out_dir / "run"))
        needed = ctx.is_emulator or self.policy.load.min_qps_limit is not None
        stopped = interrupt.requested() is not None  # Ctrl-C or the stage's limit: no search
        if stopped or p.limit_search == "never" or p.limit_search == "auto" and not needed:
            return merge_load(run, None, notes)
        top = p.limit_max_rps if ceiling is None else min(p.limit_max_rps or ceiling, ceiling)
        # a live service is approached from 1/s, whatever the profile
        start = p.limit_start_rps if ctx.is_emulator or top is None else min(1.0, top)
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
            emulator=emulator(ctx.emulator.get("qps") or p.limit_emulator_qps),
        ).run(
            replace(
                ctx,
                out_dir=ctx.out_dir / "limit",
                progress=limit_progress,
                spent=ctx.spent + _sent_by(run),  # one stage, one request budget
            )
        )
        return merge_load(run, search, notes)


def _sent_by(run: SuiteResult) -> int:
    """The requests the stage's run sent (its preflight, runs and low-rate run), which its limit
    search is charged with: each was given the suite's whole budget (up to twice
    ``url_max_requests`` reached a live target). A run that ran nothing said none."""
    extra = run.metrics.model_extra if run.metrics is not None else None
    return int((extra or {}).get("requests_sent") or 0)


_SEARCH_KEYS = ("qps_limit", "qps_limit_bound", "inconclusive", "limit_search", "knee_rps",
                "plateau_rps", "saturation_rps", "first_bad_rps", "failed_rps", "converged",
                "stopped_by", "criteria", "search_elapsed_s", "requests_budget",
                "requests_planned")  # fmt: skip


def merge_load(
    run: SuiteResult, search: SuiteResult | None, notes: list[str] | None = None
) -> LoadSuiteResult:
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
    status = derive_status(findings, error)
    # a part that judged nothing (E-045: saturated, throttled) keeps the stage from passing
    undecided = [r for r in parts if r.status == "inconclusive"] if status == "pass" else []
    return LoadSuiteResult(
        name="load",
        status="inconclusive" if undecided else status,
        reason="; ".join(r.reason for r in undecided if r.reason) or None,
        testable_when=next((r.testable_when for r in undecided if r.testable_when), None),
        findings=findings,
        error=error,
        metrics=LoadMetrics.model_validate(metrics) if metrics else None,
        started_at=run.started_at,
        finished_at=(search or run).finished_at,
        duration_s=sum(r.duration_s or 0.0 for r in parts) or None,
        seed=run.seed,
    )


class StageCancelled(Exception):
    """Raised inside a stage, from its progress callback, once its time is up."""


class StageObserver:
    """What the gate tells a display (:mod:`harness.gate._display`); this one shows nothing."""

    def stage_started(self, name: SuiteName) -> None: ...

    def stage_progress(
        self, name: SuiteName, done: float, total: float | None, text: str
    ) -> None: ...

    def stage_finished(self, name: SuiteName, result: SuiteResult) -> None: ...


def one_line(exc: BaseException) -> str:
    text, kind = " ".join(str(exc).split()), type(exc).__name__
    return (text if isinstance(exc, HarnessError) else f"{kind}: {text}") if text else kind


def run_stage(
    suite: Suite, ctx: RunContext, *, observer: StageObserver, timeout_s: float, grace_s: float
) -> SuiteResult:
    """Run ``suite`` in a worker thread within ``timeout_s`` (+ ``grace_s`` to unwind, then it is
    abandoned as an error); never raises. Past the limit it is asked to stop as at Ctrl-C (what it
    found is kept: ``fail`` on failing findings, else ``inconclusive``), then, in the second half
    of the grace, its progress raises StageCancelled."""
    name = suite.name
    cancel = threading.Event()

    def progress(done: float, total: float | None, text: str) -> None:
        if cancel.is_set():
            raise StageCancelled(f"stopped at its {timeout_s:g} s time limit")
        observer.stage_progress(name, done, total, text)

    box: dict[str, object] = {}
    ended = threading.Event()  # not worker.is_alive(): see interrupt.join

    def work() -> None:
        try:
            box["result"] = suite.run(replace(ctx, progress=progress))
        except BaseException as exc:  # noqa: BLE001 - every failure becomes the stage's error
            box["error"] = exc
        finally:
            ended.set()

    started = datetime.now(UTC)
    t0 = time.monotonic()
    observer.stage_started(name)
    worker = threading.Thread(target=work, name=f"faceharness-gate-{name}", daemon=True)
    limit = f"stopped at its {timeout_s:g} s time limit"
    overran = heard = False
    others = tuple(threading.enumerate())  # not the stage's: their asking is not it hearing
    try:  # a Ctrl-C at any moment, the grace after the limit too, keeps what the stage had
        worker.start()
        interrupt.join(ended, timeout_s)
        overran = not ended.is_set() and not interrupt.requested()
        if overran:  # asked to stop as at Ctrl-C first: it keeps what it found (hostile round 10)
            interrupt.cancel(limit, others)
            try:
                interrupt.join(ended, grace_s / 2)
            finally:
                heard = interrupt.heard()  # it asked: it may have stopped early
                interrupt.cancel(None)
            if not ended.is_set():  # it did not listen: its next progress report raises
                cancel.set()
                interrupt.join(ended, grace_s / 2)
    except KeyboardInterrupt:  # let the stage unwind (stop its subprocesses), keep what it had
        interrupt.request()
        cancel.set()
    message: str | None = None
    stopped = interrupt.requested()
    if stopped:
        with suppress(KeyboardInterrupt):
            interrupt.join(ended, min(grace_s, INTERRUPT_GRACE_S))
        got = box.get("result")
        partial = got if isinstance(got, SuiteResult) else None
        result = interrupted_suite(name, partial, interrupt.requested())
    else:
        got, error = box.get("result"), box.get("error")
        if not ended.is_set():
            message = f"did not finish within its {timeout_s:g} s time limit; abandoned"
        elif isinstance(error, BaseException):
            message = str(error) if isinstance(error, StageCancelled) else one_line(error)
            if overran and not isinstance(error, StageCancelled):
                message = f"{limit} ({message})"
        elif not isinstance(got, SuiteResult):
            message = f"the stage returned {type(got).__name__}, not a SuiteResult"
        elif heard or cancel.is_set():  # its findings and checks, as far as it got
            when = f"a longer run.stage_timeout_s (now {timeout_s:g} s) lets the stage finish"
            got = partial_suite(got, f"{limit}; the results are partial", when)
        # else: it finished just past its limit without hearing the cancel: complete as it is
        if isinstance(got, SuiteResult) and message is None:
            result = got
        else:
            result = SuiteResult(name=name, status="error", error=message)
    elapsed = round(time.monotonic() - t0, 3)
    result = result.model_copy(
        update={
            "started_at": result.started_at or started,
            "finished_at": result.finished_at or datetime.now(UTC),
            "duration_s": elapsed if stopped or result.duration_s is None else result.duration_s,
        }
    )
    observer.stage_finished(name, result)
    return result
