"""``summary.json``: the machine-readable record of a run, and the input of ``report``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from harness.errors import InputError
from harness.results import SCHEMA_VERSION, Summary


def summary_to_json(summary: Summary) -> str:
    """The JSON text of ``summary`` (redacted by :func:`harness.report.write_reports`)."""
    return summary.model_dump_json(indent=2) + "\n"


def load_summary(path: str | os.PathLike[str]) -> Summary:
    """Read a ``summary.json``; any problem becomes a one-line :class:`InputError`."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"summary not found: {source}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read summary {source}: {err}") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{source} is not valid JSON: {err.msg} (line {err.lineno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{source} is not a summary: expected a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(
            f"{source} has schema_version {version!r}; this faceharness reads {SCHEMA_VERSION!r}"
        )
    try:
        return Summary.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        raise InputError(
            f"{source} is not a valid summary: {where}: {first['msg']}{more}"
        ) from None
