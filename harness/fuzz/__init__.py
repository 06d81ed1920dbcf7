"""Property-based fuzzing of both APIs with hypothesis, strategies derived from the contract.

``run_fuzz`` runs every property (valid/invalid requests, metamorphic relations, state
machines) against a target and returns the ``fuzz`` suite result; ``strategies`` offers the
same request generators to QA engineers writing their own properties (with the pytest
plugin's ``faceharness_target`` fixture).
"""

from harness.clients import Request as Request
from harness.pacing import BudgetExhausted as BudgetExhausted

from . import strategies as strategies
from ._checks import FuzzTarget as FuzzTarget
from ._client import FuzzClient as FuzzClient
from ._findings import load_replay as load_replay
from ._findings import replay_finding as replay_finding
from ._invalid import InvalidCase as InvalidCase
from ._pool import ImagePool as ImagePool
from ._pool import image_pool as image_pool
from ._pool import render as render
from ._properties import emulator_overrides as emulator_overrides
from ._rules import RULES as RULES
from ._runner import DEFAULT_MAX_EXAMPLES as DEFAULT_MAX_EXAMPLES
from ._runner import FuzzSuite as FuzzSuite
from ._runner import property_ids as property_ids
from ._runner import run_fuzz as run_fuzz
