"""`faceharness load run | find-limit | worker`: load a target with a scenario of real requests.

Thin: options in, :func:`harness.loadgen.suite.execute`, tables and the run directory's
reports out. Exit 0 when the run met its criteria (or found a limit, or a lower bound of
it), 1 when it did not (SLO, errors, an aborted run, no rate passing), 2 when it could not
run (bad options, missing credentials, an unreachable target, rejected credentials).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.commands._options import Config, FastEngine, shared_options, typer_app
from harness.console import console

out = console()
err = console(stderr=True)

load_app = typer_app(
    help="Load tests: closed- and open-model runs and a QPS-limit search (docs/load.md).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(load_app, name="load")


# Options shared by both commands (typer reads them from the signatures).
Target = Annotated[
    str,
    typer.Option(
        "--target",
        help="'emulator' (embedded, loopback) or the service's base URL: the only address "
        "contacted",
    ),
]
Scenario = Annotated[
    str,
    typer.Option(
        "--scenario",
        help="one operation: match, matchIdno, liveCode, faceCompareNew (alias jd); or mixed (see "
        "--weights)",
    ),
]
OutDir = Annotated[
    Path | None, typer.Option("--out", help="run directory (default reports/load-<time>)")
]
Workers = Annotated[
    int,
    typer.Option(
        "--workers", help="Locust worker processes on this machine (0: one local process)"
    ),
]
ExpectWorkers = Annotated[
    int,
    typer.Option(
        "--expect-workers",
        help="also wait for N workers on other machines (`faceharness load worker --master "
        "HOST:PORT`); with --workers, at most 16 in all",
    ),
]
Bind = Annotated[
    str,
    typer.Option(
        "--bind",
        help="HOST[:PORT] the master listens on for --expect-workers (port default 5557); 0.0.0.0 "
        "for other machines",
    ),
]
WaitWorkers = Annotated[
    str,
    typer.Option(
        "--wait-workers",
        help="how long the master waits for all --expect-workers; then it gives up (exit 2)",
    ),
]
MaxRequests = Annotated[
    int | None,
    typer.Option(
        "--max-requests", help=f"request budget of the command (live target default {1000})"
    ),
]
Qps = Annotated[
    float | None,
    typer.Option(
        "--qps", help="emulator throttle per token/appkey (JD 10043, MATCH 42900) (default: off)"
    ),
]
Latency = Annotated[
    list[str] | None,
    typer.Option(
        "--latency",
        help="emulator added latency, e.g. fixed:50ms, stall:1s/10s, faceCompareNew=fixed:20ms; "
        "repeatable (default: none)",
    ),
]
Weights = Annotated[
    str | None,
    typer.Option(
        "--weights",
        help="mixed scenario weights (default: match=4,matchIdno=2,liveCode=1,faceCompareNew=3)",
    ),
]
Sizes = Annotated[
    str | None,
    typer.Option(
        "--sizes",
        help="image size mix: small(<32KiB)=W,medium(<128KiB)=W,large=W; default "
        "small=1,medium=3,large=1",
    ),
]
Faces = Annotated[
    Path | None,
    typer.Option("--faces", help="add the .jpg/.png photos of this folder to the built-in pool"),
]
FacesDir = Annotated[
    Path | None, typer.Option("--faces-dir", hidden=True, help="deprecated name of --faces")
]
MaxRps = Annotated[
    float | None,
    typer.Option(
        "--max-rps",
        help="highest request rate the command may send; 0: unlimited (live target default 20, "
        "emulator unlimited); request budgets still apply",
    ),
]
Pairing = Annotated[
    str, typer.Option("--pairing", help="same (one photo both sides), genuine or impostor")
]
IdnoFace = Annotated[
    Path | None,
    typer.Option(
        "--idno-face",
        help="matchIdno photo of the identity in FACEHARNESS_ID_NUM/FACEHARNESS_ID_NAME (default: "
        "the emulator's demo identity)",
    ),
]
Seed = Annotated[int, typer.Option("--seed", help="seed of the image draws")]
Timeout = Annotated[
    float, typer.Option("--timeout", help="seconds before a request counts as timed out")
]
AbortRate = Annotated[
    float | None,
    typer.Option(
        "--abort-error-rate",
        help="abort when more than this fraction of the recent answers failed: the last 5 s, or "
        "the last 10 answers at low rates (live target default 0.5)",
    ),
]
NoAbort = Annotated[bool, typer.Option("--no-abort", help="never abort on an error spike")]
Costly = Annotated[
    bool,
    typer.Option(
        "--allow-costly-load",
        help="lift the live-target ceilings (20 req/s for --rate and find-limit's --max-rate, 5 "
        "users); the request budget stays; the service may bill every call",
    ),
]


def _common(
    target: Target = "emulator",
    scenario: Scenario = "match",
    workers: Workers = 0,
    expect_workers: ExpectWorkers = 0,
    bind: Bind = "127.0.0.1:5557",
    wait_workers: WaitWorkers = "60s",
    max_requests: MaxRequests = None,
    engine: FastEngine = None,
    qps: Qps = None,
    latency: Latency = None,
    weights: Weights = None,
    sizes: Sizes = None,
    faces: Faces = None,
    faces_dir: FacesDir = None,
    pairing: Pairing = "same",
    idno_face: IdnoFace = None,
    seed: Seed = 0,
    timeout: Timeout = 10.0,
    abort_error_rate: AbortRate = None,
    no_abort: NoAbort = False,
    allow_costly_load: Costly = False,
    max_rps: MaxRps = None,
    config: Config = None,
    out_dir: OutDir = None,
) -> dict[str, Any]:
    """The options `run` and `find-limit` share (``shared_options`` gives them to both) and what a
    LoadPlan makes of them."""
    from harness.commands._options import max_rps as check_max_rps
    from harness.commands._options import positive_seconds, use_codes
    from harness.errors import UsageError
    from harness.loadgen.runner import RemoteWorkers, parse_address
    from harness.loadgen.safety import parse_duration
    from harness.loadgen.scenarios import ScenarioOptions
    from harness.loadgen.suite import EmulatorOptions

    faces_dir = _faces(faces, faces_dir)
    remote = None
    if expect_workers:
        host, port = parse_address(bind, "--bind")
        remote = RemoteWorkers(
            expect_workers, host, port, parse_duration(wait_workers, "--wait-workers")
        )
    if no_abort and abort_error_rate is not None:
        raise UsageError("give --abort-error-rate or --no-abort, not both")
    positive_seconds(timeout)
    check_max_rps(max_rps)
    use_codes(None, config)  # [codes] file = "...": the service's own codes, for classification
    options: dict[str, Any] = {"scenario": scenario, "pairing": pairing, "seed": seed}
    if weights is not None:
        options["weights"] = weights
    if sizes is not None:
        options["sizes"] = sizes
    if faces_dir is not None:
        options["faces_dir"] = str(faces_dir.resolve())
    if idno_face is not None:
        options["idno_face"] = str(idno_face.resolve())
    shaped = engine is not None or qps is not None or bool(latency)
    emulator = EmulatorOptions(engine=engine or "fast", qps=qps, latency=tuple(latency or ()))
    return {
        "out_dir": _out(out_dir),
        "target": target,
        "scenario": ScenarioOptions(**options),
        "workers": workers,
        "remote": remote,
        "max_requests": max_requests,
        "timeout_s": timeout,
        "emulator": emulator if (shaped or target == "emulator") else None,
        "config": config,
        "allow_costly": allow_costly_load,
        "max_rps": max_rps,
        "abort_error_rate": None
        if no_abort
        else ("auto" if abort_error_rate is None else abort_error_rate),
    }


@load_app.command("run")
@shared_options(_common)
def run(
    target: Target = "emulator",
    scenario: Scenario = "match",
    users: Annotated[
        int | None,
        typer.Option(
            "--users",
            help="closed model: N users, each waits for its answer (give --users, --rate or both)",
        ),
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", help="open model: R requests/s on a fixed schedule")
    ] = None,
    duration: Annotated[str, typer.Option("--duration", help="e.g. 30s, 2m")] = "30s",
    slo_p99: Annotated[
        float | None,
        typer.Option(
            "--slo-p99",
            help="fail (exit 1) when p99 exceeds this many ms (default: no p99 criterion)",
        ),
    ] = None,
    max_error_rate: Annotated[
        float | None,
        typer.Option(
            "--max-error-rate",
            help="fail (exit 1) above this error fraction, in [0, 1); a run whose every answer is "
            "an error always fails (default: no error-rate criterion)",
        ),
    ] = None,
    **common: Any,
) -> None:
    """One bounded run: --users N (closed model), --rate R (open model), or both (compared)."""
    from harness.loadgen.safety import parse_duration
    from harness.loadgen.suite import LoadPlan

    plan = LoadPlan(
        users=users, rate=rate, duration_s=parse_duration(duration), slo_p99_ms=slo_p99,
        max_error_rate=max_error_rate, **_common(target, scenario, **common),
    )  # fmt: skip
    outcome = _execute(plan, total_s=plan.duration_s * (2 if users and rate else 1))
    if outcome is None:
        _interrupted(None, plan)
    _print_runs(outcome)
    _finish(outcome, plan)


@load_app.command("find-limit")
@shared_options(_common, timeout=5.0)
def find_limit(
    target: Target = "emulator",
    scenario: Scenario = "match",
    slo_p99: Annotated[
        float, typer.Option("--slo-p99", help="a step passes only with p99 at or below this (ms)")
    ] = 1000.0,
    max_error_rate: Annotated[
        float,
        typer.Option(
            "--max-error-rate",
            help="a step passes only with errors (and throttling) at or below this fraction",
        ),
    ] = 0.01,
    start_rate: Annotated[
        float | None,
        typer.Option("--start-rate", help="first step, requests/s (emulator 10, live 1)"),
    ] = None,
    max_rate: Annotated[
        float | None,
        typer.Option(
            "--max-rate",
            help="highest rate tried (default: the ceiling, live target 20; 2000 on the emulator "
            "or with --allow-costly-load or --max-rps 0)",
        ),
    ] = None,
    step: Annotated[
        str, typer.Option("--step", help="measured seconds per step (after a 1 s warm-up)")
    ] = "3s",
    time_budget: Annotated[
        str, typer.Option("--time-budget", help="stop searching after about this long")
    ] = "5m",
    required_rps: Annotated[
        float | None,
        typer.Option(
            "--required-rps",
            help="fail (exit 1) when the limit is below this; a search stopped below it without "
            "failing is inconclusive, exit 0 (default: no minimum)",
        ),
    ] = None,
    **common: Any,
) -> None:
    """Step the open-model rate up, then bisect, to the highest rate meeting the SLO."""
    from harness.loadgen.safety import parse_duration
    from harness.loadgen.suite import LimitOptions, LoadPlan

    search = LimitOptions(
        slo_p99_ms=slo_p99, max_error_rate=max_error_rate, start_rate=start_rate,
        max_rate=max_rate, step_s=parse_duration(step, "--step"),
        time_budget_s=parse_duration(time_budget, "--time-budget"), required_rps=required_rps,
    )  # fmt: skip
    if search.step_s < 1:
        from harness.errors import UsageError

        raise UsageError(f"--step must be at least 1s, got {step!r}")
    plan = LoadPlan(search=search, **_common(target, scenario, **common))
    outcome = _execute(plan, total_s=None)
    if outcome is None:
        _interrupted(None, plan)
    _print_limit(outcome)
    _finish(outcome, plan)


@load_app.command("worker")
def worker(
    master: Annotated[
        str,
        typer.Option(
            "--master",
            help="HOST[:PORT] of the master: a `load run` or `find-limit` with --expect-workers "
            "(port default 5557)",
        ),
    ],
    wait: Annotated[
        str, typer.Option("--wait", help="end when no master has come for this long")
    ] = "60s",
    config: Config = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="directory of the worker's Locust logs (default reports/load-worker-<time>)",
        ),
    ] = None,
) -> None:
    """Send load for masters on other machines: one run after another, until none comes.

    The master sends the scenario, rates and target; this machine sends the requests and
    returns its HDR histograms to the master, which merges them exactly. Credentials come
    from the environment or --config here, as for any command.
    """
    from harness.loadgen.runner import serve_worker
    from harness.loadgen.safety import parse_duration
    from harness.loadgen.suite import credential_env

    wait_s = parse_duration(wait, "--wait")
    folder = out_dir or Path("reports") / datetime.now().strftime("load-worker-%Y%m%d-%H%M%S")
    runs = serve_worker(
        master, out_dir=folder, wait_s=wait_s, env=credential_env(config, demo=False),
        on_run=lambda n: err.print(f"run {n} done; waiting up to {wait} for the next master"),
    )  # fmt: skip
    out.print(f"served {runs} run(s) for {master}; logs in {folder}/logs")


# -- option assembly -------------------------------------------------------------------------


def _faces(faces: Path | None, faces_dir: Path | None) -> Path | None:
    """``--faces``, or ``--faces-dir`` (its old, hidden name): a folder, checked before any load."""
    from harness.errors import UsageError
    from harness.faces import sample_faces

    if faces is not None and faces_dir is not None:
        raise UsageError("give --faces only (--faces-dir is its old name)")
    folder = faces if faces is not None else faces_dir
    if folder is not None:
        sample_faces(folder)  # a bad folder or labels.csv: one line now, not in a Locust process
    return folder


def _out(out_dir: Path | None) -> Path:
    return out_dir or Path("reports") / datetime.now().strftime("load-%Y%m%d-%H%M%S")


# -- running with progress -------------------------------------------------------------------


def _execute(plan: Any, *, total_s: float | None) -> Any:
    """The run's outcome; None when it was interrupted before it had one (Ctrl-C, SIGTERM)."""
    from harness import interrupt
    from harness.commands._verdict import interruptible
    from harness.loadgen.suite import execute

    bar = _Bar(total_s)
    try:
        outcome = interruptible(execute, plan, progress=bar.update, on_step=bar.step)
    finally:
        bar.stop(quiet=interrupt.requested() is not None)
    if outcome is not None and interrupt.requested():
        _interrupted(outcome, plan)
    return outcome


