"""The gate end to end: validate inputs, open the target, run the stages, judge, write reports.

Everything that can be checked before traffic is checked first (profile, policy, baseline,
faces, engine), so a bad option costs nothing and exits 2 with one line. Once running,
nothing a suite does can crash the gate: a failing stage is recorded as status ``error``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import interrupt
from harness.clients import load_credentials
from harness.config import read_config
from harness.contract import Contract, load_contract
from harness.errors import HarnessError, InputError, UsageError
from harness.faces import load_images
from harness.gate._baseline import compare_baseline, load_baseline
from harness.gate._coverage import build_coverage
from harness.gate._criteria import judge
from harness.gate._policy import Policy, load_policy
from harness.gate._profiles import Profile, get_profile
from harness.gate._stage import QuietObserver, StageObserver, run_stage
from harness.gate._suites import STAGE_SHARE, build_suites, suite_context
from harness.preflight import apis_with_credentials, preflight
from harness.results import (
    SUITE_NAMES,
    SuiteName,
    SuiteResult,
    Suites,
    Summary,
    build_summary,
    merge_findings,
)
from harness.suite import RunContext, Suite
from harness.target import open_target, url_label

ENGINES = ("fast", "dlib")
GRACE_S = 20.0  # after a stage's time limit: time to unwind (one client timeout at most)


@dataclass
class GateOutcome:
    """The run's summary and the report files written for it."""

    summary: Summary
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 pass, 1 gate failed (or findings, or a blocking inconclusive), 2 could not run,
        130 interrupted."""
        return self.summary.exit_code

    @property
    def report(self) -> Path | None:
        return self.paths.get("html")


@dataclass(frozen=True)
class GatePlan:
    """A validated gate run: everything checked, nothing sent yet (see :func:`plan_gate`)."""

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
    """Check every input of a gate run before any traffic.

    Args:
        out_dir: run directory: summary.json, junit.xml, report.html, one folder per suite.
        target: ``"emulator"`` (started on a free loopback port) or the service's base URL.
        profile: ``"quick"``, ``"full"`` or a :class:`Profile`.
        policy: a ``gate.toml`` path or a :class:`Policy`; None: the default policy.
        baseline: an earlier run's directory or summary.json, to flag regressions.
        engine: the emulator's face engine for every stage (overrides the profile).
        faces: folder of face images with ``labels.csv`` (fuzz, conformance, accuracy, load).
        config: for the emulator its TOML config (faults, throttle, tokens, ...); for a URL
            a TOML file with ``[credentials]``.

    Raises:
        HarnessError: one line naming the bad option, file or value (exit 2).
    """
    prof, pol = _resolve(profile, policy, engine, target, config)
    if target != "emulator":
        from harness.target import check_url

        target = check_url(target)
    faces_dir = _faces(faces)
    config_path = Path(config) if config is not None else None
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
    out = Path(out_dir)  # created last: once it exists, the run has started (and can be stopped)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out}: {exc.strerror or exc}") from None
    return GatePlan(
        out_dir=out,
        target=target,
        profile=prof,
        policy=pol,
        selected=selected,
        suites=tuple(suites),
        contract=contract or load_contract(),
        faces=faces_dir,
        config=config_path,
        baseline=base,
    )


def execute_gate(plan: GatePlan, observer: StageObserver | None = None) -> GateOutcome:
    """Run a planned gate: stages, judgement, reports. Never raises for a suite's failure;
    a target that cannot be opened becomes a summary with ``error`` (exit 2)."""
    observer = observer or QuietObserver()
    if interrupt.requested() and threading.current_thread() is threading.main_thread():
        interrupt.reset()  # a library caller's earlier, caught Ctrl-C must not stop this run
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
            label, secrets = tgt.label, (*tgt.secrets, *_contract_secrets(plan.contract))
            preflight(
                tgt.url,
                apis=apis_with_credentials(tgt.credentials),
                credentials=tgt.credentials,
                contract=plan.contract,
                timeout_s=prof.request_timeout_s,
            )
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
                emulator=_forwarded(tgt.settings),
            )
            for suite in plan.suites:
                if interrupt.requested():
                    break
                results[suite.name] = run_stage(
                    suite,
                    suite_context(ctx, suite.name, prof),
                    observer=observer,
                    timeout_s=prof.stage_timeout_s,
                    grace_s=GRACE_S + prof.request_timeout_s,
                )
    except HarnessError as exc:
        run_error = str(exc)
    except KeyboardInterrupt:  # between stages, or while the target opened or closed
        interrupt.request()
    stopped = interrupt.requested()
    for name in plan.selected:
        if name not in results:
            why = f"interrupted ({stopped})" if stopped else run_error or "the run stopped"
            results[name] = SuiteResult(
                name=name, status="skipped", skipped_reason=f"not run: {why}"
            )
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
    """Run the profile's suites against the target, judge them, write the reports:
    :func:`plan_gate` (``options`` are its arguments), then :func:`execute_gate`.

    ``observer`` receives stage progress (the CLI's rich display); None shows nothing. The
    outcome's ``exit_code`` is the command's exit code. Raises :class:`HarnessError` for bad
    options or inputs, found before any traffic (exit 2).

    Example:
        outcome = run_gate(out_dir="reports/ci", policy="examples/gate.toml")
        sys.exit(outcome.exit_code)
    """
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
    error: str | None = None,
    run_id: str | None = None,
    seed: int | None = None,
    interrupted: str | None = None,
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
    return build_summary(
        target=target,
        started_at=started_at,
        finished_at=finished_at,
        suites=judged.values(),
        contract=contract,
        required_readings=policy.readings,
        error=error,
        interrupted=interrupted,
        coverage=coverage,
        gate=gate,
        baseline=comparison,
        run_id=run_id,
        seed=seed,
        harness_version=_version(),
    )


# --------------------------------------------------------------------------- inputs


def _resolve(
    profile: str | Profile,
    policy: str | os.PathLike[str] | Policy | None,
    engine: str | None,
    target: str,
    config: str | os.PathLike[str] | None = None,
) -> tuple[Profile, Policy]:
    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    pol = (
        policy
        if isinstance(policy, Policy)
        else load_policy(
            Path(policy) if policy is not None else None,
            Path(config) if config is not None else None,
        )
    )
    prof = prof.with_overrides(pol.run, pol.source)
    if engine is not None:
        if engine not in ENGINES:
            raise UsageError(f"--engine {engine!r}: expected fast or dlib")
        if target != "emulator":
            raise UsageError(
                "--engine chooses the emulator's face engine; use it with --target emulator"
            )
        prof = prof.model_copy(update={"engine": engine, "accuracy_engine": engine})
    return prof, pol


def _faces(faces: str | os.PathLike[str] | None) -> Path | None:
    """``--faces``: the face pool and its labels.csv, checked before any traffic."""
    if faces is not None:
        load_images(Path(faces))
    return Path(faces) if faces is not None else None


def _forwarded(settings: Any) -> dict[str, Any]:
    """What the gate's suites need to know of its emulator: breaks, faults, latency, QPS limit."""
    if settings is None:
        return {}
    return {
        "faults": settings.faults,
        "breaks": settings.breaks,
        "latency": settings.latency,
        "qps": settings.throttle.qps or None,
    }


def _contract_secrets(contract: Contract) -> list[str]:
    """Credential values the contract itself fixes (JD's documented ``appAuthorityKey``)."""
    value = contract.jd_fixed_fields.get("appAuthorityKey")
    return [value] if value else []


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("faceharness")
    except PackageNotFoundError:
        return None
