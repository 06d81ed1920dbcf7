"""What the invalid-request strategies generate: a request and the one documented rule it breaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.clients import Request


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
