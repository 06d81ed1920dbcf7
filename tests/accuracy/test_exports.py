"""The package's public surface is exactly its sorted ``__all__``."""

from __future__ import annotations

import types

from harness import accuracy


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (ruff RUF022, as harness.results does)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete() -> None:
    assert accuracy.__all__ == sorted(accuracy.__all__, key=_isort_key)
    public = {
        name
        for name, value in vars(accuracy).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert set(accuracy.__all__) == public


def test_public_classes_and_functions_present_as_the_package() -> None:
    assert accuracy.run_accuracy.__module__ == "harness.accuracy"
    assert accuracy.AccuracyResult.__module__ == "harness.accuracy"
