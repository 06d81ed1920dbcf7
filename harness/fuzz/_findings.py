"""Property failures -> findings with one replay file each (:mod:`harness.findings`; images by
recipe and sha256), and the replay of one.

A replay re-sends the request and judges the new answer with the same check ("same request
twice" and "A vs B = B vs A" re-send both). A state machine's finding is a sequence whose values
the service made up (liveCodes, traceNos), so the machine re-runs the saved example from the
run's hypothesis database (``RUN/hypothesis/<property>``) instead.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from harness.clients import (
    DEFAULT_TIMEOUT_S,
    Auth,
    Exchange,
    Request,
    load_credentials,
    no_answer_text,
)
from harness.conformance import _payloads as payloads
from harness.conformance._probes import burst_size
from harness.contract import Answer, Contract, ReadingLog, load_contract
from harness.errors import InputError, TargetError, UsageError
from harness.findings import (
    Candidate,
    Replay,
    build_findings,
    fresh_serial,
    image_ref,
    read_replay,
    request_of,
    resolve_images,
)
from harness.redact import image_placeholder
from harness.results import Finding, ReplayOutcome

from ._body import Body, with_images
from ._checks import (
    PropertyFailed,
    Run,
    check_answer,
    outcome,
    refused_as_invalid,
    small_async_taken,
)
from ._client import FuzzClient
from ._invalid import InvalidCase
from ._pool import image_pool, render, shows_a_face
from ._probes import PROBES_PROPERTY
from ._properties import (
    FACELESS_CHECKS,
    REENCODINGS,
    faceless_matched,
    reencoding,
    same_score,
    self_match,
    swap_symmetry,
)
from ._valid import Gen

_CASE = ("rule", "detail", "where", "codes", "exact", "field")  # InvalidCase in the fuzz section


def _compact(value: Any, depth: int = 0) -> Any:
    """Bounded copy for a report: long lists, objects and strings are cut with a note."""
    if depth > 12:
        return "…"
    if isinstance(value, dict):
        items = list(value.items())
        out = {k: _compact(v, depth + 1) for k, v in items[:40]}
        if len(items) > 40:
            out["…"] = f"{len(items) - 40} more properties"
        return out
    if isinstance(value, list):
        out_list = [_compact(v, depth + 1) for v in value[:12]]
        return out_list + ([f"… {len(value) - 12} more items"] if len(value) > 12 else [])
    if isinstance(value, str) and len(value) > 400:
        return value[:200] + f"… ({len(value)} characters)"
    return value


def request_view(
    request: Request, case: InvalidCase | None, steps: tuple[str, ...], faces_dir: Path | None
) -> dict[str, Any]:
    """The request as a finding shows it: images as sha256 placeholders, credentials as a mode."""

    def holder(part: Any) -> str:  # redact's placeholder, and how the image was encoded
        return image_placeholder(render(part.recipe, faces_dir))[:-1] + f" as {part.encoding}>"

    view: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "credentials": request.auth.mode(request.api),
    }
    if request.raw_body is not None:
        view["raw_body"] = request.raw_body[:120].decode("utf-8", "replace")
    else:
        view["body"] = _compact(with_images(request, holder))
    if request.splice:
        view["splice"] = f"{request.splice[0]} is replaced by {request.splice[1]} (nesting)"
    if case is not None:
        view["broken_rule"] = {
            "rule": case.rule,
            "detail": case.detail,
            "field": case.field,
            "expected": f"{case.where} {'/'.join(case.codes)}",
        }
    if steps:
        view["steps"] = list(steps)
    return view


def unique_key(failure: PropertyFailed) -> str:
    """One finding per bug: per property, check, broken rule and operation; a request without an
    answer says nothing about the property that sent it, so that is one per operation and kind."""
    problem, case, operation = failure.problem, failure.case, failure.request.operation
    if problem.check == "answered":
        return f"fuzz:{failure.request.api}:{operation}:answered:{problem.variant}"
    return f"fuzz:{failure.property_name}:{problem.check}:{case.rule if case else ''}:{operation}"


def write_findings(
    raw: list[tuple[PropertyFailed, bool]],
    *,
    run: Run,
    out_dir: Path,
    target: dict[str, Any],
    secrets: list[str],
) -> list[Finding]:
    """Merge by bug, order by severity, write ``findings/F-NNN.json`` and ``findings.json``."""
    faces_dir = run.gen.pool.faces_dir

    def refs(request: Request) -> Any:
        def ref(part: Any) -> dict[str, Any]:
            try:
                data: bytes | None = render(part.recipe, faces_dir)
            except (ValueError, OSError, InputError):
                data = None
            return image_ref(part.recipe, data, part.encoding)

        # an image the mutations moved out of its recorded place: a placeholder, never inline
        return payloads.to_refs(with_images(request, ref), None)

    def replay(failure: PropertyFailed, fid: str, finding: Finding) -> Replay:
        case = failure.case
        extra = {
            "property": failure.property_name,
            "seed": run.seed,
            "steps": list(failure.steps),
            "case": None if case is None else {k: getattr(case, k) for k in _CASE},
        }
        if failure.property_name.endswith(PROBES_PROPERTY):  # their replay bursts as they did
            pacer = run.client.pacer
            extra["burst"] = burst_size(pacer, unpaced=run.is_emulator or not pacer.interval)
        return Replay.of(
            failure.request,
            run.contract,
            refs,
            faces_dir=faces_dir,
            id=fid,
            suite="fuzz",
            check=finding.check,
            rule_id=finding.rule_id,
            target=target,
            timeout_s=run.client.timeout_s,
            extra=extra,
        )

    def candidate(failure: PropertyFailed, flaky: bool) -> Candidate:
        made = functools.partial(finding, failure, flaky)
        key, severity = unique_key(failure), failure.problem.severity
        return Candidate(key, severity, made, functools.partial(replay, failure))

    def finding(failure: PropertyFailed, flaky: bool) -> Finding:
        problem, case = failure.problem, failure.case
        return Finding(
            suite="fuzz",
            api=failure.request.api,
            operation=failure.request.operation,
            check=problem.check,
            severity=problem.severity,
            message=problem.message
            + (" (flaky: it did not fail again when hypothesis replayed it)" if flaky else ""),
            rule_id=case.rule if case else problem.rule,
            unique_key=unique_key(failure),
            seed=run.seed,
            request=request_view(failure.request, case, failure.steps, faces_dir),
            response=failure.exchange.excerpt() if failure.exchange else None,
            erratum=problem.erratum,
            basis=problem.basis,  # type: ignore[arg-type]
        )

    return build_findings((candidate(*f) for f in raw), out_dir=out_dir, secrets=secrets)


class Loaded(NamedTuple):
    request: Request
    case: InvalidCase | None


def load_replay(replay: Replay | Path, contract: Contract, faces_dir: Path | None = None) -> Loaded:
    """Rebuild the exact request of a fuzz replay file (images re-rendered and sha256-checked)."""
    replay = read_replay(replay)
    faces = faces_dir or (Path(replay.faces) if replay.faces else None)
    fz = replay.extra
    try:
        request = request_of(
            replay.exchange,
            contract,
            lambda body: resolve_images(
                body, lambda name, _size: render(name, faces), payloads.rebuild
            ),
        )
        if fz.get("auth"):  # written before the exchange held the auth's offset and the splice
            splice = tuple(fz["splice"]) if fz.get("splice") else None
            auth = Auth.from_mode(request.api, fz["auth"])
            request = replace(request, auth=auth, splice=splice)
        c, case = fz.get("case"), None
        if c:
            fields = (c["rule"], c["detail"], c["where"], tuple(c["codes"]), bool(c["exact"]))
            case = InvalidCase(request, *fields, c.get("field", ""))
    except InputError as exc:
        raise InputError(f"{replay.id}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{replay.id}: malformed fuzz replay file ({type(exc).__name__}: {exc})"
        ) from None
    return Loaded(request, case)


def replay_finding(
    path: Path | Replay,
    *,
    target: str | None = None,
    config: Path | None = None,
    faces_dir: Path | None = None,
) -> ReplayOutcome:
    """Re-send the request of ``findings/F-NNN.json`` of a fuzz run (default: to its target)."""
    from harness.target import open_target

    from ._properties import emulator_overrides

    contract = load_contract()
    replay = read_replay(path)
    if replay.suite != "fuzz":
        raise InputError(f"{replay.path or replay.id} is a {replay.suite} finding, not a fuzz one")
    path = replay.path or Path(replay.id)
    faces_dir = faces_dir or (Path(replay.faces) if replay.faces else None)
    prop = str(replay.extra.get("property", ""))
    loaded = None if prop.endswith(PROBES_PROPERTY) else load_replay(replay, contract, faces_dir)
    if not isinstance(replay.extra.get("steps") or [], list):
        raise InputError(f"{replay.id}: malformed fuzz replay file (its 'steps' is not a list)")
    recorded = replay.target
    where = target or (
        "emulator" if recorded.get("kind") == "emulator" else str(recorded.get("url") or "")
    )
    if not where:
        raise UsageError(f"{path} records no target; pass --target emulator or a URL")
    breaks = tuple(recorded.get("breaks") or ()) if target is None else ()
    settings = {**emulator_overrides(), "breaks": breaks} if where == "emulator" else {}
    engine = str(recorded.get("engine") or "fast")
    with open_target(where, engine=engine, **settings) as t:
        creds = load_credentials(config, demo_defaults=t.is_emulator)
        timeout_s = replay.timeout_s or DEFAULT_TIMEOUT_S
        if loaded is None:
            with FuzzClient(t.url, credentials=creds, contract=contract, timeout_s=timeout_s) as c:
                return _rerun_probes(replay, prop.partition(":")[0], c, t.is_emulator, faces_dir)
        if replay.extra.get("steps"):
            return _rerun_machine(path, replay, loaded.request.api, t, creds, faces_dir, contract)
        with FuzzClient(t.url, credentials=creds, contract=contract, timeout_s=timeout_s) as client:
            return _judge(replay, loaded, client, t.is_emulator)


def _rerun_probes(
    replay: Replay, api: str, client: FuzzClient, is_emulator: bool, faces: Path | None
) -> ReplayOutcome:
    """Run the rule book's probe that found it again (its step names it; else every probe of
    ``api``), bursting as the run did: the finding holds while it fails the same check; a race
    its replay could not burst was not re-tested (never "fixed")."""
    from harness.conformance._registry import RULES
    from harness.conformance._replay import not_judged, not_retested, replay_burst

    from ._probes import PROBE_STEP, PROBES, probe_session, run_probe

    if api not in PROBES:
        raise InputError(f"{replay.id}: malformed fuzz replay file (property of no api)")
    required = ReadingLog(replay.target.get("readings_required") or {})
    session = probe_session(
        client,
        api,
        credentials=client.credentials,
        is_emulator=is_emulator,
        faces_dir=faces,
        readings=required,
    )
    burst = replay_burst(replay, replay.extra)
    steps = [str(step) for step in replay.extra.get("steps") or ()]
    named = [r for r in PROBES[api] if f"{PROBE_STEP} {r}" in steps]
    untried: list[str] = []
    unjudged: dict[str, list[str]] = {}
    for rule_id in named or PROBES[api]:
        for problem, _, _ in run_probe(
            session,
            rule_id,
            may_burst=is_emulator,
            burst=burst,
            untried=untried,
            unjudged=unjudged,
            replaying=True,
        ):
            if problem.check == replay.check:
                return ReplayOutcome(replay.id, replay.check, True, problem.message)
    if untried:
        raise not_retested(replay.id, ", ".join(untried))
    mine = {replay.check, replay.rule_id}  # the finding's probe, by its check name or rule id
    why = [w for rid, said in unjudged.items() if mine & {rid, RULES.get(rid).name} for w in said]
    if why:  # the finding's probe could not judge now: inconclusive, never "holds now"
        return not_judged(replay.id, replay.check, why)
    message = f"{replay.check} holds now: the rule book's probes of {api} pass"
    return ReplayOutcome(replay.id, replay.check, False, message)


def _rerun_machine(
    path: Path, replay: Replay, api: str, t: Any, creds: Any, faces: Path | None, contract: Contract
) -> ReplayOutcome:
    """Run the finding's state machine again with its saved examples (and one new one)."""
    from ._runner import run_fuzz

    prop, steps = str(replay.extra.get("property", "")), len(replay.extra["steps"])
    database = path.resolve().parents[1] / "hypothesis" / prop.replace(":", "-")
    if not database.is_dir():
        raise UsageError(
            f"{path}: the finding is a {steps}-step sequence and its example database "
            f"{database} is gone; run `faceharness fuzz --property {prop}` again"
        )
    seed = replay.extra.get("seed")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(database, Path(tmp) / "hypothesis" / database.name)
        result = run_fuzz(
            t.url,
            is_emulator=t.is_emulator,
            api=api,
            max_examples=1,
            seed=seed if isinstance(seed, int) else None,
            credentials=creds,
            out_dir=Path(tmp),
            only=[prop],
            faces_dir=faces,
            max_rps=0 if t.is_emulator else None,
            contract=contract,
            request_timeout_s=replay.timeout_s or DEFAULT_TIMEOUT_S,
            required_readings=replay.target.get("readings_required") or None,
        )
    same = [f for f in result.findings if f.check == replay.check]
    if same:
        message = f"{same[0].message} (the {steps}-step sequence was re-run)"
        return ReplayOutcome(replay.id, replay.check, True, message)
    if result.status == "error":
        raise UsageError(f"{path}: the state machine could not run again: {result.error}")
    lost = [f for f in result.findings if f.check == "answered"]
    if lost and replay.check != "answered":  # a step without an answer judged nothing
        raise TargetError(
            f"{replay.id}: the target gave no answer "
            f"({lost[0].message.removeprefix('no answer: ').split(' (')[0]}), "
            "so the finding cannot be judged"
        )
    message = f"{replay.check} holds now: the saved {steps}-step sequence passes"
    return ReplayOutcome(replay.id, replay.check, False, message)


