"""Conformance: how many break modes it kills, and what a full default run costs.

1. Kill ratio: every emulator break mode (``harness.emulator.BREAKS``) is run with the break's API,
   and a mode is *killed* when the run reports at least one finding (the unbroken run below
   reports none, so every finding is caused by the break). A mode that breaks only a reading of
   the documents (specs/readings.yaml) is observed, not failed, on an ordinary run; it counts as
   killed when a run that requires the default readings (a policy's ``[readings]``) finds it.
   Target: 1.0. By default the kill runs use the examples phase plus the probes (seconds each);
   ``--full`` uses every phase.
2. A full run of both APIs at the default number of examples against the unbroken emulator:
   zero findings, and its wall time (target: about a minute; missed above twice that).

Run: ``python benchmarks/bench_conformance.py [--full]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import _table

from harness.clients import DEMO
from harness.conformance import DEFAULT_EXAMPLES, conformance_target, run_conformance
from harness.contract import load_contract
from harness.emulator import BREAKS
from harness.results import ConformanceSuiteResult

TARGET_KILL_RATIO = 1.0
TARGET_FULL_RUN_S = 60.0
SEED = 11


def _run(
    root: Path, name: str, api: str, phases: tuple[str, ...], required: dict[str, str] | None
) -> ConformanceSuiteResult:
    with conformance_target("emulator", (name,)) as url:
        return run_conformance(
            url,
            is_emulator=True,
            api=api,
            examples=5,
            seed=SEED,
            credentials=DEMO,
            out_dir=root / (name + ("-required" if required else "")),
            emulator_breaks=(name,),
            phases=phases,
            required_readings=required,
        )


def _kills(root: Path, phases: tuple[str, ...]) -> tuple[int, list[str]]:
    """Killed modes: a finding on an ordinary run, or (a reading's break) when the default readings
    are required."""
    defaults = {rid: "default" for rid in load_contract().readings}
    killed, survivors = 0, []
    print(f"{'break mode':28s} {'api':5s} {'findings':>8s} {'s':>5s}  rules")
    for name, mode in BREAKS.items():
        started = time.monotonic()
        result, how = _run(root, name, mode.api, phases, None), ""
        if (
            not result.findings
        ):  # a reading's break: observed; a finding once the default is required
            result, how = _run(root, name, mode.api, phases, defaults), " (reading required)"
        rules = sorted({f.rule_id or f.check for f in result.findings})
        killed += bool(result.findings)
        if not result.findings:
            survivors.append(name)
        print(
            f"{name:28s} {mode.api:5s} {len(result.findings):8d} {time.monotonic() - started:5.1f} "
            " "
            f"{', '.join(rules) or 'SURVIVED'}{how}",
            flush=True,
        )
    return killed, survivors


def main() -> int:
    phases = ("examples", "coverage", "fuzzing") if "--full" in sys.argv else ("examples",)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        killed, survivors = _kills(root, phases)
        ratio = killed / len(BREAKS)
        print(
            f"kill ratio: {killed}/{len(BREAKS)} = {ratio:.2f} (target {TARGET_KILL_RATIO:.2f}; "
            "phases "
            f"{'+'.join(phases)} + probes)"
            + (f"; survivors: {', '.join(survivors)}" if survivors else "")
        )
        with conformance_target("emulator") as url:
            started = time.monotonic()
            full = run_conformance(
                url,
                is_emulator=True,
                api="all",
                examples=DEFAULT_EXAMPLES,
                seed=SEED,
                credentials=DEMO,
                out_dir=root / "full",
            )
            took = time.monotonic() - started
    print(
        f"full run, both APIs, {DEFAULT_EXAMPLES} examples: {took:.1f} s, "
        f"{full.metrics.requests if full.metrics else 0} requests, "
        f"{len(full.findings)} findings (target about {TARGET_FULL_RUN_S:.0f} s, 0 findings)"
    )
    _table.record(
        "conformance kill ratio (break modes with a finding)",
        ratio,
        "",
        ratio=ratio,
        goal=f">= {TARGET_KILL_RATIO:.2f}",
        ok=ratio >= TARGET_KILL_RATIO,
        note=f"{killed}/{len(BREAKS)}; phases {'+'.join(phases)} + probes",
    )
    _table.record(
        "conformance full run, both APIs, unbroken emulator",
        took,
        "s",
        goal=f"<= {2 * TARGET_FULL_RUN_S:.0f} s, 0 findings",
        ok=not full.findings and took <= 2 * TARGET_FULL_RUN_S,
        note=f"{len(full.findings)} findings",
    )
    ok = ratio >= TARGET_KILL_RATIO and not full.findings and took <= 2 * TARGET_FULL_RUN_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
