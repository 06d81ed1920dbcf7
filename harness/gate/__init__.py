"""The CI gate: run the suites a profile names, judge them by a policy, write the reports."""

from harness.gate._display import RichObserver, print_outcome
from harness.gate._policy import Policy, Profile, load_policy, parse_policy
from harness.gate._run import execute_gate, plan_gate, run_gate

__all__ = ["Policy", "Profile", "RichObserver", "execute_gate", "load_policy", "parse_policy",
           "plan_gate", "print_outcome", "run_gate"]  # fmt: skip
