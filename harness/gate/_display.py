"""What a person sees: one rich progress bar per stage while the gate runs, then a table.

Progress goes to stderr (stdout keeps the results), and the bars stay on screen after
each stage so a CI log shows how long every stage took.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table

from harness.results import SUITE_NAMES, SuiteName, SuiteResult, Summary

_STATUS_STYLE = {"pass": "green", "fail": "bold red", "error": "bold magenta", "skipped": "dim"}
_TITLES = {"conformance": "conformance", "fuzz": "fuzz", "load": "load", "accuracy": "accuracy"}


class RichObserver:
    """Rich progress bars for the gate's stages (a :class:`StageObserver`)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.progress = Progress(
            TextColumn("{task.fields[stage]}", table_column=Column(width=11, no_wrap=True)),
            BarColumn(bar_width=20), TimeElapsedColumn(),
            TextColumn("{task.description}", table_column=Column(ratio=1, overflow="ellipsis",
                                                                   no_wrap=True)),
            console=self.console, transient=False, expand=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage_started(self, name: SuiteName) -> None:
        self.tasks[name] = self.progress.add_task("starting", total=None, stage=_TITLES[name])

    def stage_progress(self, name: SuiteName, done: float, total: float | None, text: str) -> None:
        task = self.tasks.get(name)
        if task is not None:
            self.progress.update(task, completed=done, total=total, description=text[:60])

    def stage_finished(self, name: SuiteName, result: SuiteResult) -> None:
        task = self.tasks.get(name)
        if task is None:
            return
        style = _STATUS_STYLE.get(result.status, "")
        detail = f" ({len(result.findings)} findings)" if result.findings else ""
        if result.status == "error":
            detail = f": {result.error}"
        total = self.progress.tasks[task].total or 1
        self.progress.update(task, total=total, completed=total,
                             description=f"[{style}]{result.status}[/]{detail}"[:200])

    def note(self, text: str) -> None:
        self.progress.console.print(f"[yellow]note:[/] {text}")


def summary_table(summary: Summary) -> Table:
    """Suites, findings and key metrics of a run, then the gate's criteria."""
    table = Table(title=f"faceharness gate: {summary.verdict.upper() if summary.verdict else '?'}"
                        f" ({summary.target})")
    for col in ("suite", "status", "findings", "detail"):
        table.add_column(col, overflow="fold")
    for name in SUITE_NAMES:
        suite = summary.suites[name]
        style = _STATUS_STYLE.get(suite.status, "")
        table.add_row(name, f"[{style}]{suite.status}[/]", str(len(suite.findings)), _detail(suite))
    return table


def criteria_table(summary: Summary) -> Table | None:
    if summary.gate is None or not summary.gate.criteria:
        return None
    table = Table(title="Gate criteria")
    for col in ("criterion", "result", "expected", "actual", "reason"):
        table.add_column(col, overflow="fold")
    for c in summary.gate.criteria:
        mark = "[green]pass[/]" if c.passed else "[bold red]FAIL[/]"
        table.add_row(c.name, mark, c.expected or "-", c.actual or "-", c.reason)
    return table


def print_outcome(console: Console, summary: Summary, report: Path | None) -> None:
    """The tables, the baseline's regressions, and one line pointing at the report."""
    console.print(summary_table(summary))
    criteria = criteria_table(summary)
    if criteria is not None:
        console.print(criteria)
    if summary.baseline is not None:
        b = summary.baseline
        console.print(f"baseline {b.baseline}: {len(b.regressions)} regression(s), "
                      f"{len(b.improvements)} improvement(s)")
        for r in b.regressions:
            console.print(f"  [red]regression[/] {r.message or r.metric}")
    for e in summary.errata:   # which reading of each ambiguous sentence the target followed
        if e.observed and e.observed != "not-exercised":
            counts = e.evidence.get("counts", {})
            required = f", required {e.required}" if e.required else ""
            console.print(f"reading {e.id}: {e.observed}, default x{counts.get('default', 0)} alternative "
                          f"x{counts.get('alternative', 0)}{required}: {e.title}", markup=False, highlight=False)
    if summary.error:
        console.print(f"[bold magenta]could not run:[/] {summary.error}")
    if report is not None:
        console.print(f"report: {report}")


def _detail(suite: SuiteResult) -> str:
    if suite.status == "skipped":
        return suite.skipped_reason or ""
    if suite.status == "error":
        return suite.error or ""
    metrics = suite.metrics
    if suite.name == "load" and metrics is not None:
        parts = []
        if getattr(metrics, "qps_limit", None) is not None:
            parts.append(f"QPS limit {metrics.qps_limit:g}/s")
        latency = getattr(metrics, "latency_ms", None)
        if latency is not None and latency.p99 is not None:
            rate = (metrics.model_extra or {}).get("offered_rps")
            parts.append(f"p99 {latency.p99:g} ms" + (f" at {rate:.0f}/s" if rate else ""))
        return ", ".join(parts)
    if suite.name == "accuracy" and metrics is not None:
        rows = getattr(metrics, "thresholds", [])
        verdicts = ", ".join(f"{r.claim} {r.verdict}" for r in rows[:3])
        return verdicts + (" ..." if len(rows) > 3 else "")
    if suite.findings:
        first = suite.findings[0]
        return f"{first.check}: {first.message}"[:120]
    return f"{len(suite.checks)} checks" if suite.checks else ""
