"""HDR histogram helpers: one shape everywhere so histograms from any process can be added.

Values are microseconds with 3 significant digits, from 1 us to 10 minutes; larger
values are clamped to the top (and counted by the recorder) rather than dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 600_000_000
SIG_FIGS = 3
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("p50", 50.0),
    ("p90", 90.0),
    ("p99", 99.0),
    ("p999", 99.9),
)


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIG_FIGS)


def record_seconds(hist: HdrHistogram, seconds: float) -> bool:
    """Record a duration given in seconds; returns False if it had to be clamped."""
    micros = round(seconds * 1_000_000)
    micros = max(micros, LOWEST_US)
    if micros > HIGHEST_US:
        hist.record_value(HIGHEST_US)
        return False
    hist.record_value(micros)
    return True


def encode(hist: HdrHistogram) -> str:
    """Compressed base64 form (the payload of an HDR log line)."""
    return hist.encode().decode("ascii")  # type: ignore[no-any-return]


def decode(payload: str) -> HdrHistogram:
    return HdrHistogram.decode(payload)


def merge(payloads: Iterable[str | None]) -> HdrHistogram:
    """Add encoded histograms into a fresh one; ``None`` entries are skipped."""
    total = new_histogram()
    for payload in payloads:
        if payload:
            total.add(decode(payload))
    return total


def summarize_ms(hist: HdrHistogram) -> dict[str, Any]:
    """Full-precision percentiles in milliseconds (microsecond resolution)."""
    count = int(hist.get_total_count())
    if count == 0:
        return {
            "count": 0,
            "min": None,
            "mean": None,
            **{k: None for k, _ in PERCENTILES},
            "max": None,
        }
    values = hist.get_percentile_to_value_dict([p for _, p in PERCENTILES])
    out: dict[str, Any] = {"count": count, "min": _ms(hist.get_min_value())}
    out["mean"] = round(float(hist.get_mean_value()) / 1000.0, 3)
    for key, pct in PERCENTILES:
        out[key] = _ms(values[pct])
    out["max"] = _ms(hist.get_max_value())
    return out


def percentile_ms(hist: HdrHistogram, pct: float) -> float | None:
    if hist.get_total_count() == 0:
        return None
    return _ms(hist.get_value_at_percentile(pct))


def _ms(micros: float) -> float:
    return round(float(micros) / 1000.0, 3)
