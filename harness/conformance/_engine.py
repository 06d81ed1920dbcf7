"""One schemathesis run (examples, coverage, fuzzing) over one API's spec, via its Python API:
fresh credentials per case (unless a negative case broke one on purpose), real images by a
``map_case`` hook, every answer to the run's tracker; failures from the scenario recorders.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args

import schemathesis
from schemathesis.config import HealthCheck, SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.run.probes import PROBES

from harness import interrupt
from harness.clients import VALID, Exchange, shortened_body
from harness.contract import no_answer_kind, strict_json
from harness.errors import TargetError
from harness.pacing import BudgetExhausted
from harness.redact import redacted_excerpt
from harness.results import Severity as Level

from ._failures import CheckFailed
from ._session import Session, kept_auth
from ._transport import TRANSPORT_ERRORS, install_in_schemathesis, no_answer

install_in_schemathesis()


@schemathesis.deserializer("application/json")
def _json(_ctx: Any, response: Any) -> Any:
    """schemathesis' JSON reading, with a body nested past Python's stack as malformed JSON: its
    response recorder lets any other error than a decode error end its worker thread (and the
    run's schemathesis findings with it)."""
    try:
        return response.json()
    except RecursionError:
        raise json.JSONDecodeError("nested too deep to read", response.text[:80], 0) from None


BUILTIN_BASIS: dict[str, tuple[str, Level | None]] = {
    # check -> (basis, severity cap): the documents give the response fields; HTTP is convention
    "response_schema_conformance": ("seed", None),
    "response_headers_conformance": ("convention", "low"),
    "unsupported_method": ("convention", "low"),
    "max_response_time": ("convention", None),
}
BUILTIN_CHECKS = tuple(c for c in BUILTIN_BASIS if c != "max_response_time")
"""Built-in checks that judge these APIs correctly: the HTTP-status based ones are replaced by
envelope-aware checks and probes (E-015), status, Content-Type and schema are the rule book's
(FH-H01..H03, FH-H05)."""
_LEVELS = get_args(Level)


@dataclass
class EngineOutcome:
    failures: list[CheckFailed] = field(default_factory=list)
    check_runs: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    stop_reason: str = ""
    seconds: float = 0.0


PHASES = ("examples", "coverage", "fuzzing")
ENGINE_MAX_SECONDS = 1800  # a hard stop per API even if a target answers slowly but never fails
WATCH_S = 0.25  # how often the engine's watchdog reads the time left


def load_schema(
    raw: dict[str, Any],
    *,
    base_url: str,
    seed: int,
    examples: int,
    max_response_time_ms: float | None = None,
    phases: tuple[str, ...] = PHASES,
    request_timeout_s: float = 60.0,
) -> Any:
    cfg = SchemathesisConfig()
    # no max_time: with one schemathesis keeps fuzzing until the time is up
    cfg.update(seed=seed, max_failures=None, suppress_health_check=[HealthCheck.all])
    project = cfg.projects.override
    project.update(
        base_url=base_url,
        continue_on_failure=True,
        rate_limit=None,  # paced by the run's pacer (after_call in install)
        request_timeout=request_timeout_s,
        workers=1,
    )
    project.phases.update(phases=list(phases))
    project.generation.update(max_examples=examples, no_shrink=True, database="none")
    from ._st_checks import CUSTOM_CHECKS

    project.checks.update(
        included_check_names=[*BUILTIN_CHECKS, *CUSTOM_CHECKS],
        max_response_time=None if max_response_time_ms is None else max_response_time_ms / 1000.0,
    )
    return schemathesis.openapi.from_dict(copy.deepcopy(raw), config=cfg)


def install(session: Session, schema: Any) -> None:
    """Auth provider, payload injection and observation, on this schema only."""
    contract, creds = session.contract, session.creds

    @schema.auth(refresh_interval=None)
    class _Credentials:
        def get(self, case: Any, ctx: Any) -> Any:
            return creds

        def set(self, case: Any, data: Any, ctx: Any) -> None:
            headers, query = dict(case.headers or {}), dict(case.query or {})
            auth = VALID if session.api == "match" else kept_auth(case, query)
            auth.put(session.api, headers, query, creds, window_ms=contract.jd_timestamp_window_ms)
            if session.api == "match":
                case.headers = headers
            else:
                case.query = query

    def map_case(context: Any, case: Any) -> Any:
        operation = session.operation_id(case)
        if operation is not None:
            positive = session.mode_of(case, settled=False) != "negative"
            case.body = session.injector.inject(operation, case.body, positive=positive)
            if operation == "matchIdno" and positive and isinstance(case.body, dict):
                # liveCode 是 on /idno (E-008): valid under every reading
                if (code := session.fresh_live_code()) is not None:
                    case.body["liveCode"] = code
        return case

    def before_add_examples(context: Any, examples: list[Any]) -> None:
        for case in examples:  # explicit examples skip map_case
            map_case(context, case)

    def after_call(context: Any, case: Any, response: Any) -> None:
        session.observe(case, response)
        # the next request waits its slot on the run's pacer, which no wait outlasts the time
        # budget on (review of session 27: schemathesis' own limiter slept a minute a request
        # at --max-rps 0.01, past --max-seconds 10, and sent 1/m for any slower rate)
        try:
            session.sender.pacer.wait()
        except BudgetExhausted:
            session.tracker.time_hit = not interrupt.requested()
            if session.tracker.on_budget is not None:
                session.tracker.on_budget()

    schema.hooks.register_hook_with_name(map_case, "map_case")
    schema.hooks.register_hook_with_name(before_add_examples, "before_add_examples")
    schema.hooks.register_hook_with_name(after_call, "after_call")


def run_engine(
    session: Session, schema: Any, *, progress: Callable[[str], None] | None = None
) -> EngineOutcome:
    outcome = EngineOutcome()
    started = time.monotonic()
    # schemathesis first sends its capability probes, outside the cases the tracker counts: a live
    # target bills them, so they are spent from the run's budget (and the engine not started
    # when they do not fit)
    try:
        session.tracker.ensure_budget(len(PROBES))
    except BudgetExhausted as spent:
        outcome.stop_reason = str(spent)
        return outcome
    session.tracker.budget.spend(len(PROBES))
    stream = from_schema(schema).execute()
    session.tracker.on_budget = stream.stop
    done = threading.Event()

    def out_of_time() -> None:
        """A hard stop even for a slow target, and the phase's time share ends: read again and
        again, as what the engine keeps for the probes grows with the target's pace, and
        schemathesis may work a while between two requests."""
        budget = session.tracker.budget
        while not done.wait(WATCH_S):
            left = budget.seconds_left()
            if left is not None and left <= 0:
                session.tracker.time_hit = True
            elif time.monotonic() - started < ENGINE_MAX_SECONDS:
                continue
            stream.stop()
            return

    watchdog = threading.Thread(target=out_of_time, name="engine-watchdog", daemon=True)
    watchdog.start()
    unanswered: dict[str, list[BaseException]] = {}  # scenario label -> its transport errors
    try:
        for event in stream:
            if isinstance(event, events.ScenarioFinished):
                _collect(session, event.recorder, outcome)
                _collect_unanswered(
                    session, event.recorder, outcome, unanswered.pop(event.label or "", [])
                )
                for case_id in event.recorder.cases:  # judged: their records are not needed again
                    session.answers.pop(case_id, None)
                    session.requests.pop(case_id, None)
            elif isinstance(event, events.PhaseStarted) and progress:
                progress(f"{session.api}: {event.phase.name.value} phase")
            elif isinstance(event, events.NonFatalError) and isinstance(
                event.value, TRANSPORT_ERRORS
            ):
                unanswered.setdefault(event.label, []).append(event.value)
            elif isinstance(event, events.NonFatalError):
                outcome.errors.append(
                    f"{event.label}: {type(event.value).__name__}: {str(event.value)[:200]}"
                )
            elif isinstance(event, events.FatalError):
                why = str(event.exception)
                raise TargetError(
                    f"schemathesis could not run the {session.api} spec: "
                    f"{why.splitlines()[0] if why else event.exception}"
                )
            elif isinstance(event, events.EngineFinished):
                outcome.stop_reason = str(event.stop_reason.value)
    finally:
        done.set()
        stream.stop()
    for label, errors in unanswered.items():  # the run stopped before their scenario finished
        outcome.errors += [
            f"{label}: {type(exc).__name__} (no answer) after the run was stopped" for exc in errors
        ]
    outcome.seconds = time.monotonic() - started
    return outcome


def _collect(session: Session, recorder: Any, outcome: EngineOutcome) -> None:
    for case_id, nodes in recorder.checks.items():
        case = getattr(recorder.cases.get(case_id), "value", None)
        operation = session.operation_id(case) if case is not None else None
        if operation is None:
            continue
        for node in nodes:
            outcome.check_runs[(node.name, operation)] += 1
            if node.failure_info is None or _judged_by_the_book(node):
                continue
            response = getattr(recorder.interactions.get(case_id), "response", None)
            answer = None if response is None else session.answer_of(case, response)
            outcome.failures.append(
                _raw(session, case, operation, node.name, node.failure_info.failure, answer)
            )


def _judged_by_the_book(node: Any) -> bool:
    """A body that is not JSON or breaks the response schema: the rule book's FH-H05 finding; an
    answer without a Content-Type: FH-H03's convention (neither document names the answer's)."""
    from schemathesis.core.failures import MalformedJson
    from schemathesis.openapi.checks import JsonSchemaError, MissingContentType

    failure = node.failure_info.failure
    return node.name == "response_schema_conformance" and isinstance(
        failure, JsonSchemaError | MalformedJson | MissingContentType
    )


def _collect_unanswered(
    session: Session, recorder: Any, outcome: EngineOutcome, errors: list[BaseException]
) -> None:
    """Findings for the scenario's requests that got no answer: schemathesis reports a transport
    error apart from the recorder, which keeps the request without a response; paired in order."""
    cases = [
        node.value
        for case_id, node in recorder.cases.items()
        if getattr(recorder.interactions.get(case_id), "response", None) is None
        and case_id not in recorder.checks
    ]
    for exc, case in zip(errors, cases, strict=False):
        operation = session.operation_id(case)
        if operation is None:
            continue
        outcome.failures.append(
            no_answer(exc, session.recorded(case, operation), session.timeout_s)
        )
        session.tracker.unanswered(operation, no_answer_kind(exc))
    for exc in errors[len(cases) :]:
        outcome.errors.append(
            f"{recorder.label}: {type(exc).__name__} without a recorded request: {str(exc)[:200]}"
        )


def _raw(
    session: Session, case: Any, operation: str, check: str, failure: Any, answer: Exchange | None
) -> CheckFailed:
    if isinstance(failure, CheckFailed):
        request = failure.request or session.recorded(case, operation)
        return failure.recorded(session.api, operation, request, excerpt(answer))
    basis, cap = BUILTIN_BASIS.get(check, ("convention", "low"))
    level: Level = max(failure.severity.value, cap or "critical", key=_LEVELS.index)
    return CheckFailed(
        rule_id=None,
        check=check,
        operation=operation,
        message=failure.message or failure.title,
        severity=level,
        basis=basis,
        title=failure.title,
    ).recorded(session.api, operation, session.recorded(case, operation), excerpt(answer))


def excerpt(response: Exchange | None, limit: int = 2000) -> dict[str, Any] | None:
    """Status, content type and (truncated) body of an answer, for a finding."""
    if response is None:
        return None
    text = response.content.decode("utf-8", "replace")
    out: dict[str, Any] = {"status": response.status, "content_type": response.content_type or None}
    try:
        if len(text) <= limit * 10:
            out["body"] = strict_json(text)
        elif response.body is not None:  # its structure kept, its fields after a large one too
            out["body"] = shortened_body(response.body)
        else:
            out["body"] = redacted_excerpt(response.content, limit)
    except (ValueError, RecursionError):
        out["body"] = redacted_excerpt(response.content, limit)
    return out
