"""Readings x suite: every reading of every ambiguous erratum, conform and fuzz against an emulator
serving it.

One run per suite against the emulator serving every default reading, then, for each ambiguous
erratum of specs/readings.yaml, one run per suite against the emulator serving that alternative
alone (`--reading E-...=alternative`), on the erratum's API. A cell is as served when the run's
summary.json observes the reading served (``not-exercised`` where readings.yaml says the suite
cannot tell its readings apart; "mixed" allowed for a ``family`` erratum's alternative), and the run
has no finding of medium severity or above and exit code 0. Target: every cell as served.
(tests/readings/test_every_reading.py checks the same with every alternative served at once.)

Run: ``python -m benchmarks bench_readings``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _table

from harness.clients import DEMO
from harness.contract import ReadingLog, load_contract
from harness.results import build_summary

SERIOUS = ("critical", "high", "medium")
FUZZ_PROPERTIES = [
    "valid-requests",
    "invalid-requests",
    "livecode-lifecycle",
    "async-result",
    "quota-countdown",
]


def _conform(api: str, served: dict[str, str], out: Path) -> Any:
    from harness.conformance import conformance_target, run_conformance

    with conformance_target("emulator", (), DEMO, served or None) as url:
        return run_conformance(
            url,
            is_emulator=True,
            api=api,
            examples=2,
            seed=3,
            credentials=DEMO,
            out_dir=out,
            phases=("examples", "coverage"),
        )


def _fuzz(api: str, served: dict[str, str], out: Path) -> Any:
    from harness.fuzz import emulator_overrides, property_ids, run_fuzz
    from harness.target import open_target

    only = [
        p
        for p in property_ids()
        if p.split(":")[1] in FUZZ_PROPERTIES and api in ("all", p.split(":")[0])
    ]
    overrides = emulator_overrides()
    if served:
        overrides["readings"] = served
    with open_target("emulator", engine="fast", **overrides) as t:
        return run_fuzz(
            t.url,
            is_emulator=True,
            api=api,
            seed=1,
            max_examples=5,
            credentials=DEMO,
            out_dir=out,
            only=only,
        )


def _record(result: Any, suite: str, errata: list[str], which: str) -> None:
    contract = load_contract()
    log = ReadingLog.from_dict(result.metrics.readings if result.metrics else None)
    summary = build_summary(
        target="emulator",
        started_at=result.started_at or datetime.now(UTC),
        finished_at=result.finished_at or datetime.now(UTC),
        suites=[result],
        contract=contract,
        seed=result.seed,
    )
    serious = sum(f.severity in SERIOUS for f in result.findings)
    for rid in errata:
        reading = contract.readings[rid]
        expected: tuple[str, ...] = (which,) if suite in reading.suites else ("not-exercised",)
        if which == "alternative" and reading.family and suite in reading.suites:
            expected = ("alternative", "mixed")
        name = reading.default.name if which == "default" else reading.alternatives[0].name
        _table.READING_CELLS.append(
            _table.ReadingCell(
                rid, which, name, suite, log.observed(rid), expected, serious, summary.exit_code
            )
        )


def main() -> int:
    # the emulator serves the answers' readings; the accuracy suite's are a calibration
    readings = {rid: r for rid, r in load_contract().readings.items() if r.emulator}
    plans: list[tuple[str, dict[str, str], list[str], str]] = [
        ("all", {}, sorted(readings), "default")
    ]
    for rid in sorted(readings):
        api = "all" if readings[rid].family else {"000": "match", "004": "jd"}[readings[rid].seed]
        plans.append((api, {rid: "alternative"}, [rid], "alternative"))
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for index, (api, served, errata, which) in enumerate(plans):
            label = ",".join(served) or "every default"
            for suite, run in (("conformance", _conform), ("fuzz", _fuzz)):
                began = time.monotonic()
                result = run(api, served, Path(tmp) / f"{index}-{suite}")
                _record(result, suite, errata, which)
                cells = [c for c in _table.READING_CELLS[-len(errata) :]]
                missed = [c.erratum for c in cells if not c.ok]
                print(
                    f"{label:14s} {suite:11s} {api:5s} {time.monotonic() - began:5.1f} s  "
                    f"{'as served' if not missed else 'MISSED ' + ', '.join(missed)}",
                    flush=True,
                )
    cells = _table.READING_CELLS
    ok = sum(c.ok for c in cells)
    took = time.monotonic() - started
    print(f"readings x suite: {ok}/{len(cells)} cells as served in {took:.0f} s")
    _table.record(
        "readings x suite: cells observed as served, exit 0, no finding >= medium",
        ok / len(cells),
        "",
        ratio=ok / len(cells),
        goal=">= 1.00",
        ok=ok == len(cells),
        note=f"{ok}/{len(cells)}; {len(plans) - 1} alternatives alone + every default; table below",
    )
    return 0 if ok == len(cells) else 1


if __name__ == "__main__":
    sys.exit(main())
