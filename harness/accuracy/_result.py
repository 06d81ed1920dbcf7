"""Raw outcomes -> each API's accuracy metrics -> the suite result and ``accuracy.json``. Every
claim rests on a reading (E-044, E-036): a tested one is recorded in the run's ``ReadingLog``, and
a contradicted one is a finding only when the gate policy requires that reading (an untestable one
says nothing of the service); a run that tested no claim is ``inconclusive``, never a pass."""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal

from harness.contract import (
    Code,
    Contract,
    ReadingLog,
    compares,
    load_contract,
    observe_reading,
)
from harness.faces import PoolImage
from harness.pacing import Budget, BudgetExhausted, Clock, Pacer, Sleep
from harness.results import AccuracySuiteResult, CheckResult, Finding, derive_status

from ._data import (
    OFF_SCALE_ABOVE,
    OFF_SCALES,
    Dataset,
    Outcome,
    OutcomeCache,
    PairImages,
    select_pairs,
)
from ._repeat import REPEAT_PAIRS, Ask, observe_repeats, repeat_findings
from ._stats import (
    Claim,
    Verdict,
    VerdictName,
    clopper_pearson,
    decided_against_score,
    det_curve,
    eer_with_interval,
    judge_claim,
    rate,
    repeats_over,
    score_histogram,
)

_CLASSES = {True: "genuine", False: "impostor"}
Describe = Callable[[PoolImage], tuple[str, int]]  # an image -> (format, shorter side) as sent


@dataclass(frozen=True, slots=True)
class AccuracyResult:
    """Accuracy of one API on one target; ``thresholds``: one row per operating point."""

    api: str
    target: str
    planned: dict[str, int]
    outcomes: dict[str, dict[str, int]]
    codes: dict[str, int]
    thresholds: list[dict[str, Any]]
    eer: dict[str, Any] | None
    det: dict[str, list[float]] | None
    histogram: dict[str, list[float]] | None
    run: dict[str, Any]  # how the figures were obtained: differs between a fresh and a resumed run
    # pairs with a score and a decision: how many decided against the score at best, and where
    decisions: dict[str, Any] | None = None
    # a sample of pairs asked again and swapped: how many answered otherwise (ERRATA E-075)
    repeats: dict[str, Any] | None = None
    # images the service declined (FTA) in every pair it answered for them, by sha256 prefix
    fta_images: list[str] | None = None
    # declined pairs whose images were both compared in other pairs, and the images declined in
    # every pair by format and shorter side of the bytes sent (:func:`fta_breakdown`)
    fta_breakdown: dict[str, Any] | None = None

    @property
    def measured(self) -> dict[str, int]:
        return {cls: sum(counts.values()) for cls, counts in self.outcomes.items()}

    @property
    def complete(self) -> bool:
        return self.measured == self.planned

    def to_dict(self) -> dict[str, Any]:
        measured = self.measured
        return {
            "api": self.api,
            "target": self.target,
            "complete": self.complete,
            "pairs": {
                "planned": dict(self.planned),
                "measured": measured,
                "pending": sum(self.planned.values()) - sum(measured.values()),
            },
            "outcomes": {cls: dict(counts) for cls, counts in self.outcomes.items()},
            "fta_rate": {
                cls: rate(counts["fta"], counts["ok"] + counts["fta"])
                for cls, counts in self.outcomes.items()
            },
            "codes": dict(sorted(self.codes.items())),
            "thresholds": self.thresholds,
            "eer": self.eer,
            "det": self.det,
            "histogram": self.histogram,
            "run": dict(self.run),
            "decisions": self.decisions,
            "repeats": self.repeats,
            "fta_images": self.fta_images,
            "fta_breakdown": self.fta_breakdown,
        }


