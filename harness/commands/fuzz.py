"""`faceharness fuzz`: hypothesis property tests of both APIs, findings shrunk and replayable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from harness.commands import _options as opt
from harness.commands._verdict import (
    conclude,
    could_not_run,
    err,
    out,
    run_on_target,
    sender_options,
    summarize,
)
from harness.console import ProgressBars
from harness.contract import reading_lines
from harness.errors import HarnessError
from harness.results import FuzzMetrics, FuzzSuiteResult, inconclusive_text

_STYLE = {"pass": "green", "fail": "bold red", "error": "bold red", "skipped": "yellow"}


def register(app: typer.Typer) -> None:
    app.command("fuzz")(fuzz)


def fuzz(
    out_dir: Annotated[
        Path,
        opt.OutDir(
            "run directory: summary.json, junit.xml, report.html, findings.json, "
            "findings/F-NNN.json, the hypothesis example database"
        ),
    ],
    target: opt.Target = "emulator",
    api: opt.Api = "all",
    max_examples: Annotated[
        int | None,
        typer.Option("--max-examples", help="hypothesis examples per property (default 50)"),
    ] = None,
    seed: opt.Seed = None,
    max_rps: opt.MaxRps = None,
    max_requests: Annotated[
        int | None, opt.MaxRequests("request budget; 0: unlimited (URL default 2000)")
    ] = None,
    max_seconds: Annotated[
        float | None, opt.MaxSeconds("time limit of the run (default 900)")
    ] = None,
    faces: Annotated[
        Path | None, opt.Faces("folder of extra face images (read, never copied)")
    ] = None,
    break_: opt.Breaks = None,
    codes: opt.Codes = None,
    reading: opt.Readings = None,
    engine: opt.FastEngine = None,
    prop: Annotated[
        list[str] | None,
        typer.Option("--property", help="run only these properties, e.g. jd:invalid-requests"),
    ] = None,
    config: opt.Config = None,
    timeout: opt.RequestTimeout = 30.0,
) -> None:
    """Fuzz both APIs with hypothesis: valid, invalid, metamorphic and stateful properties."""
    from harness.clients import load_credentials
    from harness.emulator import parse_readings_option
    from harness.faces import sample_faces
    from harness.fuzz import DEFAULT_MAX_EXAMPLES, FuzzSuite, emulator_overrides
    from harness.fuzz._runner import check_options
    from harness.pacing import Budget
    from harness.report.output import prepare_run_dir
    from harness.target import check_engine, open_target

    breaks = tuple(break_ or ())
    # every option checked before any traffic (unknown --property names too)
    check_options(api, max_examples, prop)
    opt.emulator_only(target, break_=breaks, engine=engine)
    opt.check_breaks(breaks)
    check_engine(engine)
    opt.max_rps(max_rps)
    Budget(max_requests or 0)  # the budget's own check of --max-requests
    if max_seconds is not None:
        opt.positive_seconds(max_seconds, "--max-seconds")
    if faces is not None:
        sample_faces(faces)  # the face pool
    opt.positive_seconds(timeout)
    opt.use_codes(codes, config)
    opt.emulator_only(target, reading=reading)
    served = parse_readings_option(reading)
    opt.check_live_target(target, config, ("match", "jd") if api == "all" else (api,))
    prepare_run_dir(out_dir)
    settings: dict[str, Any] = (
        {**emulator_overrides(), "breaks": breaks, **({"readings": served} if served else {})}
        if target == "emulator"
        else {}
    )
    suite = FuzzSuite(
        api=api, max_examples=max_examples or DEFAULT_MAX_EXAMPLES, only=tuple(prop or ())
    )
    started = datetime.now(UTC)
    credentials = load_credentials(config, demo_defaults=target == "emulator")
    result, label = run_on_target(
        suite,
        open_target(target, engine=engine or "fast", **settings),
        ProgressBars(err, label="fuzz {}"),
        lambda bar: bar.update,
        apis=("match", "jd") if api == "all" else (api,),
        credentials=credentials,
        **sender_options(
            target, out_dir, seed, faces, max_rps, max_requests, max_seconds, timeout, breaks
        ),
    )
    could_not_run(result, "fuzz", target=label, started=started, out_dir=out_dir,
                  secrets=credentials.secrets())  # fmt: skip

    def written(paths: dict[str, Path]) -> None:
        assert result is not None  # an interrupted run ends before
        out.print(f"written: {out_dir / 'findings.json'}, {', '.join(map(str, paths.values()))}")
        if result.status == "error":
            raise HarnessError(f"the fuzz run broke off: {result.error}")
        if result.status == "fail":
            err.print(
                f"[bold red]{len(result.findings)} finding(s)[/]; replay one with the command in "
                "its 'reproduce' field"
            )
        if result.status == "inconclusive":  # why, and what would let it judge
            why = inconclusive_text(result.reason, result.testable_when)
            out.print(f"[bold]INCONCLUSIVE[/]: {escape(why)}")
        raise typer.Exit(1 if result.status == "fail" else 0)

    conclude(
        summarize(result, "fuzz", target=label, started=started),
        out_dir,
        secrets=credentials.secrets(),
        details=lambda shown: _print(shown.suites.fuzz),
        written=written,
    )


def _print(result: FuzzSuiteResult | None) -> None:
    assert result is not None
    m = result.metrics or FuzzMetrics(seed=result.seed)
    table = Table(
        title=f"fuzz: seed {m.seed}, engine {m.engine or 'live target'}, {m.requests} requests",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("property", "status", "requests", "s", "note"):
        table.add_column(
            col, justify="right" if col in ("requests", "s") else "left", overflow="fold"
        )
    for name, row in m.properties.items():
        table.add_row(
            name,
            f"[{_STYLE.get(row.status, '')}]{row.status}[/]",
            str(row.requests),
            f"{row.seconds:.1f}",
            escape(row.note),
        )
    out.print(table)
    for number, finding in enumerate(result.findings, start=1):
        rule = f" ({finding.rule_id})" if finding.rule_id else ""
        out.print(
            f"[bold]F-{number:03d}[/] {finding.severity} {finding.api} {finding.operation} "
            + escape(f"{finding.check}{rule}: {finding.message}")
        )
        if finding.not_counted:
            out.print(f"       {escape(finding.not_counted)}")
        if finding.reproduce:
            out.print(f"       {escape(finding.reproduce)}")
    for line in reading_lines(m.readings):
        out.print(escape(line))
    if m.budget_exhausted:
        out.print(
            "[yellow]the request budget or time limit ran out; later properties were skipped[/]"
        )
