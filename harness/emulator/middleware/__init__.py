"""Plain ASGI middleware, one concern per module (Starlette's pattern)."""

from .faults import FaultInjection
from .latency import AddedLatency

__all__ = ["AddedLatency", "FaultInjection"]