def run_accuracy(
    pairs: Iterable[PairImages],
    compare: Callable[[PairImages], Outcome],
    *,
    cache: OutcomeCache,
    claims: Sequence[Claim],
    target: str,
    api: str,
    progress: Callable[[int, int], None] | None = None,
    max_pairs: int | None = None,
    seed: int = 0,
    max_rps: float | None = None,
    max_requests: int = 0,
    cache_only: bool = False,
    max_seconds: float | None = None,
    cache_errors: bool = False,
    keeps: Callable[[Outcome], bool] | None = None,
    contract: Contract | None = None,
    budget: Budget | None = None,
    bootstrap_replicates: int = 1000,
    score_range: tuple[float, float] | None = None,
    again: Ask | None = None,
    reserve: int = 0,
    describe: Describe | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> AccuracyResult:
    """Measure one API on one target and judge its claims. ``"error"`` outcomes are not cached
    unless ``cache_errors`` (a 503 is about the moment, not the pair) or ``keeps`` says the same
    request would get the same refusal (``run["final_errors"]`` counts those measured). Then
    ``again`` (pair, swapped) asks a small sample of the answered pairs again and swapped, with
    what the budget has left beyond ``reserve`` requests (the next APIs' pairs come first) and
    once every pair is measured (:mod:`._repeat`). ``describe`` gives an image's format and
    shorter side as sent, for the breakdown of the failures to acquire. ``contract``: the code
    table the errors are read by (:func:`answerable`; the repository's when None)."""
    planned = select_pairs(pairs, max_pairs, seed=seed)
    spends = budget is None  # else compare's sender spends it
    budget = budget or Budget(max_requests, max_seconds or 0, clock=clock)
    pacer = Pacer(max_rps or 0, clock=clock, sleep=sleep, budget=budget)
    before = budget.used  # charged before the pairs (a caller's preflight): no pair's calls
    measured: list[tuple[PairImages, Outcome]] = []
    from_cache, exhausted = 0, False
    for done, pair in enumerate(planned, start=1):
        outcome = cache.get(target, api, pair.key)
        if outcome is not None:
            from_cache += 1
        else:
            if exhausted or cache_only or not budget.allows():
                exhausted = True  # keep going: later pairs may still be in the cache
                continue
            try:
                pacer.wait()
                if spends:
                    budget.spend()
                outcome = compare(pair)
            except BudgetExhausted:  # the time ran out while pacing, or a stop was asked for:
                exhausted = True  # what was measured is kept and judged (the gate's stage limit)
                continue
            if not isinstance(outcome, Outcome):
                raise TypeError(f"compare() must return an Outcome, got {type(outcome).__name__}")
            if outcome.category != "error" or cache_errors or keeps and keeps(outcome):
                cache.put(target, api, pair.key, outcome)
        measured.append((pair, outcome))
        if progress is not None:
            progress(done, len(planned))

    def ask(pair: PairImages, swapped: bool) -> Outcome:
        assert again is not None and budget is not None
        if spends:
            budget.spend()
        return again(pair, swapped)

    repeats = observe_repeats(
        measured,
        None if again is None else ask,
        cache,
        target=target,
        api=api,
        allows=lambda: not (exhausted or cache_only) and budget.allows(1 + reserve),
        wait=pacer.wait,
        score_range=score_range,
        seed=seed,
    )
    repeat_calls = repeats.pop("calls")
    retold = repeats.pop("answers")  # (pair, first answer, a repeat's, swapped): E-098
    counts: dict[str, dict[str, int]] = {
        name: {"ok": 0, "fta": 0, "error": 0} for name in _CLASSES.values()
    }
    for pair, outcome in measured:
        counts[_CLASSES[pair.genuine]][outcome.category] += 1
    fta = {cls: c["fta"] for cls, c in counts.items()}
    ok = [(p, o) for p, o in measured if o.category == "ok"]
    table = contract or load_contract()
    # errors another try could answer (unknown at a claim), and documented declines (no
    # comparison, none another try would get: left out like FTA)
    failed: list[PairImages] = []
    declines: list[tuple[PairImages, Outcome]] = []
    for p, o in measured:
        if o.category == "error":
            if answerable(table, api, o):
                failed.append(p)
            else:
                declines.append((p, o))
    declined_pairs = {
        cls: sum(p.genuine == (cls == "genuine") for p, _ in declines) for cls in _CLASSES.values()
    }
    # of them, genuine pairs refused about their images (liveness, an image parameter): in FRR
    turned_away = sum(
        p.genuine and about_images(code_meaning(table, api, o.code)) for p, o in declines
    )

    scored = [(p, o.score) for p, o in ok if o.score is not None]
    genuine_scores = [(s, p.first.identity) for p, s in scored if p.genuine]
    impostor_scores = [(s, p.subjects) for p, s in scored if not p.genuine]
    eer = det = histogram = None
    if genuine_scores and impostor_scores:
        (g, g_subjects), (i, i_subjects) = zip(*genuine_scores), zip(*impostor_scores)
        eer = eer_with_interval(
            g, g_subjects, i, i_subjects, replicates=bootstrap_replicates, seed=seed
        )
        det = det_curve(g, i)
        histogram = score_histogram(g, i, score_range=score_range)

    both = [(o.score, o.decision) for _, o in ok if o.score is not None and o.decision is not None]
    decisions = None
    if both:
        scores, decided = zip(*both)
        against, at = decided_against_score(scores, decided)
        decisions = {
            "pairs": len(both),
            "accepted": sum(decided),  # of them: 0 or all, and no threshold is tested by them
            "against_score": against,
            "best_threshold": at,
        }

    n_genuine = sum(p.genuine for p in planned)
    by_image = declined_by_image(measured, [p for p, _ in declines])
    answered: dict[str, set[str]] = {}  # image -> the categories of its pairs' answers
    for pair, outcome in measured:
        if outcome.category != "error":
            for img in (pair.first, pair.second):
                answered.setdefault(img.sha256, set()).add(outcome.category)
    declined = sorted(sha[:12] for sha, got in answered.items() if got == {"fta"})
    return AccuracyResult(
        api=api,
        target=target,
        planned={"genuine": n_genuine, "impostor": len(planned) - n_genuine},
        outcomes=counts,
        codes=dict(Counter(o.code for _, o in measured)),
        thresholds=tie_scale(
            [
                _claim_row(c, ok, fta, failed, declined_pairs, turned_away, retold, by_image)
                for c in claims
            ],
            api,
            score_range,
            max((s for _, s in scored), default=None),
            off_scale=sum(o.code in OFF_SCALES for _, o in measured),
            in_range=len(scored),
            above=sum(o.code == OFF_SCALE_ABOVE for _, o in measured),
        ),
        eer=eer,
        det=det,
        histogram=histogram,
        run={
            "calls": budget.used - before - getattr(compare, "overhead", 0),
            **({} if again is None else {"repeat_calls": repeat_calls}),  # of the calls
            "from_cache": from_cache,
            "budget_exhausted": exhausted,
            "final_errors": sum(
                bool(keeps and o.category == "error" and keeps(o)) for _, o in measured
            ),
        },
        decisions=decisions,
        repeats=repeats if repeats["pairs"] else None,
        fta_images=declined,
        fta_breakdown=fta_breakdown(measured, answered, describe) if any(fta.values()) else None,
    )


def declined_by_image(
    measured: Sequence[tuple[PairImages, Outcome]], declines: Sequence[PairImages]
) -> tuple[int, int]:
    """The declined (impostor, genuine) pairs, failures to acquire and documented ``declines``,
    with an image declined in every pair it is in that got an answer other than an error another
    try could answer (ERRATA E-097): a decline of the image, whoever it is paired with."""
    refused = {p.key for p in declines} | {p.key for p, o in measured if o.category == "fta"}
    kinds: dict[str, set[bool]] = {}  # image -> whether its pairs were declined
    for p, o in measured:
        if o.category == "ok" or p.key in refused:
            for img in (p.first, p.second):
                kinds.setdefault(img.sha256, set()).add(p.key in refused)
    throughout = {sha for sha, got in kinds.items() if got == {True}}
    pairs = {p.key: p for p, _ in measured if p.key in refused}.values()
    hit = [p.genuine for p in pairs if {p.first.sha256, p.second.sha256} & throughout]
    return hit.count(False), hit.count(True)


SIDE_BANDS: Final = (300, 600)  # shorter side in pixels: the bands of the breakdown


def _band(side: int) -> str:
    low, high = SIDE_BANDS
    if side <= 0:  # a header that could not be read
        return "size unknown"
    if side < low:
        return f"under {low} px"
    return f"{low}-{high - 1} px" if side < high else f"{high} px or more"


def fta_breakdown(
    measured: Sequence[tuple[PairImages, Outcome]],
    answered: dict[str, set[str]],
    describe: Describe | None,
) -> dict[str, Any]:
    """What the failures to acquire follow. ``not_following_an_image``: declined pairs whose two
    images the service compared in other pairs, so no image alone explains the refusal (a load,
    a quota, a check of the pair). ``by_format`` / ``by_shorter_side``: per kind of image sent,
    the images answered in any pair and those declined in every one (a detector blind to PNGs
    or to small images shows as one kind declined throughout)."""
    compared = {sha for sha, got in answered.items() if "ok" in got}
    refused = [p for p, o in measured if o.category == "fta"]
    out: dict[str, Any] = {
        "declined_pairs": len(refused),
        "not_following_an_image": sum(
            p.first.sha256 in compared and p.second.sha256 in compared for p in refused
        ),
    }
    if describe is None:
        return out
    kinds: dict[str, dict[str, dict[str, int]]] = {"by_format": {}, "by_shorter_side": {}}
    images = {img.sha256: img for p, _ in measured for img in (p.first, p.second)}
    for sha, got in sorted(answered.items()):
        fmt, side = describe(images[sha])
        for kind, key in (("by_format", fmt), ("by_shorter_side", _band(side))):
            tally = kinds[kind].setdefault(key, {"images": 0, "declined_in_every_pair": 0})
            tally["images"] += 1
            tally["declined_in_every_pair"] += got == {"fta"}
    bands = [_band(1), _band(SIDE_BANDS[0]), _band(SIDE_BANDS[1]), _band(0)]
    kinds["by_format"] = dict(sorted(kinds["by_format"].items()))
    kinds["by_shorter_side"] = {
        b: kinds["by_shorter_side"][b] for b in bands if b in kinds["by_shorter_side"]
    }
    return {**out, **kinds}


def code_meaning(contract: Contract, api: str, code: str) -> Code | None:
    """The code table's entry for an outcome's code (None: a transport failure, a malformed
    answer, a code no table names)."""
    at_gateway = code.startswith("gateway:")
    where = "errcode" if api == "match" else "gateway" if at_gateway else "business"
    return contract.codes.get(api, where, code.removeprefix("gateway:"))


def about_images(meaning: Code | None) -> bool:
    """Whether a refusal describes the presented images (codes.yaml ``about``): a genuine pair
    so declined counts in FRR, and the refusal is cached as final (``ServiceCompare.final``);
    one about the caller (JD 1159 risk control, 1107/1109 real name, 1162 its fixed fields,
    1103, 3000) is neither, so a risk control turning away 15 % of the calls whatever the pair
    does not read as a matcher rejecting genuine users (review of session 24)."""
    return meaning is not None and meaning.about == "images"


def answerable(contract: Contract, api: str, outcome: Outcome) -> bool:
    """Whether another try could answer an error outcome: a transport failure, a malformed
    answer, a code no table names, a success without a usable score (E-011), or a code the
    table (codes.yaml, ``--codes``) calls retryable (internal errors, throttling that ran out).
    An impostor pair so failed is unknown at a claim. A documented code (or the team's) it calls
    final that is no success (a liveness check, risk control, an invalid parameter, the image's
    quality) is a decline: left out like a failure to acquire (ISO/IEC 19795-1), or a service
    declining 2 % of the pairs could never be tested (review of session 23)."""
    meaning = code_meaning(contract, api, outcome.code)
    if meaning is None or meaning.retryable or meaning.category in ("success", "quota"):
        return True
    if compares(contract, api, meaning.code):  # a comparison whose score is no number: no
        return True  # decline (left out, a shrunk count of non-matches inflated the rate)
    # the internal API's codes are faceharness' guess (E-014) unless a team's table names them
    return not (
        meaning.documented or (meaning.api, meaning.where, meaning.code) in contract.codes.own
    )


def _claim_row(
    claim: Claim,
    ok: list[tuple[PairImages, Outcome]],
    fta: dict[str, int],
    failed: Sequence[PairImages] = (),
    declines: dict[str, int] | None = None,
    turned_away: int = 0,
    retold: Sequence[Retold] = (),
    by_image: tuple[int, int] = (0, 0),
) -> dict[str, Any]:
    """Error rates at one claimed operating point and the verdict. Impostor pairs share subjects,
    so these binomial intervals are somewhat optimistic (the EER's subject bootstrap is not).
    ``failed``: impostor pairs that got no usable answer (errors): unknown at the claim, as a
    pair without a score is, since a service failing on the pairs it would match falsely must
    not look clean (a failure to acquire is counted apart, ISO/IEC 19795-1). ``declines``: pairs
    per class a documented code declined (:func:`answerable`): left out of FMR and FNMR as a
    failure to acquire is. ``turned_away``: the genuine ones whose code is about the presented
    images (:func:`about_images`: JD 1157 liveness, 100 invalid parameter), in FRR as a failure
    to acquire is (audit round 13: a service turning away genuine users with 1157 kept its FRR
    clean); one about the caller (1159 risk control, 1107 real name) says nothing of matching
    and stays out of FRR (review of session 24: a perfect matcher failed max_frr = 0.10) unless
    such declines fall on genuine pairs more than on impostor ones. FRR counts too, as users
    turned away under every reading, the genuine pairs answered a bare 1155 and those ``failed``
    where the errors fall on genuine pairs (``frr_undecided``; review of session 29).
    ``by_image``: of the declined (impostor, genuine) pairs, those with an image declined in
    every pair it is in (:func:`declined_by_image`), which the declines' test leaves out.
    ``retold``: the repeat sample's answers (pair, first answer, this one, swapped), E-098."""
    tally: Counter[tuple[bool, bool | None]] = Counter(
        (p.genuine, claim.accepts(o.score, o.decision)) for p, o in ok
    )
    # genuine pairs that got no usable answer on the run's last try: out of FNMR (a gate's
    # max_fnmr holds only with them as rejections), in FRR as users turned away where the errors
    # fall on genuine pairs (session 29, jd-hides-genuine-rejections: 50 系统错误 or a bare 1155
    # on the genuine pairs it rejects read FNMR 0 in 13)
    failed_genuine = sum(p.genuine for p in failed)
    # genuine pairs answered a bare 1155 (no score, no result: no decision under E-088, yet no
    # user let through under any reading): out of FNMR, in FRR
    bare = sum(
        p.genuine and o.score is None and o.decision is None and o.code != "0" for p, o in ok
    )
    failed = [p for p in failed if not p.genuine]
    declines = declines or {}
    # genuine pairs the service declined to compare: FTA, or a refusal about the images (1157)
    declined = fta.get("genuine", 0) + turned_away
    # the repeat sample's pairs asked again or swapped (ERRATA E-098): a swapped answer that
    # decides the pair at this claim is one more comparison of it (the run's order is the
    # images' sha256, no role: the swapped order is as much the claim's as the run's); one asked
    # again in the same order is the same comparison, another only when the service draws its
    # answers per call (``drawn``: a pair asked again was decided otherwise at this claim; a
    # score jitter no decision follows is no draw, review of session 26). When one of a class
    # decides otherwise than its pair's first answer, every one of that class that counts does,
    # agreeing or not (review of session 25: counting only those that differ counted a crossing
    # in one trial, and the agreeing repeats in none); when every one agrees, none counts (a
    # service answering alike is judged exactly as without its sample). Genuine pairs alike
    # (audit round 15, order-rejects: a service rejecting every genuine pair sent the other way
    # round kept FNMR 0)
    drawn = _drawn(claim, retold)
    repeated = _retold(claim, retold, False, drawn)
    retold_genuine = _retold(claim, retold, True, drawn)
    for _, got, _ in retold_genuine:
        tally[(True, got)] += 1
    otherwise = [p for p, _, differs in repeated if differs]
    order_matches = sum(bool(got) for _, got, _ in repeated)
    false_matches = tally[(False, True)] + order_matches
    impostor = tally[(False, True)] + tally[(False, False)] + len(repeated)
    false_non_matches = tally[(True, False)]
    genuine = tally[(True, True)] + false_non_matches
    people: dict[frozenset[str], set[bool | None]] = {}  # pair of people -> what it got
    for p, o in ok:
        if not p.genuine:
            people.setdefault(frozenset(p.subjects), set()).add(claim.accepts(o.score, o.decision))
    for p in failed:
        people.setdefault(frozenset(p.subjects), set()).add(None)
    for p, got, _ in repeated:
        people.setdefault(frozenset(p.subjects), set()).add(got)
    matched = sum(True in got for got in people.values())
    unknown = sum(True not in got and None in got for got in people.values())
    verdict = _judged(
        claim,
        false_matches,
        impostor,
        tally[(False, None)] + len(failed),
        tally[(True, True)],
        people=((matched, len(people)), (matched + unknown, len(people))),
        genuine=genuine,
        failed=len(failed),
    )
    # impostor pairs declined (FTA, a documented decline): left out of FMR (ISO/IEC 19795-1), yet
    # each may hide a false match; their bound, and a verdict it reaches (ERRATA E-097)
    hidden = fta.get("impostor", 0) + declines.get("impostor", 0)
    genuine_declined = fta.get("genuine", 0) + declines.get("genuine", 0)
    presented = (
        (impostor + tally[(False, None)] + len(failed) + hidden, hidden),
        (genuine + tally[(True, None)] + genuine_declined, genuine_declined),
    )
    # genuine pairs declined about the caller (risk control 1159: in neither FNMR nor FRR) but
    # where the declines fall on genuine pairs more than on impostor ones: turned away, in FRR
    caller = _genuine_declines_unknown(declines.get("genuine", 0) - turned_away, presented)
    # genuine pairs without a usable answer on the run's last try, where the errors fall on
    # genuine pairs more than on impostor ones (the same test): a service erroring on the genuine
    # pairs it rejects turns them away; one erroring at random on any pair (flaky-500, legit) is
    # about the moment, unknown at FNMR and FRR alike
    erred = _genuine_declines_unknown(
        failed_genuine,
        (
            (presented[0][0] - hidden, len(failed)),
            (presented[1][0] + failed_genuine, failed_genuine),
        ),
    )
    away = bare + erred + caller  # turned away under every reading, no decision
    bounded = (
        _declines_bound(claim, verdict, false_matches, impostor, hidden, presented, by_image)
        if hidden
        else None
    )
    if bounded is not None:
        verdict = bounded[0]
    order_decides = False  # consistent but for the order its repeats show (E-098)
    if repeated and verdict.verdict == "consistent" and not drawn:
        verdict = _order_doubt(claim, verdict, order_matches, len(repeated))
        order_decides = verdict.verdict == "untestable"
    reason = verdict.reason
    asked = (
        "asked again (a draw per call) or with the images swapped"
        if drawn
        else "the images swapped"
    )
    if otherwise:
        reason += (
            f" ({len(repeated)} of the impostor comparisons are the repeat sample's, {asked}, "
            f"{len(otherwise)} of them decided otherwise than the "
            f"pair's first answer, {order_matches} a false match: ERRATA E-098)"
        )
    if retold_genuine:
        reason += (
            f" ({len(retold_genuine)} of the genuine comparisons are the repeat sample's, "
            f"{asked}, {sum(differs for _, _, differs in retold_genuine)} of them decided "
            f"otherwise than the pair's first answer, "
            f"{sum(got is False for _, got, _ in retold_genuine)} a false non-match: ERRATA E-098)"
        )
    scores = [o.score for p, o in ok if not p.genuine and o.score is not None]
    top = max(scores) if claim.rule == "score>=" and scores else None
    if top is not None and not false_matches and claim.threshold is not None:
        # no false match says nothing of how near the impostor pairs came: a thin margin holds
        # on this sample, and a small shift of the scores would not
        reason += (
            f" (highest impostor score {top:g}, {claim.threshold - top:.3g} under "
            f"{claim.threshold:g})"
        )
    return {
        "claim": claim.name,
        "rule": claim.rule,
        "threshold": claim.threshold,
        "claimed_fmr": claim.claimed_fmr,
        "claimed_bound": "at_most" if claim.at_most else "exact",
        "fmr": rate(false_matches, impostor),
        "fmr_ci95": list(clopper_pearson(false_matches, impostor)),
        "fnmr": rate(false_non_matches, genuine),
        "fnmr_ci95": list(clopper_pearson(false_non_matches, genuine)),
        # ISO/IEC 19795-1 FRR = FTA + FNMR (1 - FTA): a genuine pair declined (no face found,
        # image quality) is a genuine user rejected too, which FNMR alone does not show; so is
        # one turned away without a decision under every reading (review of session 29)
        "frr": rate(false_non_matches + declined + away, genuine + declined + away),
        "frr_ci95": list(
            clopper_pearson(false_non_matches + declined + away, genuine + declined + away)
        ),
        "frr_errors": false_non_matches + declined + away,  # the gate's max_frr reads these
        "frr_trials": genuine + declined + away,
        # of them, turned away without a decision FNMR could count: a bare 1155, an error on
        # the run's last try, a decline about the caller falling on genuine pairs
        "frr_undecided": away,
        "bare_genuine": bare,  # of them: answered a bare 1155 (E-088)
        "no_answer_genuine_in_frr": erred,  # of them: errors falling on genuine pairs
        "false_matches": false_matches,
        "false_non_matches": false_non_matches,
        "genuine": genuine,
        "impostor": impostor,
        "pairs": genuine + impostor,
        "excluded": {"genuine": tally[(True, None)], "impostor": tally[(False, None)]},
        # of ``impostor`` and ``genuine``: the repeat sample's, and their errors (E-098)
        "retold_impostor": len(repeated),
        "retold_false_matches": order_matches,
        "retold_genuine": len(retold_genuine),
        "retold_false_non_matches": sum(got is False for _, got, _ in retold_genuine),
        # a pair asked again in the same order was decided otherwise at this claim: the repeats
        # are more draws of a service deciding per call, fairly pooled, not an order the run
        # under-samples (no order doubt, here nor at a gate's limit)
        "retold_drawn": drawn,
        # every genuine pair decided here has its swapped answer counted too (the sample grows
        # to them once the order changes one, _repeat.GENUINE_SWAPPED): FNMR is over both
        # orders of every pair, no longer a guess from a few (no order doubt at a gate's limit)
        "retold_genuine_every_pair": bool(retold_genuine)
        and _every_pair_swapped(claim, ok, retold),
        "order_decides": order_decides,  # untestable by the order alone: more photos won't help
        "no_answer_impostor": len(failed),  # errors: unknown at the claim, as ``excluded``
        "no_answer_genuine": failed_genuine,  # the gate's FNMR/FRR limits read them alike
        # genuine pairs declined about the caller (risk control 1159) where the declines fall
        # on genuine pairs more than on impostor ones: unknown at a gate's FNMR limit, in FRR
        # (session 29, jd-1159-genuine: 1159 on the genuine pairs it rejects read FNMR 0 in 13,
        # FRR 0, and passed max_fnmr and max_frr = 0.3)
        "declined_unknown_genuine": caller,
        "fta": dict(fta),
        "declined": {cls: declines.get(cls, 0) for cls in _CLASSES.values()},
        "declined_in_frr": turned_away,  # of the genuine ones: refused about their images
        # FMR were every impostor pair declined (FTA or a documented decline) a false match
        "fmr_with_declines": None if bounded is None else bounded[1],
        "verdict": verdict.verdict,
        "verdict_direction": verdict.direction,
        "verdict_reason": reason,
        "scale_unknown": verdict.reached_none and claim.rule == "score>=",  # text: tie_scale
        "impostor_score_max": top,
        "impostor_pairs_needed": verdict.impostor_pairs_needed,
        # pairs of people with a false match, of those decided: what the gate's FMR limit
        # reads beside the pairs (look-alike people are no evidence of a higher rate)
        "fmr_people": [matched, sum(bool(got - {None}) for got in people.values())],
    }


def _order_doubt(claim: Claim, verdict: Verdict, errors: int, trials: int) -> Verdict:
    """A ``consistent`` verdict whose repeat sample, the images swapped, decided impostor pairs
    otherwise than their first answers (ERRATA E-098): either order is a comparison the claim
    speaks of, but the run asks the other one only for its few repeats, so a service accepting
    every impostor pair sent the other way round reads as ``errors`` in ``trials`` among
    thousands of the run's order (audit round 15, order-accepts on the whole shared set: 1 false
    match in 357, the repeats' 1 in 2). Untestable, never contradicted (a handful of repeats),
    when the repeats' own rate exceeds the claim; not when it does not: the sample is capped
    (:data:`REPEAT_PAIRS`), so asking them to hold the claim alone could never be met, and a
    service scoring the two orders a little apart (the images have roles) stayed untestable for
    one borderline pair (review of session 26)."""
    if not repeats_over(errors, trials, claim.claimed_fmr):
        return verdict
    reason = (
        f"{verdict.reason}; but the repeat sample, with the images swapped, decided impostor "
        f"pairs otherwise than their first answers ({errors} false matches in {trials} of its "
        f"answers, above the claimed {claim.claimed_fmr:g}): the images' order decides, and the "
        f"run asks the other order only for its {REPEAT_PAIRS} repeat pairs at most, whatever "
        "the data set: the data cannot tell whether the claim holds (ERRATA E-098)"
    )
    return Verdict(
        "untestable",
        None,
        reason,
        verdict.impostor_pairs_needed,
        verdict.ci95,
        verdict.reached_none,
    )


Retold = tuple[PairImages, Outcome, Outcome, bool]  # (pair, first answer, a repeat's, swapped)


def _drawn(claim: Claim, retold: Sequence[Retold]) -> bool:
    """Whether the service draws its answers per call at ``claim``, so the repeats are more
    draws rather than an order the run under-samples: a pair asked again in the same order was
    decided otherwise there, or every swapped answer decided otherwise moved its score (in the
    direction of its new decision) no further than a pair of its class (genuine, impostor) asked
    again in the same order moved by itself in that direction (coin-per-call: the same order's
    draws explain the swapped ones; noise on impostor pairs does not explain a genuine pair's
    crossing). A score jitter smaller than the swapped change is no draw (review of session 26:
    a 0.05-point jitter made the repeats of order-rejects "draws" and switched the order doubt
    off), nor a move the other way (audit round 16, repeat-aware-order-rejects: a repeat scored
    25 points higher explained a genuine pair's swapped fall of 3 under the threshold), nor a
    decision changed at an unmoved score (a decision claim's ``result``)."""
    # the largest same-order move per (class, upward): a draw that moves scores down explains
    # a fall only, one that moves them up a rise only
    moved = {(cls, up): 0.0 for cls in (True, False) for up in (True, False)}
    crossed: list[tuple[bool, float | None]] = []  # (class, how far a swapped crossing moved)
    for pair, first, then, swapped in retold:
        was = claim.accepts(first.score, first.decision)
        got = claim.accepts(then.score, then.decision)
        delta = None
        if first.score is not None and then.score is not None:
            delta = then.score - first.score
        if not swapped:
            if None not in (was, got) and was != got:
                return True
            if delta:
                key = (pair.genuine, delta > 0)
                moved[key] = max(moved[key], abs(delta))
        elif None not in (was, got) and was != got:
            # a change of decision the score does not follow is not explained by its draws; an
            # unmoved score follows none (review of session 27: jd.result false at the same score
            # was "explained" by a draw of 0 and the swapped rejections pooled)
            follows = delta is not None and delta != 0 and (delta > 0) == got
            crossed.append((pair.genuine, delta if follows else None))
    return bool(crossed) and all(
        d is not None and abs(d) <= moved[(cls, d > 0)] for cls, d in crossed
    )


def _genuine_declines_unknown(
    caller: int, presented: tuple[tuple[int, int], tuple[int, int]]
) -> int:
    """``caller`` genuine pairs declined about the caller (left out of FNMR and FRR) when the
    declines fall on genuine pairs more than on impostor ones (one-sided Fisher exact test at
    5 %, the mirror of E-097's): a decline about the caller does not know whether the two photos
    are of one person, so such a share hides rejections. 0 otherwise."""
    from scipy.stats import fisher_exact

    (impostors, hidden), (genuines, declined) = presented
    if caller <= 0 or not genuines:
        return 0
    table = [[declined, genuines - declined], [hidden, impostors - hidden]]
    return caller if float(fisher_exact(table, alternative="greater").pvalue) < 0.05 else 0


def _every_pair_swapped(
    claim: Claim, ok: Sequence[tuple[PairImages, Outcome]], retold: Sequence[Retold]
) -> bool:
    """Whether every genuine pair decided at ``claim`` in the run's order was decided there with
    its images swapped too (the sample grown to them, :data:`_repeat.GENUINE_SWAPPED`)."""
    decided = [p.key for p, o in ok if p.genuine and claim.accepts(o.score, o.decision) is not None]
    swapped = [
        p.key
        for p, _, then, other in retold
        if other and p.genuine and claim.accepts(then.score, then.decision) is not None
    ]
    return len(set(swapped)) >= len(decided) and set(swapped) >= set(decided)


def _retold(
    claim: Claim, retold: Sequence[Retold], genuine: bool, drawn: bool
) -> list[tuple[PairImages, bool, bool]]:
    """The repeat answers of ``genuine`` (or impostor) pairs that are more comparisons at
    ``claim``, each with what it decided and whether that differs from its pair's first answer:
    the swapped ones that decide (the other order: one more comparison per pair), and those
    asked again only when ``drawn`` (else the same comparison twice: review of session 26, a
    deterministic service's 6 of 27 read 9 of 31 and failed a limit the sample could not
    decide); all of them when one differs, none when every one repeats its first answer
    (ERRATA E-098)."""
    decided = [
        (p, got, got != claim.accepts(first.score, first.decision))
        for p, first, then, swapped in retold
        if p.genuine == genuine
        and (swapped or drawn)
        and (got := claim.accepts(then.score, then.decision)) is not None
    ]
    return decided if any(differs for _, _, differs in decided) else []


def _declines_bound(
    claim: Claim,
    verdict: Verdict,
    false_matches: int,
    impostor: int,
    hidden: int,
    presented: tuple[tuple[int, int], tuple[int, int]],
    by_image: tuple[int, int] = (0, 0),
) -> tuple[Verdict, dict[str, Any]]:
    """The FMR bound with the ``hidden`` impostor pairs the service declined (failures to
    acquire, documented declines) each a false match, and the verdict it leaves (ERRATA E-097).
    A decline is left out of FMR (ISO/IEC 19795-1, review of session 23: a service declining 2 %
    of all pairs stays testable), but one declining exactly the impostor pairs it would match
    falsely shows none. ``presented``: (pairs presented, declined) of the impostor and of the
    genuine pairs; ``by_image``: of the declined (impostor, genuine) pairs, those with an image
    declined in every pair it is in. Such a decline belongs to the image, whoever it is paired
    with (an image of a person with one photo is in many impostor pairs and no genuine one), so
    it is left out of what follows (review of session 25: 3 unreadable photos of such people, 2 %
    of the images, made a correct service untestable). With the other declines each a false
    match, a ``consistent`` verdict whose bound contradicts the claim stays consistent (the bound
    said in its reason) only while the declines are shown not to fall on impostor pairs more
    than on genuine ones: one-sided Fisher exact test at 5 %; when they do fall on impostor
    pairs, or when no genuine pair was declined and the genuine pairs are too few for the test
    to tell (no outcome of it could have been significant), the data cannot tell whether the
    claim holds: untestable."""
    from scipy.stats import fisher_exact

    (impostors, _), (genuines, genuine_declined) = presented
    image_impostor, image_genuine = by_image
    lo, hi = clopper_pearson(false_matches + hidden, impostor + hidden)
    bound = {
        "declined": hidden,
        "fmr": rate(false_matches + hidden, impostor + hidden),
        "ci95": [lo, hi],
        "declined_with_an_image": image_impostor,  # of ``declined``: an image declined throughout
    }
    by_pair, genuine_by_pair = hidden - image_impostor, genuine_declined - image_genuine
    impostors, genuines = impostors - image_impostor, genuines - image_genuine
    table = [[by_pair, impostors - by_pair], [genuine_by_pair, genuines - genuine_by_pair]]
    p_value = float(fisher_exact(table, alternative="greater").pvalue) if by_pair else 1.0
    favour = p_value < 0.05
    bound["declines_favour_impostor_pairs"] = favour  # a gate's max_fmr reads it too
    pair_lo = clopper_pearson(false_matches + by_pair, impostor + by_pair)[0]
    if verdict.verdict != "consistent" or lo <= claim.claimed_fmr:
        return verdict, bound
    said = (
        f"with the {hidden} declined impostor pairs (failures to acquire, documented declines) "
        f"each a false match: {false_matches + hidden} in {impostor + hidden}, 95% CI "
        f"[{lo:.3g}, {hi:.3g}] above the claimed {claim.claimed_fmr:g}"
    )
    images = (
        f"{image_impostor} of them have an image declined in every pair it is in (the image's "
        "failure to acquire, whoever it is paired with), left out of what follows; "
        if image_impostor
        else ""
    )
    shares = (
        f"{by_pair} of {impostors} impostor pairs declined, {genuine_by_pair} of {genuines} "
        f"genuine ones (one-sided Fisher p = {p_value:.2g})"
    )
    keep: tuple[VerdictName, Literal["worse", "better"] | None] = (
        verdict.verdict,
        verdict.direction,
    )
    if pair_lo <= claim.claimed_fmr:  # the images' declines alone carry the bound over
        reason = (
            f"{verdict.reason}; an upper bound {said}, not held against the claim: {images}"
            f"with the other {by_pair} each a false match, the interval reaches {pair_lo:.3g}"
        )
    elif favour or not genuine_by_pair:
        why = (
            f"the declines fall on impostor pairs ({shares})"
            if favour
            else f"no genuine pair was declined, and the {genuines} genuine pairs are too few to "
            f"tell whether the declines fall on impostor pairs ({shares}; none declined is the "
            "least p they can give, and it is not under 0.05)"
        )
        reason = (
            f"{verdict.reason} without the declined pairs, but {said}; {images}{why}, and a "
            "service declining the pairs it would match falsely shows no false match: the data "
            "cannot tell whether the claim holds"
        )
        bound["declines_untested"] = not favour  # too few genuine pairs for the test
        keep = "untestable", None
    else:
        reason = (
            f"{verdict.reason}; an upper bound {said}, not held against the claim: {images}the "
            f"declines do not fall on impostor pairs more than on genuine ones ({shares})"
        )
    return Verdict(keep[0], keep[1], reason, verdict.impostor_pairs_needed, verdict.ci95), bound


UNIT_TOP: Final = 1.0  # the top of the documents' other scale (JD's score, 0..1; E-004)
# the largest in-range score logits reach beside off-scale ones: a logit of 10 is a probability
# of 0.99995 (the round-11 ``logits`` engine spans -9.2..9.2), and a 0..100 engine's genuine pairs
# score far above it
LOGIT_TOP: Final = 10.0


def tie_scale(
    rows: list[dict[str, Any]],
    api: str,
    score_range: tuple[float, float] | None,
    top_score: float | None,
    *,
    off_scale: int = 0,
    in_range: int | None = None,
    above: int = 0,
) -> list[dict[str, Any]]:
    """Say in ``scale_unknown`` why a score threshold's rates do not describe the service: no pair
    reached it (E-046) and nothing ties the scores to the documented scale, so they may be on
    another (0..1 where it says 0..100). Pairs accepted at another of ``api``'s score thresholds
    tie them, and so does a score above 1 (``top_score``, the highest read): no 0..1 scale,
    unless ``off_scale`` answers carried a score outside the documented range while no score
    read is above :data:`LOGIT_TOP`. Those look like logits (-9.2..9.2 put genuine pairs at 5
    and impostors below 0, and a 5 is no rejection on 0..100), so the scale stays unknown; beside
    a 65 read, an off-scale answer is a slip (a -1 "no face" sentinel, a 100.5 rounding) on the
    0..100 scale the 65 shows. A genuine pair not accepted is otherwise rejected on that scale
    (what a gate's FNMR limit judges). But where most scores sent (more than the ``in_range``
    ones read) are off the documented range, those read are the few of another scale that fall
    inside it, not a rate on the documented one: no verdict, whatever they reached (session 28,
    /match on 0..1000: its impostor pairs at 70..100, of 7..10, read as 29 false matches and
    "contradicted", a gate's max_fmr failed). Only in that shape: most answers ``above`` the
    range, and not one genuine pair accepted within it; a negative sentinel (-1 for most
    impostor pairs beside genuine pairs accepted at 95) hid the false matches read among the
    rest (review of session 28: contradicted before, untestable and a gate green after)."""
    scored = [row for row in rows if row["rule"] == "score>="]
    reached = [
        f"{row['threshold']:g}"
        for row in scored
        if row["genuine"] - row["false_non_matches"] + row["false_matches"]
    ]
    scale = "the documented scale"
    if score_range is not None:
        scale = f"the documented {score_range[0]:g}..{score_range[1]:g} scale"
    tied = None
    if reached:
        tied = f"pairs reached {', '.join(reached)}"
    elif (
        top_score is not None
        and top_score > UNIT_TOP
        and (score_range or (0, 0))[1] > UNIT_TOP
        and (not off_scale or top_score > LOGIT_TOP)  # off-scale beside small scores: logits
    ):
        tied = f"scores reached {top_score:g}, above any 0..1 scale"
    thresholds = ", ".join(f"{row['threshold']:g}" for row in scored)
    beside = (
        f"{off_scale} answer(s) carried a score outside it"
        if off_scale
        else f"no score was above {UNIT_TOP:g}"
    )
    unknown = (
        f"no pair reached a score threshold of {api} ({thresholds}), not one genuine pair, and "
        f"{beside}: its scores cannot be tied to {scale} (another scale, such as 0..1 or "
        "logits, or a decision that never accepts)"
    )
    accepted_within = any(row["genuine"] - row["false_non_matches"] for row in scored)
    mostly_off = in_range is not None and above > in_range and not accepted_within
    off = (
        f"{above} answers carried a score above {scale} and {in_range} within it: the "
        "scores read are the few of another scale that fall inside it, so no rate at a score "
        "threshold describes the service"
    )
    out = []
    for row in rows:
        if mostly_off and row["rule"] == "score>=":
            if row["verdict"] in ("contradicted", "consistent"):
                row = row | {
                    "verdict": "untestable",
                    "verdict_direction": None,
                    "verdict_reason": f"not judged: {off} ({row['verdict_reason']})",
                }
            out.append(row | {"scale_unknown": off})
            continue
        untied = bool(row.get("scale_unknown"))
        if untied and tied:
            row = row | {
                "verdict_reason": f"{row['verdict_reason']}; but {tied}: the scores are on "
                f"{scale}, and every genuine pair is rejected at this one"
            }
        out.append(row | {"scale_unknown": unknown if untied and not tied else None})
    return out


def _judged(
    claim: Claim,
    false_matches: int,
    impostor: int,
    unknown: int,
    genuine_accepted: int,
    *,
    people: tuple[tuple[int, int], tuple[int, int]] | None = None,
    genuine: int | None = None,
    failed: int = 0,
) -> Verdict:
    """The verdict with ``unknown`` impostor pairs (no score, E-011; ``failed`` of them no usable
    answer at all) all no match, unless all false matches decide otherwise: then untestable."""
    judge = partial(
        judge_claim,
        claimed_fmr=claim.claimed_fmr,
        at_most=claim.at_most,
        genuine_accepted=genuine_accepted,
        genuine=genuine,
    )
    low = judge(false_matches, impostor + unknown, people=people and people[0])
    if not unknown:
        return low
    # what the claim reads and these pairs lack: JD's result (a decision), or a score
    lacking = "a decision (result)" if claim.rule == "decision" else "a score"
    what = (
        f"answered without {lacking}"
        if not failed
        else (
            "without a usable answer (errors)"
            if failed == unknown
            else f"answered without {lacking} or ({failed} of them) without a usable answer "
            "(errors)"
        )
    )
    if low.direction == "worse":  # the counts in its reason hold the unknown pairs: say so
        counted = f"{unknown} of them {what}, each counted as no match"
        return judge(
            false_matches, impostor + unknown, people=people and people[0], counted=counted
        )
    high = judge(false_matches + unknown, impostor + unknown, people=people and people[1])
    if (high.verdict, high.direction) == (low.verdict, low.direction):
        return low
    reason = (
        f"{unknown} impostor pairs {what}: {false_matches} to "
        f"{false_matches + unknown} false matches in {impostor + unknown} impostor pairs, "
        f"the claimed {claim.claimed_fmr:g} {_verdict_text(low)} if none of them is a false "
        f"match, {_verdict_text(high)} if every one is"
    )
    # no scored pair reached the point: the scale is as untied as without the unknown pairs
    return Verdict(
        "untestable", None, reason, low.impostor_pairs_needed, low.ci95, low.reached_none
    )


def _verdict_text(verdict: Verdict) -> str:
    return " ".join(filter(None, (verdict.verdict, verdict.direction and f"({verdict.direction})")))


OPERATIONS = {"match": "match", "jd": "faceCompareNew"}  # what each API's pairs go through
# Every claim rests on a reading (specs/readings.yaml): /match is judged by /idno's sentence
# (E-044), JD's result at most at e4's rate (E-036). A claim held is the default reading seen, a
# contradicted one the alternative: a finding only when the gate policy requires the default.
READINGS = {"match": "E-044", "jd": "E-036"}
_CHECK_STATUS = {"consistent": "pass", "contradicted": "fail", "untestable": "inconclusive"}


def demote(result: AccuracyResult, caveat: str) -> AccuracyResult:
    """Every verdict ``untestable`` with ``caveat``: a demo never fails a gate on no evidence."""

    def demoted(row: dict[str, Any]) -> dict[str, Any]:
        reason = f"{caveat} (measured: {row['verdict']}, {row['verdict_reason']})"
        return row | {"verdict": "untestable", "verdict_direction": None, "verdict_reason": reason}

    rows = [row if row["verdict"] == "untestable" else demoted(row) for row in result.thresholds]
    return dataclasses.replace(result, thresholds=rows)


def observe_claims(result: AccuracyResult, log: ReadingLog) -> AccuracyResult:
    """Record the reading each tested claim shows in ``log``, and say it in contradicted rows."""
    erratum = READINGS.get(result.api)
    if erratum is None:
        return result
    rows = []
    for row in result.thresholds:
        if row["verdict"] in ("consistent", "contradicted"):
            held = row["verdict"] == "consistent"
            example = f"{row['claim']}: {row['verdict_reason']}"
            required = observe_reading(log, erratum, held, example)
            row = row | {"reading": erratum}
            if not held:
                how = "required by the gate policy" if required else "observed, not required"
                why = f"({row['verdict_direction']}) under reading {erratum} ({how})"
                reason = f"contradicted {why}: {row['verdict_reason']}"
                row |= {"verdict_reason": reason, "reading_required": required is not None}
        rows.append(row)
    return dataclasses.replace(result, thresholds=rows)


def findings_for(result: AccuracyResult, reproduce: str) -> list[Finding]:
    """A contradicted claim the gate policy requires (``observe_claims``): its reading's finding."""
    return [
        Finding(
            suite="accuracy",
            api=result.api,
            operation=OPERATIONS[result.api],
            check="documented_fmr",
            severity="high",
            message=f"{row['claim']}: documented FMR {row['claimed_fmr']:g} "
            f"{row['verdict_reason']}",
            unique_key=f"accuracy:{row['claim']}:{result.target}",
            reproduce=reproduce,
            erratum=row["reading"],
            basis="reading",
        )
        for row in result.thresholds
        if row["verdict"] == "contradicted" and row.get("reading_required")
    ]


def checks_for(result: AccuracyResult) -> list[CheckResult]:
    return [
        CheckResult(
            check=row["claim"],
            operation=OPERATIONS[result.api],
            api=result.api,
            status="pass"  # an observed reading, as conformance and fuzz record one
            if row["verdict"] == "contradicted" and not row.get("reading_required")
            else _CHECK_STATUS[row["verdict"]],  # type: ignore[arg-type]
            message=row["verdict_reason"],
        )
        for row in result.thresholds
    ]


def inconclusive_reason(
    results: Sequence[AccuracyResult],
    dataset: Dataset,
    stopped: Sequence[str] = (),
    throttled: Collection[str] = (),
) -> tuple[str, str] | None:
    """(why, what would make it testable) when not one documented claim could be tested.
    ``throttled``: the APIs whose calls the service's throttling stopped (not a budget)."""
    rows = [row for r in results for row in r.thresholds]
    if any(row["verdict"] != "untestable" for row in rows):
        return None
    measured = [row for row in rows if not row.get("by_design")]
    compared = {row["claim"]: row["impostor"] + row["excluded"]["impostor"] for row in measured}
    impostor = max(compared.values(), default=0)
    needed = max((row["impostor_pairs_needed"] for row in measured), default=0)
    strictest = f", {needed} needed for the strictest claim" if needed else ""
    enough = [  # untestable for another reason than the count (no pair accepted, no scores)
        f"{row['claim']}: {row['verdict_reason']}"
        for row in measured
        if compared[row["claim"]] >= row["impostor_pairs_needed"]
    ]
    declined = [  # every impostor pair a failure to acquire: more of them would not help
        f"{r.api}: all {fta} impostor pairs declined as failures to acquire (no face found, "
        "image quality), none compared"
        for r in results
        if (fta := r.outcomes.get("impostor", {}).get("fta", 0))
        and not any(compared[row["claim"]] for row in r.thresholds if not row.get("by_design"))
    ]
    left = {r.api: sum(r.planned.values()) - sum(r.measured.values()) for r in results}
    pending = sum(left.values())
    halted = sum(n for api, n in left.items() if api in throttled)  # throttling, not a budget
    # a budget that cut the run short, not the folder's size, is the first thing to fix
    size = "" if enough or declined and not impostor or pending else " at this data size"
    why = (
        f"all {len(rows)} documented claims are untestable{size} "
        f"({impostor} impostor pairs{strictest})"
    )
    why += "".join(f"; {line}" for line in enough + declined)
    if pending - halted:
        why += (  # a budget cut short, not the data: the same command continues from the cache
            f"; {pending - halted} planned pair(s) not measured: the request or time budget ran "
            "out (the same command continues from the cache)"
        )
    if halted:
        why += (
            f"; {halted} planned pair(s) not measured: the service's throttling stopped the "
            "calls (E-045; the same command continues from the cache)"
        )
    if dataset.caveat:
        why += f"; {dataset.caveat}"
    for line in stopped:
        why += f"; {line}"
    when = (
        f"a --faces dataset with at least {needed} impostor pairs scored (labels.csv, many "
        "identities)"
        if needed
        else "a --faces dataset large enough for the documented false-match rates"
    )
    if declined and not impostor:
        when = f"a service that finds the faces in these images, and {when}"
    hiding = [  # enough pairs, but the declines fall on impostor pairs: more photos won't help
        row["claim"]
        for row in measured
        if compared[row["claim"]] >= row["impostor_pairs_needed"]
        and (row.get("fmr_with_declines") or {}).get("declines_favour_impostor_pairs")
    ]
    untested = [  # no genuine pair declined, too few of them to tell where the declines fall
        row["claim"]
        for row in measured
        if (row.get("fmr_with_declines") or {}).get("declines_untested")
    ]
    ordered = [row["claim"] for row in measured if row.get("order_decides")]
    if ordered:  # the swapped order is asked of the capped repeat sample only: no data size helps
        said = (
            f"a service deciding impostor pairs alike in either order of their images "
            f"({', '.join(ordered)}: its repeat sample's swapped answers matched falsely above "
            f"the claim, and the run asks the swapped order only for that sample, {REPEAT_PAIRS} "
            "pairs per API at most, whatever the data set: ERRATA E-098)"
        )
        short = any(compared[row["claim"]] < row["impostor_pairs_needed"] for row in measured)
        when = f"{said}, and {when}" if short else said
    if untested:
        when = (
            f"more genuine pairs (people with several photos) to tell whether the declines fall "
            f"on impostor pairs ({', '.join(untested)}: ERRATA E-097), and {when}"
        )
    if hiding:
        when = (
            f"a decision for the impostor pairs the service declined ({', '.join(hiding)}: "
            f"its declines fall on impostor pairs, ERRATA E-097), and {when}"
        )
    if pending:
        planned = max((r.planned.get("impostor", 0) for r in results), default=0)
        waits = " once the service stops throttling; a lower --max-rps spaces the calls"
        more = "; a larger --max-requests or --max-seconds measures more at once"
        finish = (
            "the pending pairs measured (the same command continues from the cache"
            f"{waits if halted else ''}{more if pending - halted else ''})"
        )
        when = finish if needed and planned >= needed else f"{finish}, and {when}"
    return why, when


def suite_result(
    results: Sequence[AccuracyResult],
    dataset: Dataset,
    notes: Sequence[str],
    *,
    out: Path,
    reproduce: dict[str, str],
    started_at: datetime,
    finished_at: datetime,
    seed: int,
    stopped: Sequence[str] = (),
    throttled: Collection[str] = (),
    readings: ReadingLog | None = None,
) -> AccuracySuiteResult:
    """Writes ``accuracy.json``; metrics: the first API's figures, every API's ``thresholds``.
    ``throttled``: the APIs whose calls the service's throttling stopped."""
    from harness.report.output import atomic_write_text

    log = readings if readings is not None else ReadingLog()
    results = [observe_claims(r, log) for r in results]
    document: dict[str, Any] = {
        "dataset": dataset.describe(),
        "supports_claims": dataset.caveat is None,
        "apis": {r.api: r.to_dict() for r in results},
        "notes": list(notes),
    }
    whole = {"target": results[0].target, **document}
    atomic_write_text(out, json.dumps(whole, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    metrics = {
        **document["apis"][results[0].api],
        "thresholds": [row for r in results for row in document["apis"][r.api]["thresholds"]],
        "complete": all(r.complete for r in results),
        "readings": log.to_dict(),
        "run": {
            key: (any if key == "budget_exhausted" else sum)(r.run[key] for r in results)
            for key in results[0].run
        },
        **document,
    }
    findings = [f for r in results for f in findings_for(r, reproduce[r.api])]
    findings += [
        f
        for r in results
        for f in repeat_findings(r.api, OPERATIONS[r.api], r.target, r.repeats, reproduce[r.api])
    ]
    status = derive_status(findings)
    untested = (
        inconclusive_reason(results, dataset, stopped, throttled) if status == "pass" else None
    )
    return AccuracySuiteResult.model_validate(
        {
            "name": "accuracy",
            "status": "inconclusive" if untested else status,
            "reason": untested[0] if untested else None,
            "testable_when": untested[1] if untested else None,
            "findings": findings,
            "checks": [c for r in results for c in checks_for(r)],
            "metrics": metrics,
            "started_at": started_at,
            "finished_at": finished_at,
            "duration_s": (finished_at - started_at).total_seconds(),
            "seed": seed,
        }
    )
