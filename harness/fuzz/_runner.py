"""``run_fuzz``: every property against one target, failures shrunk by hypothesis into findings.

The hypothesis example database lives under ``OUT/hypothesis/<property>``, so running again
with the same ``--out`` tries the previous failing examples first. Each finding gets a replay
file ``OUT/findings/F-NNN.json`` and the run's seed.
"""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import Flaky, FlakyFailure, HypothesisWarning
from hypothesis.stateful import run_state_machine_as_test

from harness import interrupt
from harness.clients import (
    DEFAULT_TIMEOUT_S,
    Auth,
    Credentials,
    How,
    Request,
    check_reachable,
    load_credentials,
)
from harness.clients._auth import cut_token_is_empty
from harness.config import did_you_mean
from harness.contract import Contract, ReadingLog, check_required, load_contract
from harness.errors import TargetError, UsageError
from harness.pacing import BudgetExhausted
from harness.results import (
    CheckResult,
    FuzzMetrics,
    FuzzSuiteResult,
    PropertyRun,
    SuiteStatus,
    contract_status,
)
from harness.suite import RunContext

from ._checks import PropertyFailed, Run
from ._client import FuzzClient
from ._findings import write_findings
from ._invalid import PIN_MARK
from ._pool import image_pool
from ._probes import PROBES
from ._properties import PROPERTIES, QUOTA_CREDENTIALS, SWAP_TOLERANCE, Property
from ._rules import RULES, Codes
from ._valid import Gen

APIS = ("match", "jd", "all")
DEFAULT_MAX_EXAMPLES = 50
DEFAULT_MAX_SECONDS = 900.0
STATEFUL_STEPS = 8
PART_DIVISOR = 5  # a property split in parts (one per rule) gives each max_examples / 5 ...
PART_MIN_EXAMPLES = 4  # ... but at least this many
_QUIET_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

Progress = Callable[[str, int, int], None]


def property_ids() -> list[str]:
    return [p.id for p in PROPERTIES]


@dataclass
class _Outcome:
    failures: list[tuple[PropertyFailed, bool]] = field(default_factory=list)  # (failure, flaky)
    error: str | None = None
    stopped: str | None = None


@dataclass(frozen=True)
class FuzzSuite:
    """Fuzz behind :class:`harness.suite.Suite`: its own options here, the run's in ``ctx``."""

    api: str = "all"
    max_examples: int = DEFAULT_MAX_EXAMPLES
    only: tuple[str, ...] = ()
    contract: Contract | None = None
    name: Literal["fuzz"] = field(default="fuzz", init=False)

    def run(self, ctx: RunContext) -> FuzzSuiteResult:
        return run_fuzz(
            ctx.url,
            **ctx.sender_options(),
            api=self.api,
            max_examples=self.max_examples,
            progress=lambda prop, index, total: ctx.progress(index, total, prop),
            max_seconds=ctx.max_seconds,
            only=list(self.only) or None,
            breaks=tuple(ctx.emulator.get("breaks") or ()),
            request_timeout_s=ctx.request_timeout_s or DEFAULT_TIMEOUT_S,
            contract=self.contract,
            spent=ctx.spent,
        )


