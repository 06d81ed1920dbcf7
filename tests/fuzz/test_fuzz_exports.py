"""The public surface: `harness.fuzz` exports its sorted entry points, and `harness.fuzz.strategies`
offers the strategies the README and the plugin's examples name."""

from __future__ import annotations

import harness.fuzz
from harness.fuzz import strategies


def _isort_key(name: str) -> tuple[int, str]:
    """CONSTANTS, then Classes, then functions (ruff RUF022, as the other packages do)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_defined() -> None:
    names = list(harness.fuzz.__all__)
    assert names == sorted(names, key=_isort_key), "harness.fuzz.__all__ is not sorted"
    assert all(hasattr(harness.fuzz, n) for n in names)


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
    for name in (
        "APIS",
        "OPERATIONS",
        "RULES",
        "image_pairs",
        "image_pool",
        "images",
        "invalid_jd_request",
        "invalid_match_request",
        "invalid_requests",
        "valid_idno_request",
        "valid_jd_request",
        "valid_live_code_request",
        "valid_match_request",
        "valid_requests",
    ):
        assert callable(getattr(strategies, name)) or name.isupper(), name
