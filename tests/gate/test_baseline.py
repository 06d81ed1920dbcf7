"""Baseline comparison: QPS limit down > 10%, p99 up > 20%, new findings by unique_key."""

from __future__ import annotations

import pytest

from harness.errors import InputError
from harness.gate._judge import compare_baseline, load_baseline
from harness.gate._policy import BaselinePolicy
from harness.report import write_reports

from .builders import finding, load, suite, summary


def metrics(comparison, kind="regressions"):
    return {r.metric: r for r in getattr(comparison, kind)}


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        (100, 89, "regression"),  # -11%
        (100, 90.5, None),  # -9.5%: within 10%
        (100, 111, "improvement"),
    ],
)
def test_qps_limit(before, after, kind):
    result = compare_baseline(summary(load(qps=after)).suites, summary(load(qps=before)))
    assert ("load.qps_limit" in metrics(result)) == (kind == "regression")
    assert ("load.qps_limit" in metrics(result, "improvements")) == (kind == "improvement")
    if kind == "regression":
        row = metrics(result)["load.qps_limit"]
        assert row.change_pct == -11.0 and row.baseline == 100 and row.current == 89
        assert row.message == "QPS limit fell 11.0% (100/s -> 89/s), more than 10%"


def test_a_search_ceiling_is_not_compared_as_a_limit():
    """A lower bound (the search stopped at 20/s without failing) fell from 100/s only because
    the search could not go higher: no regression is claimed."""
    ceiling = load(qps=20)
    assert ceiling.metrics is not None
    ceiling = ceiling.model_copy(
        update={"metrics": ceiling.metrics.model_copy(update={"qps_limit_bound": "lower"})}
    )
    result = compare_baseline(summary(ceiling).suites, summary(load(qps=100)))
    assert "load.qps_limit" not in metrics(result)


@pytest.mark.parametrize(
    ("before", "after", "regressed"),
    [
        (100.0, 121.0, True),  # +21%, +21 ms
        (100.0, 119.0, False),  # +19%
        (10.0, 19.0, False),  # +90% but only 9 ms: noise at this scale
        (10.0, 21.0, True),
    ],
)
def test_p99(before, after, regressed):
    result = compare_baseline(summary(load(p99=after)).suites, summary(load(p99=before)))
    assert ("load.latency_ms.p99" in metrics(result)) is regressed


def test_p99_at_another_rate_is_not_compared():
    result = compare_baseline(
        summary(load(p99=50.0, rate=40)).suites, summary(load(p99=10.0, rate=20))
    )
    assert result.regressions == [] and result.improvements == []


def test_thresholds_come_from_the_policy():
    policy = BaselinePolicy(max_qps_drop_pct=30, max_p99_increase_pct=100)
    result = compare_baseline(
        summary(load(qps=75, p99=50)).suites, summary(load(qps=100, p99=30)), policy=policy
    )
    assert result.regressions == []
    strict = BaselinePolicy(min_p99_increase_ms=0)
    result = compare_baseline(summary(load(p99=12.5)).suites, summary(load(p99=10)), policy=strict)
    assert [r.metric for r in result.regressions] == ["load.latency_ms.p99"]


def test_new_and_fixed_findings_by_unique_key():
    before = summary(suite("conformance", [finding(key="old"), finding(key="kept")]), load())
    after = summary(
        suite(
            "conformance",
            [finding(key="kept"), finding(key="new", check="codes"), finding("info", key="note")],
        ),
        load(),
    )
    result = compare_baseline(after.suites, before, source="reports/prev/summary.json")
    assert [r.metric for r in result.regressions] == ["finding new"]
    assert result.regressions[0].message == "new high finding (conformance/codes): codes broke"
    assert [r.metric for r in result.improvements] == ["finding old"]
    assert (
        result.baseline == "reports/prev/summary.json"
        and result.baseline_started_at == before.started_at
    )
    assert (
        compare_baseline(
            after.suites, before, policy=BaselinePolicy(new_findings=False)
        ).regressions
        == []
    )


def test_suites_that_did_not_run_in_both_are_not_compared():
    before = summary(suite("fuzz", [finding(suite="fuzz", key="f")]))
    after = summary(suite("conformance", [finding(key="c")]))
    result = compare_baseline(after.suites, before)
    assert result.regressions == [] and result.improvements == []


def test_load_baseline_from_a_directory_or_file(tmp_path):
    write_reports(summary(load()), tmp_path)
    loaded, source = load_baseline(tmp_path)
    assert loaded.suites.load.metrics.qps_limit == 50 and source.endswith("summary.json")
    with pytest.raises(InputError, match="summary not found"):
        load_baseline(tmp_path / "nope")
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="schema_version"):
        load_baseline(tmp_path / "bad.json")
