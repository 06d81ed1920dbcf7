"""``junit.xml``: how CI systems (GitLab, Jenkins, GitHub actions) see a run.

One ``<testsuite>`` per harness suite, one ``<testcase>`` per executed check and operation;
failing findings become ``<failure>`` elements carrying their messages and reproduce
commands. A failed gate and a run-level error get suites of their own so CI shows *why*
the job failed. What could not be judged (an ``inconclusive`` suite, check or criterion) is
``<skipped>`` with the reason, never a passed case; an interrupted run carries an
``<error type="interrupted">`` in its suite and in a ``run`` suite.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from harness.results import Finding, SuiteResult, Summary

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_MESSAGE = 500


def _clean(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


@dataclass
class Case:
    """One test case, before it becomes XML."""

    classname: str
    name: str
    time: float = 0.0
    outcome: str | None = None  # None (passed), "failure", "error" or "skipped"
    message: str = ""
    kind: str = ""  # the failure's type attribute: rule id or check name
    text: str = ""
    out: list[str] = field(default_factory=list)


def _case_name(check: str, operation: str) -> str:
    return f"{operation} :: {check}" if operation else check


def _findings_text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        rule = f"{f.rule_id} " if f.rule_id else ""
        times = f" (x{f.count})" if f.count > 1 else ""
        lines.append(f"[{f.severity}] {rule}{f.message}{times}")
        if f.seed is not None:
            lines.append(f"  seed: {f.seed}")
        if f.reproduce:
            lines.append(f"  reproduce: {f.reproduce}")
    return "\n".join(lines)


def _inconclusive(reason: str | None, testable_when: str | None) -> str:
    return f"inconclusive: {reason or 'could not be judged'}" + (
        f"; testable when: {testable_when}" if testable_when else ""
    )


_CHECK_OUTCOME = {"fail": "failure", "error": "error", "skipped": "skipped",
                  "inconclusive": "skipped", "interrupted": "skipped"}  # fmt: skip


def _fail(case: Case, findings: list[Finding]) -> None:
    case.outcome = "failure"
    case.kind = findings[0].rule_id or findings[0].check
    case.message = findings[0].message[:_MAX_MESSAGE]
    case.text = _findings_text(findings)


def suite_cases(name: str, suite: SuiteResult) -> list[Case]:
    """The test cases of one suite (also used by tests to predict counts)."""
    classname = f"faceharness.{name}"
    if suite.status == "skipped":
        reason = suite.skipped_reason or "not run"
        return [Case(classname, f"{name} (not run)", outcome="skipped", message=reason)]

    by_key: dict[tuple[str, str], list[Finding]] = {}
    for finding in suite.findings:
        by_key.setdefault((finding.check, finding.operation), []).append(finding)

    cases: list[Case] = []
    for check in suite.checks:
        key = (check.check, check.operation)
        case = Case(classname, _case_name(*key), time=check.duration_s or 0.0)
        found = by_key.pop(key, [])
        failing = [f for f in found if f.fails]
        case.out = [_findings_text([f]) for f in found if not f.fails]
        if failing:
            _fail(case, failing)
        elif check.status in _CHECK_OUTCOME:
            case.outcome = _CHECK_OUTCOME[check.status]
            case.message = check.message or f"check {check.status}"
            if check.status in ("inconclusive", "interrupted"):
                case.message = f"{check.status}: {case.message}"
        cases.append(case)
    for (check_name, operation), found in by_key.items():  # findings without a check record
        case = Case(classname, _case_name(check_name, operation))
        failing = [f for f in found if f.fails]
        case.out = [_findings_text([f]) for f in found if not f.fails]
        if failing:
            _fail(case, failing)
        cases.append(case)

    if suite.status == "error":
        cases.append(
            Case(classname, f"{name} (run)", outcome="error", message=suite.error or "error")
        )
    elif suite.status == "interrupted":
        cases.append(
            Case(
                classname,
                f"{name} (interrupted)",
                outcome="error",
                kind="interrupted",
                message=suite.reason or "interrupted",
            )
        )
    elif suite.status == "inconclusive":
        cases.append(
            Case(
                classname,
                f"{name} (inconclusive)",
                outcome="skipped",
                message=_inconclusive(suite.reason, suite.testable_when),
            )
        )
    elif suite.status == "fail" and not any(c.outcome == "failure" for c in cases):
        cases.append(
            Case(classname, f"{name} (status)", outcome="failure", message="suite reported fail")
        )
    elif not cases:
        cases.append(Case(classname, f"{name} (run)", time=suite.duration_s or 0.0))
    return cases


def _gate_cases(summary: Summary) -> list[Case]:
    if summary.gate is None:
        return []
    cases = []
    for criterion in summary.gate.criteria:
        case = Case("faceharness.gate", criterion.name)
        if (
            not criterion.passed
            and not criterion.inconclusive
            and _restates_findings(summary, criterion.name)
        ):
            case.out = [
                f"not met: {criterion.reason or criterion.name} "
                "(its findings are the failures above)"
            ]
        elif criterion.inconclusive:
            case.outcome = "skipped"
            case.message = _inconclusive(criterion.reason, criterion.testable_when)
        elif not criterion.passed:
            case.outcome = "failure"
            case.message = criterion.reason or "criterion not met"
            case.text = f"expected: {criterion.expected}\nactual: {criterion.actual}"
        cases.append(case)
    return cases


def _suite_seconds(suite: SuiteResult, cases: list[Case]) -> float:
    if suite.duration_s is not None:
        return suite.duration_s
    if suite.started_at and suite.finished_at:
        return max((suite.finished_at - suite.started_at).total_seconds(), 0.0)
    return sum(c.time for c in cases)


def _testsuite(
    parent: ET.Element, name: str, cases: list[Case], seconds: float, stamp: str
) -> None:
    node = ET.SubElement(parent, "testsuite", name=name, timestamp=stamp)
    counts = {
        kind: sum(c.outcome == kind for c in cases) for kind in ("failure", "error", "skipped")
    }
    node.set("tests", str(len(cases)))
    node.set("failures", str(counts["failure"]))
    node.set("errors", str(counts["error"]))
    node.set("skipped", str(counts["skipped"]))
    node.set("time", f"{seconds:.3f}")
    for case in cases:
        element = ET.SubElement(
            node,
            "testcase",
            classname=case.classname,
            name=_clean(case.name),
            time=f"{case.time:.3f}",
        )
        if case.outcome:
            child = ET.SubElement(element, case.outcome, message=_clean(case.message))
            if case.outcome != "skipped":
                child.set("type", _clean(case.kind or case.outcome))
            child.text = _clean(case.text or case.message)
        if case.out:
            ET.SubElement(element, "system-out").text = _clean("\n".join(case.out))


def _restates_findings(summary: Summary, criterion: str) -> bool:
    """A criterion that fails only because of findings already counted as failures (one defect,
    one failure: JUnit's failure count is the finding count)."""
    if criterion.startswith("findings."):
        return True
    return any(
        criterion == f"suite.{name}"
        and suite.status == "fail"
        and any(f.fails for f in suite.findings)
        for name, suite in summary.suites.items()
    )


def junit_xml(summary: Summary) -> str:
    """The JUnit XML text for ``summary`` (redacted by :func:`harness.report.write_reports`)."""
    stamp = summary.started_at.strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name="faceharness")
    for name, suite in summary.suites.items():
        if suite.status == "skipped" and suite.skipped_reason == "not selected":
            continue  # a suite this run never meant to run is no test case of it
        cases = suite_cases(name, suite)
        _testsuite(root, name, cases, _suite_seconds(suite, cases), stamp)
    gate = _gate_cases(summary)
    if gate:
        _testsuite(root, "gate", gate, 0.0, stamp)
    if summary.error:
        run = [Case("faceharness.run", "run", outcome="error", message=summary.error)]
        _testsuite(root, "run", run, 0.0, stamp)
    elif summary.verdict == "interrupted":
        how = summary.interrupted or "a suite was interrupted"
        why = f"interrupted: {how}; the results are partial"
        run = [Case("faceharness.run", "run", outcome="error", kind="interrupted", message=why)]
        _testsuite(root, "run", run, 0.0, stamp)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in root)))
    total = (summary.finished_at - summary.started_at).total_seconds()
    root.set("time", f"{max(total, 0.0):.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
