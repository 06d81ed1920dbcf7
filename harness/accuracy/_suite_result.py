"""Per-API accuracy results -> the suite result the gate reads, and ``accuracy.json``.

Findings are raised only for *contradicted* claims (severity high): an untestable claim is
a statement about the sample size, not about the service. When no claim could be tested the
suite is ``inconclusive`` (never a pass that tested nothing), with what would make it testable.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.results import AccuracySuiteResult, CheckResult, Finding, derive_status

from ._claims import Verdict
from ._dataset import Dataset
from ._result import AccuracyResult

OPERATIONS = {"match": "match", "jd": "faceCompareNew"}
"""The operation each API's pairs go through (contract operation ids)."""
ERRATA = {"jd": "E-004"}
_CHECK_STATUS = {"consistent": "pass", "contradicted": "fail", "untestable": "inconclusive"}


def demote(result: AccuracyResult, caveat: str) -> AccuracyResult:
    """Every verdict becomes ``untestable`` with ``caveat``, keeping what was measured.

    For datasets that cannot carry a verdict (the built-in set: one pair of people), so a
    demo never fails a gate on evidence that is not evidence.
    """
    claims = []
    for metrics in result.claims:
        old = metrics.verdict
        if old.verdict != "untestable":
            reason = f"{caveat} (measured: {old.verdict}, {old.reason})"
            new = Verdict("untestable", None, reason, old.impostor_pairs_needed, old.ci95)
            metrics = dataclasses.replace(metrics, verdict=new)
        claims.append(metrics)
    return dataclasses.replace(result, claims=claims)


def build_metrics(
    results: Sequence[AccuracyResult], dataset: Dataset, notes: Sequence[str]
) -> dict[str, Any]:
    """``suites.accuracy.metrics``: the first API's figures, every API's operating points.

    Top-level ``pairs``/``outcomes``/``eer``/``det``/``histogram`` describe the first API
    of the run (the internal API when both ran); ``thresholds`` lists the operating points
    of every API (claim names carry the API); ``apis`` holds each API's full metrics.
    """
    per_api = {r.api: r.to_dict() for r in results}
    metrics = dict(per_api[results[0].api])
    metrics["thresholds"] = [row for r in results for row in per_api[r.api]["thresholds"]]
    metrics["complete"] = all(r.complete for r in results)
    metrics["run"] = {
        "calls": sum(r.run.calls for r in results),
        "from_cache": sum(r.run.from_cache for r in results),
        "budget_exhausted": any(r.run.budget_exhausted for r in results),
    }
    metrics["dataset"] = dataset.describe()
    metrics["supports_claims"] = dataset.supports_claims
    metrics["apis"] = per_api
    metrics["notes"] = list(notes)
    return metrics


def findings_for(result: AccuracyResult, reproduce: str) -> list[Finding]:
    """One high-severity finding per contradicted claim."""
    found = []
    for metrics in result.claims:
        verdict = metrics.verdict
        if verdict.verdict != "contradicted":
            continue
        found.append(
            Finding(
                suite="accuracy",
                api=result.api,
                operation=OPERATIONS[result.api],
                check="documented_fmr",
                severity="high",
                message=(
                    f"{metrics.claim.name}: documented FMR {metrics.claim.claimed_fmr:g} is "
                    f"contradicted ({verdict.direction}): {verdict.reason}"
                ),
                unique_key=f"accuracy:{metrics.claim.name}:{result.target}",
                reproduce=reproduce,
                erratum=ERRATA.get(result.api),
            )
        )
    return found


def checks_for(result: AccuracyResult) -> list[CheckResult]:
    """One check per operating point: consistent passes, contradicted fails, else skipped."""
    rows = [(m.claim.name, m.verdict.verdict, m.verdict.reason) for m in result.claims]
    rows += [(u.name, "untestable", u.reason) for u in result.by_design]
    return [
        CheckResult(
            check=name,
            operation=OPERATIONS[result.api],
            api=result.api,
            status=_CHECK_STATUS[verdict],  # type: ignore[arg-type]
            message=reason,
        )
        for name, verdict, reason in rows
    ]


def inconclusive_reason(
    results: Sequence[AccuracyResult], dataset: Dataset
) -> tuple[str, str] | None:
    """(why, what would make it testable) when not one documented claim could be tested."""
    measured = [m for r in results for m in r.claims]
    if any(m.verdict.verdict != "untestable" for m in measured):
        return None
    total = len(measured) + sum(len(r.by_design) for r in results)
    impostor = max((m.impostor for m in measured), default=0)
    needed = max((m.verdict.impostor_pairs_needed for m in measured), default=0)
    why = (
        f"all {total} documented claims are untestable at this data size ({impostor} impostor pairs"
    )
    why += f", {needed} needed for the strictest claim)" if needed else ")"
    if not dataset.supports_claims and dataset.caveat:
        why += f"; {dataset.caveat}"
    when = (
        f"a --faces dataset with at least {needed} impostor pairs scored (labels.csv, many "
        "identities)"
        if needed
        else "a --faces dataset large enough for the documented false-match rates"
    )
    return why, when


def suite_result(
    results: Sequence[AccuracyResult],
    dataset: Dataset,
    notes: Sequence[str],
    *,
    reproduce: dict[str, str],
    started_at: datetime,
    finished_at: datetime,
    seed: int,
) -> AccuracySuiteResult:
    findings = [f for r in results for f in findings_for(r, reproduce[r.api])]
    status = derive_status(findings)
    untested = inconclusive_reason(results, dataset) if status == "pass" else None
    return AccuracySuiteResult.model_validate(
        {
            "name": "accuracy",
            "status": "inconclusive" if untested else status,
            "reason": untested[0] if untested else None,
            "testable_when": untested[1] if untested else None,
            "findings": findings,
            "checks": [c for r in results for c in checks_for(r)],
            "metrics": build_metrics(results, dataset, notes),
            "started_at": started_at,
            "finished_at": finished_at,
            "duration_s": (finished_at - started_at).total_seconds(),
            "seed": seed,
        }
    )


def write_accuracy_json(
    path: Path, results: Sequence[AccuracyResult], dataset: Dataset, notes: Sequence[str]
) -> Path:
    """``accuracy.json``: every API's ``AccuracyResult.to_dict()``, written atomically."""
    document = {
        "target": results[0].target if results else None,
        "dataset": dataset.describe(),
        "supports_claims": dataset.supports_claims,
        "notes": list(notes),
        "apis": {r.api: r.to_dict() for r in results},
    }
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path
