"""Rule registry: business rules and probes under stable ids, duplicates rejected.

A rule is a pure function ``(ctx, answer, request)`` that raises :class:`Violation` (or
:func:`observed`) and returns the errata whose default it saw followed; the run's history reaches
it frozen (:class:`Facts`). Probes ``(pctx)`` share the id space, so a ``rule_id`` names one
function.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from harness.contract import observe_reading as observe_reading

from ._failures import CheckFailed, Level

if TYPE_CHECKING:
    from harness.clients import Exchange
    from harness.contract import Contract, ReadingLog


@dataclass(frozen=True)
class Facts:
    """History of the run as of one call (filled by ``RunTracker.observe``)."""

    trace_seen: bool = False  # this traceNo was answered before in the run
    # a comparison that sent a liveCode validateData issued: whether it got the traceNo given with
    # the code (E-068's other reading), None when it sent none
    trace_of_livecode: bool | None = None
    remain_before: int | None = None  # remainTimes of the previous counted call, same appkey
    similarity_conflict: tuple[float, int] | None = None  # an earlier (score, similarity) against
    operating_threshold: float | None = None  # JD operating threshold learnt from msg so far
    remain_seconds_least: int | None = None  # the least remainSeconds >= 0 so far, same appkey
    serial_of_other: str | None = None  # another request's serialNo this result names (FH-J16)


@dataclass(frozen=True)
class RuleContext:
    contract: Contract
    api: str
    operation: str  # operation id
    facts: Facts = field(default_factory=Facts)
    readings: ReadingLog | None = None  # where reading rules record what the answer followed

    def code(self, where: str, code: object) -> Any:
        return self.contract.codes.get(self.api, where, code)


def envelope(response: Exchange) -> dict[str, Any] | None:
    """The answer's envelope when the rules judge it (:attr:`Answer.judged`), else None."""
    answer = response.answer
    return answer.body if answer is not None and answer.judged else None


def unjudged_by(entry: Rule, response: Exchange) -> str | None:
    """Why rule ``entry`` could not judge ``response`` (None: it could). A rule of one API reads
    that API's envelope (:func:`envelope`): an answer without it (an HTML 400, a bare 5xx) is
    nothing it applies to, and its silence then says nothing, so a replay of its finding is not
    judged, never "fixed" (hostile session 25: FH-J06's replay against a 400 HTML page to
    everything said fixed). The HTTP rules (api ``*``) judge any answer."""
    if entry.api == "*" or envelope(response) is not None:
        return None
    kind = response.content_type or "no Content-Type"
    return (
        f"the answer (HTTP {response.status}, {kind}) is not the API's envelope, so rule "
        f"{entry.id} ({entry.name}) had nothing to judge"
    )


Kind = Literal["rule", "probe", "refusal"]
Basis = Literal["seed", "convention", "reading"]
# what kinds of answer a rule judges alike (``Rule.any_outcome``): "" one kind; "place" a refusal
# and a comparison that ran at one code's place; "envelope" every envelope (JD's gateway code)
AnyOutcome = Literal["", "place", "envelope"]


@dataclass(eq=False)
class Violation(AssertionError):
    """Raised inside a rule, made a CheckFailed by the registry wrapper (``basis``, ``erratum``:
    this case's own where they differ; ``at``: the answer's fields it is about, dotted)."""

    message: str
    severity: Level | None = None
    request: Any = None
    basis: Basis | None = None
    at: tuple[str, ...] = ()
    erratum: str | None = None
    reading: str | None = None  # set by :func:`observed`

    def __post_init__(self) -> None:
        super().__init__(self.message)


def observed(erratum: str, message: str) -> Violation:
    """The answer follows an alternative reading of ``erratum``: a finding only when the policy
    requires the default."""
    return Violation(message, reading=erratum)


@dataclass(frozen=True)
class Rule:
    """A rule's metadata, its basis checked when it is made: a ``seed`` rule quotes the document, a
    ``convention`` rule is at most ``low``, a ``reading`` rule names the erratum it observes."""

    id: str
    name: str
    api: str  # "*": every API
    fn: Callable[..., None] = field(default=lambda *_: None, repr=False)
    kind: Kind = "rule"
    operations: tuple[str, ...] = ()  # empty: every operation of the api
    severity: Level = "high"
    erratum: str | None = None
    sends: int = 1  # how many sends a replay needs to show it (2 for run-history rules)
    doc: str = ""
    basis: Basis = "seed"
    # the seed's words (seed), the norm (convention); readings quote in readings.yaml
    quote: str = ""
    observes: tuple[str, ...] = ()  # errata whose readings this rule tells apart
    # response fields it owns: a schema failure there is this rule's finding
    fields: tuple[str, ...] = ()
    # it judges a refusal and a comparison that ran alike: "place", a field every answer at its
    # code's place carries (remainTimes, result.timestamp); "envelope", one every envelope carries
    # (JD's gateway code): a replay meeting the other kind judges it (``_replay.other_kind``)
    any_outcome: AnyOutcome = ""

    def __post_init__(self) -> None:
        if self.basis == "convention" and self.severity not in ("low", "info"):
            raise ValueError(
                f"{self.id}: a convention rule is at most 'low', not {self.severity!r}"
            )
        if self.basis == "seed" and not self.quote:
            raise ValueError(f"{self.id}: a seed rule quotes the document (quote=...)")
        if self.basis == "reading" and not (self.observes or self.erratum):
            raise ValueError(f"{self.id}: a reading rule names the erratum it observes")
        if self.basis == "reading" and not self.observes:
            object.__setattr__(self, "observes", (self.erratum,))

    def applies_to(self, api: str, operation: str) -> bool:
        return self.api in (api, "*") and (not self.operations or operation in self.operations)


