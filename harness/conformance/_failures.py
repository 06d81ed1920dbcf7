"""`CheckFailed`: a contract violation as data, also a schemathesis ``Failure``, so a rule runs
inside the engine unchanged and the harness reads ``rule_id``, ``level`` and ``request`` back out
of its recorder; `RawFailure`: a failure as recorded (by the engine, a probe or the transport),
before findings are merged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from schemathesis.core.failures import Failure, Severity

from harness import results
from harness.clients import Request

Level = results.Severity


class CheckFailed(Failure):
    """One violated rule: ``rule_id`` names it, ``message`` says Received/Expected.

    ``request`` is set when the violating request is not the case the engine generated (probes),
    so the finding replays the request that actually showed the violation.
    """

    code = "FH900"

    def __init__(
        self,
        *,
        rule_id: str,
        check: str,
        operation: str,
        message: str,
        severity: Level = "high",
        erratum: str | None = None,
        request: Any = None,
        case_id: str | None = None,
        basis: str | None = None,
        at: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            operation=operation,
            title=f"{rule_id} {check}",
            message=message,
            case_id=case_id,
            severity=Severity("low" if severity == "info" else severity),
        )
        self.rule_id = rule_id
        self.check = check
        self.level: Level = severity
        self.erratum = erratum
        self.basis = basis
        self.request = request
        self.at = at  # the answer's fields it is about (dotted), where the rule names them
        self.response: dict[str, Any] | None = None  # excerpt of the answer, for probe findings

    @property
    def _unique_key(self) -> str:  # one failure per rule per case in the engine's bookkeeping
        return self.rule_id


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
