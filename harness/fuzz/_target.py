"""A target for hand-written properties (the pytest plugin's ``faceharness_target``): send
generated requests, assert the fuzzer's checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.clients import Exchange, Request
from harness.contract import Answer, Contract

from ._checks import Problem, check_answer, outcome
from ._client import FuzzClient
from ._properties import refused_as_invalid
from ._request import InvalidCase


@dataclass
class FuzzTarget:
    """The service under test: its URL, whether it is the emulator, and a paced client."""

    url: str
    is_emulator: bool
    client: FuzzClient
    contract: Contract

    def __repr__(self) -> str:
        emulator = ", emulator" if self.is_emulator else ""
        return f"FuzzTarget({self.url}{emulator}, sent={self.client.sent})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis prints arguments
        printer.text(repr(self))

    def send(self, request: Request) -> Exchange:
        """Send with credentials filled in (never stored in the request)."""
        return self.client.send(request)

    def outcome(self, request: Request, exchange: Exchange) -> Answer | None:
        """The answer in API-neutral terms: code, category, whether the comparison ran, score."""
        return outcome(self.contract, request, exchange)

    def problems(
        self, request: Request, exchange: Exchange, *, request_valid: bool = True
    ) -> list[Problem]:
        """What the fuzzer's checks find wrong with one answer (HTTP, envelope, spec, codes)."""
        return check_answer(self.contract, request, exchange, request_valid=request_valid)

    def assert_conforms(self, request: Request, exchange: Exchange) -> None:
        """AssertionError naming every problem of an answer to a valid request."""
        problems = self.problems(request, exchange)
        problems += refused_as_invalid(self.outcome(request, exchange))
        assert not problems, _text(problems, exchange)

    def assert_refused(self, case: InvalidCase, exchange: Exchange) -> None:
        """AssertionError unless an invalid request got a documented error (its rule's code
        where the documents say which, or always on the emulator)."""
        strict = case.exact or self.is_emulator
        problems = check_answer(self.contract, case.request, exchange, case=case, strict=strict)
        assert not problems, _text(problems, exchange) + f" [{case.rule}: {case.detail}]"


def _text(problems: list[Problem], exchange: Exchange) -> str:
    body = exchange.excerpt()
    return "; ".join(f"{p.check}: {p.message}" for p in problems) + f" (answer: {str(body)[:300]})"
