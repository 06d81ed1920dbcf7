"""The raw result of comparing one pair, as the cache stores it and the runner scores it."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal, cast, get_args

Category = Literal["ok", "fta", "error"]
_CATEGORIES: tuple[str, ...] = get_args(Category)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the service said about one pair, before any threshold is applied.

    Args:
        score: the similarity as a number (string scores are parsed by the caller), or
            ``None`` when the response carried none.
        decision: the service's own same-person verdict, when it gives one.
        code: the service's result code, kept for the report's breakdown.
        category: ``"ok"`` when a comparison happened; ``"fta"`` (failure to acquire: no
            face, several faces, poor quality) when the service declined to compare, counted
            apart from FNMR as NIST FRTE does; ``"error"`` for anything else (5xx,
            timeouts, unparsable answers), which measures the service, not the algorithm.
    """

    score: float | None
    decision: bool | None
    code: str
    category: Category = "ok"

    def __post_init__(self) -> None:
        if self.category not in _CATEGORIES:
            raise ValueError(f"category must be one of {_CATEGORIES}, got {self.category!r}")
        if self.score is not None and not math.isfinite(self.score):
            raise ValueError(f"score must be finite, got {self.score!r}")

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Outcome:
        """Inverse of :meth:`to_dict`; raises ``TypeError``/``ValueError`` on a malformed record."""
        score, decision, code = data.get("score"), data.get("decision"), data.get("code")
        category = data.get("category")
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
            raise TypeError(f"score {score!r} is not a number")
        if decision is not None and not isinstance(decision, bool):
            raise TypeError(f"decision {decision!r} is not a boolean")
        if not isinstance(code, str):
            raise TypeError(f"code {code!r} is not a string")
        if category not in _CATEGORIES:
            raise ValueError(f"category {category!r} is not one of {_CATEGORIES}")
        number = None if score is None else float(score)
        return cls(number, decision, code, cast(Category, category))
