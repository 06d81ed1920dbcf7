"""Transport-level faults by rate, seeded: the misbehaviour a harness must survive.

`reset` and `chunked` abort the connection mid-response (uvicorn closes it when the app raises
after the response started); `hang` holds the request until the client gives up (at most
`HANG_LIMIT_S`), so a client without a timeout still gets an end.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from .._specs import Fault
from ._ops import operation_of

Scope = dict[str, Any]
HANG_LIMIT_S = 120.0
SLOW_BODY_S = 3.0


class AbortConnection(Exception):
    """Raised after the response started: the server drops the connection."""


class _QuietAborts(logging.Filter):
    """uvicorn logs every exception that ends a response, with its traceback; an injected
    abort is the fault working, not an error of the emulator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], AbortConnection))


_UVICORN_ERRORS = logging.getLogger("uvicorn.error")


class FaultInjection:
    def __init__(self, app: Any, *, seed: int = 0) -> None:
        self.app = app
        self.rng = random.Random(seed)
        if not any(isinstance(f, _QuietAborts) for f in _UVICORN_ERRORS.filters):
            _UVICORN_ERRORS.addFilter(_QuietAborts())

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        op = operation_of(scope)
        fault = self._pick(scope, op) if op else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        scope["app"].state.emulator.state.codes[f"fault:{fault}"] += 1
        await _FAULTS[fault](self, scope, receive, send)

    def _pick(self, scope: Scope, op: str) -> str | None:
        faults: list[Fault] = scope["app"].state.emulator.settings.fault_list()
        for fault in faults:
            if fault.operation in (None, op) and self.rng.random() < fault.rate:
                return fault.kind
        return None

    async def _status(self, status: int, send: Any) -> None:
        body = f"injected HTTP {status}".encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _reset(self, scope: Scope, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"errcode":', "more_body": True})
        raise AbortConnection("injected reset")

    async def _empty(self, scope: Scope, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _chunked(self, scope: Scope, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"errcode":0,"da', "more_body": True})
        raise AbortConnection("injected malformed chunked body")

    async def _badjson(self, scope: Scope, receive: Any, send: Any) -> None:
        body = b'{"errcode": 0, "data": {"status": "SUCCESS",'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _slow(self, scope: Scope, receive: Any, send: Any) -> None:
        """The real answer, delivered a slice at a time over SLOW_BODY_S seconds."""
        started: dict[str, Any] = {}
        parts: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                parts.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(parts)
        await send(started)
        slices = 10
        step = max(1, len(body) // slices + 1)
        for i in range(0, len(body), step):
            await asyncio.sleep(SLOW_BODY_S / slices)
            await send(
                {"type": "http.response.body", "body": body[i : i + step], "more_body": True}
            )
        await send({"type": "http.response.body", "body": b""})

    async def _hang(self, scope: Scope, receive: Any, send: Any) -> None:
        async def until_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(until_disconnect(), HANG_LIMIT_S)
        except TimeoutError:
            pass
        raise AbortConnection("injected hang ended")


_FAULTS: dict[str, Any] = {
    "http500": lambda self, s, r, send: self._status(500, send),
    "http502": lambda self, s, r, send: self._status(502, send),
    "http503": lambda self, s, r, send: self._status(503, send),
    "reset": FaultInjection._reset,
    "empty": FaultInjection._empty,
    "chunked": FaultInjection._chunked,
    "badjson": FaultInjection._badjson,
    "slow": FaultInjection._slow,
    "hang": FaultInjection._hang,
}
