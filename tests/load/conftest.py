"""A real HTTP server on 127.0.0.1 (uvicorn in a thread) for the load-engine tests.

Endpoints: ``/echo`` (fast), ``/fixed`` (50 ms), ``/stall`` (freezes for ``stall_s``
every ``stall_every_s``, first freeze 1 s after the first hit), ``/throttle`` (token
bucket answering 429 above ``qps``), ``/status/{code}``, ``/sleep/{ms}`` and ``/hold`` (no
answer until the test sets ``state.release``, at most ``HOLD_MAX_S``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from fixtures.servers import ThreadedServer
from fixtures.servers import closed_port as closed_port_number
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HOLD_MAX_S = 30.0  # a test that never releases its held requests still ends


@dataclass
class ServerState:
    hits: Counter[str] = field(default_factory=Counter)
    qps: float = 40.0
    burst: float = 2.0
    tokens: float = 2.0
    last_refill: float = field(default_factory=time.monotonic)
    stall_every_s: float = 3.0
    stall_s: float = 1.0
    stall_anchor: float | None = None
    release: threading.Event = field(default_factory=threading.Event)

    def set_throttle(self, qps: float, burst: float | None = None) -> None:
        self.qps = qps
        self.burst = burst if burst is not None else max(1.0, qps * 0.05)
        self.tokens = self.burst
        self.last_refill = time.monotonic()

    def set_stall(self, every_s: float, stall_s: float) -> None:
        self.stall_every_s, self.stall_s, self.stall_anchor = every_s, stall_s, None

    def take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last_refill) * self.qps)
        self.last_refill = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def stall_remaining(self) -> float:
        now = time.monotonic()
        if self.stall_anchor is None:
            self.stall_anchor = now + 1.0
        if now < self.stall_anchor:
            return 0.0
        phase = (now - self.stall_anchor) % self.stall_every_s
        return self.stall_s - phase if phase < self.stall_s else 0.0


def make_app(state: ServerState) -> Starlette:
    async def echo(request: Request) -> Response:
        state.hits["echo"] += 1
        return Response(await request.body() or b"ok")

    async def fixed(request: Request) -> Response:
        state.hits["fixed"] += 1
        await asyncio.sleep(0.05)
        return Response(b"ok")

    async def stall(request: Request) -> Response:
        state.hits["stall"] += 1
        wait = state.stall_remaining()
        if wait > 0:
            await asyncio.sleep(wait)
        return Response(b"ok")

    async def throttle(request: Request) -> Response:
        state.hits["throttle"] += 1
        if state.take_token():
            return JSONResponse({"code": "0"})
        return JSONResponse({"code": "10043", "msg": "throttled"}, status_code=429)

    async def status(request: Request) -> Response:
        state.hits["status"] += 1
        return Response(b"{}", status_code=int(request.path_params["code"]))

    async def sleep(request: Request) -> Response:
        state.hits["sleep"] += 1
        await asyncio.sleep(int(request.path_params["ms"]) / 1000.0)
        return Response(b"ok")

    async def hold(request: Request) -> Response:
        state.hits["hold"] += 1
        for _ in range(int(HOLD_MAX_S / 0.01)):
            if state.release.is_set():
                break
            await asyncio.sleep(0.01)
        return Response(b"ok")

    methods = ["GET", "POST"]
    return Starlette(
        routes=[
            Route("/echo", echo, methods=methods),
            Route("/fixed", fixed, methods=methods),
            Route("/stall", stall, methods=methods),
            Route("/throttle", throttle, methods=methods),
            Route("/status/{code:int}", status, methods=methods),
            Route("/sleep/{ms:int}", sleep, methods=methods),
            Route("/hold", hold, methods=methods),
        ]
    )


@dataclass
class LoadServer:
    url: str
    state: ServerState


@pytest.fixture(scope="session")
def load_server() -> Iterator[LoadServer]:
    state = ServerState()
    server = ThreadedServer(make_app(state))
    server.start()
    try:
        yield LoadServer(server.url, state)
    finally:
        server.stop()


@pytest.fixture()
def fresh_server(load_server: LoadServer) -> LoadServer:
    """The shared server with counters and throttle/stall state reset."""
    load_server.state.hits.clear()
    load_server.state.set_throttle(40.0)
    load_server.state.set_stall(3.0, 1.0)
    load_server.state.release.clear()
    return load_server


@pytest.fixture()
def closed_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    return closed_port_number()


@pytest.fixture()
def serve_app() -> Iterator[Callable[[Starlette], str]]:
    """`url = serve_app(app)`: any Starlette app on 127.0.0.1 port 0 for the test."""
    servers: list[ThreadedServer] = []

    def start(app: Starlette) -> str:
        server = ThreadedServer(app)
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()