def _interrupted(outcome: Any, plan: Any) -> None:
    """Write what the interrupted run had (verdict ``interrupted``), one line, exit 130."""
    from harness.commands._verdict import conclude, summarize

    suite = outcome.suite if outcome is not None else None
    summary = summarize(suite, "load", target=plan.target, started=datetime.now(UTC))
    conclude(
        summary, plan.out_dir, secrets=outcome.secrets if outcome is not None else (), console=out
    )


class _Bar:
    """A rich progress line on stderr: elapsed, answers, last-second rate and p99."""

    def __init__(self, total_s: float | None) -> None:
        self.total_s = total_s
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[info]}"), console=err, transient=False,
        )  # fmt: skip
        self.task: TaskID | None = None
        self.offset = 0.0
        self.mode: str | None = None
        self.last_elapsed = 0.0
        self.label: str | None = None  # "step N: R/s" during a limit search

    def _ensure(self, label: str) -> TaskID:
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task(label, total=self.total_s, info="")
        return self.task

    def update(self, p: Any) -> None:
        task = self._ensure(p.mode)
        rps = "-" if p.last_second_rps is None else f"{p.last_second_rps:.0f}/s"
        p99 = "-" if p.last_second_p99_ms is None else f"{p.last_second_p99_ms:.1f} ms"
        info = f"{p.completed} answers, {p.errors} not ok, last second {rps}, p99 {p99}"
        if self.mode is not None and p.mode != self.mode:  # the second model of a compared run
            self.offset += self.last_elapsed
        self.mode, self.last_elapsed = p.mode, p.elapsed_s
        completed = None if self.total_s is None else min(self.total_s, self.offset + p.elapsed_s)
        self.progress.update(task, description=self.label or p.mode, info=info, completed=completed)

    def step(self, index: int, rate: float, result: Any) -> None:
        task = self._ensure("find-limit")
        if result is None:
            self.label = f"step {index}: {rate:.1f}/s"
            self.progress.update(task, description=self.label, info="")
            return
        p99 = "-" if result.p99_ms is None else f"{result.p99_ms:.1f} ms"
        self.progress.console.print(
            f"step {index}: offered {rate:.1f}/s, achieved {result.achieved_rps:.1f}/s, "
            f"ok {result.ok_rps:.1f}/s, p99 {p99}, errors {result.error_rate:.1%}, "
            f"throttled {result.throttled_rate:.1%}"
        )

    def stop(self, quiet: bool = False) -> None:
        if self.task is not None:
            console = self.progress.console
            console.quiet = quiet  # interrupted: the run's one closing line says it all
            self.progress.stop()
            console.quiet = False


