from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import pytest

from harness import imaging


@pytest.mark.parametrize("package", [imaging], ids=lambda p: p.__name__)
def test_exports_are_explicit_and_complete(package: ModuleType) -> None:
    """Every public name of the package is an explicit re-export (``from ._x import A as A``,
    the form mypy and ruff read as an export), and every re-export is public."""
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and name != "annotations"
        and not (isinstance(value, ModuleType) and value.__name__ != f"{package.__name__}.{name}")
    }
    tree = ast.parse(Path(str(package.__file__)).read_text(encoding="utf-8"))
    exported = {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name
    }
    assert exported == public
