"""Report files: ``summary.json``, ``junit.xml`` and a self-contained ``report.html``.

:func:`write_reports` is their only writer: it redacts the summary once
(:mod:`harness.redact`) and renders the three files from that copy; the renderers
(:func:`summary_to_json`, :func:`junit_xml`, :func:`render_html`) never change a summary.
"""

from harness.report.html import render_html
from harness.report.junit import junit_xml
from harness.report.render import render_report, write_reports
from harness.report.schema import load_schema, summary_json_schema, validate_summary_data
from harness.report.summary_io import load_summary, summary_to_json

__all__ = [
    "junit_xml",
    "load_schema",
    "load_summary",
    "render_html",
    "render_report",
    "summary_json_schema",
    "summary_to_json",
    "validate_summary_data",
    "write_reports",
]
