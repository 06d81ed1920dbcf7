"""`faceharness gate`: every suite a profile names, judged by a policy, as one exit code.

Thin: options in, :func:`harness.gate.run_gate` (with rich progress on stderr), the
summary tables and the report path out. Exit 0 pass, 1 gate failed, 2 could not run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("gate")(gate)


def gate(
    out_dir: Annotated[Path, typer.Option("--out", help="run directory: summary.json, junit.xml, report.html, suite folders")],
    target: Annotated[str, typer.Option("--target", help="'emulator' or the service's base URL")] = "emulator",
    profile: Annotated[str, typer.Option("--profile", help="quick (CI, minutes) or full (nightly)")] = "quick",
    policy: Annotated[Path | None, typer.Option("--policy", help="gate.toml: allowed findings, QPS, p99, FMR/FNMR, required suites (docs/gate.md)")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="an earlier run's summary.json (or directory): flag regressions")] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="emulator face engine for every stage: fast or dlib")] = None,
    faces: Annotated[Path | None, typer.Option("--faces", help="folder with images and labels.csv (required by --profile full)")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="emulator TOML (faults, throttle, ...) or, for a URL, a TOML with a credentials table")] = None,
    codes: Annotated[Path | None, typer.Option(
        "--codes", help="YAML table of your service's own codes, merged over specs/codes.yaml (docs/readings.md)")] = None,
) -> None:
    """Run the suites, judge them by the policy, write summary.json, junit.xml and report.html."""
    from harness.commands._options import use_codes
    from harness.gate import RichObserver, execute_gate, plan_gate, print_outcome

    use_codes(codes, config)

    plan = plan_gate(out_dir=out_dir, target=target, profile=profile, policy=policy,
                     baseline=baseline, engine=engine, faces=faces, config=config)
    with RichObserver(err) as observer:
        outcome = execute_gate(plan, observer)
    print_outcome(out, outcome.summary, outcome.report)
    code = outcome.exit_code
    if code == 1:
        failed = [c.name for c in (outcome.summary.gate.criteria if outcome.summary.gate else []) if not c.passed]
        err.print(f"gate failed: {', '.join(failed) or 'findings'}")
    elif code == 2:
        err.print(f"could not run: {_why(outcome.summary)}")
    raise typer.Exit(code)


def _why(summary: object) -> str:
    from harness.results import Summary

    assert isinstance(summary, Summary)
    if summary.error:
        return summary.error
    broken = [f"{name}: {suite.error}" for name, suite in summary.suites.items() if suite.status == "error"]
    return "; ".join(broken) or "see the report"
