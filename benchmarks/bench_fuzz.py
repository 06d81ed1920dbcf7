"""Kill ratio of the fuzzer: how many of the emulator's break modes it finds, at the default budget.

For every break mode (``harness.emulator.BREAKS``) an emulator with that one rule broken is
fuzzed: the properties of the mode's API run one after another (default example budget, a
fixed seed, a fresh example database) until one fails. Printed per mode: the property that
found it, requests and seconds to the finding. Target: every mode issue 6 names (MUST_FIND)
is found; the overall kill ratio over all modes is reported, measured in this run.
Environment: FACEHARNESS_BENCH_SEED (default 1).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _table  # noqa: E402

from harness.clients import DEMO
from harness.contract import load_contract
from harness.emulator import BREAKS, EmulatorServer, build_settings, create_app
from harness.fuzz import DEFAULT_MAX_EXAMPLES, emulator_overrides, property_ids, run_fuzz

MUST_FIND = (
    "livecode-reusable",
    "remaintimes-stuck",
    "score-out-of-range",
    "lip-without-livecode",
    "two-image-sources",
    "accept-bad-sign",
)


def _hunt(
    mode: str, api: str, seed: int, required: dict[str, str] | None = None
) -> tuple[str | None, int, float]:
    """(property that found the mode or None, requests sent, seconds) on a fresh emulator.

    ``required``: readings a policy requires (a reading's break is a finding only then)."""
    app = create_app(build_settings(engine="fast", breaks=(mode,), **emulator_overrides()))
    sent, started = 0, time.monotonic()
    with EmulatorServer(app) as url, tempfile.TemporaryDirectory() as tmp:
        for prop in [p for p in property_ids() if p.startswith(api + ":")]:
            result = run_fuzz(
                url,
                is_emulator=True,
                api=api,
                seed=seed,
                only=[prop],
                credentials=DEMO,
                out_dir=Path(tmp) / prop.replace(":", "-"),
                breaks=(mode,),
                max_examples=DEFAULT_MAX_EXAMPLES,
                required_readings=required,
            )
            sent += result.metrics.requests if result.metrics else 0
            if result.findings:
                return prop, sent, time.monotonic() - started
    return None, sent, time.monotonic() - started


def main() -> int:
    seed = int(os.environ.get("FACEHARNESS_BENCH_SEED", "1"))
    print(
        f"fuzz kill ratio: {len(BREAKS)} break modes, default budget ({DEFAULT_MAX_EXAMPLES} "
        f"examples), seed {seed}"
    )
    print(f"{'mode':26} {'api':5} {'found by':34} {'requests':>8} {'s':>6}")
    found: dict[str, bool] = {}
    defaults = {rid: "default" for rid in load_contract().readings}
    for name, brk in BREAKS.items():
        prop, sent, seconds = _hunt(name, brk.api, seed)
        if (
            prop is None
        ):  # a reading's break is observed, not failed, until the default reading is required
            prop, more, took = _hunt(name, brk.api, seed, defaults)
            prop, sent, seconds = (
                (f"{prop} (reading required)" if prop else None),
                sent + more,
                seconds + took,
            )
        found[name] = prop is not None
        mark = "" if name not in MUST_FIND else " *"
        print(
            f"{name + mark:26} {brk.api:5} {prop or 'NOT FOUND':34} {sent:>8} {seconds:>6.1f}",
            flush=True,
        )
    killed = sum(found.values())
    must = [m for m in MUST_FIND if m in found]
    missed = [m for m in must if not found[m]]
    print(
        f"kill ratio: {killed}/{len(found)} = {killed / len(found):.2f} of all modes; "
        f"{len(must) - len(missed)}/{len(must)} of the modes issue 6 names (*)"
    )
    _table.record(
        "fuzz kill ratio, all break modes",
        killed / len(found),
        "",
        ratio=killed / len(found),
        goal="reported",
        ok=True,
        note=f"{killed}/{len(found)}, seed {seed}",
    )
    _table.record(
        "fuzz finds the modes issue 6 names",
        len(must) - len(missed),
        "modes",
        goal=f"{len(must)}/{len(must)}",
        ok=not missed,
        note=", ".join(missed),
    )
    if missed:
        print("missed: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
