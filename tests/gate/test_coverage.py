"""Coverage: the suites' own counts and load's code labels, per operation and per API."""

from __future__ import annotations

import json

from harness.gate._judge import build_coverage
from harness.results import AccuracyMetrics, ConformanceMetrics, FuzzMetrics, SuiteResult

from .builders import load


def rows(coverage):
    return {op.operation: op for op in coverage.operations}


def test_codes_of_the_internal_api_are_per_api_and_jd_codes_per_operation(contract):
    conformance = SuiteResult(
        name="conformance",
        status="pass",
        metrics=ConformanceMetrics(
            requests_by_operation={"match": 4, "faceCompareNew": 2, "_unknown": 9},
            codes={
                "match:errcode:0": 3,
                "match:errcode:40002": 1,
                "jd:gateway:10000": 2,
                "jd:business:1155": 2,
                "jd:business:777": 1,
                "fault:reset": 5,
            },
        ),
    )
    coverage = build_coverage(contract, [conformance])
    # the report's "N of M operations exercised": the shared-codes row is no operation
    assert (coverage.exercised, len(coverage.operation_rows)) == (2, len(contract.operations))
    cov = rows(coverage)
    match_ops = [op.operation_id for op in contract.operations.values() if op.api == "match"]
    assert set(cov) == {*match_ops, "match: all operations", "faceCompareNew"}
    assert cov["match"].requests == 4 and cov["matchIdno"].requests == 0
    assert cov["match"].documented_codes == []  # the internal API's codes are per API
    everything = cov["match: all operations"]
    assert everything.requests == 4 and everything.observed_codes == {
        "errcode:0": 3,
        "errcode:40002": 1,
    }
    assert len(everything.documented_codes) == len(contract.codes.of("match"))
    assert "errcode:42900" in everything.never_triggered
    jd = cov["faceCompareNew"]
    assert jd.method == "POST" and jd.path == "/jdai/faceCompareNew"
    assert jd.observed_codes == {"gateway:10000": 2, "business:1155": 2, "business:777": 1}
    assert jd.undocumented == ["business:777"]


def test_a_live_target_sums_what_suites_report_and_load_adds_codes(contract):
    conformance = SuiteResult(
        name="conformance",
        status="pass",
        metrics=ConformanceMetrics(
            requests_by_operation={"match": 3, "liveCode": 1},
            codes={"match:errcode:40003": 2, "http:500": 1},
        ),
    )
    fuzz = SuiteResult(
        name="fuzz",
        status="pass",
        metrics=FuzzMetrics(
            requests_by_operation={"liveCode": 1, "faceCompareNew": 5, "matchIdno": 2},
            codes={
                "match:errcode:40002": 1,
                "match:errcode:40021": 2,
                "http:502": 1,
                "jd:gateway:10043": 2,
                "jd:gateway:10000": 6,
                "jd:business:1103": 1,
                "jd:business:1162": 5,
            },
        ),
    )
    cov = rows(build_coverage(contract, [conformance, fuzz, load()]))
    assert (
        cov["match"].requests == 3
        and cov["liveCode"].requests == 2
        and cov["matchIdno"].requests == 2
    )
    assert cov["match: all operations"].observed_codes == {
        "errcode:40002": 1,
        "errcode:40003": 2,
        "errcode:40021": 2,
        "errcode:42900": 3,
    }
    assert cov["faceCompareNew"].observed_codes == {
        "gateway:10000": 6,
        "gateway:10043": 2,
        "business:1103": 1,
        "business:1155": 2,
        "business:1162": 5,
    }
    # accuracy's requests are not contract coverage
    counted = AccuracyMetrics.model_validate({"requests_by_operation": {"match": 99}})
    accuracy = SuiteResult(name="accuracy", status="pass", metrics=counted)
    assert rows(build_coverage(contract, [conformance, accuracy]))["match"].requests == 3


def test_load_credits_the_codes_its_classifier_saw_business_and_system_alike(contract):
    """What a load run observed, classified by load's own classifier and counted by its recorder,
    is credited to the documented code it answered with (the label's qualifiers do not matter)."""
    from harness.loadgen.classify import api_classifier
    from harness.loadgen.recorder import Recorder
    from harness.results import LoadMetrics

    def match(errcode, success="true", status="SUCCESS"):
        data = {"status": status, "traceNo": "t1", "result": {"success": success, "score": "9"}}
        return json.dumps({"errcode": errcode, "errmsg": "x", "data": data}).encode()

    def jd(gateway, business=None, result=True):
        body = {"code": gateway, "msg": "x"}
        if business is not None:
            body["result"] = {"code": business, "msg": "x", "result": result, "score": 0.9}
        return json.dumps(body).encode()

    answers = [
        (match(42900), 3),  # quota
        (match(50000), 2),  # system error
        (match(40031), 1),  # no face: a business failure
        (match(0), 4),  # success: not an error, not in errors_by_code
        (match(0, "false"), 2),  # compared, no match
        (match(0, "true", "FAIL"), 1),  # errcode 0 with a failed status (E-039)
        (match(12345), 1),  # undocumented
        (jd("10043"), 2),  # gateway quota
        (jd("10020"), 1),  # gateway system busy
        (jd("10000", 1155, False), 5),  # business: not the same person
        (jd("10000", 50), 1),  # business system error
        (jd("10000", 0), 3),  # success
        (jd("10000", 0, False), 1),  # ran, result false
        (jd("10000"), 1),  # gateway success without result.code
        (b"<html>", 1),  # not the API's envelope
    ]
    recorder = Recorder(proc="p", late_s=0.01, origin=(0.0, 1000.0))
    for body, times in answers:
        for _ in range(times):
            recorder.done(1.0, 1.0, 1.1, *api_classifier(200, body, None))
    for status in (503, 429):
        recorder.done(1.0, 1.0, 1.1, *api_classifier(status, b"{}", None))
    recorder.done(1.0, 1.0, 1.1, *api_classifier(0, b"", ConnectionRefusedError()))
    metrics = LoadMetrics(errors_by_code=dict(recorder.err_codes))
    cov = rows(build_coverage(contract, [SuiteResult(name="load", status="pass", metrics=metrics)]))
    assert cov["match: all operations"].observed_codes == {
        "errcode:0": 3,
        "errcode:40031": 1,
        "errcode:42900": 3,
        "errcode:50000": 2,
        "errcode:12345": 1,
    }
    assert cov["faceCompareNew"].observed_codes == {
        "gateway:10000": 1,
        "gateway:10020": 1,
        "gateway:10043": 2,
        "business:0": 1,
        "business:50": 1,
        "business:1155": 5,
    }
    assert sum(op.requests for op in cov.values()) == 0  # load's requests are not counted


def test_a_conform_or_fuzz_commands_summary_has_its_coverage():
    """`conform` and `fuzz` write the gate's summary with their one suite: their report said "No
    coverage recorded (the conformance and fuzz suites record it)" after a conformance run."""
    from datetime import UTC, datetime

    from harness.commands._verdict import summarize

    metrics = ConformanceMetrics(requests_by_operation={"match": 4}, codes={"match:errcode:0": 4})
    result = SuiteResult(name="conformance", status="pass", metrics=metrics)
    summary = summarize(result, "conformance", target="emulator", started=datetime.now(UTC))
    assert summary.coverage is not None and summary.coverage.exercised == 1
    assert rows(summary.coverage)["match: all operations"].observed_codes == {"errcode:0": 4}
