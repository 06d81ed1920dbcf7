"""``faceharness replay F-NNN.json``: re-send a finding's request with fresh credentials and judge
it by the finding's own check (a rule, a probe, a schemathesis check, or whether it is answered).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.clients import Exchange, Request, check_reachable, load_credentials
from harness.contract import Answer, Contract, ReadingLog, load_contract, read_answer
from harness.errors import InputError, TargetError, UsageError
from harness.findings import Replay, fresh_serial, read_replay, request_of
from harness.results import ReplayOutcome

from ._emulator import conformance_target
from ._engine import load_schema
from ._failures import CheckFailed
from ._payloads import PayloadPool, from_refs, names_in
from ._probes import CONCURRENT, ProbeContext
from ._registry import RULES, Facts, Rule, RuleContext, unjudged_by
from ._session import DEFAULT_TIMEOUT_S, Session
from ._st_checks import NEGATIVE_RULE, POSITIVE_RULE, verdict
from ._tracker import RunTracker
from ._transport import ANSWERED, NoAnswer


def replay_finding(
    path: Path | Replay,
    *,
    target: str | None = None,
    config: Path | None = None,
    faces_dir: Path | None = None,
) -> ReplayOutcome:
    """Re-send the finding in ``path`` against ``target`` (default: the run's own); ``faces_dir``
    stands in for the run's ``--faces`` directory."""
    data = read_replay(path)
    if data.suite != "conformance":
        raise InputError(f"{data.path or data.id} is a {data.suite} finding, not a conformance one")
    contract = load_contract()
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
    name, rule_id, fid = data.check, data.rule_id or "", data.id
    if rule_id and rule_id not in RULES and rule_id not in (NEGATIVE_RULE[0], POSITIVE_RULE[0]):
        # was judged by the check name, as a schemathesis check: "...which this schemathesis
        # does not have", after starting the target, the rule never named
        raise InputError(
            f"{fid}: replay file names rule {rule_id} ({name or 'no check name'}), which this "
            "faceharness does not have: renamed or removed since the run"
        )
    spec = contract.spec(request.api)
    with conformance_target(target or "emulator", breaks, creds) as url:
        check_reachable(url, secrets=creds.secrets())
        with Session(
            contract=contract,
            api=request.api,
            creds=creds,
            tracker=RunTracker(),
            pool=pool,
            is_emulator=is_emulator,
            target=url,
            identity=None,
            raw_schema=spec.raw,
            timeout_s=data.timeout_s or DEFAULT_TIMEOUT_S,
            readings=ReadingLog(recorded.get("readings_required") or {}),
        ) as session:
            try:
                if rule_id in RULES and RULES.get(rule_id).kind == "probe":
                    return _replay_probe(fid, RULES.get(rule_id), session, data)
                if "probe" in data.extra:  # found during that probe's burst
                    return _replay_in_probe(fid, name, rule_id, session, data)
                if not any(op.path == request.path for op in spec.operations.values()):
                    raise InputError(
                        f"replay file names {request.path}, which the spec does not document"
                    )
                if name == ANSWERED:  # FH-H04 (replay files before it had no rule id)
                    return _replay_answered(fid, request, session)
                if rule_id in RULES:
                    return _replay_rule(fid, rule_id, request, session, data)
                if rule_id in (NEGATIVE_RULE[0], POSITIVE_RULE[0]):
                    return _replay_envelope(fid, rule_id, request, session)
                return _replay_builtin(fid, name, request, session)
            except NoAnswer as exc:  # a finding about the answer cannot be judged without one
                raise TargetError(
                    f"{fid}: the target gave no answer "
                    f"({str(exc).splitlines()[0].removeprefix('no answer: ')}), "
                    "so the finding cannot be judged"
                ) from None


def _send(request: Request, session: Session) -> tuple[Exchange, Facts, Request]:
    """Send ``request`` as the probes do (a LIP request with a new liveCode: it is single-use; a
    new serialNo: 随机唯一); the request as sent comes back too."""
    body = request.json if isinstance(request.json, dict) else {}
    face = body.get("faceData")
    if isinstance(face, dict) and face.get("videoType") == "LIP" and "liveCode" in body:
        code = session.fresh_live_code() if isinstance(body["liveCode"], str) else None
        request = request if code is None else request.with_json(("liveCode",), code)
    request = fresh_serial(request, session.contract)
    return (*session.send(request, "replay"), request)


def recorded_answer(contract: Contract, api: str, data: Replay) -> Answer | None:
    """The finding's answer as the contract reads it (None: the file holds none, or a body
    shortened to text)."""
    response = data.finding.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("status"), int):
        return None
    body = response.get("body")
    return read_answer(contract, api, response["status"], body)


