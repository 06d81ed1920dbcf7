"""Which documented operation a request is for, from its path (admin paths are none)."""

from __future__ import annotations

from typing import Any


def operation_of(scope: dict[str, Any]) -> str | None:
    emu = scope["app"].state.emulator
    return emu.path_ops.get(scope.get("path", "")) if scope.get("type") == "http" else None
