"""`make bench`: every `benchmarks/bench_*.py` module's `main()`, in name order, then one table of
every row they recorded (benchmarks/_table.py), also written to reports/bench/; exit 1 if any
misses."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _table  # noqa: E402


def main() -> int:
    here = Path(__file__).resolve().parent
    known = sorted(path.stem for path in here.glob("bench_*.py"))
    only = set(sys.argv[1:])
    if only & {"-h", "--help"}:
        print(
            "usage: python -m benchmarks [BENCH ...]   (all when none is named)\nbenches: "
            + " ".join(known)
        )
        return 0
    if only - set(known):
        print(
            f"error: no benchmark {', '.join(sorted(only - set(known)))}; known: {' '.join(known)}",
            file=sys.stderr,
        )
        return 2
    failed = []
    for path in sorted(here.glob("bench_*.py")):
        if only and path.stem not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        print(f"\n=== {path.stem} ===", flush=True)
        _table.current_bench = path.stem.removeprefix("bench_")
        started = time.monotonic()
        rc = module.main()
        print(
            f"=== {path.stem}: {'ok' if rc == 0 else 'MISSED'} in {time.monotonic() - started:.0f} "
            "s ===",
            flush=True,
        )
        if rc != 0:
            failed.append(path.stem)
    print()
    _table.print_table(_table.ROWS)
    if _table.READING_CELLS:
        print(
            "\nreadings of the documents x suite (what summary.json observed against an emulator "
            "serving each):"
        )
        _table.print_readings(_table.READING_CELLS)
    written = _table.write_json(
        _table.ROWS, here.parent / "reports" / "bench", _table.READING_CELLS
    )
    print(f"written: {written.relative_to(here.parent)} (and latest.json beside it)")
    if failed:
        print("missed targets: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
