"""`faceharness load run | find-limit | worker`: options in, a ``LoadSuite`` run, tables out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from inspect import Parameter, Signature
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.commands._options import (
    Config,
    F,
    FastEngine,
    OutDir,
    RequestTimeout,
    Target,
    path_option,
    typer_app,
)
from harness.commands._verdict import conclude, err, interruptible, out, summarize
from harness.errors import HarnessError, UsageError
from harness.loadgen.safety import parse_duration
from harness.results import LoadMetrics
from harness.suite import RunContext

if TYPE_CHECKING:
    from harness.loadgen.suite import LoadSuite


load_app = typer_app(
    help="Load tests: closed- and open-model runs and a QPS-limit search (docs/load.md)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(load_app, name="load")


def _option(name: str, kind: Any, default: Any, flag: str = "", help: str = "", **more: Any
            ) -> Parameter:  # fmt: skip
    declare = path_option if kind == Path | None else typer.Option  # a file: never the empty path
    annotation = Annotated[kind, declare(flag, help=help, **more)] if flag else kind
    return Parameter(name, Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation)


def _options(*params: Parameter) -> Callable[[F], F]:
    """Give a command these options (typer reads its ``__signature__``)."""

    def decorate(command: F) -> F:
        setattr(command, "__signature__", Signature(list(params)))
        return command

    return decorate


_HEAD = (
    _option("target", Target, "emulator"),
    _option("scenario", str, "match", "--scenario", "one operation: match, matchIdno, liveCode, "
            "faceCompareNew (alias jd); or mixed (see --weights)"),
)  # fmt: skip
# The options `run` and `find-limit` share, after their own (:func:`_common` reads them).
_SHARED = (
    _option("workers", int, 0, "--workers",
            "Locust worker processes on this machine (0: one local process)"),
    _option("expect_workers", int, 0, "--expect-workers", "also wait for N workers on other "
            "machines (`faceharness load worker --master HOST:PORT`); with --workers, at most 16 "
            "in all"),
    _option("bind", str, "127.0.0.1:5557", "--bind", "HOST[:PORT] the master listens on for "
            "--expect-workers (port default 5557); 0.0.0.0 for other machines"),
    _option("wait_workers", str, "60s", "--wait-workers",
            "how long the master waits for all --expect-workers; then it gives up (exit 2)"),
    _option("max_requests", int | None, None, "--max-requests",
            "request budget of the command (live target default 1000)"),
    _option("engine", FastEngine, None),
    _option("qps", float | None, None, "--qps",
            "emulator throttle per token/appkey (JD 10043, MATCH 42900) (default: off)"),
    _option("latency", list[str] | None, None, "--latency", "emulator added latency, e.g. "
            "fixed:50ms, stall:1s/10s, faceCompareNew=fixed:20ms; repeatable (default: none)"),
    _option("weights", str | None, None, "--weights", "mixed scenario weights (default: "
            "match=4,matchIdno=2,liveCode=1,faceCompareNew=3)"),
    _option("sizes", str | None, None, "--sizes", "image size mix: "
            "small(<32KiB)=W,medium(<128KiB)=W,large=W; default small=1,medium=3,large=1"),
    _option("faces", Path | None, None, "--faces",
            "add the .jpg/.png photos of this folder to the built-in pool"),
    _option("faces_dir", Path | None, None, "--faces-dir", "deprecated name of --faces",
            hidden=True),
    _option("pairing", str, "same", "--pairing",
            "same (one photo both sides), genuine or impostor"),
    _option("idno_face", Path | None, None, "--idno-face", "matchIdno photo of the identity in "
            "FACEHARNESS_ID_NUM/FACEHARNESS_ID_NAME (default: the emulator's demo identity)"),
    _option("seed", int, 0, "--seed", "seed of the image draws"),
    _option("timeout", RequestTimeout, 10.0),
    _option("abort_error_rate", float | None, None, "--abort-error-rate", "abort when more than "
            "this fraction of the recent answers failed: the last 5 s, or the last 10 answers at "
            "low rates (live target default 0.5)"),
    _option("no_abort", bool, False, "--no-abort", "never abort on an error spike"),
    _option("allow_costly_load", bool, False, "--allow-costly-load", "lift the live-target "
            "ceilings (20 req/s for --rate and find-limit's --max-rate, 5 users); the request "
            "budget stays; the service may bill every call"),
    _option("max_rps", float | None, None, "--max-rps", "highest request rate the command may "
            "send; 0: unlimited (live target default 20, emulator unlimited); request budgets "
            "still apply"),
    _option("config", Config, None),
    _option("out_dir", Annotated[Path | None, OutDir("run directory (default "
            "reports/load-<time>)")], None),
)  # fmt: skip


def _common(o: dict[str, Any]) -> tuple[RunContext, dict[str, Any]]:
    from harness.commands._options import max_rps as check_max_rps
    from harness.commands._options import positive_seconds, use_codes
    from harness.config import load_credentials
    from harness.faces import sample_faces
    from harness.loadgen.runner import RemoteWorkers, parse_address
    from harness.loadgen.scenarios import ScenarioOptions
    from harness.loadgen.suite import EmulatorOptions

    if o["faces"] is not None and o["faces_dir"] is not None:
        raise UsageError("give --faces only (--faces-dir is its old name)")
    faces = o["faces"] if o["faces"] is not None else o["faces_dir"]
    if faces is not None:
        sample_faces(faces)  # a bad folder or labels.csv: one line now, not in a Locust process
    remote = None
    if o["expect_workers"]:
        host, port = parse_address(o["bind"], "--bind")
        wait_s = parse_duration(o["wait_workers"], "--wait-workers")
        remote = RemoteWorkers(o["expect_workers"], host, port, wait_s)
    if o["no_abort"] and o["abort_error_rate"] is not None:
        raise UsageError("give --abort-error-rate or --no-abort, not both")
    positive_seconds(o["timeout"])
    check_max_rps(o["max_rps"])
    use_codes(None, o["config"])  # [codes] file = "...": the service's own codes, to classify
    scenario = {k: o[k] for k in ("scenario", "pairing", "seed", "weights", "sizes")
                if o[k] is not None}  # fmt: skip
    if o["idno_face"] is not None:
        scenario["idno_face"] = str(o["idno_face"].resolve())
    shaped = o["engine"] is not None or o["qps"] is not None or bool(o["latency"])
    is_emulator = o["target"] == "emulator"
    ctx = RunContext(
        target=o["target"], url=o["target"], is_emulator=is_emulator,
        out_dir=o["out_dir"] or Path("reports") / datetime.now().strftime("load-%Y%m%d-%H%M%S"),
        credentials=load_credentials(o["config"], demo_defaults=is_emulator), seed=o["seed"],
        faces=faces, config=o["config"], max_rps=o["max_rps"], max_requests=o["max_requests"],
        request_timeout_s=o["timeout"],
    )  # fmt: skip
    emulator = EmulatorOptions(o["engine"] or "fast", o["qps"], tuple(o["latency"] or ()))
    abort = o["abort_error_rate"]
    options = ScenarioOptions(**scenario)
    if o["weights"] is not None and options.scenario != "mixed":  # was silently ignored
        raise UsageError(
            f"--weights applies to --scenario mixed only (--scenario {o['scenario']} sends one "
            "operation)"
        )
    return ctx, {
        "scenario": options,
        "workers": o["workers"],
        "remote": remote,
        "emulator": emulator if (shaped or is_emulator) else None,
        "allow_costly": o["allow_costly_load"],
        "abort_error_rate": None if o["no_abort"] else ("auto" if abort is None else abort),
    }


@load_app.command("run")
@_options(
    *_HEAD,
    _option("users", int | None, None, "--users",
            "closed model: N users, each waits for its answer (give --users, --rate or both)"),
    _option("rate", float | None, None, "--rate",
            "open model: R requests/s on a fixed schedule (at most 250,000)"),
    _option("duration", str, "30s", "--duration", "e.g. 30s, 2m (at most 24h)"),
    _option("slo_p99", float | None, None, "--slo-p99",
            "fail (exit 1) when p99 exceeds this many ms (default: no p99 criterion)"),
    _option("max_error_rate", float | None, None, "--max-error-rate", "fail (exit 1) above this "
            "error fraction, in [0, 1); a run whose every answer is an error always fails "
            "(default: no error-rate criterion)"),
    *_SHARED,
)  # fmt: skip
def run(**o: Any) -> None:
    """One bounded run: --users N (closed model), --rate R (open model), or both (compared)."""
    from harness.loadgen.suite import LoadSuite

    ctx, options = _common(o)
    suite = LoadSuite(users=o["users"], rate=o["rate"], duration_s=parse_duration(o["duration"]),
                      slo_p99_ms=o["slo_p99"], max_error_rate=o["max_error_rate"],
                      **options)  # fmt: skip
    _run(suite, ctx)


@load_app.command("find-limit")
@_options(
    *_HEAD,
    _option("slo_p99", float, 1000.0, "--slo-p99",
            "a step passes only with p99 at or below this (ms)"),
    _option("max_error_rate", float, 0.01, "--max-error-rate",
            "a step passes only with errors (and throttling) at or below this fraction"),
    _option("start_rate", float | None, None, "--start-rate",
            "first step, requests/s (emulator 10, live 1)"),
    _option("max_rate", float | None, None, "--max-rate", "highest rate tried (default: the "
            "ceiling, live target 20; 2000 on the emulator or with --allow-costly-load or "
            "--max-rps 0; at most 250,000)"),
    _option("step", str, "3s", "--step", "measured seconds per step (after a 1 s warm-up)"),
    _option("time_budget", str, "5m", "--time-budget", "stop searching after about this long"),
    _option("required_rps", float | None, None, "--required-rps", "fail (exit 1) when the limit "
            "is below this; a search stopped below it without failing is inconclusive, exit 0 "
            "(default: no minimum)"),
    *(p.replace(default=5.0) if p.name == "timeout" else p for p in _SHARED),
)  # fmt: skip
def find_limit(**o: Any) -> None:
    """Step the open-model rate up, then bisect, to the highest rate meeting the SLO."""
    from harness.loadgen.suite import LimitOptions, LoadSuite

    search = LimitOptions(
        slo_p99_ms=o["slo_p99"], max_error_rate=o["max_error_rate"], start_rate=o["start_rate"],
        max_rate=o["max_rate"], step_s=parse_duration(o["step"], "--step"),
        time_budget_s=parse_duration(o["time_budget"], "--time-budget"),
        required_rps=o["required_rps"],
    )  # fmt: skip
    if search.step_s < 1:
        raise UsageError(f"--step must be at least 1s, got {o['step']!r}")
    ctx, options = _common(o)
    _run(LoadSuite(search=search, **options), ctx)


@load_app.command("worker")
@_options(
    _option("master", str, Parameter.empty, "--master", "HOST[:PORT] of the master: a `load run` "
            "or `find-limit` with --expect-workers (port default 5557)"),
    _option("wait", str, "60s", "--wait",
            "end when no master has come for this long (at most 24h)"),
    _option("config", Config, None),
    _option("out_dir", Annotated[Path | None, OutDir("directory of the worker's Locust "
            "logs (default reports/load-worker-<time>)")], None),
)  # fmt: skip
def worker(master: str, wait: str, config: Path | None, out_dir: Path | None) -> None:
    """Send load for masters on other machines: one run after another, until none comes.

    The master sends the scenario, rates and target; this machine sends the requests and
    returns its HDR histograms to the master, which merges them exactly. Credentials come
    from the environment or --config here, as for any command.
    """
    from harness.config import load_credentials
    from harness.loadgen.runner import serve_worker
    from harness.loadgen.scenarios import credential_env

    wait_s = parse_duration(wait, "--wait")
    folder = out_dir or Path("reports") / datetime.now().strftime("load-worker-%Y%m%d-%H%M%S")
    runs = serve_worker(
        master, out_dir=folder, wait_s=wait_s, env=credential_env(load_credentials(config)),
        on_run=lambda n: err.print(f"run {n} done; waiting up to {wait} for the next master"),
    )  # fmt: skip
    out.print(f"served {runs} run(s) for {master}; logs in {folder}/logs")


def _run(suite: LoadSuite, ctx: RunContext) -> None:
    from dataclasses import replace

    from harness import interrupt

    started = datetime.now(UTC)
    bar = _Bar(steps=suite.search is not None)
    result = None
    try:
        result = interruptible(suite.run, replace(ctx, progress=bar.update))
    finally:  # interrupted, or could not run: the run's one closing line says it all
        could_not = result is not None and result.status == "error"
        bar.stop(quiet=interrupt.requested() is not None or could_not)
    summary = summarize(result, "load", target=ctx.target, started=started)
    ran = summary.suites.load

    def details(_shown: object) -> None:
        if ran.status == "error":  # could not run: one line, exit 2
            return
        (_print_runs if suite.search is None else _print_limit)(ran.metrics)
        for finding in ran.findings:
            err.print(f"[bold red]{finding.check}:[/] {finding.message}")

    def written(paths: dict[str, Path]) -> None:
        out_dir = ctx.out_dir
        entries = sorted(
            p.name + ("/" if p.is_dir() else "")
            for p in out_dir.iterdir()
            if p.name not in ("parts", "logs", "run-config.json")
            and not p.name.startswith("locust_")
        )
        out.print(f"written: {out_dir}/ {' '.join(entries)}")
        if ran.status == "error":
            raise HarnessError(ran.error or "the load run failed")

    conclude(summary, ctx.out_dir, secrets=ctx.credentials.secrets(),
             details=details, written=written,
             verdict=bool(summary.inconclusive_items()))  # fmt: skip


class _Bar:
    """A rich progress line on stderr; a limit search's finished steps also stay as lines, each
    printed when the next step starts or the search ends (a search that could not run ends with
    its one line: hostile session 22, the first step's line came before it)."""

    def __init__(self, *, steps: bool) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err,
            transient=False,
        )  # fmt: skip
        self.steps = steps
        self.task: TaskID | None = None
        self.done = 0.0
        self.finished: str | None = None  # the last finished step's line, not printed yet

    def _flush(self) -> None:
        if self.finished is not None:
            self.progress.console.print(self.finished, markup=False, highlight=False)
            self.finished = None

    def update(self, done: float, total: float | None, text: str) -> None:
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task(text, total=total)
        self._flush()
        if self.steps and done > self.done:
            self.finished = text
        self.done = done
        self.progress.update(self.task, description=escape(text), completed=done, total=total)

    def stop(self, quiet: bool = False) -> None:
        if self.task is not None:
            if not quiet:
                self._flush()
            console = self.progress.console
            console.quiet = quiet  # its last line is not printed when piped
            self.progress.stop()
            console.quiet = False


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.1f}"
    return "-" if value is None else str(value)


