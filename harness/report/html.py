"""``report.html``: one self-contained page (inline CSS and SVG, no script, no URL fetched), so
it works from a CI artefact store or an e-mail; autoescaped, as findings quote service output."""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from harness.loadgen.limit import describe_limit
from harness.results import SEVERITIES, SUITE_NAMES, AccuracyMetrics, Summary

_SUITE_TITLES = {
    "conformance": "Contract conformance",
    "fuzz": "Fuzzing",
    "load": "Load and QPS limit",
    "accuracy": "Accuracy (FMR / FNMR)",
}


def _num(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def _rate(value: float | None) -> str:
    """Error rates spanning 1e-6..1: scientific below 0.1 %, else a percentage."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return f"{value:.2e}" if value < 1e-3 else f"{value * 100:.3g}%"


@functools.cache  # one per process: compiling the template took ~0.3 s of every report written
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("harness.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=_num,
        ms=lambda v: "–" if v is None else f"{v:,.1f} ms",
        rate=_rate,
        interval=lambda pair: f"[{_rate(pair[0])}, {_rate(pair[1])}]" if pair else "–",
        pretty=lambda v: json.dumps(v, indent=2, ensure_ascii=False, sort_keys=False, default=str),
        when=lambda t: "–" if t is None else t.strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
        qps_limit=lambda m: describe_limit(m.qps_limit, m.qps_limit_bound, m.stopped_by),
    )
    return env


def _plots(summary: Summary) -> dict[str, Markup | None]:
    # Markup: we produced it, not the service. matplotlib is imported only for a report that
    # draws: every conform and fuzz process paid for it (about 0.5 CPU s).
    made: dict[str, str | None] = dict.fromkeys(("series", "rate", "hdr"))
    load = summary.suites.load.metrics if summary.suites.load.status != "skipped" else None
    if load is not None:
        from harness.report import plots

        made.update(series=plots.series_svg(load), rate=plots.rate_svg(load),
                    hdr=plots.hdr_svg(load))  # fmt: skip
    return {name: Markup(svg) if svg else None for name, svg in made.items()}


def _accuracy_plots(summary: Summary) -> list[dict[str, Any]]:
    """A DET curve and a score histogram per API, each with its own operating points: the
    metrics' own figures are the first API's, and drawing every API's rows on them put JD's
    ``jd.result`` (and e5..e7's claimed rates) on /match's curve (audit round 8)."""
    suite = summary.suites.accuracy
    metrics = suite.metrics if suite.status != "skipped" else None
    if not isinstance(metrics, AccuracyMetrics):
        return []
    apis = (metrics.model_extra or {}).get("apis")
    views: list[tuple[str | None, AccuracyMetrics]] = [(None, metrics)]
    if isinstance(apis, dict) and len(apis) > 1:
        views = [
            (str(api), AccuracyMetrics.model_validate(data))
            for api, data in apis.items()
            if isinstance(data, dict)
        ]
    if not any(view.det or view.histogram for _, view in views):
        return [{"api": api, "eer": view.eer, "det": None, "hist": None} for api, view in views]
    from harness.report import plots

    return [
        {
            "api": api,
            "eer": view.eer if api else None,
            "det": _markup(plots.det_svg(view, api)),
            "hist": _markup(plots.histogram_svg(view, api)),
        }
        for api, view in views
    ]


def _markup(svg: str | None) -> Markup | None:
    return Markup(svg) if svg else None  # we produced it, not the service


def _quotes(rule_ids: set[str]) -> dict[str, str]:
    """What each finding's rule stands on, from the rule book (a seed rule quotes its document, a
    convention rule its norm), so a reader acts on a finding knowing what was promised."""
    if not rule_ids:
        return {}
    from harness.conformance import RULES  # only for a run with findings: its import is heavy

    return {rule.id: rule.quote for rule in RULES if rule.id in rule_ids and rule.quote}


def _accuracy(summary: Summary) -> dict[str, Any]:
    """What the accuracy command prints beside its table (``harness/commands/accuracy.py``):
    the suite's notes, and the contradicted claims that are an observed reading, not failed."""
    suite = summary.suites.accuracy
    metrics = suite.metrics if suite.status != "skipped" else None
    if not isinstance(metrics, AccuracyMetrics):
        return {"accuracy_notes": [], "accuracy_observed": None}
    notes = [str(note) for note in (metrics.model_extra or {}).get("notes") or []]
    observed = [
        extra
        for row in metrics.thresholds
        if row.verdict == "contradicted"
        and not (extra := row.model_extra or {}).get("reading_required")
        and extra.get("reading")
    ]
    errata = ", ".join(sorted({str(extra["reading"]) for extra in observed}))
    count = {"count": len(observed), "errata": errata} if observed else None
    return {"accuracy_notes": notes, "accuracy_observed": count}


def _context(summary: Summary) -> dict[str, Any]:
    findings = summary.findings()
    severity_counts = Counter(f.severity for f in findings)
    operations = summary.coverage.operations if summary.coverage is not None else []
    duration = (summary.finished_at - summary.started_at).total_seconds()
    return {
        "s": summary,
        "suites": [(name, _SUITE_TITLES[name], summary.suites[name]) for name in SUITE_NAMES],
        "findings": sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.suite)),
        "quotes": _quotes({f.rule_id for f in findings if f.rule_id}),
        "severities": [(sev, severity_counts.get(sev, 0)) for sev in SEVERITIES],
        "occurrences": sum(f.count for f in findings),
        "codes_documented": sum(len(op.documented_codes) for op in operations),
        "codes_observed": sum(
            len(op.documented_codes) - len(op.never_triggered) for op in operations
        ),
        "duration_s": max(duration, 0.0),
        "plots": _plots(summary),
        "accuracy_plots": _accuracy_plots(summary),
        "inconclusive": summary.inconclusive_items(),
        **_accuracy(summary),
    }


def render_html(summary: Summary) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(**_context(summary))
