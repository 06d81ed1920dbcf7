"""Rule registry: business rules and probes under stable ids, duplicates rejected.

A rule is a plain function ``(ctx, response, case) -> None`` (schemathesis' argument order) that
raises :class:`~harness.conformance.CheckFailed` on a violation. ``@rule(...)`` stores it under its
id and wraps it so that a bare :func:`violation` inside becomes a ``CheckFailed`` carrying the rule's
id, name, severity and erratum. A probe is a function ``(pctx) -> None`` that sends its own requests;
it shares the id space so a finding's ``rule_id`` always names exactly one function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ._failures import CheckFailed, Level

Kind = Literal["rule", "probe"]


class Violation(AssertionError):
    """Raised by a rule body; the registry wrapper turns it into a CheckFailed."""

    def __init__(self, message: str, *, severity: Level | None = None, exchange: Any = None) -> None:
        super().__init__(message)
        self.message, self.severity, self.exchange = message, severity, exchange


def violation(message: str, *, severity: Level | None = None, exchange: Any = None) -> Violation:
    """``raise violation("Received: ...\\nExpected: ...")`` inside a rule (a probe adds its request)."""
    return Violation(message, severity=severity, exchange=exchange)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    kind: Kind
    api: str
    fn: Callable[..., None] = field(repr=False)
    operations: frozenset[str] = frozenset()  # empty: every operation of the api
    severity: Level = "high"
    erratum: str | None = None
    sends: int = 1  # how many sends a replay needs to show it (2 for run-history rules)
    doc: str = ""

    def applies_to(self, api: str, operation: str) -> bool:
        return api == self.api and (not self.operations or operation in self.operations)


class Registry:
    """Ids and names are unique; registering either twice is a programming error."""

    def __init__(self) -> None:
        self._by_id: dict[str, Rule] = {}

    def add(self, entry: Rule) -> Rule:
        if entry.id in self._by_id:
            raise ValueError(f"a rule with id {entry.id!r} is already registered")
        if any(r.name == entry.name for r in self._by_id.values()):
            raise ValueError(f"a rule named {entry.name!r} is already registered")
        self._by_id[entry.id] = entry
        return entry

    def get(self, rule_id: str) -> Rule:
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise KeyError(f"no rule {rule_id!r}; known: {', '.join(sorted(self._by_id))}") from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._by_id.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._by_id)

    def rules_for(self, api: str, operation: str, kind: Kind = "rule") -> list[Rule]:
        return [r for r in self if r.kind == kind and r.applies_to(api, operation)]


RULES = Registry()


def rule(rule_id: str, name: str, *, api: str, operations: tuple[str, ...] = (), severity: Level = "high",
         erratum: str | None = None, sends: int = 1, kind: Kind = "rule",
         registry: Registry = RULES) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a rule (or, with ``kind="probe"``, a probe) under ``rule_id``.

    Example:
        ``@rule("FH-J05", "thresholds-fall", api="jd", erratum="E-004")``
    """

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        entry: Rule

        @functools.wraps(fn)
        def wrapped(ctx: Any, *args: Any) -> None:
            try:
                fn(ctx, *args)
            except Violation as v:
                raise CheckFailed(
                    rule_id=entry.id, check=entry.name, operation=_operation_of(ctx),
                    message=v.message, severity=v.severity or entry.severity, erratum=entry.erratum,
                    exchange=getattr(v, "exchange", None),
                ) from None

        entry = Rule(id=rule_id, name=name, kind=kind, api=api, fn=wrapped, operations=frozenset(operations),
                     severity=severity, erratum=erratum, sends=sends,
                     doc=(fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "")
        registry.add(entry)
        wrapped.rule = entry  # type: ignore[attr-defined]
        return wrapped

    return decorate


def _operation_of(ctx: Any) -> str:
    return str(getattr(ctx, "operation", "") or "")
