"""Closed- and open-model results side by side, each column labelled, never blended.

The two models answer different questions (what a fixed set of users experiences vs
what arrivals at a given rate experience), so their numbers are shown next to each
other under their own labels and are never averaged or merged.
"""

from __future__ import annotations

from typing import Any

from harness.loadgen.result import LoadResult

ROWS: tuple[tuple[str, str], ...] = (
    ("throughput_rps", "answers per second"),
    ("goodput_rps", "successful answers per second"),
    ("offered_rps", "offered requests per second"),
    ("error_rate", "non-success fraction"),
    ("latency_ms.p50", "p50 latency (ms)"),
    ("latency_ms.p90", "p90 latency (ms)"),
    ("latency_ms.p99", "p99 latency (ms)"),
    ("latency_ms.p999", "p99.9 latency (ms)"),
    ("latency_ms.max", "max latency (ms)"),
    ("latency_ms.measured_from", "latency measured from"),
    ("late_sends", "late sends"),
    ("dropped_sends", "dropped sends"),
    ("stop_reason", "stopped by"),
)


def side_by_side(*results: LoadResult) -> dict[str, Any]:
    """``{"columns": [labels], "rows": [{"metric", "label", <column label>: value}]}``.

    Column labels are the runs' mode labels, numbered if a mode repeats.
    """
    columns: list[str] = []
    for result in results:
        label = result.mode
        n = sum(1 for c in columns if c == label or c.startswith(label + " #"))
        columns.append(label if n == 0 else f"{label} #{n + 1}")
    rows = []
    for key, text in ROWS:
        row: dict[str, Any] = {"metric": key, "label": text}
        for column, result in zip(columns, results, strict=True):
            row[column] = _lookup(result.summary, key)
        rows.append(row)
    return {"columns": columns, "rows": rows}


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
