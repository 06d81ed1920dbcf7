"""Services the documents allow, unlike the emulator only in what no sentence fixes (the HTTP
framing, JSON spelling, texts and formats of tests/fixtures/legit_variants.py): conformance finds
nothing a seed promises broken on any of them (E-015's other reading, errors as 4xx, is only
the HTTP conventions' finding)."""

from __future__ import annotations

import pytest
from fixtures.legit_variants import VARIANTS, serve_variant

from harness.conformance import CheckFailed
from harness.conformance._probes import ProbeContext
from harness.conformance._registry import RULES

from .conftest import conform, explain, probe_session, run_probes_alone

FRAMING = (
    "gzip",
    "connection-close",
    "charset-UTF-8",
    "pretty-json",
    "key-order",
    "extra-fields",
    "score-int",
    "score-6dp",
    "errmsg-wording",
    "jd-msg-wording",
    "trace-uuid",
    "jd-charged-on-answer",
    "envelope-aliases",  # round 7: the other API's envelope names as extra fields
    "jd-success-1000",  # E-002: gateway success as the table spells it
    "trace-per-livecode",  # round 8, E-068: a LIP comparison answers its liveCode's traceNo
    "idno-score-empty",  # round 8, E-070: /idno's score "" when not passed
    "jd-gateway-result-empty",  # round 8, E-070: a JD gateway error with "result": {}
    # round 12: 103s, header values between blanks, chunk extensions and trailers (RFC 8297,
    # RFC 9112 5 and 7.1); a photo's videoType (E-080) and a liveCode outside LIP never read,
    # 10 kB of headers, RateLimit headers, close after refusals, gzip unless refused
    "front-round12",
    "combo-round12",
    # round 15: non-matches answered 1115, 100 and 43011 swapped, imgMap keyed by position,
    # Float scores in single precision, FastAPI's lax booleans and 422s, Spring's 415, a Bearer
    # value refused, hardened headers, Content-Encoding identity, errcode 1 for every failure,
    # no Date header
    "combo-round15",
    # session 26 review: a lip reader refusing every coded LIP video (FH-L43, FH-L07, FH-L22),
    # async true refused without a registered callback (FH-L19), JD's imgUrl fetched first
    "combo-confix",
    # round 16: similarity thresholds rising (E-004), IDP items checked to be ID cards (E-094),
    # JD floats at scale 7, Spring's 405 JSON, nginx's 414 and 400 pages, CORS and tracing
    # headers, a token compared ignoring case, 300 ms per new connection, gzip sent chunked
    "combo-round16",
    # round 17: reason phrases in UTF-8 (obs-text), a zero-led Content-Length, the head written
    # in pieces, an unasked 408 on a connection idle 1 s, after round 10's unasked 100 Continue
    "front-round17",
    # round 17: every still SILENT video refused by a silent liveness check (its own errcode),
    # pictures over 1280 px refused (E-043), an unknown query parameter refused, a clock 90 s
    # behind ours (E-082: the JD window, the Date header and result.timestamp on it), caching
    # headers, a media type parameter, and uvicorn's chunked framing (the chunked variant's);
    # round 18 inside it: /idno declining a person it cannot verify as success "false" (E-067),
    # its picture read before the person, JD's images before its 固定值, extData of any type,
    # a liveCode burnt by any comparison carrying it, liveCodes never beginning with 0
    "combo-round18",
)


# the one API a variant differs in, where it differs in one (the schema's freedoms the variants
# livecode-8, match-nulls and jd-nulls serve: tests/contract/test_schema_rules.py)
API = {
    "jd-charged-on-answer": "jd",
    "jd-success-1000": "jd",
    "trace-per-livecode": "match",
    "idno-score-empty": "match",
    "jd-gateway-result-empty": "jd",
}


@pytest.mark.parametrize("name", FRAMING)
def test_a_service_the_documents_allow_gets_no_finding(contract, tmp_path, name):
    assert name in VARIANTS
    with serve_variant(name, contract) as url:
        result = conform(
            url,
            tmp_path,
            is_emulator=False,
            api=API.get(name, "all"),
            seed=3,
            examples=1,
            phases=("examples",),
            max_rps=0,
        )
    counted = [f for f in result.findings if f.severity != "info"]
    assert not counted, explain(result)


