"""One pacer and one budget for every suite (0 = unlimited), on a fake clock."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.pacing import Budget, BudgetExhausted, Pacer


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
    pacer = Pacer(5, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(11):
        pacer.wait()
        starts.append(clock.now)
    assert starts == pytest.approx([0.2 * n for n in range(11)])


def test_slow_calls_are_not_delayed_further() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.now += 0.5  # the call itself took longer than the interval
    pacer.wait()
    assert clock.slept == []
    pacer.wait()
    assert clock.slept == pytest.approx([0.1])


def test_zero_rate_means_no_waiting() -> None:
    clock = FakeClock()
    pacer = Pacer(0, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        pacer.wait()
    assert clock.slept == []


@pytest.mark.parametrize("bad", [-1, float("inf"), float("nan"), 1e-300, 1e-6])
def test_invalid_rates_are_usage_errors(bad: float) -> None:
    """Review of session 27: 1e-300 overflowed sleep (an internal error, no summary) and 1e-5
    waited a day between requests; the slowest pace kept is one request a week, and the line
    says so."""
    with pytest.raises(
        UsageError, match=r"--max-rps .*at least 1.65e-06 \(one request in 604800 s\)"
    ):
        Pacer(bad)
    Pacer(1 / (7 * 86_400))  # one a week: kept


def test_no_wait_outlasts_the_time_budget() -> None:
    """Review of session 27: --max-rps 0.01 --max-seconds 10 ran 110 s (a 100 s wait after the
    first request). A wait past the budget sleeps what is left, then the run stops as spent."""
    clock = FakeClock()
    budget = Budget(max_seconds=10, clock=clock)
    pacer = Pacer(0.01, clock=clock, sleep=clock.sleep, budget=budget)
    budget.check()
    pacer.wait()  # the first goes at once
    clock.now += 1.0  # its answer
    with pytest.raises(BudgetExhausted, match="time budget of 10 s spent"):
        pacer.wait()
    assert clock.now == pytest.approx(10.0)


def test_request_budget_counts_calls_and_says_why_it_stops() -> None:
    budget = Budget(max_requests=2)
    seen = []
    while budget.allows():
        budget.spend()
        seen.append(budget.used)
    assert seen == [1, 2] and budget.requests_left() == 0
    with pytest.raises(BudgetExhausted, match="request budget of 2 spent"):
        budget.check()
    assert not isinstance(BudgetExhausted("x"), Exception)  # hypothesis and checks never swallow it


def test_zero_means_unlimited() -> None:
    clock = FakeClock()
    budget = Budget(0, 0, clock=clock)
    budget.spend(10_000)
    clock.now = 1e9
    assert budget.allows() and budget.requests_left() is None and budget.seconds_left() is None


def test_time_budget_uses_the_clock_from_the_first_question() -> None:
    clock = FakeClock()
    clock.now = 100.0
    budget = Budget(max_seconds=2.0, clock=clock)
    assert budget.allows()
    clock.now = 101.9
    assert budget.allows()
    clock.now = 102.0
    assert not budget.allows()
    with pytest.raises(BudgetExhausted, match="time budget of 2 s spent"):
        budget.check()


def test_a_phase_time_share_stops_the_phase_and_the_next_gets_the_rest() -> None:
    """Conformance gives each API its part of the run's time: a phase past its part stops (named
    as the phase's share), the next phase's part is set anew, the run's limit still caps it."""
    clock = FakeClock()
    budget = Budget(max_seconds=10.0, clock=clock)
    assert budget.allows()  # the run's time starts
    budget.share_time(4.0)
    clock.now += 4.0
    with pytest.raises(BudgetExhausted, match="this phase's share of the time budget of 10 s"):
        budget.check()
    budget.share_time(60.0)  # more than the run has left: the run's limit wins
    assert budget.seconds_left() == 6.0
    budget.share_time(None)
    clock.now += 6.0
    with pytest.raises(BudgetExhausted, match="^time budget of 10 s spent"):
        budget.check()


