"""Property-based fuzzing of both APIs with hypothesis, strategies derived from the contract.

``run_fuzz`` runs every property (valid/invalid requests, metamorphic relations, state
machines) against a target and returns the ``fuzz`` suite result; ``strategies`` offers the
same request generators to QA engineers writing their own properties (with the pytest
plugin's ``faceharness_target`` fixture).
"""

from harness.clients import Request
from harness.pacing import BudgetExhausted

from . import strategies
from ._checks import FuzzTarget
from ._client import FuzzClient
from ._findings import load_replay, replay_finding
from ._invalid import InvalidCase
from ._pool import ImagePool, image_pool, render
from ._properties import emulator_overrides
from ._rules import RULES
from ._runner import DEFAULT_MAX_EXAMPLES, FuzzSuite, property_ids, run_fuzz

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "RULES",
    "BudgetExhausted",
    "FuzzClient",
    "FuzzSuite",
    "FuzzTarget",
    "ImagePool",
    "InvalidCase",
    "Request",
    "emulator_overrides",
    "image_pool",
    "load_replay",
    "property_ids",
    "render",
    "replay_finding",
    "run_fuzz",
    "strategies",
]
