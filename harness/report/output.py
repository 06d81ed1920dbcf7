"""What every writer does before and while writing: redact the summary, write atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from harness.errors import InputError
from harness.report.redact import redact
from harness.results import Summary

# Enumerated fields: a (silly) secret such as "pass" must not rewrite the verdict.
KEEP_KEYS = frozenset({"schema_version", "verdict", "status", "severity", "suite", "name"})


def model_field_names(model: type[BaseModel] = Summary) -> frozenset[str]:
    """Every field name in ``model`` and the models it nests (the summary's own structure)."""
    names: set[str] = set()
    pending: list[type[BaseModel]] = [model]
    seen: set[type[BaseModel]] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            names.add(name)
            pending.extend(_models_in(info.annotation))
    return frozenset(names)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


FIELD_NAMES = model_field_names()


def redact_summary(summary: Summary, secrets: Iterable[str] = ()) -> Summary:
    """A copy of ``summary`` with secrets, credential fields and images masked everywhere."""
    data = redact(
        summary.model_dump(mode="json"), secrets, keep_keys=KEEP_KEYS, field_names=FIELD_NAMES
    )
    return Summary.model_validate(data)


def _umask() -> int:
    """The process umask, read without changing it where the system says it (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(current)
    return current


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) so readers never see a half-written report.

    The file gets the mode any new file gets (0644 under the usual umask), not the 0600 of a
    temporary file: reports are redacted, and CI uploads and teammates must be able to read them.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise InputError(f"cannot write {target}: {err.strerror or err}") from err
    return target
