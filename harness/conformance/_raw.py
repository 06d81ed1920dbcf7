"""A failure as recorded (by the engine, a probe or the transport), before findings are merged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ._exchange import Exchange
from ._failures import Level


@dataclass
class RawFailure:
    api: str
    operation: str
    check: str
    rule_id: str | None
    level: Level
    title: str
    message: str
    erratum: str | None
    exchange: Exchange
    response: dict[str, Any] | None
    size: int = 0  # serialised request size: the smallest example of a bug is the one kept
    basis: str | None = None
    schema_path: tuple[str, ...] | None = (
        None  # where a response-schema failure is (to merge it into a rule)
    )


def exchange_size(exchange: Exchange) -> int:
    try:
        return len(json.dumps(exchange.body, default=str)) + len(
            json.dumps(exchange.query, default=str)
        )
    except (TypeError, ValueError):
        return 0
