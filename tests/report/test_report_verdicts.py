"""Inconclusive and interrupted runs: never a green PASS in summary.json, JUnit, HTML or exit
code."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from pydantic import ValidationError

from harness.report import render_html, summary_to_json
from harness.report.junit import junit_xml
from harness.report.schema import validate_summary_data
from harness.results import (
    Gate,
    GateCriterion,
    SuiteResult,
    Summary,
    build_summary,
    interrupted_suite,
    verdict_line,
)

from .builders import T0

UNTESTED = "all 6 documented claims are untestable at this data size (49 impostor pairs)"
WHEN = "a --faces dataset with at least 29956 impostor pairs"


def _summary(*suites: SuiteResult, **fields: object) -> Summary:
    return build_summary(
        target="http://127.0.0.1:9",
        started_at=T0,
        finished_at=T0 + timedelta(seconds=5),
        suites=suites,
        **fields,
    )


def _passed(name: str = "conformance") -> SuiteResult:
    return SuiteResult(name=name, status="pass")  # type: ignore[arg-type]


def _untested(name: str = "accuracy") -> SuiteResult:
    return SuiteResult(name=name, status="inconclusive", reason=UNTESTED, testable_when=WHEN)  # type: ignore[arg-type]


def _limit(passed: bool = False, inconclusive: bool = True) -> GateCriterion:
    return GateCriterion(
        name="load.qps_limit",
        passed=passed,
        inconclusive=inconclusive,
        reason="the search stopped at its 20/s ceiling with every step good",
        testable_when="--allow-costly-load lifts the ceiling",
        expected=">= 50/s",
        actual=">= 20/s",
    )


def test_inconclusive_does_not_block_by_default_and_is_counted() -> None:
    gate = Gate(criteria=[_limit(), GateCriterion(name="findings.high", passed=True)])
    summary = _summary(_passed(), _untested(), gate=gate)
    assert summary.verdict == "pass" and summary.exit_code == 0 and gate.passed
    assert verdict_line(summary) == "PASS, 2 inconclusive"
    assert [i.name for i in summary.inconclusive_items()] == ["accuracy", "load.qps_limit"]


def test_the_policy_can_make_inconclusive_block() -> None:
    gate = Gate(criteria=[_limit()], inconclusive_blocks=True)
    summary = _summary(_passed(), gate=gate)
    assert gate.passed is False
    assert summary.verdict == "inconclusive" and summary.exit_code == 1
    assert verdict_line(summary).startswith(
        "INCONCLUSIVE (the policy says inconclusive blocks): load.qps_limit: the search stopped"
    )


def test_a_run_that_concluded_nothing_is_inconclusive_not_pass() -> None:
    summary = _summary(_untested())
    assert summary.verdict == "inconclusive" and summary.exit_code == 0
    assert verdict_line(summary) == f"INCONCLUSIVE: accuracy: {UNTESTED}; testable when: {WHEN}"


def test_a_failure_on_evidence_still_fails() -> None:
    gate = Gate(
        criteria=[_limit(), GateCriterion(name="load.p99", passed=False, reason="p99 900 ms")]
    )
    summary = _summary(_passed(), gate=gate)
    assert summary.verdict == "fail" and summary.exit_code == 1


def test_a_criterion_cannot_be_passed_and_inconclusive() -> None:
    with pytest.raises(ValidationError, match="both passed and inconclusive"):
        _limit(passed=True, inconclusive=True)


def test_an_interrupted_run_is_never_a_pass() -> None:
    partial = interrupted_suite("conformance", _passed(), "SIGINT after 4.2 s")
    summary = _summary(partial, interrupted="SIGINT after 4.2 s")
    assert summary.verdict == "interrupted" and summary.exit_code == 130
    assert partial.reason == "interrupted (SIGINT after 4.2 s); the results are partial"
    assert verdict_line(summary) == "INTERRUPTED: SIGINT after 4.2 s"
    with pytest.raises(ValidationError, match="contradicts"):
        Summary.model_validate({**json.loads(summary.model_dump_json()), "verdict": "pass"})


def test_summary_json_carries_the_new_verdicts_and_matches_its_schema() -> None:
    for summary in (
        _summary(_untested()),
        _summary(
            interrupted_suite("fuzz", None, "SIGTERM after 2.0 s"),
            interrupted="SIGTERM after 2.0 s",
        ),
    ):
        data = json.loads(summary_to_json(summary))
        validate_summary_data(data)
        assert data["verdict"] in ("inconclusive", "interrupted")
        assert Summary.model_validate(data).verdict == data["verdict"]


def test_junit_skips_what_could_not_be_judged_and_marks_an_interrupt() -> None:
    gate = Gate(criteria=[_limit()])
    root = ET.fromstring(junit_xml(_summary(_passed(), _untested(), gate=gate)))
    skipped = {
        c.get("name"): c.find("skipped").get("message")
        for c in root.iter("testcase")
        if c.find("skipped") is not None and "not run" not in (c.get("name") or "")
    }
    assert skipped == {
        "accuracy (inconclusive)": f"inconclusive: {UNTESTED}; testable when: {WHEN}",
        "load.qps_limit": "inconclusive: the search stopped at its 20/s ceiling with every step "
        "good; "
        "testable when: --allow-costly-load lifts the ceiling",
    }
    assert root.get("failures") == "0" and root.get("errors") == "0"

    stopped = _summary(
        interrupted_suite("conformance", _passed(), "SIGINT after 4.2 s"),
        interrupted="SIGINT after 4.2 s",
    )
    root = ET.fromstring(junit_xml(stopped))
    errors = [e for e in root.iter("error") if e.get("type") == "interrupted"]
    assert [e.get("message") for e in errors] == [
        "interrupted (SIGINT after 4.2 s); the results are partial",
        "interrupted: SIGINT after 4.2 s; the results are partial",
    ]
    assert int(root.get("errors") or 0) == 2


def test_junit_fails_no_case_of_an_inconclusive_suite() -> None:
    """An inconclusive suite exits 0 (a bare 404 to everything: its probes' findings rest on
    nothing): its findings are JUnit output, not failures (a red JUnit next to exit 0 would
    contradict the verdict); the suite's case is <skipped> with its reason."""
    from harness.results import Finding

    finding = Finding(
        suite="conformance", api="match", operation="match", check="invalid_refused",
        severity="high", message="Received: HTTP 404", rule_id="FH-S03",
    )  # fmt: skip
    suite = SuiteResult(
        name="conformance", status="inconclusive", reason="every answer was a bare HTTP 404",
        testable_when=WHEN, findings=[finding],
    )  # fmt: skip
    summary = _summary(suite)
    assert summary.verdict == "inconclusive" and summary.exit_code == 0
    root = ET.fromstring(junit_xml(summary))
    assert root.get("failures") == "0" and root.get("errors") == "0", junit_xml(summary)
    skipped = [
        c.find("skipped").get("message")
        for c in root.iter("testcase")
        if c.find("skipped") is not None
    ]
    assert skipped == [f"inconclusive: every answer was a bare HTTP 404; testable when: {WHEN}"]
    assert "Received: HTTP 404" in junit_xml(summary)  # listed, as the output of its check


