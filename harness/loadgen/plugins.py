"""Resolve request factories and classifiers named by dotted path.

They run inside the Locust subprocess, so the caller passes names (``"pkg.mod:func"``)
plus JSON-serialisable kwargs instead of live objects.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import UsageError


@dataclass(frozen=True)
class PluginRef:
    """A callable named by ``"module:attr"`` (or ``"module.attr"``) plus keyword arguments."""

    path: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kwargs": dict(self.kwargs)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PluginRef:
        return cls(path=str(data["path"]), kwargs=dict(data.get("kwargs") or {}))

    def resolve(self) -> Callable[..., Any]:
        """Import and return the named callable (without binding kwargs)."""
        return resolve_dotted(self.path)

    def bind(self) -> Callable[..., Any]:
        """The callable with ``kwargs`` bound; positional arguments pass through."""
        target = self.resolve()
        return functools.partial(target, **self.kwargs) if self.kwargs else target


def resolve_dotted(path: str) -> Callable[..., Any]:
    """Import ``"module:attr.sub"`` or ``"module.attr"`` and return the callable."""
    if ":" in path:
        module_name, _, attr_path = path.partition(":")
    else:
        module_name, _, attr_path = path.rpartition(".")
    if not module_name or not attr_path:
        raise UsageError(f"plugin {path!r} is not a dotted path like 'package.module:function'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"cannot import {module_name!r} for plugin {path!r}: {exc}") from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise UsageError(
                f"plugin {path!r}: {module_name!r} has no attribute {attr_path!r}"
            ) from exc
    if not callable(obj):
        raise UsageError(f"plugin {path!r} is not callable")
    return obj  # type: ignore[no-any-return]


def as_ref(
    obj: str | PluginRef | Callable[..., Any], kwargs: Mapping[str, Any] | None
) -> PluginRef:
    """Normalise what a caller passed (name, ref or module-level callable) into a ref.

    A callable is accepted only if it can be re-imported by name in another process.
    """
    extra = dict(kwargs or {})
    if isinstance(obj, PluginRef):
        ref = PluginRef(obj.path, {**obj.kwargs, **extra})
    elif isinstance(obj, str):
        ref = PluginRef(obj, extra)
    elif callable(obj):
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", "")
        if not module or module == "__main__" or "<" in qualname:
            raise UsageError(
                f"{obj!r} cannot be re-imported in the load process; pass a dotted path instead"
            )
        ref = PluginRef(f"{module}:{qualname}", extra)
    else:
        raise UsageError(f"expected a dotted path or callable, got {type(obj).__name__}")
    try:
        json.dumps(ref.to_dict())
    except TypeError as exc:
        raise UsageError(
            f"kwargs for plugin {ref.path!r} must be JSON-serialisable: {exc}"
        ) from exc
    return ref
