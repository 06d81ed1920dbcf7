"""Property-based fuzzing of both APIs with hypothesis, strategies derived from the contract.

``run_fuzz`` runs every property (valid/invalid requests, metamorphic relations, state
machines) against a target and returns the ``fuzz`` suite result; ``strategies`` offers the
same request generators to QA engineers writing their own properties (with the pytest
plugin's ``faceharness_target`` fixture).
"""

from harness.clients import Exchange, ImagePart, Request
from harness.pacing import BudgetExhausted
from harness.results import ReplayOutcome

from . import strategies
from ._client import FuzzClient
from ._pool import ImagePool, image_pool, render
from ._replay import load_replay, replay_finding
from ._request import InvalidCase
from ._rules import RULES, Rule
from ._runner import (
    DEFAULT_MAX_EXAMPLES,
    LIVE_MAX_REQUESTS,
    LIVE_MAX_RPS,
    FuzzSuite,
    property_ids,
    run_fuzz,
)
from ._stateful import emulator_overrides
from ._target import FuzzTarget

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "LIVE_MAX_REQUESTS",
    "LIVE_MAX_RPS",
    "RULES",
    "BudgetExhausted",
    "Exchange",
    "FuzzClient",
    "FuzzSuite",
    "FuzzTarget",
    "ImagePart",
    "ImagePool",
    "InvalidCase",
    "ReplayOutcome",
    "Request",
    "Rule",
    "emulator_overrides",
    "image_pool",
    "load_replay",
    "property_ids",
    "render",
    "replay_finding",
    "run_fuzz",
    "strategies",
]