def _judge(replay: Replay, loaded: Loaded, client: FuzzClient, is_emulator: bool) -> ReplayOutcome:
    (request, case), check, contract = loaded, replay.check, client.contract

    def send(request: Request) -> tuple[Request, Exchange, Answer | None]:
        sent = fresh_serial(request, contract)  # 随机唯一: each send its own, as in the run
        exchange = client.send(sent)
        return sent, exchange, outcome(contract, sent, exchange)

    if request.auth.service_clock and client.service_clock.offset_ms is None:
        # E-019: a timestamp on the service's clock needs an answer that shows it, as the run had
        # (bad-timestamp changes the credentials alone: with valid ones the body is a comparison)
        client.send(fresh_serial(replace(request, auth=Auth()), contract))
    request, exchange, found = send(request)
    if exchange.no_answer is not None and check != "answered":  # as conformance's replay
        raise TargetError(
            f"{replay.id}: the target gave no answer "
            f"({no_answer_text(exchange.no_answer, client.timeout_s)}), "
            "so the finding cannot be judged"
        )
    readings = ReadingLog(replay.target.get("readings_required") or {})  # the run's policy's
    problems = check_answer(
        contract,
        request,
        exchange,
        request_valid=case is None,
        readings=readings,
        case=case,
        strict=case is not None and (case.exact or is_emulator),
    )
    if case is None:
        prop = str(replay.extra.get("property", "")).partition(":")[2]
        problems += refused_as_invalid(
            contract,
            found,
            prop,
            exchange,
            request,
            readings,
            lambda: small_async_taken(Gen(contract, image_pool()), lambda r: send(r)[1:]),
        )
    if check == "same_request_same_score":
        problems += same_score(found, send(request)[2])
    elif check == "swap_symmetry":
        problems += swap_symmetry(request.api, found, send(_swapped(request))[2])
    elif check == "self_match_passes":
        face = all(shows_a_face(p.recipe) for p in request.images)
        problems += self_match(
            request.api,
            found,
            contract.success_threshold("match"),
            face=face,
            contract=contract,
        )
    elif check == "reencoding_matches":
        ops = [p.recipe.rpartition("|")[2] for p in request.images]
        op = next((op for op in ops if op in REENCODINGS), "?")
        problems += reencoding(request.api, found, op, contract.success_threshold("match"))
    elif check in FACELESS_CHECKS:
        problems += faceless_matched(contract, request, found, exchange)
    same = [p for p in problems if p.check == check]
    if same:
        return ReplayOutcome(replay.id, check, True, same[0].message)
    from harness.conformance._registry import RULES, unjudged_by
    from harness.conformance._replay import not_judged, other_kind, recorded_answer

    rule = RULES.get(replay.rule_id) if replay.rule_id in RULES else None
    if rule is not None and rule.kind == "rule":  # as conformance's replay of the rule
        recorded = recorded_answer(contract, request.api, replay)
        if why := unjudged_by(rule, exchange) or other_kind(rule, exchange, recorded):
            return not_judged(replay.id, check, [why])
    answer = (
        f"{found.where} {found.code}" if found else (exchange.error or f"HTTP {exchange.status}")
    )
    return ReplayOutcome(replay.id, check, False, f"{check} holds now (answer: {answer})")


def _swapped(request: Request) -> Request:
    """B vs A: a pair request's two images (match image/faceData, JD first collection
    item/compareImageItem) trade places."""
    a, b = (part.path for part in request.images)
    get = Body(request).get
    return request.with_json(a, get(b)).with_json(b, get(a))