class Registry:
    """Ids and names are unique; registering either twice is a programming error."""

    def __init__(self) -> None:
        self._by_id: dict[str, Rule] = {}
        # in id order, and each operation's rules: asked for every answer a run judges (they
        # were sorted afresh each time, about 1 % of a conform run's CPU)
        self._ordered: tuple[Rule, ...] = ()
        self._for: dict[tuple[str, str], tuple[Rule, ...]] = {}

    def add(self, entry: Rule) -> Rule:
        if entry.id in self._by_id:
            raise ValueError(f"a rule with id {entry.id!r} is already registered")
        if any(r.name == entry.name for r in self._by_id.values()):
            raise ValueError(f"a rule named {entry.name!r} is already registered")
        self._by_id[entry.id] = entry
        self._ordered = tuple(sorted(self._by_id.values(), key=lambda r: r.id))
        self._for.clear()
        return entry

    def get(self, rule_id: str | None) -> Rule:
        try:
            return self._by_id[str(rule_id)]
        except KeyError:
            raise KeyError(
                f"no rule {rule_id!r}; known: {', '.join(sorted(self._by_id))}"
            ) from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._ordered)

    def rules_for(self, api: str, operation: str) -> list[Rule]:
        rules = self._for.get((api, operation))
        if rules is None:
            rules = tuple(r for r in self if r.kind == "rule" and r.applies_to(api, operation))
            self._for[(api, operation)] = rules
        return list(rules)


RULES = Registry()


def rule(
    rule_id: str,
    name: str,
    *,
    reading: str | None = None,
    registry: Registry = RULES,
    **meta: Any,
) -> Callable[[Callable[..., Any]], Callable[..., None]]:
    """Register a rule (or, with ``kind="probe"``, a probe) under ``rule_id`` with the metadata
    of :class:`Rule` (``reading="E-NNN"``: basis ``reading`` and that erratum at once)."""
    if reading is not None:
        meta |= {"basis": "reading", "erratum": reading}
    entry = Rule(rule_id, name, **meta)

    def decorate(fn: Callable[..., Any]) -> Callable[..., None]:
        def failed(ctx: Any, v: Violation) -> CheckFailed:
            return CheckFailed(
                rule_id=entry.id,
                check=entry.name,
                operation=_operation_of(ctx),
                message=v.message,
                severity=v.severity or entry.severity,
                erratum=v.erratum,
                # a probe's finding replays the request that showed it: its last one by default
                request=getattr(ctx, "last_request", None) if v.request is None else v.request,
                basis=v.basis,
                at=v.at,
            )

        @functools.wraps(fn)
        def wrapped(ctx: Any, *args: Any) -> None:
            log = getattr(ctx, "readings", None)
            try:
                followed = fn(ctx, *args)
            except Violation as v:
                if v.reading is None:
                    basis_ = v.basis or ("seed" if entry.basis == "reading" else entry.basis)
                    erratum_ = v.erratum or entry.erratum
                    raise failed(ctx, replace(v, basis=basis_, erratum=erratum_)) from None
                example = f"{_operation_of(ctx)}: {v.message}"
                if observe_reading(log, v.reading, False, example) is not None:
                    required = f"Required: the default reading of {v.reading}"
                    message = f"{v.message}\n{required} (gate policy [readings])"
                    raise failed(
                        ctx, Violation(message, v.severity, v.request, "reading", (), v.reading)
                    ) from None
                return
            for erratum_ in (followed,) if isinstance(followed, str) else (followed or ()):
                if observe_reading(log, erratum_, True, "") is not None:
                    message = (
                        f"Received: an answer following the default reading of {erratum_}\n"
                        "Required: the alternative reading (gate policy [readings])"
                    )
                    raise failed(ctx, Violation(message, None, None, "reading", (), erratum_))

        # the first paragraph, whole: a sentence may wrap onto a second line
        doc = " ".join(inspect.cleandoc(fn.__doc__ or "").split("\n\n")[0].split())
        registry.add(replace(entry, fn=wrapped, doc=doc))
        return wrapped

    return decorate


def _operation_of(ctx: Any) -> str:
    return str(getattr(ctx, "operation", "") or "")
