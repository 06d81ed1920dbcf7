"""Load engine: closed- and open-model runs on Locust, and a limit search. Importing it never
imports Locust or gevent: runs happen in subprocesses (:mod:`harness.loadgen.runner`).
"""

from harness.loadgen.runner import run_load as run_load
from harness.loadgen.suite import LoadSuite as LoadSuite
from harness.loadgen.suite import run_load_suite as run_load_suite
