"""What a person sees: a progress bar per stage, then a table; off a terminal, a line per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from harness.console import console as make_console
from harness.console import shorten
from harness.contract import load_contract
from harness.gate._run import StageObserver
from harness.results import (
    SUITE_NAMES,
    AccuracyMetrics,
    LoadMetrics,
    SuiteName,
    SuiteResult,
    Summary,
    verdict_line,
)

_STATUS_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "error": "bold magenta",
    "skipped": "dim",
    "inconclusive": "bold",
    "interrupted": "bold yellow",
}
_MARKS = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]",
          "inconclusive": "[bold]inconclusive[/]"}  # fmt: skip


class RichObserver(StageObserver):
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or make_console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.fields[stage]}", table_column=Column(width=11, no_wrap=True)),
            BarColumn(bar_width=20),
            TimeElapsedColumn(),
            TextColumn(
                "{task.description}",
                table_column=Column(ratio=1, overflow="ellipsis", no_wrap=True),
            ),
            console=self.console,
            transient=False,
            expand=True,
            disable=not self.console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Self:
        return self  # the display starts with the first stage: bad input prints its one line only

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage_started(self, name: SuiteName) -> None:
        if not self.progress.live.is_started:
            self.progress.start()
        self.tasks[name] = self.progress.add_task("starting", total=None, stage=name)

    def stage_progress(self, name: SuiteName, done: float, total: float | None, text: str) -> None:
        task = self.tasks.get(name)
        if task is not None:
            self.progress.update(
                task, completed=done, total=total, description=escape(shorten(text, 60))
            )

    def stage_finished(self, name: SuiteName, result: SuiteResult) -> None:
        task = self.tasks.get(name)
        if task is None or result.status == "interrupted":
            return
        style = _STATUS_STYLE.get(result.status, "")
        detail = f" ({len(result.findings)} findings)" if result.findings else ""
        if result.status in ("error", "inconclusive"):
            why = result.error if result.status == "error" else result.reason
            detail = f": {shorten(why or '', 180)}"
        detail = escape(detail)
        if self.progress.disable:
            took = f" in {result.duration_s:.1f} s" if result.duration_s is not None else ""
            self.console.print(f"{name}: [{style}]{result.status}[/]{took}{detail}", soft_wrap=True)
            return
        total = self.progress.tasks[task].total or 1
        self.progress.update(
            task, total=total, completed=total, description=f"[{style}]{result.status}[/]{detail}"
        )


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    return table


def print_outcome(console: Console, summary: Summary, report: Path | None) -> None:
    verdict = summary.verdict.upper() if summary.verdict else "?"
    columns = ("suite", "status", "findings", "detail")
    table = _table(f"faceharness gate: {verdict} ({summary.target})", *columns)
    for name in SUITE_NAMES:
        suite = summary.suites[name]
        style = _STATUS_STYLE.get(suite.status, "")
        table.add_row(
            name, f"[{style}]{suite.status}[/]", str(len(suite.findings)), escape(_detail(suite))
        )
    console.print(table)
    if summary.gate is not None and summary.gate.criteria:
        table = _table("Gate criteria", "criterion", "result", "expected", "actual", "reason")
        for c in summary.gate.criteria:
            reason = c.reason + (f" (testable when: {c.testable_when})" if c.testable_when else "")
            cells = (c.name, c.expected or "-", c.actual or "-", reason)
            table.add_row(escape(cells[0]), _MARKS[c.outcome], *(escape(x) for x in cells[1:]))
        console.print(table)
    if summary.baseline is not None:
        b = summary.baseline
        console.print(
            f"baseline {b.baseline}: {len(b.regressions)} regression(s), "
            f"{len(b.improvements)} improvement(s)"
        )
        for r in b.regressions:
            console.print(f"  [red]regression[/] {escape(r.message or r.metric)}")
    readings = load_contract().readings
    for e in summary.errata:  # which reading of each ambiguous sentence the target followed
        if e.observed and e.observed != "not-exercised":
            counts = e.evidence.get("counts", {})
            required = f", required {e.required}" if e.required else ""
            reading = readings.get(e.id)  # the line conform and fuzz print (docs/readings.md)
            line = (
                reading.line(e.observed, counts, required)
                if reading is not None
                else f"reading {e.id}: {e.observed}, default x{counts.get('default', 0)} "
                f"alternative x{counts.get('alternative', 0)}{required}: {e.title}"
            )
            console.print(line, markup=False, highlight=False)
    if summary.error:
        console.print(f"[bold magenta]could not run:[/] {escape(summary.error)}")
    if report is not None:
        console.print(f"report: {report}")
    style = _STATUS_STYLE.get(summary.verdict or "", "")
    console.print(f"[{style}]{escape(verdict_line(summary))}[/]")


def _detail(suite: SuiteResult) -> str:
    if suite.status == "skipped":
        return suite.skipped_reason or ""
    if suite.status in ("inconclusive", "interrupted"):
        when = f"; testable when: {suite.testable_when}" if suite.testable_when else ""
        return f"{suite.reason or ''}{when}"
    if suite.status == "error":
        return suite.error or ""
    m = suite.metrics
    if isinstance(m, LoadMetrics):
        parts = []
        if m.qps_limit is not None:
            from harness.loadgen.limit import describe_limit

            parts.append(
                f"QPS limit {describe_limit(m.qps_limit, m.qps_limit_bound, m.stopped_by)}"
            )
        if m.latency_ms is not None and m.latency_ms.p99 is not None:
            rate = m.offered_rps
            parts.append(f"p99 {m.latency_ms.p99:g} ms" + (f" at {rate:.0f}/s" if rate else ""))
        return ", ".join(parts)
    if isinstance(m, AccuracyMetrics):
        verdicts = ", ".join(f"{r.claim} {r.verdict}" for r in m.thresholds[:3])
        return verdicts + (" ..." if len(m.thresholds) > 3 else "")
    if suite.findings:
        first = suite.findings[0]
        return shorten(f"{first.check}: {first.message}", 120)
    return f"{len(suite.checks)} checks" if suite.checks else ""
