"""E-085's coercing binder: a request body as Jackson's, Gson's and pydantic's (FastAPI's)
defaults bind it, the one place that reading's coercions are written (conformance names the
reading, the emulator serves it)."""

from __future__ import annotations

import re
from typing import Any

from ._answer import json_copy

_GONE = object()
_INTEGER = re.compile(r"-?[0-9]+")  # ASCII only: "²".isdigit() is True and int("²") raises


# pydantic v2's lax mode (FastAPI's request models) reads these as true, any case, and "0",
# "off", "f", "false", "n", "no" as false; Gson reads every string but "true" as false
_PYDANTIC_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})


def _bound_value(value: Any, types: list[str]) -> Any:
    """``value`` as a binder's defaults bind it to a field of ``types`` (E-085): null is the
    field not sent, a number or boolean a String's text (Jackson, Gson), any integer (``!= 0``,
    Jackson) or the floats 0.0 and 1.0 (pydantic) a boolean, and so is any string: "true"/"false"
    in any case (Jackson), "yes"/"on"/"t"/"1" and "no"/"off"/"f"/"0" (pydantic's lax mode), any
    other as false (Gson's ``Boolean.parseBoolean``); a string of ASCII digits an integer;
    ``...``: no binder reads it so."""
    if value is None:
        return _GONE
    if "string" in types and isinstance(value, int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if "boolean" in types and type(value) is int:
        return value != 0
    if "boolean" in types and type(value) is float and value in (0.0, 1.0):
        return value == 1.0
    if "boolean" in types and isinstance(value, str):
        return value.lower() in _PYDANTIC_TRUE  # Gson reads every other string as false
    if "integer" in types and isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return ...


def as_bound(validator: Any, body: dict[str, Any]) -> dict[str, Any] | None:
    """``body`` (not changed) as a coercing binder reads it (E-085), when that is valid under
    ``validator``; None when a value of the wrong type is no coercion's (an object for a String,
    a list or 2.5 for a boolean), a required field is null, or the bound body breaks another
    limit."""
    body = json_copy(body)
    for _ in range(16):  # one mend a round, errors found afresh: a handful of fields at most
        # several errors may name one place (each branch of a oneOf): mending them all in one
        # round deleted a field twice (KeyError, an engine error instead of FH-S01's verdict)
        error = next(
            (e for e in validator.iter_errors(body) if type(e.kind).__name__ == "Type"), None
        )
        if error is None:
            return body if validator.is_valid(body) else None
        *parents, key = list(error.instance_path) or [None]
        holder: Any = body
        for step in parents:
            holder = holder[step]
        bound = _bound_value(error.instance, list(error.kind.types))
        if bound is ... or not isinstance(holder, dict) or bound is _GONE and key is None:
            return None
        if bound is _GONE:
            del holder[key]
        else:
            holder[key] = bound
    return None
