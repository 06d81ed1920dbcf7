"""`faceharness conform`: does the service keep its contract? schemathesis, rules, probes."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from harness.commands import _options as opt
from harness.commands._verdict import (
    conclude,
    could_not_run,
    err,
    out,
    run_on_target,
    sender_options,
    summarize,
)
from harness.contract import reading_lines
from harness.results import ConformanceMetrics, ConformanceSuiteResult, inconclusive_text


def register(app: typer.Typer) -> None:
    app.command("conform")(conform)


def conform(
    out_dir: Annotated[
        Path,
        opt.OutDir("run directory: summary.json, junit.xml, report.html, findings.json, findings/"),
    ],
    target: opt.Target = "emulator",
    api: opt.Api = "all",
    examples: Annotated[
        int | None, typer.Option("--examples", help="fuzzing examples per operation (default 100)")
    ] = None,
    seed: opt.Seed = None,
    max_rps: opt.MaxRps = None,
    max_requests: Annotated[
        int | None, opt.MaxRequests("request budget of the run (URL default 557)")
    ] = None,
    faces: Annotated[Path | None, opt.Faces("extra jpg/png images for generated requests")] = None,
    break_: opt.Breaks = None,
    config: Annotated[
        Path | None,
        opt.ConfigFile(
            "TOML with [credentials] and [conformance] (never put secrets on the command line)"
        ),
    ] = None,
    include_extensions: Annotated[
        bool,
        typer.Option(
            "--include-extensions",
            help="also test asyncResult (an extension, E-013) on URL targets",
        ),
    ] = False,
    phases: Annotated[
        str,
        typer.Option(
            "--phases", help="schemathesis phases, comma-separated: examples,coverage,fuzzing"
        ),
    ] = "examples,coverage,fuzzing",
    timeout: opt.RequestTimeout = 60.0,
    max_seconds: Annotated[
        float,
        opt.MaxSeconds("time budget of the whole run; past it the run stops sending and reports"),
    ] = 1800.0,
    codes: opt.Codes = None,
    reading: opt.Readings = None,
) -> None:
    """Run schemathesis and the contract's business rules against the target; findings come with
    replay files."""
    from datetime import UTC, datetime

    from harness.config import load_credentials, read_config
    from harness.conformance import (
        DEFAULT_EXAMPLES,
        ConformanceSuite,
        conformance_target,
        prepare_out_dir,
        validate_options,
    )
    from harness.emulator import parse_readings_option
    from harness.faces import sample_faces

    breaks = tuple(break_ or ())
    opt.emulator_only(target, break_=breaks, reading=reading)
    served = parse_readings_option(reading)
    chosen = tuple(p.strip() for p in phases.split(",") if p.strip())
    examples = DEFAULT_EXAMPLES if examples is None else examples
    apis = validate_options(api, examples, max_rps, max_requests, chosen)
    opt.positive_seconds(timeout)
    opt.positive_seconds(max_seconds, "--max-seconds")
    opt.use_codes(codes, config)
    opt.check_breaks(breaks)
    if faces is not None:
        sample_faces(faces)  # the face pool, as fuzz checks it
    settings = read_config(config).conformance
    if "match" in apis:  # /idno's identity, before any traffic (a JD-only run sends none)
        settings.check_identity()
    opt.check_live_target(target, config, apis)
    out_dir = prepare_out_dir(out_dir)
    creds = load_credentials(config, demo_defaults=target == "emulator")
    suite = ConformanceSuite(
        api=api,
        examples=examples,
        phases=chosen,
        settings=settings,
        include_extensions=include_extensions or None,
    )
    started = datetime.now(UTC)
    result, _ = run_on_target(
        suite,
        conformance_target(target, breaks, creds, served),
        err.status("conformance: starting"),
        lambda status: lambda done, total, text: status.update(f"conformance: {text}"),
        apis=apis,
        credentials=creds,
        **sender_options(
            target, out_dir, seed, faces, max_rps, max_requests, max_seconds, timeout, breaks
        ),
    )
    could_not_run(result, "conformance", target=target, started=started, out_dir=out_dir,
                  secrets=creds.secrets())  # fmt: skip
    summary = summarize(result, "conformance", target=target, started=started)
    ran = summary.suites.conformance

    def written(paths: dict[str, Path]) -> None:
        out.print(
            f"reports: {', '.join(str(p) for p in paths.values())}, {out_dir / 'findings.json'}"
            + (f", {out_dir / 'findings'}/F-*.json" if ran.findings else "")
        )

    conclude(
        summary,
        out_dir,
        secrets=creds.secrets(),
        details=lambda shown: render_summary(shown.suites.conformance or ran),
        written=written,
        verdict=False,
    )


_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def render_summary(result: ConformanceSuiteResult) -> None:
    metrics = result.metrics or ConformanceMetrics()
    # (api, operation) -> its failing checks, each with its number of findings
    failing: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    passed: Counter[tuple[str, str]] = Counter()
    for check in result.checks:
        key = (check.api or "", check.operation)
        if check.status == "fail":
            failing[key][check.check] += 0
        else:
            passed[key] += 1
    for finding in result.findings:
        failing[(finding.api, finding.operation)][finding.check] += 1
    table = Table(title="Conformance by operation and check")
    for column in ("api", "operation", "requests", "checks passed", "failing checks"):
        table.add_column(column)
    for api, operation in sorted(set(failing) | set(passed)):
        shown = ", ".join(
            f"{c} ({n})" if n > 1 else c for c, n in sorted(failing[(api, operation)].items())
        )
        table.add_row(
            api,
            operation,
            str(metrics.requests_by_operation.get(operation, "")),
            str(passed[(api, operation)]),
            f"[red]{shown}[/red]" if shown else "[green]none[/green]",
        )
    out.print(table)
    for finding in result.findings:
        fid = (finding.reproduce or "").rsplit("/", 1)[-1].removesuffix(".json")
        times = f" x{finding.count}" if finding.count > 1 else ""
        out.print(
            f"[bold]{fid}[/bold] [{_STYLE[finding.severity]}]{finding.severity}[/] "
            f"{finding.rule_id or ''} {finding.check} ({finding.api} {finding.operation}){times}"
        )
        out.print("  " + finding.message, markup=False, highlight=False)
        if finding.not_counted:
            out.print(f"  {finding.not_counted}", markup=False, highlight=False)
        if finding.reproduce:
            out.print(f"  reproduce: {finding.reproduce}", markup=False, highlight=False)
    for api, info in sorted(metrics.apis.items()):
        for error in info.engine_errors:
            warning = f"[yellow]warning[/yellow] {api}: schemathesis reported an error: {error}"
            out.print(warning, highlight=False)
    for line in reading_lines(metrics.readings):
        out.print(line, markup=False, highlight=False)
    unpaced = sorted({p for info in metrics.apis.values() for p in info.probes_unpaced})
    if unpaced:
        out.print(
            f"not run at this pace: {', '.join(unpaced)} (they send requests in flight together: "
            "--max-rps 2 or more runs them as a mini-burst, --max-rps 0 in full)",
            markup=False,
            highlight=False,
        )
    for api, info in sorted(metrics.apis.items()):
        for rid, why in sorted(info.probes_unjudged.items()):
            out.print(f"not judged: {api} {rid}: {why}", markup=False, highlight=False)
    if note := examples_cut(metrics):
        out.print(note, markup=False, highlight=False)
    marks = {"pass": "[green]PASS[/green]", "fail": "[red]FAIL[/red]", "error": "[red]ERROR[/red]"}
    verdict = marks.get(result.status, result.status.upper())
    budget = " (request budget spent)" if metrics.request_budget_spent else ""
    if metrics.time_budget_spent:
        budget = (
            f" (time budget of {metrics.max_seconds or 0:g} s spent: stopped sending, "
            "results so far)"
        )
    ran = (
        f"{len(result.findings)} findings, {metrics.requests} requests in "
        f"{result.duration_s or 0:.1f} s, seed {result.seed}{budget}"
    )
    if result.status == "inconclusive":  # its reason, not the budget, says why
        why = inconclusive_text(result.reason, result.testable_when)
        out.print(f"[bold]INCONCLUSIVE[/]: {escape(why)}")
        out.print(f"listed, not failing: {ran}", markup=False, highlight=False)
        return
    out.print(f"{verdict}: {ran}")


def examples_cut(metrics: ConformanceMetrics) -> str | None:
    """Which APIs' schemathesis phase its share of the budget stopped before ``--examples`` were
    all tried (the rule probes then had the rest): a run's examples are bounded in time and
    requests, and the run says when the bound, not the number, ended them."""
    cut = [api for api, run in sorted(metrics.apis.items()) if run.stop_reason == "interrupted"]
    spent = ["time"] * metrics.time_budget_spent + ["request"] * metrics.budget_exhausted
    if not cut or not spent:
        return None
    return (
        f"examples cut: schemathesis ({', '.join(cut)}) stopped at its share of the "
        f"{' and '.join(spent)} budget before --examples {metrics.examples} per operation were "
        "all tried (more: --max-seconds, --max-requests)"
    )
