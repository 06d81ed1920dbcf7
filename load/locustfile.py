"""Run the faceharness load engine with plain Locust.

    FACEHARNESS_LOAD_FACTORY=harness.loadgen.demo:echo_factory \
    locust -f load/locustfile.py --host http://127.0.0.1:8000 --headless -u 10 -t 30s

Environment (all optional): FACEHARNESS_LOAD_MODE=closed|open, FACEHARNESS_LOAD_FACTORY,
FACEHARNESS_LOAD_FACTORY_KWARGS (JSON), FACEHARNESS_LOAD_CLASSIFIER,
FACEHARNESS_LOAD_CLASSIFIER_KWARGS (JSON), FACEHARNESS_LOAD_RATE (open model, total req/s),
FACEHARNESS_LOAD_PROCESSES (number of load processes sharing the rate),
FACEHARNESS_LOAD_DURATION_S, FACEHARNESS_LOAD_MAX_REQUESTS, FACEHARNESS_LOAD_OUT_DIR
(per-process HDR/series files), or FACEHARNESS_LOAD_CONFIG (a JSON RunConfig file).
The open model runs one scheduler per process: use -u equal to the number of processes.
All logic lives in harness.loadgen; this file only selects the user class.
"""

from harness.loadgen.locust_plugin import selected_user_class

FaceharnessUser = selected_user_class()