# -- output ----------------------------------------------------------------------------------

_ROWS = (
    ("throughput_rps", "answers/s"), ("goodput_rps", "successful answers/s"),
    ("offered_rps", "offered/s"), ("error_rate", "non-success fraction"),
    ("latency_ms.p50", "p50 ms"), ("latency_ms.p90", "p90 ms"), ("latency_ms.p99", "p99 ms"),
    ("latency_ms.p999", "p99.9 ms"), ("latency_ms.max", "max ms"),
    ("late_sends", "late sends"), ("dropped_sends", "dropped sends"), ("stop_reason", "stopped by"),
)  # fmt: skip


def _get(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.1f}"
    return "-" if value is None else str(value)


def _print_runs(outcome: Any) -> None:
    if not outcome.runs:
        return
    table = Table(title="Load run (each column is one model, never blended)", box=box.SIMPLE_HEAD)
    table.add_column("metric")
    columns: list[tuple[str, dict[str, Any]]] = []
    for run in outcome.runs:
        s = run.summary
        columns.append((f"{s['mode']}\n(latency from {s['latency_ms']['measured_from']})", s))
    last = outcome.runs[-1].summary
    if last["mode"] == "open-model":  # what a closed-loop tool would have reported
        service = {**last, "latency_ms": last["service_ms"]}
        columns.append(("open-model service time\n(from actual send)", service))
    for label, _ in columns:
        table.add_column(label, justify="right")
    for key, text in _ROWS:
        table.add_row(text, *[_fmt(_get(s, key)) for _, s in columns])
    out.print(table)
    for run in outcome.runs:
        s = run.summary
        codes = ", ".join(f"{c} x{n}" for c, n in s["errors_by_code"].items()) or "none"
        out.print(f"{s['mode']}: {s['totals']['completed']} answers; not ok by code: {codes}")
        if s.get("abort_reason"):
            err.print(f"[bold red]aborted:[/] {s['abort_reason']}")
        for warning in s.get("warnings", []):
            err.print(f"[yellow]warning:[/] {warning}")
    metrics = outcome.suite.metrics
    for note in (metrics.model_extra or {}).get("notes", []) if metrics is not None else []:
        err.print(f"[yellow]note:[/] {note}")


