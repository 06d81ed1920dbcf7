"""The emulator under uvicorn: a background thread (`--target emulator`, tests) or `emulate`."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import uvicorn

from harness import interrupt
from harness.errors import TargetError, UsageError

from ._misbehaviour import AbortConnection

# Requests (and connections) served at once; beyond, uvicorn answers HTTP 503 at once, so a flood
# of slow or hanging clients cannot hold request bodies without bound.
MAX_CONCURRENCY = 1024
GRACEFUL_S = 2  # in-flight requests get this long after SIGINT/SIGTERM, then are cancelled
STARTUP_LIMIT_S = 30.0  # a background emulator not serving by then is an error
STOP_LIMIT_S = 5.0  # after a stop signal the process ends within this, whatever it is doing
HEAP_MMAP_BYTES = 4 << 20  # blocks up to this come from the heap, not a fresh mmap each
HEAP_TRIM_BYTES = 16 << 20  # free memory at the heap's top kept up to this, not handed back


class _Quiet(logging.Filter):
    """No traceback for an injected abort (the fault working) or a cut at a stop's grace end."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], _EXPECTED):
            return False
        return not str(record.msg).startswith("Cancel %s running task")


_EXPECTED = (asyncio.CancelledError, AbortConnection)


def _config(app: Any, **kw: Any) -> uvicorn.Config:
    errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _Quiet) for f in errors.filters):
        errors.addFilter(_Quiet())
    return uvicorn.Config(
        app,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_S,
        limit_concurrency=MAX_CONCURRENCY,
        **kw,
    )


class EmulatorServer:
    """`with EmulatorServer(app) as url:` serves on 127.0.0.1, a free port, until the block ends."""

    def __init__(self, app: Any) -> None:
        # "error": the suites send malformed HTTP on purpose, and uvicorn's warning about each
        # one would break into the gate's progress bars
        self.server = uvicorn.Server(_config(app, host="127.0.0.1", port=0, log_level="error"))
        # the server's end, as its thread's work sets it: after a KeyboardInterrupt inside
        # Thread.join (Python 3.11), is_alive() says False while the thread serves on, so a stop
        # asked again returned at once (the gate stage's fix, interrupt.join)
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="faceharness-emulator", daemon=True)

    def _serve(self) -> None:
        try:
            self.server.run()
        finally:
            self.ended.set()

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while not self.server.started:
            if self.ended.is_set():
                raise TargetError("the emulator failed to start (is the port in use?)")
            if time.monotonic() > deadline:
                raise TargetError("the emulator did not start within its time limit")
            time.sleep(0.01)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        interrupt.join(self.ended, 10)

    __enter__ = start

    def __exit__(self, *exc: object) -> None:
        self.stop()


def check_bind_host(host: str) -> str:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise UsageError(
            f"--host {host}: the emulator binds loopback addresses only (127.0.0.1, ::1)"
        )
    return host


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, or a one-line UsageError (bad port, port in use)."""
    check_bind_host(host)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: a port is 0 (any free port) to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0 (socket.create_server's): asyncio sets TCP_NODELAY only on
    # connections whose socket says TCP, and without it every answer (headers, then body) waits
    # out the client's delayed ACK, about 40 ms per request on loopback
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        return sock
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"--port {port}: {host}:{port} is already in use; pick another port or 0"
            ) from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


class _ForegroundServer(uvicorn.Server):
    """uvicorn's server, ended by SIGINT/SIGTERM within STOP_LIMIT_S: a watchdog ends the
    process if the graceful stop stalls; a second signal stops waiting for connections."""

    stopped_by: str | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn's own version re-raises the signal afterwards, killing the process before the
        # CLI can say why it stopped
        previous = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopped_by is not None:
            self.force_exit = True
            return
        self.stopped_by = signal.Signals(sig).name
        self.should_exit = True
        watchdog = threading.Timer(STOP_LIMIT_S, _hard_stop, args=(self.stopped_by,))
        watchdog.daemon = True
        watchdog.start()


def _hard_stop(name: str) -> None:
    os.write(
        2, f"faceharness: emulator stopped ({name}; forced after {STOP_LIMIT_S:g} s)\n".encode()
    )
    os._exit(130)


def _keep_heap() -> None:
    """Have glibc keep the ~100 KB a request frees for the next one (its adaptive thresholds made
    a sixth of a request's CPU time depend on where the first allocations fell)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):  # no such C library call here
        return
    mallopt(-3, HEAP_MMAP_BYTES)  # M_MMAP_THRESHOLD
    mallopt(-1, HEAP_TRIM_BYTES)  # M_TRIM_THRESHOLD


def serve_forever(
    make_app: Callable[[], Any],
    *,
    host: str,
    port: int,
    announce: Callable[[str], None] | None = None,
) -> str | None:
    """Serve until SIGINT/SIGTERM; returns the signal's name. The port is bound first (a busy one
    is one UsageError), and a signal from then on is the same clean stop."""
    pending: list[int] = []
    server: _ForegroundServer | None = None

    def early(sig: int, frame: FrameType | None) -> None:
        if server is None:
            pending.append(sig)
        else:
            server.handle_exit(sig, frame)

    previous = {sig: signal.signal(sig, early) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sock = listen(host, port)
        bound = sock.getsockname()[1]
        try:
            app = make_app()
        except BaseException:
            sock.close()
            raise
        server = _ForegroundServer(_config(app, log_level="warning"))
        for sig in pending:
            server.handle_exit(sig, None)
        _keep_heap()
        if announce:  # benchmarks/_servers.py serves its baseline app without one
            announce(f"http://{f'[{host}]' if ':' in host else host}:{bound}")
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
        return server.stopped_by
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
