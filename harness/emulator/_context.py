"""The one object a request handler needs: contract, settings, state and engine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope

from harness.contract import Contract

from ._envelope import Answer, parse_json
from ._settings import EmulatorSettings, Identity
from ._state import State

if TYPE_CHECKING:
    from .engines import Engine

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


@dataclass
class Emulator:
    """Bounds (with State's): `background` at most ``state.max_pending_jobs`` running jobs;
    `_photos` one entry per configured registry photo; the engine's cache is an LRU."""

    contract: Contract
    settings: EmulatorSettings
    state: State
    engine: Engine
    engine_lock: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    background: set[Any] = field(default_factory=set)
    path_ops: dict[str, str] = field(default_factory=dict)
    _photos: dict[str, bytes] = field(default_factory=dict)

    def registry_photo(self, identity: Identity) -> bytes:
        """The identity's configured photo, or the built-in demo face (a package-shipped photo)."""
        if not identity.photo:
            from harness.imaging import builtin_faces

            return builtin_faces()[0].data
        if identity.photo not in self._photos:
            try:
                self._photos[identity.photo] = Path(identity.photo).read_bytes()
            except OSError as exc:
                detail = f"registry photo unreadable ({exc.strerror})"
                raise self.refuse("match", "internal_error", detail) from None
        return self._photos[identity.photo]

    @cached_property
    def jd_success_msg(self) -> str:
        """The JD gateway's success text, in every JD answer (looked up once)."""
        return self.contract.code("jd", "gateway", self.contract.jd_success_code).zh

    @property
    def match_busy(self) -> int:
        """The internal API's "try later" code: a full live-code space or queue answers it."""
        return int(self.contract.codes.code_for("match", "errcode", "too many requests").code)

    def refuse(self, api: str, name: str, detail: str = "") -> Answer:
        """The answer with the API's code named ``name`` (codes.yaml)."""
        return Answer(self.contract.code_named(api, name), detail)

    def broken(self, name: str) -> bool:
        return name in self.settings.breaks

    async def run_engine(self, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        """The fast engine runs inline (it is microseconds); dlib goes to a worker thread."""
        if self.settings.engine == "fast":
            return fn(*args)
        async with self.engine_lock:
            return await run_in_threadpool(fn, *args)


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header (``name`` in lower case), without building Headers."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


async def read_json(
    emu: Emulator, scope: Scope, receive: Receive, limit: int, refusals: tuple[str, str, str]
) -> Any:
    """The body as JSON ({} for a blank one where the API allows it), at most ``limit`` bytes
    buffered; ``refusals``: the API and its code names for too large and not JSON."""
    api, too_large, not_json = refusals
    declared = header(scope, b"content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        detail = f"request body of {declared} bytes is over the {limit}-byte limit"
        raise emu.refuse(api, too_large, detail)
    chunks, total = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            continue
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise emu.refuse(api, too_large, f"request body is over the {limit}-byte limit")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if api == "match" and not raw.strip():
        return {}
    try:
        return parse_json(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise emu.refuse(api, not_json, "body is not valid JSON") from None