@pytest.mark.parametrize(
    ("name", "rule_id"),
    [("no-content-type", "FH-H03"), ("gbk-declared", "FH-H09"), ("bom", "FH-H09")],
)
def test_an_answer_only_a_convention_lists_passes(contract, tmp_path, name, rule_id):
    """Neither document names the answer's Content-Type (JD's header table is the request's):
    without one, FH-H03 lists the HTTP convention (low, not counted by default); schemathesis'
    response_schema_conformance made it a counted medium finding on every operation. Nor its
    charset (E-071): an internal service answering GBK as it declares is read so and FH-H09
    lists it; it was not JSON to any suite (11 high findings). Nor a byte order mark before
    the JSON (round 12, bom: RFC 8259 8.1 lets a parser ignore it), which FH-H09 lists too."""
    with serve_variant(name, contract) as url:
        result = conform(
            url,
            tmp_path,
            is_emulator=False,
            api="match",
            seed=3,
            examples=1,
            phases=("examples",),
            max_rps=0,
        )
    assert result.findings and {f.rule_id for f in result.findings} == {rule_id}, explain(result)
    assert {f.basis for f in result.findings} == {"convention"}
    assert result.status == "pass", explain(result)


@pytest.mark.parametrize(
    ("name", "which"),
    [("none", "default"), ("jd-past-only", "alternative")],
)
def test_a_timestamp_ahead_of_now_tells_the_reading_of_the_window(contract, name, which):
    """E-019 (timestamp有效期5分钟): FH-A14 observes whether a timestamp signed 270 s ahead is
    accepted (both-ways, the emulator's default) or refused 10045 (past-only; the emulator serving
    it is tests/readings/test_every_reading.py's); neither is a finding."""
    with serve_variant(name, contract) as url, probe_session(contract, "jd", url) as session:
        RULES.get("FH-A14").fn(ProbeContext(session=session))
    assert session.readings.observed("E-019") == which


def test_a_throttled_answer_to_a_probe_judges_nothing(contract):
    """qps-2 (`免费试用服务具有调用量、QPS限制`, E-045): FH-L05's two-source ImageItem answered
    10043 filed a high "expected an input error" finding; a throttled answer judges nothing.
    Three canonical calls first spend the variant's 2 calls of the second (again, at most
    three times, should a slow machine let the bucket refill before the probe's request)."""
    with serve_variant("qps-2", contract) as url, probe_session(contract, "jd", url) as session:
        p = ProbeContext(session=session, may_burst=True)
        for _ in range(3):
            try:
                for _ in range(3):
                    p.send(p.canonical("faceCompareNew"))
                RULES.get("FH-L05").fn(p)
            except CheckFailed as failed:
                p.failures.append(failed)
            if p.last_response.answer.throttled:
                break
    assert p.last_response.answer.throttled, "the probe's request was not throttled"
    assert not p.failures, [f.message for f in p.failures]


@pytest.mark.parametrize(
    "name",
    ["none", "jd-one-item", "score-rounded", "alt-all"],
)
def test_a_collection_of_two_is_judged_only_when_compared(contract, name):
    """FH-L44 sends a collection of another person's face and the base image: a service that
    compares one collection image only refuses it (jd-one-item, E-066) and is not judged; scores
    written rounded, a non-match under code 0 (E-047) and every other reading fail nothing. On
    the emulator the list is compared (the probe judged an answer, not a refusal)."""
    with serve_variant(name, contract) as url, probe_session(contract, "jd", url) as session:
        p = ProbeContext(session=session)
        RULES.get("FH-L44").fn(p)
    assert not p.failures, [f.message for f in p.failures]
    sent = p.last_request.json["collectionImageItems"]
    assert len(sent) == 2 and sent[0]["imgBase64"] != sent[1]["imgBase64"]
    ran = p.last_response.answer.ran
    assert ran is (name != "jd-one-item"), p.last_response.body


@pytest.mark.parametrize("name", ["none", "jd-replay-protected"])
def test_a_timestamp_used_once_is_no_defect_of_the_sign_check(contract, name):
    """FH-A15's last request is a wrong sign over the timestamp of a request accepted a moment
    before: a gateway that takes a timestamp once (replay protection, no sentence forbids it)
    refuses it 10045 before checking the sign. Any refusal passes; the emulator keeps 10047.
    Session 24: FH-A21 passes it too (its two bad signs may carry the accepted request's
    timestamp, the latest whose sign begins with 0: any refusal passes, as here)."""
    with serve_variant(name, contract) as url, probe_session(contract, "jd", url) as session:
        p = ProbeContext(session=session)
        RULES.get("FH-A21").fn(p)
        RULES.get("FH-A15").fn(p)
    assert not p.failures, [f.message for f in p.failures]
    assert p.last_response.answer.code == ("10045" if name != "none" else "10047")


