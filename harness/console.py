"""Every command's consoles: piped, wide and never soft-wrapped (Rich folded numbers in CI logs)."""

from __future__ import annotations

import os
import sys
from typing import Any, Self

from rich.console import Console

PIPED_WIDTH = 200  # columns of a console that is not a terminal (tables only; lines never wrap)


class _Console(Console):
    """A console whose reader left (`faceharness gate | head`) goes quiet and lets the command
    finish: Rich's own exits 1 there, which reads as findings (a passing gate red, an error
    hidden) and stops a run before it has written its reports. The command's exit code stays the
    documented one, its verdict's (README, exit codes)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        reader_left(sys.stderr if self.stderr else sys.stdout)


def reader_left(stream: Any) -> None:
    """Point ``stream``'s descriptor at devnull: its reader has gone, and Python's own flush at
    exit then finds a sink, not EPIPE (which exits 1 or 120 whatever the command's code)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor
        pass


def standard_streams() -> None:
    """Open a standard descriptor closed at the start (`faceharness gate 2>&-`) on devnull: Python
    left ``sys.stderr`` None, so the command's one line ended in AttributeError and a documented
    exit 2 or 130 was 1 (hostile round 18); and the next file opened would have taken
    descriptor 2, where a child process's stderr would then be written."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        try:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        except OSError:  # nothing to open: the streams stay as Python left them
            return
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115


def write_line(line: str, stream: Any = None) -> None:
    """``line`` on ``stream`` (stderr): the one error line of a command whose stderr's reader may
    have left (review of session 28: a BrokenPipeError there made a documented 2 an exit 1)."""
    stream = sys.stderr if stream is None else stream
    try:
        stream.write(line + "\n")
        stream.flush()
    except BrokenPipeError:
        reader_left(stream)


def console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        tty = False
    if tty:
        return _Console(stderr=stderr, highlight=False)
    try:  # piped: COLUMNS (when set) lays out tables; lines are never folded
        width = int(os.environ.get("COLUMNS", "")) or PIPED_WIDTH
    except ValueError:
        width = PIPED_WIDTH
    return _Console(stderr=stderr, highlight=False, width=max(width, 40), soft_wrap=True)


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    if flat[width - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]  # never inside a word or a number: "code 1004…" reads as a code
    return cut.rstrip(" ,;:") + "…"


class ProgressBars:
    """Bars on a terminal from the first update (bad input prints only its one line): one per
    text, or with ``label`` (``"fuzz {}"``) one naming the current text."""

    def __init__(
        self, console: Console, *, eta: bool = False, label: str = "", notice: str = ""
    ) -> None:
        from rich import progress as bar

        columns: list[Any] = [bar.TextColumn("{task.description}"), bar.BarColumn()]
        columns += [bar.MofNCompleteColumn(), bar.TimeElapsedColumn()]
        if eta:
            columns += [bar.TextColumn("eta"), bar.TimeRemainingColumn()]
        self.progress = bar.Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        )
        self.label, self.notice = label, notice
        self.tasks: dict[str, Any] = {}

    def update(self, done: float, total: float | None, text: str) -> None:
        if not self.tasks:
            if self.notice:
                self.progress.console.print(self.notice)
            self.progress.start()
        key = "" if self.label else text
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(text, total=total)
        description = self.label.format(text) if self.label else text
        self.progress.update(self.tasks[key], completed=done, total=total, description=description)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tasks:
            self.progress.stop()
