"""Plots for ``report.html`` as inline SVG text: no files, no network, no GUI backend (pyplot's
global state is never touched). ``None`` where the data make no meaningful plot, so the page
can say so instead."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from harness.loadgen.limit import describe_limit
from harness.results import AccuracyMetrics, LimitStep, LoadMetrics, SeriesPoint

_PREAMBLE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COLOURS = {"offered": "#7f7f7f", "achieved": "#1f77b4", "p50": "#2ca02c", "p99": "#d62728"}


def _figure(height: float = 3.2) -> Figure:
    fig = Figure(figsize=(7.5, height), layout="constrained")
    FigureCanvasSVG(fig)
    return fig


def to_svg(fig: Figure, name: str, title: str) -> str:
    """``fig`` as inline ``<svg>`` without prolog, metadata, namespaces; ``name`` salts its ids."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"faceharness-{name}"}):
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
        )
    svg = _PREAMBLE.sub("", buffer.getvalue(), count=1)
    svg = _METADATA.sub("", svg)
    svg = _NAMESPACES.sub("", svg)
    return svg.replace("<svg", f'<svg class="plot" role="img" aria-label="{title}"', 1)


_Legend = Literal["best", "upper left"] | None


def _label(
    ax: Axes,
    xlabel: str | None,
    ylabel: str,
    legend: _Legend = "best",
    which: Literal["major", "both"] = "major",
) -> None:
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which=which)
    if legend is not None:
        ax.legend(loc=legend, fontsize="small")


def series_svg(load: LoadMetrics) -> str | None:
    points = load.series
    if len(points) < 2:
        return None
    t = [p.t for p in points]
    fig = _figure(4.6)
    rate, latency = fig.subplots(2, 1, sharex=True)
    rate.plot(t, [p.offered for p in points], label="offered", color=_COLOURS["offered"], ls="--")
    rate.plot(t, [p.achieved for p in points], label="achieved", color=_COLOURS["achieved"])
    if any(p.errors for p in points):
        rate.bar(
            t, [p.errors for p in points], width=0.8, color="#ff7f0e", alpha=0.6, label="errors"
        )
    _label(rate, None, "requests/s")
    for key in ("p50", "p99"):
        xs = [p.t for p in points if getattr(p, key) is not None]
        ys = [getattr(p, key) for p in points if getattr(p, key) is not None]
        if xs:
            latency.plot(xs, ys, label=key, color=_COLOURS[key])
    _slo(latency, load.slo_p99_ms, [y for line in latency.lines for y in line.get_ydata()])
    _label(latency, "time (s)", "latency (ms)", legend="best" if latency.lines else None)
    return to_svg(fig, "series", "Per-second load series")


def rate_svg(load: LoadMetrics) -> str | None:
    points: Sequence[LimitStep | SeriesPoint] = load.limit_search or load.series
    if len(points) < (1 if load.limit_search else 2):
        return None
    offered, achieved = [p.offered for p in points], [p.achieved for p in points]
    ok = [p.ok if isinstance(p, LimitStep) else None for p in points]
    fig = _figure(3.6)
    ax = fig.add_subplot()
    top = max(max(offered), max(achieved), load.qps_limit or 0.0) * 1.05 or 1.0
    ax.plot([0, top], [0, top], color="#bbbbbb", ls="--", lw=1, label="achieved = offered")
    if load.limit_search:
        ax.plot(offered, achieved, color=_COLOURS["achieved"], lw=1, alpha=0.6)
    colours = ["#2ca02c" if o else "#d62728" if o is False else _COLOURS["achieved"] for o in ok]
    ax.scatter(offered, achieved, c=colours, s=28, zorder=3, label="measured")
    if load.qps_limit is not None:
        shown = describe_limit(load.qps_limit, load.qps_limit_bound, load.stopped_by)
        ax.axvline(load.qps_limit, color="#9467bd", lw=1.5, label=f"QPS limit = {shown}")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    _label(ax, "offered (requests/s)", "achieved (responses/s)", legend="upper left")
    return to_svg(fig, "rate", "Achieved versus offered rate")


_HDR_TICKS = [(2.0, "50%")] + [(10.0**k, f"{100 - 10.0 ** (2 - k):g}%") for k in range(1, 7)]


