"""Generic HTTP load engine: closed- and open-model runs on Locust, and a limit search.

The API-specific parts plug in by dotted path: a *request factory* returning a fresh
:class:`PreparedRequest` per call, and a *classifier* mapping each response to an outcome
class. Both APIs' factories (:func:`scenario_request`) and JSON-code classifier
(:func:`api_classifier`) ship here; :func:`run_load_suite` runs them as the load suite. Importing this package never imports Locust or gevent: runs happen in a
subprocess (see :mod:`harness.loadgen.runner`).
"""

from __future__ import annotations

from harness.loadgen.classify import KLASSES, default_classifier
from harness.loadgen.codes import api_classifier
from harness.loadgen.compare import side_by_side
from harness.loadgen.limit import LimitResult, StepRecord, StepResult, find_limit
from harness.loadgen.measure import open_model_measure
from harness.loadgen.plugins import PluginRef
from harness.loadgen.request import PreparedRequest
from harness.loadgen.result import LoadResult, SecondRow, WindowStats
from harness.loadgen.runner import LoadProgress, run_load
from harness.loadgen.scenarios import ScenarioOptions, scenario_request
from harness.loadgen.suite import EmulatorOptions, LimitOptions, LoadPlan, run_load_suite

__all__ = [
    "KLASSES",
    "EmulatorOptions",
    "LimitOptions",
    "LimitResult",
    "LoadPlan",
    "LoadProgress",
    "LoadResult",
    "PluginRef",
    "PreparedRequest",
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
    "side_by_side",
]
