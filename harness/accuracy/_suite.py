"""The accuracy suite end to end: dataset, target, clients, cache, runs, results.

This is what ``faceharness accuracy`` and the gate call. Everything a run learns goes into
``<out>/accuracy-cache.jsonl`` as it happens, so an interrupted or budget-capped run is
continued by running the same command again.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from harness.clients import DEFAULT_TIMEOUT_S, Credentials, client_for
from harness.commands._options import emulator_only, positive_seconds
from harness.commands._options import max_rps as check_max_rps
from harness.contract import Contract, load_contract
from harness.faces import limits_for
from harness.pacing import Budget
from harness.results import AccuracySuiteResult
from harness.suite import RunContext
from harness.target import Target, open_target, url_label

from ..errors import UsageError
from ._cache import OutcomeCache
from ._claims import Claim, UntestableClaim
from ._dataset import load_dataset
from ._documented import MATCH_CLAIMS_NOTE, jd_documented_claims, match_documented_claims
from ._pairs import PairImages, build_pairs
from ._payloads import PayloadSource
from ._result import AccuracyResult, demote, suite_result, write_accuracy_json
from ._runner import run_accuracy
from ._services import ServiceCompare, StopWhenHopeless

if TYPE_CHECKING:
    from harness.emulator.engines import Engine

APIS: Final = ("match", "jd")
CACHE_FILE: Final = "accuracy-cache.jsonl"
RESULT_FILE: Final = "accuracy.json"
URL_DEFAULT_MAX_RPS: Final = 2.0
URL_DEFAULT_MAX_REQUESTS: Final = 1000
ENGINES: Final = ("dlib", "fast")
FAST_ENGINE_NOTE: Final = (
    "engine fast is not biometric: it ignores faces, so FNMR is meaningless and FMR follows "
    "the calibrated impostor model by construction; use --engine dlib to measure matching"
)

OnProgress = Callable[[str, int, int], None]
"""``(api, done, total)`` after every pair, cached or not."""


@dataclasses.dataclass(frozen=True)
class AccuracySuite:
    """Accuracy behind :class:`harness.suite.Suite`: its own options here, the run's in ``ctx``
    (budgets None: the target's defaults; 0: unlimited). It opens its own target:
    the emulator's engine matters (``engine``), and it does not take the gate's breaks."""

    apis: Sequence[str] = APIS
    max_pairs: int | None = None
    engine: str | None = None
    from_cache: bool = False
    credentials: Credentials | None = None
    emulator_settings: Mapping[str, Any] | None = None
    name: Literal["accuracy"] = dataclasses.field(default="accuracy", init=False)

    def run(self, ctx: RunContext) -> AccuracySuiteResult:
        return run_accuracy_suite(
            out=ctx.out_dir,
            target=ctx.target,
            faces=ctx.faces,
            apis=self.apis,
            max_pairs=self.max_pairs,
            max_rps=ctx.max_rps,
            max_requests=ctx.max_requests,
            from_cache=self.from_cache,
            engine=self.engine,
            seed=ctx.seed or 0,
            config=ctx.config,
            credentials=self.credentials,
            emulator_settings=self.emulator_settings,
            on_progress=lambda api, done, total: ctx.progress(done, total, f"{api} pairs"),
            request_timeout_s=ctx.request_timeout_s,
            max_seconds=ctx.max_seconds,
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
    emulator_engine: Engine | None = None,
    emulator_settings: Mapping[str, Any] | None = None,
    on_progress: OnProgress | None = None,
    bootstrap_replicates: int = 1000,
    request_timeout_s: float | None = None,
    max_seconds: float | None = None,
) -> AccuracySuiteResult:
    """Measure FMR/FNMR of each API in ``apis`` on ``target`` and judge the documented claims.

    Args:
        out: run directory; holds the cache and ``accuracy.json``.
        target: ``"emulator"`` (started on a loopback port for the run) or a base URL.
        faces: folder with ``labels.csv`` (``file,identity[,faces]``); ``None`` uses the
            built-in set, which cannot support the claims (every verdict is untestable).
        apis: any of ``"match"``, ``"jd"``; run in this order.
        max_pairs: seeded sample of at most this many pairs (genuine pairs first).
        max_rps: pacing (0: none); by default (``None``) 2/s for a URL, none for the emulator.
        max_requests: this invocation's call budget, shared by the APIs in order (0:
            unlimited); by default (``None``) 1,000 for a URL, unlimited for the emulator.
        from_cache: make no call; recompute the results from the cache in ``out``.
        engine: the emulator's face engine, ``"dlib"`` (default) or ``"fast"``.
        config: TOML with ``[credentials]`` for a URL target; the emulator's config file
            for ``target="emulator"``.
        credentials: for a URL target, instead of the environment and ``config``.
        emulator_engine: an engine object for the emulator (tests reuse a loaded one).
        emulator_settings: overrides for the emulator's settings (faults, latency, breaks,
            throttle; as :func:`harness.emulator.build_settings` takes them).
        on_progress: ``(api, done, total)`` after every pair.
        request_timeout_s: the total deadline of every comparison (None: the clients' default).
        max_seconds: the whole run's time budget (None: none); when it is spent the run stops
            calling, judges what it measured, and says the budget ran out (``budget_exhausted``).

    Returns:
        The suite result: metrics shaped as :class:`harness.results.AccuracyMetrics`,
        one high-severity finding per contradicted claim.

    Raises:
        HarnessError: bad options or inputs (:class:`UsageError`, :class:`InputError`),
            an unusable target (:class:`TargetError`).
    """
    if max_pairs is not None and max_pairs < 2:
        raise UsageError(
            f"--max-pairs must be at least 2 (a genuine and an impostor pair), got {max_pairs}"
        )
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    apis = tuple(dict.fromkeys(apis))  # each API once, in the order given
    unknown = [api for api in apis if api not in APIS]
    if unknown or not apis:
        raise UsageError(f"--api {unknown[0] if unknown else ''!r}: expected match, jd or all")
    if engine not in (None, *ENGINES):
        raise UsageError(f"--engine {engine!r}: expected dlib or fast")
    emulator_only(target, engine=engine)
    check_max_rps(max_rps)
    for seconds, option in ((request_timeout_s, "--timeout"), (max_seconds, "--max-seconds")):
        if seconds is not None:
            positive_seconds(seconds, option)
    is_emulator = target == "emulator"
    rps = (0.0 if is_emulator else URL_DEFAULT_MAX_RPS) if max_rps is None else max_rps
    default = 0 if is_emulator else URL_DEFAULT_MAX_REQUESTS
    budget = Budget(default if max_requests is None else max_requests).max_requests  # checked
    run_started = time.monotonic()

    contract = contract or load_contract()
    dataset = load_dataset(faces)
    pairs = build_pairs(dataset.images, max_pairs=max_pairs, seed=seed)
    started = datetime.now(UTC)
    results: list[AccuracyResult] = []
    notes: list[str] = [dataset.caveat] if dataset.caveat else []
    with open_target(
        target,
        config=config,
        contract=contract,
        engine_obj=emulator_engine,
        credentials=credentials,
        **{**(emulator_settings or {}), "engine": engine},
    ) as tgt:
        if tgt.is_emulator and tgt.engine == "fast":
            notes.append(FAST_ENGINE_NOTE)
        with OutcomeCache(out / CACHE_FILE) as cache:
            for api in apis:
                result, reencoded = _run_api(
                    api,
                    pairs,
                    tgt,
                    cache=cache,
                    contract=contract,
                    max_rps=rps,
                    max_requests=budget,
                    cache_only=from_cache,
                    seed=seed,
                    on_progress=on_progress,
                    bootstrap_replicates=bootstrap_replicates,
                    request_timeout_s=request_timeout_s,
                    max_seconds=None
                    if max_seconds is None
                    else max(1e-3, max_seconds - (time.monotonic() - run_started)),
                )
                if budget:  # spent by the APIs before: the next ones only read the cache
                    budget -= result.run.calls
                    from_cache = from_cache or budget <= 0
                if not dataset.supports_claims and dataset.caveat:
                    result = demote(result, dataset.caveat)
                results.append(result)
                notes += _notes(result, reencoded, api, contract)
                if api == "match":
                    notes.append(MATCH_CLAIMS_NOTE)
    finished = datetime.now(UTC)
    write_accuracy_json(out / RESULT_FILE, results, dataset, notes)
    reproduce = {api: _reproduce(target, faces, api, max_pairs, seed) for api in apis}
    return suite_result(
        results,
        dataset,
        notes,
        reproduce=reproduce,
        started_at=started,
        finished_at=finished,
        seed=seed,
    )


def _claims(api: str, contract: Contract) -> tuple[list[Claim], tuple[UntestableClaim, ...]]:
    if api == "match":
        return match_documented_claims(contract), ()
    return jd_documented_claims(contract)


def _score_range(api: str, contract: Contract) -> tuple[float, float]:
    if api == "match":
        lo, hi = contract.match.facts["score_range"]
    else:
        score = contract.property_schema("jd", "BusinessResult", "score")
        lo, hi = score["minimum"], score["maximum"]
    return float(lo), float(hi)


def _run_api(
    api: str,
    pairs: list[PairImages],
    tgt: Target,
    *,
    cache: OutcomeCache,
    contract: Contract,
    max_rps: float,
    max_requests: int,
    cache_only: bool,
    seed: int,
    on_progress: OnProgress | None,
    bootstrap_replicates: int,
    request_timeout_s: float | None = None,
    max_seconds: float | None = None,
) -> tuple[AccuracyResult, int]:
    """One API's run; returns the result and how many images were re-encoded to fit."""
    payloads = PayloadSource(limits_for(api, contract))
    in_pairs = {image.sha256: image for pair in pairs for image in (pair.first, pair.second)}
    reencoded = len(payloads.unfit(in_pairs.values()))
    claims, by_design = _claims(api, contract)
    progress = None if on_progress is None else lambda done, total: on_progress(api, done, total)
    budget = Budget(max_requests, max_seconds or 0)
    with _client(api, tgt, contract, payloads, budget, request_timeout_s) as compare:
        guarded = StopWhenHopeless(compare, api=api, contract=contract, target=_label(tgt))
        result = run_accuracy(
            pairs,
            _preflight_first(guarded, api, tgt, contract, request_timeout_s),
            cache=cache,
            claims=claims,
            target=_label(tgt),
            api=api,
            progress=progress,
            seed=seed,
            max_rps=max_rps,
            budget=budget,  # shared with the client's sender: a paid retry is spent from it too
            cache_only=cache_only,
            bootstrap_replicates=bootstrap_replicates,
            score_range=_score_range(api, contract),
        )
    return dataclasses.replace(result, by_design=by_design), reencoded


def _preflight_first(
    compare: Any, api: str, tgt: Target, contract: Contract, timeout_s: float | None
) -> Any:
    """``compare``, proving the target answers and accepts the credentials before the first
    pair is sent (:mod:`harness.preflight`); a run served from the cache sends nothing."""
    proved: list[bool] = []

    def first(pair: Any) -> Any:
        if not proved:
            from harness.preflight import preflight

            preflight(
                tgt.url,
                apis=(api,),
                credentials=tgt.credentials,
                contract=contract,
                timeout_s=timeout_s,
            )
            proved.append(True)
        return compare(pair)

    return first


@contextmanager
def _client(
    api: str,
    tgt: Target,
    contract: Contract,
    payloads: PayloadSource,
    budget: Budget,
    timeout_s: float | None = None,
) -> Iterator[ServiceCompare]:
    timeout = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    with client_for(
        api,
        tgt.url,
        tgt.credentials,
        contract=contract,
        raise_for_code=False,
        timeout=timeout,
        budget=budget,
    ) as client:
        yield ServiceCompare(client, payloads)


def _label(tgt: Target) -> str:
    """The cache key and what reports show: the URL, or the emulator with its engine."""
    return f"emulator:{tgt.engine}" if tgt.is_emulator else tgt.label


def _notes(result: AccuracyResult, reencoded: int, api: str, contract: Contract) -> list[str]:
    notes = []
    if reencoded:
        notes.append(
            f"{api}: {reencoded} image(s) re-encoded as JPEG to fit "
            f"{limits_for(api, contract).describe()} (pairs keep the original image's sha256)"
        )
    errors = sum(counts["error"] for counts in result.outcomes.values())
    if errors:
        notes.append(
            f"{api}: {errors} pair(s) got no usable answer (see codes); they are not cached "
            "and are retried by the next run"
        )
    pending = sum(result.planned.values()) - sum(result.measured.values())
    if pending:
        notes.append(
            f"{api}: {pending} pair(s) pending (the request or time budget ran out); run the same "
            "command again to continue from the cache"
        )
    return notes


def _reproduce(target: str, faces: Path | None, api: str, max_pairs: int | None, seed: int) -> str:
    """The command that re-runs one API (the faces folder is named, not its path)."""
    parts = [
        "faceharness accuracy",
        f"--target {url_label(target) if target != 'emulator' else target}",
    ]
    if faces is not None:
        parts.append("--faces <faces-dir>")
    parts.append(f"--api {api}")
    if max_pairs is not None:
        parts.append(f"--max-pairs {max_pairs}")
    parts += [f"--seed {seed}", "--out <run-dir>"]
    return " ".join(parts)
