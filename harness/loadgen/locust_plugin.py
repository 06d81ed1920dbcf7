"""Locust glue: the user classes and the event hooks that give each process its state.

Imported only inside Locust processes (by ``load/locustfile.py`` or the harness's own
entry locustfile), never by the caller of :func:`harness.loadgen.run_load`: Locust
monkey-patches the interpreter with gevent on import. The work is done by
:class:`~harness.loadgen.process.LoadProcess` (load-generating processes) and
:class:`~harness.loadgen.coordinate.MasterCoordinator` (the master of a distributed run).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from harness.loadgen.config import PROC_INDEX_ENV, RunConfig, config_from_env
from harness.loadgen.coordinate import MasterCoordinator, locust_stats
from harness.loadgen.parts import LOCUST_STATS, PARTS_DIR, write_json_atomic
from harness.loadgen.process import LoadProcess

_config: RunConfig | None = None
_process: LoadProcess | None = None
_master: MasterCoordinator | None = None
_runs = 0


class ClosedModelUser(FastHttpUser):
    """Closed model: each user sends, waits for the answer, (thinks,) sends again."""

    abstract = True
    max_retries = 0

    @task
    def one_request(self) -> None:
        current_process().closed_step(self)


class OpenModelUser(FastHttpUser):
    """Open model: one user per process runs that process's arrival schedule."""

    abstract = True
    max_retries = 0
    wait_time = constant(0)

    @task
    def run_schedule(self) -> None:
        current_process().open_run(self)


def selected_user_class(cfg: RunConfig | None = None) -> type[FastHttpUser]:
    """The concrete user class for the configured model (config from the environment)."""
    global _config
    _config = cfg if cfg is not None else config_from_env()
    base: type[FastHttpUser] = OpenModelUser if _config.mode == "open" else ClosedModelUser
    attrs: dict[str, Any] = {
        "abstract": False,
        "__module__": __name__,
        "network_timeout": _config.timeout_s,
        "connection_timeout": _config.timeout_s,
        "concurrency": _config.max_inflight if _config.mode == "open" else 1,
    }
    if _config.mode == "closed":
        attrs["wait_time"] = constant(_config.think_time_s)
    name = "FaceharnessOpenUser" if _config.mode == "open" else "FaceharnessClosedUser"
    return type(name, (base,), attrs)


def current_process() -> LoadProcess:
    if _process is None:
        raise StopUser()
    return _process


def _proc_index(environment: Environment) -> int:
    raw = os.environ.get(PROC_INDEX_ENV)
    if raw:
        return int(raw)
    runner = environment.runner
    index = getattr(runner, "worker_index", 0) if isinstance(runner, WorkerRunner) else 0
    return max(int(index), 0)


@events.init.add_listener
def _on_init(environment: Environment, **_kw: Any) -> None:
    global _master
    if _config is not None and isinstance(environment.runner, MasterRunner):
        _master = MasterCoordinator(_config, environment)


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_kw: Any) -> None:
    global _process, _runs
    if _config is None or isinstance(environment.runner, MasterRunner):
        return
    if _process is not None and not _process.finished:
        return
    _runs += 1
    _process = LoadProcess(_config, environment, _proc_index(environment), _runs)


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_kw: Any) -> None:
    if _process is not None:
        _process.on_quitting()
    if _config is not None and _config.out_dir and not isinstance(environment.runner, WorkerRunner):
        path = Path(_config.out_dir) / PARTS_DIR / LOCUST_STATS
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, locust_stats(environment))