def _replay_rule(
    fid: str, rule_id: str, request: Request, session: Session, data: Replay
) -> ReplayOutcome:
    """The rule on fresh answers: its finding again, or not judged when an answer is nothing it
    applies to (:func:`unjudged_by`), else it holds."""
    entry = RULES.get(rule_id)
    found = recorded_answer(session.contract, session.api, data)
    for _ in range(entry.sends):
        answer, facts, sent = _send(request, session)
        ctx = RuleContext(session.contract, session.api, request.operation, facts, session.readings)
        try:
            entry.fn(ctx, answer, sent)
        except CheckFailed as failed:
            return ReplayOutcome(fid, entry.name, True, failed.message)
        if (why := unjudged_by(entry, answer)) is not None:
            return not_judged(fid, entry.name, [why])
    if (why := other_kind(entry, answer, found)) is not None:  # the answer the rule judged
        return not_judged(fid, entry.name, [why])
    return ReplayOutcome(
        fid, entry.name, False, f"{entry.name} holds on {entry.sends} fresh answer(s)"
    )


def _kind(answer: Answer) -> tuple[str, str] | None:
    """What an answer is, as an answer rule reads its fields, and at which code's place: a
    refusal, a comparison that ran, one still processing, or a success the contract cannot
    read as either (no status, no result object: "answered"); None: no envelope."""
    if answer.where is None:
        return None
    state = (
        "refused"
        if answer.refused
        else "processing"
        if answer.processing
        else ("ran" if answer.ran else "answered")
    )
    return state, answer.where


def other_kind(entry: Rule, fresh: Exchange, found: Answer | None) -> str | None:
    """Why an answer rule's silence on ``fresh`` says nothing of its finding: the finding's
    answer (``found``) was another kind (a refusal, the fresh one a comparison that ran, or the
    reverse), and a rule reads one kind's fields and returns on the other (FH-M09 a refusal's
    errmsg, FH-M01 a success's traceNo, FH-M08's two halves), so its silence is no verdict
    (session 26: a success has every field a refusal has, so asking for a field the fresh answer
    lacks called FH-M09 fixed on a service still saying SUCCESS in its refusals). A success the
    finding could not read as one (FH-M01's missing status, FH-J01's missing result) is judged
    on a whole one; a rule that judges both kinds at one place (``Rule.any_outcome`` "place":
    FH-J12's remainTimes, FH-J13's result.timestamp) is asked only for the place, one judging
    every envelope ("envelope": FH-J02's gateway code) nothing; the HTTP rules (api ``*``) judge
    any answer."""
    now = fresh.answer
    if entry.api == "*" or entry.kind != "rule" or found is None or now is None:
        return None
    was, is_ = _kind(found), _kind(now)
    if was is None or is_ is None or was == is_:
        return None
    if was[0] == "answered" and is_[0] in ("ran", "processing"):
        return None  # the malformed success the finding was about, mended
    if entry.any_outcome == "envelope" or entry.any_outcome == "place" and was[1] == is_[1]:
        return None
    shown = [f"{state} ({where})" for state, where in (was, is_)]
    return (
        f"the finding's answer was {shown[0]}, the fresh one is {shown[1]} ({now.code_key}): "
        f"rule {entry.id} ({entry.name}) did not meet what it judged"
    )


def _replay_answered(fid: str, request: Request, session: Session) -> ReplayOutcome:
    """Send the request once more with the run's client timeout: does it get an answer now?"""
    try:
        answer, _, _ = _send(request, session)
    except NoAnswer as again:
        return ReplayOutcome(fid, ANSWERED, True, str(again).splitlines()[0])
    return ReplayOutcome(fid, ANSWERED, False, f"answered now: HTTP {answer.status}")


def _replay_probe(fid: str, entry: Any, session: Session, data: Replay) -> ReplayOutcome:
    """The probe again, bursting as its run did (the replay file's ``burst``)."""
    ctx = ProbeContext(
        session,
        may_burst=session.is_emulator,
        replay_burst=replay_burst(data, data.extra),
        replaying=True,
    )
    try:
        entry.fn(ctx)
    except CheckFailed as failed:
        return ReplayOutcome(fid, entry.name, True, failed.message)
    if ctx.paced_out:
        raise not_retested(fid, entry.id)
    if ctx.unjudged:  # E-082, E-045: it could not judge, so nothing says the finding is gone
        return not_judged(fid, entry.name, ctx.unjudged)
    return ReplayOutcome(fid, entry.name, False, f"probe {entry.name} passes")


def not_judged(fid: str, name: str, why: list[str]) -> ReplayOutcome:
    """A probe that ran and could not judge (``ProbeContext.unjudged``): inconclusive, never a
    pass (a JD window probe whose clocks disagree, FH-J24 throttled with no remainTimes)."""
    return ReplayOutcome(fid, name, False, f"not judged: {'; '.join(why)}", judged=False)


