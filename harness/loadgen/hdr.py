"""HDR histograms of one shape everywhere, so histograms from any process can be added:
microseconds, 3 significant digits, 1 us to 10 minutes (larger values clamped, and counted).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 600_000_000
SIG_FIGS = 3
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p999": 99.9}


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIG_FIGS)


_SHAPE = new_histogram()
_MASK = _SHAPE.sub_bucket_mask
_UNIT = _SHAPE.unit_magnitude
_HALF_MAG = _SHAPE.sub_bucket_half_count_magnitude
_HALF = _SHAPE.sub_bucket_half_count
_SHIFT = _UNIT + _HALF_MAG + 1
del _SHAPE


def record_seconds(hist: HdrHistogram, seconds: float) -> bool:
    """Record a duration in seconds; False if clamped. ``record_value`` inlined for this shape:
    its calls were the recorder's largest cost (``tests/load`` pins it to ``record_value``)."""
    micros = round(seconds * 1_000_000)
    if micros < LOWEST_US:
        micros = LOWEST_US
    fits = micros <= HIGHEST_US
    if not fits:
        micros = HIGHEST_US
    bucket = (micros | _MASK).bit_length() - _SHIFT
    hist.counts[((bucket + 1) << _HALF_MAG) + (micros >> (bucket + _UNIT)) - _HALF] += 1
    hist.total_count += 1
    if micros < hist.min_value:
        hist.min_value = micros
    if micros > hist.max_value:
        hist.max_value = micros
    return fits


def encode(hist: HdrHistogram) -> str:
    return hist.encode().decode("ascii")  # type: ignore[no-any-return]


def merge(payloads: Iterable[str | None]) -> HdrHistogram:
    total = new_histogram()
    for payload in payloads:
        if payload:
            total.add(HdrHistogram.decode(payload))
    return total


def summarize_ms(hist: HdrHistogram) -> dict[str, Any]:
    count = int(hist.get_total_count())
    if count == 0:
        return {"count": 0, "min": None, "mean": None} | dict.fromkeys(PERCENTILES) | {"max": None}
    values = hist.get_percentile_to_value_dict(list(PERCENTILES.values()))
    mean = round(float(hist.get_mean_value()) / 1000.0, 3)
    return (
        {"count": count, "min": _ms(hist.get_min_value()), "mean": mean}
        | {key: _ms(values[pct]) for key, pct in PERCENTILES.items()}
        | {"max": _ms(hist.get_max_value())}
    )


def percentile_ms(hist: HdrHistogram, pct: float) -> float | None:
    return _ms(hist.get_value_at_percentile(pct)) if hist.get_total_count() else None


def _ms(micros: float) -> float:
    return round(float(micros) / 1000.0, 3)
