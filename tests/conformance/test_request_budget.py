"""`conform --max-requests N` sends at most N requests in all: a live target bills every call, the
preflight's and the reachability check's and schemathesis' capability probes
(``schemathesis.engine.run.probes.PROBES``) as much as the generated cases."""

from __future__ import annotations

from typing import Any

from fixtures.servers import ThreadedServer

from harness.clients import DEMO
from harness.conformance._emulator import emulator_settings
from harness.emulator import build_settings, create_app


def test_conform_sends_no_more_requests_than_its_budget_in_all(cli, contract, tmp_path):
    """Before: 13 requests reached the service for --max-requests 10 (the preflight's, GET /, a
    schemathesis probe)."""
    app = create_app(build_settings(engine="fast", **emulator_settings()), contract=contract)
    seen: list[str] = []

    async def counted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(f"{scope['method']} {scope['path']}")
        await app(scope, receive, send)

    with ThreadedServer(counted) as url:
        args = ("conform", "--target", url, "--api", "match", "--phases", "examples", "--seed", "1")
        out = ("--max-rps", "0", "--out", str(tmp_path / "run"))
        r = cli(*args, "--max-requests", "10", *out, env={"FACEHARNESS_TOKEN": DEMO.token or ""})
    assert r.returncode == 0 and "request budget spent" in r.stdout, r.stdout + r.stderr
    assert 0 < len(seen) <= 10, seen
