"""``faceharness replay F-NNN.json``: re-send a finding's request and judge it the same way again.

Credentials are made fresh from the environment or config (the file holds none). The verdict is
the finding's own check: a rule runs on the new answer (history rules get the request sent twice),
a probe runs again, a schemathesis check validates the new response, and a request that got no
answer is sent again with the run's client timeout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.clients import Credentials, Request, check_reachable, load_credentials
from harness.contract import Contract, ReadingLog, load_contract, no_answer_kind
from harness.errors import InputError, TargetError, UsageError
from harness.findings import Replay, read_replay, request_of
from harness.results import ReplayOutcome

from ._emulator import conformance_target
from ._engine import install, load_schema
from ._failures import CheckFailed
from ._media import from_refs, names_in
from ._payloads import PayloadPool
from ._probe_context import ProbeContext, ProbeOptions
from ._registry import RULES
from ._run import DEFAULT_TIMEOUT_S
from ._session import Session, register, unregister
from ._st_checks import NEGATIVE_RULE, POSITIVE_RULE, verdict
from ._tracker import RunTracker
from ._transport import ANSWERED, TRANSPORT_ERRORS, NoAnswer, no_answer


def replay_finding(
    path: Path | Replay,
    *,
    target: str | None = None,
    config: Path | None = None,
    faces_dir: Path | None = None,
    contract: Contract | None = None,
) -> ReplayOutcome:
    """Re-send the finding in ``path`` against ``target`` (default: the run's own target).

    ``faces_dir`` stands in for the run's ``--faces`` directory (recorded in the file), e.g. on
    another machine."""
    data = read_replay(path)
    if data.suite != "conformance":
        raise InputError(f"{data.path or data.id} is a {data.suite} finding, not a conformance one")
    contract = contract or load_contract()
    faces = faces_dir or data.faces
    wanted = any(name.startswith("faces:") for name in names_in(data.exchange.get("body")))
    pool = PayloadPool(contract, Path(str(faces)) if faces and wanted else None)
    try:
        request = request_of(data.exchange, contract, lambda body: from_refs(body, pool))
    except InputError as exc:
        raise InputError(f"{data.path or data.id}: {exc}") from None
    recorded = data.target
    if target is None and recorded.get("kind") == "url":
        target = str(recorded.get("url"))
    is_emulator = target is None or target == "emulator"
    creds = load_credentials(config, demo_defaults=is_emulator)
    creds.require_token() if request.api == "match" else creds.require_jd()
    breaks = tuple(recorded.get("breaks") or ()) if target is None else ()
    with conformance_target(target or "emulator", breaks, creds) as url:
        check_reachable(url)
        return _judge(data, request, url, is_emulator, creds, contract, pool)


def _judge(
    data: Replay,
    request: Request,
    url: str,
    is_emulator: bool,
    creds: Credentials,
    contract: Contract,
    pool: PayloadPool,
) -> ReplayOutcome:
    name, rule_id, fid = data.check, data.rule_id or "", data.id
    timeout_s = data.timeout_s or DEFAULT_TIMEOUT_S
    schema = load_schema(
        contract.spec(request.api).raw,
        base_url=url,
        seed=0,
        examples=1,
        max_rps=None,
        request_timeout_s=timeout_s,
    )
    session = Session(
        contract=contract,
        api=request.api,
        creds=creds,
        tracker=RunTracker(contract),
        pool=pool,
        is_emulator=is_emulator,
        target=url,
        identity=_identity(is_emulator),
        raw_schema=schema.raw_schema,
        timeout_s=timeout_s,
        readings=ReadingLog(data.target.get("readings_required") or {}),
    )
    register(session)
    try:
        install(session, schema)
        if rule_id in RULES and RULES.get(rule_id).kind == "probe":
            return _replay_probe(fid, RULES.get(rule_id), session)
        operation = schema[request.path][_method(schema, request)]
        if name == ANSWERED:  # FH-H04 (replay files before it had no rule id)
            return _replay_answered(fid, request, operation, session)
        if rule_id in RULES:
            return _replay_rule(fid, rule_id, request, operation, session)
        if rule_id in (NEGATIVE_RULE[0], POSITIVE_RULE[0]):
            return _replay_envelope(fid, rule_id, request, operation, session)
        return _replay_builtin(fid, name, request, operation, session)
    except TRANSPORT_ERRORS as exc:  # a finding about the answer cannot be judged without one
        raise TargetError(
            f"{fid}: the target gave no answer ({no_answer_kind(exc)}: {type(exc).__name__}), "
            "so the finding cannot be judged"
        ) from None
    except NoAnswer as exc:  # a probe's request, turned into a finding during a run
        why = str(exc).splitlines()[0].removeprefix("no answer: ")
        raise TargetError(
            f"{fid}: the target gave no answer ({why}), so the finding cannot be judged"
        ) from None
    finally:
        unregister(session)


def _method(schema: Any, request: Request) -> str:
    """The documented method of the path (a finding about an undeclared method still has one)."""
    methods = list(schema[request.path])
    if not methods:
        raise InputError(f"replay file names {request.path}, which the spec does not document")
    return request.method if request.method in methods else methods[0]


def _case(request: Request, operation: Any, session: Session) -> Any:
    """A schemathesis case for ``operation`` that sends ``request`` with fresh credentials (over
    schemathesis' transport: its checks judge its responses)."""
    from schemathesis.core import NOT_SET

    headers, query = dict(request.headers), dict(request.query)
    window = session.contract.jd_timestamp_window_ms
    request.auth.put(request.api, headers, query, session.creds, window_ms=window)
    body = request.json if request.raw_body is None else request.raw_body or NOT_SET
    media_type = None if body is NOT_SET else "application/json"
    return operation.Case(
        method=request.method, query=query, headers=headers, body=body, media_type=media_type
    )


def _send(request: Request, operation: Any, session: Session) -> tuple[Any, Any]:
    """Send ``request`` (a LIP request with a new liveCode: it is single-use)."""
    body = request.json
    face = body.get("faceData") if isinstance(body, dict) else None
    if (
        isinstance(face, dict)
        and face.get("videoType") == "LIP"
        and isinstance(body.get("liveCode"), str)
    ):
        code = session.fresh_live_code()
        request = request if code is None else request.with_json(("liveCode",), code)
    case = _case(request, operation, session)
    return case, case.call(session=session.http)


def _replay_rule(
    fid: str, rule_id: str, request: Request, operation: Any, session: Session
) -> ReplayOutcome:
    entry = RULES.get(rule_id)
    for _ in range(entry.sends):
        case, response = _send(request, operation, session)
        try:
            answer = session.answer_of(case, response)
            entry.fn(session.rule_context(case, request.operation), answer, case)
        except CheckFailed as failed:
            return ReplayOutcome(fid, entry.name, True, failed.message)
    return ReplayOutcome(
        fid, entry.name, False, f"{entry.name} holds on {entry.sends} fresh answer(s)"
    )


def _replay_answered(fid: str, request: Request, operation: Any, session: Session) -> ReplayOutcome:
    """Send the request once more with the run's client timeout: does it get an answer now?"""
    try:
        _, response = _send(request, operation, session)
    except TRANSPORT_ERRORS as exc:
        again = no_answer(
            exc,
            api=request.api,
            operation=request.operation,
            request=request,
            timeout_s=session.timeout_s,
        )
        return ReplayOutcome(fid, ANSWERED, True, again.message.splitlines()[0])
    return ReplayOutcome(fid, ANSWERED, False, f"answered now: HTTP {response.status_code}")


def _replay_probe(fid: str, entry: Any, session: Session) -> ReplayOutcome:
    ctx = ProbeContext(session=session, options=ProbeOptions(may_burst=session.is_emulator))
    try:
        entry.fn(ctx)
    except CheckFailed as failed:
        return ReplayOutcome(fid, entry.name, True, failed.message)
    return ReplayOutcome(fid, entry.name, False, f"probe {entry.name} passes")


def _replay_envelope(
    fid: str, rule_id: str, request: Request, operation: Any, session: Session
) -> ReplayOutcome:
    name = NEGATIVE_RULE[1] if rule_id == NEGATIVE_RULE[0] else POSITIVE_RULE[1]
    case, response = _send(request, operation, session)
    seen = verdict(session, case, response)
    if seen is None:
        return ReplayOutcome(fid, name, True, f"HTTP {response.status_code}: no envelope to judge")
    rejected, refused, code = seen
    failing = not rejected if rule_id == NEGATIVE_RULE[0] else refused
    what = "accepted" if not rejected else "rejected"
    return ReplayOutcome(fid, name, failing, f"{code}: the request was {what}")


def _replay_builtin(
    fid: str, name: str, request: Request, operation: Any, session: Session
) -> ReplayOutcome:
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.core.failures import FailureGroup

    _, response = _send(request, operation, session)
    if name == "unsupported_method":
        ok = response.status_code == 405 and "allow" in response.headers
        return ReplayOutcome(
            fid,
            name,
            not ok,
            f"HTTP {response.status_code}" + ("" if ok else ", expected 405 with Allow"),
        )
    load_all_checks()
    if name not in CHECKS.get_all_names():
        raise UsageError(f"replay file names check {name!r}, which this schemathesis does not have")
    case = _case(request, operation, session)
    try:
        case.validate_response(response, checks=[CHECKS.get_one(name)])
    except FailureGroup as group:
        first = group.exceptions[0]
        return ReplayOutcome(fid, name, True, f"{first.title}: {first.message}".strip())
    return ReplayOutcome(fid, name, False, f"{name} passes (HTTP {response.status_code})")


def _identity(is_emulator: bool) -> tuple[str, str] | None:
    if not is_emulator:
        return None
    from harness.emulator import DEMO_ID_NUM, DEMO_NAME

    return DEMO_ID_NUM, DEMO_NAME
