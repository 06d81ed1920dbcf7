"""The one results table of `make bench`: every benchmark records its rows here, `__main__` prints
them together at the end and writes them as JSON under reports/bench/ so runs can be compared.

A second section, readings x suite (bench_readings), says for every reading of every ambiguous
erratum (specs/readings.yaml) what each suite observed against an emulator serving it."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    bench: str  # the bench_*.py module
    name: str  # what was measured
    figure: float  # the measured figure
    unit: str
    baseline: float | None  # the baseline measured in the same run (None: an absolute target)
    ratio: float | None  # figure / baseline, or the figure itself when it is a ratio
    goal: str  # the target, as a reader would say it
    ok: bool
    note: str = ""


@dataclass
class ReadingCell:
    erratum: str
    reading: str  # default | alternative
    name: str  # the reading's name in specs/readings.yaml
    suite: str  # conformance | fuzz
    observed: str  # what the run's summary.json says
    expected: tuple[str, ...]  # what it should say (not-exercised where the suite cannot tell)
    serious: int  # findings of medium severity or above (none is the goal)
    exit_code: int  # the command's exit code for the run (0 is the goal)

    @property
    def ok(self) -> bool:
        return self.observed in self.expected and not self.serious and self.exit_code == 0


ROWS: list[Row] = []
READING_CELLS: list[ReadingCell] = []
current_bench = ""  # set by __main__ before each bench's main()


def record(
    name: str,
    figure: float,
    unit: str,
    *,
    goal: str,
    ok: bool,
    baseline: float | None = None,
    ratio: float | None = None,
    note: str = "",
) -> Row:
    """Add one row; `ratio` defaults to figure / baseline when a baseline is given."""
    if ratio is None and baseline:
        ratio = figure / baseline
    row = Row(
        current_bench,
        name,
        float(figure),
        unit,
        None if baseline is None else float(baseline),
        None if ratio is None else float(ratio),
        goal,
        bool(ok),
        note,
    )
    ROWS.append(row)
    return row


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def print_table(rows: list[Row]) -> None:
    head = ("bench", "measured", "figure", "baseline", "ratio", "goal", "result")
    lines = [
        (
            r.bench,
            r.name,
            f"{_num(r.figure)} {r.unit}".strip(),
            _num(r.baseline),
            "-" if r.ratio is None else f"{r.ratio:.2f}x",
            r.goal,
            "ok" if r.ok else "MISSED",
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    for line in (head, *lines):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())


def print_readings(cells: list[ReadingCell]) -> None:
    """Readings x suite: one line per reading, one column per suite ("MISSED" where it is not as
    served)."""
    suites = sorted({c.suite for c in cells})
    by_row: dict[tuple[str, str, str], dict[str, ReadingCell]] = {}
    for c in cells:
        by_row.setdefault((c.erratum, c.reading, c.name), {})[c.suite] = c

    def cell(c: ReadingCell | None) -> str:
        if c is None:
            return "-"
        extra = (
            ""
            if c.ok
            else f" MISSED (expected {'/'.join(c.expected)}, exit {c.exit_code}, {c.serious} "
            "findings)"
        )
        return c.observed + extra

    head = ("erratum", "reading served", *suites)
    order = sorted(
        by_row.items(), key=lambda item: (item[0][0], item[0][1] != "default")
    )  # default first
    lines = [(e, f"{r} ({n})", *(cell(row.get(s)) for s in suites)) for (e, r, n), row in order]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    for line in (head, *lines):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())


def write_json(rows: list[Row], out_dir: Path, cells: list[ReadingCell] | None = None) -> Path:
    """reports/bench/<UTC timestamp>.json and latest.json, with the machine the run was on."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    doc = {
        "when": stamp,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor(),
        },
        "rows": [asdict(r) for r in rows],
        "readings": [{**asdict(c), "ok": c.ok} for c in (cells or [])],
    }
    text = json.dumps(doc, indent=2) + "\n"
    path = out_dir / f"{stamp}.json"
    path.write_text(text)
    (out_dir / "latest.json").write_text(text)
    return path
