"""Search for the highest sustainable request rate (docs/load.md, "Finding the limit"), pure
over ``measure(rate) -> StepResult``. Rates above a throttled step's success rate (the
*plateau*) are unsustainable: a short step can look good while it drains a token-bucket burst.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from harness.loadgen.result import describe_stated, merge_stated

Bound = Literal["exact", "lower", "upper"]
STOP_CEILING = "max_rate reached without failing"


class StepCut(Exception):
    """Raised by ``measure`` (or ``rest``) when the run was stopped during a step or a rest
    between steps (Ctrl-C, a gate stage's time limit): the search ends there as a budget ends
    it, with the steps it completed."""


@dataclass(frozen=True)
class StepResult:
    offered_rps: float
    achieved_rps: float  # answers per second, any outcome
    ok_rps: float  # successful answers per second
    p99_ms: float | None
    error_rate: float  # fraction of answers that failed for reasons other than throttling
    throttled_rate: float  # fraction of answers that were throttled
    completed: int = 0
    dropped: int = 0
    tail_ok_rps: float | None = None  # success rate in the window's last seconds (burst drained)
    shed_rate: float = 0.0  # fraction of answers shedding load: HTTP 503, JD's system busy
    window_s: float | None = None  # seconds judged (set: offered_rps is the window's schedule)
    p50_ms: float | None = None  # the window's median latency (how long the service held one)
    qps_rate: float = 0.0  # fraction of answers refused by a code naming a QPS limit (JD 10043)
    # a mix of APIs (each its own credential's limit): the mix's rate at which the most refused
    # API gets what it delivered (its ok/s over its share of the sends); None for one API
    mix_ok_rps: float | None = None
    # the operations of a refused API in the mix that were refused nothing, though not sent
    # often enough to tell they are under no limit of the others (a limit on one operation)
    mix_unrefused: tuple[str, ...] = ()
    # the operations of a refused API refused nothing though sent often enough to be (left out of
    # ``mix_ok_rps`` as under a limit of their own); trusted when a refused step at another rate
    # refused none of them either (:func:`_mix_unconfirmed`)
    mix_free: tuple[str, ...] = ()
    # fraction of the warm-up's answers (before the window) that were throttled: a bucket with a
    # burst serves its first second whole; None when the step had no warm-up
    warmup_throttled: float | None = None
    warmup_refused: int = 0  # throttled answers of the warm-up (a count; the share is above)
    # sends of the warm-up more than 10 ms behind the schedule: a slow start sends its overdue
    # slots at once, a clump a bucket without a burst refuses but one of (:func:`_carried`)
    warmup_late: int = 0
    # the warm-up's latest send's lateness (s): a slow start's clump spans it, so at most
    # rate x this of its late sends left together (:func:`_late_budget`)
    warmup_late_s: float = 0.0
    # throttled answers of the window's first second: a sliding window's count still holds the
    # warm-up's late clump there (:func:`_clump_refused`)
    first_refused: int = 0
    late: int = 0  # sends of the window more than 10 ms behind the schedule (the pacing's jitter)
    # whole seconds at the run's end in which every answer was throttled (none served): a quota
    # that ran out, or a lockout, where a token bucket serves its refill every second
    refused_tail_s: int = 0
    # whole seconds of the run (warm-up too, its cut last second not) with QUOTA_MIN_ANSWERS
    # answers or more, every one throttled; the successes before the first such second and after
    # the last (a quota's window that ran out, then began again, within one step)
    refused_whole_s: int = 0
    served_around: tuple[int, int] | None = None
    # when the first such second began and the last ended, in seconds from the run's start
    refused_span: tuple[int, int] | None = None
    # successful answers in each whole second of the window: a token bucket's fall as its burst
    # drains, then hold at its refill; a window's count rises again when its window begins again
    window_ok: tuple[int, ...] = ()
    # successful answers in each second of the run after the window (its drain of sends, the
    # last maybe cut short): a bucket that fell to its refill holds there, a window may begin again
    after_ok: tuple[int, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    run: Any = field(default=None, repr=False, compare=False)  # what measured it (a LoadResult)


@dataclass(frozen=True)
class StepRecord:
    step: int
    phase: str  # "ramp", "ramp-down", "recheck", "drain" (a refused ramp step again) or "bisect"
    rate: float
    result: StepResult
    good: bool
    reasons: tuple[str, ...]
    elapsed_s: float
    rested: bool = True  # it started from rest: no refusal (or a waited-out penalty) before it
    started_s: float = 0.0  # when it started, seconds from the search's start
    # a failed drain step that is no bucket's (:func:`_drained` false: it delivered as much or
    # more, rose, or refused a whole second): it sets no plateau and judges no recheck's rest
    no_bucket: bool = False
    # refusals of its window's first second forgiven as its warm-up's late clump, when it passed
    # only by them (:func:`_clump_refused`): the search's notes say so
    forgiven: int = 0

    def row(self) -> dict[str, Any]:
        r = self.result
        rounded = {k: round(getattr(r, k), 3) for k in ("achieved_rps", "ok_rps")}
        return {
            "step": self.step,
            "phase": self.phase,
            "offered_rps": round(self.rate, 3),
            "measured_offered_rps": round(r.offered_rps, 3),
            **rounded,
            "p99_ms": r.p99_ms,
            **{k: round(getattr(r, k), 6) for k in ("error_rate", "throttled_rate")},
            "tail_ok_rps": _round(r.tail_ok_rps),
            "completed": r.completed,
            "dropped": r.dropped,
            "verdict": "good" if self.good else "bad",
            "reasons": list(self.reasons),
            "step_s": round(self.elapsed_s, 3),
            "no_bucket": self.no_bucket,
        }


@dataclass(frozen=True)
class LimitResult:
    """The search outcome and its evidence. ``limit_rps`` is capped at ``plateau_rps`` (the
    lowest success rate of a throttled step); ``upper_rps`` is the lowest rate known or
    inferred to fail; ``knee_rps`` the highest good rate whose p99 stayed within
    ``knee_factor`` x the best; ``saturation_rps`` what a throttled or short step delivered."""

    limit_rps: float | None
    first_bad_rps: float | None
    upper_rps: float | None
    knee_rps: float | None
    plateau_rps: float | None
    saturation_rps: float | None
    converged: bool
    stopped_by: str
    steps: tuple[StepRecord, ...]
    criteria: dict[str, Any]
    elapsed_s: float
    notes: tuple[str, ...] = ()
    inconclusive: str | None = None  # why the number is no measured limit (a penalty)
    # the lowest rate that failed from rest (no refusal, or the penalty waited out, before it):
    # it bounds from above a limit the search could not name (:func:`meets_minimum`)
    failed_rps: float | None = None

    @property
    def bound(self) -> Bound | None:
        """How :attr:`reported_rps` bounds the true limit (None when no step ran)."""
        if self.limit_rps is not None:
            return "exact" if self.upper_rps is not None else "lower"
        return "upper" if any(not s.good for s in self.steps) else None

    @property
    def reported_rps(self) -> float | None:
        """The limit, or (bound ``"upper"``) the lowest rate that failed."""
        if self.limit_rps is not None:
            return self.limit_rps
        failed = [s.rate for s in self.steps if not s.good]
        return min(failed) if failed else None

    def table(self) -> list[dict[str, Any]]:
        return [s.row() for s in self.steps]

    def to_dict(self) -> dict[str, Any]:
        rates = ("first_bad_rps", "upper_rps", "knee_rps", "plateau_rps", "saturation_rps",
             "failed_rps")  # fmt: skip
        return {
            "limit_rps": _round(self.limit_rps),
            "bound": self.bound,
            **{k: _round(getattr(self, k)) for k in rates},
            "converged": self.converged,
            "stopped_by": self.stopped_by,
            "elapsed_s": round(self.elapsed_s, 3),
            "criteria": dict(self.criteria),
            "notes": list(self.notes),
            "inconclusive": self.inconclusive,
            "steps": self.table(),
            "step_details": [s.result.detail for s in self.steps],
        }


def find_limit(
    measure: Callable[[float], StepResult],
    *,
    start_rate: float,
    max_rate: float,
    slo_p99_ms: float,
    max_error_rate: float,
    min_achieved_ratio: float = 0.95,
    growth: float = 2.0,
    resolution: float = 0.04,
    min_rate: float | None = None,
    max_steps: int = 16,
    time_budget_s: float | None = None,
    knee_factor: float = 2.0,
    use_plateau: bool = True,
    precheck: Callable[[float], str | None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    rest: Callable[[float], None] | None = None,
) -> LimitResult:
    """Step up geometrically from ``start_rate`` until a step fails, then bisect to within
    ``resolution``; a budget or a reason from ``precheck(rate)`` stops it before a step. With
    ``rest`` (a sleep), a plateau far under a rate that passed is put to the test
    (:func:`_recheck_rest`): after a rest, that rate again."""
    if not (0 < start_rate <= max_rate) or growth <= 1 or not (0 < resolution < 1) or max_steps < 1:
        raise ValueError(
            "need 0 < start_rate <= max_rate, growth > 1, 0 < resolution < 1, max_steps >= 1"
        )
    floor_rate = min_rate if min_rate is not None else start_rate / growth**4
    criteria = {
        "slo_p99_ms": slo_p99_ms,
        "max_error_rate": max_error_rate,
        "max_throttled_rate": max_error_rate,
        "min_achieved_ratio": min_achieved_ratio,
        "growth": growth,
        "resolution": resolution,
        "start_rate": start_rate,
        "max_rate": max_rate,
        "max_steps": max_steps,
        "time_budget_s": time_budget_s,
        "use_plateau": use_plateau,
    }
    began = clock()
    steps: list[StepRecord] = []
    stopped_by = ""
    # set when a rested step refuted the plateau: (the plateau, the rest before a step that
    # follows a refusal, the rate that passed after it)
    penalty: tuple[float, float, float] | None = None
    from_rest: list[float] = []  # rates that failed from rest (see LimitResult.failed_rps)
    warmed: list[StepRecord] = []  # a first step that failed on latency, then passed again
    refused_once: list[StepRecord] = []  # a first step refused a little (_thin), then passed again
    drained_ok: list[StepRecord] = []  # a ramp step refused in its last second whose drain passed

    def run_step(rate: float, phase: str, pause: float = 0.0) -> bool | None:
        nonlocal stopped_by
        if len(steps) >= max_steps:
            stopped_by = "max_steps"
            return None
        if penalty is not None and steps and not steps[-1].good:
            pause = max(pause, penalty[1])  # the penalty of the refused step waited out
        spent = clock() - began
        mean_step = spent / len(steps) if steps else 0.0
        if time_budget_s is not None and spent + pause + mean_step > time_budget_s:
            stopped_by = "time budget"
            return None
        if precheck is not None and (reason := precheck(rate)) is not None:
            stopped_by = reason
            return None
        if pause and rest is not None:
            try:
                rest(pause)
            except StepCut as cut:  # stopped while resting: the steps so far are the search
                stopped_by = str(cut)
                return None
        # what a step fails from rest says of the rate alone, not of a refusal's aftermath
        rested = (
            not steps
            or _quiet(steps[-1])
            or (penalty is not None and rest is not None and pause >= penalty[1])
        )
        t0 = clock()
        try:
            result = measure(rate)
        except StepCut as cut:
            stopped_by = str(cut)
            return None
        reasons: list[str] = []  # why the step is not sustainable (none: good)
        forgiven = 0
        if result.completed == 0:
            reasons.append("no responses")
        else:
            clump = _clump_refused(result)
            if result.throttled_rate - clump / result.completed > max_error_rate:
                reasons.append(f"throttled {result.throttled_rate:.1%} > {max_error_rate:.1%}")
            elif result.throttled_rate > max_error_rate:
                forgiven = clump  # passed only by the clump's refusals forgiven
            if result.error_rate > max_error_rate:
                reasons.append(f"errors {result.error_rate:.1%} > {max_error_rate:.1%}")
            if result.p99_ms is None or result.p99_ms > slo_p99_ms:
                reasons.append(f"p99 {result.p99_ms} ms > SLO {slo_p99_ms:g} ms")
            # a window holds whole requests, and one answer may fall past its edge (offered
            # counts by intended second, answered by done second): one short is no shortfall
            offered, slack = (
                (result.offered_rps, 1.0 / result.window_s) if result.window_s else (rate, 0.0)
            )
            if result.achieved_rps < min_achieved_ratio * offered - slack:
                reasons.append(f"achieved {result.achieved_rps:.1f}/s < "
                               f"{min_achieved_ratio:.0%} of offered {offered:.1f}/s")  # fmt: skip
        elapsed = clock() - t0
        if reasons and rested:
            from_rest.append(rate)
        steps.append(StepRecord(len(steps) + 1, phase, rate, result, not reasons, (*reasons,),
                                elapsed, rested, t0 - began,
                                forgiven=forgiven if not reasons else 0))  # fmt: skip
        return not reasons

    good: float | None = None
    bad: float | None = None

    def ramp(rate: float) -> None:
        nonlocal good, bad, stopped_by
        for _ in range(max_steps):  # ramp up
            ok = run_step(rate, "ramp")
            if ok is False and _undrained(steps[-1], resolution):
                # refused in its last second only: a burst that ran out there, so its tail is no
                # refill; at once again (no rest), the bucket starts empty and the tail is one.
                # One that delivers as much or more, or rises, is no bucket's (flagged: it sets no
                # plateau); one that passes is no bucket's either (an empty bucket refuses the
                # rate over its refill): the rate passed, and the search goes on above it
                first = steps[-1]
                again = run_step(rate, "drain")
                if again is False and not _drained(steps[-1], first):
                    steps[-1] = replace(steps[-1], no_bucket=True)
                elif again:
                    drained_ok.append(first)
                    ok = True
            if not ok:  # None: a budget stopped the search
                bad = None if ok is None else rate
                break
            good = rate
            if rate >= max_rate:
                stopped_by = STOP_CEILING
                break
            rate = min(rate * growth, max_rate)

    def above(rate: float) -> None:
        """``rate`` failed, then passed when run again: the search goes on above it."""
        nonlocal good, bad, stopped_by
        good, bad = rate, None
        if rate < max_rate:
            ramp(min(rate * growth, max_rate))
        else:
            stopped_by = STOP_CEILING

    ramp(start_rate)
    if good is None and bad is not None:  # even the start rate failed: step down
        rate = bad / growth
        for _ in range(max_steps):
            if rate < floor_rate:
                stopped_by = f"no good rate down to {floor_rate:.3g}/s"
                break
            ok = run_step(rate, "ramp-down")
            if ok is not False:  # passed, or a budget stopped the search
                good = rate if ok else None
                break
            bad = rate
            rate /= growth
    cold = steps[0] if steps and not steps[0].good and good is not None else None
    thin = cold is not None and _thin(cold, resolution)
    if cold is not None and (thin or all(r.startswith("p99") for r in cold.reasons)):
        # the first step failed on latency alone and a lower rate passed: run it again, since a
        # service warming up (caches, JIT, pools) is slow at first whatever the rate; or it was
        # refused a few requests while it delivered its rate (_thin): a refusal by chance
        ok = run_step(cold.rate, "recheck")
        if ok:
            (refused_once if thin else warmed).append(cold)
            above(cold.rate)

    def upper() -> float | None:
        plateau = _plateau(steps) if use_plateau and penalty is None else None
        if bad is None or plateau is None:
            return bad
        return min(bad, plateau * (1 + resolution))

    rechecked = False
    doubted: StepRecord | None = None  # a recheck of ``good`` that failed
    refuted = False  # ... that served more than a bucket refilling at the plateau could

    def bisect() -> None:
        nonlocal good, bad, penalty, rechecked, doubted, refuted
        for _ in range(max_steps):  # bisect
            if not rechecked and rest is not None and use_plateau and good is not None:
                pause = _recheck_rest(steps, good, resolution, max_error_rate)
                if pause is not None:  # the plateau would cap the limit far under ``good``
                    rechecked, plateau_then = True, _refill_seen(steps[-1])
                    # a whole second refused after serving is no bucket's refill: served again after
                    # a rest, that plateau is refuted whatever a bucket could have saved in the rest
                    windowed = _windowed(steps[-1])
                    ok = run_step(good, "recheck", pause)
                    if ok is None:
                        break
                    if ok and (windowed or _refutes(steps[-1], plateau_then, pause)):
                        penalty = (plateau_then, pause, good)
                    if not ok:  # ``good`` is in doubt: bisecting under it would trust it
                        doubted = steps[-1]
                        # and the plateau too, when it came from a step no bucket shows (a rise
                        # or a whole second refused, :func:`_windowed`), or the failed recheck
                        # still served more than a bucket refilling at it could after that rest
                        refuted = windowed or _refutes(steps[-1], plateau_then, pause)
            top = upper()
            if doubted is not None:
                break
            if good is None or top is None or top - good <= resolution * good:
                break
            mid = (good + top) / 2.0
            ok = run_step(mid, "bisect")
            if ok is None:
                break
            good, bad = (mid, bad) if ok else (good, mid)

    bisect()
    chance: StepRecord | None = None  # a refused step at ``bad`` that passed when run again
    if _all_thin(steps, resolution) and doubted is None and good is not None and bad is not None:
        # every refused step delivered its rate, a few refusals each, which a short window
        # cannot tell from chance: the rate that failed is run again before it is trusted, and
        # if it passes the search goes on above it (session 24: a bucket of 20/s refusing 0.5 %
        # at random read 16-18/s, "exact")
        failed_at = next(s for s in steps if s.rate == bad and not s.good)
        if not any(
            s.rate == bad and (s.phase == "recheck" or s.no_bucket) for s in steps
        ) and run_step(bad, "recheck"):
            chance = failed_at
            above(failed_at.rate)
            bisect()

    risen: StepRecord | None = None  # the one refused step, which passed when run at the end
    risen_at = 0.0  # when that run started, seconds from the search's start
    lone = _refused(steps)
    top = upper()
    if (
        len(lone) == 1
        and use_plateau
        and penalty is None
        and doubted is None
        and chance is None
        and good is not None
        and bad is not None
        and top is not None
        and top < bad
        and top - good <= resolution * good
        and steps[-1] is not lone[0]  # when it was the last step, nothing came later
        and all(s.good for s in steps[steps.index(lone[0]) + 1 :])
    ):
        # the bracket rests on what one refused step delivered, early in the search: a service
        # whose capacity rises (warming up, scaling out) delivered that then and more later, so
        # the rate is run once more before it is trusted (session 25: a bucket of 10/s for its
        # first 12-20 s, 20/s after, read 10.2/s, "exact", from its 20/s step at 6.5 s)
        if run_step(lone[0].rate, "recheck"):
            risen, risen_at = lone[0], steps[-1].started_s
            above(lone[0].rate)
            bisect()
        top = upper()
    converged = (
        good is not None and top is not None and top - good <= resolution * good and not refuted
    )
    if doubted is not None and not converged:
        stopped_by = "a recheck failed"
    if converged:
        stopped_by = "converged"
    notes: list[str] = []
    stopped_by = stopped_by or ("max_steps" if len(steps) >= max_steps else "incomplete")
    if (
        not converged
        and doubted is None  # a rate that passed, then failed, brackets nothing
        and good is not None
        and top is not None
        and top > good * (1 + resolution)
    ):
        higher = f"; {search_higher(stopped_by)}" if stopped_by != "incomplete" else ""
        notes.append(  # an "exact" bound, but of a bracket wider than the resolution
            f"the search stopped ({stop_label(stopped_by)}) before it converged: the limit lies "
            f"between {good:.1f}/s, which passed, and {top:.1f}/s{higher}"
        )
    plateau = _plateau(steps)
    limit = good
    inconclusive: str | None = None

    def lowest_failed() -> float | None:  # above every rate that passed (else no bound)
        return min((r for r in from_rest if good is None or r > good), default=None)

    def forget(rate: float) -> None:  # a failure from rest its rate's later pass excused
        from_rest[:] = [r for r in from_rest if r != rate or r == bad]

    failed = lowest_failed()
    if penalty is not None:
        after, pause, passed = penalty
        inconclusive = (
            f"{PENALISED}: what an overloaded step delivers ({after:.1f} ok/s) is no limit, and "
            f"{(limit or passed):.1f}/s, the highest rate that held a step from rest, bounds it "
            "from above only (a burst may carry a short step over the limit)" + _below(failed)
        )
        notes.append(
            f"after refusing, the service delivered {after:.1f} ok/s, yet after a rest of "
            f"{pause:.0f} s a step at {passed:.1f}/s passed again, more than a token bucket "
            f"refilling at {after:.1f}/s could hold: it lowers its limit for a while after a "
            "refusal (a penalty, a lockout), so the plateau is not its limit; the search rested "
            f"{pause:.0f} s before each step after a refusal. Over the limit, expect about "
            f"{after:.1f} ok/s until it recovers"
        )
    elif use_plateau and plateau is not None and (limit or 0.0) > plateau * (1 + resolution):
        note = (
            f"a step at {limit:.1f}/s passed but a throttled (or HTTP 503, or system busy) step "
            f"delivered only {plateau:.1f} ok/s: the short step probably drained a token-bucket "
            "burst; limit capped at the plateau"
        )
        if limit is not None and (burst := _burst_needed(steps, limit, plateau)) is not None:
            note += (
                f"; but a burst lasting that step needs {burst:.0f} requests or more (over "
                f"{BIG_BURST_S:g} s of {limit:.1f}/s): a service without one that large lowered "
                f"its limit after refusing (a penalty that recovers slowly), so {limit:.1f}/s "
                f"may be its limit before a burst and {plateau:.1f}/s after one: measure both "
                "with `load run`"
            )
        notes.append(note)
        limit = plateau
    # a failed recheck that refuted the plateau leaves neither bracket's end: the plateau that
    # "converged" the search under ``good`` is no refill (session 25: a fixed window of 60 per 3 s
    # read 9-13/s, "exact", the recheck at 25/s after 1 s serving 22 ok/s)
    if doubted is not None and (not converged or refuted) and good is not None:
        inconclusive = inconclusive or (
            f"{RECHECK_FAILED}: a step at {good:.1f}/s passed, then failed when run again after "
            f"a rest (it delivered {_delivered(doubted):.1f} ok/s): the rate that passed is in "
            "doubt, and what a step delivers after a refusal is no limit" + _below(failed)
        )
        notes.append(  # not "a step at ... passed": the quota's note drops those
            f"the rate that passed, {good:.1f}/s, was refused when run again after a rest "
            f"({_refusals(doubted)}, {_delivered(doubted):.1f} ok/s): a service whose capacity "
            "depends on when it is asked (a window or quota over wall-clock time, a lockout) "
            "rather than on the rate; measure it at a fixed rate with `load run --duration 60s`"
        )
    closing = next((s for s in _refused(steps) if _refill_seen(s) == plateau), None)
    if closing is not None and (lucky := _mix_unconfirmed(steps, closing)) and limit is not None:
        inconclusive = inconclusive or (
            f"{MIX_UNSURE}: a refused step at {closing.rate:.1f}/s refused none of "
            f"{', '.join(lucky)}, and no refused step at another rate confirmed it: a fixed order "
            "of requests can meet a token bucket's refill in step, so whether one operation is "
            "limited or the whole credential is open, and the mix's limit with it; search one "
            "operation at a time"
        )
    if closing is not None and (alone := closing.result.mix_unrefused) and limit is not None:
        inconclusive = inconclusive or (
            f"{MIX_UNSURE}: a refused step at {closing.rate:.1f}/s refused none of "
            f"{', '.join(alone)}, too few sent to tell whether one operation is limited or the "
            f"whole credential: {plateau:.1f}/s is the mix's limit if the credential is, and "
            "lower if only the refused operations are; search one operation at a time"
        )
    # refused steps whose rate then passed (a recheck, a drain): no saturation, no limit's refusal
    excused = [*refused_once, *drained_ok, *([chance] if chance is not None else [])]
    excused += [risen] if risen is not None else []
    # a recheck that failed where a bucket's would (its rest too short to refill the burst the
    # step that passed drained, the plateau not refuted) is no refusal below the rate: a bucket
    # of 12/s with 11 s of burst read "refusals do not follow the rate" (session 25's review)
    excused += [doubted] if doubted is not None and not refuted and converged else []
    if (odd := _not_by_rate(steps, excused=excused)) is not None:
        low, high = odd
        inconclusive = inconclusive or (
            f"refusals do not follow the rate (a step at {low.rate:.1f}/s refused, one at "
            f"{high.rate:.1f}/s delivered {_delivered(high):.1f} ok/s): no rate limit to report"
            + _below(failed)
        )
        notes.append(
            f"a step at {low.rate:.1f}/s was refused ({_refusals(low)}) although a refused step "
            f"at {high.rate:.1f}/s delivered {_delivered(high):.1f} ok/s: a rate limit refuses "
            "nothing below its rate, so this service refuses by something else (some requests "
            "at any rate, requests in flight, or a limit that changed during the search), and a "
            "rate that passed may only have been lucky: measure its refusals at a fixed rate "
            "with `load run`"
        )
    elif plateau and (busy := _in_flight_at_plateau(steps, plateau, bad, resolution)):
        held, closing = busy
        # a concurrency limit keeps no memory of a refusal: any rate that failed bounds it
        failed = min(r for r in (failed, bad, closing.rate) if r is not None)
        inconclusive = inconclusive or (
            f"{IN_FLIGHT}: its limit lies between {plateau:.1f}/s "
            f"and {closing.rate:.1f}/s (no rate above {plateau * (1 + resolution):.1f}/s was tried)"
            + _below(failed)
        )
        notes.append(
            f"the search took {plateau:.1f} ok/s, what a refused step at {closing.rate:.1f}/s "
            f"delivered, as the most the service takes; that step held about {held:.1f} requests "
            "in flight: a rate limit delivers its rate there, but "
            "a service that limits requests in flight (concurrency) delivers less than its "
            f"capacity when overloaded, so its limit may be higher, up to the {closing.rate:.1f}/s "
            f"that failed (no rate above {plateau * (1 + resolution):.1f}/s was tried): check one "
            "with `load run`"
        )
    if limit is not None and (erred := _erred_under(steps, limit, resolution, excused)):
        erring = f"errors {erred.result.error_rate:.1%}"
        inconclusive = inconclusive or (
            f"{ERRED}: a step at {erred.rate:.1f}/s failed on errors that are no throttling "
            f"({erring}) and delivered only {_delivered(erred):.1f} ok/s, under the "
            f"{limit:.1f}/s that passed: either a service that errs over its capacity passed a "
            f"short step above it on a burst (it sustains about {_delivered(erred):.1f}/s), or one "
            f"that degrades when overloaded (then {limit:.1f}/s holds); errors set no plateau, so "
            "the search cannot tell" + _below(failed)
        )
        notes.append(
            f"a step at {erred.rate:.1f}/s erred ({erring}) while delivering "
            f"{_delivered(erred):.1f} ok/s: a service that answers errors over its capacity "
            "instead of a throttling code is searched by errors, which no plateau bounds; "
            "measure it at a fixed rate with `load run --duration 60s`"
        )
    if limit is not None and (slowed := _slowed(steps, slo_p99_ms)) is not None:
        sooner, later = slowed
        why = (
            f"a step at {later.rate:.1f}/s, {later.started_s:.0f} s into the search, answered "
            f"slower (p99 {later.result.p99_ms:.0f} ms) than an earlier one at {sooner.rate:.1f}/s "
            f"(p99 {sooner.result.p99_ms:.0f} ms), and the steps that passed slowed as they went"
        )
        inconclusive = inconclusive or (
            f"{SLOWED}: {why} (a leak, a backlog it kept), so the {limit:.1f}/s under which it "
            "crossed the SLO is no rate it sustains" + _below(failed)
        )
        notes.append(
            f"{why}: latency that rises with time rather than with the rate is no rate limit; "
            "measure it at a fixed rate with `load run --duration 2m` and watch its series"
        )
    if (errs := _not_by_rate(steps, shed=True)) is not None:
        low, high = errs
        notes.append(
            f"a step at {low.rate:.1f}/s was shed ({_refusals(low)}) although a step at "
            f"{high.rate:.1f}/s delivered {_delivered(high):.1f} ok/s: server errors at a rate the "
            "service serves (a finding), not a rate limit's refusals"
        )
    if (strict := _no_burst(steps)) and limit is not None:
        first = strict[0]
        late = [s.result.late for s in steps if s.good and s.rate == limit]
        notes.append(
            f"a step at {first.rate:.1f}/s was refused from its first second, from rest: the "
            "service has no burst (a strict bucket), so the limit is the highest rate that "
            "passed, not what a refused step delivered (a strict bucket wastes its refill on the "
            "sends it refuses). A strict bucket also refuses sends that arrive closer together "
            "than its interval, so how evenly the load is paced bounds what passes"
            + (
                f" ({late[0]} send(s) of the {limit:.1f}/s step were over 10 ms late)"
                if late and late[0]
                else ""
            )  # fmt: skip
            + f": an evenly paced client may be served more, up to the {first.rate:.1f}/s that "
            "failed here or beyond"
        )
    if (quota := _quota(steps)) is not None:
        whole = quota.step
        said = whole.result.detail.get("retry_after_s") if whole.result.detail else None
        window = f", and asked to come back in {said:g} s (Retry-After)" if said else ""
        tail = whole.result.refused_tail_s
        refused = (
            f"every request of the last {tail} s of a step at {whole.rate:.1f}/s"
            if tail >= QUOTA_TAIL_S
            else f"every request of {whole.result.refused_whole_s} whole second(s) of a step at "
            f"{whole.rate:.1f}/s, then served again"
        )
        counted = (
            f"the service served {quota.served} request(s) from the search's start until it "
            f"refused {refused}{window}: a quota over a window longer than a step (N a minute, "
            "an hour, a day) that ran out, or a lockout; if this search was its only client, the "
            f"quota is at most {quota.served} (its window may have begun after the search did)"
            if quota.since == "start"
            else f"the service served {quota.served} request(s) from the end of its previous "
            f"whole seconds of refusals until it refused {refused}{window}: a quota over a window "
            "longer than a step (N a minute, an hour, a day) that ran out again, or a lockout; "
            f"if this search was its only client, that is the quota of one window"
        )
        if penalty is None:
            notes = [n for n in notes if not n.startswith(f"a step at {limit or 0:.1f}/s passed")]
        inconclusive = (
            f"{inconclusive}; {counted}" if inconclusive
            else f"{QUOTA}: {counted}, not a rate limit" + _below(failed)
        )  # fmt: skip
        notes.append(
            f"{counted}: a rate per second is no answer to that; measure it with `load run --rate "
            "R --duration 2m` (a minute's quota) and read its window from Retry-After or the "
            "service's documents"
        )
    elif limit is not None and not any(not s.good for s in steps):
        sent = sum(_sent(s) for s in steps)
        span = clock() - began
        # the "at least" holds for one step's judged window, never longer: the search's average
        # over its length is only the pace it sent at (a service of 500/s and a quota of 600 a
        # minute show the same; session 26 called that what held, and 11.3/s bounded neither)
        judged = next((s.result.window_s for s in steps if s.rate == limit), None)
        step = f" for one step's {judged:.0f} s" if judged else " for one step"
        around = [_throttled_outside(s) for s in steps]
        outside = sum(n for n, _ in around)
        # noise a judged window would pass (a share at or under max_error_rate) is no limit
        unseen = outside > max_error_rate * sum(n for _, n in around)
        if unseen:  # "at least" is not true of a service that refused some of this very load
            inconclusive = (
                f"{UNSEEN}: {outside} answer(s) outside the judged windows (warm-ups, drains) "
                f"were throttled, so {limit:.1f}/s, which every judged window passed, is no "
                "lower bound of a sustained rate (a quota over a longer window that ran out and "
                "began again, a burst)"
            )
        notes.append(
            f"no step was refused in {span:.0f} s and {sent} request(s): a quota over a longer "
            "window (per minute, per day) larger than that is not seen by a search of short "
            f"steps, nor a burst that outlasts a step: {limit:.1f}/s held{step}, and no rate was "
            "shown to hold for longer; `load run --rate R --duration 2m` measures one"
            if not unseen
            else f"no judged window was refused in {clock() - began:.0f} s and {sent} "
            f"request(s), but {outside} answer(s) outside them (warm-ups, drains) were throttled: "
            "a limit the short windows did not see (a quota over a longer window that ran out "
            "and began again, a burst), so this rate is no sustained one; `load run --rate R "
            "--duration 2m` measures it"
        )
    if chance is not None:
        forget(chance.rate)
        failed = lowest_failed()
    thin_rest = chance is not None and _all_thin(
        [s for s in steps if s.rate != chance.rate], resolution
    )
    if chance is not None and thin_rest:
        inconclusive = inconclusive or (
            f"{BY_CHANCE} (a step at {chance.rate:.1f}/s was refused, {_refusals(chance)}, "
            f"though it delivered {_delivered(chance):.1f} ok/s, and passed when run again): "
            "every refused step delivered its rate, a few refusals each, which a short window "
            "cannot tell from chance (some requests refused at random at any rate), so no rate "
            "that failed bounds the limit" + _below(failed)
        )
        notes.append(
            f"the step at {chance.rate:.1f}/s that closed the bracket was refused "
            f"({_refusals(chance)}) and passed when run again: the service refuses a few "
            "requests whatever the rate, or at random; measure the refused share at a fixed "
            "rate with `load run --duration 60s`, or give --max-error-rate the share you accept"
        )
    elif chance is not None:  # the rerun found a limit above it: still say why it was run
        notes.append(
            f"a step at {chance.rate:.1f}/s was refused ({_refusals(chance)}) though it "
            f"delivered {_delivered(chance):.1f} ok/s, and passed when run again: a few "
            "refusals under the limit (some requests refused at random), so the search went on "
            "above it; measure the refused share at a fixed rate with `load run --duration 60s`"
        )
    if risen is not None:
        forget(risen.rate)
        failed = lowest_failed()
        notes.append(
            f"a step at {risen.rate:.1f}/s was refused ({_refusals(risen)}, "
            f"{_delivered(risen):.1f} ok/s) {risen.started_s:.0f} s into the search, the one "
            f"refused step under which the search had closed, and passed when run again "
            f"{risen_at:.0f} s in: the service's capacity rose "
            "during the search (warming up, scaling out), so the search went on above it; the "
            "limit is the later one's"
        )
    if drained_ok:
        first = drained_ok[0]
        forget(first.rate)
        if bad is None and limit is not None:  # "at least" over a rate that was refused
            inconclusive = inconclusive or (
                f"{DRAIN_PASSED}: a step at {first.rate:.1f}/s was refused in its last second, "
                "then passed when run again at once, and no rate failed after it: a window or "
                "quota whose count began again between the two (its limit unseen by the later "
                "steps), or refusals by chance; measure it at a fixed rate with `load run "
                "--duration 2m`"
            )
        notes.append(
            f"a step at {first.rate:.1f}/s was refused in its last second only "
            f"({_refusals(first)}), and passed when run again at once: a token bucket whose "
            "burst ran out there would have refused the rerun too (it starts empty), so this was "
            "no limit at that rate (a refusal by chance, or a window or quota whose count began "
            "again); the search went on above it"
        )
    if (carried := _carried(steps, max_error_rate)) is not None:
        inconclusive = inconclusive or (
            f"{CARRIED}: a step at {carried.rate:.1f}/s passed its judged window though "
            f"{carried.result.warmup_refused} request(s) of its warm-up were refused "
            f"({carried.result.warmup_throttled or 0.0:.0%}): the service counted requests from "
            "before it, so a rate that passed may only have met a window's start" + _below(failed)
        )
        notes.append(
            f"a step at {carried.rate:.1f}/s was refused at its start (its warm-up, "
            f"{carried.result.warmup_refused} request(s)) and then served its rate in full: a "
            "token bucket refusing a rate it then serves does not do that (a rate under its "
            "refill is served from the first second), a count over wall-clock time (a window or "
            "quota that began again) or a penalty that ended does; measure it at a fixed rate with "
            "`load run --duration 2m`"
        )
    if forgiven_by := [s for s in steps if s.forgiven]:
        first_forgiven = forgiven_by[0]
        notes.append(
            f"a step at {first_forgiven.rate:.1f}/s passed only because {first_forgiven.forgiven} "
            f"refusal(s) of its judged window's first second ({_refusals(first_forgiven)} in all) "
            "were taken for its warm-up's late sends (a slow start's clump, which a limit counting "
            "any one second still holds there); measure it at a fixed rate with `load run`"
        )
    if refused_once:
        once = refused_once[0]
        forget(once.rate)
        notes.append(
            f"the first step at {once.rate:.1f}/s was refused ({_refusals(once)}) though it "
            f"delivered {_delivered(once):.1f} ok/s, and passed when run again: a few "
            "refusals under the limit (some requests refused at random, or a limit at that very "
            "rate), so the search did not bisect under it; measure the refused share at a fixed "
            "rate with `load run`"
        )
    if warmed:
        cold_run = warmed[0].result
        again = next(s for s in steps if s.phase == "recheck" and s.rate == warmed[0].rate)
        forget(warmed[0].rate)
        notes.append(
            f"the first step at {warmed[0].rate:.1f}/s failed on latency (p99 "
            f"{cold_run.p99_ms} ms) and passed when run again (p99 {again.result.p99_ms} ms): "
            "the service was slow while it warmed up (caches, JIT, pools), so that failure "
            "judged nothing (a short `load run` before a search warms it)"
        )
    elif steps and all(_failed_by(s, "p99") and not _failed_by(s, "throttled", "errors")
                       for s in steps) and len(steps) > 1:  # fmt: skip
        p99s = [s.result.p99_ms or 0.0 for s in steps]
        if min(p99s) >= 0.8 * max(p99s):
            notes.append(
                f"every step failed on latency alone, with about the same p99 from "
                f"{steps[0].rate:.3g}/s down to {steps[-1].rate:.3g}/s ({min(p99s):.0f}-"
                f"{max(p99s):.0f} ms): the service is slower than --slo-p99 at any rate (or still "
                "warming up), not overloaded; a rate limit is no answer to that"
            )
    stated = functools.reduce(
        merge_stated, (s.result.detail.get("rate_limit_stated") for s in steps), None
    )
    if said := describe_stated(stated):
        notes.append(f"{said}{STATED_NOTE}")
    knee, saturation = _interpret(steps, knee_factor, excused)
    if knee is not None and limit is not None:
        knee = min(knee, limit)
    if (
        penalty is None
        and quota is None
        and not strict
        and limit is not None
        and saturation is not None
        and (saturation < limit * (1 - resolution))
    ):
        queued = [s for s in steps if _failed_by(s, "achieved") and s.result.ok_rps == saturation]
        if queued and not any(_failed_by(s, "throttled", "errors") for s in queued):
            notes.append(  # a queue: it served what it could, late, and refused nothing
                f"a failing step was served at only {saturation:.1f} ok/s, without errors or "
                f"throttling, below the {limit:.1f}/s limit: the service queues when overloaded "
                "(latency limits it, not refusals), and a short step a little above its capacity "
                "passes before the queue has grown; confirm with a longer --step"
            )
        else:
            notes.append(
                f"a failing step delivered only {saturation:.1f} ok/s, below the {limit:.1f}/s "
                "limit: the service may degrade when overloaded; confirm with a longer run"
            )
    rates = (limit, bad, top, knee, plateau, saturation)  # LimitResult's order
    elapsed = clock() - began
    return LimitResult(*rates, converged, stopped_by, tuple(steps), criteria, elapsed, tuple(notes),
                       inconclusive, failed if inconclusive else None)  # fmt: skip


def _clump_refused(r: StepResult) -> int:
    """Refusals of a window's first second its warm-up's late sends explain, from what
    :func:`_late_budget` leaves after the warm-up's own refusals: a slow start sends its overdue
    slots at once, and a limit counting any one second (a sliding log) still holds that clump
    into the window's first second, so it refuses as many sends there; an evenly paced client is
    not refused them. None when that second served nothing (no clump explains a whole second
    refused). Session 26's open end: each step's first 150 ms late, a sliding log of 20 a second
    refused 3 sends of its 20/s step's second second (17, 20, 20 ok): 16.9/s, "exact"."""
    if not r.window_ok or r.window_ok[0] == 0:
        return 0
    return min(r.first_refused, max(0, _late_budget(r) - r.warmup_refused))


def _late_budget(r: StepResult) -> int:
    """Refusals the warm-up's late sends explain, one each, and no more than a slow start's clump
    holds: the sends due within its latest send's lateness (rate x that), the one budget of
    :func:`_carried` and :func:`_clump_refused`. Session 27's review: lateness spread over every
    send (15 ms each, none together) counted 20 late sends a second, and a fixed window's whole
    refused second was forgiven ("at least 80/s" for 20/s)."""
    clump = math.ceil(r.offered_rps * r.warmup_late_s - 1e-6) if r.warmup_late_s > 0 else 0
    return min(r.warmup_late, max(0, clump))


CARRIED_MIN = 3  # warm-up refusals of a step that passed that say its count came from before


def _carried(steps: list[StepRecord], max_error_rate: float) -> StepRecord | None:
    """The first step that passed its window though its warm-up was refused (:data:`CARRIED_MIN`
    requests or more, a share over ``max_error_rate``, besides one per late send of the warm-up).
    A token bucket serves a rate under its refill from the first second, even emptied by the step
    before; a window's count that began again within the step, or a penalty that ended, refuses
    its start and serves the rest. Session 26: 120 per wall-clock 6 s started 1.5 s in: its 25/s
    step, 40 % of its warm-up refused, passed, and the bisect rose on passing steps to 29.4/s,
    "exact". A slow start sends its overdue slots at once (the open model catches up), and a
    bucket without a burst serves one of that clump and refuses the rest (and at most the one
    send after it, which the refill reaches next): the lateness explains those, so they are not
    counted (loadfix: each step's first 150 ms late, a strict bucket of 20/s read "a step passed
    after its warm-up was refused", its 3-4 refusals each a late send's)."""
    for s in steps:
        r = s.result
        unexplained = r.warmup_refused - _late_budget(r)
        answered = r.warmup_refused / r.warmup_throttled if r.warmup_throttled else 0.0
        if s.good and unexplained >= CARRIED_MIN and unexplained > max_error_rate * answered:
            return s
    return None


STATED_NOTE = (
    ": the service's own word, read as evidence beside what was measured (never required, "
    "never checked; a limit per window other than a second is a quota, not a rate)"
)
PENALISED = "the service lowers its limit for a while after a refusal"
QUOTA = "the service refuses by a quota, not a rate"
IN_FLIGHT = "the service may limit requests in flight"
RECHECK_FAILED = "a rate that passed failed when run again"
BY_CHANCE = "refusals do not follow the rate"
UNSEEN = "the service refused requests the judged windows did not see"
MIX_UNSURE = "refusals fell on some operations of the mix only"
DRAIN_PASSED = "a refused step passed when run again at once"
CARRIED = "a step passed after its warm-up was refused"
ERRED = "errors capped what the service delivered under the limit"
SLOWED = "the service slowed down during the search"
SLOWED_RATIO = 1.5  # a later step at a lower rate this much slower, on latency alone

_BELOW = "; a step at {:.6g}/s failed from rest, so the limit is below it"


def _below(failed: float | None) -> str:
    """The upper bound (``LimitResult.failed_rps``) said in the inconclusive text."""
    return _BELOW.format(failed) if failed is not None else ""


def meets_minimum(
    limit: float, minimum: float, unsure: str | None, below: float | None = None
) -> bool | None:
    """Whether a limit the search bracketed (bound ``exact``) meets ``minimum``; None when its
    ``inconclusive`` (``unsure``) leaves that open: a penalised service's number bounds its
    limit from above (a minimum over it is not met), a possible concurrency limit's plateau
    from below (one at or under it is met), refusals at any rate neither; and a rate that
    failed from rest (``below``, ``LimitResult.failed_rps``) bounds any of them from above (a
    minimum at or over it is not met). The
    load suite's ``--required-rps`` and the gate's ``min_qps_limit`` read it alike."""
    if unsure is None:
        return limit >= minimum
    if below is not None and minimum >= below:
        return False
    if unsure.startswith(PENALISED) and limit < minimum:
        return False
    if unsure.startswith(IN_FLIGHT) and limit >= minimum:
        return True
    return None


BIG_BURST_S = 2.0  # a burst of more seconds of a rate than this is no ordinary token bucket's
MAX_REST_STEPS = 3.0  # a recheck rests at most this many mean steps


def _recheck_rest(
    steps: list[StepRecord], good: float, resolution: float, max_error_rate: float
) -> float | None:
    """How long to rest before running ``good`` again, when the last step was refused and what
    it delivered (``p`` ok/s, the plateau it sets) would cap the limit far under ``good``
    (a bucket would need over :data:`BIG_BURST_S` seconds of ``good`` as its burst); None
    otherwise. A token bucket refilling at ``p`` that such a step emptied holds at most
    ``p`` x (rest + the step's time) afterwards, so the rest is half of what would let it serve
    a step at ``good`` again (at most :data:`MAX_REST_STEPS` mean steps; one when ``p`` is 0):
    if that step passes, the plateau is refuted (:func:`_refutes`)."""
    # a drain step that was no bucket's (flagged) or a failed recheck judges nothing here
    last = next(
        (s for s in reversed(steps) if s.good or (s.phase != "recheck" and not s.no_bucket)), None
    )
    if last is None or last.good or last not in _refused(steps):
        return None
    if last in _no_burst(steps) and not _windowed(last):
        return None  # a strict bucket's refused step sets no plateau (:func:`_plateau`)
    low = _delivered(last)
    if good <= low * (1 + resolution) or (
        low > 0 and _burst_needed(steps, good, low) is None and not _windowed(last)
    ):
        return None
    passed = next((s for s in reversed(steps) if s.good and s.rate == good), None)
    if passed is None:
        return None
    mean = sum(s.elapsed_s for s in steps) / len(steps)
    cap = MAX_REST_STEPS * max(mean, 1.0)
    served = _served(passed) * (1 - max_error_rate)
    # nothing delivered: no refill to outwait, a mean step of rest tells a penalty from a bucket
    pause = (
        min(cap, max(mean, 1.0)) if low <= 0 else min(cap, (served / low - passed.elapsed_s) / 2)
    )
    if _windowed(last):  # no refill to outwait: a window's, a whole step at least
        pause = max(pause, min(cap, max(mean, last.elapsed_s, 1.0)))
    if pause < 1.0 and _served(passed) > low * (1.0 + passed.elapsed_s) + 1.0:
        # half the rest is under a second, yet a step that passes after one second's rest still
        # serves more than the bucket could refill: the shortest rest tells them apart (session
        # 25: a fixed window of 60 per 3 s, 25/s passing, was capped at its 13 ok/s, "exact")
        pause = 1.0
    return pause if pause >= 1.0 else None


QUOTA_TAIL_S = 2  # whole seconds refused whole at a step's end that no token bucket shows
QUOTA_MIN_ANSWERS = 3  # a second refused whole says so with this many answers or more


@dataclass(frozen=True)
class QuotaSeen:
    """A quota that ran out during ``step``: ``served`` requests from ``since`` ("start": the
    search's start; "refusals": the end of the service's previous whole seconds of refusals, when
    its window began again) until it did."""

    step: StepRecord
    served: int
    since: Literal["start", "refusals"]


def _quota(steps: list[StepRecord]) -> QuotaSeen | None:
    """The first step whose last :data:`QUOTA_TAIL_S` seconds or more were refused whole, or that
    served again after a whole second refused whole (a window that began again within it), with
    the requests served until it ran out: a quota (N a minute, a day) that ran out stops serving
    whatever the rate, where a token bucket serves its refill every second. Counted from the end
    of the previous seconds refused whole, where there were any: before (session 21), from the
    search's start, over two windows (1200 for a quota of 600 a minute); a window that began
    again mid-step was not seen at all, and the search reported 45/s, exact. Served again within
    a step's length of refusing (:func:`_served_soon`), it is a rate over a short window."""
    served, since = 0, "start"
    for i, s in enumerate(steps):
        r = s.result
        if r.served_around is None:
            served += round(_served(s))
            continue
        before, after = r.served_around
        # refused to its end, then a later step passed (no bucket that served nothing for a
        # whole second refills that fast): its window began again, or a lockout ended
        later = next((t for t in steps[i + 1 :] if t.good), None)
        again = after == 0 and later is not None
        tail = r.refused_tail_s >= QUOTA_TAIL_S and _failed_by(s, "throttled")
        if r.refused_whole_s and (again or tail) and not _served_soon(steps, s, later):
            return QuotaSeen(s, served + before, "start" if since == "start" else "refusals")
        served, since = after, "refusals"
    return None


def _served_soon(steps: list[StepRecord], step: StepRecord, later: StepRecord | None) -> bool:
    """Whether ``step``, refused to its end, was served again within a step's length (the
    shortest step's) of its first second refused whole: by the start of ``later``, the next step
    that passed. Its window is then no longer than a step, a rate a search reads (200 per
    wall-clock 10 s sustains 20/s: session 21 named it a quota of "at most 290", where it read
    20/s before); a quota (600 a minute) refuses for longer."""
    span, around = step.result.refused_span, step.result.served_around
    if span is None or later is None or (around is not None and around[1] > 0):
        return False
    return later.started_s - (step.started_s + span[0]) <= min(s.elapsed_s for s in steps)


def _sent(step: StepRecord) -> int:
    """Requests of the step's whole run (its warm-up too), else of its window."""
    r = step.result
    whole = r.detail.get("run_completed") if r.detail else None
    return int(whole) if whole is not None else r.completed


def _throttled_outside(step: StepRecord) -> tuple[int, int]:
    """Throttled answers of the step's run outside its judged window (warm-up, drain), and all
    its answers there; (0, 0) without the run's counts. Session 23's review: the window's own
    refusals were counted too, so a bucket far above the search refusing 0.2 % at random, every
    window passing, read inconclusive where it read "at least 80/s"."""
    r = step.result
    detail = r.detail or {}
    whole, answers = detail.get("run_by_class", {}).get("throttled"), detail.get("run_completed")
    if whole is None or answers is None:
        return 0, 0
    inside = round(r.throttled_rate * r.completed)
    return max(0, int(whole) - inside), max(0, int(answers) - r.completed)


def _refutes(step: StepRecord, low: float, pause: float) -> bool:
    """Whether ``step`` (after ``pause`` s of rest following a refused step) served more than a
    token bucket refilling at ``low``/s could have: the plateau was no refill rate."""
    return _served(step) > low * (pause + step.elapsed_s) + 1.0


def _served(step: StepRecord) -> float:
    """Successful answers of the step's whole run (its warm-up too), else of its window."""
    r = step.result
    whole = r.detail.get("run_by_class", {}).get("success") if r.detail else None
    return float(whole) if whole is not None else r.ok_rps * (r.window_s or 0.0)


def _burst_needed(steps: list[StepRecord], passed: float, plateau: float) -> float | None:
    """The burst a token bucket refilling at ``plateau``/s must hold for the step at ``passed``/s
    to pass on it ((passed - plateau) x its seconds), when over :data:`BIG_BURST_S` seconds of
    ``passed`` (None otherwise): the emulator's is one second, and a search capped at a plateau
    several times under a rate that passed (a service whose limit drops for a while after it
    refuses: 20/s passed, 2 ok/s after refusing) said only that the step "probably" drained one."""
    step = next((s for s in steps if s.good and s.rate == passed), None)
    if step is None:
        return None
    r = step.result
    seconds = r.window_s or (r.completed / r.achieved_rps if r.achieved_rps else 0.0)
    needed = max((passed - plateau) * seconds, _search_burst(steps, plateau))
    return needed if needed > BIG_BURST_S * passed else None


def _search_burst(steps: list[StepRecord], refill: float) -> float:
    """The smallest burst a token bucket refilling at ``refill``/s (full at the search's start)
    needs to have served every success of every step's whole run (warm-ups and drains too), by
    each run's per-second series: the most any stretch of seconds served over its refill. A
    stretch over several steps is given the longest time it may have taken (each run placed as
    early in its step as it can begin and as late as it can end), so the burst is never over-
    stated. Session 25: a passing step's window alone was counted, and a fixed window of 60 per
    3 s or a sliding log of 200 per 10 s (20/s) that served 20/s for 5 s and then 40, 40, 12 of
    a 40/s step read as a bucket of 8-12/s with a burst under 2 s: 8-13/s, "exact". 0 without
    the runs' series (or in a mix, whose successes count an API that was not refused)."""
    seconds = _run_seconds(steps)
    return _most_over(seconds, refill) if seconds is not None else 0.0


def _run_seconds(steps: list[StepRecord]) -> list[tuple[int, float, float, int]] | None:
    """Each second of each step's run, in order: (the step's index, the earliest the second
    began, the latest it ended, in seconds from the search's start, its successes); None when a
    step has no series or is a mix's (:func:`_search_burst`)."""
    seconds: list[tuple[int, float, float, int]] = []
    for k, s in enumerate(steps):
        run = s.result.run
        series = getattr(run, "series", None)
        if not series or s.result.mix_ok_rps is not None:
            return None
        length = max(row.t for row in series) + 1
        for row in series:
            # a run's seconds are wall-clock seconds: its first may begin up to 1 s before its
            # first send, its last end up to 1 s after its last answer
            late = s.started_s + max(s.elapsed_s, length) + 1.0 - (length - 1 - row.t)
            seconds.append((k, s.started_s + row.t - 1.0, late, row.success))
    return seconds


def _most_over(seconds: list[tuple[int, float, float, int]], refill: float) -> float:
    """The most any stretch of ``seconds`` (:func:`_run_seconds`) served over ``refill``/s: a
    stretch within one step took its count of seconds, one across steps from the earliest its
    first began to the latest its last ended; 0 at least."""
    # one pass over the seconds (review of session 25: every pair of them took 6 s a call on 16
    # steps of 302 s, at each bisect step). With ``before`` the successes before a second, a
    # stretch from second i to j serves before[j + 1] - before[i]; within one step it took
    # j - i + 1 s, across steps ends[j] - begins[i], so the most is the latest term less the
    # least of before[i] - refill x i over the step's seconds so far, or of
    # before[i] - refill x begins[i] over the earlier steps' seconds
    most = 0.0
    before = 0
    here = here_begun = earlier = math.inf
    step: int | None = None
    for j, (k, begins, ends, ok) in enumerate(seconds):
        if k != step:
            earlier, here, here_begun, step = min(earlier, here_begun), math.inf, math.inf, k
        here = min(here, before - refill * j)
        here_begun = min(here_begun, before - refill * begins)
        before += ok
        most = max(most, before - refill * (j + 1) - here, before - refill * ends - earlier)
    return most


def _plateau(steps: list[StepRecord]) -> float | None:
    """Lowest positive success rate (the window's tail: a draining burst inflates the rest)
    among steps refused by throttling or by shedding load (HTTP 503, JD's 10020 system busy),
    but for steps refused without a burst (:func:`_no_burst`), drain steps that were no bucket's,
    and steps whose rate passed when run again (a recheck, a drain)."""
    burstless = _no_burst(steps)
    again = {s.rate for s in steps if s.phase in ("recheck", "drain") and s.good}
    return min((r for s in _refused(steps)
                if s not in burstless and s.phase != "recheck" and not s.no_bucket
                and (r := _refill_seen(s)) > 0
                and s.rate not in again),
               default=None)  # fmt: skip


def _refill_seen(step: StepRecord) -> float:
    """What a refused step's window shows a bucket refills: its tail (:func:`_delivered`), or,
    when its warm-up was refused too (the bucket ran dry before the window, no burst left to
    inflate it), the whole window's success rate, three seconds' worth, not the tail's one. A
    refill in lumps at random times (session 25's ``lumpy-refill``, 20/s) served 21, 21, 17 in
    such a window, and the tail's 17/s capped the limit: 17/s, "exact". Only for answers fast
    enough to be counted in the second they were sent (a slow one of the warm-up is the
    window's: a bucket that slows above 15/s read 21.9/s, 20/s)."""
    r, tail = step.result, _delivered(step)
    fast = (r.p99_ms or 0.0) <= FAST_P99_MS  # else the warm-up's answers came in the window
    if r.mix_ok_rps is None and r.warmup_refused and fast and r.ok_rps > tail:
        return r.ok_rps
    return tail


FAST_P99_MS = 50.0  # answers this fast move few of a second's successes into the next second


def _windowed(step: StepRecord) -> bool:
    """A step that refused a whole second yet served in others (a window's count, a quota, a
    lockout): no token bucket does that, it serves its refill every second, so what its tail
    delivered may be no refill rate but where the step's end fell in the service's window (a
    sliding log of 100 per any 5 s, 20/s, delivered 10 ok/s there: session 22 reported 10/s,
    "exact"). Such a plateau under a rate that passed is put to a recheck however small a
    burst would explain it."""
    around = step.result.served_around
    return (bool(step.result.refused_whole_s) and around is not None and sum(around) > 0) or _rose(
        step
    )


RISE_RATIO, RISE_MIN = 1.5, 5  # a second of a refused step serving this much more than one before


def _rose(step: StepRecord) -> bool:
    """A throttled step whose window served a second far more than an earlier one (8, 32, 8 ok/s
    against 40 per wall-clock 2 s): no token bucket does that, it falls to its refill as its burst
    drains and holds there; a window's count that began again does."""
    # the seconds after the window too (session 25: a fixed window of 80 per 4 s served 29, 22,
    # 17 of a 28.7/s step's window and 29 in the second after; its 17 read a bucket's refill,
    # 17/s "exact"): a second cut short there serves less, which shows no rise
    ok = step.result.window_ok + step.result.after_ok
    # Not "refused in a second, far less in the next" (40, 24, 12 ok/s at 40/s, a window running
    # out): a bucket whose burst runs out mid-second does that too (39, 20, 20 at 80/s, 7.5 s of
    # burst at 20/s), and that reading read right
    return _failed_by(step, "throttled") and any(
        b >= RISE_RATIO * a and b - a >= RISE_MIN for i, a in enumerate(ok) for b in ok[i + 1 :]
    )


NO_BURST_SHARE = 1e-9  # a warm-up refused at all (from rest) had no burst to serve it
NO_BURST_RATIO = 0.8  # ... when refused about as much as the window (a burst drains: it is less)


def _no_burst(steps: list[StepRecord]) -> list[StepRecord]:
    """Throttled steps refused from their first second (about as much as in their window)
    though they started from rest, by a service answering at once (under one request in
    flight): a bucket without a burst (a strict one). Its refill is no plateau: each send it
    refuses for arriving early wastes the refill (sent evenly at 2L, a bucket of one request
    at L serves L; at 1.01 L, about L / 2), so the rates themselves decide (session 19: a
    bucket of one request at 20/s was reported at 13/s, what its refused steps delivered). Once
    a step from rest shows it, a step refused so after a refusal is the strict bucket's too (it
    has no burst to refill): session 26, started at 1/s, a strict bucket of 20/s refused 32/s
    from rest, then its 24/s bisect step (12 ok/s) capped the limit at 12/s, "exact"."""
    strict = [
        s for s in steps
        if _failed_by(s, "throttled")
        # a burst serves the warm-up more than the window: a strict bucket refuses both alike
        and (s.result.warmup_throttled or 0.0)
        >= max(NO_BURST_SHARE, NO_BURST_RATIO * s.result.throttled_rate)
        and _delivered(s) * (s.result.p50_ms or 0.0) / 1000.0 < 1.0
    ]  # fmt: skip
    return strict if any(s.rested for s in strict) else []


def _thin(step: StepRecord, resolution: float) -> bool:
    """A step failed by throttling alone that still delivered its rate (within ``resolution``):
    a rate limit under its rate leaves a plateau under it, so a refusal or two of a short window
    (one in 30 is 3 %) may be chance. Session 24: a bucket of 20/s refusing 0.5 % at random
    refused 1 of the first 10/s step's 30 and the search bisected under it: 9.7/s, "exact"."""
    r, least = step.result, step.rate * (1 - resolution)
    one = 1.0 / r.window_s if r.window_s else 0.0  # a request of the window
    return (
        all(why.startswith("throttled") for why in step.reasons)
        and _delivered(step) >= least - 1.0
        and r.ok_rps >= least - one
    )


def _undrained(step: StepRecord, resolution: float) -> bool:
    """A step refused by throttling whose window's seconds before its last served its rate in
    full: the refusals began in the last second, the one its plateau is read from, so a burst
    ran out within it and its tail is more than the refill. Session 24: a bucket of 20/s holding
    3.5 s of it, its 40/s step serving 40, 40, 29, then a bisect step 29, 29, 23, read 23/s."""
    ok, least = step.result.window_ok, step.rate * (1 - resolution) - 1.0
    return (
        _failed_by(step, "throttled")
        and len(ok) >= 2
        and all(n >= least for n in ok[:-1])
        and ok[-1] < least
    )


def _drained(again: StepRecord, first: StepRecord) -> bool:
    """Whether ``again`` (``first``'s rate at once after it) is what a drained bucket shows:
    refused, delivering less than ``first``'s tail, no second rising over an earlier one and none
    refused whole (a bucket serves its refill every second; a quota that ran out does not)."""
    return (
        _failed_by(again, "throttled")
        and _delivered(again) < _delivered(first)
        and not _windowed(again)
        and not again.result.refused_whole_s
    )


def _all_thin(steps: list[StepRecord], resolution: float) -> bool:
    """Whether some step was refused and every refused step was refused a little (:func:`_thin`)."""
    refused = _refused(steps)
    return bool(refused) and all(_thin(s, resolution) for s in refused)


def _refused(steps: list[StepRecord]) -> list[StepRecord]:
    return [s for s in steps if _failed_by(s, "throttled") or _shed(s)]


def _mix_unconfirmed(steps: list[StepRecord], closing: StepRecord) -> tuple[str, ...]:
    """The operations ``closing`` left out of its refused share (``mix_free``) that no refused
    step at another rate also refused none of. Session 23's review: one step's luck (liveCode
    always sent as the bucket refilled) read a token of 20/s in a mix of 60/s at 40/s, "exact"."""
    others = [s for s in _refused(steps) if s.rate != closing.rate
              and s.result.mix_ok_rps is not None]  # fmt: skip
    return tuple(
        op for op in closing.result.mix_free
        if not any(op in s.result.mix_free + s.result.mix_unrefused for s in others)
    )  # fmt: skip


def _delivered(step: StepRecord) -> float:
    r = step.result
    if r.mix_ok_rps is not None:
        return r.mix_ok_rps
    return r.ok_rps if r.tail_ok_rps is None else r.tail_ok_rps


def _refusals(step: StepRecord) -> str:
    r = step.result
    return f"throttled {r.throttled_rate:.1%}" if r.throttled_rate else f"shed {r.shed_rate:.1%}"


def _not_by_rate(
    steps: list[StepRecord], shed: bool = False, excused: list[StepRecord] | None = None
) -> tuple[StepRecord, StepRecord] | None:
    """A throttled step (``shed``: one shed, not throttled) below 3/4 of what another refused
    step delivered, and that step: a token bucket refuses no steady rate below what it delivers
    when overloaded. A step shed there (HTTP 503, system busy) is no such evidence: server
    errors at a rate the service serves are a finding (its plateau caps the limit), not a
    reason to name none. ``excused``: refused steps whose rate passed when run again (by chance).
    A step that passed by a late clump's refusals forgiven (``forgiven``) is no low one: they
    are explained (session 27: taken for refusals, 0.5 % refused at random read this at 10/s)."""
    refused = _refused(steps)
    pairs = ((low, high) for low in refused if _failed_by(low, "throttled") != shed
             and low not in (excused or ())
             for high in refused if low.rate < 0.75 * _delivered(high))  # fmt: skip
    return next(pairs, None)


def _quiet(step: StepRecord) -> bool:
    """A step that passed without a refusal: the next one starts from rest."""
    r = step.result
    return step.good and r.throttled_rate == 0 and r.shed_rate == 0


def _in_flight_at_plateau(
    steps: list[StepRecord], plateau: float | None, bad: float | None, resolution: float
) -> tuple[float, StepRecord] | None:
    """Requests the plateau's step held in flight (Little's law), and that step, when the
    plateau closed the bracket and the service held one or more without naming a QPS limit."""
    if plateau is None or bad is None or plateau * (1 + resolution) >= bad:
        return None
    # of the refused steps that delivered the plateau, the one that held the most: a step refused
    # half its sends answers most of them at once, its median is a refusal's (session 26: a
    # concurrency limit searched from 1/s, its 32/s and 24/s steps both 16 ok/s, the first's
    # median 2 ms, read 16.3/s, "exact")
    closing = max(
        (s for s in _refused(steps) if _refill_seen(s) == plateau),
        key=lambda s: s.result.p50_ms or 0.0,
    )
    held = plateau * (closing.result.p50_ms or 0.0) / 1000.0
    says_qps = closing.result.qps_rate >= closing.result.throttled_rate > 0
    # held by waiting, not by being served: a queue in front of a rate limit (nginx's limit_req
    # delays what is over its rate, then answers 503) holds requests only once overloaded, where
    # a concurrency limit holds each for its service time at any rate
    served_in = min((s.result.p50_ms for s in steps if s.good and s.result.p50_ms), default=None)
    queued = served_in is not None and (closing.result.p50_ms or 0.0) > QUEUED_P50 * served_in
    return (held, closing) if held >= 1.0 and not says_qps and not queued else None


QUEUED_P50 = 3.0  # a refused step's median this many times a passing one's: it waited in a queue


def _interpret(
    steps: list[StepRecord], knee_factor: float, excused: Sequence[StepRecord] = ()
) -> tuple[float | None, float | None]:
    """The knee and what the lowest saturated step delivered, but for ``excused`` steps (refused,
    then passed when run again: what they delivered is no saturation)."""
    good = [s for s in steps if s.good and s.result.p99_ms is not None]
    best = min((s.result.p99_ms or math.inf for s in good), default=0.0)
    bound = knee_factor * max(best, 1e-3)
    knee = max((s.rate for s in good if (s.result.p99_ms or math.inf) <= bound), default=None)
    saturated = [s.result.ok_rps for s in steps
                 if _failed_by(s, "throttled", "achieved") and s not in excused]  # fmt: skip
    return knee, (min(saturated) if saturated else None)


def _shed(step: StepRecord) -> bool:
    r = step.result
    return _failed_by(step, "errors") and r.shed_rate > 0 and 2 * r.shed_rate >= r.error_rate


def _erred_under(
    steps: list[StepRecord], limit: float, resolution: float, excused: Sequence[StepRecord]
) -> StepRecord | None:
    """The step above ``limit`` that failed on errors alone (no throttling, no shedding: those
    set the plateau) and delivered least, when that is clearly under ``limit``: a service that
    errs over its capacity (internal 50000, JD 50 系统错误) bursts past it in a short step (20/s
    with a second of burst read 24.4/s, "exact")."""
    erred = [s for s in steps if s.rate > limit and s not in excused and _failed_by(s, "errors")
             and not _failed_by(s, "throttled") and not _shed(s)]  # fmt: skip
    low = min(erred, key=_delivered, default=None)
    return low if low is not None and _delivered(low) < limit * (1 - resolution) else None


def _slowed(steps: Sequence[StepRecord], slo_p99_ms: float) -> tuple[StepRecord, StepRecord] | None:
    """Two steps failed on latency alone (no refusal, no error), the later one at a lower rate
    and over :data:`SLOWED_RATIO` times slower, while the steps that passed slowed as much
    from the first to the last, by a tenth of the SLO at least (not a loaded runner's few ms): a
    service slowing with time (a leak). A limit by the rate is slower at a higher one, and a
    queue kept from one step to the next passed its steps under the limit at one latency."""
    good = [s.result.p99_ms or 0.0 for s in steps if s.good]
    if len(good) < 2 or good[-1] < max(SLOWED_RATIO * good[0], good[0] + slo_p99_ms / 10):
        return None
    slow = [s for s in steps if _failed_by(s, "p99") and not _failed_by(s, "throttled", "errors")]
    for i, early in enumerate(slow):
        for late in slow[i + 1 :]:
            if late.rate < early.rate and (late.result.p99_ms or 0.0) > SLOWED_RATIO * (
                early.result.p99_ms or 0.0
            ):
                return early, late
    return None


def _failed_by(step: StepRecord, *prefixes: str) -> bool:
    return not step.good and any(r.startswith(prefixes) for r in step.reasons)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


_STOPS = (  # what stopped a search short of a failing rate: its label, how to go higher
    (STOP_CEILING, "search ceiling", ""),
    ("request budget", "request budget", "raise --max-requests"),
    ("time budget", "time budget", "raise --time-budget"),
    ("max_steps", "step limit", "start nearer the limit with --start-rate"),
)


def stop_label(stopped_by: str | None) -> str:
    text = stopped_by or ""
    found = (label for prefix, label, _ in _STOPS if text.startswith(prefix))
    return next(found, text or "search stopped")


def search_higher(stopped_by: str | None) -> str:
    label = stop_label(stopped_by)
    hint = next((hint for _, name, hint in _STOPS if name == label), "")
    return hint or "raise --max-rate (a live target also needs --allow-costly-load or --max-rps 0)"


def describe_limit(rps: float | None, bound: str | None, stopped_by: str | None = None) -> str:
    """The limit as read: "37.5/s", "at least 20/s (search ceiling)", "below 0.0625/s ..."."""
    if rps is None:
        return "not measured"
    shown = f"{rps:.1f}".removesuffix(".0") if rps >= 1 else f"{rps:.3g}"
    if bound == "lower":
        return f"at least {shown}/s ({stop_label(stopped_by)})"
    if bound == "upper":
        return f"below {shown}/s (no rate passed)"
    return f"{shown}/s"
