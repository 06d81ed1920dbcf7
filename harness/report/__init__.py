"""``summary.json``, ``junit.xml`` and ``report.html``: :func:`write_reports`, their only writer,
redacts the summary once and renders all three from that copy; :func:`render_report` rebuilds."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from harness.errors import InputError
from harness.redact import redact_summary
from harness.report.html import render_html
from harness.report.junit import junit_xml
from harness.report.output import atomic_write_text, not_a_file
from harness.results import SCHEMA_VERSION, Summary

__all__ = ["load_summary", "render_html", "render_report", "summary_to_json", "write_reports"]


def write_reports(
    summary: Summary, run_dir: str | os.PathLike[str], secrets: Iterable[str] = ()
) -> dict[str, Path]:
    directory = Path(run_dir)
    if blocked := not_a_file(directory, ("summary.json", "junit.xml", "report.html")):
        raise InputError(f"cannot write {blocked}: it is not a file (nothing written)")
    safe = redact_summary(summary, secrets)
    return {
        "summary": atomic_write_text(directory / "summary.json", summary_to_json(safe)),
        **_render(safe, directory),
    }


def render_report(run_dir: str | os.PathLike[str], secrets: Iterable[str] = ()) -> dict[str, Path]:
    """Rewrite junit.xml and report.html of ``run_dir`` (or of the summary.json given)."""
    path = Path(run_dir)
    if path.is_file():
        summary_path, directory = path, path.parent
    elif path.is_dir():
        summary_path, directory = path / "summary.json", path
    else:
        raise InputError(f"run directory not found: {path}")
    return _render(redact_summary(load_summary(summary_path), secrets), directory)


def _render(safe: Summary, directory: Path) -> dict[str, Path]:
    return {
        "junit": atomic_write_text(directory / "junit.xml", junit_xml(safe)),
        "html": atomic_write_text(directory / "report.html", render_html(safe)),
    }


def summary_to_json(summary: Summary) -> str:
    return summary.model_dump_json(indent=2) + "\n"


def load_summary(path: str | os.PathLike[str]) -> Summary:
    """Read a ``summary.json``; any problem becomes a one-line :class:`InputError`."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"summary not found: {source}") from None
    except UnicodeDecodeError:  # was the codec's own words ("can't decode byte 0xff ...")
        raise InputError(f"{source} is not UTF-8 text; expected a summary.json") from None
    except OSError as err:
        raise InputError(f"cannot read summary {source}: {err}") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{source} is not valid JSON: {err.msg} (line {err.lineno})") from None
    except RecursionError:  # nested past the parser's depth: was "internal error"
        raise InputError(f"{source} is not a summary: nested too deep to read") from None
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
