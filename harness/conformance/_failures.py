"""`CheckFailed`: a contract violation as data, also a schemathesis ``Failure``, so a rule runs
inside the engine unchanged and the harness reads ``rule_id``, ``level`` and ``request`` back out
of its recorder."""

from __future__ import annotations

from typing import Any

from schemathesis.core.failures import Failure, Severity

from harness import results

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
