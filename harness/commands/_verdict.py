"""How every suite command ends: one summary, its reports, one verdict, one exit code (130 too)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.markup import escape

from harness import interrupt
from harness.console import console
from harness.results import (
    ContractMetrics,
    SuiteName,
    SuiteResult,
    Summary,
    build_summary,
    interrupted_suite,
    verdict_line,
)

T = TypeVar("T")
out = console()
err = console(stderr=True)

_STYLE = {"pass": "green", "fail": "bold red", "error": "bold red", "inconclusive": "bold",
          "interrupted": "bold yellow"}  # fmt: skip


def interruptible(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``fn(*args, **kwargs)``, or None when the user stopped it (Ctrl-C, SIGTERM)."""
    try:
        return fn(*args, **kwargs)
    except KeyboardInterrupt:
        interrupt.request()
        return None


def run_on_target(
    suite: Any,
    opened: AbstractContextManager[Any],
    bars: AbstractContextManager[Any],
    progress: Callable[[Any], Callable[[float, float | None, str], None]],
    *,
    apis: tuple[str, ...],
    **ctx: Any,
) -> tuple[Any, str]:
    """Open the target, preflight it, run ``suite`` on it under ``bars``: the result (None when
    stopped) and the target's label. An interrupt anywhere still leaves a summary to write."""
    from harness.errors import TargetError
    from harness.pacing import Budget
    from harness.preflight import preflight
    from harness.suite import RunContext

    result, label = None, ctx["target"]
    try:
        with opened as t:
            url, label = (t, label) if isinstance(t, str) else (t.url, t.label)
            credentials, timeout = ctx["credentials"], ctx["request_timeout_s"]
            spent = Budget()  # counts what the preflight sends: conformance charges it
            preflight(url, apis=apis, credentials=credentials, timeout_s=timeout, budget=spent)
            with bars as bar:
                run = RunContext(
                    url=url,
                    is_emulator=ctx["target"] == "emulator",
                    progress=progress(bar),
                    spent=spent.used,
                    **ctx,
                )
                result = interruptible(suite.run, run)
    except KeyboardInterrupt:
        interrupt.request()
    except TargetError as exc:  # unreachable, credentials refused: reported, then exit 2
        result = SuiteResult(name=suite.name, status="error", error=str(exc))
    return result, label


def sender_options(
    target: str,
    out_dir: Path,
    seed: int | None,
    faces: Path | None,
    max_rps: float | None,
    max_requests: int | None,
    max_seconds: float | None,
    timeout: float | None,
    breaks: tuple[str, ...],
) -> dict[str, Any]:
    """The run options conform and fuzz take alike (their runners send to one URL), from their
    like-named command options: one place, as ``RunContext.sender_options`` reads them back."""
    return {
        "target": target,
        "out_dir": out_dir,
        "seed": seed,
        "faces": faces,
        "max_rps": max_rps,
        "max_requests": max_requests,
        "max_seconds": max_seconds,
        "request_timeout_s": timeout,
        "emulator": {"breaks": breaks},
    }


def could_not_run(
    result: SuiteResult | None,
    name: SuiteName,
    *,
    target: str,
    started: datetime,
    out_dir: Path,
    secrets: Iterable[str] = (),
) -> None:
    """A suite that could not run (status ``error``, no check ran) is written as every run is,
    then one line on stderr and exit 2 (README "Verdicts and exit codes"); else this returns."""
    from harness.errors import HarnessError
    from harness.report import write_reports

    if interrupt.requested() or result is None or result.status != "error" or result.checks:
        return
    summary = summarize(result, name, target=target, started=started)
    write_reports(summary, out_dir, list(secrets))
    raise HarnessError(result.error or f"the {name} run could not start")


def summarize(
    result: SuiteResult | None, name: SuiteName, *, target: str, started: datetime, resume: str = ""
) -> Summary:
    """The gate's summary with one suite, as far as it got (``resume``: how to go on when the
    user stopped it); for conformance and fuzz with the contract coverage their counts give."""
    from harness.contract import load_contract
    from harness.gate._judge import build_coverage

    stopped = interrupt.requested()
    if stopped or result is None:
        result = interrupted_suite(name, result, stopped)
        if resume:
            result = result.model_copy(update={"reason": f"{result.reason}; {resume}"})
    contract = load_contract()
    counted = isinstance(result.metrics, ContractMetrics)
    return build_summary(
        target=target,
        started_at=result.started_at or started,
        finished_at=result.finished_at or datetime.now(UTC),
        suites=[result],
        contract=contract,
        seed=result.seed,
        interrupted=stopped,
        coverage=build_coverage(contract, [result]) if counted else None,
    )


def stopped(out_dir: Path) -> NoReturn:
    """An interrupted run's one line (what ran is written to ``out_dir``), exit 130."""
    interrupt.report(f"interrupted after {interrupt.stopped_after_s():.0f} s: wrote {out_dir}")
    raise typer.Exit(interrupt.EXIT_INTERRUPTED)


def conclude(
    summary: Summary,
    out_dir: Path,
    *,
    secrets: Iterable[str] = (),
    details: Callable[[Summary], None] | None = None,
    written: Callable[[dict[str, Path]], None] | None = None,
    verdict: bool = True,
) -> NoReturn:
    """Write the reports, print, exit by the verdict. ``details`` prints the suite's tables from
    the redacted summary (an echoed token must not reach a CI log); ``written`` names the files
    (default: one line); ``verdict`` False when ``details`` already ends with it."""
    from harness.redact import redact_summary
    from harness.report import write_reports

    paths = write_reports(summary, out_dir, list(secrets))
    if summary.verdict == "interrupted":
        stopped(out_dir)
    if details is not None:
        details(redact_summary(summary, secrets))
    if written is not None:
        written(paths)
    else:
        out.print(f"written: {', '.join(str(p) for p in paths.values())}", markup=False)
    if verdict:
        style = _STYLE.get(summary.verdict or "", "")
        line = escape(verdict_line(summary))
        out.print(f"[{style}]{line}[/]" if style else line)
    raise typer.Exit(summary.exit_code)
