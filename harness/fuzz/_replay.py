"""A fuzz finding as a replay file (:mod:`harness.findings`), and the request rebuilt from one.

Images are referenced by their recipe and sha256 (faces from ``--faces DIR`` are never copied).
The ``fuzz`` section adds what only fuzz needs: the property, the seed, the broken rule, and the
steps of a state machine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.clients import Auth, Request
from harness.contract import Contract
from harness.errors import InputError
from harness.findings import (
    Replay,
    exchange_of,
    faces_of,
    image_ref,
    read_replay,
    request_of,
    resolve_images,
)
from harness.results import Finding

from ._body import json_copy
from ._pool import render
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
            node = body
            for key in part.path[:-1]:
                node = node[key]
            node[part.path[-1]] = image_ref(part.recipe, data, part.encoding)
        except (KeyError, IndexError, TypeError):
            pass
    return body


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
    extra = {
        "property": property_id,
        "seed": seed,
        "steps": list(steps),
        "case": None
        if case is None
        else {
            "rule": case.rule,
            "detail": case.detail,
            "where": case.where,
            "codes": list(case.codes),
            "exact": case.exact,
            "field": case.field,
        },
    }
    return Replay(
        id=fid,
        suite="fuzz",
        check=finding.check,
        rule_id=finding.rule_id,
        target=target,
        exchange=exchange,
        timeout_s=timeout_s,
        faces=faces_of(exchange, faces_dir),
        extra=extra,
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
        c = fz.get("case")
        case = (
            None
            if not c
            else InvalidCase(
                request=request,
                rule=c["rule"],
                detail=c["detail"],
                where=c["where"],
                codes=tuple(c["codes"]),
                exact=bool(c["exact"]),
                field=c.get("field", ""),
            )
        )
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
