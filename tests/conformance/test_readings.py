"""Conformance and readings: a policy requiring a reading, the report's table, the options.

Each reading of each erratum against an emulator serving it is tests/readings/test_every_reading.py;
here a policy requiring the default turns the mismatch into findings (basis reading) and break modes
that violate a seed rule are still findings under an alternative reading.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.conformance import replay_finding
from harness.conformance._emulator import emulator_settings

from .conftest import conform, explain


def _errata(out) -> dict[str, dict]:
    summary = json.loads((out / "summary.json").read_text())
    return {e["id"]: e for e in summary["errata"]}


# Each reading of each erratum, conform and fuzz, observed and never failed:
# tests/readings/test_every_reading.py


def test_required_reading_turns_the_mismatch_into_findings(emulator, tmp_path):
    url = emulator(readings={"E-011": "alternative"}, **emulator_settings())
    result = conform(
        url,
        tmp_path,
        api="match",
        seed=3,
        examples=4,
        phases=("examples",),
        required_readings={"E-011": "default"},
    )
    named = [f for f in result.findings if f.rule_id == "FH-M02"]
    assert named and all(f.basis == "reading" and f.erratum == "E-011" for f in named), explain(
        result
    )
    assert _errata(tmp_path)["E-011"]["required"] == "default"


@pytest.mark.slow
def test_a_probe_following_the_default_against_a_required_alternative_replays_as_found(
    emulator, tmp_path
):
    """FH-A11 sees the default reading of E-018 (uppercase sign refused) where the policy requires
    the alternative: a finding with the probe's request, and its replay (the policy recorded in
    the file) still fails."""
    url = emulator(**emulator_settings())
    result = conform(
        url,
        tmp_path,
        api="jd",
        seed=3,
        examples=1,
        phases=("examples",),
        required_readings={"E-018": "alternative"},
    )
    finding = next((f for f in result.findings if f.rule_id == "FH-A11"), None)
    assert finding is not None and finding.basis == "reading", explain(result)
    assert finding.request and finding.request["credentials"] == "upper sign", finding.request
    replayed = replay_finding(Path(finding.reproduce.removeprefix("faceharness replay ")))
    assert replayed.still_failing and "alternative reading" in replayed.detail, replayed.detail


@pytest.mark.slow
def test_a_live_service_may_refuse_with_its_own_internal_code(
    conformance_emulator, contract, tmp_path
):
    """The internal API's codes are faceharness' decision (E-014): a URL target answering an
    unknown token with another refusal code passes the token probe (FH-A02), an observation of
    the alternative; a policy requiring the default makes it a finding of that
    reading, in the probe's words."""
    url = conformance_emulator("wrong-code-bad-token")
    options = {"api": "match", "seed": 3, "examples": 1, "phases": ("examples",), "max_rps": 0}
    result = conform(url, tmp_path / "any", is_emulator=False, **options)
    assert "FH-A02" not in {f.rule_id for f in result.findings}, explain(result)
    # the probe's other code and its errmsg (FH-M07) follow the alternative; FH-M06 sees table codes
    assert _errata(tmp_path / "any")["E-014"]["observed"] == "mixed"
    required = {"E-014": "default"}
    result = conform(
        url, tmp_path / "req", is_emulator=False, required_readings=required, **options
    )
    named = [f for f in result.findings if f.rule_id == "FH-A02"]
    assert named and all(f.basis == "reading" and f.erratum == "E-014" for f in named), explain(
        result
    )
    given = contract.codes.named("match", "invalid_parameter").code
    assert named[0].message.startswith(f"Received: errcode code {given} (invalid parameter"), named[
        0
    ]


def test_seed_break_is_still_a_finding_under_the_alternative_reading(emulator, tmp_path):
    url = emulator(
        readings={"E-011": "alternative"}, breaks=("score-as-number",), **emulator_settings()
    )
    result = conform(
        url,
        tmp_path,
        api="match",
        seed=7,
        examples=2,
        phases=("examples",),
        emulator_breaks=("score-as-number",),
    )
    named = {f.rule_id or f.check: f for f in result.findings}
    assert "FH-M03" in named and named["FH-M03"].basis == "seed", explain(result)
    # one defect, one finding: the schema failure on data.result.score is merged into FH-M03
    assert not any(
        f.check in ("response_schema", "response_schema_conformance") and "score" in f.message
        for f in result.findings
    ), explain(result)


