"""Locust glue: the user class and the event hooks that give each process its state.

Imported only inside Locust processes (by the harness's entry locustfile), never by the
caller of :func:`harness.loadgen.run_load`: Locust monkey-patches the interpreter with
gevent on import. The local process and the master read the run's config from the file
``run_load`` wrote; the master puts it in its parsed options, which Locust's own spawn
message carries to every worker, wherever it runs. The work is done by
:class:`~harness.loadgen.process.LoadProcess` (load-generating processes) and
:class:`~harness.loadgen.process.MasterCoordinator` (the master of a distributed run).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import locust.runners
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from harness.loadgen.config import RUN_STARTED, RunConfig, read_config
from harness.loadgen.control import STOP_RUN_TIME
from harness.loadgen.merge import LOCUST_STATS, PARTS_DIR, write_json_atomic
from harness.loadgen.process import (
    MSG_FINISH,
    MSG_GO,
    LoadProcess,
    MasterCoordinator,
    locust_stats,
)

OPTION = "faceharness_run"  # the config in Locust's parsed options (sent to workers)
MASTER_GONE_S = 10  # a worker quits after this long without its master's heartbeat

_config: RunConfig | None = read_config()
_process: LoadProcess | None = None
_master: MasterCoordinator | None = None
_runs = 0

if wait := os.environ.get("FACEHARNESS_LOAD_WORKER_WAIT_S"):  # `faceharness load worker`
    tries = math.ceil(float(wait) / locust.runners.CONNECT_TIMEOUT)  # 5 s each
    locust.runners.CONNECT_RETRY_COUNT = max(tries - 1, 0)
    locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_GONE_S


class FaceharnessUser(FastHttpUser):
    """Closed model: each user sends, waits for the answer, (thinks,) sends again. Open
    model: one user per process runs that process's arrival schedule. Configured by
    :func:`_configure` when the run starts (a worker learns its config only then)."""

    max_retries = 0
    wait_time = constant(0)

    @task
    def one_request(self) -> None:
        process = current_process()
        if process.cfg.mode == "open":
            process.open_run(self)
        else:
            process.closed_step(self)


def _configure(cfg: RunConfig) -> None:
    user = FaceharnessUser
    user.network_timeout = user.connection_timeout = cfg.timeout_s
    user.concurrency = cfg.max_inflight if cfg.mode == "open" else 1
    user.wait_time = constant(cfg.think_time_s if cfg.mode == "closed" else 0)


def current_process() -> LoadProcess:
    if _process is None:
        raise StopUser()
    return _process


def _on_go(environment: Environment, msg: Any, **_kw: Any) -> None:
    if _process is not None:
        _process.go(dict(msg.data or {}))


def _on_finish(environment: Environment, msg: Any, **_kw: Any) -> None:
    if _process is not None:
        _process.finish_soon(str((msg.data or {}).get("reason") or STOP_RUN_TIME))


def _on_stopping(environment: Environment, **_kw: Any) -> None:
    if _process is not None and isinstance(environment.runner, WorkerRunner):
        _process.on_stopping()


def _on_init(environment: Environment, **_kw: Any) -> None:
    global _master
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message(MSG_GO, _on_go)
        environment.runner.register_message(MSG_FINISH, _on_finish)
    if _config is not None and isinstance(environment.runner, MasterRunner):
        _master = MasterCoordinator(_config, environment)
        assert environment.parsed_options is not None
        setattr(environment.parsed_options, OPTION, _config.to_dict())


def _on_test_start(environment: Environment, **_kw: Any) -> None:
    global _process, _runs, _config
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        return
    if isinstance(runner, WorkerRunner):  # a master that is not faceharness's sends none
        data = getattr(environment.parsed_options, OPTION, None)
        _config = RunConfig.from_dict(data) if data else None
    if _config is None or (_process is not None and not _process.finished):
        return
    _configure(_config)
    _runs += 1
    index = (
        max(int(getattr(runner, "worker_index", 0)), 0) if isinstance(runner, WorkerRunner) else 0
    )
    _process = LoadProcess(_config, environment, index, _runs)
    logging.getLogger("faceharness.loadgen").info("%s: %s", RUN_STARTED, _process.proc)


def _on_quitting(environment: Environment, **_kw: Any) -> None:
    if _process is not None:
        _process.on_quitting()
    if _config is not None and _config.out_dir and not isinstance(environment.runner, WorkerRunner):
        path = Path(_config.out_dir) / PARTS_DIR / LOCUST_STATS
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, locust_stats(environment))


# Registered by call, not as decorators: locust's EventHook is untyped and would untype them.
events.init.add_listener(_on_init)
events.test_start.add_listener(_on_test_start)
events.test_stopping.add_listener(_on_stopping)
events.quitting.add_listener(_on_quitting)
