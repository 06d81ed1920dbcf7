"""Entry locustfile used by ``harness.loadgen.run_load`` (configured via FACEHARNESS_LOAD_CONFIG).

Kept in its own directory because Locust puts the locustfile's directory on ``sys.path``.
"""

from harness.loadgen.locust_plugin import selected_user_class

FaceharnessUser = selected_user_class()