def run_fuzz(
    target_url: str,
    *,
    is_emulator: bool,
    api: str = "all",
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed: int | None = None,
    max_rps: float | None = None,
    max_requests: int | None = None,
    faces_dir: Path | None = None,
    credentials: Credentials | None = None,
    out_dir: Path,
    progress: Progress | None = None,
    max_seconds: float | None = None,
    only: list[str] | None = None,
    breaks: tuple[str, ...] = (),
    request_timeout_s: float = DEFAULT_TIMEOUT_S,
    contract: Contract | None = None,
    required_readings: dict[str, str] | None = None,
    spent: int = 0,
) -> FuzzSuiteResult:
    """The ``fuzz`` slot of summary.json. ``is_emulator``: its admin endpoints may be used,
    faceharness-decided codes are enforced and emulator-only properties run; ``breaks`` are only
    recorded in replay files; ``required_readings`` (the gate policy's ``[readings]``) turns an
    answer following the other reading into a finding, else it is only observed. ``spent``:
    requests the caller sent to the target for this run (its preflight), charged to
    ``max_requests`` with the reachability check's, as conformance charges them."""
    interrupt.begin()  # an earlier run's caught Ctrl-C does not stop this one
    chosen = check_options(api, max_examples, only)
    started, t0 = datetime.now(UTC), time.monotonic()
    contract = contract or load_contract()
    required = check_required(required_readings or {}, contract.readings, "readings")
    pool = image_pool(faces_dir)
    creds = credentials or load_credentials(None, demo_defaults=is_emulator)
    if api in ("match", "all"):
        creds.require_token()
    if api in ("jd", "all"):
        creds.require_jd()
    run_seed = seed if seed is not None else random.SystemRandom().getrandbits(32)
    client = FuzzClient.paced(
        target_url,
        is_emulator,
        max_rps,
        max_requests,
        credentials=creds,
        contract=contract,
        max_seconds=DEFAULT_MAX_SECONDS if max_seconds is None else max_seconds,
        timeout_s=request_timeout_s,
    )
    out_dir = Path(out_dir)

    def result(**kw: Any) -> FuzzSuiteResult:
        kw |= {"finished_at": datetime.now(UTC), "duration_s": round(time.monotonic() - t0, 3)}
        return FuzzSuiteResult(name="fuzz", seed=run_seed, started_at=started, **kw)

    with client:
        try:
            check_reachable(target_url, secrets=creds.secrets())
        except TargetError as unreachable:
            return result(status="error", error=str(unreachable))
        client.budget.spend(spent + 1)  # a live target bills them; not the suite's requests
        health = (client.admin("GET", "health") if is_emulator else None) or {}
        engine = str(health["engine"]) if "engine" in health else None
        from harness.emulator import DEMO_ID_NUM, DEMO_NAME

        identities = ((DEMO_ID_NUM, DEMO_NAME),) if is_emulator else ()
        gen = Gen(contract, pool, identities, cut_token_empty=cut_token_is_empty(creds))
        run = Run(
            contract=contract,
            client=client,
            gen=gen,
            codes=Codes(contract),
            is_emulator=is_emulator,
            engine=engine,
            seed=run_seed,
            max_examples=max_examples,
            db_root=out_dir / "hypothesis",
            quota_credentials=_quota_credentials(client, contract, creds, is_emulator)
            if any(p.name == "quota-countdown" for p, _ in chosen)
            else None,
            readings=ReadingLog(required),
        )
        with warnings.catch_warnings():
            # a failing example's repr is its request, images and all; the finding keeps the
            # request in its replay file, so hypothesis's note about the size is noise here
            warnings.filterwarnings("ignore", "Generating overly large repr", HypothesisWarning)
            checks, raw, stopped, errors, stats = _run_all(run, chosen, progress)
    target: dict[str, Any] = {
        "kind": "emulator" if is_emulator else "url",
        "url": target_url,
        "breaks": list(breaks),
        "engine": engine,
    } | ({"readings_required": required} if required else {})
    findings = write_findings(raw, run=run, out_dir=out_dir, target=target, secrets=creds.secrets())
    metrics = FuzzMetrics(
        seed=run_seed,
        engine=engine,
        api=api,
        max_examples=max_examples,
        requests=client.sent,
        requests_by_operation=dict(client.by_operation),
        codes=dict(client.codes),
        reconnects=client.reconnects,
        properties=stats,
        budget_exhausted=stopped,
        swap_tolerance=SWAP_TOLERANCE,
        database=str(out_dir / "hypothesis"),
        readings=run.readings.to_dict(),
    )
    error = "; ".join(errors) or None
    status, why, when = contract_status(
        findings,
        error,
        requests=client.sent,
        codes=client.codes,
        throttled=client.throttled,
        table=contract.codes,
    )
    return result(
        status=status,
        findings=findings,
        checks=checks,
        metrics=metrics,
        error=error,
        reason=why,
        testable_when=when,
    )


