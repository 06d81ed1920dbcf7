"""`CheckFailed`: a contract violation as data, also a schemathesis ``Failure``, so a rule runs
inside the engine unchanged and the harness reads ``rule_id``, ``level`` and ``request`` back out
of its recorder. Every failure a run records (a rule's, a probe's, a schemathesis check's, a
request without an answer) is one, with the request that showed it, until findings are merged."""

from __future__ import annotations

import json
from typing import Any

from schemathesis.core.failures import Failure, Severity

from harness import results

Level = results.Severity


class CheckFailed(Failure):
    """One violated rule: ``rule_id`` names it (None: a schemathesis check, ``title`` its own),
    ``message`` says Received/Expected.

    ``request`` is set when the violating request is not the case the engine generated (probes),
    so the finding replays the request that actually showed the violation.
    """

    code = "FH900"
    operation: str

    def __init__(
        self,
        *,
        rule_id: str | None,
        check: str,
        operation: str,
        message: str,
        severity: Level = "high",
        erratum: str | None = None,
        request: Any = None,
        basis: str | None = None,
        at: tuple[str, ...] = (),
        title: str | None = None,
        api: str = "",
        response: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            operation=operation,
            title=title or f"{rule_id} {check}",
            message=message,
            severity=Severity("low" if severity == "info" else severity),
        )
        self.rule_id = rule_id
        self.check = check
        self.level: Level = severity
        self.erratum = erratum
        self.basis = basis
        self.request = request
        self.at = at  # the answer's fields it is about (dotted), where the rule names them
        self.api = api
        self.response = response  # excerpt of the answer

    @property
    def _unique_key(self) -> str:  # one failure per rule per case in the engine's bookkeeping
        return self.rule_id or self.title

    def recorded(
        self, api: str, operation: str, request: Any, response: dict[str, Any] | None = None
    ) -> CheckFailed:
        """This failure as the run records it: with its API, operation, request and answer."""
        self.api, self.operation, self.request, self.response = api, operation, request, response
        return self

    @property
    def size(self) -> int:
        """The serialised request's size: the smallest example of a bug is the one kept."""
        request = self.request
        if request.raw_body is not None:
            return len(request.raw_body)
        return len(json.dumps(request.json, default=str)) + len(json.dumps(dict(request.query)))
