"""`make bench`: every `benchmarks/bench_*.py` module's `main()`, in name order; exit 1 if any misses."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    only = set(sys.argv[1:])
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
        started = time.monotonic()
        rc = module.main()
        print(f"=== {path.stem}: {'ok' if rc == 0 else 'MISSED'} in {time.monotonic() - started:.0f} s ===", flush=True)
        if rc != 0:
            failed.append(path.stem)
    if failed:
        print("missed targets: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
