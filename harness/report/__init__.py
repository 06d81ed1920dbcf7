"""Report files: ``summary.json``, ``junit.xml`` and a self-contained ``report.html``.

:func:`write_reports` is their only writer: it redacts the summary once
(:mod:`harness.redact`) and renders the three files from that copy; the renderers
(:func:`summary_to_json`, :func:`junit_xml`, :func:`render_html`) never change a summary.
The JSON Schema of ``summary.json`` is :mod:`harness.report.schema`.
"""

from harness.report.html import render_html
from harness.report.junit import junit_xml
from harness.report.render import render_report, write_reports
from harness.report.summary_io import load_summary, summary_to_json

__all__ = [
    "junit_xml",
    "load_summary",
    "render_html",
    "render_report",
    "summary_to_json",
    "write_reports",
]
