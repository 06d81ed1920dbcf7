"""`faceharness replay FILE`: re-send a conformance finding with fresh credentials; does it still fail?

Exit 1 still failing, 0 fixed, 2 could not run (bad file, unreachable target, missing credentials).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console(highlight=False)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)


def replay(
    finding: Annotated[Path, typer.Argument(help="findings/F-NNN.json of a conformance run")],
    target: Annotated[str | None, typer.Option(
        "--target", help="'emulator' or a base URL (default: the run's target; for an emulator run, "
                         "an emulator with the run's break modes)")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="TOML with \\[credentials] (credentials never come from the finding file)")] = None,
) -> None:
    """Re-send a finding's request and judge the answer with the same check."""
    from harness.conformance import replay_finding

    outcome = replay_finding(finding, target=target, config=config)
    state = "[red]still failing[/red]" if outcome.still_failing else "[green]fixed[/green]"
    out.print(f"{outcome.finding_id} {outcome.check}: {state}")
    out.print(" | ".join(line.strip() for line in outcome.detail.splitlines() if line.strip()))
    raise typer.Exit(outcome.exit_code)