def test_html_shows_inconclusive_grey_with_reason_and_remedy() -> None:
    page = render_html(_summary(_untested()))
    assert '<header class="banner inconclusive"' in page and ">INCONCLUSIVE<" in page
    assert UNTESTED in page and f"Testable when: {WHEN}" in page
    assert 'class="badge pass"' not in page.split("<main>")[1].split('id="gate"')[0]
    stopped = render_html(
        _summary(
            interrupted_suite("load", None, "SIGINT after 3.0 s"), interrupted="SIGINT after 3.0 s"
        )
    )
    assert '<header class="banner interrupted"' in stopped and "SIGINT after 3.0 s" in stopped


def test_html_shows_the_accuracy_suites_notes_and_observed_readings() -> None:
    """What the accuracy command prints beside its table (its notes, the contradicted claims that
    are an observed reading, the pairs a claim needs) is in report.html too; images stay out."""
    from harness.results import AccuracyMetrics

    sha = "ab" * 32
    notes = [
        "jd: 12 answer(s) carried a score outside the documented 0..1: not on the documented scale",
        f"match: 2 image(s) re-encoded as JPEG (pairs keep the original image's sha256 {sha})",
        "the false-match claims of the internal API stand in /idno's score row (ERRATA E-044)",
    ]
    row = {
        "claim": "match.score>=70",
        "claimed_fmr": 1e-3,
        "fmr": 0.9,
        "fmr_ci95": [0.88, 0.92],
        "genuine": 23,
        "impostor": 355,
        "verdict": "contradicted",
        "verdict_direction": "worse",
        "verdict_reason": "contradicted (worse) under reading E-044 (observed, not required): "
        "320 false matches in 355 impostor pairs: 95% CI [0.88, 0.92] lies above the claimed 0.001",
        "impostor_pairs_needed": 2995,
        "reading": "E-044",
        "reading_required": False,
    }
    metrics = AccuracyMetrics.model_validate({"thresholds": [row], "notes": notes})
    html = render_html(_summary(SuiteResult(name="accuracy", status="pass", metrics=metrics)))
    section = html[html.index('<section id="accuracy">') : html.index('<section id="gate">')]
    assert "<h3>Notes</h3>" in section
    for note in notes:
        assert f"<li>{note.replace(chr(39), '&#39;')}</li>" in section
    assert "1 documented claim(s) contradicted under reading E-044</b>: observed, not failed" in (
        section
    )
    assert "2,995 impostor needed" in section and "95% CI [0.88, 0.92]" in section
    assert "base64" not in html and "data:image" not in html
