"""The console summary of a conformance run: per operation, which checks failed; then the
findings."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.table import Table

from harness.contract import reading_lines
from harness.results import ConformanceMetrics, ConformanceSuiteResult

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def render_summary(result: ConformanceSuiteResult, console: Console) -> None:
    metrics = result.metrics or ConformanceMetrics()
    by_op: dict[tuple[str, str], list[str]] = defaultdict(list)
    passed: dict[tuple[str, str], int] = defaultdict(int)
    for check in result.checks:
        key = (check.api or "", check.operation)
        if check.status == "fail":
            by_op[key].append(check.check)
        else:
            passed[key] += 1
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for finding in result.findings:
        counts[(finding.api, finding.operation, finding.check)] += 1
        if finding.check not in by_op[(finding.api, finding.operation)]:
            by_op[(finding.api, finding.operation)].append(finding.check)
    table = Table(title="Conformance by operation and check")
    for column in ("api", "operation", "requests", "checks passed", "failing checks"):
        table.add_column(column)
    requests = metrics.requests_by_operation
    for api, operation in sorted(set(by_op) | set(passed)):
        failing = ", ".join(
            f"{c} ({counts[(api, operation, c)]})" if counts[(api, operation, c)] > 1 else c
            for c in sorted(by_op.get((api, operation), []))
        )
        table.add_row(
            api,
            operation,
            str(requests.get(operation, "")),
            str(passed.get((api, operation), 0)),
            f"[red]{failing}[/red]" if failing else "[green]none[/green]",
        )
    console.print(table)
    for finding in result.findings:
        fid = (finding.reproduce or "").rsplit("/", 1)[-1].removesuffix(".json")
        times = f" x{finding.count}" if finding.count > 1 else ""
        console.print(
            f"[bold]{fid}[/bold] [{_STYLE[finding.severity]}]{finding.severity}[/] "
            f"{finding.rule_id or ''} {finding.check} ({finding.api} {finding.operation}){times}"
        )
        console.print("  " + finding.message, markup=False, highlight=False)
        if finding.reproduce:
            console.print(f"  reproduce: {finding.reproduce}", markup=False, highlight=False)
    for api, info in sorted(metrics.apis.items()):
        for error in info.engine_errors:
            console.print(
                f"[yellow]warning[/yellow] {api}: schemathesis reported an error: {error}",
                markup=True,
                highlight=False,
            )
    for line in reading_lines(metrics.readings):
        console.print(line, markup=False, highlight=False)
    verdict = {
        "pass": "[green]PASS[/green]",
        "fail": "[red]FAIL[/red]",
        "error": "[red]ERROR[/red]",
    }.get(result.status, result.status)
    budget = " (request budget spent)" if metrics.budget_exhausted else ""
    if metrics.time_budget_spent:
        budget = (
            f" (time budget of {metrics.max_seconds or 0:g} s spent: stopped sending, "
            "results so far)"
        )
    console.print(
        f"{verdict}: {len(result.findings)} findings, {metrics.requests} requests in "
        f"{result.duration_s or 0:.1f} s, seed {result.seed}{budget}"
    )