def test_policy_readings_table_is_checked_and_names_are_accepted():
    from harness.errors import ConfigError
    from harness.gate import parse_policy

    policy = parse_policy(
        {"readings": {"E-011": "comparison-ran", "E-014": "default"}}, "gate.toml"
    )
    assert policy.readings == {"E-011": "alternative", "E-014": "default"}
    with pytest.raises(ConfigError, match="E-001: not an ambiguous erratum"):
        parse_policy({"readings": {"E-001": "default"}}, "gate.toml")
    with pytest.raises(ConfigError, match="expected 'default', 'alternative'"):
        parse_policy({"readings": {"E-011": "strict"}}, "gate.toml")


def test_report_shows_the_readings_table(contract, tmp_path):
    from datetime import UTC, datetime

    from harness.contract import ReadingLog
    from harness.report import render_html
    from harness.results import build_summary

    log = ReadingLog({"E-011": "default"})
    log.observe("E-011", "alternative", "match: Received: score='35', success='true'")
    log.observe("E-011", "default")
    now = datetime.now(UTC)
    summary = build_summary(
        target="t", started_at=now, finished_at=now, suites=[], errata=log.errata(contract)
    )
    html = render_html(summary)
    assert "Readings of the documents on this target" in html
    row = html[html.index("<code>E-011</code>") :]
    row = row[: row.index("</tr>")]
    assert (
        "mixed" in row and "score=&#39;35&#39;" in row and ">default<" in row
    )  # required: default
    assert "<code>E-001</code>" not in html[html.index('id="readings"') : html.index('id="errata"')]


def test_emulate_reading_option_is_checked():
    from harness.emulator import build_settings, parse_readings_option
    from harness.errors import ConfigError

    settings = build_settings(
        readings=parse_readings_option(["E-011=comparison-ran", "E-039=alternative"])
    )
    assert (
        settings.alternative("E-011")
        and settings.alternative("E-039")
        and not settings.alternative("E-012")
    )
    with pytest.raises(ConfigError, match="expected ERRATUM=default"):
        parse_readings_option(["E-011"])
    with pytest.raises(ConfigError, match="the emulator serves"):
        build_settings(readings={"E-001": "alternative"})  # a single decision, no reading to serve


@pytest.mark.slow
def test_conform_cli_serves_a_reading_and_prints_it(tmp_path):
    """`conform --reading E-011=alternative`: exit 0, one console line per reading, summary.json
    observed."""
    from fixtures.cli import run_cli as run

    out = tmp_path / "run"
    r = run(
        "conform",
        "--target",
        "emulator",
        "--api",
        "match",
        "--phases",
        "examples",
        "--examples",
        "3",
        "--seed",
        "2",
        "--reading",
        "E-011=alternative",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("reading E-011"))
    assert "alternative (comparison-ran)" in line, r.stdout
    assert _errata(out)["E-011"]["observed"] == "alternative"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (
            ["--target", "http://127.0.0.1:9", "--reading", "E-011=alternative"],
            "--reading applies to --target emulator only",
        ),
        (
            ["--reading", "E-001=alternative"],
            "the emulator serves E-002, E-004, E-006, E-008, E-011",
        ),
        (["--codes", "missing.yaml"], "--codes missing.yaml: no such file"),
    ],
    ids=["reading-with-url", "reading-not-served", "codes-missing"],
)
def test_reading_and_codes_options_fail_in_one_line(tmp_path, args, text, cli):
    """In-process (refused before anything runs); `conform` in a real process: the tests above."""
    from fixtures.cli import one_line_error

    from .test_cli import CREDS

    one_line_error(cli("conform", *args, "--out", str(tmp_path / "out"), env=CREDS), text)


@pytest.mark.parametrize(
    ("mode", "rule_id"), [("missing-traceno", "FH-M01"), ("score-out-of-range", "FH-M04")]
)
def test_one_defect_is_one_finding_under_its_named_rule(emulator, tmp_path, mode, rule_id):
    """Issue 17.10: the schema failure at a field a named rule owns is merged into that rule's
    finding."""
    url = emulator(breaks=(mode,), **emulator_settings())
    result = conform(url, tmp_path, api="match", seed=7, examples=3, emulator_breaks=(mode,))
    checks = {
        f.rule_id or f.check for f in result.findings
    }  # one finding per operation, all this rule's
    assert checks == {rule_id}, explain(result)
