"""Load engine: closed- and open-model runs on Locust, and a limit search.

A run sends a scenario of the two APIs (:class:`~harness.loadgen.scenarios.ScenarioOptions`,
judged by their codes), or plain GETs for the engine's own tests; :class:`LoadSuite` runs it as
the load suite (``suite.run(ctx)``). Importing this package never imports Locust or gevent: runs
happen in subprocesses (see :mod:`harness.loadgen.runner`).
"""

from harness.loadgen.runner import run_load as run_load
from harness.loadgen.suite import LoadSuite as LoadSuite
from harness.loadgen.suite import run_load_suite as run_load_suite
