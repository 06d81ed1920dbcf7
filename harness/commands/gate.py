"""`faceharness gate`: every suite a profile names, judged by a policy, as one exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.commands import _options as opt
from harness.commands._verdict import err, out, stopped
from harness.errors import HarnessError
from harness.results import verdict_line


def register(app: typer.Typer) -> None:
    app.command("gate")(gate)


def gate(
    out_dir: Annotated[
        Path, opt.OutDir("run directory: summary.json, junit.xml, report.html, suite folders")
    ],
    target: opt.Target = "emulator",
    profile: Annotated[
        str, typer.Option("--profile", help="quick (CI, minutes) or full (nightly)")
    ] = "quick",
    policy: Annotated[
        Path | None,
        opt.path_option(
            "--policy",
            "gate.toml: allowed findings, QPS, p99, FMR/FNMR, required suites (docs/gate.md); "
            "default: the [gate] table of --config, else no finding above info and every suite "
            "passing",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        opt.path_option(
            "--baseline", "an earlier run's summary.json (or directory): flag regressions"
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="emulator face engine for every stage: fast or dlib (default: the profile's; "
            "quick: fast, dlib for accuracy; full: dlib)",
        ),
    ] = None,
    faces: Annotated[
        Path | None,
        opt.Faces(
            "folder with images and labels.csv (required by --profile full; default: the "
            "built-in portraits)"
        ),
    ] = None,
    config: Annotated[
        Path | None,
        opt.ConfigFile(
            "config TOML: [credentials], [conformance], [emulator] (faults, throttle, ...), "
            "[gate] (the policy when --policy is not given)"
        ),
    ] = None,
    codes: opt.Codes = None,
) -> None:
    """Run the suites, judge them by the policy, write summary.json, junit.xml and report.html."""
    from harness.gate import RichObserver, print_outcome, run_gate

    opt.use_codes(codes, config)
    with RichObserver(err) as observer:
        outcome = run_gate(
            out_dir=out_dir, target=target, profile=profile, policy=policy, baseline=baseline,
            engine=engine, faces=faces, config=config, observer=observer,
        )  # fmt: skip
    summary, code = outcome.summary, outcome.exit_code
    if summary.verdict == "interrupted":
        stopped(out_dir)
    if code == 2 and summary.error:  # nothing ran (unreachable target, rejected credentials, ...)
        raise HarnessError(summary.error)  # the line every command says, "faceharness: ..."
    print_outcome(out, summary, outcome.report)
    if code == 1:
        criteria = summary.gate.criteria if summary.gate else []
        failed = [c.name for c in criteria if c.outcome == "fail"]  # else a blocking inconclusive
        failed = failed or [f"{c.name} (inconclusive)" for c in criteria if c.inconclusive]
        err.print(f"gate failed: {', '.join(failed) or 'findings'}")
    elif code == 2:  # a suite could not run: the verdict line names it
        why = verdict_line(summary).removeprefix("ERROR: ")
        err.print(f"faceharness: could not run: {why or 'see the report'}", markup=False)
    raise typer.Exit(code)
