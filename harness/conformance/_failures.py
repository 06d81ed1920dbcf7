"""`CheckFailed`: a contract violation as data, also a schemathesis ``Failure`` so a rule runs
inside the engine unchanged; every failure a run records is one, with its request, until findings
are merged."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from schemathesis.core.failures import Failure, Severity

from harness import results
from harness.clients import Request
from harness.contract import Contract
from harness.findings import Candidate, Replay, exchange_of
from harness.findings import build_findings as _build
from harness.results import Finding

from ._payloads import PayloadPool, to_refs

Level = results.Severity


class CheckFailed(Failure):
    """One violated rule (``rule_id`` None: a schemathesis check, ``title`` its own)."""

    code = "FH900"
    operation: str

    def __init__(
        self,
        *,
        rule_id: str | None,
        check: str,
        operation: str,
        message: str,
        severity: Level = "high",
        erratum: str | None = None,
        request: Any = None,
        basis: str | None = None,
        at: tuple[str, ...] = (),
        title: str | None = None,
    ) -> None:
        super().__init__(
            operation=operation,
            title=f"{rule_id} {check}" if title is None else title,
            message=message,
            severity=Severity("low" if severity == "info" else severity),
        )
        self.rule_id = rule_id
        self.check = check
        self.level: Level = severity
        self.erratum = erratum
        self.basis = basis
        self.request = request
        self.at = at  # the answer's fields it is about (dotted), where the rule names them
        self.api = ""  # set with the answer when the run records it (``recorded``)
        self.response: dict[str, Any] | None = None  # excerpt of the answer
        self.burst: int | None = None  # a probe's: the requests it sent in flight together
        self.probe: str | None = None  # an answer rule's, judged during that probe's burst

    @property
    def _unique_key(self) -> str:  # one failure per rule per case in the engine's bookkeeping
        return self.rule_id or self.title

    def recorded(
        self, api: str, operation: str, request: Any, response: dict[str, Any] | None = None
    ) -> CheckFailed:
        """This failure as the run records it: with its API, operation, request and answer."""
        self.api, self.operation, self.request, self.response = api, operation, request, response
        return self

    @property
    def size(self) -> int:
        """The serialised request's size: the smallest example of a bug is the one kept."""
        request = self.request
        if request.raw_body is not None:
            return len(request.raw_body)
        return len(json.dumps(request.json, default=str)) + len(json.dumps(dict(request.query)))


_DIGITS = re.compile(r"\d+(\.\d+)?")


# rules whose findings stay apart by what their message's first line names: the kind of a
# missing answer, the schema errors of an answer
BY_FIRST_LINE = frozenset({"FH-H04", "FH-H05"})


def group_key(raw: CheckFailed) -> str:
    first = _DIGITS.sub("#", (raw.message or raw.title).splitlines()[0])[:120]
    if raw.rule_id:
        tail = f":{first}" if raw.rule_id in BY_FIRST_LINE else ""
        return f"conformance:{raw.api}:{raw.operation}:{raw.rule_id}{tail}"
    return f"conformance:{raw.api}:{raw.operation}:{raw.check}:{raw.title}:{first}"


def build_findings(
    raws: Iterable[CheckFailed],
    *,
    seed: int | None,
    out_dir: Path,
    target: dict[str, Any],
    secrets: list[str],
    pool: PayloadPool,
    contract: Contract,
    faces_dir: Path | None = None,
    timeout_s: float | None = None,
) -> list[Finding]:
    """Merge, order by severity, write one replay file per finding (with the run's client timeout,
    so a replay waits as long as the run did); returns the findings."""

    def candidate(raw: CheckFailed) -> Candidate:
        made, replayed = functools.partial(finding, raw), functools.partial(replay, raw)
        return Candidate(group_key(raw), raw.level, made, replayed, raw.size)

    def finding(raw: CheckFailed) -> Finding:
        message = raw.message if raw.rule_id else f"{raw.title}: {raw.message}"
        lines = (line.strip() for line in message.splitlines())
        return Finding(
            suite="conformance",
            api=raw.api,
            operation=raw.operation,
            check=raw.check,
            severity=raw.level,
            message=" | ".join(line for line in lines if line)[:1000],
            rule_id=raw.rule_id,
            unique_key=group_key(raw),
            seed=seed,
            request=request_view(raw.request, contract),
            response=raw.response,
            erratum=raw.erratum,
            basis=raw.basis,  # type: ignore[arg-type]
        )

    def replay(raw: CheckFailed, fid: str, merged: Finding) -> Replay:
        return Replay.of(
            raw.request,
            contract,
            lambda r: to_refs(r.json, pool),
            faces_dir=faces_dir,
            id=fid,
            suite="conformance",
            check=raw.check,
            rule_id=raw.rule_id,
            target=target,
            timeout_s=timeout_s,
            extra=({} if raw.burst is None else {"burst": raw.burst})
            | ({} if raw.probe is None else {"probe": raw.probe}),
        )

    return _build((candidate(raw) for raw in raws), out_dir=out_dir, secrets=secrets)


def request_view(request: Request, contract: Contract) -> dict[str, Any]:
    """The request for a Finding (``Finding`` itself masks images and credential keys)."""
    exchange = exchange_of(request, contract, lambda r: r.json)
    view = {"method": exchange["method"], "path": request.path}
    view["credentials"] = request.auth.describe(request.api)
    view |= {k: exchange[k] for k in ("query", "headers") if exchange[k]}
    return view | ({"body": exchange["body"]} if exchange["has_body"] else {})
