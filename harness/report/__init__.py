"""Report writers: ``summary.json``, ``junit.xml`` and a self-contained ``report.html``.

Writers consume a :class:`harness.results.Summary` and never change it; all of them redact
(configured secrets, credential fields, face images) before anything touches the disk.
Names are imported lazily because :mod:`harness.results` itself imports
:mod:`harness.report.redact`.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "redact": "harness.report.redact",
    "redact_text": "harness.report.redact",
    "redact_summary": "harness.report.output",
    "write_summary_json": "harness.report.summary_io",
    "load_summary": "harness.report.summary_io",
    "write_junit": "harness.report.junit",
    "write_html": "harness.report.html",
    "render_html": "harness.report.html",
    "write_reports": "harness.report.render",
    "render_report": "harness.report.render",
    "summary_json_schema": "harness.report.schema",
    "load_schema": "harness.report.schema",
    "validate_summary_data": "harness.report.schema",
}

__all__ = [
    "load_schema",
    "load_summary",
    "redact",
    "redact_summary",
    "redact_text",
    "render_html",
    "render_report",
    "summary_json_schema",
    "validate_summary_data",
    "write_html",
    "write_junit",
    "write_reports",
    "write_summary_json",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
