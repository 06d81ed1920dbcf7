"""`faceharness report RUN`: rebuild junit.xml and report.html from summary.json, nothing re-run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.commands._options import path_argument
from harness.commands._verdict import out


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    run: Annotated[
        Path,
        path_argument("RUN", "run directory (or its summary.json)", show_default=False),
    ],
) -> None:
    """Re-render junit.xml and report.html of a run from its summary.json."""
    from harness.clients import load_credentials
    from harness.report import render_report

    # Secrets set in the environment are masked again, in case the summary predates them.
    paths = render_report(run, load_credentials().secrets())
    for kind in ("junit", "html"):
        out.print(f"{kind}: {paths[kind]}")