def _print_runs(metrics: Any) -> None:
    from harness.loadgen.suite import COMPARED, side_by_side

    if metrics is None:
        return
    extra = metrics.model_extra or {}
    last = metrics.model_dump()
    runs = [r for r in (extra.get("closed_model"), last) if r]
    columns = list(runs)
    if last["mode"] == "open-model":  # what a closed-loop tool would have reported
        columns.append({**last, "mode": "service", "latency_ms": last["service_ms"]})
    table = Table(title="Load run (each column is one model, never blended)", box=box.SIMPLE_HEAD)
    table.add_column("metric")
    for run in columns:
        table.add_column(
            "open-model service time\n(from actual send)" if run["mode"] == "service"
            else f"{run['mode']}\n(latency from {run['latency_ms']['measured_from']})",
            justify="right",
        )  # fmt: skip
    compared = side_by_side(*columns)
    for (key, text), row in zip(COMPARED, compared["rows"], strict=True):
        if key != "latency_ms.measured_from":
            table.add_row(text, *[_fmt(row[c]) for c in compared["columns"]])
    out.print(table)
    for run in runs:
        codes = ", ".join(f"{c} x{n}" for c, n in run["errors_by_code"].items()) or "none"
        out.print(f"{run['mode']}: {run['requests']} answers; not ok by code: {codes}")
        if run.get("abort_reason"):
            err.print(f"[bold red]aborted:[/] {run['abort_reason']}")
        for warning in run.get("warnings") or []:
            err.print(f"[yellow]warning:[/] {warning}")
    for note in metrics.notes:
        err.print(f"[yellow]note:[/] {note}")


