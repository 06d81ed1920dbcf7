"""Entry locustfile of ``harness.loadgen.run_load`` and ``serve_worker``.

Kept in its own directory because Locust puts the locustfile's directory on ``sys.path``.
"""

from harness.loadgen.process import FaceharnessUser as FaceharnessUser