def test_an_answer_to_a_repeated_serialno_is_no_count(contract):
    """`serialNo String ... 随机唯一` puts uniqueness on the caller; no sentence says what a repeat
    gets: an idempotent service answers it with its first answer, verbatim (jd-serial-idempotent).
    A default conform got FH-J12 (high): coverage's negative cases kept the document's example
    serialNo, and a repeat's remainTimes, the first answer's, went back up. The repeat judges no
    count (a negative case the spec's serialNo takes now gets one of its own: test_units)."""
    with serve_variant("jd-serial-idempotent", contract) as url:
        with probe_session(contract, "jd", url) as session:
            p = ProbeContext(session=session)
            first = p.canonical("faceCompareNew")
            answers = [p.ask(r) for r in (first, p.canonical("faceCompareNew"), first)]
    assert not p.failures, [f.message for f in p.failures]
    assert answers[2].remain_times == answers[0].remain_times > answers[1].remain_times


@pytest.mark.parametrize("api", ["match", "jd"])
def test_a_service_moved_behind_a_redirect_could_not_run_with_the_place_named(contract, api):
    """A service answering its documented paths 308 to the same host (legit_variants
    redirect-308) got 57 high conformance and 48 fuzz findings, every answer judged a redirect:
    no suite follows one (the credentials go to the target only). The preflight now stops the run
    (exit 2) naming where it moved, its query (JD's sign) left out; that URL then runs."""
    from harness.clients import DEMO
    from harness.preflight import PreflightError, preflight

    with serve_variant("redirect-308", contract) as url:
        with pytest.raises(PreflightError) as stopped:
            preflight(url, apis=(api,), credentials=DEMO, contract=contract)
        line = str(stopped.value)
        assert "HTTP 308" in line and line.endswith(f"run with --target {url}/v2"), line
        assert "?" not in line and "sign=" not in line and "appkey=" not in line, line
        assert preflight(url + "/v2", apis=(api,), credentials=DEMO, contract=contract)


def test_one_operation_redirected_to_a_login_page_is_judged_not_a_run_stopped(contract, tmp_path):
    """Review session 22: a service whose validateData alone answers ``302 Location: /login``
    was judged (exit 1, the redirect a high finding) until the preflight stopped every redirect
    of a documented path (exit 2, nothing judged). Only a moved base stops the run now."""
    import json

    from fixtures.legit_variants import variant_app
    from fixtures.rewrite import read_whole

    from harness.clients import DEMO
    from harness.emulator import EmulatorServer
    from harness.preflight import preflight

    inner = variant_app("none", contract)
    live_path = contract.operation("liveCode").path

    async def login_wall(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http" or scope.get("path") != live_path:
            return await inner(scope, receive, send)
        await read_whole(receive)
        head = [(b"location", b"/login"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 302, "headers": head})
        await send({"type": "http.response.body", "body": b""})

    with EmulatorServer(login_wall) as url:  # the preflight, then the suite: as `conform` runs
        proved = preflight(url, apis=("match", "jd"), credentials=DEMO, contract=contract)
        assert proved[0].startswith(f"match: POST {live_path} answered HTTP 302"), proved
        result = conform(url, tmp_path, is_emulator=False, api="match", seed=3, examples=1,
                         phases=("examples",), max_rps=0)  # fmt: skip
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "fail" and not result.error, (summary["verdict"], result.error)
    redirects = [f for f in result.findings if f.severity == "high" and "302" in f.message]
    assert redirects and all(f.operation == "liveCode" for f in redirects), explain(result)


@pytest.mark.parametrize(
    ("name", "probes"),
    [
        ("go-validate-400", ("FH-L19", "FH-A17")),
        ("ssrf-filter-400", ("FH-L15",)),
        ("media-binding-400", ("FH-L15",)),
        ("fetch-failed-502", ("FH-L15",)),
        ("fetch-hangs", ("FH-L15",)),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(v),
)
def test_a_refusal_before_the_service_or_a_failed_fetch_is_no_finding(contract, name, probes):
    """Review of session 25: a correct service failed FH-L19 (validateData in Go answering its
    decoder's text/plain 400 to no body, or to a field it does not take) and FH-L15 (a WAF's or
    binder's 400 without the envelope to a link, a PNG, base64 in lines; a link's failed fetch
    answered 502 with the envelope, filed FH-H01 too; no answer to the link within the client's
    timeout, a slow resolver). Each is a refusal (E-015), a failed fetch (E-017), or unjudged; the
    HTTP conventions (FH-H02, FH-H03) still list the status and media type. Session 28's audit:
    the Go service takes FH-A17's ``{}`` with a bad token (its code, 40002): the variant judged
    the body its app had read, none for a token refused before the body, and answered EOF."""
    timeout = 3.0 if name == "fetch-hangs" else 30.0  # a 6x margin over a loaded comparison
    with (
        serve_variant(name, contract) as url,
        probe_session(contract, "match", url, timeout_s=timeout) as session,
    ):
        found, unjudged = run_probes_alone(session, probes, counted=True)
    assert not found, found
    if name == "fetch-hangs":
        assert unjudged and "origin uri" in unjudged[0], unjudged


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("lip-reader", ("FH-L43", "FH-L07", "FH-L22")),
        ("async-callback-required", ("FH-L19", "FH-L43", "FH-L15", "FH-A17")),
        ("async-callback-input-code", ("FH-L19", "FH-L43", "FH-L15", "FH-A17")),
    ],
)
def test_the_review_s_services_fail_no_probe(contract, name: str, rules: tuple[str, ...]) -> None:
    """Session 26 review: a service lip-reading the video (a fresh code and a never-issued one
    refused alike as a mismatch, none as a parameter error) failed FH-L43, FH-L07 and FH-L22,
    which took the difference for the code dropped; one refusing async true without a registered
    callback (E-013 says nothing of how the feedback arrives) failed FH-L19."""
    from .conftest import run_probes_alone

    with serve_variant(name, contract) as url, probe_session(contract, "match", url) as session:
        found, _ = run_probes_alone(session, rules)
    assert not found, found


