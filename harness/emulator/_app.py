"""The emulator app: both APIs on their paths, and `/_emulator/*` admin for loopback only."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from harness.config import one_line
from harness.contract import Contract, load_contract
from harness.errors import HarnessError

from ._context import Emulator
from ._envelope import FastJSONResponse
from ._jd_routes import face_compare_new
from ._match_routes import HANDLERS
from ._misbehaviour import Misbehaviour
from ._settings import EmulatorSettings
from ._state import State, live_code_widths

if TYPE_CHECKING:
    from .engines import Engine

_HANDLERS = {**HANDLERS, "faceCompareNew": face_compare_new}


Handler = Callable[[Emulator, Scope, Receive], Awaitable[Response]]
_INTERNAL_ERROR = PlainTextResponse("Internal Server Error", status_code=500)


class EmulatorApp(Starlette):
    """Starlette answering an operation's POST (no faults or latency set) ahead of its middleware,
    which no handler needs; an unexpected exception gets a 500 and is raised on, as there."""

    def __init__(self, *, emulator: Emulator, operations: dict[str, Handler], **kw: Any) -> None:
        super().__init__(**kw)
        self.state.emulator = self.emulator = emulator
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            handler = self.operations.get(scope["path"])
            settings = self.emulator.settings
            if handler is not None and not (settings.faults or settings.latency):
                started = False
                try:
                    response = await handler(self.emulator, scope, receive)
                    started = True
                    if type(response) is FastJSONResponse:  # Response.__call__'s messages, inline
                        headers = response.raw_headers
                        await send(
                            {"type": "http.response.start", "status": 200, "headers": headers}
                        )
                        await send({"type": "http.response.body", "body": response.body})
                    else:
                        await response(scope, receive, send)
                except ClientDisconnect:
                    return  # the client left mid-request: no one to answer, nothing to log
                except Exception:
                    if not started:
                        await _INTERNAL_ERROR(scope, receive, send)
                    raise
                return
        try:
            await super().__call__(scope, receive, send)
        except ClientDisconnect:
            return  # as above, through the middleware (faults, latency) and the routes


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(request.app.emulator, request.scope, request.receive)

    return endpoint


# What may change while running; credentials and the engine may not.
MUTABLE = ("throttle", "latency", "faults", "breaks", "livecode_ttl_s", "origins")


def _error(text: str, status: int = 400, **kw: Any) -> Response:
    return JSONResponse({"error": text}, status_code=status, **kw)


async def _admin(request: Request) -> Response:
    """`/_emulator/*`; the settings shown without secrets (tokens, appkeys and registry counted)."""
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return _error("admin endpoints answer loopback clients only", 403)
    emu = request.app.emulator
    what = request.url.path.rpartition("/")[2]
    if what == "health":
        return JSONResponse(
            {"status": "ok", "engine": emu.settings.engine, "breaks": list(emu.settings.breaks)}
        )
    if what == "stats":
        return JSONResponse(emu.state.stats())
    if what == "reset":
        emu.state.reset()
        return JSONResponse({"status": "reset"})
    if request.method == "PATCH":
        try:
            patch = json.loads(await request.body())
        except ValueError:
            return _error("body is not JSON")
        if not isinstance(patch, dict) or set(patch) - set(MUTABLE):
            return _error(f"only these keys may change: {', '.join(MUTABLE)}")
        try:
            merged = emu.settings.model_dump() | patch  # a bad value is named by its key
            emu.settings = EmulatorSettings.model_validate(merged, context={"by_key": True})
        except ValidationError as exc:
            return _error(one_line(exc, "config", EmulatorSettings))
        except HarnessError as exc:
            return _error(str(exc))
    settings = emu.settings
    data = settings.model_dump(mode="json", exclude={"tokens", "appkeys", "registry"})
    counted = {k: len(getattr(settings, k)) for k in ("tokens", "appkeys", "registry")}
    return JSONResponse(data | counted)


_ADMIN_METHODS = {"health": "GET", "stats": "GET", "reset": "POST", "config": "GET PATCH"}


def make_engine(name: str) -> Engine:
    from .engines import DlibEngine, FastEngine

    return FastEngine() if name == "fast" else DlibEngine()


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error("no such path", 404)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    text = "method not allowed; the documented operations are POST"
    return _error(text, 405, headers={"Allow": "POST"})


def create_app(
    settings: EmulatorSettings | None = None,
    *,
    contract: Contract | None = None,
    engine: Engine | None = None,
) -> EmulatorApp:
    contract = contract or load_contract()
    settings = settings or EmulatorSettings()
    emu = Emulator(
        contract=contract,
        settings=settings,
        state=State(
            seed=settings.seed, live_code_widths=live_code_widths(contract.livecode_pattern)
        ),
        engine=engine or make_engine(settings.engine),
    )
    emu.path_ops = {op.path: op_id for op_id, op in contract.operations.items()}
    ops = contract.operations.values()
    return EmulatorApp(
        emulator=emu,
        operations={op.path: _HANDLERS[op.operation_id] for op in ops if op.method == "post"},
        routes=[
            *(
                Route(op.path, _endpoint(_HANDLERS[op.operation_id]), methods=[op.method.upper()])
                for op in ops
            ),
            *(
                Route(f"/_emulator/{k}", _admin, methods=m.split())
                for k, m in _ADMIN_METHODS.items()
            ),
        ],
        middleware=[Middleware(Misbehaviour, seed=settings.seed)],
        exception_handlers={404: _not_found, 405: _method_not_allowed},
    )
