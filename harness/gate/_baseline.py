"""Compare a run with an earlier one: QPS limit, p99 latency and findings.

Regressions (defaults from :class:`BaselinePolicy`): the QPS limit down by more than 10%,
p99 up by more than 20% (and by more than 10 ms: a few milliseconds on a p99 of 10 ms is
scheduling noise, not a regression), any finding whose ``unique_key`` the baseline did not
have.
The same thresholds the other way round are listed as improvements. p99 is compared only
when both runs measured it at about the same offered rate (within 10%), since latency at
a different rate says nothing about a regression.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from harness.gate._policy import BaselinePolicy
from harness.results import BaselineComparison, Regression, Suites, Summary

RATE_TOLERANCE = 0.10
_RAN = ("pass", "fail")  # findings of a suite that did not run in both runs are not compared


def load_baseline(path: str | os.PathLike[str]) -> tuple[Summary, str]:
    """The baseline summary (a run directory or its summary.json) and how to name it.

    Raises:
        InputError: one line when the file is missing or is not a valid summary.
    """
    from harness.report import load_summary

    source = Path(path)
    file = source / "summary.json" if source.is_dir() else source
    return load_summary(file), str(file)


def compare_baseline(
    current: Suites,
    baseline: Summary,
    *,
    policy: BaselinePolicy | None = None,
    source: str = "baseline",
) -> BaselineComparison:
    """Regressions and improvements of this run's suites against ``baseline``."""
    policy = policy or BaselinePolicy()
    then = baseline.suites
    regressions: list[Regression] = []
    improvements: list[Regression] = []
    for change in (_qps(current, then, policy), _p99(current, then, policy)):
        if change is None:
            continue
        kind, row = change
        (regressions if kind == "regression" else improvements).append(row)
    if policy.new_findings:
        new, fixed = _findings(current, then)
        regressions += new
        improvements += fixed
    return BaselineComparison(
        baseline=source,
        baseline_started_at=baseline.started_at,
        regressions=regressions,
        improvements=improvements,
    )


def _load(suites: Suites) -> dict[str, Any]:
    suite = suites.load
    if suite.status in ("skipped", "error") or suite.metrics is None:
        return {}
    dumped: dict[str, Any] = suite.metrics.model_dump(mode="json")
    return dumped


def _pct(current: float, base: float) -> float:
    return (current - base) / base * 100.0


def _qps(
    current: Suites, baseline: Suites, policy: BaselinePolicy
) -> tuple[str, Regression] | None:
    now, then = _load(current).get("qps_limit"), _load(baseline).get("qps_limit")
    if now is None or then is None or then <= 0:
        return None
    if {_load(current).get("qps_limit_bound"), _load(baseline).get("qps_limit_bound")} - {
        None,
        "exact",
    }:
        return None  # a search ceiling or "no rate passed" is not a limit to compare
    change = _pct(now, then)
    row = Regression(
        metric="load.qps_limit", baseline=then, current=now, change_pct=round(change, 2)
    )
    if change < -policy.max_qps_drop_pct:
        row.message = (
            f"QPS limit fell {-change:.1f}% ({then:g}/s -> {now:g}/s), more than "
            f"{policy.max_qps_drop_pct:g}%"
        )
        return "regression", row
    if change > policy.max_qps_drop_pct:
        row.message = f"QPS limit rose {change:.1f}% ({then:g}/s -> {now:g}/s)"
        return "improvement", row
    return None


def _p99(
    current: Suites, baseline: Suites, policy: BaselinePolicy
) -> tuple[str, Regression] | None:
    now_m, then_m = _load(current), _load(baseline)
    now = (now_m.get("latency_ms") or {}).get("p99")
    then = (then_m.get("latency_ms") or {}).get("p99")
    if now is None or then is None or then <= 0:
        return None
    now_rate, then_rate = now_m.get("offered_rps"), then_m.get("offered_rps")
    if now_rate and then_rate and abs(now_rate - then_rate) > RATE_TOLERANCE * then_rate:
        return None
    change = _pct(now, then)
    at = f" at {now_rate:g}/s" if now_rate else ""
    row = Regression(
        metric="load.latency_ms.p99", baseline=then, current=now, change_pct=round(change, 2)
    )
    if change > policy.max_p99_increase_pct and now - then > policy.min_p99_increase_ms:
        row.message = (
            f"p99{at} rose {change:.1f}% ({then:g} ms -> {now:g} ms), more than "
            f"{policy.max_p99_increase_pct:g}%"
        )
        return "regression", row
    if change < -policy.max_p99_increase_pct and then - now > policy.min_p99_increase_ms:
        row.message = f"p99{at} fell {-change:.1f}% ({then:g} ms -> {now:g} ms)"
        return "improvement", row
    return None


def _findings(current: Suites, baseline: Suites) -> tuple[list[Regression], list[Regression]]:
    both = [
        name
        for name, suite in current.items()
        if suite.status in _RAN and baseline[name].status in _RAN
    ]
    now = {f.unique_key: f for name in both for f in current[name].findings if f.fails}
    then = {f.unique_key: f for name in both for f in baseline[name].findings if f.fails}
    new = [
        Regression(
            metric=f"finding {key}",
            message=f"new {f.severity} finding ({f.suite}/{f.check}): {f.message}",
        )
        for key, f in now.items()
        if key not in then
    ]
    fixed = [
        Regression(
            metric=f"finding {key}",
            message=f"fixed: {f.severity} finding ({f.suite}/{f.check}) is gone",
        )
        for key, f in then.items()
        if key not in now
    ]
    return new, fixed
