"""A fuzz finding as a replay file (:mod:`harness.findings`), and a replay of it.

Images are referenced by their recipe and sha256 (faces from ``--faces DIR`` are never copied).
The ``fuzz`` section adds what only fuzz needs: the property, the seed, the broken rule, and the
steps of a state machine.

A replay re-sends the request and judges the new answer with the same check. Checks on one
answer (shape, codes, the broken rule's code, self-match, re-encoding) are judged again exactly;
"same request twice" and "A vs B = B vs A" re-send both requests. A finding from a state machine
is a sequence whose values the service made up (liveCodes, traceNos), so its steps are re-run,
not re-sent: the machine replays the saved example from the run's hypothesis database
(``RUN/hypothesis/<property>``), then judges it again.
"""

from __future__ import annotations

import functools
import operator
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.clients import DEFAULT_TIMEOUT_S, Auth, Exchange, Request, load_credentials
from harness.contract import Answer, Contract, ReadingLog, load_contract
from harness.errors import InputError, UsageError
from harness.findings import (
    Replay,
    exchange_of,
    faces_of,
    image_ref,
    read_replay,
    request_of,
    resolve_images,
)
from harness.results import Finding, ReplayOutcome

from ._body import json_copy
from ._checks import check_answer, outcome
from ._client import FuzzClient
from ._pool import render
from ._properties import (
    REENCODINGS,
    reencoding,
    refused_as_invalid,
    same_score,
    self_match,
    swap_symmetry,
)
from ._request import InvalidCase


def _with_refs(request: Request, faces_dir: Path | None) -> Any:
    """The body with each image the request records as a reference (its recipe and sha256)."""
    body = json_copy(request.json)
    for part in request.images:
        try:
            data: bytes | None = render(part.recipe, faces_dir)
        except (ValueError, OSError, InputError):
            data = None
        try:
            node = functools.reduce(operator.getitem, part.path[:-1], body)
            node[part.path[-1]] = image_ref(part.recipe, data, part.encoding)
        except (KeyError, IndexError, TypeError):
            pass
    return body


_CASE = ("rule", "detail", "where", "codes", "exact", "field")  # InvalidCase in the fuzz section


def replay_of(
    fid: str,
    finding: Finding,
    *,
    request: Request,
    case: InvalidCase | None,
    property_id: str,
    seed: int,
    steps: tuple[str, ...],
    target: dict[str, Any],
    contract: Contract,
    faces_dir: Path | None = None,
    timeout_s: float | None = None,
) -> Replay:
    exchange = exchange_of(request, contract, lambda r: _with_refs(r, faces_dir))
    return Replay(
        id=fid,
        suite="fuzz",
        check=finding.check,
        rule_id=finding.rule_id,
        target=target,
        exchange=exchange,
        timeout_s=timeout_s,
        faces=faces_of(exchange, faces_dir),
        extra={
            "property": property_id,
            "seed": seed,
            "steps": list(steps),
            "case": None if case is None else {k: getattr(case, k) for k in _CASE},
        },
    )


@dataclass(frozen=True)
class LoadedReplay:
    request: Request
    case: InvalidCase | None
    property_id: str
    check: str
    fid: str
    target: dict[str, Any]
    steps: tuple[str, ...]
    seed: int | None = None
    timeout_s: float | None = None  # the run's client timeout: a replay waits as long


