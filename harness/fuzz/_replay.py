"""A fuzz finding as a replay file (:mod:`harness.findings`), and the request rebuilt from one.

Images are referenced by their recipe and sha256 (faces from ``--faces DIR`` are never copied);
credentials are an auth mode (``signed``, ``bad_sign:upper``...), never values. The ``fuzz``
section adds what only fuzz needs: the property, the seed, the auth mode, the broken rule, and
the steps of a state machine.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.clients import Auth, ImagePart, Request
from harness.contract import Contract
from harness.errors import InputError
from harness.findings import (
    AUTHORITY_KEY,
    MARK_VALID,
    Replay,
    image_ref,
    image_refs,
    read_replay,
    resolve_images,
)
from harness.results import Finding

from ._body import json_copy
from ._pool import render
from ._request import InvalidCase


def _set(body: Any, path: tuple[Any, ...], value: Any) -> None:
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def request_body(request: Request, contract: Contract, faces_dir: Path | None = None) -> Any:
    """The request body without secrets or image bytes (each image a reference with its sha256)."""
    if request.raw_body is not None:
        return {"$bytes": base64.b64encode(request.raw_body).decode("ascii")}
    body = json_copy(request.json)
    for part in request.images:
        try:
            data: bytes | None = render(part.recipe, faces_dir)
        except (ValueError, OSError, InputError):
            data = None
        try:
            _set(body, part.path, image_ref(part.recipe, data, part.encoding))
        except (KeyError, IndexError, TypeError):
            pass
    if isinstance(body, dict) and body.get(AUTHORITY_KEY) == contract.jd_fixed_fields.get(
        AUTHORITY_KEY
    ):
        body[AUTHORITY_KEY] = MARK_VALID
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
    exchange = {
        "api": request.api,
        "operation": request.operation,
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "headers": {},
        "body": request_body(request, contract, faces_dir),
        "has_body": True,
        "media_type": "application/json",
        "auth": request.auth.directive(request.api),
        "mode": "negative" if case else "positive",
    }
    extra = {
        "property": property_id,
        "seed": seed,
        "auth": request.auth.mode(request.api),
        "splice": list(request.splice) if request.splice else None,
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
    faces = (
        str(faces_dir.resolve())
        if faces_dir and any(p.recipe.startswith("faces:") for p in request.images)
        else None
    )
    return Replay(
        id=fid,
        suite="fuzz",
        check=finding.check,
        rule_id=finding.rule_id,
        target=target,
        exchange=exchange,
        timeout_s=timeout_s,
        faces=faces,
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
    try:
        ex, fz = replay.exchange, replay.extra
        body = ex["body"]
        raw = (
            base64.b64decode(body["$bytes"])
            if isinstance(body, dict) and set(body) == {"$bytes"}
            else None
        )
        parts = tuple(
            ImagePart(path, ref["$image"], str(ref.get("as") or "b64"))
            for path, ref in image_refs(body)
        )
        if raw is None:
            body = resolve_images(json_copy(body), lambda name, _size: render(name, faces))
        if isinstance(body, dict) and body.get(AUTHORITY_KEY) == MARK_VALID:
            body[AUTHORITY_KEY] = contract.jd_fixed_fields[AUTHORITY_KEY]
        request = Request(
            api=ex["api"],
            operation=ex["operation"],
            method=ex["method"],
            path=ex["path"],
            json=None if raw is not None else body,
            raw_body=raw,
            auth=Auth.from_mode(ex["api"], fz["auth"]),
            query=dict(ex.get("query") or {}),
            images=parts,
            splice=tuple(fz["splice"]) if fz.get("splice") else None,
        )
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
