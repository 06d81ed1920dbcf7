"""Added service time per operation (none/fixed/normal/lognormal/stall), seeded, before the
handler."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from ._ops import operation_of

Scope = dict[str, Any]


class AddedLatency:
    def __init__(self, app: Any, *, seed: int = 0) -> None:
        self.app = app
        self.rng = random.Random(seed)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        op = operation_of(scope)
        if op is not None:
            settings = scope["app"].state.emulator.settings
            delay = settings.latency_for(op).sample(self.rng, time.monotonic())
            if delay > 0:
                await asyncio.sleep(delay)
        await self.app(scope, receive, send)
