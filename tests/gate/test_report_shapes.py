"""Snapshots of the shapes of summary.json and junit.xml (keys, tags, attributes, types; no values)
from one real gate run: CI dashboards and JUnit readers parse these files, so a renamed or dropped
field must be a decision (rerun with FACEHARNESS_UPDATE_SNAPSHOTS=1, commit tests/snapshots/),
never an accident. The run is the package's `healthy_run` (every suite), computed once."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from fixtures.shapes import check_snapshot, differences, json_shape, xml_shape


@pytest.fixture
def passed(healthy_run):
    """The snapshots are of a passing run (a suite that could not run writes fewer fields)."""
    assert healthy_run.outcome.summary.verdict == "pass", "the healthy gate run did not pass: see test_gate_run"
    return healthy_run


def test_summary_json_keeps_its_shape(passed):
    data = json.loads((passed.out_dir / "summary.json").read_text(encoding="utf-8"))
    check_snapshot("summary.json.shape", json_shape(data))


def test_junit_xml_keeps_its_shape(passed):
    check_snapshot("junit.xml.shape", xml_shape(ET.parse(passed.out_dir / "junit.xml").getroot()))


def test_the_shape_comparison_sees_renamed_dropped_and_retyped_fields():
    before = json_shape({"verdict": "pass", "suites": {"load": {"qps_limit": 40.0, "codes": {"HTTP 429": 3}}},
                         "checks": [{"name": "a", "duration_s": None}]})
    assert differences(before, before) == []
    renamed = json_shape({"verdict": "pass", "suites": {"load": {"qps": 40.0, "codes": {"MATCH 1": 1}}},
                          "checks": [{"name": "a", "duration_s": 1.5}]})
    assert differences(before, renamed) == ["$.suites.load.qps_limit: missing", "$.suites.load.qps: new"]
    retyped = json_shape({"verdict": True, "suites": {"load": {"qps_limit": "40", "codes": {}}}, "checks": []})
    assert sorted(differences(before, retyped)) == ['$.suites.load.qps_limit: "number" became "string"',
                                                   '$.verdict: "string" became "boolean"']
    xml_before = xml_shape(ET.fromstring('<testsuites tests="1"><testsuite name="x"><testcase name="t"/>'
                                         '</testsuite></testsuites>'))
    xml_after = xml_shape(ET.fromstring('<testsuites><testsuite name="x"><case name="t"/></testsuite></testsuites>'))
    assert sorted(differences(xml_before, xml_after)) == [
        "$.testsuites.<testsuite>.<case>: new",
        "$.testsuites.<testsuite>.<testcase>: missing",
        "$.testsuites.@tests: missing",
    ]