def _print_limit(outcome: Any) -> None:
    from harness.loadgen.limit import describe_limit, search_higher

    found = outcome.limit
    if found is None:
        return
    table = Table(
        title="Limit search evidence (open model, steady-state window)", box=box.SIMPLE_HEAD
    )
    for col in (
        "step",
        "phase",
        "offered/s",
        "achieved/s",
        "ok/s",
        "p99 ms",
        "errors",
        "throttled",
        "verdict",
    ):
        table.add_column(col, justify="right" if col not in ("phase", "verdict") else "left")
    for row in found.table():
        verdict = "good" if row["verdict"] == "good" else "bad: " + "; ".join(row["reasons"])
        table.add_row(
            str(row["step"]), row["phase"], _fmt(row["offered_rps"]), _fmt(row["achieved_rps"]),
            _fmt(row["ok_rps"]), _fmt(row["p99_ms"]), f"{row['error_rate']:.1%}",
            f"{row['throttled_rate']:.1%}", verdict,
        )  # fmt: skip
    out.print(table)
    limit = describe_limit(found.reported_rps, found.bound, found.stopped_by)
    knee = "-" if found.knee_rps is None else f"{found.knee_rps:.1f}/s"
    out.print(f"limit: {limit}; open model, stopped by {found.stopped_by}; knee: {knee}")
    if found.plateau_rps is not None:
        out.print(f"throttle plateau: {found.plateau_rps:.1f} ok/s")
    for note in found.notes:
        out.print(f"[yellow]note:[/] {note}")
    metrics = outcome.suite.metrics
    inconclusive = (metrics.model_extra or {}).get("inconclusive") if metrics is not None else None
    if inconclusive:
        out.print(f"[bold]inconclusive:[/] {inconclusive}")
    elif found.bound == "lower":
        out.print(
            "no step failed, so this is a lower bound; to search higher, "
            f"{search_higher(found.stopped_by)}"
        )


def _finish(outcome: Any, plan: Any) -> None:
    """Write summary.json, junit.xml and report.html; exit by the suite's status."""
    from harness.commands._verdict import summarize
    from harness.errors import HarnessError
    from harness.report import write_reports

    suite = outcome.suite
    summary = summarize(suite, "load", target=plan.target, started=datetime.now(UTC))
    write_reports(summary, plan.out_dir, outcome.secrets)
    entries = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in plan.out_dir.iterdir()
        if p.name not in ("parts", "logs", "run-config.json") and not p.name.startswith("locust_")
    )
    out.print(f"written: {plan.out_dir}/ {' '.join(entries)}")
    if suite.status == "error":
        raise HarnessError(suite.error or "the load run failed")
    for finding in suite.findings:
        err.print(f"[bold red]{finding.check}:[/] {finding.message}")
    if suite.status == "fail":
        raise typer.Exit(1)
    if summary.inconclusive_items():  # e.g. a limit only bounded: never a plain PASS
        from harness.results import verdict_line

        out.print(verdict_line(summary), markup=False)
        raise typer.Exit(summary.exit_code)
