"""The real ``measure`` for :func:`find_limit`: one open-model :func:`run_load` per step.

Each step runs ``warmup_s + step_s + 1`` seconds at a constant rate and is judged on the
whole seconds after the warm-up only (connection set-up, the first token-bucket burst),
from the per-second HDR histograms, so p99 is exact for that window. The success rate
of the window's second half is reported too (``tail_ok_rps``): the throttle plateau.
A business failure (a served request answered "no match") is not an error here: the
service did the work; ``error_rate`` counts everything but success, business failure
and throttling, which has its own bound.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from harness.loadgen.classify import BUSINESS_FAILURE, SUCCESS, THROTTLED
from harness.loadgen.limit import StepResult
from harness.loadgen.result import LoadResult
from harness.loadgen.runner import LoadProgress, Plugin, run_load


def open_model_measure(
    target_url: str,
    factory: Plugin,
    classifier: Plugin | None = None,
    *,
    out_dir: str | Path,
    step_s: float = 3.0,
    warmup_s: float = 1.0,
    workers: int = 0,
    factory_kwargs: Mapping[str, Any] | None = None,
    classifier_kwargs: Mapping[str, Any] | None = None,
    timeout_s: float = 5.0,
    late_ms: float = 10.0,
    max_inflight: int = 512,
    progress_callback: Callable[[LoadProgress], None] | None = None,
    env: Mapping[str, str] | None = None,
    abort_error_rate: float | None = None,
) -> Callable[[float], StepResult]:
    """Build ``measure(rate)``; step ``n`` writes its run into ``out_dir/step-NN-<rate>``."""
    if step_s < 1 or warmup_s < 0:
        raise ValueError("step_s must be >= 1 and warmup_s >= 0")
    counter = itertools.count(1)

    def measure(rate: float) -> StepResult:
        step = next(counter)
        duration = warmup_s + step_s + 1.0
        result = run_load(
            target_url,
            factory,
            classifier,
            rate=rate,
            duration_s=duration,
            max_requests=math.ceil(rate * duration) + 1,
            workers=workers,
            out_dir=Path(out_dir) / f"step-{step:02d}-{rate:.1f}rps",
            progress_callback=progress_callback,
            factory_kwargs=factory_kwargs,
            classifier_kwargs=classifier_kwargs,
            timeout_s=timeout_s,
            late_ms=late_ms,
            max_inflight=max_inflight,
            env=env,
            abort_error_rate=abort_error_rate,
        )
        return step_from_result(result, warmup_s=warmup_s, step_s=step_s)

    return measure


def step_from_result(result: LoadResult, *, warmup_s: float, step_s: float) -> StepResult:
    """Judge a run on whole seconds starting ``warmup_s`` after its first send."""
    start = result.summary.get("started_at_epoch")
    offset = float(start) - result.series[0].sec if (start is not None and result.series) else 0.0
    first = math.ceil(offset + warmup_s)
    window = result.window(first, first + math.floor(step_s))
    tail = result.window(window.end_s - max(1, math.floor(step_s) // 2), window.end_s)
    by_class = window.by_class
    completed = window.completed
    served = sum(by_class.get(k, 0) for k in (SUCCESS, BUSINESS_FAILURE, THROTTLED))
    other_errors = completed - served
    return StepResult(
        offered_rps=window.offered_rps,
        achieved_rps=window.achieved_rps,
        ok_rps=window.ok_rps,
        p99_ms=window.latency_ms["p99"],
        error_rate=other_errors / completed if completed else 0.0,
        throttled_rate=window.throttled_rate,
        completed=completed,
        dropped=window.dropped,
        late=window.late,
        duration_s=float(window.end_s - window.start_s),
        tail_ok_rps=tail.ok_rps,
        detail={
            "out_dir": str(result.out_dir),
            "window_s": [window.start_s, window.end_s],
            "by_class": by_class,
            "latency_ms": window.latency_ms,
            "stop_reason": result.stop_reason,
            "run_completed": result.summary["totals"]["completed"],  # the whole run, warm-up too
            "run_codes": result.summary.get("codes", {}),
            "run_by_class": result.summary.get("by_class", {}),
        },
    )
