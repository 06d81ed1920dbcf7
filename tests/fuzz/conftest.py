"""Fuzz runs against real emulators on 127.0.0.1, configured as `faceharness fuzz --target
emulator` runs them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.clients import DEMO
from harness.fuzz import emulator_overrides, run_fuzz


@pytest.fixture
def fuzz_emulator(emulator: Callable[..., str]) -> Callable[..., str]:
    """`url = fuzz_emulator("accept-bad-sign", ...)`: fast engine, demo + small-quota appkeys."""

    def start(*breaks: str) -> str:
        return emulator(breaks=tuple(breaks), **emulator_overrides())

    return start


@pytest.fixture(scope="module")
def module_emulator(contract: Any) -> Iterator[Callable[..., str]]:
    """`url = module_emulator("accept-bad-sign", faults=...)`: as `fuzz_emulator`, up for the whole
    module (a run shared by several tests, and the replays of its findings)."""
    from harness.emulator import EmulatorServer, build_settings, create_app

    servers: list[EmulatorServer] = []

    def start(*breaks: str, **settings: Any) -> str:
        built = build_settings(engine="fast", breaks=breaks, **settings, **emulator_overrides())
        servers.append(EmulatorServer(create_app(built, contract=contract)))
        return servers[-1].start()

    yield start
    for server in servers:
        server.stop()


def fuzz(url: str, out: Path, **options: Any) -> Any:
    """`run_fuzz` on an emulator, seed 1."""
    options.setdefault("is_emulator", True)
    options.setdefault("credentials", DEMO)
    options.setdefault("seed", 1)
    return run_fuzz(url, out_dir=out, **options)


def explain(result: Any) -> str:
    lines = [
        f"{f.severity} {f.operation} {f.check} {f.rule_id or ''}: {f.message}"
        for f in result.findings
    ]
    lines += [
        f"{c.operation}: {c.status} {c.message}" for c in result.checks if c.status == "error"
    ]
    return "\n".join(lines) or "no findings"
