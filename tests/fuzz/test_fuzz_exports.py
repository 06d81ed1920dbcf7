"""The public surface: `harness.fuzz` re-exports its entry points explicitly, and
`harness.fuzz.strategies` offers the strategies the README and the plugin's examples name."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import harness.fuzz
from harness.fuzz import strategies


def _exported() -> list[str]:
    """The explicit re-exports (``from ._x import A as A``, the form mypy and ruff read as one)."""
    tree = ast.parse(Path(str(harness.fuzz.__file__)).read_text(encoding="utf-8"))
    return [
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name
    ]


def test_exports_are_explicit_and_complete() -> None:
    """Every public name of the package is an explicit re-export (submodules such as the pytest
    plugin aside), and every re-export is defined."""
    exported = _exported()
    assert len(exported) == len(set(exported))
    public = {
        name
        for name, value in vars(harness.fuzz).items()
        if not name.startswith("_") and not (isinstance(value, ModuleType) and name not in exported)
    }
    assert set(exported) == public
    assert all(hasattr(harness.fuzz, n) for n in exported)


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
        assert name in _exported()
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
