"""`CheckFailed`: a contract violation as data, also a schemathesis ``Failure``.

Subclassing schemathesis' ``Failure`` lets a rule run inside the engine unchanged: the engine
records
it like a built-in failure, and the harness reads ``rule_id``, ``level`` and the request that showed
the violation (``request``, for probes) back out of the recorder.
"""

from __future__ import annotations

from typing import Any, Literal

from schemathesis.core.failures import Failure, Severity

Level = Literal["critical", "high", "medium", "low", "info"]

_TO_ST = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.LOW,
}
FROM_ST: dict[Severity, Level] = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "high",
    Severity.MEDIUM: "medium",
    Severity.LOW: "low",
}


class CheckFailed(Failure):
    """One violated rule: ``rule_id`` names it, ``message`` says Received/Expected.

    ``request`` is set when the violating request is not the case the engine generated (probes),
    so the finding replays the request that actually showed the violation.
    """

    code = "FH900"
    kind_title = "Contract rule violated"

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
            severity=_TO_ST[severity],
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

    def __reduce__(self) -> Any:  # keeps keyword-only construction picklable
        return (
            _rebuild,
            (
                self.rule_id,
                self.check,
                self.operation,
                self.message,
                self.level,
                self.erratum,
                self.request,
                self.case_id,
                self.basis,
                self.at,
            ),
        )


def _rebuild(*args: Any) -> CheckFailed:
    rule_id, check, operation, message, level, erratum, request, case_id, basis, at = args
    return CheckFailed(
        rule_id=rule_id,
        check=check,
        operation=operation,
        message=message,
        severity=level,
        erratum=erratum,
        request=request,
        case_id=case_id,
        basis=basis,
        at=at,
    )
