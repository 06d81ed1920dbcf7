"""A run directory's reports: write all three, or re-render from ``summary.json``.

``faceharness report reports/RUN`` calls :func:`render_report`, so reports can be rebuilt
(after a harness upgrade, or when ``report.html`` was lost) without re-running anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from harness.errors import InputError
from harness.report.html import write_html
from harness.report.junit import write_junit
from harness.report.summary_io import load_summary, write_summary_json
from harness.results import Summary

SUMMARY_JSON = "summary.json"
JUNIT_XML = "junit.xml"
REPORT_HTML = "report.html"


def write_reports(
    summary: Summary, run_dir: str | os.PathLike[str], secrets: Iterable[str] = ()
) -> dict[str, Path]:
    """Write summary.json, junit.xml and report.html (all redacted) into ``run_dir``."""
    directory = Path(run_dir)
    secrets = list(secrets)
    return {
        "summary": write_summary_json(summary, directory / SUMMARY_JSON, secrets),
        "junit": write_junit(summary, directory / JUNIT_XML, secrets),
        "html": write_html(summary, directory / REPORT_HTML, secrets),
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
    summary = load_summary(summary_path)
    secrets = list(secrets)
    return {
        "junit": write_junit(summary, directory / JUNIT_XML, secrets),
        "html": write_html(summary, directory / REPORT_HTML, secrets),
    }
