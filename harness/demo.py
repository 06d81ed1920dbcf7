"""``make demo``: the quick gate on the emulator and built-in faces; nothing leaves the machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.commands._options import OutDir, path_option
from harness.commands._verdict import err, out, stopped

EXAMPLE_POLICY = Path(__file__).resolve().parents[1] / "examples" / "gate.toml"


def demo(
    out_dir: Annotated[Path, OutDir("run directory")] = Path("reports/demo"),
    policy: Annotated[
        Path | None, path_option("--policy", "gate.toml (default: examples/gate.toml)")
    ] = None,
) -> None:
    """Run the quick gate against the embedded emulator and point at report.html."""
    from harness.gate import RichObserver, execute_gate, plan_gate, print_outcome

    chosen = policy or (EXAMPLE_POLICY if EXAMPLE_POLICY.is_file() else None)
    plan = plan_gate(out_dir=out_dir, target="emulator", profile="quick", policy=chosen)
    err.print(
        f"faceharness demo: gate --profile quick --target emulator"
        f"{f' --policy {chosen}' if chosen else ''} --out {out_dir}",
        soft_wrap=True,
    )
    with RichObserver(err) as observer:
        outcome = execute_gate(plan, observer)
    if outcome.summary.verdict == "interrupted":
        stopped(out_dir)
    print_outcome(out, outcome.summary, None)
    report = outcome.report.resolve() if outcome.report else out_dir / "report.html"
    out.print(f"demo {outcome.summary.verdict}: open {report}")
    raise typer.Exit(outcome.exit_code)


def main() -> None:
    """Entry point with the CLI's error handling (one line, exit 2, no traceback)."""
    from harness.cli import main as run

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(demo)
    run(app, "faceharness demo", None)


if __name__ == "__main__":
    main()