def check_options(
    api: str, max_examples: int | None, only: list[str] | None
) -> list[tuple[Property, set[str] | None]]:
    """The properties to run (a UsageError for a bad option); ``only`` names ``api:property`` or
    ``api:property/part`` (the invalid-request properties have one part per rule, e.g.
    ``jd:invalid-requests/bad-sign``; the rule-probes ones one per probe, e.g.
    ``jd:rule-probes/FH-L44``)."""
    if api not in APIS:
        raise UsageError(f"--api {api!r}: expected match, jd or all")
    if max_examples is not None and max_examples < 1:
        raise UsageError(f"--max-examples {max_examples}: expected at least 1")
    everything = [p for p in PROPERTIES if api == "all" or p.api == api]
    if not only:
        return [(p, None) for p in everything]
    by_id = {p.id: p for p in PROPERTIES}
    wanted: dict[str, set[str] | None] = {}
    for entry in only:
        pid, _, part = entry.partition("/")
        if pid not in by_id:
            known = f"; known: {', '.join(sorted(by_id))}"
            raise UsageError(f"unknown property {pid!r}{did_you_mean(pid, by_id) or known}")
        if part and part not in _parts(by_id[pid]):
            raise UsageError(
                f"{entry!r}: only the invalid-requests and rule-probes properties have parts, "
                "one per rule or probe of their api"
            )
        if part and wanted.get(pid, set()) is not None:
            wanted.setdefault(pid, set()).add(part)  # type: ignore[union-attr]
        elif not part:
            wanted[pid] = None
    return [(p, wanted[p.id]) for p in everything if p.id in wanted]


def _parts(prop: Property) -> tuple[str, ...]:
    """What ``--property API:NAME/PART`` may name: an invalid-requests rule or a rule-probes
    probe of the property's api; nothing for the others."""
    if prop.name == "invalid-requests":
        return tuple(r for r, rule in RULES.items() if prop.api in rule.apis)
    return PROBES.get(prop.api, ()) if prop.name == "rule-probes" else ()


def _quota_credentials(
    client: FuzzClient, contract: Contract, creds: Credentials, is_emulator: bool
) -> Credentials | None:
    """The emulator's small-quota appkey if it has one (a wrong sign tells, spending no quota)."""
    if not is_emulator:
        return creds
    op = contract.operation("faceCompareNew")
    probe = Request("jd", op.operation_id, "POST", op.path, json={}, auth=Auth(sign=How.INVALID))
    found = client.send(probe, credentials=QUOTA_CREDENTIALS).answer
    wrong_appkey = contract.code_named("jd", "wrong_appkey")
    return QUOTA_CREDENTIALS if found and found.code not in (None, wrong_appkey) else None


def _run_all(
    run: Run, chosen: list[tuple[Property, set[str] | None]], progress: Progress | None
) -> tuple[
    list[CheckResult], list[tuple[PropertyFailed, bool]], bool, list[str], dict[str, PropertyRun]
]:
    """Each property in turn: JUnit checks, failures, budget spent?, errors, per-property stats."""
    stats: dict[str, PropertyRun] = {}
    checks: list[CheckResult] = []
    raw: list[tuple[PropertyFailed, bool]] = []
    errors: list[str] = []
    stopped = False

    def record(prop: Property, row: PropertyRun, message: str, timed: bool = True) -> None:
        stats[prop.id] = row
        checks.append(
            CheckResult(
                check=prop.name,
                operation=prop.id,
                api=prop.api,
                status=row.status,
                message=message,
                duration_s=row.seconds if timed else None,
            )
        )

    for index, (prop, parts) in enumerate(chosen):
        if progress is not None:
            progress(prop.id, index, len(chosen))
        reason = "the request budget or time limit was spent" if stopped else prop.skip(run)
        if reason:
            record(prop, PropertyRun(status="skipped", note=reason), reason, timed=False)
            continue
        began, sent = time.monotonic(), run.client.sent
        try:
            result: _Outcome | None = _execute(run, prop, parts)
        except KeyboardInterrupt:  # Ctrl-C: keep what the finished properties found
            interrupt.request()
            result = None
        requests, seconds = run.client.sent - sent, round(time.monotonic() - began, 3)
        if result is None:
            row = PropertyRun(
                status="interrupted", requests=requests, seconds=seconds, note="interrupted"
            )
            record(prop, row, "interrupted")
            break
        raw += result.failures
        raw += [(exc, False) for key, exc in run.listed.items() if key[0] == prop.id]
        status: SuiteStatus = "error" if result.error else "fail" if result.failures else "pass"
        message = result.error or (
            f"{len(result.failures)} failure(s)" if result.failures else prop.title
        )
        if result.stopped:
            stopped = True
            message += f"; stopped: {result.stopped}"
        if result.error:
            errors.append(f"{prop.id}: {result.error}")
        note = "" if status == "pass" else message
        row = PropertyRun(status=status, requests=requests, seconds=seconds, note=note)
        record(prop, row, f"{message} ({requests} requests)")
    return checks, raw, stopped, errors, stats


