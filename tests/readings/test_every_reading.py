"""Every reading of every ambiguous erratum (specs/readings.yaml), conform and fuzz against an
emulator serving it.

Issue 14's "Done means": for each ambiguous erratum and each of its readings, `conform` and `fuzz`
against the emulator serving that reading exit 0 with no finding of medium severity or above, and
summary.json reports that reading as observed. Two emulators per suite, started as the CLI starts
them (`--target emulator`, `--reading E-...=alternative` for every erratum at once): one serving
every default reading, one serving every alternative. Serving all alternatives together is the
stricter test (a service that reads the documents its own way reads many sentences its own way),
and it keeps this module fast. `make bench` runs each alternative alone
(benchmarks/bench_readings.py).

A suite that cannot tell an erratum's readings apart is left out of its ``suites`` in readings.yaml
(with the reason), and its summary must report ``not-exercised`` for it; the other suite must
observe it. An erratum marked ``family`` (independent limits) may be seen "mixed" on a lenient
target.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from harness.clients import DEMO
from harness.contract import load_contract
from harness.results import build_summary

# the readings conformance and fuzz tell apart; the accuracy suite's (E-044, E-036: a documented
# false-match claim held or contradicted) are observed on measured claims (tests/accuracy)
READINGS = {
    rid: r for rid, r in load_contract().readings.items() if {"conformance", "fuzz"} & {*r.suites}
}
ACCURACY_READINGS = {"E-044", "E-036"}
SERIOUS = ("critical", "high", "medium")
SUITE = {"conform": "conformance", "fuzz": "fuzz"}

# fuzz properties that exercise the readings (the others judge scores, not readings)
FUZZ_PROPERTIES = [
    "match:valid-requests",
    "match:invalid-requests",
    "jd:valid-requests",
    "jd:invalid-requests",
    "match:livecode-lifecycle",
    "match:async-result",
    "jd:quota-countdown",
]


def _summary(result: Any, out: Path) -> tuple[Any, dict[str, dict[str, Any]]]:
    """summary.json as `conform`/`fuzz` write it (harness.commands), and its errata by id."""
    from harness.report import write_reports

    summary = build_summary(
        target="emulator",
        started_at=result.started_at or datetime.now(UTC),
        finished_at=result.finished_at or datetime.now(UTC),
        suites=[result],
        contract=load_contract(),
        seed=result.seed,
    )
    write_reports(summary, out, DEMO.secrets())
    errata = json.loads((out / "summary.json").read_text())["errata"]
    return summary, {e["id"]: e for e in errata}


def _conform(which: str, out: Path) -> Any:
    from harness.conformance import conformance_target, run_conformance

    served = {rid: "alternative" for rid in READINGS} if which == "alternative" else None
    # what `conform --target emulator --reading ...` starts
    with conformance_target("emulator", (), DEMO, served) as url:
        return run_conformance(
            url,
            is_emulator=True,
            api="all",
            examples=2,
            seed=3,
            credentials=DEMO,
            out_dir=out,
            phases=("examples", "coverage"),
        )


def _fuzz(which: str, out: Path) -> Any:
    from harness.fuzz import emulator_overrides, run_fuzz
    from harness.target import open_target

    served = (
        {"readings": {rid: "alternative" for rid in READINGS}} if which == "alternative" else {}
    )
    with open_target(
        "emulator", engine="fast", **emulator_overrides(), **served
    ) as target:  # as `fuzz` does
        return run_fuzz(
            target.url,
            is_emulator=True,
            api="all",
            seed=1,
            max_examples=5,
            credentials=DEMO,
            out_dir=out,
            only=FUZZ_PROPERTIES,
        )


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str, str], tuple[Any, Any, dict[str, Any]]]]:
    """`result, summary, errata = run("alternative", "fuzz")`: one run per reading set and suite,
    shared."""
    done: dict[tuple[str, str], tuple[Any, Any, dict[str, Any]]] = {}

    def get(which: str, suite: str) -> tuple[Any, Any, dict[str, Any]]:
        if (which, suite) not in done:
            out = tmp_path_factory.mktemp(f"{suite}-{which}")
            result = (_conform if suite == "conform" else _fuzz)(which, out)
            done[which, suite] = (result, *_summary(result, out))
        return done[which, suite]

    yield get


def _explain(result: Any) -> str:
    return "\n".join(
        f"{f.severity} {f.rule_id or f.check} {f.operation}: {f.message}" for f in result.findings
    )


CASES = [
    (rid, which, suite)
    for rid in sorted(READINGS)
    for which in ("default", "alternative")
    for suite in ("conform", "fuzz")
]


@pytest.mark.parametrize(
    ("erratum", "which", "suite"), CASES, ids=[f"{r}-{w}-{s}" for r, w, s in CASES]
)
def test_reading_is_observed_and_never_failed(
    run: Any, erratum: str, which: str, suite: str
) -> None:
    result, summary, errata = run(which, suite)
    assert [f for f in result.findings if f.severity in SERIOUS] == [], _explain(result)
    assert summary.exit_code == 0, (summary.verdict, _explain(result))
    entry = errata[erratum]
    if SUITE[suite] not in READINGS[erratum].suites:
        assert entry["observed"] == "not-exercised", (
            entry,
            f"{suite} was thought blind to it (readings.yaml)",
        )
        other = next(s for s, name in SUITE.items() if name in READINGS[erratum].suites)
        entry = run(which, other)[2][erratum]  # the suite readings.yaml says tells them apart
    seen = (
        ("alternative", "mixed")
        if which == "alternative" and READINGS[erratum].family
        else (which,)
    )
    assert entry["observed"] in seen, entry
    assert entry["evidence"]["counts"][which] > 0, entry
    if which == "alternative":  # the first answer that followed it, quoted
        assert entry["evidence"]["example"], entry


def test_every_reading_is_served_by_the_emulator() -> None:
    """`emulate --reading ID=alternative` accepts every ambiguous erratum and names what it
    serves (the accuracy suite's readings aside: a calibration, not an answer's shape)."""
    from harness.emulator import build_settings

    assert set(load_contract().readings) - set(READINGS) == ACCURACY_READINGS

    settings = build_settings(readings={rid: "alternative" for rid in READINGS})
    assert all(settings.alternative(rid) for rid in READINGS)
    assert all(r.emulator and r.emulator_serves for r in READINGS.values())


# break modes that violate a seed rule, and the rule that must still name them under every
# alternative
SEED_BREAKS = [
    ("score-as-number", "match", "FH-M03"),
    ("errcode-status-mismatch", "match", "FH-M01"),
    ("thresholds-out-of-order", "jd", "FH-J06"),
    ("accept-bad-sign", "jd", "FH-A10"),
]


@pytest.mark.parametrize(("mode", "api", "rule_id"), SEED_BREAKS, ids=[b[0] for b in SEED_BREAKS])
def test_seed_break_is_a_finding_under_every_alternative(
    tmp_path: Path, mode: str, api: str, rule_id: str
) -> None:
    from harness.conformance import conformance_target, run_conformance

    with conformance_target(
        "emulator", (mode,), DEMO, {rid: "alternative" for rid in READINGS}
    ) as url:
        result = run_conformance(
            url,
            is_emulator=True,
            api=api,
            examples=2,
            seed=7,
            credentials=DEMO,
            out_dir=tmp_path,
            phases=("examples",),
            emulator_breaks=(mode,),
        )
    named = [f for f in result.findings if f.rule_id == rule_id]
    assert named and all(f.basis == "seed" and f.severity in SERIOUS for f in named), _explain(
        result
    )
    assert result.status != "pass"


@pytest.mark.parametrize(
    ("mode", "check"),
    [("score-out-of-range", "response_schema"), ("errcode-status-mismatch", "envelope-consistent")],
)
def test_fuzz_finds_a_seed_break_under_every_alternative(
    tmp_path: Path, mode: str, check: str
) -> None:
    """errcode 0, status FAIL and a positive result fits no reading of E-039 (“SUCCESS”为业务成功),
    even against a service that takes the two-level reading."""
    from harness.fuzz import emulator_overrides, run_fuzz
    from harness.target import open_target

    served = {rid: "alternative" for rid in READINGS}
    with open_target(
        "emulator", engine="fast", breaks=(mode,), readings=served, **emulator_overrides()
    ) as target:
        result = run_fuzz(
            target.url,
            is_emulator=True,
            api="match",
            seed=1,
            max_examples=5,
            credentials=DEMO,
            out_dir=tmp_path,
            only=["match:valid-requests"],
            breaks=(mode,),
        )
    named = [f for f in result.findings if f.check == check]
    assert named and all(f.severity in SERIOUS and f.basis == "seed" for f in named), _explain(
        result
    )
