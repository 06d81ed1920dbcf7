"""The accuracy run: compare each planned pair once, cache it, and summarise.

The comparison itself is injected (``compare``), so this loop knows nothing about HTTP: the
CLI passes a function that calls the API, tests pass a pure function.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from harness import interrupt
from harness.pacing import Budget, BudgetExhausted, Clock, Pacer, Sleep

from ._cache import OutcomeCache
from ._claims import Claim
from ._outcome import Outcome
from ._pairs import PairImages, select_pairs
from ._result import AccuracyResult, RunStats, summarise

Compare = Callable[[PairImages], Outcome]
Progress = Callable[[int, int], None]


def run_accuracy(
    pairs: Iterable[PairImages],
    compare: Compare,
    *,
    cache: OutcomeCache,
    claims: Sequence[Claim],
    target: str,
    api: str,
    progress: Progress | None = None,
    max_pairs: int | None = None,
    seed: int = 0,
    max_rps: float | None = None,
    max_requests: int = 0,
    cache_only: bool = False,
    max_seconds: float | None = None,
    cache_errors: bool = False,
    budget: Budget | None = None,
    bootstrap_replicates: int = 1000,
    score_range: tuple[float, float] | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> AccuracyResult:
    """Measure one API on one target and judge its claims.

    Args:
        pairs: candidate pairs; reduced to ``max_pairs`` with :func:`select_pairs` (seeded).
        compare: compares one pair; must return an :class:`Outcome` for every answer the
            service gives (map transport failures to ``category="error"``). An exception
            aborts the run; outcomes finished so far are already in ``cache``.
        cache: outcomes of earlier invocations are reused, new ones appended.
        claims: the API's documented operating points.
        target, api: with the pair key, the cache key (a different target never reuses).
        progress: called with ``(done, total)`` after every pair, cached or not.
        max_rps: pacing of calls; ``max_requests`` / ``max_seconds``: this invocation's
            budget (0: unlimited). A spent budget stops the run early with ``complete`` false.
        cache_only: make no call; recompute the result from the cache alone.
        cache_errors: ``"error"`` outcomes are normally not cached, so a re-run retries
            them (a 503 is about the moment, not the pair); set to keep them.
        budget: the budget ``compare``'s sender shares and spends, one per request and one per
            reconnect retry that may have reached the service (instead of ``max_requests`` /
            ``max_seconds``, spent here one per call).
        bootstrap_replicates, seed, score_range: passed to the EER bootstrap, the pair
            sample and the histogram.
        clock, sleep: injectable for tests.

    Example:
        ``run_accuracy(build_pairs(images), call_api, cache=cache, claims=score_claims(
        "match", {70: 1e-3, 80: 1e-4}), target="emulator", api="match")``
    """
    planned = select_pairs(pairs, max_pairs, seed=seed)
    pacer = Pacer(max_rps or 0, clock=clock, sleep=sleep)
    spends = budget is None  # else compare's sender spends it
    if budget is None:
        budget = Budget(max_requests, max_seconds or 0, clock=clock)
    outcomes: dict[str, Outcome] = {}
    from_cache = 0
    exhausted = False
    for done, pair in enumerate(planned, start=1):
        outcome = cache.get(target, api, pair.key)
        if outcome is not None:
            from_cache += 1
        else:
            if exhausted or cache_only or not budget.allows():
                exhausted = True  # keep going: later pairs may still be in the cache
                continue
            pacer.wait()
            if spends:
                budget.spend()
            try:
                outcome = compare(pair)
            except BudgetExhausted:  # the time ran out while pacing (an interrupt goes on up)
                if interrupt.requested():
                    raise
                exhausted = True
                continue
            if not isinstance(outcome, Outcome):
                raise TypeError(f"compare() must return an Outcome, got {type(outcome).__name__}")
            if outcome.category != "error" or cache_errors:
                cache.put(target, api, pair.key, outcome)
        outcomes[pair.key] = outcome
        if progress is not None:
            progress(done, len(planned))
    return summarise(
        planned,
        outcomes,
        claims,
        api=api,
        target=target,
        run=RunStats(calls=budget.used, from_cache=from_cache, budget_exhausted=exhausted),
        bootstrap_replicates=bootstrap_replicates,
        seed=seed,
        score_range=score_range,
    )
