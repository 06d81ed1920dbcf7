"""`/_emulator/*`: health, stats, reset and run-time config, for loopback clients only."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.config import one_line
from harness.errors import HarnessError

from ._context import emulator_of
from ._settings import EmulatorSettings

# What may change while running; credentials and the engine may not.
MUTABLE = ("throttle", "latency", "faults", "breaks", "livecode_ttl_s", "origins")


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        if not _loopback(request):
            return JSONResponse(
                {"error": "admin endpoints answer loopback clients only"}, status_code=403
            )
        return await handler(request)  # type: ignore[no-any-return]

    return endpoint


async def health(request: Request) -> Response:
    emu = emulator_of(request)
    return JSONResponse(
        {"status": "ok", "engine": emu.settings.engine, "breaks": list(emu.settings.breaks)}
    )


async def stats(request: Request) -> Response:
    return JSONResponse(emulator_of(request).state.stats())


async def reset(request: Request) -> Response:
    emulator_of(request).state.reset()
    return JSONResponse({"status": "reset"})


def public_config(settings: EmulatorSettings) -> dict[str, Any]:
    """The settings without secrets (tokens, appkeys and secretkeys are only counted)."""
    data = settings.model_dump(mode="json", exclude={"tokens", "appkeys", "registry"})
    data.update(
        tokens=len(settings.tokens), appkeys=len(settings.appkeys), registry=len(settings.registry)
    )
    return data


async def config(request: Request) -> Response:
    emu = emulator_of(request)
    if request.method == "PATCH":
        try:
            patch = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(patch, dict) or set(patch) - set(MUTABLE):
            return JSONResponse(
                {"error": f"only these keys may change: {', '.join(MUTABLE)}"}, status_code=400
            )
        try:
            merged = emu.settings.model_dump() | patch
            emu.settings = EmulatorSettings.model_validate(merged)
        except ValidationError as exc:
            return JSONResponse(
                {"error": one_line(exc, "config", EmulatorSettings)}, status_code=400
            )
        except HarnessError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(public_config(emu.settings))


routes = [
    Route("/_emulator/health", _guarded(health), methods=["GET"]),
    Route("/_emulator/stats", _guarded(stats), methods=["GET"]),
    Route("/_emulator/reset", _guarded(reset), methods=["POST"]),
    Route("/_emulator/config", _guarded(config), methods=["GET", "PATCH"]),
]
