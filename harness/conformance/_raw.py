"""A failure as recorded (by the engine, a probe or the transport), before findings are merged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness.clients import Request

from ._failures import CheckFailed, Level


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
    request: Request
    response: dict[str, Any] | None
    basis: str | None = None

    @property
    def size(self) -> int:
        """The serialised request's size: the smallest example of a bug is the one kept."""
        request = self.request
        if request.raw_body is not None:
            return len(request.raw_body)
        return len(json.dumps(request.json, default=str)) + len(json.dumps(dict(request.query)))

    @classmethod
    def of(
        cls,
        failed: CheckFailed,
        *,
        api: str,
        operation: str,
        request: Request,
        response: dict[str, Any] | None = None,
    ) -> RawFailure:
        """A violated rule, recorded with the request that showed it."""
        return cls(
            api=api,
            operation=operation,
            check=failed.check,
            rule_id=failed.rule_id,
            level=failed.level,
            title=failed.title,
            message=failed.message,
            erratum=failed.erratum,
            request=request,
            response=response,
            basis=failed.basis,
        )
