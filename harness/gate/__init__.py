"""The CI gate: run the suites a profile names, judge them by a policy, write the reports.

``faceharness gate`` and ``make demo`` call :func:`run_gate`; the pieces (policy parsing,
criteria, baseline comparison, coverage) are public so they can be used and tested alone.
"""

from harness.gate._baseline import compare_baseline, load_baseline
from harness.gate._coverage import build_coverage
from harness.gate._criteria import judge
from harness.gate._display import RichObserver, print_outcome, summary_table
from harness.gate._policy import (
    DEFAULT_POLICY,
    AccuracyLimit,
    BaselinePolicy,
    FindingAllowance,
    LoadPolicy,
    Policy,
    SuitesPolicy,
    VerdictPolicy,
    load_policy,
    parse_policy,
)
from harness.gate._profiles import FULL, PROFILES, QUICK, Profile, get_profile
from harness.gate._run import GateOutcome, GatePlan, assemble, execute_gate, plan_gate, run_gate
from harness.gate._stage import QuietObserver, StageCancelled, StageObserver, run_stage
from harness.gate._suites import LoadStage, build_suites, merge_load

__all__ = [
    "DEFAULT_POLICY",
    "FULL",
    "PROFILES",
    "QUICK",
    "AccuracyLimit",
    "BaselinePolicy",
    "FindingAllowance",
    "GateOutcome",
    "GatePlan",
    "LoadPolicy",
    "LoadStage",
    "Policy",
    "Profile",
    "QuietObserver",
    "RichObserver",
    "StageCancelled",
    "StageObserver",
    "SuitesPolicy",
    "VerdictPolicy",
    "assemble",
    "build_coverage",
    "build_suites",
    "compare_baseline",
    "execute_gate",
    "get_profile",
    "judge",
    "load_baseline",
    "load_policy",
    "merge_load",
    "parse_policy",
    "plan_gate",
    "print_outcome",
    "run_gate",
    "run_stage",
    "summary_table",
]
