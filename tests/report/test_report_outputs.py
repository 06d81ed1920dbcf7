"""The three outputs: summary.json (schema, round trip), junit.xml (counts), report.html."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.errors import InputError
from harness.redact import redact_summary
from harness.report import load_summary, render_report, summary_to_json, write_reports
from harness.report.junit import suite_cases
from harness.report.schema import load_schema, summary_json_schema, validate_summary_data
from harness.results import SCHEMA_VERSION, Summary

from .builders import SCRIPT_MESSAGE, SECRETS, error_summary, full_summary

# --------------------------------------------------------------------------- summary.json


def test_shipped_schema_matches_the_models() -> None:
    assert load_schema() == summary_json_schema(), "run: python -m harness.report.schema"


@pytest.mark.parametrize("run", ["full_dir", "empty_dir", "error_dir"])
def test_written_summary_validates_and_round_trips(
    run: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    path = request.getfixturevalue(run) / "summary.json"
    data = json.loads(path.read_text())
    validate_summary_data(data)
    assert data["schema_version"] == SCHEMA_VERSION
    loaded = load_summary(path)
    assert summary_to_json(loaded) == path.read_text()


def test_schema_rejects_a_broken_summary(full_dir: Path) -> None:
    data = json.loads((full_dir / "summary.json").read_text())
    data["suites"]["load"]["status"] = "maybe"
    with pytest.raises(InputError, match="suites/load/status"):
        validate_summary_data(data)


def test_round_trip_equals_the_redacted_summary(full: Summary, tmp_path: Path) -> None:
    path = write_reports(full, tmp_path, SECRETS)["summary"]
    redacted = redact_summary(full, SECRETS)
    assert load_summary(path) == redacted == redact_summary(redacted, SECRETS)
    assert redacted.verdict == full.verdict and redacted.findings() != full.findings()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "summary not found"),
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"schema_version": "9.9"}', "schema_version '9.9'"),
        ('{"schema_version": "1.0", "target": "t"}', "not a valid summary: started_at"),
    ],
)
def test_load_summary_errors_are_one_line_input_errors(
    content: str | None, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "summary.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)) as err:
        load_summary(path)
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- junit.xml


def _suites(run: Path) -> dict[str, ET.Element]:
    root = ET.parse(run / "junit.xml").getroot()
    assert root.tag == "testsuites"
    return {s.get("name", ""): s for s in root.findall("testsuite")}


def _count(suite: ET.Element, attr: str) -> int:
    return int(suite.get(attr, "-1"))


def test_junit_counts_per_suite(full_dir: Path) -> None:
    suites = _suites(full_dir)
    assert list(suites) == ["conformance", "fuzz", "load", "accuracy", "gate"]
    expected = {  # (tests, failures): one case per check, merged fuzz findings, gate criteria
        "conformance": (4, 2),
        "fuzz": (2, 2),
        "load": (1, 0),
        "accuracy": (1, 1),
        "gate": (3, 1),
    }
    for name, (tests, failures) in expected.items():
        suite = suites[name]
        assert (_count(suite, "tests"), _count(suite, "failures")) == (tests, failures), name
        assert len(suite.findall("testcase")) == tests
        assert len(suite.findall("testcase/failure")) == failures
        assert _count(suite, "errors") == 0
    root = ET.parse(full_dir / "junit.xml").getroot()
    assert (root.get("tests"), root.get("failures")) == ("11", "6")


def test_junit_failures_carry_finding_messages_and_reproduce(full_dir: Path) -> None:
    failures = ET.parse(full_dir / "junit.xml").getroot().findall(".//failure")
    messages = {f.get("message") for f in failures}
    assert SCRIPT_MESSAGE in messages  # escaped by the XML writer, intact once parsed
    fuzz = [f for f in failures if f.get("type") == "FC-001"]
    assert fuzz and "(x3)" in (fuzz[0].text or "") and "faceharness replay" in (fuzz[0].text or "")


def test_junit_for_not_run_and_error_suites(empty_dir: Path, error_dir: Path) -> None:
    assert (
        _suites(empty_dir) == {}
    )  # a suite the run never selected is no test case of it (issue 17)
    suites = _suites(error_dir)
    assert _count(suites["load"], "errors") == 1
    error = suites["load"].find("testcase/error")
    assert error is not None and "connection refused" in (error.get("message") or "")
    assert (_count(suites["conformance"], "tests"), _count(suites["conformance"], "failures")) == (
        1,
        0,
    )
    assert "fuzz" not in suites


def test_suite_cases_predicts_the_written_counts(full: Summary, full_dir: Path) -> None:
    suites = _suites(full_dir)
    for name, suite in full.suites.items():
        assert len(suite_cases(name, suite)) == _count(suites[name], "tests")


# --------------------------------------------------------------------------- report.html

_EXTERNAL = re.compile(
    r"""<link\b|<script\b|<iframe\b|<img\b|@import|url\(\s*['"]?\s*(?:https?:)?//"""
    r"""|\b(?:src|href|xlink:href|action)\s*=\s*['"]?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def _html(run: Path) -> str:
    return (run / "report.html").read_text(encoding="utf-8")


def test_html_has_verdict_findings_and_plots(full: Summary, full_dir: Path) -> None:
    html = _html(full_dir)
    assert 'class="banner fail"' in html and ">FAIL<" in html
    for finding in full.findings():
        assert finding.rule_id and finding.rule_id in html
    assert html.count("<svg") == 5  # series, rate, hdr, det, histograms
    for text in ("QPS limit = 130/s", "99.9%", "false match rate (FMR)"):
        assert text in html
    assert "<code>match:errcode:42900</code>" in html  # load's errors by code
    for text in (
        "never triggered",
        "222202",
        "E-002",
        "no critical findings",
        "load.latency_ms.p99",
    ):
        assert text.lower() in html.lower()


def test_html_escapes_service_output(full_dir: Path) -> None:
    html = _html(full_dir)
    assert "<script" not in html.lower()
    assert "service said &lt;script&gt;alert(" in html


def test_html_is_self_contained(full_dir: Path, empty_dir: Path, error_dir: Path) -> None:
    for run in (full_dir, empty_dir, error_dir):
        html = _html(run)
        assert not _EXTERNAL.search(html), _EXTERNAL.search(html)
    # Without URLs in the data, nothing in the page (template, CSS, SVG) names one at all.
    for run in (empty_dir, error_dir):
        assert "http://" not in _html(run) and "https://" not in _html(run)
    no_urls = re.sub(r"https://face\.example\.test[^\s<\"&]*", "", _html(full_dir))
    assert "http://" not in no_urls and "https://" not in no_urls


def test_html_for_suites_that_did_not_run(empty_dir: Path, error_dir: Path) -> None:
    html = _html(empty_dir)
    assert 'class="banner pass"' in html and ">PASS<" in html
    assert "<svg" not in html
    for suite in ("load", "accuracy", "conformance", "fuzz"):
        assert f"The {suite} suite did not run" in html
    html = _html(error_dir)
    assert 'class="banner error"' in html and ">ERROR<" in html
    assert "The load suite could not complete: target unreachable" in html
    assert "Load and QPS limit: target unreachable" in html  # in the banner, too


def test_render_report_rebuilds_from_summary_json(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(summary_to_json(error_summary()))
    written = render_report(tmp_path)
    assert set(written) == {"junit", "html"}
    assert (tmp_path / "junit.xml").is_file() and ">ERROR<" in _html(tmp_path)
    assert render_report(tmp_path / "summary.json")["html"] == tmp_path / "report.html"


def test_render_report_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run directory not found"):
        render_report(tmp_path / "nope")
    with pytest.raises(InputError, match="summary not found"):
        render_report(tmp_path)


def test_full_summary_is_deterministic(full_dir: Path, tmp_path: Path) -> None:
    """Same summary, same bytes: reports can be diffed and re-rendered reproducibly."""
    from harness.report import write_reports

    from .builders import SECRETS

    write_reports(full_summary(), tmp_path, SECRETS)
    for name in ("summary.json", "junit.xml", "report.html"):
        assert (tmp_path / name).read_bytes() == (full_dir / name).read_bytes(), name


def test_det_with_zero_rates_is_drawn_at_the_floor() -> None:
    """Well-separated scores give mostly zero rates; the curve must still appear."""
    from harness.report.plots import det_svg
    from harness.results import AccuracyMetrics

    det = {"fmr": [1.0, 0.5, 0.001, 0.0, 0.0], "fnmr": [0.0, 0.0, 0.01, 0.2, 1.0]}
    svg = det_svg(AccuracyMetrics.model_validate({"det": det}))
    assert svg is not None and svg.startswith("<svg") and "axis floor" in svg
    assert det_svg(AccuracyMetrics()) is None


def test_each_api_gets_its_own_det_curve_and_operating_points() -> None:
    """The metrics' DET and histogram are the first API's (/match); every API's rows were drawn
    on them, so JD's ``jd.result`` point (its FMR and FNMR) sat on /match's curve, and JD's DET
    and histogram were never drawn (audit round 8). One plot per API, each with its rows, ids
    apart."""
    from harness.report.html import render_html
    from harness.results import AccuracyMetrics

    summary = full_summary()
    accuracy = summary.suites.accuracy.metrics
    assert isinstance(accuracy, AccuracyMetrics)
    data = accuracy.model_dump(mode="json")
    match_rows = data["thresholds"]
    jd_rows = [
        {**match_rows[1], "claim": "jd.result", "rule": "decision", "threshold": None,
         "fmr": 0.3, "fnmr": 0.2, "claimed_fmr": 1e-4},
        {"claim": "jd.e7", "rule": "distance<=", "claimed_fmr": 1e-7, "verdict": "untestable",
         "by_design": True},
    ]  # fmt: skip
    apis = {
        "match": {**data, "api": "match", "thresholds": match_rows},
        "jd": {**data, "api": "jd", "thresholds": jd_rows, "eer": {"value": 0.031}},
    }
    metrics = AccuracyMetrics.model_validate(
        {**data, "api": "match", "thresholds": match_rows + jd_rows, "apis": apis}
    )
    summary.suites.accuracy.metrics = metrics
    html = render_html(summary)

    def plot(label: str) -> str:
        start = html.index(f'aria-label="{label}"')
        return html[start : html.index("</svg>", start)]

    det_match, det_jd = plot("DET curve (match)"), plot("DET curve (jd)")
    assert "match.score&gt;=70" in det_match and "jd.result" not in det_match
    assert "jd.result" in det_jd and "match.score" not in det_jd
    assert plot("Score distributions (match)") and plot("Score distributions (jd)")
    assert "DET curve (jd), EER 3.1" in html  # each API's EER beside its curve
    referenced = set(re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', html))
    ids = re.findall(r'\bid="([^"]+)"', html)
    shared = {i for i in ids if ids.count(i) > 1} & {r for pair in referenced for r in pair}
    assert referenced and not shared  # two plots of one kind share no clip-path or glyph id


def test_a_distant_slo_does_not_flatten_the_latency_plots(full: Summary) -> None:
    """A 1 s SLO over 5 ms latencies would press the curves onto the axis: the axis fits the
    data instead and the SLO is named; an SLO within reach is drawn as a line."""
    from harness.report.plots import hdr_svg, series_svg

    load = full.suites.load.metrics
    assert load is not None
    near = load.model_copy(update={"slo_p99_ms": 200.0})
    far = load.model_copy(update={"slo_p99_ms": 60_000.0})
    for plot in (hdr_svg, series_svg):
        assert "above this scale" not in plot(near) and "p99 SLO" in plot(near)
        assert "p99 SLO 60000 ms: above this scale" in plot(far)


def test_junit_counts_one_failure_per_defect_in_a_gate_run(full: Summary) -> None:
    """Issue 17: gate criteria that fail only because of findings restate them; JUnit's failure
    count is the finding count, plus the criteria that fail on their own (a measured p99, say)."""
    from harness.report.junit import junit_xml
    from harness.results import GateCriterion

    criteria = [
        GateCriterion(
            name="findings.high", passed=False, reason="2 high findings", expected="0", actual="2"
        ),
        GateCriterion(name="suite.conformance", passed=False, reason="failed (see its findings)"),
        GateCriterion(name="load.p99", passed=False, reason="p99 480 ms over 200 ms"),
    ]
    gate = full.gate.model_copy(update={"criteria": criteria, "passed": False})  # type: ignore[union-attr]
    summary = full.model_copy(update={"gate": gate})
    root = ET.fromstring(junit_xml(summary).split("?>", 1)[1])
    finding_failures = sum(
        sum(1 for c in suite_cases(name, suite) if c.outcome == "failure")
        for name, suite in summary.suites.items()
    )
    gate_suite = next(s for s in root.findall("testsuite") if s.get("name") == "gate")
    assert int(gate_suite.get("failures") or 0) == 1  # load.p99 only
    assert int(root.get("failures") or 0) == finding_failures + 1


def test_html_states_each_findings_basis() -> None:
    """README: every finding states its basis (a document's sentence, an HTTP convention, a
    reading the policy requires); the report's findings table showed only the rule and erratum."""
    from datetime import UTC, datetime

    from harness.report.html import render_html
    from harness.results import Finding, SuiteResult, build_summary

    def finding(rule_id: str, basis: str, severity: str) -> Finding:
        return Finding(
            suite="conformance", api="jd", operation="faceCompareNew", check=rule_id,
            severity=severity, rule_id=rule_id, message="m", basis=basis,
        )  # fmt: skip

    now = datetime.now(UTC)
    found = [finding("FH-A10", "seed", "high"), finding("FH-H02", "convention", "low")]
    suite = SuiteResult(name="conformance", status="fail", findings=found)
    html = render_html(build_summary(target="t", started_at=now, finished_at=now, suites=[suite]))
    assert "basis seed" in html and "basis convention" in html
    from harness.conformance import RULES

    assert RULES.get("FH-A10").quote in html  # the document's words the finding stands on


def test_junit_failures_state_each_findings_basis() -> None:
    """A CI reader sees in junit.xml, as in report.html, what a red stands on: the document
    (seed), a convention, or a reading the policy requires (with its erratum)."""
    from datetime import UTC, datetime

    from harness.report.junit import junit_xml
    from harness.results import Finding, SuiteResult, build_summary

    found = [
        Finding(
            suite="conformance",
            api="jd",
            operation="faceCompareNew",
            check=rule_id,
            severity="high",
            rule_id=rule_id,
            message="m",
            basis=basis,
            erratum=erratum,
        )  # fmt: skip
        for rule_id, basis, erratum in (("FH-A10", "seed", None), ("FH-J03", "reading", "E-040"))
    ]
    now = datetime.now(UTC)
    suite = SuiteResult(name="conformance", status="fail", findings=found)
    xml = junit_xml(build_summary(target="t", started_at=now, finished_at=now, suites=[suite]))
    texts = " ".join(f.text or "" for f in ET.fromstring(xml).iter("failure"))
    assert "basis: seed" in texts and "basis: reading (E-040)" in texts, texts


def test_a_report_without_plots_does_not_import_matplotlib(tmp_path: Path) -> None:
    """Every conform and fuzz process wrote its report with matplotlib imported (about 0.5 CPU s
    of start-up each); only a report that draws a load or accuracy plot needs it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from harness.report import write_reports\n"
        "from tests.report.builders import empty_summary\n"
        f"write_reports(empty_summary(), {str(tmp_path)!r})\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr[-800:]
    assert (tmp_path / "report.html").exists()


def test_a_lone_surrogate_is_written_as_its_escape_and_read_back(tmp_path: Path) -> None:
    """Hostile session 24 (surrogate_code): JSON's ``"\\udfff"``, which Python's parser takes,
    reached accuracy's results, written with ``ensure_ascii=False``: the run ended in
    "internal error: UnicodeEncodeError". Written as its escape, JSON reads it back alike."""
    from harness.report.output import atomic_write_text

    value = {"code": "\udfff", "\ud800key": "x"}
    path = atomic_write_text(tmp_path / "r.json", json.dumps(value, ensure_ascii=False))
    assert json.loads(path.read_text("utf-8")) == value
