from __future__ import annotations

from types import ModuleType

import pytest

from harness import imaging


def _isort_key(name: str) -> tuple[int, str]:
    """ruff RUF022 order: CONSTANTS, then Classes, then functions and modules."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


@pytest.mark.parametrize("package", [imaging], ids=lambda p: p.__name__)
def test_all_is_complete_and_sorted(package: ModuleType) -> None:
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and name != "annotations"
        and not (isinstance(value, ModuleType) and value.__name__ != f"{package.__name__}.{name}")
    }
    assert set(package.__all__) == public
    assert package.__all__ == sorted(package.__all__, key=_isort_key)
