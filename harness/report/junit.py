"""``junit.xml``: how CI sees a run. A failed gate and a run error get suites of their own (CI
shows *why* the job failed); what could not be judged is ``<skipped>``, never a passed case."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from harness.results import Finding, SuiteResult, Summary, inconclusive_text

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_MESSAGE = 500
_CHECK_OUTCOME = {"fail": "failure", "error": "error", "skipped": "skipped",
                  "inconclusive": "skipped", "interrupted": "skipped"}  # fmt: skip


def _clean(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


@dataclass
class Case:
    classname: str
    name: str
    time: float = 0.0
    outcome: str | None = None  # None (passed), "failure", "error" or "skipped"
    message: str = ""
    kind: str = ""  # the failure's type attribute: rule id or check name
    text: str = ""
    out: list[str] = field(default_factory=list)


def _findings_text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        rule = f"{f.rule_id} " if f.rule_id else ""
        times = f" (x{f.count})" if f.count > 1 else ""
        lines.append(f"[{f.severity}] {rule}{f.message}{times}")
        if f.basis is not None:  # what the rule stands on: a CI reader judges a red from it
            lines.append(f"  basis: {f.basis}" + (f" ({f.erratum})" if f.erratum else ""))
        if f.seed is not None:
            lines.append(f"  seed: {f.seed}")
        if f.reproduce:
            lines.append(f"  reproduce: {f.reproduce}")
    return "\n".join(lines)


def _inconclusive(reason: str | None, testable_when: str | None) -> str:
    return f"inconclusive: {inconclusive_text(reason, testable_when)}"


def _check_case(
    classname: str,
    check: str,
    operation: str,
    found: list[Finding],
    time: float | None = None,
    counted: bool = True,
) -> Case:
    """One check on one operation: failed by its failing findings, the others its output. In a
    suite that is not ``counted`` (inconclusive: its findings fail no exit code) none fails:
    a red JUnit case next to exit 0 would contradict the verdict."""
    case = Case(classname, f"{operation} :: {check}" if operation else check, time or 0.0)
    failing = [f for f in found if f.fails and counted]
    case.out = [_findings_text([f]) for f in found if not (f.fails and counted)]
    if failing:
        case.outcome, case.kind = "failure", failing[0].rule_id or failing[0].check
        case.message, case.text = failing[0].message[:_MAX_MESSAGE], _findings_text(failing)
    return case


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
    counted = suite.status != "inconclusive"
    for check in suite.checks:
        found = by_key.pop((check.check, check.operation), [])
        case = _check_case(
            classname, check.check, check.operation, found, check.duration_s, counted
        )
        if case.outcome is None and check.status in _CHECK_OUTCOME:
            case.outcome = _CHECK_OUTCOME[check.status]
            case.message = check.message or f"check {check.status}"
            if check.status in ("inconclusive", "interrupted"):
                case.message = f"{check.status}: {case.message}"
        cases.append(case)
    # findings without a check record
    cases += [_check_case(classname, *key, found, counted=counted) for key, found in by_key.items()]
    inconclusive = _inconclusive(suite.reason, suite.testable_when)
    why = {
        "error": ("run", "error", "", suite.error or "error"),
        "interrupted": ("interrupted", "error", "interrupted", suite.reason or "interrupted"),
        "inconclusive": ("inconclusive", "skipped", "", inconclusive),
        "fail": ("status", "failure", "", "suite reported fail"),
    }.get(suite.status)
    if why and not (suite.status == "fail" and any(c.outcome == "failure" for c in cases)):
        label, outcome, kind, message = why
        cases.append(
            Case(classname, f"{name} ({label})", outcome=outcome, kind=kind, message=message)
        )
    elif not cases:
        cases.append(Case(classname, f"{name} (run)", time=suite.duration_s or 0.0))
    return cases


def _gate_cases(summary: Summary) -> list[Case]:
    cases = []
    for criterion in summary.gate.criteria if summary.gate is not None else []:
        case = Case("faceharness.gate", criterion.name)
        if criterion.inconclusive:
            case.outcome = "skipped"
            case.message = _inconclusive(criterion.reason, criterion.testable_when)
        elif not criterion.passed and _restates_findings(summary, criterion.name):
            case.out = [
                f"not met: {criterion.reason or criterion.name} "
                "(its findings are the failures above)"
            ]
        elif not criterion.passed:
            case.outcome = "failure"
            case.message = criterion.reason or "criterion not met"
            case.text = f"expected: {criterion.expected}\nactual: {criterion.actual}"
        cases.append(case)
    return cases


def _restates_findings(summary: Summary, criterion: str) -> bool:
    """A criterion failed only by findings already counted as failures (one defect, one failure)."""
    if criterion.startswith("findings."):
        return True
    return any(
        criterion == f"suite.{name}"
        and suite.status == "fail"
        and any(f.fails for f in suite.findings)
        for name, suite in summary.suites.items()
    )


def _testsuite(
    parent: ET.Element, name: str, cases: list[Case], seconds: float, stamp: str
) -> None:
    node = ET.SubElement(parent, "testsuite", name=name, timestamp=stamp, tests=str(len(cases)))
    for kind, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        node.set(attr, str(sum(c.outcome == kind for c in cases)))
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


def junit_xml(summary: Summary) -> str:
    stamp = summary.started_at.strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name="faceharness")
    for name, suite in summary.suites.items():
        if suite.status == "skipped" and suite.skipped_reason == "not selected":
            continue  # a suite this run never meant to run is no test case of it
        cases = suite_cases(name, suite)
        if suite.duration_s is not None:
            seconds = suite.duration_s
        elif suite.started_at and suite.finished_at:
            seconds = max((suite.finished_at - suite.started_at).total_seconds(), 0.0)
        else:
            seconds = sum(c.time for c in cases)
        _testsuite(root, name, cases, seconds, stamp)
    gate = _gate_cases(summary)
    if gate:
        _testsuite(root, "gate", gate, 0.0, stamp)
    if summary.error or summary.verdict == "interrupted":
        how = summary.interrupted or "a suite was interrupted"
        why = summary.error or f"interrupted: {how}; the results are partial"
        kind = "" if summary.error else "interrupted"
        run = [Case("faceharness.run", "run", outcome="error", kind=kind, message=why)]
        _testsuite(root, "run", run, 0.0, stamp)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in root)))
    total = (summary.finished_at - summary.started_at).total_seconds()
    root.set("time", f"{max(total, 0.0):.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