def _execute(run: Run, prop: Property, parts: set[str] | None = None) -> _Outcome:
    """Run a property (or each of its parts) with the run's seed and its own example database."""
    out, built = _Outcome(), prop.build(run, prop.id, prop.api)
    per_part = max(PART_MIN_EXAMPLES, round(run.max_examples * prop.share / PART_DIVISOR))
    for part, test in built.items() if isinstance(built, dict) else [("", built)]:
        rule, pinned, _ = part.partition(PIN_MARK)
        if parts is not None and rule not in parts:
            continue
        examples = per_part if part else max(1, round(run.max_examples * prop.share))
        name = prop.id.replace(":", "-") + (f"-{part}" if part else "")
        database = None if pinned else DirectoryBasedExampleDatabase(str(run.db_root / name))
        # no explain phase: it re-runs a failing example many times for notes no finding, replay
        # file or report carries, each run a request (paid, on a live target, and most of the CPU)
        phases = tuple(phase for phase in settings().phases if phase is not Phase.explain)
        if pinned:  # one mode of a rule: its simplest example (hypothesis tries that first), as
            # good as shrunk and the same every run: no search, nothing to remember
            examples, phases = 1, (Phase.explicit, Phase.generate)
        config = settings(
            max_examples=examples,
            database=database,
            phases=phases,
            deadline=None,
            derandomize=False,
            print_blob=False,
            verbosity=Verbosity.quiet,
            report_multiple_bugs=True,
            suppress_health_check=_QUIET_CHECKS,
            stateful_step_count=STATEFUL_STEPS,
        )
        # seed first, settings after: @seed alone would switch the example database off
        seeded = seed(run.seed)(test)
        machine = partial(run_state_machine_as_test, seeded, settings=config)
        _execute_one(run, prop, machine if isinstance(test, type) else config(seeded), out)
        if out.stopped or out.error:
            break
    return out


def _execute_one(run: Run, prop: Property, test: Callable[[], None], out: _Outcome) -> None:
    run.last_failure.pop(prop.id, None)
    run.steps.clear()  # only state machines record steps
    try:
        test()
    except PropertyFailed as exc:
        out.failures.append((exc, False))
    except BudgetExhausted as exc:
        out.stopped = str(exc)
        if prop.id in run.last_failure:  # found, but not yet shrunk when the budget ran out
            out.failures.append((run.last_failure[prop.id], False))
    except BaseExceptionGroup as group:  # several distinct bugs, or a flaky one
        failed, rest = group.split(PropertyFailed)
        stops, rest = rest.split(BudgetExhausted) if rest else (None, None)
        # hypothesis' word that the target did not repeat itself, beside the failure it saw
        # (a state machine's replay that did not fail there drew on: FlakyStrategyDefinition)
        unsteady, others = rest.split(_unsteady) if rest else (None, None)
        flaky = isinstance(group, FlakyFailure) or unsteady is not None
        out.failures += [(e, flaky) for e in _leaves(failed)]  # type: ignore[misc]
        if stops:
            out.stopped = str(next(_leaves(stops)))
        if not failed and (stops or unsteady):  # found, not shrunk, or not seen again
            _first_failure(run, prop, out, unsteady and next(_leaves(unsteady)))
        if others:
            out.error = _describe(next(_leaves(others)))
    except Flaky as exc:
        _first_failure(run, prop, out, exc)
    except Exception as exc:  # noqa: BLE001 - a harness bug or a hypothesis usage error: the suite errors
        out.error = _describe(exc)


def _unsteady(exc: BaseException) -> bool:
    """One of hypothesis' Flaky errors itself (FlakyFailure is a group of Flaky too: its other
    leaves are judged on their own)."""
    return isinstance(exc, Flaky) and not isinstance(exc, BaseExceptionGroup)


def _first_failure(run: Run, prop: Property, out: _Outcome, flaky: BaseException | None) -> None:
    """The failure hypothesis saw first is the finding when it could not end with one: the budget
    ran out while it shrank, or (``flaky``) the target did not repeat itself. A state machine's
    next draws follow its steps: an answer that failed a step (a fault, a field of another type)
    and not on replay makes hypothesis say the data generation changed. Flaky with no failure
    seen is the harness' own: an error."""
    first = run.last_failure.get(prop.id)
    if first is not None:
        out.failures.append((first, flaky is not None))
    elif flaky is not None:
        out.error = _describe(flaky)


def _leaves(group: BaseExceptionGroup[Any] | None) -> Iterator[BaseException]:
    for exc in group.exceptions if group else ():
        yield from _leaves(exc) if isinstance(exc, BaseExceptionGroup) else (exc,)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
