"""Load engine: closed- and open-model runs on Locust, and a limit search.

A run sends a scenario of the two APIs (:class:`ScenarioOptions`, judged by their codes
with :func:`api_classifier`), or plain GETs for the engine's own tests; :class:`LoadSuite`
runs it as the load suite (``suite.run(ctx)``). Importing this package never imports
Locust or gevent: runs happen in subprocesses (see :mod:`harness.loadgen.runner`).
"""

from __future__ import annotations

from harness.loadgen.classify import KLASSES, api_classifier, default_classifier
from harness.loadgen.limit import LimitResult, StepRecord, StepResult, find_limit
from harness.loadgen.result import LoadResult, PreparedRequest, SecondRow, WindowStats
from harness.loadgen.runner import LoadProgress, RemoteWorkers, run_load, serve_worker
from harness.loadgen.scenarios import ScenarioOptions, scenario_request
from harness.loadgen.suite import (
    EmulatorOptions,
    LimitOptions,
    LoadSuite,
    open_model_measure,
    run_load_suite,
    side_by_side,
)

__all__ = [
    "KLASSES",
    "EmulatorOptions",
    "LimitOptions",
    "LimitResult",
    "LoadProgress",
    "LoadResult",
    "LoadSuite",
    "PreparedRequest",
    "RemoteWorkers",
    "ScenarioOptions",
    "SecondRow",
    "StepRecord",
    "StepResult",
    "WindowStats",
    "api_classifier",
    "default_classifier",
    "find_limit",
    "open_model_measure",
    "run_load",
    "run_load_suite",
    "scenario_request",
    "serve_worker",
    "side_by_side",
]
