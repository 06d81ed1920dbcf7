"""Snapshots of the shapes of summary.json and junit.xml (keys, tags, attributes, types; no values)
from one real small run (`conform` against the emulator): CI dashboards and JUnit readers parse
these files, so a renamed or dropped field must be a decision (rerun with
FACEHARNESS_UPDATE_SNAPSHOTS=1, commit tests/snapshots/), never an accident."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fixtures.shapes import check_snapshot, differences, json_shape, xml_shape

from harness.clients import DEMO
from harness.conformance import ConformanceSuite
from harness.conformance._emulator import emulator_settings
from harness.emulator import EmulatorServer, build_settings, create_app
from harness.report import write_reports
from harness.results import build_summary
from harness.suite import RunContext


@pytest.fixture(scope="module")
def run_dir(contract, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small conformance run (both APIs, the documented examples) on an unbroken emulator,
    summarised and written as `conform` does."""
    out = tmp_path_factory.mktemp("shapes")
    app = create_app(build_settings(engine="fast", **emulator_settings()), contract=contract)
    suite = ConformanceSuite(examples=2, phases=("examples",))
    with EmulatorServer(app) as url:
        ctx = RunContext(
            target="emulator", url=url, is_emulator=True, credentials=DEMO, out_dir=out, seed=1
        )
        result = suite.run(ctx)
    assert result.status == "pass", [
        f.message for f in result.findings
    ]  # the snapshots are of a passing run
    assert result.started_at is not None and result.finished_at is not None
    summary = build_summary(
        target="emulator",
        started_at=result.started_at,
        finished_at=result.finished_at,
        suites=[result],
        contract=contract,
        seed=result.seed,
    )
    write_reports(summary, out, DEMO.secrets())
    return out


def test_summary_json_keeps_its_shape(run_dir):
    data = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    check_snapshot("summary.json.shape", json_shape(data))


def test_junit_xml_keeps_its_shape(run_dir):
    check_snapshot("junit.xml.shape", xml_shape(ET.parse(run_dir / "junit.xml").getroot()))


def test_the_shape_comparison_sees_renamed_dropped_and_retyped_fields():
    before = json_shape(
        {
            "verdict": "pass",
            "suites": {"load": {"qps_limit": 40.0, "codes": {"http:429": 3}}},
            "checks": [{"name": "a", "duration_s": None}],
        }
    )
    assert differences(before, before) == []
    renamed = json_shape(
        {
            "verdict": "pass",
            "suites": {"load": {"qps": 40.0, "codes": {"match:errcode:1": 1}}},
            "checks": [{"name": "a", "duration_s": 1.5}],
        }
    )
    assert differences(before, renamed) == [
        "$.suites.load.qps_limit: missing",
        "$.suites.load.qps: new",
    ]
    retyped = json_shape(
        {"verdict": True, "suites": {"load": {"qps_limit": "40", "codes": {}}}, "checks": []}
    )
    assert sorted(differences(before, retyped)) == [
        '$.suites.load.qps_limit: "number" became "string"',
        '$.verdict: "string" became "boolean"',
    ]
    xml_before = xml_shape(
        ET.fromstring(
            '<testsuites tests="1"><testsuite name="x"><testcase name="t"/>'
            "</testsuite></testsuites>"
        )
    )
    xml_after = xml_shape(
        ET.fromstring('<testsuites><testsuite name="x"><case name="t"/></testsuite></testsuites>')
    )
    assert sorted(differences(xml_before, xml_after)) == [
        "$.testsuites.<testsuite>.<case>: new",
        "$.testsuites.<testsuite>.<testcase>: missing",
        "$.testsuites.@tests: missing",
    ]
