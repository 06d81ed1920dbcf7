"""One module per capability command; each defines `register(app: typer.Typer) -> None`.

`harness.cli` registers every module found here, so adding a command never edits cli.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def register_all(app: Any) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").register(app)
