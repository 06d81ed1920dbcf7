"""Property failures -> findings (merged, ordered), one replay file each, and ``findings.json``."""

from __future__ import annotations

import functools
import hashlib
import operator
from pathlib import Path
from typing import Any

from harness.clients import Request
from harness.findings import Candidate, build_findings
from harness.results import Finding

from ._body import json_copy
from ._context import PropertyFailed, Run
from ._pool import render
from ._replay import replay_of
from ._request import InvalidCase


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
    body = json_copy(request.json)
    for part in request.images:
        try:
            data = render(part.recipe, faces_dir)
            holder = (
                f"<image sha256={hashlib.sha256(data).hexdigest()} bytes={len(data)} as "
                f"{part.encoding}>"
            )
            functools.reduce(operator.getitem, part.path[:-1], body)[part.path[-1]] = holder
        except (KeyError, IndexError, TypeError, ValueError, OSError):
            continue
    view: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "credentials": request.auth.mode(request.api),
    }
    if request.raw_body is not None:
        view["raw_body"] = request.raw_body[:120].decode("utf-8", "replace")
    else:
        view["body"] = _compact(body)
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


def finding_of(failure: PropertyFailed, run: Run, flaky: bool) -> Finding:
    problem, case = failure.problem, failure.case
    message = problem.message + (
        " (flaky: it did not fail again when hypothesis replayed it)" if flaky else ""
    )
    return Finding(
        suite="fuzz",
        api=failure.request.api,
        operation=failure.request.operation,
        check=problem.check,
        severity=problem.severity,
        message=message,
        rule_id=case.rule if case else None,
        unique_key=unique_key(failure),
        seed=run.seed,
        request=request_view(failure.request, case, failure.steps, run.gen.pool.faces_dir),
        response=failure.exchange.excerpt() if failure.exchange else None,
        erratum=problem.erratum,
        basis=problem.basis,  # type: ignore[arg-type]
    )


def write_findings(
    raw: list[tuple[PropertyFailed, bool]],
    *,
    run: Run,
    out_dir: Path,
    target: dict[str, Any],
    secrets: list[str],
) -> list[Finding]:
    """Merge by bug, order by severity, write ``findings/F-NNN.json`` and ``findings.json``."""

    def candidate(failure: PropertyFailed, flaky: bool) -> Candidate:
        return Candidate(
            finding_of(failure, run, flaky),
            functools.partial(
                replay_of,
                request=failure.request,
                case=failure.case,
                property_id=failure.property_name,
                seed=run.seed,
                steps=failure.steps,
                target=target,
                contract=run.contract,
                faces_dir=run.gen.pool.faces_dir,
                timeout_s=run.client.timeout_s,
            ),
        )

    return build_findings(
        (candidate(f, flaky) for f, flaky in raw), out_dir=out_dir, secrets=secrets
    )
