"""Raw failures -> merged findings, one replay file each, ``findings.json`` and ``junit.xml``.

Repeated examples of one bug become one finding (``count``); the smallest request that showed it
is kept as the reproducing request. The finding holds it redacted (images as sha256, credentials
masked); ``findings/F-NNN.json`` holds it complete but secret-free, its face images as references
to the run's payload pool (see ``_media``), for ``faceharness replay``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.results import SEVERITIES, Finding, redact

from ._exchange import assert_secret_free
from ._media import names_in, to_refs
from ._payloads import PayloadPool
from ._raw import RawFailure

REPLAY_FORMAT = "faceharness-replay"
REPLAY_VERSION = 1
_DIGITS = re.compile(r"\d+(\.\d+)?")


def group_key(raw: RawFailure) -> str:
    if raw.rule_id:
        return f"conformance:{raw.api}:{raw.operation}:{raw.rule_id}"
    first = _DIGITS.sub("#", (raw.message or raw.title).splitlines()[0])[:120]
    return f"conformance:{raw.api}:{raw.operation}:{raw.check}:{raw.title}:{first}"


def build_findings(raws: Iterable[RawFailure], *, seed: int | None, out_dir: Path, target: dict[str, Any],
                   secrets: list[str], pool: PayloadPool, faces_dir: Path | None = None,
                   timeout_s: float | None = None) -> list[Finding]:
    """Merge, order by severity, write one replay file per finding; returns the findings.

    ``timeout_s`` (the run's client timeout) goes into every replay file, so a replay waits as
    long as the run did."""
    groups: dict[str, list[RawFailure]] = {}
    for raw in raws:
        groups.setdefault(group_key(raw), []).append(raw)
    ordered = sorted(groups.items(), key=lambda kv: (
        min(SEVERITIES.index(r.level) for r in kv[1]), kv[1][0].api, kv[1][0].operation,
        kv[1][0].rule_id or kv[1][0].check))
    folder = out_dir / "findings"
    findings: list[Finding] = []
    for number, (key, members) in enumerate(ordered, start=1):
        best = min(members, key=lambda r: r.size)
        level = min((r.level for r in members), key=SEVERITIES.index)
        fid = f"F-{number:03d}"
        path = folder / f"{fid}.json"
        message = best.message if best.rule_id else f"{best.title}: {best.message}"
        finding = Finding(
            suite="conformance", api=best.api, operation=best.operation, check=best.check, severity=level,
            message=" | ".join(line.strip() for line in message.splitlines() if line.strip())[:1000],
            rule_id=best.rule_id, unique_key=key, count=len(members), seed=seed,
            request=best.exchange.redacted_view(), response=best.response,
            reproduce=f"faceharness replay {path}", erratum=best.erratum, basis=best.basis,  # type: ignore[arg-type]
        )
        _write_replay(path, fid, finding, best, target, secrets, pool, faces_dir, timeout_s)
        findings.append(finding)
    return findings


def _write_replay(path: Path, fid: str, finding: Finding, raw: RawFailure, target: dict[str, Any],
                  secrets: list[str], pool: PayloadPool, faces_dir: Path | None,
                  timeout_s: float | None) -> None:
    exchange = raw.exchange.to_dict()
    exchange["body"] = to_refs(exchange["body"], pool)
    data: dict[str, Any] = {
        "format": REPLAY_FORMAT, "version": REPLAY_VERSION, "id": fid,
        "target": target,
        "check": {"name": raw.check, "rule_id": raw.rule_id,
                  **({"timeout_s": timeout_s} if timeout_s is not None else {})},
        "finding": finding.model_dump(mode="json"),
        "exchange": exchange,
    }
    if faces_dir is not None and any(name.startswith("faces:") for name in names_in(exchange["body"])):
        data["faces"] = str(faces_dir.resolve())
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    path.write_text(assert_secret_free(text, secrets), encoding="utf-8")


def write_findings_json(findings: list[Finding], path: Path, secrets: list[str]) -> None:
    data = [redact(f.model_dump(mode="json"), secrets, keep_keys=("severity", "suite", "check", "rule_id"))
            for f in findings]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