def test_a_mini_burst_goes_at_once_and_no_second_holds_more_than_the_rate() -> None:
    """The probes that cross races send a handful at once at a pace: the burst waits for as many
    unused slots before it and leaves as many after, so any one second holds at most max_rps
    requests and the average is kept; a burst larger than a second's worth is refused."""
    clock = FakeClock()
    pacer = Pacer(5, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(3):
        pacer.wait()
        starts.append(clock.now)
    assert pacer.most_together() == 5
    with pacer.burst(4):
        for _ in range(4):
            pacer.wait()
            starts.append(clock.now)
    for _ in range(6):
        pacer.wait()
        starts.append(clock.now)
    assert starts[3:7] == [pytest.approx(0.4 + 0.2 * 4)] * 4  # together, after 3 slots unused
    assert starts[7] == pytest.approx(starts[3] + 0.8)  # and 4 slots unused after them
    for first in starts:  # no second holds more than 5
        assert sum(first <= t < first + 1.0 - 1e-9 for t in starts) <= 5, (first, starts)
    with pytest.raises(ValueError, match="burst of 6"):
        with pacer.burst(6):
            pass
    assert Pacer(1.5).most_together() == 1 and Pacer(0).most_together() == 0
    # session 21's review: a burst that came first went at once, whatever was sent just before
    # at the pace by another sender (the engine's before the probes'): it now waits its slots
    clock, starts = FakeClock(), []
    before, fresh = (Pacer(5, clock=clock, sleep=clock.sleep) for _ in range(2))
    for _ in range(5):
        before.wait()
        starts.append(clock.now)
    with fresh.burst(5):
        for _ in range(5):
            fresh.wait()
            starts.append(clock.now)
    for first in starts:
        assert sum(first <= t < first + 1.0 - 1e-9 for t in starts) <= 5, (first, starts)


def test_a_phase_keeps_the_next_ones_requests_time_at_the_targets_pace() -> None:
    """Conformance's engine leaves the probes their reserve at the pace the target answers (not
    the engine's own work per case): nothing kept until three answers tell it, then the phase ends
    where the kept requests' time begins, or at its own share if that comes first."""
    clock = FakeClock()
    budget = Budget(clock=clock)
    budget.share_time(24.0, keep=100, of=48.0, pace=0.2)
    assert budget.seconds_left() == 24.0 and budget.request_seconds() is None
    for _ in range(3):  # a slow target: 0.3 s an answer
        clock.now += 0.3
        budget.spend()
        budget.answered(0.3)
    assert budget.request_seconds() == pytest.approx(0.3)
    assert budget.seconds_left() == pytest.approx(48.0 - 0.9 - 100 * 0.3)
    clock.now += 17.1
    with pytest.raises(BudgetExhausted, match="this phase's share"):
        budget.check()
    budget.share_time(24.0, keep=100, of=48.0, pace=0.2)  # a fast target at 5 requests/s
    for _ in range(5):
        budget.answered(0.01)
    assert budget.request_seconds() == 0.2  # the pace, not the answers, sets the time
    assert budget.seconds_left() == 24.0  # 20 s kept of 48: the phase's share ends first
    budget.share_time(24.0, keep=150, of=48.0, pace=0.2)
    for _ in range(5):
        budget.answered(0.01)
    assert budget.seconds_left() == pytest.approx(48.0 - 30.0)
    budget.share_time(None)
    assert budget.seconds_left() is None


def test_a_phase_share_caps_the_next_phase_within_the_budget() -> None:
    """Conformance gives schemathesis a share and keeps the rest of an API's part for the
    probes: a phase that spends its share stops, and the next one still gets its own."""
    budget = Budget(max_requests=10)
    budget.share(4)
    budget.spend(4)
    assert budget.requests_left() == 0 and not budget.allows()
    with pytest.raises(BudgetExhausted, match="request budget of 10 spent"):
        budget.check()
    budget.share(3)  # the probes' part
    assert budget.requests_left() == 3 and budget.allows(3) and not budget.allows(4)
    budget.share(100)  # a share never goes past the budget
    assert budget.requests_left() == 6
    budget.share(None)
    budget.spend(6)
    assert budget.requests_left() == 0 and not budget.allows()
    unlimited = Budget()
    unlimited.share(2)
    unlimited.spend(2)
    assert not unlimited.allows()
    unlimited.share(None)
    assert unlimited.allows() and unlimited.requests_left() is None


@pytest.mark.parametrize(
    "kwargs", [{"max_requests": -1}, {"max_seconds": -1}, {"max_seconds": float("nan")}]
)
def test_invalid_budgets_are_usage_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(UsageError):
        Budget(**kwargs)  # type: ignore[arg-type]


def test_every_suite_stops_on_the_same_exception() -> None:
    from harness.conformance._tracker import BudgetExhausted as conformance_stop
    from harness.fuzz import BudgetExhausted as fuzz_stop

    assert conformance_stop is fuzz_stop is BudgetExhausted
