"""Locust users for both APIs, for plain ``locust`` (web UI, shapes, distributed runs).

    FACEHARNESS_LOAD_DEMO_CREDENTIALS=1 \
    locust -f load/locustfile.py MixedUser --host http://127.0.0.1:8000 --headless -u 5 -t 30s

User classes (pick one or more by name; with none, Locust runs them all):
MatchUser, MatchIdnoUser, LiveCodeUser, FaceCompareNewUser and MixedUser, each a
FastHttpUser sending real requests (JD freshly signed) and failing any answer whose JSON
code is not a success. Credentials come only from FACEHARNESS_TOKEN,
FACEHARNESS_JD_APPKEY and FACEHARNESS_JD_SECRETKEY (or the emulator's demo ones with
FACEHARNESS_LOAD_DEMO_CREDENTIALS=1). Options: FACEHARNESS_LOAD_WEIGHTS (mixed, e.g.
match=4,matchIdno=2,liveCode=1,faceCompareNew=3), FACEHARNESS_LOAD_SIZES
(small=1,medium=3,large=1), FACEHARNESS_LOAD_PAIRING (same|genuine|impostor),
FACEHARNESS_LOAD_FACES_DIR, FACEHARNESS_LOAD_SEED, FACEHARNESS_LOAD_USER_RPS (per user, 1).

The faceharness engine (exact HDR percentiles, open model) is selected instead when
FACEHARNESS_LOAD_FACTORY or FACEHARNESS_LOAD_CONFIG is set, e.g.
FACEHARNESS_LOAD_FACTORY=harness.loadgen.scenarios:scenario_request
FACEHARNESS_LOAD_FACTORY_KWARGS='{"scenario": "mixed", "demo_credentials": true}'
FACEHARNESS_LOAD_CLASSIFIER=harness.loadgen.codes:api_classifier; see docs/load.md.
All logic lives in harness.loadgen; this file only exposes the user classes.
"""

import os

from harness.loadgen.locust_users import (  # Locust collects these user classes by name
    FaceCompareNewUser,
    LiveCodeUser,
    MatchIdnoUser,
    MatchUser,
    MixedUser,
)

if os.environ.get("FACEHARNESS_LOAD_FACTORY") or os.environ.get("FACEHARNESS_LOAD_CONFIG"):
    from harness.loadgen.locust_plugin import selected_user_class

    FaceharnessUser = selected_user_class()
    del FaceCompareNewUser, LiveCodeUser, MatchIdnoUser, MatchUser, MixedUser
