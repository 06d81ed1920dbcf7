"""Rate limiting and budgets on a fake clock."""

from __future__ import annotations

import pytest

from harness.accuracy import RateLimiter, RequestBudget
from harness.errors import UsageError


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_are_spaced_by_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(11):
        limiter.wait()
        starts.append(clock.now)
    assert starts == pytest.approx([0.2 * n for n in range(11)])


def test_slow_calls_are_not_delayed_further() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 0.5  # the call itself took longer than the interval
    limiter.wait()
    assert clock.slept == []
    limiter.wait()
    assert clock.slept == pytest.approx([0.1])


def test_no_rate_means_no_waiting() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        limiter.wait()
    assert clock.slept == []


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan")])
def test_invalid_rates_are_usage_errors(bad: float) -> None:
    with pytest.raises(UsageError, match="max_rps"):
        RateLimiter(bad)


def test_request_budget_counts_calls() -> None:
    budget = RequestBudget(max_requests=2)
    seen = []
    while budget.allows():
        budget.spend()
        seen.append(budget.used)
    assert seen == [1, 2]


def test_time_budget_uses_the_clock_from_the_first_question() -> None:
    clock = FakeClock()
    clock.now = 100.0
    budget = RequestBudget(max_seconds=2.0, clock=clock)
    assert budget.allows()
    clock.now = 101.9
    assert budget.allows()
    clock.now = 102.0
    assert not budget.allows()


@pytest.mark.parametrize("kwargs", [{"max_requests": -1}, {"max_seconds": 0}])
def test_invalid_budgets_are_usage_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(UsageError):
        RequestBudget(**kwargs)  # type: ignore[arg-type]
