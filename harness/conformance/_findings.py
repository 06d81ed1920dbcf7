"""Raw failures -> candidates for :func:`harness.findings.build_findings`.

A finding holds the reproducing request redacted (images as sha256, credentials masked); its
replay file holds it complete but secret-free, face images as references to the run's payload
pool (see ``_media``), for ``faceharness replay``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.findings import Candidate, Replay
from harness.findings import build_findings as _build
from harness.results import Finding

from ._media import names_in, to_refs
from ._payloads import PayloadPool
from ._raw import RawFailure

_DIGITS = re.compile(r"\d+(\.\d+)?")


def group_key(raw: RawFailure) -> str:
    if raw.rule_id:
        return f"conformance:{raw.api}:{raw.operation}:{raw.rule_id}"
    first = _DIGITS.sub("#", (raw.message or raw.title).splitlines()[0])[:120]
    return f"conformance:{raw.api}:{raw.operation}:{raw.check}:{raw.title}:{first}"


def build_findings(
    raws: Iterable[RawFailure],
    *,
    seed: int | None,
    out_dir: Path,
    target: dict[str, Any],
    secrets: list[str],
    pool: PayloadPool,
    faces_dir: Path | None = None,
    timeout_s: float | None = None,
) -> list[Finding]:
    """Merge, order by severity, write one replay file per finding; returns the findings.

    ``timeout_s`` (the run's client timeout) goes into every replay file, so a replay waits as
    long as the run did."""

    def candidate(raw: RawFailure) -> Candidate:
        message = raw.message if raw.rule_id else f"{raw.title}: {raw.message}"
        finding = Finding(
            suite="conformance",
            api=raw.api,
            operation=raw.operation,
            check=raw.check,
            severity=raw.level,
            message=" | ".join(line.strip() for line in message.splitlines() if line.strip())[
                :1000
            ],
            rule_id=raw.rule_id,
            unique_key=group_key(raw),
            seed=seed,
            request=raw.exchange.redacted_view(),
            response=raw.response,
            erratum=raw.erratum,
            basis=raw.basis,  # type: ignore[arg-type]
        )

        def replay(fid: str, merged: Finding) -> Replay:
            exchange = raw.exchange.to_dict()
            exchange["body"] = to_refs(exchange["body"], pool)
            used = any(name.startswith("faces:") for name in names_in(exchange["body"]))
            return Replay(
                id=fid,
                suite="conformance",
                check=raw.check,
                rule_id=raw.rule_id,
                target=target,
                exchange=exchange,
                timeout_s=timeout_s,
                faces=str(faces_dir.resolve()) if faces_dir is not None and used else None,
            )

        return Candidate(finding, replay, raw.size)

    return _build((candidate(raw) for raw in raws), out_dir=out_dir, secrets=secrets)
