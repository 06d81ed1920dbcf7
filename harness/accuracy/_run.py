"""The accuracy run: each planned pair compared once through the real clients, cached as it
happens (``accuracy-cache.jsonl``), so running the same command again continues a cut-short run.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal

import httpx

from harness import interrupt
from harness.clients import (
    DEFAULT_TIMEOUT_S,
    Credentials,
    Exchange,
    FaceMatchClient,
    JdFaceCompareClient,
    TransportFailure,
    client_for,
    compare_body,
    match_body,
    retry_after_s,
)
from harness.commands._options import check_live_target, emulator_only, positive_seconds
from harness.commands._options import max_rps as check_max_rps
from harness.contract import (
    Answer,
    Code,
    Contract,
    ReadingLog,
    check_required,
    load_contract,
    parse_score,
    read_answer,
)
from harness.faces import PoolImage, limits_for
from harness.imaging import ImageRejected, inspect_image, sniff_format
from harness.pacing import Budget, BudgetExhausted, Clock, Sleep
from harness.preflight import preflight
from harness.report.output import prepare_run_dir
from harness.results import AccuracySuiteResult
from harness.suite import RunContext
from harness.target import check_engine, open_target, url_label

from ..errors import TargetError, UsageError
from ._data import (
    OFF_SCALE,
    OFF_SCALE_ABOVE,
    OFF_SCALES,
    UNREADABLE,
    Category,
    Outcome,
    OutcomeCache,
    PairImages,
    PayloadSource,
    build_pairs,
    load_dataset,
)
from ._repeat import repeat_notes
from ._result import (
    OPERATIONS,
    AccuracyResult,
    about_images,
    answerable,
    code_meaning,
    demote,
    run_accuracy,
    suite_result,
)
from ._stats import MATCH_CLAIMS_NOTE, clopper_pearson, documented_claims

FTA_CATEGORIES = frozenset({"image_quality"})  # "the service declined to compare these images"

TRANSPORT = "transport"
MALFORMED = "malformed"


def outcome_of(answer: Answer, top: float | None = None) -> Outcome:
    """A comparison that ran (E-039; JD's 1115 a non-match, E-044: ``Answer.ran``) is ``ok``; else
    ``fta`` for ``image_quality`` codes, ``error`` for the rest. No usable score is ``error`` (a
    broken service is no rejecting one) unless /match gave its decision (E-011); a number off the
    documented scale (JD's 0..1 answered as 85: a scale the conformance rule on the range fails,
    not the accuracy) counts by the decision sent with it (``result``, ``success``) and is
    unknown at the score thresholds (code :data:`OFF_SCALE`, :data:`OFF_SCALE_ABOVE` for one over
    the range's ``top``, noted), and so does a score that is no number (:data:`UNREADABLE`);
    with no decision either, ``error``."""
    if answer.where is None or answer.code is None:
        return Outcome(None, None, MALFORMED, "error")
    compared = (
        answer.ran or answer.api == "match" and (answer.where == "status" or answer.code == "0")
    )
    code = "0" if answer.where == "status" else answer.code_text
    if compared and answer.score is None and answer.score_sent:
        decision = answer.decision
        sent = parse_score(answer.sent_score)
        off = OFF_SCALE_ABOVE if top is not None and sent is not None and sent > top else OFF_SCALE
        if decision is None:
            return Outcome(None, None, off if answer.score_off_scale else code, "error")
        return Outcome(
            score=None, decision=decision, code=off if answer.score_off_scale else UNREADABLE
        )
    if compared:
        if answer.score is None and answer.api == "match" and answer.decision is None:
            return Outcome(None, None, code, "error")
        return Outcome(score=answer.score, decision=answer.decision, code=code)
    if answer.where == "gateway":
        return Outcome(
            None, None, f"gateway:{answer.code_text}" if answer.refused else MALFORMED, "error"
        )
    category: Category = "fta" if answer.category in FTA_CATEGORIES else "error"
    return Outcome(None, None, answer.code_text, category)


class Throttled(BudgetExhausted):
    """The service kept asking to slow down through every back-off: the run stops calling and
    judges what it measured (a QPS limit is the documented refusal, E-045, not an engine error)."""


def _sheds(exchange: Exchange) -> bool:
    """A bare HTTP 503 (not the API's envelope) that says when to come back (``Retry-After``):
    RFC 9110's temporary overload, a proxy's rate limit in front of the service (nginx's
    ``limit_req``, E-057). It refuses the call, not the pair: throttling, sent again after the
    wait it asks. Ten in a row stopped the run (exit 2) as errors. Without ``Retry-After`` a 503
    may be a failing backend (E-057 tells them apart only by a load run), so it stays an error."""
    answer, headers = exchange.answer, exchange.headers
    return (
        exchange.status == 503
        and (answer is None or answer.where is None)
        and retry_after_s(headers.get("retry-after"), headers.get("date"), under=math.inf)
        is not None
    )


class ServiceCompare:
    """A compare callable over one client, preflight before its first call (a run served from the
    cache sends nothing). A failed call costs one pair; the run stops (:class:`TargetError`) when
    more calls cannot succeed (a metered service should not be billed for a run of failures):
    after ``max_consecutive_errors`` in a row, or sooner, ``max_errors_before_an_answer``, while
    no call got any HTTP answer (each a timeout or no connection: nobody serves the URL). An HTTP
    answer, even a 503 or an error code, proves the service is there, so a cold start's first
    errors are no reason to stop: 3 in a row happen by chance to a flaky service, 10 hardly.
    A throttled answer (E-045) is no outcome: the pair is sent again after a back-off whose gap
    later calls keep, narrowed by each answer that is not throttling, or after the answer's
    ``Retry-After`` up to ``max_retry_after_s``; a longer one stops the calls (:class:`Throttled`):
    a server's ``Retry-After: 3599`` slept silently for up to 5 hours a pair, and one of an hour
    or more (read as none) got the ordinary back-off and the 6-in-a-row stop instead.
    A timeout before any HTTP answer is no outcome either while some patience is left: the
    connection was accepted, so the service may be busy clearing a backlog (a gate's load stage
    leaves one behind a slow engine), not absent. The pair is sent again after a pause (half a
    request timeout, then doubling) that sends nothing, so the queue drains; the pauses total
    at most ``patience_timeouts`` request timeouts, then timeouts count like any error (a hang
    still stops, exit 2). A refused connection gets no patience (nobody serves the URL)."""

    trusts_codes = False  # the emulator's: its undocumented codes (E-014) are its own table's
    max_consecutive_errors = 10
    max_errors_before_an_answer = 3
    max_throttled = 6
    first_backoff_s = 0.5
    max_backoff_s = 10.0
    max_retry_after_s = 30.0  # a longer Retry-After stops the calls (the run judges what it has)
    patience_timeouts = 2.0  # pauses before any answer, in request timeouts: a backlog drains

    def __init__(
        self,
        client: FaceMatchClient | JdFaceCompareClient,
        payloads: PayloadSource,
        preflight: Callable[[], object] | None = None,
        *,
        target: str,
        trusts_codes: bool = False,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ):
        self.client, self.payloads, self.preflight = client, payloads, preflight
        self.trusts_codes = trusts_codes
        self.overhead = 0  # the preflight's requests: charged to the budget, no pair's calls
        self.target = target
        self.last_error: str | None = None
        self._streak, self._answered, self._heard = 0, False, False
        self.clock, self.sleep = clock, sleep
        self.throttled = 0  # answers that asked to slow down: sent again, never an outcome
        self.shed = 0  # of them, bare 503s with Retry-After (E-057)
        self.gap = 0.0  # seconds kept between calls since the service first throttled
        self._last_call: float | None = None
        self.stopped: str | None = None  # why the calls stopped early, when throttling did it
        self.calls = 0  # requests sent for pairs (each throttled one counts)
        self._shed_by: str | None = None  # the last bare 503's failure, as an error reads it
        self.waited = 0.0  # seconds paused for a first answer after timeouts (a backlog)
        self._unanswered = 0  # calls before the first HTTP answer (a timeout sent again counts)
        self._last_what = ""  # the last error, as the could-not-run line says it
        self._pauses = 0

    def compare(self, pair: PairImages, *, swapped: bool = False) -> Outcome:
        """One call for ``pair``; ``swapped``: its second image as the reference (E-075)."""
        if self.preflight is not None:  # proves the target and the credentials before pair one
            used = self.client.budget.used
            self.preflight()
            self.preflight = None
            self.overhead += self.client.budget.used - used
        first, second = self.payloads.payload(pair.first), self.payloads.payload(pair.second)
        if swapped:
            first, second = second, first
        contract, api = self.client.contract, self.client.api
        if api == "match":
            body = match_body(contract, first, second)
        else:
            body = compare_body(contract, first, [second])
        exchange = self._ask(OPERATIONS[api], body)
        while not self._heard and _timed_out(exchange) and (pause := self._patience()) > 0:
            self._unanswered, self._pauses = self._unanswered + 1, self._pauses + 1
            self._pause(pause)  # nothing sent meanwhile: a backlog drains
            self.waited += pause
            exchange = self._ask(OPERATIONS[api], body)
        self._unanswered += not self._heard
        self._heard = self._heard or exchange.status != 0  # an HTTP answer: the service is up
        try:
            answer = self.client.envelope(exchange, OPERATIONS[api])
        except TransportFailure as exc:
            self.last_error = str(exc)
            return Outcome(None, None, TRANSPORT, "error")
        top = contract.score_ranges[api][1]
        outcome = outcome_of(read_answer(contract, api, 200, answer), top)
        self.last_error = None if outcome.category != "error" else f"code {outcome.code}"
        return outcome

    def _ask(self, operation: str, body: dict[str, Any]) -> Exchange:
        for tries in range(1, self.max_throttled + 1):
            if self._last_call is not None and self.gap:
                self._pause(self._last_call + self.gap - self.clock())
            self._last_call = self.clock()
            exchange = self.client.ask(operation, body)
            self.calls += 1
            shed = _sheds(exchange)
            if not (exchange.answer is not None and exchange.answer.throttled or shed):
                self.gap *= 0.9  # the limit may have been a burst's: creep back up
                return exchange
            self.throttled += 1
            self.shed += shed
            if shed:  # what it was, as an error: the line of a run that never got an answer
                self._shed_by = self._failure(exchange, operation)
            headers = exchange.headers
            asked = (
                retry_after_s(headers.get("retry-after"), headers.get("date"), under=math.inf)
                or 0.0
            )
            # the wait the service states is a floor for the gap. Kept as the gap while no gap
            # that long was tried: a limiter throttling a share of the calls whatever their pace
            # doubled a 1 s wait to 10 s between calls. Doubled once one was (the pair throttled
            # again after it, or a gap already as long): a fixed ``Retry-After: 1`` in front of
            # one call per 8 s ended the run after 6 tries 1 s apart
            doubled = min(self.max_backoff_s, max(self.first_backoff_s, 2 * self.gap))
            understated = tries > 1 or self.gap >= asked
            self.gap = max(asked, doubled) if understated else asked
            if tries < self.max_throttled:
                if asked > self.max_retry_after_s:  # a lockout, not a QPS limit: never a long
                    self.stopped = (  # silent sleep, nor a call before the time it asked for
                        f"the service asked to wait {_seconds(asked)} s (Retry-After), more "
                        f"than the {self.max_retry_after_s:g} s a back-off waits (E-045)"
                    )
                    raise Throttled(self.stopped)
                self._pause(max(self.gap, asked))
        self.stopped = (
            f"the service throttled one pair {self.max_throttled} times in a row, at last "
            f"{self.gap:g} s apart (a QPS limit, E-045)"
        )
        raise Throttled(self.stopped)

    def _failure(self, exchange: Exchange, operation: str) -> str:
        """What an answer that is no outcome reads as (its transport failure's one line)."""
        try:
            self.client.envelope(exchange, operation)
        except TransportFailure as exc:
            return str(exc)
        return f"HTTP {exchange.status}"

    def _patience(self) -> float:
        """The next pause before a first answer: half a request timeout, doubling, within what
        is left of ``patience_timeouts`` request timeouts (0: none left)."""
        timeout = float(self.client.timeout_s)
        left = self.patience_timeouts * timeout - self.waited
        return max(0.0, min(left, timeout / 2 * 2.0 ** min(self._pauses, 16)))

    def _pause(self, seconds: float) -> None:
        left = self.client.budget.seconds_left()
        if left is not None and seconds >= left:
            raise BudgetExhausted(f"time budget of {self.client.budget.max_seconds:g} s spent")
        if seconds > 0:
            self.sleep(seconds)

    def _meaning(self, outcome: Outcome) -> Code | None:
        """The code table's entry for an outcome's code (None: a transport failure, no code)."""
        return code_meaning(self.client.contract, self.client.api, outcome.code)

    def final(self, outcome: Outcome) -> bool:
        """Whether an error outcome is the same next time: a refusal of these same bytes that
        the code table says cannot pass later (``retryable: false``, ``about: images``: unusable
        or oversized data, JD's 100 invalid parameter and 43011 out of range, its liveness codes
        1157/1174/1183). It is cached like an answer, so a re-run does not send (and pay for)
        the pair again, and a run from the cache counts the declines in FRR as the live run did
        (:func:`about_images`, the one test). Only a code the document lists, or the team's
        ``--codes`` table, or the emulator's own: the internal API's codes are faceharness'
        guess (E-014), which a live service may use for something transient (review of session
        18). Risk control (JD 1159), the account (1107) and its configuration (1162) are about
        the caller (``about: caller``); auth and a spent quota stop the run; a 503 or an
        internal error is about the moment."""
        meaning = self._meaning(outcome)
        if meaning is None or meaning.retryable or not about_images(meaning):
            return False
        codes = self.client.contract.codes
        own = (meaning.api, meaning.where, meaning.code) in codes.own
        return meaning.documented or own or self.trusts_codes

    def _no_answer(self, calls: int, what: str) -> str:
        """The one line of a run that never got a usable answer: could not run (exit 2)."""
        waited = f", {_seconds(self.waited)} s of pauses for a backlog" if self.waited else ""
        return (
            f"{self.target}: no usable {self.client.api} answer in {calls} calls{waited} "
            f"(last: {what}); is the URL right and the service up?"
        )

    def never_answered(self) -> str | None:
        """The could-not-run line of calls that all ended without a usable answer (a run of
        fewer pairs than it takes to stop early: hostile session 27, a 200 with an empty body
        to every call of two pairs was judged "inconclusive: untestable at this data size",
        exit 0), else None."""
        if self._answered or not self._streak or self.stopped:
            return None
        return self._no_answer(self._streak, self._last_what)

    def __call__(self, pair: PairImages, swapped: bool = False) -> Outcome:
        try:
            outcome = self.compare(pair, swapped=swapped)
        except Throttled:
            if self._answered or self.shed < self.throttled or self._shed_by is None:
                raise  # the service spoke (an answer, its own throttling code): judge the rest
            # only bare 503s, never an answer: a proxy in front of a service that is down says
            # the same, so this run could not run (exit 2), as ten such errors said before
            raise TargetError(self._no_answer(self.calls, self._shed_by)) from None
        if outcome.category != "error":
            self._streak, self._answered = 0, True
            return outcome
        api, code = self.client.api, outcome.code
        resume = "outcomes so far are cached; re-run the same command to resume"
        meaning = self._meaning(outcome)
        if meaning is not None and meaning.category == "auth":
            raise TargetError(
                f"{self.target}: {api} refused the credentials ({meaning.describe()}); "
                "check FACEHARNESS_TOKEN / FACEHARNESS_JD_APPKEY / FACEHARNESS_JD_SECRETKEY "
                "or --config"
            )
        if meaning is not None and meaning.category == "quota" and not meaning.retryable:
            raise TargetError(f"{self.target}: {api} quota spent ({meaning.en}); {resume}")
        self._streak += 1
        what = meaning.en if meaning is not None else self.last_error or outcome.code
        if meaning is not None and meaning.category == "success":  # ran, but no score (E-011)
            what = f"{meaning.en} without a usable score"
        if code in OFF_SCALES:
            low, high = self.client.contract.score_ranges[api]
            what = f"a score outside the documented {low:g}..{high:g}"
        early = self.max_errors_before_an_answer if not self._heard else None
        spent = not self._heard and self.waited > 0  # its patience spent: no backlog, a hang
        self._last_what = what
        if not self._answered and (spent or self._streak >= (early or self.max_consecutive_errors)):
            raise TargetError(self._no_answer(max(self._streak, self._unanswered), what))
        if self._streak >= self.max_consecutive_errors:
            own = (  # a code no table names: maybe the service's own "no face" (E-014)
                "; if that code is the service's own refusal of an image (no face, quality), "
                "name it in --codes (category image_quality: counted as a failure to acquire)"
                if meaning is None
                and code not in (TRANSPORT, MALFORMED, *OFF_SCALES)
                and not code.startswith("gateway:")
                else ""
            )
            raise TargetError(
                f"{self.target}: {self._streak} {api} errors in a row (last: {what}){own}; {resume}"
            )
        return outcome


def _timed_out(exchange: Exchange) -> bool:
    """No answer within the timeout on a connection the service accepted (not a refused or
    unconnectable one). The request's deadline counts too: a queue's wait may end on either, and
    a trickling hostile gets the same bounded patience, then stops."""
    exc = exchange.cause
    return isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout)


def _seconds(value: float) -> str:
    """A wait as whole seconds (rounded up); a number too big for a float is shown as sent."""
    return str(math.ceil(value)) if math.isfinite(value) else "more than 1e308"


APIS: Final = ("match", "jd")
CACHE_FILE: Final = "accuracy-cache.jsonl"
RESULT_FILE: Final = "accuracy.json"
URL_DEFAULT_MAX_RPS: Final = 2.0
URL_DEFAULT_MAX_REQUESTS: Final = 1000
FAST_ENGINE_NOTE: Final = (
    "engine fast is not biometric: it ignores faces, so FNMR is meaningless and FMR follows "
    "the calibrated impostor model by construction; use --engine dlib to measure matching"
)

OnProgress = Callable[[str, int, int], None]  # (api, done, total) after every pair


@dataclasses.dataclass(frozen=True)
class AccuracySuite:
    """Accuracy as a suite; it opens its own target (the engine matters, not the gate's breaks)."""

    apis: Sequence[str] = APIS
    max_pairs: int | None = None
    engine: str | None = None
    from_cache: bool = False
    name: Literal["accuracy"] = dataclasses.field(default="accuracy", init=False)

    def run(self, ctx: RunContext) -> AccuracySuiteResult:
        own = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
        return run_accuracy_suite(
            out=ctx.out_dir,
            target=ctx.target,
            faces=ctx.faces,
            max_rps=ctx.max_rps,
            max_requests=ctx.max_requests,
            seed=ctx.seed or 0,
            config=ctx.config,
            on_progress=lambda api, done, total: ctx.progress(done, total, f"{api} pairs"),
            request_timeout_s=ctx.request_timeout_s,
            max_seconds=ctx.max_seconds,
            required_readings=ctx.required_readings,
            spent=ctx.spent,
            **own,
        )


def run_accuracy_suite(
    *,
    out: Path,
    target: str = "emulator",
    faces: Path | None = None,
    apis: Sequence[str] = APIS,
    max_pairs: int | None = None,
    max_rps: float | None = None,
    max_requests: int | None = None,
    from_cache: bool = False,
    engine: str | None = None,
    seed: int = 0,
    config: Path | None = None,
    credentials: Credentials | None = None,
    contract: Contract | None = None,
    on_progress: OnProgress | None = None,
    bootstrap_replicates: int = 1000,
    request_timeout_s: float | None = None,
    max_seconds: float | None = None,
    required_readings: Mapping[str, str] | None = None,
    spent: int = 0,
) -> AccuracySuiteResult:
    """Measure FMR/FNMR of each API in ``apis`` on ``target`` and judge the documented claims.
    The APIs share the calls in order, and ``max_seconds`` evenly (a gate's stage tests JD too).
    Every request is charged to ``max_requests``: each API's preflight, and ``spent``, what the
    caller sent to the target before (a gate's preflight)."""
    interrupt.begin()  # an earlier run's caught Ctrl-C does not stop this one
    if max_pairs is not None and max_pairs < 2:
        raise UsageError(
            f"--max-pairs must be at least 2 (a genuine and an impostor pair), got {max_pairs}"
        )
    if from_cache and not (out / CACHE_FILE).is_file():  # a mistyped --out judged nothing, exit 0
        raise UsageError(f"--from-cache: no {CACHE_FILE} in {out}; a run without it makes one")
    apis = tuple(dict.fromkeys(apis))  # each API once, in the order given
    unknown = [api for api in apis if api not in APIS]
    if unknown or not apis:
        raise UsageError(f"--api {unknown[0] if unknown else ''!r}: expected match, jd or all")
    check_engine(engine)
    emulator_only(target, engine=engine)
    check_max_rps(max_rps)
    for seconds, option in ((request_timeout_s, "--timeout"), (max_seconds, "--max-seconds")):
        if seconds is not None:
            positive_seconds(seconds, option)
    is_emulator = target == "emulator"
    rps = (0.0 if is_emulator else URL_DEFAULT_MAX_RPS) if max_rps is None else max_rps
    default = 0 if is_emulator else URL_DEFAULT_MAX_REQUESTS
    budget = Budget(default if max_requests is None else max_requests).max_requests  # checked
    timeout = DEFAULT_TIMEOUT_S if request_timeout_s is None else request_timeout_s
    run_started = time.monotonic()

    contract = contract or load_contract()
    readings = ReadingLog(check_required(required_readings or {}, contract.readings, "readings"))
    dataset = load_dataset(faces)
    pairs = build_pairs(dataset.images, max_pairs=max_pairs, seed=seed)
    images = {image.sha256: image for pair in pairs for image in (pair.first, pair.second)}
    if not from_cache:
        check_live_target(target, config, apis, credentials)
    prepare_run_dir(out)  # every input checked: the run starts
    started = datetime.now(UTC)
    results: list[AccuracyResult] = []
    notes: list[str] = [dataset.caveat] if dataset.caveat else []
    stopped: list[str] = []  # why an API's calls ended before its pairs did
    throttled: list[str] = []  # the APIs whose calls the service's throttling stopped
    with (
        open_target(
            target,
            config=config,
            contract=contract,
            credentials=credentials,
            engine=engine,
        ) as tgt,
        OutcomeCache(out / CACHE_FILE) as cache,
    ):
        if tgt.is_emulator and tgt.engine == "fast":
            notes.append(FAST_ENGINE_NOTE)
        label = f"emulator:{tgt.engine}" if tgt.is_emulator else tgt.label  # the cache key
        for n, api in enumerate(apis):
            payloads = PayloadSource(limits_for(api, contract))
            reencoded = len(payloads.unfit(images.values()))
            claims, by_design = documented_claims(api, contract)
            elapsed = time.monotonic() - run_started
            share = len(apis) - n  # the time left, shared with the APIs still to run
            left = 0.0 if max_seconds is None else max(1e-3, (max_seconds - elapsed) / share)
            api_budget = Budget(budget, left)  # the client's sender spends paid retries from it
            api_budget.spend(spent if n == 0 else 0)  # what the caller sent first (a preflight)
            proof = partial(
                preflight,
                tgt.url,
                apis=(api,),
                credentials=tgt.credentials,
                contract=contract,
                timeout_s=request_timeout_s,
                budget=api_budget,  # a live target bills it: charged to --max-requests
            )
            with client_for(
                api,
                tgt.url,
                tgt.credentials,
                contract=contract,
                raise_for_code=False,
                timeout=timeout,
                budget=api_budget,
            ) as client:
                compare = ServiceCompare(
                    client, payloads, proof, target=label, trusts_codes=tgt.is_emulator
                )
                result = run_accuracy(
                    pairs,
                    compare,
                    cache=cache,
                    claims=claims,
                    target=label,
                    api=api,
                    progress=None if on_progress is None else partial(on_progress, api),
                    seed=seed,
                    max_rps=rps,
                    budget=api_budget,
                    cache_only=from_cache,
                    keeps=compare.final,
                    contract=contract,
                    bootstrap_replicates=bootstrap_replicates,
                    score_range=contract.score_ranges[api],
                    again=compare,
                    # the pairs of the APIs still to run come before this one's repeats
                    reserve=len(pairs) * (len(apis) - n - 1) if budget else 0,
                    describe=partial(_as_sent, payloads),
                )
            if (never := compare.never_answered()) and not interrupt.requested():
                raise TargetError(never)
            result = dataclasses.replace(result, thresholds=result.thresholds + by_design)
            if budget:  # spent by the APIs before: the next ones only read the cache
                budget -= api_budget.used
                from_cache = from_cache or budget <= 0
            if dataset.caveat:
                result = demote(result, dataset.caveat)
            results.append(result)
            notes += _notes(result, reencoded, api, contract, throttled=bool(compare.stopped))
            every = any(row.get("retold_genuine_every_pair") for row in result.thresholds)
            notes += repeat_notes(api, result.repeats, every)
            if compare.throttled:
                notes.append(
                    f"{api}: {compare.throttled} answer(s) throttled (a QPS limit, E-045"
                    + (
                        f"; {compare.shed} of them a bare HTTP 503 with Retry-After, E-057"
                        if compare.shed
                        else ""
                    )
                    + "): the pair was sent again after a back-off, never counted as an error"
                )
            if compare.stopped:
                stopped.append(f"{api}: calls stopped early: {compare.stopped}")
                throttled.append(api)
            if api == "match":
                notes.append(MATCH_CLAIMS_NOTE)
    if why := interrupt.requested():  # the pairs measured before it are judged
        stopped.append(f"calls stopped early: {why}")
    return suite_result(
        results,
        dataset,
        notes + stopped,
        out=out / RESULT_FILE,
        stopped=stopped,
        throttled=throttled,
        reproduce={api: _reproduce(target, faces, api, max_pairs, seed) for api in apis},
        started_at=started,
        finished_at=datetime.now(UTC),
        seed=seed,
        readings=readings,
    )


def _notes(
    result: AccuracyResult, reencoded: int, api: str, contract: Contract, *, throttled: bool = False
) -> list[str]:
    """The run's notes for one API; ``throttled``: the service's throttling stopped its calls."""
    notes = []
    if reencoded:
        notes.append(
            f"{api}: {reencoded} image(s) re-encoded as JPEG to fit "
            f"{limits_for(api, contract).describe()} (pairs keep the original image's sha256)"
        )
    if off := sum(result.codes.get(code, 0) for code in OFF_SCALES):
        low, high = contract.score_ranges[api]
        notes.append(
            f"{api}: {off} answer(s) carried a score outside the documented {low:g}..{high:g}: "
            "not on the documented scale, so the score is unknown at the score thresholds (and "
            "left out of EER, DET and histogram), not read as a decision; "
            + (
                "the result sent with it still counts (jd.result reads it; ERRATA E-060)"
                if api == "jd"
                else "no claim reads /match's success (比对成功, not a match: E-011), so these "
                "pairs are unknown at every score threshold (ERRATA E-060)"
            )
        )
    if unreadable := result.codes.get(UNREADABLE, 0):
        notes.append(
            f"{api}: {unreadable} answer(s) carried a score that is no number (a decimal comma, "
            "NaN, a word) beside a decision: the decision counts where a claim reads it "
            + ("(jd.result)" if api == "jd" else "(no /match claim reads success, E-011)")
            + ", the score is unknown at the score thresholds and left out of EER, DET and "
            "histogram (the score's type is conformance's rule)"
        )
    if result.eer is not None and result.eer["value"] > 0.5:
        notes.append(
            f"{api}: EER {result.eer['value']:.3g} is worse than chance: the scores rank impostor "
            "pairs above genuine ones (a distance where a similarity is documented, or a score "
            "running the other way), so the score thresholds do not mean what the document says"
        )
    if note := _constant_score_note(result, api):
        notes.append(note)
    decisions = result.decisions or {}
    if api == "jd" and (against := decisions.get("against_score")):
        notes.append(
            f"jd: result disagrees with the score: no one threshold on the score gives these "
            f"decisions (the closest, {decisions['best_threshold']:g}, leaves {against} of "
            f"{decisions['pairs']} pairs out), where the document's example decides by the score "
            "(分数:0.7060586 阈值:0.8179 结果:false): the score (EER, DET) and result describe "
            "different matchers, and jd.result is judged on result (ERRATA E-061)"
        )
    if fta := _fta_note(result, api):
        notes.append(fta)
    if errors := sum(counts["error"] for counts in result.outcomes.values()):
        final = result.run.get("final_errors", 0)
        retried = (
            f"{errors - final} of them are retried by the next run, the other {final} "
            "documented refusals the same request cannot pass (code table: not retryable), "
            f"kept in {CACHE_FILE} (delete it to send them again)"
            if final
            else "they are not cached and are retried by the next run"
        )
        notes.append(f"{api}: {errors} pair(s) got no usable answer (see codes); {retried}")
    if note := _declines_note(result, api, contract):
        notes.append(note)
    if pending := sum(result.planned.values()) - sum(result.measured.values()):
        why = (
            "the service's throttling stopped the calls"
            if throttled
            else "the request or time budget ran out"
        )
        notes.append(
            f"{api}: {pending} pair(s) pending ({why}); run the same command again to continue "
            "from the cache"
        )
    return notes


def _declines_note(result: AccuracyResult, api: str, contract: Contract) -> str | None:
    """The pairs a documented code declined (JD 1157, 1159, 100, 43011; :func:`answerable`),
    with their codes: left out of every claim as failures to acquire are, so a service declining
    the impostor pairs it would match shows no false match, and only this note says so (audit
    round 13, ``jd-1159-hides``: "0 false matches in 36 impostor pairs" of 37, the note saying
    only that an error is retried). It names apart the codes about the caller (1159 risk
    control, 1107 real name; :func:`about_images`), whose genuine declines are not in FRR."""
    row = next((row for row in result.thresholds if "declined" in row), None)
    if row is None or not sum(row["declined"].values()):
        return None
    declined, in_frr = row["declined"], row.get("declined_in_frr", 0)
    kinds: dict[bool, list[str]] = {True: [], False: []}
    for code in sorted(result.codes):
        meaning = code_meaning(contract, api, code)
        if (
            meaning is not None
            and meaning.category not in FTA_CATEGORIES
            and not answerable(contract, api, Outcome(None, None, code, "error"))
        ):
            kinds[about_images(meaning)].append(code)
    caller = (
        f"; code {', '.join(kinds[False])} describe(s) the caller or its account (risk control, "
        "real name, configuration), not the images: not in FRR"
        if kinds[False]
        else ""
    )
    return (
        f"{api}: {sum(declined.values())} documented decline(s) (code "
        f"{', '.join(kinds[True] + kinds[False])}: {declined['impostor']} impostor, "
        f"{declined['genuine']} genuine pair(s)): no comparison, left out of FMR and FNMR as "
        f"failures to acquire are; {in_frr} genuine pair(s) refused about the presented images "
        f"count in FRR{caller}. A service declining the impostor pairs it would match falsely "
        "shows no false match: each claim's row bounds FMR with the impostor declines as false "
        "matches (fmr_with_declines), and a claim that bound contradicts is no longer consistent "
        "when the declines fall on impostor pairs (ERRATA E-097)"
    )


def _fta_note(result: AccuracyResult, api: str) -> str | None:
    """Pairs declined as failures to acquire, with their exact interval, and the images declined
    in every pair: only images labelled with one face are paired, so each refusal is the
    service's detector or quality gate, which FNMR (of the pairs compared) does not show."""
    declined = sum(counts["fta"] for counts in result.outcomes.values())
    if not declined:
        return None
    asked = sum(counts["fta"] + counts["ok"] for counts in result.outcomes.values())
    low, high = clopper_pearson(declined, asked)
    images = len(result.fta_images or [])
    breakdown = result.fta_breakdown or {}
    every = (
        f"; {images} image(s) declined in every pair they were in (sha256 prefixes in "
        f"{RESULT_FILE}, fta_images){_by_kind(breakdown)}"
        if images
        else ""
    )
    loose = breakdown.get("not_following_an_image", 0)
    unexplained = (
        f"; {loose} of the {declined} declined pairs hold two images the service compared in "
        "other pairs: no image alone explains those refusals (the service's load, a quota, a "
        "check of the pair?), so they say less of its detector than the rate suggests"
        if loose
        else ""
    )
    return (
        f"{api}: {declined} of {asked} pairs answered were declined as failures to acquire (no "
        f"face found, image quality): {declined / asked:.1%}, 95% CI [{low:.3g}, {high:.3g}], of "
        f"images labelled with one face each{every}{unexplained}; counted apart from FNMR and in "
        "each operating point's FRR (genuine pairs declined)"
    )


def _by_kind(breakdown: dict[str, Any]) -> str:
    """The images declined in every pair per format and per shorter side, of those answered."""
    parts = [
        ", ".join(
            f"{key} {tally['declined_in_every_pair']} of {tally['images']}"
            for key, tally in breakdown[kind].items()
        )
        for kind in ("by_format", "by_shorter_side")
        if breakdown.get(kind)
    ]
    if not parts:
        return ""
    return f", of the images answered: by format sent: {parts[0]}; by shorter side: {parts[1]}"


def _as_sent(payloads: PayloadSource, image: PoolImage) -> tuple[str, int]:
    """The format and shorter side of the bytes an API is sent for ``image`` (re-encoded when
    it did not fit): what the service's detector saw."""
    data = payloads.payload(image).data
    try:
        info = inspect_image(data, max_pixels=1 << 40, with_pil=False)
    except ImageRejected:  # sent as it is (a truncated JPEG): its kind, not a size band
        return sniff_format(data) or "unknown", 0
    return info.format, min(info.width, info.height)


MIN_SCORED_FOR_CONSTANT = 10  # fewer pairs may share a rounded score by chance
# what a score that separates nothing defeats, per API (the seed's words)
SCORE_LEVELS = {
    "match": "70 and 80 are documented as two false-match levels of this score "
    "(70的误通过率为千分之一,80的误通过率是万分之一)",
    "jd": "e4..e7 are documented as four false-match levels of one measure "
    "(e4 误识率为万分之一的阈值 .. e7 误识率为千万分之一的阈值), and the example decides by the "
    "score (分数:0.7060586 阈值:0.8179 结果:false)",
}


def _constant_score_note(result: AccuracyResult, api: str) -> str | None:
    """A score the same for every genuine and impostor pair separates nothing: the EER is 0.5 by
    construction, and E-061's check (result as a threshold on the score) passes only through the
    tie at that score. No rule of the documents says each answer's score must differ, so this is
    a note with its basis, not a finding (ERRATA E-069)."""
    det, histogram = result.det or {}, result.histogram or {}
    distinct = set(det.get("threshold") or [])
    scored = sum(histogram.get("genuine", [])) + sum(histogram.get("impostor", []))
    if len(distinct) != 1 or scored < MIN_SCORED_FOR_CONSTANT:
        return None
    decisions = result.decisions or {}
    decided, accepted = decisions.get("pairs", 0), decisions.get("accepted")
    # audit round 15 (identical-only): "its decisions differ" was said of 60 results all false
    differ = decided and (accepted is None or 0 < accepted < decided)
    tie = (
        f"; its decisions differ between pairs this score cannot tell apart, which a threshold "
        f"on the score passes only by the tie at {next(iter(distinct)):g} ({decided} pairs)"
        if api == "jd" and differ
        else ""
    )
    return (
        f"{api}: all {int(scored)} scored pairs, genuine and impostor alike, carried the same "
        f"score {next(iter(distinct)):g}: it separates no pair from another, so no threshold on "
        f"it holds a documented false-match level ({SCORE_LEVELS[api]}); EER and DET mean "
        f"nothing here{tie} (ERRATA E-069)"
    )


def _reproduce(target: str, faces: Path | None, api: str, max_pairs: int | None, seed: int) -> str:
    # the faces folder is named, not its path
    where = target if target == "emulator" else url_label(target)
    folder = "" if faces is None else " --faces <faces-dir>"
    sample = "" if max_pairs is None else f" --max-pairs {max_pairs}"
    return (
        f"faceharness accuracy --target {where}{folder} --api {api}{sample} --seed {seed} "
        "--out <run-dir>"
    )