def test_a_jwt_token_one_character_from_the_valid_one_is_refused_not_taken(contract) -> None:
    """Session 27 review: FH-A17 changed a token's last character, which in a JWT's signature
    holds unused base64url bits ('...0' and '...1' decode to the same bytes): a service checking
    the signature (jwt-token) took the changed token, a false red; a character in the middle
    changes real bytes."""
    from fixtures.legit_variants import JWT_TOKEN

    from harness.clients import DEMO

    creds = DEMO.model_copy(update={"token": JWT_TOKEN})
    with (
        serve_variant("jwt-token", contract) as url,
        probe_session(contract, "match", url, creds=creds) as session,
    ):
        found, unjudged = run_probes_alone(session, ("FH-A17",))
    assert not found and not unjudged, (found, unjudged)


def test_jd_thresholds_as_the_seed_s_table_prints_them_are_no_finding(contract) -> None:
    """Session 27 review: e4..e7 all 1.0920000, as the seed's table prints them, were a high
    FH-J06 finding on every comparison (jd-thresholds-table)."""
    with serve_variant("jd-thresholds-table", contract) as url:
        with probe_session(contract, "jd", url) as session:
            p = ProbeContext(session=session)
            answer = p.ask(p.canonical("faceCompareNew"))
    assert answer.ran and not p.failures, [f.message for f in p.failures]


def test_a_null_collection_item_refused_by_a_validators_plain_400_is_a_refusal(contract) -> None:
    """Session 27 review: FH-L34 asked an envelope of the answer to ``[item, null]`` and filed
    a Go validator's text/plain 400 (jd-null-item-400) high; E-015: a probe asking only for a
    refusal takes an HTTP layer's 4xx as that refusal."""
    with serve_variant("jd-null-item-400", contract) as url:
        with probe_session(contract, "jd", url) as session:
            found, unjudged = run_probes_alone(session, ("FH-L34",))
    # the 400 and its text/plain are HTTP conventions' to list (FH-H02, FH-H03), not the probe's
    assert not [f for f in found if f.startswith("FH-L34")] and not unjudged, (found, unjudged)


@pytest.mark.parametrize("name", ["idno-pattern-400", "idno-pattern-400-plain"])
def test_an_id_number_a_validator_refuses_with_its_own_400_is_a_refusal(contract, name) -> None:
    """Session 27 review: a validator refusing an idNum that is not 18 characters with its own
    400 (Spring's JSON, Go's text/plain) failed FH-L41 high on the 15-digit number (refusing it
    fits, E-043) and FH-L14 on idNum '' (asked only for a refusal: E-015 takes a layer's 4xx)."""
    with serve_variant(name, contract) as url:
        with probe_session(contract, "match", url) as session:
            found, unjudged = run_probes_alone(session, ("FH-L41", "FH-L14"))
    # a 400 and its Content-Type are HTTP conventions' to list (FH-H02, FH-H03), not a probe's
    assert not [f for f in found if f.startswith(("FH-L41", "FH-L14"))], found
    assert not unjudged, unjudged
