"""What a property needs while it runs, and how it reports a violation to hypothesis."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.clients import Exchange, Request
from harness.conformance import Facts
from harness.conformance._tracker import trace_seen
from harness.contract import Answer, Contract, ReadingLog

from ._checks import Problem, Severity, check_answer, outcome
from ._client import FuzzClient
from ._request import InvalidCase
from ._rules import Codes
from ._valid import Gen


class PropertyFailed(AssertionError):
    """One exchange violated a property; carries everything a Finding and a replay file need.

    A distinct subclass per check (``failure_type``) lets hypothesis tell different bugs
    apart and shrink each to its own minimal example.
    """

    def __init__(
        self,
        problem: Problem,
        request: Request,
        exchange: Exchange | None,
        *,
        property_name: str,
        case: InvalidCase | None = None,
        steps: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{problem.check}: {problem.message}")
        self.problem, self.request, self.exchange = problem, request, exchange
        self.property_name, self.case, self.steps = property_name, case, steps


@functools.cache
def failure_type(check: str, variant: str) -> type[PropertyFailed]:
    words = re.split(r"[_\W]+", f"{check}:{variant}")
    name = "".join(word.title() for word in words if word) + "Failed"
    return type(name, (PropertyFailed,), {"__module__": __name__})


@dataclass
class Run:
    """One fuzz run: the contract, the client, generation settings and what the target is."""

    contract: Contract
    client: FuzzClient
    gen: Gen
    codes: Codes
    is_emulator: bool
    engine: str | None  # the emulator's engine; None for a live target
    seed: int
    max_examples: int
    db_root: Path | None = None
    quota_credentials: Any = None  # JD credentials of a small-quota appkey (emulator), or None
    last_failure: dict[str, PropertyFailed] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)  # state-machine steps of the current example
    # which reading of each erratum the answers follow
    readings: ReadingLog = field(default_factory=ReadingLog)

    def send(self, request: Request, **kw: Any) -> tuple[Exchange, Answer | None]:
        exchange = self.client.send(request, **kw)
        return exchange, outcome(self.contract, request, exchange)

    def standard(
        self,
        request: Request,
        exchange: Exchange,
        found: Answer | None,
        *,
        request_valid: bool = False,
        case: InvalidCase | None = None,
        strict: bool = False,
    ) -> list[Problem]:
        """What every answer must satisfy, whatever the property (and the answer to an invalid
        ``case``: its refusal rules)."""
        seen = found is not None and trace_seen(self.client.trace_nos, request.operation, found)
        return check_answer(
            self.contract,
            request,
            exchange,
            request_valid=request_valid,
            readings=self.readings,
            facts=Facts(trace_seen=seen),
            case=case,
            strict=strict,
        )

    def fail(
        self,
        prop: str,
        problems: list[Problem],
        request: Request,
        exchange: Exchange | None,
        case: InvalidCase | None = None,
    ) -> None:
        """Raise the first problem as a PropertyFailed (and remember it, in case the budget
        runs out while hypothesis is still shrinking)."""
        if not problems:
            return
        first = problems[0]
        exc = failure_type(first.check, first.variant)(
            first, request, exchange, property_name=prop, case=case, steps=tuple(self.steps)
        )
        self.last_failure[prop] = exc
        raise exc

    def answer(
        self, prop: str, request: Request, *, valid: bool = True, **kw: Any
    ) -> tuple[Exchange, Answer | None]:
        """Send ``request`` and fail on anything every answer must satisfy."""
        exchange, found = self.send(request, **kw)
        self.fail(
            prop, self.standard(request, exchange, found, request_valid=valid), request, exchange
        )
        return exchange, found

    def refused(self, prop: str, case: InvalidCase, *, strict: bool, **kw: Any) -> Answer | None:
        """Send ``case``'s request and fail unless it is refused with its documented code."""
        exchange, found = self.send(case.request, **kw)
        problems = self.standard(case.request, exchange, found, case=case, strict=strict)
        self.fail(prop, problems, case.request, exchange, case)
        return found

    def violated(
        self,
        prop: str,
        check: str,
        severity: Severity,
        message: str,
        request: Request,
        exchange: Exchange | None,
        erratum: str | None = None,
    ) -> None:
        """Fail with one problem found beyond the standard checks."""
        self.fail(prop, [Problem(check, severity, message, erratum)], request, exchange)
