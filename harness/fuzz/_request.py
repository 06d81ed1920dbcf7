"""What the invalid-request strategies generate: a request and the one documented rule it breaks,
and the shape of a mutation that breaks it (which codes the contract assigns to that)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from harness.clients import Request

from ._body import Body
from ._rules import Codes
from ._valid import Gen


@dataclass(frozen=True)
class InvalidCase:
    """A request that breaks exactly one documented rule, and the code(s) it must get.

    Args:
        rule: the rule id (see :data:`harness.fuzz.RULES`).
        detail: what exactly was broken, e.g. ``faceData.videoType = ''``.
        where: ``errcode`` (internal API), ``gateway`` or ``business`` (JD).
        codes: the acceptable codes, read from the contract's code table.
        exact: the documents name the code for this rule; otherwise only the emulator
            (which implements faceharness's decisions) is held to ``codes``.
        field: what was changed: a JSON path such as ``faceData.videoType``, ``auth`` or ``body``.
    """

    request: Request
    rule: str
    detail: str
    where: str
    codes: tuple[str, ...]
    exact: bool = False
    field: str = ""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __repr__(self) -> str:
        return (
            f"InvalidCase({self.rule}: {self.detail} -> {self.where} {'|'.join(self.codes)}, "
            f"{self.request!r})"
        )


@dataclass(frozen=True)
class Expect:
    detail: str
    where: str
    codes: tuple[str, ...]
    exact: bool = False


@dataclass(frozen=True)
class Ctx:
    gen: Gen
    codes: Codes

    def match(self, detail: str, *codes: str) -> Expect:
        """Internal API: its codes are faceharness decisions (E-014), so never exact."""
        return Expect(detail, "errcode", codes or (self.codes.match_invalid,))

    def jd(self, detail: str, codes: tuple[str, ...] | None = None, exact: bool = True) -> Expect:
        return Expect(detail, "business", codes or (self.codes.jd_invalid,), exact)


Mutate = Callable[[st.DrawFn, Ctx, Body], Expect]


@dataclass(frozen=True)
class Mutator:
    rule: str
    operations: tuple[str, ...]
    fn: Mutate
