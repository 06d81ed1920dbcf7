"""Plain ASGI middleware, one concern per module (Starlette's pattern)."""

from typing import Any

from .faults import FaultInjection
from .latency import AddedLatency

__all__ = ["AddedLatency", "FaultInjection", "Misbehaviour"]


class Misbehaviour:
    """Injected faults, then added latency, around the routes.

    With neither configured (every run that does not ask for them) a request goes straight to
    the routes: the two layers would cost a path lookup and a settings walk each, per request,
    to do nothing. Neither draws from its seeded RNG when nothing is configured, so skipping
    them leaves every later draw (after a run-time config change) as it was.
    """

    def __init__(self, app: Any, *, seed: int = 0) -> None:
        self.app = app
        self.misbehaving = FaultInjection(AddedLatency(app, seed=seed), seed=seed)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            settings = scope["app"].state.emulator.settings
            if settings.faults or settings.latency:
                await self.misbehaving(scope, receive, send)
                return
        await self.app(scope, receive, send)
