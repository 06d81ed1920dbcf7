"""Per-process result files under ``<out_dir>/parts``: the hand-off from Locust to the caller.

Each load process appends one JSON line per closed second to ``<proc>.series.jsonl``
(the caller tails these for progress) and writes ``<proc>.final.json`` when it stops.
Files, not Locust messages, so results survive however the master shuts down.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PARTS_DIR = "parts"
SERIES_SUFFIX = ".series.jsonl"
FINAL_SUFFIX = ".final.json"
LOCUST_STATS = "locust_stats.json"


class PartWriter:
    """Writes one process's files; every write is flushed so a crash loses at most a second."""

    def __init__(self, out_dir: str | Path, proc: str) -> None:
        self.dir = Path(out_dir) / PARTS_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = proc
        self.series_path = self.dir / f"{proc}{SERIES_SUFFIX}"
        self.final_path = self.dir / f"{proc}{FINAL_SUFFIX}"

    def append_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        lines = [json.dumps(row, separators=(",", ":")) + "\n" for row in rows]
        if lines:
            with self.series_path.open("a", encoding="utf-8") as fh:
                fh.writelines(lines)

    def write_final(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.final_path, data)


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def read_finals(out_dir: str | Path) -> list[dict[str, Any]]:
    base = Path(out_dir) / PARTS_DIR
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(base.glob(f"*{FINAL_SUFFIX}"))
    ]


def read_series(out_dir: str | Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((Path(out_dir) / PARTS_DIR).glob(f"*{SERIES_SUFFIX}")):
        rows.extend(_complete_lines(path.read_text(encoding="utf-8")))
    return rows


def read_locust_stats(out_dir: str | Path) -> dict[str, Any] | None:
    path = Path(out_dir) / PARTS_DIR / LOCUST_STATS
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class SeriesTail:
    """Incrementally reads new complete lines from all series files (for progress)."""

    def __init__(self, out_dir: str | Path) -> None:
        self.dir = Path(out_dir) / PARTS_DIR
        self._offsets: dict[Path, int] = {}

    def poll(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for path in sorted(self.dir.glob(f"*{SERIES_SUFFIX}")):
            start = self._offsets.get(path, 0)
            with path.open("rb") as fh:
                fh.seek(start)
                chunk = fh.read()
            end = chunk.rfind(b"\n") + 1
            if end:
                self._offsets[path] = start + end
                rows.extend(_complete_lines(chunk[:end].decode("utf-8")))
        return rows


def _complete_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a torn last line from a killed process
    return out