def _print_limit(metrics: LoadMetrics | None) -> None:
    from harness.loadgen.limit import describe_limit, search_higher

    if metrics is None or metrics.qps_limit_bound is None:
        return
    table = Table(
        title="Limit search evidence (open model, steady-state window)", box=box.SIMPLE_HEAD
    )
    for col in ("step", "phase", "offered/s", "achieved/s", "ok/s", "p99 ms", "errors",
                "throttled", "verdict"):  # fmt: skip
        table.add_column(col, justify="left" if col in ("phase", "verdict") else "right")
    for n, st in enumerate(metrics.limit_search, 1):
        step = st.model_dump()
        throttled = step["throttled_rate"]
        verdict = "good" if st.ok else "bad: " + "; ".join(step["reasons"])
        table.add_row(
            str(n), step["phase"], _fmt(st.offered), _fmt(st.achieved), _fmt(step["ok_rps"]),
            _fmt(st.p99), f"{max(0.0, st.error_rate - throttled):.1%}",  # error_rate has both
            f"{throttled:.1%}", verdict,
        )  # fmt: skip
    out.print(table)
    stopped, knee = metrics.stopped_by, metrics.knee_rps
    limit = describe_limit(metrics.qps_limit, metrics.qps_limit_bound, stopped)
    shown = "-" if knee is None else f"{knee:.1f}/s"
    out.print(f"limit: {limit}; open model, stopped by {stopped}; knee: {shown}")
    if metrics.plateau_rps is not None:
        out.print(f"throttle plateau: {metrics.plateau_rps:.1f} ok/s")
    for note in metrics.notes:
        out.print(f"[yellow]note:[/] {note}")
    if metrics.inconclusive:
        out.print(f"[bold]inconclusive:[/] {metrics.inconclusive}")
    elif metrics.qps_limit_bound == "lower":
        out.print(
            f"no step failed, so this is a lower bound; to search higher, {search_higher(stopped)}"
        )
