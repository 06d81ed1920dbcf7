"""harness.gate's public surface: exactly the names in __all__, each of them importable."""

from __future__ import annotations

import types

from harness import gate


def test_all_is_complete_and_resolves():
    public = {
        name
        for name, value in vars(gate).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    public -= {"annotations"}
    assert set(gate.__all__) == public
    assert len(gate.__all__) == len(set(gate.__all__))
