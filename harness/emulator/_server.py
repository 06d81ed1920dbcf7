"""Running the emulator under uvicorn: in a background thread for `--target emulator` and tests,
or in the foreground for `faceharness emulate`."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from harness.errors import TargetError, UsageError


class EmulatorServer:
    """`with EmulatorServer(app) as url:` serves on 127.0.0.1, a free port, until the block ends."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, startup_timeout_s: float = 30.0) -> None:
        self.app = app
        # "error": the suites send malformed HTTP on purpose, and uvicorn's warning about each
        # one would break into the gate's progress bars
        config = uvicorn.Config(app, host=host, port=port, log_level="error", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="faceharness-emulator", daemon=True)
        self.startup_timeout_s = startup_timeout_s
        self.url = ""

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + self.startup_timeout_s
        while not self.server.started:
            if not self.thread.is_alive():
                raise TargetError("the emulator failed to start (is the port in use?)")
            if time.monotonic() > deadline:
                raise TargetError("the emulator did not start within its time limit")
            time.sleep(0.01)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def check_bind_host(host: str) -> str:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise UsageError(f"--host {host}: the emulator binds loopback addresses only (127.0.0.1, ::1)")
    return host


def serve_forever(app: Any, *, host: str, port: int) -> None:
    """Foreground serving until Ctrl-C; only loopback addresses."""
    check_bind_host(host)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
