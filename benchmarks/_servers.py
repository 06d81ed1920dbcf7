"""Servers for benchmarks, each in its own process so the load generator does not share its GIL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

BASELINE_APP = """
import orjson
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
async def answer(request):
    body = orjson.loads(await request.body())
    answer = {"code": 0, "msg": "ok", "keys": len(body)}
    return Response(orjson.dumps(answer), media_type="application/json")
app = Starlette(routes=[Route("/{path:path}", answer, methods=["POST"])])
"""
"""The least a JSON API on the emulator's stack can do: read the body, parse it (orjson, the
emulator's parser), answer a small envelope. Served by the emulator's own `serve_forever`, so
every uvicorn setting (loop, HTTP implementation, concurrency limit, logging) and the process's
heap thresholds (``_server._keep_heap``) are the same."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def process(
    args: list[str], port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_port(port)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def baseline_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    code = BASELINE_APP + (
        "\nfrom harness.emulator._server import serve_forever\n"
        f"serve_forever(lambda: app, host='127.0.0.1', port={port})\n"
    )
    with process([sys.executable, "-c", code], port) as proc:
        yield f"http://127.0.0.1:{port}", proc


@contextmanager
def emulator_server(*options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    args = [sys.executable, "-m", "harness.cli", "emulate", "--port", str(port), *options]
    with process(args, port) as proc:
        yield f"http://127.0.0.1:{port}", proc


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)
