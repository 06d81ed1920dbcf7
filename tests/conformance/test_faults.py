"""Conformance against an emulator that drops, cuts off or hangs answers: findings, not errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from harness.clients import DEMO
from harness.conformance import replay_finding
from harness.conformance._emulator import emulator_settings
from harness.contract import no_answer_kind

from .conftest import conform, explain


def _answered(result, operation):
    return [f for f in result.findings if f.check == "answered" and f.operation == operation]


@pytest.mark.parametrize(
    ("fault", "kind"), [("reset", "cut-off body"), ("chunked", "cut-off body")]
)
def test_a_dropped_answer_is_one_finding_and_the_run_goes_on(emulator, tmp_path, fault, kind):
    url = emulator(faults=(f"liveCode={fault}:1.0",), **emulator_settings())
    result = conform(
        url,
        tmp_path,
        api="match",
        seed=3,
        examples=2,
        phases=("examples", "coverage"),
        request_timeout_s=5.0,
    )
    assert result.status == "fail", result.error
    found = _answered(result, "liveCode")
    assert len(found) == 1, explain(
        result
    )  # one per operation and kind, however many requests it hit
    finding = found[0]
    assert finding.message.startswith(f"no answer: {kind}, ") and finding.severity == "high"
    assert (
        "\n" not in finding.message
        and finding.response is None
        and finding.request["path"].endswith("/validateData")
    )
    assert finding.count >= 2  # the engine's request and the probes' requests merged
    replay = Path(finding.reproduce.removeprefix("faceharness replay "))
    stored = json.loads(replay.read_text(encoding="utf-8"))
    assert stored["check"] == {"name": "answered", "rule_id": "FH-H04", "timeout_s": 5.0}
    assert DEMO.token not in replay.read_text(encoding="utf-8")
    metrics = result.metrics
    assert metrics.codes[f"no answer:{kind}"] == finding.count
    for operation in ("match", "matchIdno", "asyncResult"):  # the others were tested as usual
        assert metrics.requests_by_operation[operation] > 5 and not _answered(result, operation)
    assert not any("Error" in e for api in metrics.apis.values() for e in api.engine_errors)


def test_a_hang_ends_by_the_client_timeout_as_a_finding(emulator, tmp_path):
    url = emulator(faults=("asyncResult=hang:1.0",), **emulator_settings())
    result = conform(
        url, tmp_path, api="match", seed=3, examples=1, phases=("examples",), request_timeout_s=1.0
    )
    assert result.status == "fail"
    found = _answered(result, "asyncResult")
    assert [f.message.split(" | ")[0] for f in found] == [
        "no answer: timeout, nothing within the 1 s client timeout"
    ]
    assert result.metrics.request_timeout_s == 1.0
    assert result.metrics.codes["no answer:timeout"] == found[0].count


@pytest.mark.slow
def test_replaying_a_dropped_answer_tells_whether_it_is_still_dropped(
    emulator, tmp_path, monkeypatch
):
    for name, value in {
        "FACEHARNESS_TOKEN": DEMO.token,
        "FACEHARNESS_JD_APPKEY": DEMO.jd_appkey,
        "FACEHARNESS_JD_SECRETKEY": DEMO.jd_secretkey,
    }.items():
        monkeypatch.setenv(name, value)  # a URL target takes credentials from the environment only
    faulty = emulator(faults=("liveCode=chunked:1.0",), **emulator_settings())
    result = conform(
        faulty,
        tmp_path,
        api="match",
        seed=3,
        examples=1,
        phases=("examples",),
        request_timeout_s=5.0,
    )
    path = Path(_answered(result, "liveCode")[0].reproduce.removeprefix("faceharness replay "))
    still = replay_finding(path, target=faulty)
    assert still.still_failing and still.detail.startswith("no answer: cut-off body"), still.detail
    healthy = emulator(**emulator_settings())
    fixed = replay_finding(path, target=healthy)
    assert not fixed.still_failing and fixed.detail == "answered now: HTTP 200"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (
            requests.ReadTimeout(
                ReadTimeoutError(None, "/x", "Read timed out. (read timeout=2.0)")
            ),
            "timeout",
        ),
        (
            requests.exceptions.ChunkedEncodingError(ProtocolError("Response ended prematurely")),
            "cut-off body",
        ),
        (
            requests.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
            ),
            "reset",
        ),
        (
            requests.ConnectionError(
                "Failed to establish a new connection: [Errno 111] Connection refused"
            ),
            "connection",
        ),
    ],
    ids=["timeout", "cut-off", "reset", "refused"],
)
def test_transport_errors_are_named_by_what_the_client_saw(exc, kind):
    assert no_answer_kind(exc) == kind


@pytest.mark.slow
def test_replaying_a_probe_finding_against_a_target_that_hangs_is_a_one_line_target_error(
    conformance_emulator, emulator, tmp_path, monkeypatch
):
    from harness.errors import TargetError

    monkeypatch.setenv(
        "FACEHARNESS_JD_APPKEY", DEMO.jd_appkey
    )  # a URL target: credentials from the environment
    monkeypatch.setenv("FACEHARNESS_JD_SECRETKEY", DEMO.jd_secretkey)
    broken = conformance_emulator("accept-bad-sign")
    result = conform(
        broken, tmp_path, api="jd", seed=1, examples=1, phases=("examples",), request_timeout_s=1.0
    )
    probe = next(f for f in result.findings if f.check == "auth-wrong-sign")
    path = Path(probe.reproduce.removeprefix("faceharness replay "))
    hanging = emulator(faults=("faceCompareNew=hang:1.0",), **emulator_settings())
    with pytest.raises(TargetError) as caught:
        replay_finding(path, target=hanging)
    assert "no answer" in str(caught.value) and "\n" not in str(caught.value)


def test_json_nested_past_the_stack_is_fh_h05_and_ends_no_engine_thread(tmp_path, monkeypatch):
    """schemathesis' response recorder lets anything but a decode error end its worker thread:
    a body nested past Python's stack lost the run's schemathesis findings (and printed a
    traceback). It is malformed JSON, which FH-H05 reports."""
    import threading

    from fixtures.hostile_target import HostileTarget

    ended: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: ended.append(hook.exc_value))
    with HostileTarget(("nested",)) as target:
        result = conform(
            target.url,
            tmp_path,
            api="match",
            is_emulator=False,
            seed=3,
            examples=1,
            max_requests=20,
            request_timeout_s=5.0,
        )
    assert ended == []
    assert any(f.rule_id == "FH-H05" for f in result.findings), explain(result)


def test_an_answer_head_is_read_or_refused_by_both_transports_alike():
    """schemathesis' transport (http.client) refused more than 100 header lines, which the run
    filed as "no answer: reset" and its replay (the sender, httpx) as answered: "fixed" against
    the unchanged target. Both now read 10,000 headers, and both refuse a head past the size the
    sender's parser completes, as the same kind of non-answer."""
    from fixtures.hostile_target import BODY, HostileTarget

    from harness.clients import Request, Sender
    from harness.conformance._transport import mount_deadline

    def outcome(status: int, content: bytes, headers: int, kind: str | None) -> tuple[object, ...]:
        return (status, content, headers) if status else (0, kind)

    seen = []
    for count in (10_000, 12_000, 20_000):  # about 120 KB, 144 KB and 250 KB of headers
        with HostileTarget(("many_headers",), header_count=count) as target:
            with Sender(target.url, credentials=DEMO, timeout_s=5) as sender:
                sent = sender.send(Request("match", "liveCode", "POST", "/x", json={}))
            try:
                read = mount_deadline(requests.Session()).post(target.url, json={}, timeout=5)
                got = outcome(read.status_code, read.content, len(read.headers), None)
            except requests.ConnectionError as exc:
                got = outcome(0, b"", 0, no_answer_kind(exc))
        seen.append((got, outcome(sent.status, sent.content, len(sent.headers), sent.no_answer)))
    # 144 KB: the sender refused it or not by how its socket reads fell (h11's 100 KB), load read it
    assert seen == [((200, BODY, 10_002),) * 2, ((200, BODY, 12_002),) * 2, ((0, "reset"),) * 2], (
        seen
    )


