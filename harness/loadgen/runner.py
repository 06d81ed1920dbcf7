"""``run_load``: run Locust in its own process(es), wait for it, merge its part files.

Locust monkey-patches the interpreter with gevent when imported, so it runs as
``python -m locust``, given the :class:`RunConfig` as a JSON file.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from harness import interrupt
from harness.contract import ENV_SPECS_VALIDATED, validated_specs
from harness.errors import HarnessError, UsageError
from harness.loadgen.recorder import STOP_ABORT
from harness.loadgen.result import (
    CONFIG_ENV,
    LOAD_JSON,
    LOCUST_CSV_PREFIX,
    PARTS_DIR,
    RUN_STARTED,
    LoadResult,
    RunConfig,
    SecondRow,
    SeriesTail,
    collect,
    write_json_atomic,
    write_outputs,
)
from harness.loadgen.scenarios import POOL_FILE_ENV, ScenarioOptions, request_source, share_pool
from harness.report.output import prepare_run_dir

ENTRY_LOCUSTFILE = Path(__file__).resolve().parent / "_entry" / "locustfile.py"
RUN_CONFIG = "run-config.json"
LOGS_DIR = "logs"
MAX_WORKERS = 16
POLL_S = 0.2
WORKER_EXIT_GRACE_S = 10.0  # after the master/local process exits
TERM_GRACE_S = 5.0  # SIGTERM (Locust writes its files) before SIGKILL
SAFETY_MARGIN_S = 15.0  # Locust's own --run-time backstop beyond duration + drain
START_ALLOWANCE_S = 30.0  # and beyond the start: the processes build their pools on its clock
MASTER_PORT = 5557  # Locust's own default
WORKER_WAIT_ENV = "FACEHARNESS_LOAD_WORKER_WAIT_S"

Requests = ScenarioOptions | Sequence[str]  # a scenario of the two APIs, or plain GET paths


@dataclass(frozen=True)
class RemoteWorkers:
    count: int
    host: str = "127.0.0.1"  # the address the master binds
    port: int = MASTER_PORT
    wait_s: float = 60.0  # how long the master waits for all of them


def parse_address(text: str, option: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    try:
        number = int(port) if port else MASTER_PORT
    except ValueError:
        number = -1
    if not host or not 0 < number < 65536:
        raise UsageError(f"{option} {text!r}: expected HOST[:PORT] (port 1-65535, default 5557)")
    return host, number


@dataclass(frozen=True)
class LoadProgress:
    mode: str
    elapsed_s: float
    completed: int
    errors: int
    last_second_rps: float | None
    last_second_p99_ms: float | None


def run_load(
    target_url: str,
    requests: Requests,
    *,
    users: int | None = None,
    rate: float | None = None,
    duration_s: float,
    workers: int = 0,
    remote: RemoteWorkers | None = None,
    out_dir: str | Path,
    progress_callback: Callable[[LoadProgress], None] | None = None,
    startup_timeout_s: float = 60.0,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> LoadResult:
    """One bounded load test's merged result (also written to ``out_dir``); ``options`` are the
    other :class:`RunConfig` fields, ``env`` the credentials (never in the config file)."""
    total_workers = workers + (remote.count if remote else 0)
    if not 0 <= total_workers <= MAX_WORKERS:
        raise UsageError(f"workers must be in [0, {MAX_WORKERS}] in all, got {workers}")
    out = Path(out_dir).resolve()
    spec = asdict(requests) if isinstance(requests, ScenarioOptions) else {"paths": list(requests)}
    cfg = RunConfig(
        mode="closed" if users is not None else "open", target_url=target_url.rstrip("/"),
        requests=spec, users=users, rate=float(rate) if rate is not None else None,
        duration_s=float(duration_s), out_dir=str(out), processes=max(total_workers, 1), **options,
    )  # fmt: skip
    extra_env = dict(env or {})
    try:  # one request built here first: missing credentials or bad images fail before Locust
        request_source(cfg.requests, environ={**os.environ, **extra_env})[0]()
    except HarnessError:
        raise  # already one line for a person (e.g. missing credentials)
    except Exception as exc:
        raise UsageError(f"the request source failed: {exc!r}") from exc
    _prepare_out_dir(out)
    write_json_atomic(out / RUN_CONFIG, cfg.to_dict())

    warnings: list[str] = []
    pool_file = _shared_pool_file(cfg.requests, extra_env)
    launch = _Launch(cfg, workers, remote, out, startup_timeout_s, extra_env)
    poll = _progress(cfg.label, out, progress_callback)
    try:
        if stop := interrupt.requested():  # the next run of a stopped suite (a limit step)
            raise HarnessError(f"the load run was stopped ({stop}) before it started")
        launch.start()
        launch.wait(poll, warnings)
    finally:
        launch.stop_all()
        if pool_file is not None:
            pool_file.unlink(missing_ok=True)
    if launch.stopped is not None:  # Locust was stopped mid-run: its share was not sent
        raise HarnessError(f"the load run was stopped ({launch.stopped}); logs in {out / LOGS_DIR}")
    result = collect(out, cfg, workers=total_workers, warnings=warnings)
    if not result.summary["processes"]:
        if remote and launch.logged("master", "Gave up waiting for workers"):
            raise HarnessError(
                f"could not run: the {remote.count} remote worker(s) did not all connect to "
                f"{remote.host}:{remote.port} within {remote.wait_s:g}s (start each with "
                f"`faceharness load worker --master HOST:{remote.port}`)"
            )
        why = f" ({result.summary['partial']['reason']})" if cfg.processes > 1 else ""
        raise HarnessError(f"the load run produced no results{why}; {launch.log_hint()}")
    totals = result.summary["totals"]
    if totals["completed"] == 0 and totals["harness_errors"]:
        raise HarnessError(
            f"every request failed inside the harness: {result.summary['harness_error_sample']}"
        )
    write_outputs(result)
    partial = result.summary["partial"]
    if partial is not None and result.stop_reason != STOP_ABORT:  # an abort is the verdict
        raise HarnessError(f"could not run: {partial['reason']} (written to {out / LOAD_JSON})")
    return result


def serve_worker(
    master: str, *, out_dir: Path, wait_s: float, env: Mapping[str, str],
    on_run: Callable[[int], None],
) -> int:  # fmt: skip
    """A fresh Locust worker per run (a master ends its workers) until no master comes within
    ``wait_s``; how many runs were served."""
    host, port = parse_address(master, "--master")
    out = Path(out_dir).resolve()
    _prepare_out_dir(out)
    runs = 0
    for _ in range(10_000):  # each pass is bounded by a master's run or by wait_s
        launch = _Launch(None, 0, None, out, wait_s, {**env, WORKER_WAIT_ENV: str(wait_s)})
        launch.spawn(f"worker-run{runs + 1}", ["--worker", "--master-host", host,
                                               "--master-port", str(port)])  # fmt: skip
        proc = launch.procs[0][1]
        try:
            interrupt.wait(proc)
            code = proc.returncode
        finally:
            launch.stop_all()
        if code != 0:
            break
        if not launch.logged(launch.procs[0][0], RUN_STARTED):  # a quitting master: no run
            continue
        runs += 1
        on_run(runs)
    if runs == 0:
        raise HarnessError(
            f"could not run: no master answered at {host}:{port} within {wait_s:g}s"
            f" ({launch.log_hint()})"
        )
    return runs


def _shared_pool_file(requests: Mapping[str, Any], env: dict[str, str]) -> Path | None:
    """The pool this process built for a scenario's first request, written for the run's local
    Locust processes (named in ``env``), outside the run's directory: it holds the images."""
    if "paths" in requests:
        return None
    fd, name = tempfile.mkstemp(prefix="faceharness-pool-")
    os.close(fd)
    path = Path(name)
    try:
        share_pool(str(requests.get("faces_dir") or ""), path)
    except OSError:  # no room: each process builds its own, as a remote worker does
        path.unlink(missing_ok=True)
        return None
    env[POOL_FILE_ENV] = name
    return path


