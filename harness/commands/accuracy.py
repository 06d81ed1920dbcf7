"""`faceharness accuracy`: FMR/FNMR at the documented thresholds, a verdict on each claim."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from harness.commands import _options as opt
from harness.commands._verdict import conclude, could_not_run, err, interruptible, out, summarize
from harness.console import ProgressBars

_VERDICT_STYLE = {"consistent": "green", "contradicted": "bold red", "untestable": "yellow"}


def register(app: typer.Typer) -> None:
    app.command("accuracy")(accuracy)


def accuracy(
    out_dir: Annotated[
        Path,
        opt.OutDir(
            "run directory: cache, accuracy.json, summary.json, junit.xml, report.html (reuse it "
            "to resume)"
        ),
    ],
    target: opt.Target = "emulator",
    faces: Annotated[
        Path | None,
        opt.Faces(
            "folder with images and labels.csv (file,identity[,faces]); default: the built-in set"
        ),
    ] = None,
    api: opt.Api = "all",
    max_pairs: Annotated[
        int | None,
        typer.Option(
            "--max-pairs",
            help="seeded sample of at most N pairs (genuine first) (default: every pair)",
        ),
    ] = None,
    max_rps: Annotated[
        float | None,
        typer.Option("--max-rps", help="requests per second; 0: no pacing (URL default 2)"),
    ] = None,
    max_requests: Annotated[
        int | None,
        opt.MaxRequests("calls this invocation may make; 0: unlimited (URL default 1000)"),
    ] = None,
    from_cache: Annotated[
        bool,
        typer.Option(
            "--from-cache", help="make no call: recompute the results from the cache in --out"
        ),
    ] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine", help="emulator face engine: dlib (default) or fast (not biometric)"
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="pair sample and bootstrap seed")] = 0,
    config: opt.Config = None,
    codes: opt.Codes = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="seconds a comparison may take before it fails")
    ] = 30.0,
    max_seconds: Annotated[
        float | None,
        opt.MaxSeconds(
            "time budget of the whole run (default: none); "
            "past it the run stops calling and judges what it measured"
        ),
    ] = None,
) -> None:
    """Measure FMR/FNMR with exact 95% intervals and judge each documented false-match claim."""
    from harness import interrupt
    from harness.accuracy import CACHE_FILE, RESULT_FILE, AccuracySuite
    from harness.errors import TargetError
    from harness.results import AccuracySuiteResult, inconclusive_text
    from harness.suite import RunContext

    apis = ("match", "jd") if api == "all" else (api,)  # the suite checks every option
    opt.use_codes(codes, config)  # the service's own codes: its "no face" is no error (E-014)
    notice = (
        ""
        if faces is not None
        else "[yellow]No --faces DIR: using the built-in set (2 identities); it cannot support or "
        "contradict the documented claims.[/]"
    )
    started = datetime.now(UTC)
    suite = AccuracySuite(apis=apis, max_pairs=max_pairs, engine=engine, from_cache=from_cache)
    with ProgressBars(err, eta=True, notice=notice) as bars:
        ctx = RunContext(
            target=target,
            url=target,
            is_emulator=target == "emulator",
            out_dir=out_dir,
            seed=seed,
            faces=faces,
            config=config,
            max_rps=max_rps,
            max_requests=max_requests,
            max_seconds=max_seconds,
            request_timeout_s=timeout,
            progress=bars.update,
        )
        try:
            result = interruptible(suite.run, ctx)
        except TargetError as exc:  # unreachable, credentials refused, a run of errors
            result = AccuracySuiteResult(name="accuracy", status="error", error=str(exc))
    could_not_run(result, "accuracy", target=target, started=started, out_dir=out_dir)
    stopped = interrupt.requested() or result is None
    # finished pairs stay cached: the same command resumes
    resume = (
        f"finished pairs are cached in {out_dir / CACHE_FILE}: run the same command again to resume"
    )

    def written(paths: dict[str, Path]) -> None:
        assert result is not None  # an interrupted run ends before
        files = [out_dir / RESULT_FILE, *paths.values(), out_dir / CACHE_FILE]
        out.print(f"written: {', '.join(map(str, files))}")
        if result.status == "fail":
            failed = [f for f in result.findings if f.fails]  # not E-075's convention ones
            err.print(f"[bold red]{len(failed)} documented claim(s) contradicted[/]")
            raise typer.Exit(1)
        observed = [
            r
            for r in (result.metrics.thresholds if result.metrics else [])
            if r.verdict == "contradicted"
        ]
        if observed:  # each under faceharness' reading: observed, a gate policy may require it
            errata = sorted({str((r.model_extra or {}).get("reading")) for r in observed})
            out.print(
                f"[bold yellow]{len(observed)} documented claim(s) contradicted under reading "
                f"{', '.join(errata)}[/]: observed, not failed (a gate policy's \\[readings] "
                f'{errata[0]} = "default" fails them; docs/accuracy.md)',
                highlight=False,
            )
        if result.status == "inconclusive":  # its reason is never empty (SuiteResult)
            out.print(
                "[bold]INCONCLUSIVE[/]: "
                + escape(inconclusive_text(result.reason, result.testable_when))
            )
        raise typer.Exit(0)

    # a finished run always measured (or recomputed) something
    metrics = None if stopped or result is None else result.metrics
    label = target if metrics is None else metrics.target or ""
    summary = summarize(result, "accuracy", target=label, started=started, resume=resume)
    conclude(summary, out_dir, details=lambda _shown: _print_table(metrics), written=written)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _ci(pair: Any) -> str:
    return "" if not pair else f"[{pair[0]:.2g},{pair[1]:.2g}]"


def _threshold(row: Any) -> str:
    """The operating point without the API prefix: ``score>=70``, ``result``, ``e5``."""
    name = (row.claim or "-").partition(".")[2] or (row.claim or "-")
    return f"{name} (dist.)" if (row.model_extra or {}).get("by_design") else name


def _print_table(metrics: Any) -> None:
    out.print(f"target {metrics.target}; dataset {metrics.dataset}")
    apis = list((metrics.model_extra or {}).get("apis") or {metrics.api: None})
    for api in apis:
        rows = [r for r in metrics.thresholds if (r.claim or "").startswith(f"{api}.")]
        table = Table(
            title=f"{api}: documented false-match claims (exact 95% CI)",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        table.add_column("threshold", min_width=9)
        table.add_column("claimed", justify="right")
        table.add_column("FMR", justify="right", overflow="fold")
        table.add_column("FNMR", justify="right", overflow="fold")
        table.add_column("FTA g/i", justify="right")
        table.add_column("FRR", justify="right", overflow="fold")  # ISO: FTA + FNMR (1 - FTA)
        table.add_column("verdict", no_wrap=True)
        table.add_column("impostor pairs / needed", justify="right", overflow="fold")
        for row in rows:
            fta = (row.model_extra or {}).get("fta")
            direction = f" ({row.verdict_direction})" if row.verdict_direction else ""
            reading = (row.model_extra or {}).get("reading")
            direction += f" under {reading}" if reading and row.verdict == "contradicted" else ""
            table.add_row(
                _threshold(row),
                _num(row.claimed_fmr),
                "-" if row.fmr is None else f"{_num(row.fmr)}\n{_ci(row.fmr_ci95)}",
                "-" if row.fnmr is None else f"{_num(row.fnmr)}\n{_ci(row.fnmr_ci95)}",
                "-" if not fta else f"{fta.get('genuine', 0)}/{fta.get('impostor', 0)}",
                "-" if row.frr is None else f"{_num(row.frr)}\n{_ci(row.frr_ci95)}",
                f"[{_VERDICT_STYLE.get(row.verdict, '')}]{row.verdict}{direction}[/]",
                f"{'-' if row.impostor is None else row.impostor}/"
                f"{row.impostor_pairs_needed or '-'}",
            )
        out.print(table)
    for row in metrics.thresholds:
        if row.verdict_reason:
            out.print(f"  {row.claim}: {row.verdict_reason}")
    from harness.contract import reading_lines

    for line in reading_lines(metrics.readings):  # the lines conform and fuzz print
        out.print(escape(line))
    by_api = (metrics.model_extra or {}).get("apis") or {}
    eers = {api: (data or {}).get("eer") for api, data in by_api.items()} or {
        metrics.api: metrics.eer and metrics.eer.model_dump()
    }  # every API's, not only the first's (the top-level figures are the first API's)
    for api, eer in eers.items():
        if eer:
            out.print(f"EER ({api}) {_num(eer['value'])} {_ci(eer.get('ci95'))}")
    for note in (metrics.model_extra or {}).get("notes", []):
        out.print(f"[yellow]note:[/] {note}")