@pytest.mark.parametrize(
    "behaviour",
    [
        *("redirect_loop", "redirect_away", "two_lengths", "negative_length", "huge_length"),
        *("informational", "redirect_userinfo"),
        *("header_bytes", "bad_header_name", "te_unknown", "status_101", "huge_reason"),
        *("padded_head", "info_storm", "big_trailer"),
        *("info_odd", "status_304_body", "cl_plus"),
        *("chunk_line_long", "chunk_line_huge", "chunk_zeros", "status_http2", "status_http0"),
    ],
)
def test_an_odd_answer_is_read_alike_by_both_transports(behaviour: str) -> None:
    """schemathesis' session (requests) followed a redirect on its host, 30 times for a loop,
    sends no budget counted, and called the loop "no answer: connection"; it read a body behind a
    Content-Length h11 refuses (negative, 31 digits, two that differ) where the sender (httpx,
    which replays the finding) found none: the replay called the unchanged target fixed. Round 7:
    http.client read heads h11 refuses (a NUL in a header, a name with a space, Transfer-Encoding
    xchunked, an unasked 101) and refused a 64 KB status line h11 reads. Session 19: the sender
    read a 180 KB head padded with whitespace and timed out on an endless run of ``100 Continue``
    (both refused here by size), and refused a 1 MB trailer (read here), in h11's words. Session
    20: urllib3 refused a chunk size line over 64 KB (a long chunk extension) that the sender
    reads, and read a chunk size of 30 leading zeros that it refuses (one rule:
    ``refused_chunk_line``); http.client refused ``HTTP/2.0 200`` and ``HTTP/0.5``, read so."""
    from fixtures.hostile_target import HostileTarget
    from schemathesis.transport.requests import ManagedCookiesSession

    from harness.clients import Request, Sender
    from harness.conformance._transport import mount_deadline

    with (
        HostileTarget(("ok",)) as elsewhere,
        HostileTarget((behaviour,), redirect_to=elsewhere.url.replace("127.0.0.1", "localhost"))
        as target,
    ):  # fmt: skip
        with Sender(target.url, credentials=DEMO, timeout_s=5) as sender:
            sent = sender.send(Request("match", "liveCode", "POST", "/x", json={}))
        try:
            read = mount_deadline(ManagedCookiesSession()).post(
                target.url + "/x", json={}, timeout=5
            )
            got: tuple[object, ...] = (read.status_code, read.content)
        except Exception as exc:  # noqa: BLE001 - what the transport raised, named as it is
            got = (0, no_answer_kind(exc))
        served = len(target.served)
    assert got == ((sent.status, sent.content) if sent.status else (0, sent.no_answer)), got
    # one each, and the sender's one reconnect after a head it could not read
    assert served <= 3 and elsewhere.served == [], (target.served, elsewhere.served)