def _replay_in_probe(
    fid: str, check: str, rule_id: str, session: Session, data: Replay
) -> ReplayOutcome:
    """An answer rule's finding made during a probe's burst: the probe again with that burst,
    the finding's rule judging every answer (one request alone may not cross the race)."""
    probe = data.extra["probe"]
    if not (isinstance(probe, str) and probe in RULES and RULES.get(probe).kind == "probe"):
        raise InputError(f"{data.path or fid}: probe {probe!r}: expected a probe's rule id")
    entry, burst = RULES.get(probe), replay_burst(data, data.extra)
    if not burst:
        raise not_retested(fid, probe)
    name = RULES.get(rule_id).name if rule_id in RULES else check
    ctx = ProbeContext(session, may_burst=session.is_emulator, replay_burst=burst)
    try:
        entry.fn(ctx)
    except CheckFailed as failed:  # the probe's own verdict; the finding's rule is asked below
        ctx.failures.append(failed)
    operation = str(data.exchange.get("operation") or "")
    again = [  # the finding's rule on the finding's operation, as `needed` below
        f
        for f in ctx.failures
        if (f.rule_id or f.check) == (rule_id or check)
        and (f.operation == operation or not operation)
    ]
    if again:
        return ReplayOutcome(fid, name, True, again[0].message)
    if ctx.paced_out:
        raise not_retested(fid, probe)
    if rule_id in RULES:  # every answer of the burst to the finding's operation, not the last
        rule_ = RULES.get(rule_id)
        needed = [e for op, e in ctx.answers if op == operation or not operation]
        if not needed:
            return not_judged(fid, name, [f"probe {entry.name} sent no {operation} request"])
        whys = [w for e in needed if (w := unjudged_by(rule_, e)) is not None]
        if whys:  # an answer the rule could not read may be the one that crossed the race
            return not_judged(fid, name, [f"{whys[0]} ({len(whys)} of {len(needed)} answers)"])
        found = recorded_answer(
            session.contract, session.api, data
        )  # no answer of the finding's kind: not met
        others = [w for e in needed if (w := other_kind(rule_, e, found)) is not None]
        if len(others) == len(needed):
            return not_judged(fid, name, [f"{others[0]} (each of {len(needed)} answers)"])
    return ReplayOutcome(
        fid, name, False, f"{name} holds on every answer of probe {entry.name}'s burst of {burst}"
    )


def replay_burst(data: Replay, extra: dict[str, Any]) -> int | None:
    """The burst a probe's finding was found with (None: its file does not say)."""
    burst = extra.get("burst")
    if isinstance(burst, bool):  # fuzz files before session 21: bursting unpaced or not at all
        return CONCURRENT if burst else None
    if burst is None or isinstance(burst, int) and 0 <= burst <= CONCURRENT:
        return burst
    raise InputError(
        f"{data.path or data.id}: burst {burst!r}: expected 0 to {CONCURRENT} requests"
    )


def not_retested(fid: str, rule_id: str) -> InputError:
    """A race probe's replay that could not burst: the race was not crossed, so nothing says the
    finding is gone (never "fixed")."""
    return InputError(
        f"{fid}: probe {rule_id} sends requests in flight together and its replay file does not "
        "say the burst it was found with: not re-tested (run the suite again)"
    )


def _replay_envelope(fid: str, rule_id: str, request: Request, session: Session) -> ReplayOutcome:
    name = NEGATIVE_RULE[1] if rule_id == NEGATIVE_RULE[0] else POSITIVE_RULE[1]
    answer, _, _ = _send(request, session)
    seen = verdict(answer)
    if seen is None:
        return ReplayOutcome(fid, name, True, f"HTTP {answer.status}: no envelope to judge")
    rejected, refused, code = seen
    failing = not rejected if rule_id == NEGATIVE_RULE[0] else refused
    what = "accepted" if not rejected else "rejected"
    return ReplayOutcome(fid, name, failing, f"{code}: the request was {what}")


def _replay_builtin(fid: str, name: str, request: Request, session: Session) -> ReplayOutcome:
    """A schemathesis check's finding, judged by that check on the answer as its response."""
    import requests
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.transport import Response

    answer, _, _ = _send(request, session)
    if name == "unsupported_method":
        ok = answer.status == 405 and "allow" in answer.headers
        return ReplayOutcome(
            fid, name, not ok, f"HTTP {answer.status}" + ("" if ok else ", expected 405 with Allow")
        )
    load_all_checks()
    if name not in CHECKS.get_all_names():
        raise UsageError(f"replay file names check {name!r}, which this schemathesis does not have")
    schema = load_schema(session.raw_schema, base_url=session.target, seed=0, examples=1)
    methods = list(schema[request.path])
    operation = schema[request.path][request.method if request.method in methods else methods[0]]
    sent = requests.Request(request.method, session.target.rstrip("/") + request.path).prepare()
    response = Response(
        status_code=answer.status,
        headers={k.lower(): [v] for k, v in answer.headers.items()},
        content=answer.content,
        request=sent,
        elapsed=answer.elapsed_s,
        verify=True,
    )
    try:
        operation.Case(method=request.method).validate_response(
            response, checks=[CHECKS.get_one(name)]
        )
    except FailureGroup as group:
        first = group.exceptions[0]
        return ReplayOutcome(fid, name, True, f"{first.title}: {first.message}".strip())
    return ReplayOutcome(fid, name, False, f"{name} passes (HTTP {answer.status})")
