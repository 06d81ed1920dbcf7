"""The consoles every command prints through, readable on a terminal and in a CI log alike.

Rich lays a non-terminal out at 80 columns, which folds numbers across lines in a CI log
("[0.011,0.⏎28]"). Piped, the console is wide and lines are never soft-wrapped; ``COLUMNS``
still sets the width of tables when given. Text too long for its place is shortened with an
ellipsis, never cut.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

PIPED_WIDTH = 200  # columns of a console that is not a terminal (tables only; lines never wrap)


def console(*, stderr: bool = False) -> Console:
    """A console for stdout (results) or stderr (progress, notes, errors)."""
    stream = sys.stderr if stderr else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        tty = False
    if tty:
        return Console(stderr=stderr, highlight=False)
    try:  # piped: COLUMNS (when set) lays out tables; lines are never folded
        width = int(os.environ.get("COLUMNS", "")) or PIPED_WIDTH
    except ValueError:
        width = PIPED_WIDTH
    return Console(stderr=stderr, highlight=False, width=max(width, 40), soft_wrap=True)


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    if flat[width - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]  # never inside a word or a number: "code 1004…" reads as a code
    return cut.rstrip(" ,;:") + "…"