def load_replay(
    replay: Replay | Path, contract: Contract, faces_dir: Path | None = None
) -> LoadedReplay:
    """Rebuild the exact request of a fuzz replay file (images re-rendered and sha256-checked)."""
    replay = read_replay(replay)
    faces = faces_dir or (Path(replay.faces) if replay.faces else None)
    fz = replay.extra
    try:
        request = request_of(
            replay.exchange,
            contract,
            lambda body: resolve_images(body, lambda name, _size: render(name, faces)),
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
    return LoadedReplay(
        request,
        case,
        str(fz.get("property", "")),
        replay.check,
        replay.id,
        replay.target,
        tuple(fz.get("steps") or ()),
        int(fz["seed"]) if isinstance(fz.get("seed"), int) else None,
        replay.timeout_s,
    )


def replay_finding(
    path: Path | Replay,
    *,
    target: str | None = None,
    config: Path | None = None,
    faces_dir: Path | None = None,
    contract: Contract | None = None,
) -> ReplayOutcome:
    """Re-send the request of ``findings/F-NNN.json`` of a fuzz run (default: to its target)."""
    from harness.target import open_target

    from ._stateful import emulator_overrides

    contract = contract or load_contract()
    replay = read_replay(path)
    if replay.suite != "fuzz":
        raise InputError(f"{replay.path or replay.id} is a {replay.suite} finding, not a fuzz one")
    path = replay.path or Path(replay.id)
    faces_dir = faces_dir or (Path(replay.faces) if replay.faces else None)
    loaded = load_replay(replay, contract, faces_dir)
    recorded = loaded.target
    where = target or (
        "emulator" if recorded.get("kind") == "emulator" else str(recorded.get("url") or "")
    )
    if not where:
        raise UsageError(f"{path} records no target; pass --target emulator or a URL")
    settings: dict[str, Any] = {}
    if where == "emulator":
        settings = {
            **emulator_overrides(),
            "breaks": tuple(recorded.get("breaks") or ()) if target is None else (),
        }
    engine = str(recorded.get("engine") or "fast")
    with open_target(where, engine=engine, **settings) as t:
        creds = load_credentials(config, demo_defaults=t.is_emulator)
        if loaded.steps:
            return _rerun_machine(path, loaded, t.url, t.is_emulator, creds, faces_dir, contract)
        timeout_s = loaded.timeout_s or DEFAULT_TIMEOUT_S
        with FuzzClient(t.url, credentials=creds, contract=contract, timeout_s=timeout_s) as client:
            return _judge(loaded, client, contract, t.is_emulator)


def _rerun_machine(
    path: Path,
    loaded: LoadedReplay,
    url: str,
    is_emulator: bool,
    creds: Any,
    faces_dir: Path | None,
    contract: Contract,
) -> ReplayOutcome:
    """Run the finding's state machine again with its saved examples (and one new one)."""
    from ._runner import run_fuzz

    database = path.resolve().parents[1] / "hypothesis" / loaded.property_id.replace(":", "-")
    if not database.is_dir():
        raise UsageError(
            f"{path}: the finding is a {len(loaded.steps)}-step sequence and its example database "
            f"{database} is gone; run `faceharness fuzz --property {loaded.property_id}` again"
        )
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(database, Path(tmp) / "hypothesis" / database.name)
        result = run_fuzz(
            url,
            is_emulator=is_emulator,
            api=loaded.request.api,
            max_examples=1,
            seed=loaded.seed,
            credentials=creds,
            out_dir=Path(tmp),
            only=[loaded.property_id],
            faces_dir=faces_dir,
            max_rps=0 if is_emulator else None,
            contract=contract,
            request_timeout_s=loaded.timeout_s or DEFAULT_TIMEOUT_S,
            required_readings=loaded.target.get("readings_required") or None,
        )
    same = [f for f in result.findings if f.check == loaded.check]
    if same:
        return ReplayOutcome(
            loaded.fid,
            loaded.check,
            True,
            f"{same[0].message} (the {len(loaded.steps)}-step sequence was re-run)",
        )
    if result.status == "error":
        raise UsageError(f"{path}: the state machine could not run again: {result.error}")
    return ReplayOutcome(
        loaded.fid,
        loaded.check,
        False,
        f"{loaded.check} holds now: the saved {len(loaded.steps)}-step sequence passes",
    )


def _judge(
    loaded: LoadedReplay, client: FuzzClient, contract: Contract, is_emulator: bool
) -> ReplayOutcome:
    request, case, check = loaded.request, loaded.case, loaded.check

    def send(request: Request) -> tuple[Exchange, Answer | None]:
        exchange = client.send(request)
        return exchange, outcome(contract, request, exchange)

    exchange, found = send(request)
    readings = ReadingLog(loaded.target.get("readings_required") or {})  # the run's policy's
    strict = case is not None and (case.exact or is_emulator)
    problems = check_answer(
        contract,
        request,
        exchange,
        request_valid=case is None,
        readings=readings,
        case=case,
        strict=strict,
    )
    if case is None:
        problems += refused_as_invalid(found, loaded.property_id.partition(":")[2])
    if check == "same_request_same_score":
        problems += same_score(found, send(request)[1])
    elif check == "swap_symmetry":
        problems += swap_symmetry(request.api, found, send(_swapped(request))[1])
    elif check == "self_match_passes":
        problems += self_match(request.api, found, contract.success_threshold("match"))
    elif check == "reencoding_matches":
        ops = [p.recipe.rpartition("|")[2] for p in request.images]
        problems += reencoding(found, next((op for op in ops if op in REENCODINGS), "?"))
    same = [p for p in problems if p.check == check]
    if same:
        return ReplayOutcome(loaded.fid, check, True, same[0].message)
    answer = (
        f"{found.where} {found.code}" if found else (exchange.error or f"HTTP {exchange.status}")
    )
    return ReplayOutcome(loaded.fid, check, False, f"{check} holds now (answer: {answer})")


def _swapped(request: Request) -> Request:
    """B vs A for a pair request (match image/faceData, JD compare/first collection item)."""
    body = dict(request.json)
    if request.api == "match":
        body["image"], body["faceData"] = (
            {"data": body["faceData"]["data"]},
            {**body["faceData"], "data": body["image"]["data"]},
        )
    else:
        first = body["collectionImageItems"][0]
        compare = body["compareImageItem"]
        body["compareImageItem"] = {**compare, "imgBase64": first["imgBase64"]}
        body["collectionImageItems"] = [{**first, "imgBase64": compare["imgBase64"]}]
    return replace(request, json=body, images=())
