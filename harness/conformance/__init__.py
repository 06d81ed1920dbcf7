"""Conformance: schemathesis runs over the specs plus the business rules the schemas cannot express.

``run_conformance`` answers, with evidence, whether a service keeps its contract; every finding
carries a secret-free replay file that ``replay_finding`` (``faceharness replay``) re-sends.
Rules and probes live in one registry (``RULES``) under stable ids.
"""

from . import _probes, _rules_http, _rules_jd, _rules_match, _st_checks  # noqa: F401  (registration)
from ._emulator import conformance_target
from ._failures import CheckFailed
from ._registry import RULES, Facts, RuleContext
from ._replay import replay_finding
from ._run import (
    DEFAULT_EXAMPLES,
    ConformanceSuite,
    prepare_out_dir,
    run_conformance,
    validate_options,
)

__all__ = [
    "DEFAULT_EXAMPLES",
    "RULES",
    "CheckFailed",
    "ConformanceSuite",
    "Facts",
    "RuleContext",
    "conformance_target",
    "prepare_out_dir",
    "replay_finding",
    "run_conformance",
    "validate_options",
]
