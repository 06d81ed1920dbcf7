"""The emulator app factory: both APIs on their documented paths, one Starlette app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.datastructures import State as StarletteState
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.contract import Contract, load_contract

from . import _admin
from ._context import Emulator
from ._envelope import FastJSONResponse
from ._jd_routes import face_compare_new
from ._match_routes import async_result, live_code, match, match_idno
from ._settings import EmulatorSettings
from ._state import State, live_code_widths
from .middleware import Misbehaviour

if TYPE_CHECKING:
    from .engines import Engine

_HANDLERS = {
    "match": match,
    "matchIdno": match_idno,
    "liveCode": live_code,
    "asyncResult": async_result,
    "faceCompareNew": face_compare_new,
}


class Operations:
    """The documented operations, answered without Starlette's router on their way.

    A POST on an operation's path goes straight to its handler: the router would match the
    path against each route's pattern and wrap the handler in two more layers of exception
    handling, work that every request would pay for and none of these handlers needs (each
    answers its refusals itself; anything else is ServerErrorMiddleware's 500 either way).
    Everything else (admin paths, other methods, 404 and 405, a root path) takes the router.
    """

    def __init__(
        self, app: ASGIApp, *, endpoints: dict[str, Callable[[Request], Awaitable[Response]]]
    ) -> None:
        self.app, self.endpoints = app, endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = None
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            endpoint = self.endpoints.get(scope["path"])
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        response = await endpoint(Request(scope, receive, send))
        if type(response) is FastJSONResponse:  # Response.__call__'s two messages, inline
            await send(
                {"type": "http.response.start", "status": 200, "headers": response.raw_headers}
            )
            await send({"type": "http.response.body", "body": response.body})
            return
        await response(scope, receive, send)


class _AppState(StarletteState):
    """Starlette's app state with the emulator a plain attribute: State reads every name through
    a Python ``__getattr__`` (about 0.7 µs), and every request reads the emulator twice."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "emulator":
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)


def make_engine(name: str) -> Engine:
    from .engines import DlibEngine, FastEngine

    return FastEngine() if name == "fast" else DlibEngine()


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "no such path"}, status_code=404)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"error": "method not allowed; the documented operations are POST"},
        status_code=405,
        headers={"Allow": "POST"},
    )


def create_app(
    settings: EmulatorSettings | None = None,
    *,
    contract: Contract | None = None,
    engine: Engine | None = None,
) -> Starlette:
    contract = contract or load_contract()
    settings = settings or EmulatorSettings()
    routes = [
        Route(op.path, _HANDLERS[op_id], methods=[op.method.upper()])
        for op_id, op in contract.operations.items()
    ]
    posts = {r.path: r.endpoint for r in routes if r.methods == {"POST"}}
    app = Starlette(
        routes=[*routes, *_admin.routes],
        middleware=[
            Middleware(Misbehaviour, seed=settings.seed),
            Middleware(Operations, endpoints=posts),
        ],
        exception_handlers={404: _not_found, 405: _method_not_allowed},
    )
    emu = Emulator(
        contract=contract,
        settings=settings,
        state=State(
            seed=settings.seed, live_code_widths=live_code_widths(contract.livecode_pattern)
        ),
        engine=engine or make_engine(settings.engine),
    )
    emu.path_ops = {op.path: op_id for op_id, op in contract.operations.items()}
    app.state = _AppState()
    app.state.emulator = emu
    return app
