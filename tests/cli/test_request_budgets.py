"""``--max-requests N`` bounds every request a command sends to a live target, which bills every
call: fuzz's preflight and reachability check, and load's preflight, are charged to it, as
conformance's are (``tests/conformance/test_request_budget.py``; accuracy's preflights:
``tests/accuracy/test_suite.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fixtures.servers import counting_emulator

from harness.clients import DEMO


@pytest.fixture(scope="module")
def counted(contract: Any) -> Iterator[tuple[str, list[str]]]:
    with counting_emulator(contract) as served:
        yield served


FUZZ = ("fuzz", "--api", "match", "--property", "match:valid-requests", "--max-examples", "3",
        "--seed", "1", "--max-rps", "0")  # fmt: skip
# the preflight takes the one request: the run is inconclusive, and Locust never starts
LOAD = ("load", "run", "--scenario", "liveCode", "--rate", "5", "--duration", "1")


@pytest.mark.parametrize(("command", "budget"), [(FUZZ, 3), (LOAD, 1)], ids=["fuzz", "load"])
def test_a_command_sends_no_more_requests_than_its_budget_in_all(
    cli: Any, counted: tuple[str, list[str]], tmp_path: Any, command: tuple[str, ...], budget: int
) -> None:
    """Before: fuzz sent 5 for 3 (the preflight, GET /), load 2 for 1 (accuracy: 17 for 15,
    tests/accuracy/test_suite.py)."""
    url, seen = counted
    seen.clear()
    out = ("--target", url, "--max-requests", str(budget), "--out", str(tmp_path / "run"))
    r = cli(*command, *out, env={"FACEHARNESS_TOKEN": DEMO.token or ""})
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert 0 < len(seen) <= budget, seen