def test_a_refused_head_quoting_a_credential_is_masked_before_it_is_cut() -> None:
    """Review of session 17: h11's refusal quotes the header line; cut to 120 characters before it
    was masked, a long token's first 85 characters reached the finding."""
    from fixtures.hostile_target import HostileTarget

    from harness.conformance._transport import mount_deadline
    from harness.redact import remember_secret

    token = "tok" + "x7Q" * 40
    remember_secret(token)
    with HostileTarget(("echo_bad_header",)) as target:
        with pytest.raises(requests.ConnectionError) as raised:
            mount_deadline(requests.Session()).post(
                target.url + "/x", json={}, headers={"Authorization": f"Bearer {token}"}, timeout=5
            )
    said = str(raised.value)
    assert "illegal header line" in said and token[:20] not in said, said


@pytest.mark.parametrize(
    ("behaviour", "status"),
    [("text_404", "inconclusive"), ("text_400", "fail"), ("text_500", "fail")],
)
def test_a_target_answering_everything_alike_without_envelope(tmp_path, behaviour, status) -> None:
    """A bare 404 to every request (a wrong base URL) judged nothing: inconclusive, with the
    reason and what would make it testable. A text 400 to every valid request, or a 500 to every
    request (a service that crashes), is the service's answer: its findings fail it (a review
    of session 20 found both passed as inconclusive; tests/report/test_report_results.py has the
    rule's cases)."""
    from fixtures.hostile_target import HostileTarget

    with HostileTarget((behaviour,)) as target:
        result = conform(
            target.url, tmp_path, api="match", is_emulator=False, seed=1, examples=1,
            phases=("examples",), max_requests=12, max_rps=0, request_timeout_s=3.0,
        )  # fmt: skip
    assert result.status == status, (result.reason, explain(result))
    assert result.findings
    if status == "inconclusive":
        assert result.reason.startswith("every answer was a bare HTTP 404/405")
        assert "HTTP 404 x" in result.reason and result.testable_when
    else:
        assert result.reason is None and result.testable_when is None


def test_a_target_refusing_everything_with_its_own_code_is_inconclusive(tmp_path) -> None:
    """Hostile session 25: every request refused with errcode 1001 at HTTP 200 (a code no table
    names): conform said PASS, 457 refusals and not one acceptance. Nothing that needs an
    accepted answer was judged: inconclusive, as fuzz (`harness.results.none_accepted`)."""
    from fixtures.hostile_target import HostileTarget

    with HostileTarget(("refuse_all",)) as target:
        result = conform(
            target.url, tmp_path, api="match", is_emulator=False, seed=1, examples=1,
            phases=("examples",), max_requests=12, max_rps=0, request_timeout_s=3.0,
        )  # fmt: skip
    assert result.status == "inconclusive", (result.reason, explain(result))
    assert (result.reason or "").startswith("no answer accepted a request"), result.reason
    assert "match:errcode:1001 x" in result.reason and result.testable_when
