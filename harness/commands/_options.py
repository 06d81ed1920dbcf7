"""Option checks the commands share (a module with a leading underscore is not a command)."""

from __future__ import annotations

import math
from pathlib import Path

from harness.errors import UsageError


def use_codes(codes: Path | None, config: Path | None = None) -> None:
    """``--codes FILE`` (or ``[codes] file`` in the config): the service's own code table, merged over
    codes.yaml for this process and the ones it starts (load workers), checked now (exit 2 on error)."""
    import os
    import tomllib

    from harness.contract import load_contract
    from harness.contract._contract import ENV_CODES

    if codes is None and config is not None and config.is_file():
        try:
            table = tomllib.loads(config.read_text(encoding="utf-8")).get("codes", {})
        except (OSError, tomllib.TOMLDecodeError):
            table = {}   # the command's own config reading reports a broken file
        if isinstance(table, dict) and table.get("file"):
            codes = (config.parent / str(table["file"])).resolve()
    if codes is None:
        return
    if not codes.is_file():
        raise UsageError(f"--codes {codes}: no such file")
    os.environ[ENV_CODES] = str(codes.resolve())
    load_contract()   # a malformed table is one line now, before any traffic


def positive_seconds(value: float, option: str = "--timeout") -> float:
    """A duration in seconds that can bound a request: finite and above zero (not nan, not inf)."""
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{option} {value:g}: expected a positive number of seconds")
    return value
