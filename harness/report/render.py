"""A run directory's reports: write all three, or re-render from ``summary.json``.

Only this module writes ``summary.json``, ``junit.xml`` and ``report.html``; it redacts the
summary once (:func:`harness.redact.redact_summary`) and every renderer reads that copy.
``faceharness report reports/RUN`` calls :func:`render_report`, so reports can be rebuilt
(after a harness upgrade, or when ``report.html`` was lost) without re-running anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from harness.errors import InputError
from harness.redact import redact_summary
from harness.report.html import render_html
from harness.report.junit import junit_xml
from harness.report.output import atomic_write_text
from harness.report.summary_io import load_summary, summary_to_json
from harness.results import Summary

SUMMARY_JSON = "summary.json"
JUNIT_XML = "junit.xml"
REPORT_HTML = "report.html"


def write_reports(
    summary: Summary, run_dir: str | os.PathLike[str], secrets: Iterable[str] = ()
) -> dict[str, Path]:
    """Write summary.json, junit.xml and report.html (all redacted) into ``run_dir``."""
    directory = Path(run_dir)
    safe = redact_summary(summary, secrets)
    return {
        "summary": atomic_write_text(directory / SUMMARY_JSON, summary_to_json(safe)),
        **_render(safe, directory),
    }


def render_report(run_dir: str | os.PathLike[str], secrets: Iterable[str] = ()) -> dict[str, Path]:
    """Rewrite junit.xml and report.html of ``run_dir`` from its summary.json.

    ``run_dir`` may also be the summary.json file itself. Returns the written paths.
    """
    path = Path(run_dir)
    if path.is_file():
        summary_path, directory = path, path.parent
    elif path.is_dir():
        summary_path, directory = path / SUMMARY_JSON, path
    else:
        raise InputError(f"run directory not found: {path}")
    return _render(redact_summary(load_summary(summary_path), secrets), directory)


def _render(safe: Summary, directory: Path) -> dict[str, Path]:
    return {
        "junit": atomic_write_text(directory / JUNIT_XML, junit_xml(safe)),
        "html": atomic_write_text(directory / REPORT_HTML, render_html(safe)),
    }
