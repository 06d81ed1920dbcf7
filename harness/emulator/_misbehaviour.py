"""Misbehaviour on request, seeded so runs repeat: `--latency SPEC` and `--fault SPEC` (README).
`reset` and `chunked` abort mid-response; `hang` ends by HANG_LIMIT_S, so a client without a
timeout still gets an end."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError

FAULT_KINDS = tuple("http500 http502 http503 reset empty chunked badjson slow hang".split())
HANG_LIMIT_S = 120.0
SLOW_BODY_S = 3.0
_ALIASES = {"500": "http500", "502": "http502", "503": "http503"}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")
_JSON = b"application/json"
# kind: status, content-type, body, content-length (-1: the body's; None: none), abort message
_CANNED: dict[str, tuple[Any, ...]] = {
    **{f"http{s}": (s, b"text/plain", f"injected HTTP {s}".encode()) for s in (500, 502, 503)},
    "reset": (200, _JSON, b'{"errcode":', 4096, "injected reset"),
    "empty": (200, _JSON, b""),
    "chunked": (200, _JSON, b'{"errcode":0,"da', None, "injected malformed chunked body"),
    "badjson": (200, _JSON, b'{"errcode": 0, "data": {"status": "SUCCESS",'),
}
_TWO_ARGS = {"normal": ",", "lognormal": ",", "stall": "/"}  # their separators


def parse_duration_s(text: str, what: str) -> float:
    m = _DURATION.match(text.strip())
    if not m:
        raise UsageError(f"{what}: {text!r} is not a duration; expected e.g. 50ms or 1.5s")
    value = float(m.group(1))
    return value / 1000 if m.group(2) in (None, "ms") else value


# seconds of service time added to one request, drawn from the caller's seeded RNG (so runs
# repeat) at the monotonic clock's `now`
Sampler = Callable[[random.Random, float], float]


def no_latency(rng: random.Random, now: float) -> float:
    return 0.0


def check_operation(op: str, what: str, *also: str) -> str:
    """An ``OPERATION=`` prefix (or ``[latency]`` key) names an operationId of the specs (or one
    of ``also``): a misspelt one matched no request, so the latency or fault silently never
    happened."""
    from harness.config import did_you_mean
    from harness.contract import load_contract

    known = [*also, *load_contract().operations]
    if op and op not in known:
        raise UsageError(
            f"{what}unknown operation {op!r}"
            + (did_you_mean(op, known) or f"; expected one of {', '.join(known)}")
        )
    return op


def parse_latency(text: str) -> tuple[str | None, Sampler]:
    """The operation it is for (None: every one) and its sampler."""
    op, _, spec = text.rpartition("=")
    kind, _, args = spec.partition(":")
    kind = kind.strip().lower()
    what = f"--latency {text!r}"
    check_operation(op, f"{what}: ")
    malformed = UsageError(
        f"{what}: malformed; examples: fixed:50ms, normal:50ms,10ms, lognormal:50ms,0.5, "
        "stall:1s/10s"
    )
    if kind == "none":
        return (op or None), no_latency
    if kind == "fixed":
        fixed = parse_duration_s(args, what)
        return (op or None), lambda rng, now: fixed
    if kind not in _TWO_ARGS:
        raise UsageError(
            f"{what}: unknown kind {kind!r}; expected none, fixed, normal, lognormal or stall"
        )
    try:
        first, second = args.split(_TWO_ARGS[kind])
        a = parse_duration_s(first, what)  # the first argument's error first
        b = float(second) if kind == "lognormal" else parse_duration_s(second, what)
    except ValueError:
        raise malformed from None
    if kind == "normal":
        return (op or None), lambda rng, now: max(0.0, rng.gauss(a, b))
    if kind == "lognormal":
        if a <= 0 or not 0 <= b < math.inf:  # a NaN or infinite sigma: NaN or endless sleeps
            raise malformed
        return (op or None), lambda rng, now: rng.lognormvariate(math.log(a), b)
    if not 0 < a < b:
        raise UsageError(f"{what}: the stall must be shorter than its period")
    return (op or None), lambda rng, now: a - now % b if now % b < a else 0.0


@dataclass(frozen=True)
class Fault:
    kind: str
    rate: float
    operation: str | None = None


def parse_fault(text: str) -> Fault:
    op, _, spec = text.rpartition("=")
    kind, _, rate_text = spec.partition(":")
    kind = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if kind not in FAULT_KINDS:
        raise UsageError(
            f"--fault {text!r}: unknown kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}"
        )
    check_operation(op, f"--fault {text!r}: ")
    try:
        rate = float(rate_text) if rate_text else 1.0
    except ValueError:
        raise UsageError(f"--fault {text!r}: rate {rate_text!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise UsageError(f"--fault {text!r}: rate must be between 0 and 1")
    return Fault(kind=kind, rate=rate, operation=op or None)


class AbortConnection(Exception):
    """Raised after the response started: the server drops the connection."""


class Misbehaviour:
    """ASGI middleware: injected faults, then added latency; with neither configured no seeded
    draw is spent, so later draws (after a run-time config change) are as they were."""

    def __init__(self, app: Any, *, seed: int = 0) -> None:
        self.app = app
        self.fault_rng, self.latency_rng = random.Random(seed), random.Random(seed)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        emu: Any = scope["app"].state.emulator if scope["type"] == "http" else None
        op = None
        if emu is not None and (emu.settings.faults or emu.settings.latency):
            op = emu.path_ops.get(scope.get("path", ""))
        if op is None:
            await self.app(scope, receive, send)
            return
        fault = next(
            (
                f.kind
                for f in emu.settings.fault_list
                if f.operation in (None, op) and self.fault_rng.random() < f.rate
            ),
            None,
        )
        if fault is None:
            await self._delayed(op, scope, receive, send)
            return
        emu.state.codes[f"fault:{fault}"] += 1
        if fault in _CANNED:
            await _canned(send, *_CANNED[fault])
        elif fault == "slow":
            await self._slow(op, scope, receive, send)
        else:
            await _hang(receive)

    async def _delayed(self, op: str, scope: dict[str, Any], receive: Any, send: Any) -> None:
        settings = scope["app"].state.emulator.settings
        delay = settings.latency_for(op)(self.latency_rng, time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)
        await self.app(scope, receive, send)

    async def _slow(self, op: str, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The real answer, delivered a slice at a time over SLOW_BODY_S seconds."""
        started: dict[str, Any] = {}
        parts: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                parts.append(message.get("body", b""))

        await self._delayed(op, scope, receive, capture)
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


async def _canned(
    send: Any, status: int, ctype: bytes, body: bytes, length: int | None = -1, abort: str = ""
) -> None:
    headers = [(b"content-type", ctype)]
    if length is not None:
        headers.append((b"content-length", str(len(body) if length < 0 else length).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": bool(abort)})
    if abort:
        raise AbortConnection(abort)


async def _hang(receive: Any) -> None:
    async def until_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(until_disconnect(), HANG_LIMIT_S)
    raise AbortConnection("injected hang ended")
