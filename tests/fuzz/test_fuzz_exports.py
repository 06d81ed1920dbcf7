"""The public surface: `harness.fuzz` and `harness.fuzz.strategies` export exactly their sorted
names."""

from __future__ import annotations

import harness.fuzz
from harness.fuzz import strategies


def _isort_key(name: str) -> tuple[int, str]:
    """CONSTANTS, then Classes, then functions (ruff RUF022, as the other packages do)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_defined() -> None:
    for module in (harness.fuzz, strategies):
        names = list(module.__all__)
        assert names == sorted(names, key=_isort_key), f"{module.__name__}.__all__ is not sorted"
        assert all(hasattr(module, n) for n in names)


def test_public_names_cover_the_entry_points() -> None:
    for name in (
        "run_fuzz",
        "strategies",
        "Request",
        "InvalidCase",
        "RULES",
        "emulator_overrides",
        "replay_finding",
        "FuzzTarget",
    ):
        assert name in harness.fuzz.__all__