def hdr_svg(load: LoadMetrics) -> str | None:
    """Latency by percentile, x = 1/(1-p) on a log axis so the tail gets the room."""
    pairs = [(100.0 / (100.0 - p), ms) for p, ms in load.hdr if 0 <= p < 100]
    if len(pairs) < 2:
        return None
    pairs.sort()
    fig = _figure(3.4)
    ax = fig.add_subplot()
    ax.plot([x for x, _ in pairs], [ms for _, ms in pairs], color=_COLOURS["achieved"])
    ax.set_xscale("log")
    top = pairs[-1][0]
    ticks = [(x, label) for x, label in _HDR_TICKS if x <= top * 1.5] or _HDR_TICKS[:1]
    ax.xaxis.set_major_locator(FixedLocator([x for x, _ in ticks]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([label for _, label in ticks])
    ax.set_xlim(1.0, max(top, ticks[-1][0]))
    _slo(ax, load.slo_p99_ms, [ms for _, ms in pairs])
    legend: _Legend = "upper left" if ax.lines[1:] else None
    _label(ax, "percentile", "latency (ms)", legend=legend, which="both")
    return to_svg(fig, "hdr", "Latency percentile distribution")


SLO_ROOM = 3.0  # an SLO more than this many times the slowest latency is not drawn to scale


def _slo(ax: Axes, slo_ms: float | None, latencies: list[float]) -> None:
    """The SLO as a line, unless that flattens the curve: then the axis fits, a note says where."""
    if slo_ms is None:
        return
    top = max(latencies, default=0.0)
    if top <= 0 or slo_ms <= SLO_ROOM * top:
        ax.axhline(slo_ms, color=_COLOURS["p99"], ls=":", label="p99 SLO")
        return
    ax.set_ylim(0, top * 1.25)
    ax.text(
        0.99,
        0.97,
        f"p99 SLO {slo_ms:g} ms: above this scale",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize="small",
        color=_COLOURS["p99"],
    )


def _floor(values: list[float]) -> float:
    positive = [v for v in values if v > 0]
    return min(positive) / 2 if positive else 1e-6


def det_svg(accuracy: AccuracyMetrics, api: str | None = None) -> str | None:
    """DET curve (log-log) with the documented operating points; zero rates, which a log axis
    cannot show, are drawn at a floor and the axis says so. ``api``: one API's curve of a run of
    several (its ids salted apart, so two plots on a page share none)."""
    if accuracy.det is None or len(accuracy.det.fmr) < 2:
        return None
    fmr_floor, fnmr_floor = _floor(accuracy.det.fmr), _floor(accuracy.det.fnmr)
    points = sorted(  # along the curve: FMR up, FNMR down
        ((max(fmr, fmr_floor), max(fnmr, fnmr_floor)) for fmr, fnmr in accuracy.det.points()),
        key=lambda p: (p[0], -p[1]),
    )
    clipped = any(fmr <= 0 or fnmr <= 0 for fmr, fnmr in accuracy.det.points())
    fig = _figure(3.8)
    ax = fig.add_subplot()
    ax.plot([p[0] for p in points], [p[1] for p in points], color=_COLOURS["achieved"], label="DET")
    for result in accuracy.thresholds:
        if result.fmr is None or result.fnmr is None:
            continue
        at = (max(result.fmr, fmr_floor), max(result.fnmr, fnmr_floor))
        colour = {"pass": "#2ca02c", "fail": "#d62728"}.get(result.outcome, "#7f7f7f")
        ax.scatter([at[0]], [at[1]], color=colour, zorder=3, s=30)
        label = result.claim or (
            f"t={result.threshold:g}" if result.threshold is not None else result.rule or ""
        )
        ax.annotate(label, at, textcoords="offset points", xytext=(5, 5), fontsize="small")
    claimed = sorted({r.claimed_fmr for r in accuracy.thresholds if r.claimed_fmr})
    for i, fmr in enumerate(claimed):
        ax.axvline(fmr, color="#9467bd", ls=":", lw=1, label="claimed FMR" if i == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    note = " (zero rates drawn at the axis floor)" if clipped else ""
    _label(ax, f"false match rate (FMR){note}", "false non-match rate (FNMR)", which="both")
    return to_svg(fig, f"det-{api}" if api else "det", _titled("DET curve", api))


def _titled(title: str, api: str | None) -> str:
    return f"{title} ({api})" if api else title


def histogram_svg(accuracy: AccuracyMetrics, api: str | None = None) -> str | None:
    hist = accuracy.histogram
    if hist is None or len(hist.bin_edges) < 2:
        return None
    fig = _figure(3.2)
    ax = fig.add_subplot()
    for label, counts, colour in (
        ("genuine", hist.genuine, "#2ca02c"),
        ("impostor", hist.impostor, "#d62728"),
    ):
        total = sum(counts) or 1
        ax.stairs(
            [c / total for c in counts],
            hist.bin_edges,
            label=label,
            color=colour,
            fill=True,
            alpha=0.35,
        )
    thresholds = sorted({r.threshold for r in accuracy.thresholds if r.threshold is not None})
    for i, threshold in enumerate(thresholds):
        ax.axvline(threshold, color="#333333", ls=":", lw=1, label="thresholds" if i == 0 else None)
    _label(ax, "score", "fraction of pairs")
    return to_svg(fig, f"hist-{api}" if api else "hist", _titled("Score distributions", api))