def _prepare_out_dir(out: Path) -> None:
    prepare_run_dir(out)
    for sub in (PARTS_DIR, LOGS_DIR):  # our own subdirectories: stale parts would be merged
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir()


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class _Launch:
    cfg: RunConfig | None
    workers: int
    remote: RemoteWorkers | None
    out: Path
    startup_timeout_s: float
    extra_env: Mapping[str, str]
    procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = field(default_factory=list)
    stopped: str | None = None  # why :meth:`wait` stopped Locust before its end (interrupt)

    def _env(self, config: bool) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("LOCUST_") and k != CONFIG_ENV
        }
        env.update(self.extra_env)
        env[ENV_SPECS_VALIDATED] = validated_specs()  # the same specs: not validated again
        if config:  # a worker gets the config from its master
            env[CONFIG_ENV] = str(self.out / RUN_CONFIG)
        own = (sys.prefix, sys.base_prefix)
        paths = [p for p in sys.path if p and os.path.isdir(p) and not p.startswith(own)]
        extra = [os.getcwd(), *paths, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(extra))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def spawn(self, role: str, args: list[str]) -> None:
        logs = self.out / LOGS_DIR
        console = (logs / f"{role}.out").open("wb")
        host = ["--host", self.cfg.target_url] if self.cfg is not None else []
        cmd = [
            sys.executable, "-m", "locust", "-f", str(ENTRY_LOCUSTFILE), *host,
            "--loglevel", "INFO", "--logfile", str(logs / f"{role}.log"),
            "--exit-code-on-error", "0", *args,
        ]  # fmt: skip
        env = self._env(config="--worker" not in args)
        proc = subprocess.Popen(cmd, cwd=self.out, env=env, stdin=subprocess.DEVNULL,
                                stdout=console, stderr=subprocess.STDOUT)  # fmt: skip
        self.procs.append((role, proc, console))

    def start(self) -> None:
        cfg = self.cfg
        assert cfg is not None
        user_count = cfg.users if cfg.users is not None else cfg.processes
        backstop = math.ceil(cfg.duration_s + cfg.drain_s + START_ALLOWANCE_S + SAFETY_MARGIN_S)
        headless = [
            "--headless", "--only-summary", "-u", str(user_count), "-r", str(user_count),
            "-t", f"{backstop}s", "--stop-timeout", "0", "--csv", str(self.out / LOCUST_CSV_PREFIX),
        ]  # fmt: skip
        if cfg.processes == 1 and not self.workers and not self.remote:
            self.spawn("local", headless)
            return
        remote = self.remote
        host, port = (remote.host, remote.port) if remote else ("127.0.0.1", _free_loopback_port())
        wait = remote.wait_s if remote else self.startup_timeout_s
        self.spawn(
            "master",
            headless
            + ["--master", "--master-bind-host", host, "--master-bind-port", str(port),
               "--expect-workers", str(cfg.processes),
               "--expect-workers-max-wait", str(math.ceil(wait))],
        )  # fmt: skip
        local = "127.0.0.1" if host in ("*", "0.0.0.0") else host
        for index in range(self.workers):
            worker = ["--worker", "--master-host", local, "--master-port", str(port)]
            self.spawn(f"worker{index}", worker)

    def logged(self, role: str, text: str) -> bool:
        log = self.out / LOGS_DIR / f"{role}.log"
        return log.exists() and text in log.read_text(errors="replace")

    def wait(self, poll: Callable[[], None], warnings: list[str]) -> None:
        cfg = self.cfg
        assert cfg is not None
        wait = max(self.startup_timeout_s, self.remote.wait_s if self.remote else 0.0)
        budget = wait + cfg.duration_s + cfg.drain_s + START_ALLOWANCE_S + 2 * SAFETY_MARGIN_S
        deadline = time.monotonic() + budget
        main_exited_at: float | None = None
        for _ in range(int(budget / POLL_S) + 2):
            poll()
            if stop := interrupt.requested():  # Ctrl-C in a gate's stage, or its time limit
                self.stopped = stop
                break
            now = time.monotonic()
            alive = [(role, p) for role, p, _ in self.procs if p.poll() is None]
            if not alive:
                break
            main = self.procs[0][1]
            if main.poll() is not None and main_exited_at is None:
                main_exited_at = now
            if main_exited_at is not None and now - main_exited_at > WORKER_EXIT_GRACE_S:
                roles = ", ".join(r for r, _ in alive)
                warnings.append(f"terminated {roles} after the main process exited")
                break
            if now > deadline:
                warnings.append(
                    f"load run exceeded its {budget:.0f}s time budget and was terminated"
                )
                break
            time.sleep(POLL_S)
        self.stop_all()
        poll()
        for role, proc, _ in self.procs:
            if proc.returncode not in (0, None, -signal.SIGTERM):
                warnings.append(
                    f"locust {role} exited with code {proc.returncode}; see {self.log_hint()}"
                )

    def stop_all(self) -> None:
        alive = [p for _, p, _ in self.procs if p.poll() is None]
        for proc in alive:
            proc.terminate()
        end = time.monotonic() + TERM_GRACE_S
        for proc in alive:
            try:
                proc.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=TERM_GRACE_S)
        for _, _, console in self.procs:
            console.close()

    def log_hint(self) -> str:
        logs = self.out / LOGS_DIR
        for role, _, _ in self.procs:
            paths = [logs / f"{role}.out", logs / f"{role}.log"]
            text = "".join(
                p.read_text(encoding="utf-8", errors="replace") for p in paths if p.exists()
            )
            errors = [line for line in text.splitlines() if "Error" in line or "Exception" in line]
            if errors:
                return f"{role}: {errors[-1].strip()[:300]} (logs in {logs})"
        return f"logs in {logs}"


def _progress(
    mode: str, out: Path, callback: Callable[[LoadProgress], None] | None
) -> Callable[[], None]:
    tail, started, seen = SeriesTail(out), time.monotonic(), [0, 0]  # answers, successes

    def poll() -> None:
        rows = tail.poll() if callback is not None else []
        if not rows or callback is None:
            return
        new = SecondRow.total(rows)
        seen[0], seen[1] = seen[0] + new.completed, seen[1] + new.success
        last_sec = max(int(r["sec"]) for r in rows)
        last = SecondRow.total(r for r in rows if int(r["sec"]) == last_sec)
        done, ok = seen
        elapsed = round(time.monotonic() - started, 3)
        callback(LoadProgress(mode, elapsed, done, done - ok, float(last.completed), last.p99_ms))

    return poll
