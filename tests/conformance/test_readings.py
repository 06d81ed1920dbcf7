"""Conformance against an emulator serving another reading of the documents: observed, never failed.

For each ambiguous erratum the emulator can serve, a run against the alternative reading ends with no
finding of medium severity or above and reports that reading as observed in summary.json; a policy
requiring the default turns the mismatch into findings (basis reading); break modes that violate a
seed rule are still findings under the alternative reading.
"""

from __future__ import annotations

import json

import pytest

from harness.conformance._emulator import emulator_settings

from .conftest import conform, explain

SERVED = [("E-011", "match"), ("E-039", "match"), ("E-012", "match")]


def _errata(out) -> dict[str, dict]:
    summary = json.loads((out / "summary.json").read_text())
    return {e["id"]: e for e in summary["errata"]}


@pytest.mark.parametrize(("erratum", "api"), SERVED, ids=[s[0] for s in SERVED])
def test_alternative_reading_is_observed_not_failed(emulator, tmp_path, erratum, api):
    url = emulator(readings={erratum: "alternative"}, **emulator_settings())
    result = conform(url, tmp_path, api=api, seed=3, examples=4)
    serious = [f for f in result.findings if f.severity in ("critical", "high", "medium")]
    assert serious == [], explain(result)
    assert result.status == "pass", explain(result)
    entry = _errata(tmp_path)[erratum]
    assert entry["observed"] in ("alternative", "mixed"), entry
    assert entry["evidence"]["counts"]["alternative"] > 0
    assert "Received" in entry["evidence"]["example"]


def test_default_emulator_is_observed_following_the_default(emulator, tmp_path):
    url = emulator(**emulator_settings())
    conform(url, tmp_path, api="match", seed=3, examples=3)
    errata = _errata(tmp_path)
    for erratum, _ in SERVED:
        assert errata[erratum]["observed"] == "default", errata[erratum]
    assert errata["E-001"].get("observed") is None  # single-decision errata have nothing to observe


def test_required_reading_turns_the_mismatch_into_findings(emulator, tmp_path):
    url = emulator(readings={"E-011": "alternative"}, **emulator_settings())
    result = conform(url, tmp_path, api="match", seed=3, examples=4, required_readings={"E-011": "default"})
    named = [f for f in result.findings if f.rule_id == "FH-M02"]
    assert named and all(f.basis == "reading" and f.erratum == "E-011" for f in named), explain(result)
    assert _errata(tmp_path)["E-011"]["required"] == "default"


def test_seed_break_is_still_a_finding_under_the_alternative_reading(emulator, tmp_path):
    url = emulator(readings={"E-011": "alternative"}, breaks=("score-as-number",), **emulator_settings())
    result = conform(url, tmp_path, api="match", seed=7, examples=2, phases=("examples",),
                     emulator_breaks=("score-as-number",))
    named = {f.rule_id or f.check: f for f in result.findings}
    assert "FH-M03" in named and named["FH-M03"].basis == "seed", explain(result)
    # one defect, one finding: the schema failure on data.result.score is merged into FH-M03
    assert not any(f.check == "response_schema_conformance" and "score" in f.message for f in result.findings), \
        explain(result)
