"""`faceharness replay FILE`: re-send a finding with fresh credentials; does it still fail?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.commands._options import ConfigFile, Faces, path_argument
from harness.commands._verdict import out


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)


def replay(
    finding: Annotated[
        Path,
        path_argument("FINDING", "findings/F-NNN.json of a conformance or fuzz run"),
    ],
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="'emulator' or a base URL (default: the run's target; for an emulator run, "
            "an emulator with the run's break modes)",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        ConfigFile("TOML with [credentials] (credentials never come from the finding file)"),
    ] = None,
    faces: Annotated[
        Path | None,
        Faces("the run's --faces directory, where it is elsewhere now (default: as recorded)"),
    ] = None,
) -> None:
    """Re-send a conformance or fuzz finding's request and judge the answer with the same check."""
    from harness.findings import read_replay

    replay_file = read_replay(finding)  # the file says which suite judges it again
    if replay_file.suite == "fuzz":
        from harness.fuzz import replay_finding
    else:
        from harness.conformance import replay_finding
    outcome = replay_finding(replay_file, target=target, config=config, faces_dir=faces)
    colour = {"still failing": "red", "fixed": "green"}.get(outcome.state, "yellow")
    out.print(f"{outcome.finding_id} {outcome.check}: [{colour}]{outcome.state}[/{colour}]")
    detail = " | ".join(line.strip() for line in outcome.detail.splitlines() if line.strip())
    out.print(detail, markup=False)  # the target's words and rule texts ("[readings]") as written
    raise typer.Exit(outcome.exit_code)
