"""Conformance: schemathesis runs over the specs plus the business rules the schemas cannot express,
every finding with a secret-free replay file (``replay_finding``); rules and probes in ``RULES``.
"""

from . import _probes, _rules_http, _rules_jd, _rules_match, _st_checks  # noqa: F401  (registration)
from ._emulator import conformance_target as conformance_target
from ._failures import CheckFailed as CheckFailed
from ._registry import RULES as RULES
from ._registry import Facts as Facts
from ._registry import RuleContext as RuleContext
from ._replay import replay_finding as replay_finding
from ._run import DEFAULT_EXAMPLES as DEFAULT_EXAMPLES
from ._run import ConformanceSuite as ConformanceSuite
from ._run import prepare_out_dir as prepare_out_dir
from ._run import run_conformance as run_conformance
from ._run import validate_options as validate_options
