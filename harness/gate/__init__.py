"""The CI gate: run the suites a profile names, judge them by a policy, write the reports.

``faceharness gate`` and ``make demo`` call :func:`run_gate` (or :func:`plan_gate` then
:func:`execute_gate`); the pieces (``_policy``, ``_judge``: criteria, baseline, coverage) are
pure and tested alone.
"""

from harness.gate._display import RichObserver, print_outcome
from harness.gate._policy import Policy, Profile, load_policy, parse_policy
from harness.gate._run import execute_gate, plan_gate, run_gate

__all__ = ["Policy", "Profile", "RichObserver", "execute_gate", "load_policy", "parse_policy",
           "plan_gate", "print_outcome", "run_gate"]  # fmt: skip
