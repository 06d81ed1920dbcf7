"""The one results table of `make bench`: every benchmark records its rows here, `__main__` prints
them together at the end and writes them as JSON under reports/bench/ so runs can be compared."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    bench: str            # the bench_*.py module
    name: str             # what was measured
    figure: float         # the measured figure
    unit: str
    baseline: float | None  # the baseline measured in the same run (None: an absolute target)
    ratio: float | None   # figure / baseline, or the figure itself when it is a ratio
    goal: str             # the target, as a reader would say it
    ok: bool
    note: str = ""


ROWS: list[Row] = []
current_bench = ""        # set by __main__ before each bench's main()


def record(name: str, figure: float, unit: str, *, goal: str, ok: bool, baseline: float | None = None,
           ratio: float | None = None, note: str = "") -> Row:
    """Add one row; `ratio` defaults to figure / baseline when a baseline is given."""
    if ratio is None and baseline:
        ratio = figure / baseline
    row = Row(current_bench, name, float(figure), unit, None if baseline is None else float(baseline),
              None if ratio is None else float(ratio), goal, bool(ok), note)
    ROWS.append(row)
    return row


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def print_table(rows: list[Row]) -> None:
    head = ("bench", "measured", "figure", "baseline", "ratio", "goal", "result")
    lines = [(r.bench, r.name, f"{_num(r.figure)} {r.unit}".strip(),
              _num(r.baseline), "-" if r.ratio is None else f"{r.ratio:.2f}x", r.goal,
              "ok" if r.ok else "MISSED") for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    for line in (head, *lines):
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())


def write_json(rows: list[Row], out_dir: Path) -> Path:
    """reports/bench/<UTC timestamp>.json and latest.json, with the machine the run was on."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    doc = {"when": stamp, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                      "python": platform.python_version(), "processor": platform.processor()},
           "rows": [asdict(r) for r in rows]}
    text = json.dumps(doc, indent=2) + "\n"
    path = out_dir / f"{stamp}.json"
    path.write_text(text)
    (out_dir / "latest.json").write_text(text)
    return path
