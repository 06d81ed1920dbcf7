"""How every report file is written: atomically, with the mode any new file gets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harness.errors import InputError, UsageError

# the files every run writes at the top of its --out (`write_reports`, `write_findings_json`)
REPORT_FILES = ("summary.json", "junit.xml", "report.html", "findings.json")


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


def prepare_run_dir(out_dir: Path, *subdirs: str) -> Path:
    """Create the run directory (and ``subdirs``) before any work: an ``--out`` that cannot
    hold the reports must fail in its first second, not after a run whose results it loses."""
    try:  # a name the system refuses (too long: ENAMETOOLONG) fails its first look too
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out {out_dir}: exists and is not a directory")
        if blocked := not_a_file(out_dir, REPORT_FILES):  # else found after the run: all lost
            raise UsageError(f"--out {out_dir}: {blocked.name} exists and is not a file")
        for folder in (out_dir, *(out_dir / sub for sub in subdirs)):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"--out {out_dir}: cannot create the directory ({exc.strerror or exc})"
        ) from None
    if not os.access(out_dir, os.W_OK):
        raise UsageError(f"--out {out_dir}: not writable")
    return out_dir


def not_a_file(directory: Path, names: tuple[str, ...]) -> Path | None:
    """The first of ``names`` in ``directory`` that a report cannot replace (a directory, a
    socket...): checked before a run and before its reports are written, so a run neither
    spends its budget for nothing nor leaves a summary.json that the junit.xml after it lacks."""
    for name in names:
        path = directory / name
        if path.exists() and not path.is_file():
            return path
    return None


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) so readers never see a half-written report, with the mode of any
    new file (not a temporary file's 0600: CI uploads and teammates must read the reports).
    A lone surrogate (a target's JSON ``"\\udfff"``, which Python's parser takes) is written as
    its escape, which JSON reads back as the same character (hostile session 24: accuracy ended
    writing its results in UnicodeEncodeError)."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(
                fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
            ) as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise InputError(f"cannot write {target}: {err.strerror or err}") from err
    return target
