"""Break modes: each makes the emulator violate exactly one documented rule, on purpose.

The harness proves its checks by running against these (`faceharness emulate --break RULE`);
the rule text names what a check must catch.
"""

from __future__ import annotations

from typing import NamedTuple


class Break(NamedTuple):
    name: str
    api: str
    rule: str


# name, api, then the rule it violates
_TABLE = """
score-out-of-range match score must be a decimal string in 0..100 (E-007)
score-as-number match score is documented as a String (E-007)
success-inconsistent match success must agree with score and the operation's threshold (E-011)
missing-traceno match data.traceNo is required on success
duplicate-traceno match traceNo is unique per request (当前业务的唯一id)
errcode-status-mismatch match errcode 0 <=> data.status SUCCESS <=> result present
wrong-code-bad-token match an invalid token gets errcode 40002, not another code (E-014)
livecode-reusable match a liveCode is single-use (E-014)
lip-without-livecode match LIP mode needs liveCode (E-008)
oversize-500 match over-size data gets errcode 40006, never HTTP 500 (E-012)
wrong-content-type match responses are application/json
accept-expired-timestamp jd a timestamp older than 5 minutes gets gateway 10045 (E-019)
accept-bad-sign jd a wrong sign gets gateway 10047 (E-018)
unknown-code jd every business code is in the code table
msg-mismatch jd a business msg begins with its code's document text (E-027)
thresholds-out-of-order jd e4 > e5 > e6 > e7: distance thresholds fall as FAR gets stricter (E-004)
similarity-out-of-range jd similarity is an integer 0..100 (E-005)
jd-score-out-of-range jd score is a similarity in [0, 1] (E-004)
result-inconsistent jd result is true exactly when score reaches the operating threshold (E-004)
serialno-not-echoed jd result.serialNo echoes the request's serialNo
remaintimes-stuck jd remainTimes falls by one per counted call (E-028)
ignore-qps jd above the configured QPS the gateway answers 10043
two-image-sources jd an ImageItem has exactly one of imgBase64/imgArr/imgUrl (E-023)
"""
BREAKS: dict[str, Break] = {
    b.name: b for b in (Break(*line.split(None, 2)) for line in _TABLE.strip().splitlines())
}


def describe_breaks() -> list[tuple[str, str, str]]:
    return list(BREAKS.values())
