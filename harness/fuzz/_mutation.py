"""The shape of one mutation: what it broke and which codes the contract assigns to that."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from ._body import Body
from ._rules import Codes
from ._valid import Gen


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
