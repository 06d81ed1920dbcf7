"""What a rule sees besides the answer and the request: the contract, the operation, the run so far.

Rules never keep state of their own. Facts that need the history of the run (was this traceNo
seen before? what was remainTimes on the previous counted call?) are computed once per call by the
tracker and handed over frozen, so a rule is a pure function and can be unit-tested with
constructed inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from harness.clients import Exchange
from harness.contract import Contract, ReadingLog

Mode = Literal["positive", "negative", "probe", "unknown"]


@dataclass(frozen=True)
class Facts:
    """History of the run as of one call (filled by ``RunTracker.observe``)."""

    trace_seen: bool = False  # this traceNo was answered before in the run
    remain_before: int | None = None  # remainTimes of the previous counted call, same appkey
    similarity_conflict: tuple[float, int] | None = None  # an earlier (score, similarity) against
    operating_threshold: float | None = None  # JD operating threshold learnt from msg so far


@dataclass(frozen=True)
class RuleContext:
    contract: Contract
    api: str
    operation: str  # operation id
    mode: Mode = "unknown"
    facts: Facts = field(default_factory=Facts)
    readings: ReadingLog | None = None  # where reading rules record what the answer followed

    def code(self, where: str, code: object) -> Any:
        return self.contract.codes.get(self.api, where, code)


def envelope(response: Exchange) -> dict[str, Any] | None:
    """The JSON object of an HTTP 200 answer (the HTTP rules judge every other answer)."""
    body = response.body if response.status == 200 else None
    return body if isinstance(body, dict) else None
