"""Conformance runs against real emulators on 127.0.0.1, configured as `conform --target emulator`
runs them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from harness.clients import DEMO
from harness.conformance import run_conformance
from harness.conformance._emulator import emulator_settings
from harness.contract import load_contract
from harness.report import write_reports
from harness.results import build_summary


@contextmanager
def probe_session(
    contract: Any,
    api: str,
    url: str,
    *,
    is_emulator: bool = False,
    budget: int = 100,
    max_rps: float = 0.0,
    timeout_s: float = 30,
    creds: Any = DEMO,
) -> Iterator[Any]:
    """A conformance session aimed at ``url`` with the schema hooks installed, as a run's probe
    phase has it (request budget 100), for running one probe alone; ``max_rps``: its pace, kept
    on a virtual clock (no test waits for it)."""
    from harness.conformance._engine import install, load_schema
    from harness.conformance._payloads import PayloadPool
    from harness.conformance._session import Session
    from harness.conformance._tracker import RunTracker
    from harness.pacing import Budget

    raw = contract.spec(api).raw
    schema = load_schema(raw, base_url=url, seed=0, examples=1, request_timeout_s=timeout_s)
    session = Session(
        contract=contract,
        api=api,
        creds=creds,
        tracker=RunTracker(budget=Budget(budget)),
        pool=PayloadPool(contract),
        is_emulator=is_emulator,
        target=url,
        identity=None,
        raw_schema=schema.raw_schema,
        timeout_s=timeout_s,
        max_rps=max_rps,
    )
    session.sender.pacer.sleep = lambda _seconds: None  # the pace's slots, not its waits
    with session:
        install(session, schema)
        yield session


@pytest.fixture
def conformance_emulator(emulator: Callable[..., str]) -> Callable[..., str]:
    """`url = conformance_emulator("accept-bad-sign", ...)`: fast engine, counted demo appkey."""

    def start(*breaks: str) -> str:
        return emulator(breaks=tuple(breaks), **emulator_settings())

    return start


def conform(url: str, out: Path, **options: Any) -> Any:
    """``run_conformance``, and its reports written as `conform` writes them (summary.json ...)."""
    options.setdefault("is_emulator", True)
    options.setdefault("credentials", DEMO)
    result = run_conformance(url, out_dir=out, **options)
    summary = build_summary(
        target="emulator",
        started_at=result.started_at,
        finished_at=result.finished_at,
        suites=[result],
        contract=options.get("contract") or load_contract(),
        required_readings=options.get("required_readings"),
        seed=result.seed,
    )
    write_reports(summary, out, DEMO.secrets())
    return result


def explain(result: Any) -> str:
    return "\n".join(f"{f.rule_id or f.check} {f.operation}: {f.message}" for f in result.findings)


def run_probes_alone(
    session: Any, rule_ids: tuple[str, ...], *, counted: bool = False
) -> tuple[list[str], list[str]]:
    """(failures, what could not be judged, each ``"FH-xxx: why"``) of ``rule_ids`` run one after
    another in ``session``, each with its own context, as a run's probe phase runs them;
    ``counted``: the failures that fail a run alone (seed, not info: FH-H02's and FH-H03's
    conventions left out)."""
    from harness.conformance._failures import CheckFailed
    from harness.conformance._probes import ProbeContext
    from harness.conformance._registry import RULES

    found: list[str] = []
    unjudged: list[str] = []
    for rule_id in rule_ids:
        p = ProbeContext(session=session, may_burst=True)
        try:
            RULES.get(rule_id).fn(p)
        except CheckFailed as failed:
            p.failures.append(failed)
        kept = [f for f in p.failures if f.basis == "seed" and f.severity != "info"]
        found += [f"{f.rule_id}: {f.message}" for f in (kept if counted else p.failures)]
        unjudged += [f"{rule_id}: {why}" for why in p.unjudged]
    return found, unjudged
