"""Replay files for fuzz findings, and re-sending one.

The file uses the conformance suite's envelope (``format: faceharness-replay``, ``version``,
``id``, ``target``, ``check``, ``finding``, ``exchange``) plus ``suite: fuzz`` and a ``fuzz``
section. Unlike conformance files it holds no image bytes: every image is a recipe with its
sha256 (faces from ``--faces DIR`` must never be copied), rebuilt and verified at replay time.
Credentials are an auth mode (``signed``, ``bad_sign:upper``...), never values.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.contract import Contract
from harness.errors import InputError
from harness.results import Finding

from ._body import json_copy
from ._pool import render
from ._request import FuzzRequest, ImagePart, InvalidCase, encode_image

REPLAY_FORMAT = "faceharness-replay"
REPLAY_VERSION = 1
AUTHORITY_KEY = "appAuthorityKey"
MARK_VALID = "<faceharness:appAuthorityKey>"       # the same markers as conformance replay files
IMAGE_KEY = "$image"


def _set(body: Any, path: tuple[Any, ...], value: Any) -> None:
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def request_record(request: FuzzRequest, contract: Contract, faces_dir: Path | None = None) -> dict[str, Any]:
    """The request without secrets or image bytes (images become ``{"$image": {...}}``)."""
    body = json_copy(request.json)
    images = []
    for part in request.images:
        try:
            data = render(part.recipe, faces_dir)
        except (ValueError, OSError, InputError):
            data = None
        entry = {"recipe": part.recipe, "encoding": part.encoding}
        if data is not None:
            entry["sha256"] = _sha(data)
        images.append({"path": list(part.path), **entry})
        if isinstance(body, (dict, list)):
            try:
                _set(body, part.path, {IMAGE_KEY: entry})
            except (KeyError, IndexError, TypeError):
                pass
    if isinstance(body, dict) and body.get(AUTHORITY_KEY) == contract.jd_fixed_fields.get(AUTHORITY_KEY):
        body[AUTHORITY_KEY] = MARK_VALID
    return {"body": body, "images": images}


def write_replay(path: Path, *, fid: str, finding: Finding, request: FuzzRequest, case: InvalidCase | None,
                 property_id: str, seed: int, steps: tuple[str, ...], target: dict[str, Any], contract: Contract,
                 secrets: list[str], faces_dir: Path | None = None, timeout_s: float | None = None) -> None:
    record = request_record(request, contract, faces_dir)
    exchange = {
        "api": request.api, "operation": request.operation, "method": request.method, "path": request.path,
        "query": dict(request.query), "headers": {},
        "body": {"$bytes": base64.b64encode(request.raw_body).decode("ascii")} if request.raw_body is not None else record["body"],
        "has_body": True, "media_type": "application/json", "auth": _directive(request), "mode": "negative" if case else "positive",
    }
    data = {
        "format": REPLAY_FORMAT, "version": REPLAY_VERSION, "id": fid, "suite": "fuzz", "target": target,
        "check": {"name": finding.check, "rule_id": finding.rule_id,
                  **({"timeout_s": timeout_s} if timeout_s is not None else {})},
        "finding": finding.model_dump(mode="json"),
        "exchange": exchange,
        "fuzz": {
            "property": property_id, "seed": seed, "auth": request.auth, "splice": list(request.splice) if request.splice else None,
            "images": record["images"], "steps": list(steps),
            "case": None if case is None else {"rule": case.rule, "detail": case.detail, "where": case.where,
                                               "codes": list(case.codes), "exact": case.exact, "field": case.field},
        },
    }
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _directive(request: FuzzRequest) -> Any:
    """The conformance suite's auth directive for the same credentials (so either can read it)."""
    mode = request.auth_mode
    if request.api == "match":
        return {"token": "fresh", "no_token": "absent", "bad_token": "invalid"}[mode]
    out: dict[str, Any] = {}
    if mode == "no_appkey":
        out["appkey"] = "absent"
    elif mode == "wrong_appkey":
        out["appkey"] = "invalid"
    elif mode == "no_timestamp":
        out["timestamp"] = "absent"
    elif mode in ("expired_timestamp", "future_timestamp"):
        out["timestamp"] = mode.split("_")[0]
    elif mode == "malformed_timestamp":
        out["timestamp"] = {"literal": request.auth.partition(":")[2]}
    elif mode == "no_sign":
        out["sign"] = "absent"
    elif mode == "bad_sign":
        out["sign"] = "invalid"
    return out


@dataclass(frozen=True)
class LoadedReplay:
    request: FuzzRequest
    case: InvalidCase | None
    property_id: str
    check: str
    fid: str
    target: dict[str, Any]
    steps: tuple[str, ...]
    seed: int | None = None
    timeout_s: float | None = None  # the run's client timeout: a replay waits as long


def load_replay(path: Path, contract: Contract, faces_dir: Path | None = None) -> LoadedReplay:
    """Rebuild the exact request of a fuzz replay file (images re-rendered and sha256-checked)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise InputError(f"{path} is not JSON; expected findings/F-NNN.json of a fuzz run") from None
    if not isinstance(data, dict) or data.get("format") != REPLAY_FORMAT or data.get("suite") != "fuzz":
        raise InputError(f"{path} is not a fuzz replay file (findings/F-NNN.json of `faceharness fuzz`)")
    try:
        ex, fz = data["exchange"], data["fuzz"]
        body = json_copy(ex["body"])
        raw = base64.b64decode(body["$bytes"]) if isinstance(body, dict) and set(body) == {"$bytes"} else None
        parts = []
        for image in fz["images"]:
            item_path = tuple(image["path"])
            part = ImagePart(item_path, image["recipe"], image["encoding"])
            parts.append(part)
            if raw is None:
                data_bytes = render(part.recipe, faces_dir)
                if image.get("sha256") and _sha(data_bytes) != image["sha256"]:
                    raise InputError(f"{path}: image {part.recipe} rebuilt with other bytes (sha256 differs); "
                                     "a package shipping the image changed")
                _set(body, item_path, encode_image(data_bytes, part.encoding))
        if isinstance(body, dict) and body.get(AUTHORITY_KEY) == MARK_VALID:
            body[AUTHORITY_KEY] = contract.jd_fixed_fields[AUTHORITY_KEY]
        request = FuzzRequest(api=ex["api"], operation=ex["operation"], method=ex["method"], path=ex["path"],
                              json=None if raw is not None else body, raw_body=raw, auth=fz["auth"],
                              query=dict(ex.get("query") or {}), images=tuple(parts),
                              splice=tuple(fz["splice"]) if fz.get("splice") else None)
        c = fz.get("case")
        case = None if not c else InvalidCase(request=request, rule=c["rule"], detail=c["detail"], where=c["where"],
                                              codes=tuple(c["codes"]), exact=bool(c["exact"]), field=c.get("field", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: malformed fuzz replay file ({type(exc).__name__}: {exc})") from None
    return LoadedReplay(request, case, str(fz.get("property", "")), str(data["check"]["name"]), str(data.get("id", "?")),
                        dict(data.get("target") or {}), tuple(fz.get("steps") or ()),
                        int(fz["seed"]) if isinstance(fz.get("seed"), int) else None,
                        _timeout(data["check"].get("timeout_s")))


def _timeout(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

