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

The faceharness engine (exact HDR percentiles, open model, workers on other machines with
`faceharness load worker`) runs through `faceharness load`; see docs/load.md.
All logic lives in harness.loadgen; this file only exposes the user classes.
"""

from harness.loadgen.locust_users import (  # Locust collects these user classes by name
    FaceCompareNewUser as FaceCompareNewUser,
)
from harness.loadgen.locust_users import (
    LiveCodeUser as LiveCodeUser,
)
from harness.loadgen.locust_users import (
    MatchIdnoUser as MatchIdnoUser,
)
from harness.loadgen.locust_users import (
    MatchUser as MatchUser,
)
from harness.loadgen.locust_users import (
    MixedUser as MixedUser,
)
