"""The parts under the rules: registry, tracker, credentials, exchanges, payloads and injection."""

from __future__ import annotations

import base64
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from harness.clients import DEMO, VALID, Auth, Exchange, How, Request, jd_sign
from harness.clients._auth import token_of
from harness.conformance import RULES, CheckFailed
from harness.conformance._inject import SAFE_URL, PayloadInjector
from harness.conformance._payloads import PayloadPool
from harness.conformance._registry import Registry, RuleContext, Violation, rule
from harness.conformance._session import jd_auth_of
from harness.conformance._tracker import RunTracker
from harness.contract import ReadingLog, load_contract, not_fixed, read_answer
from harness.emulator import valid_id_number
from harness.findings import MARK_VALID, exchange_of, request_of
from harness.imaging import padded
from harness.pacing import Budget, BudgetExhausted


@pytest.fixture(scope="module")
def pool(contract):
    return PayloadPool(contract)


# --- registry -------------------------------------------------------------------------------
def test_registry_rejects_duplicate_ids_and_names():
    registry = Registry()

    @rule("X-1", "first", api="match", registry=registry, quote="a sentence of the document")
    def first(ctx, response, case):
        raise Violation("Received: a\nExpected: b")

    with pytest.raises(ValueError, match="X-1"):
        rule("X-1", "other", api="match", registry=registry, quote="q")(lambda ctx, r, c: None)
    with pytest.raises(ValueError, match="first"):
        rule("X-2", "first", api="match", registry=registry, quote="q")(lambda ctx, r, c: None)
    with pytest.raises(CheckFailed) as failed:
        first(type("Ctx", (), {"operation": "match"})(), None, None)
    assert (
        failed.value.rule_id == "X-1"
        and failed.value.check == "first"
        and failed.value.operation == "match"
    )
    assert failed.value.basis == "seed"


def test_registry_requires_a_basis_it_can_state():
    registry = Registry()
    with pytest.raises(ValueError, match="quotes the document"):
        rule("Y-1", "unquoted", api="match", registry=registry)(lambda ctx, r, c: None)
    with pytest.raises(ValueError, match="at most 'low'"):
        rule(
            "Y-2",
            "loud-norm",
            api="match",
            basis="convention",
            severity="medium",
            registry=registry,
        )(lambda ctx, r, c: None)
    with pytest.raises(ValueError, match="names the erratum"):
        rule("Y-3", "vague-reading", api="match", basis="reading", registry=registry)(
            lambda ctx, r, c: None
        )


def test_every_registered_id_and_name_is_unique_and_documented():
    entries = list(RULES)
    assert len({r.id for r in entries}) == len({r.name for r in entries}) == len(entries) >= 30
    assert all(r.doc for r in entries), [r.id for r in entries if not r.doc]
    # a description is a whole sentence even when the docstring wraps it onto a second line
    cut = [r.id for r in entries if not r.doc.rstrip(")").endswith((".", ":", ";", "?", "!"))]
    assert not cut, cut


def test_a_description_is_the_rules_whole_first_paragraph_as_written():
    """The description is rule metadata: shortening a docstring's first paragraph changes it
    (FH-S03 lost its FH-A10 and E-039 sentences; FH-M08 took in its second paragraph)."""
    assert RULES.get("FH-S03").doc == (
        "An invalid request is refused with a code of its kind; the basis is its broken rule's: "
        "seed, an HTTP/JSON/image convention (at most ``low``), or faceharness' reading of an "
        "erratum (an undocumented limit or format: observed when accepted). An accepted bad sign "
        "is ``high`` here as in conformance (FH-A10). errcode 0 with a failed status is a refusal "
        "under the two-level reading (E-039)."
    )
    assert RULES.get("FH-M08").doc == (
        "Whether errmsg comes on success and errors carry no data (E-006), or the service leaves "
        "them out."
    )


# --- tracker --------------------------------------------------------------------------------
def _observe(tracker, api, op, body, case_id, query=None, status=200, live_code=None):
    """One answer observed as the runs record it: an Exchange its sender read once."""
    content = json.dumps(body).encode()
    answer = Exchange.read(load_contract(), api, status, {}, content)
    return tracker.observe(
        answer,
        api=api,
        operation=op,
        case_id=case_id,
        query=query or {},
        live_code=(live_code, live_code is not None),
    )


def test_a_livecode_business_traceno_is_a_reading(contract):
    """E-068 (`traceNo 当前业务的唯一id`): a LIP comparison answering the traceNo validateData gave
    with its liveCode is one business, observed (round-8 legit variant trace-per-livecode got a
    high FH-M05 for each); the traceNo given again otherwise is still FH-M05's finding."""

    def ok(trace, result):
        data = {"status": "SUCCESS", "traceNo": trace, "result": result}
        return {"errcode": 0, "errmsg": "SUCCESS", "data": data}

    def judged(facts, body, log):
        ctx = RuleContext(contract, "match", "match", facts=facts, readings=log)
        exchange = Exchange.read(contract, "match", 200, {}, json.dumps(body).encode())
        RULES.get("FH-M05").fn(ctx, exchange, Request("match", "match", "POST", "/m", json={}))

    t, log, same = RunTracker(), ReadingLog(), {"success": "true", "score": "90"}
    assert not _observe(t, "match", "liveCode", ok("V1", {"code": "2312"}), "v").trace_seen
    facts = _observe(t, "match", "match", ok("V1", same), "a", live_code="2312")
    assert facts.trace_of_livecode and not facts.trace_seen
    judged(facts, ok("V1", same), log)
    assert log.observed("E-068") == "alternative"
    _observe(t, "match", "liveCode", ok("V2", {"code": "5555"}), "w")
    facts = _observe(t, "match", "matchIdno", ok("M3", same), "b", live_code="5555")
    assert facts.trace_of_livecode is False
    judged(facts, ok("M3", same), log)
    assert log.observed("E-068") == "mixed"
    for again in (  # the business' traceNo without its code, another code's, a comparison's
        _observe(t, "match", "match", ok("V1", same), "c"),
        _observe(t, "match", "match", ok("V2", same), "d", live_code="2312"),
        _observe(t, "match", "match", ok("M3", same), "e", live_code="5555"),
    ):
        assert again.trace_seen
        with pytest.raises(CheckFailed):
            judged(again, ok("V1", same), ReadingLog())


def test_tracker_remembers_traces_remaining_calls_similarity_and_threshold(contract):
    t = RunTracker()
    ok = {"errcode": 0, "data": {"status": "SUCCESS", "traceNo": "T1", "result": {}}}
    assert not _observe(t, "match", "match", ok, "a").trace_seen
    assert _observe(t, "match", "matchIdno", ok, "b").trace_seen
    assert not _observe(
        t, "match", "asyncResult", ok, "c"
    ).trace_seen  # an async result repeats it (E-013)
    jd = {
        "code": "10000",
        "remainTimes": 9,
        "result": {
            "score": 0.5,
            "similarity": 50,
            "msg": "比对失败 :分数:0.5 阈值:0.8179 结果:false",
        },
    }
    first = _observe(t, "jd", "faceCompareNew", jd, "d", {"appkey": "k"})
    assert first.remain_before is None and first.operating_threshold == 0.8179
    second = _observe(
        t,
        "jd",
        "faceCompareNew",
        {**jd, "remainTimes": 8, "result": {"score": 0.6, "similarity": 40}},
        "e",
        {"appkey": "k"},
    )
    assert second.remain_before == 9 and second.similarity_conflict == (0.5, 50)
    assert _observe(t, "jd", "faceCompareNew", jd, "f", {"appkey": "other"}).remain_before is None
    assert t.facts_for("e") == second and t.budget.used == 6


def test_calls_left_are_the_last_remaintimes_less_every_request_since(contract):
    """FH-J24's evidence (E-045): the quota the service's own remainTimes last left for the
    appkey, less each request counted since (any may have been charged, E-028); -1 stays
    unlimited; a gateway refusal of another kind (its remainTimes a default) and a count below -1
    say nothing; answers to requests in flight together are not ordered, so they are not read."""
    t, key = RunTracker(), {"appkey": "k"}
    served = {"code": "10000", "remainTimes": 5, "result": {"code": 0}}
    assert t.calls_left(key) is None
    _observe(t, "jd", "faceCompareNew", served, "a", key)
    assert t.calls_left(key) == 5 and t.calls_left({"appkey": "other"}) is None
    _observe(t, "jd", "faceCompareNew", {"code": "10047", "remainTimes": -1}, "b", key)
    _observe(t, "match", "match", {"errcode": 0, "data": {}}, "c")
    assert t.calls_left(key) == 3  # two requests since: the sign refused, and another API's
    throttled = {"code": "10000", "remainTimes": -1, "result": {"code": 43010}}
    with t.unordered():
        _observe(t, "jd", "faceCompareNew", throttled, "d", key)
    assert t.calls_left(key) == 2
    _observe(t, "jd", "faceCompareNew", throttled, "e", key)
    assert t.calls_left(key) == math.inf
    _observe(t, "jd", "faceCompareNew", {"code": "10043", "remainTimes": 0}, "f", key)
    assert t.calls_left(key) == 0  # a gateway's QPS refusal says what is left, too
    _observe(t, "jd", "faceCompareNew", {**served, "remainTimes": -7}, "g", key)
    assert t.calls_left(key) is None


def test_the_id_histories_hold_a_huge_id_by_its_digest_and_still_see_it_again(contract):
    """Hostile round 18 (trace_unique_huge): a unique 2 MB traceNo (JD's serialNo) in every
    answer was kept whole in FH-M05's and FH-J16's histories: +390 MB in a 150-request conform
    run, gigabytes for fuzz's. A repeated huge id is still seen as repeated."""
    from harness.conformance._tracker import TraceHistory, serial_named

    history, serials = TraceHistory(), {}
    for i in range(20):
        huge = f"{i:03d}" + "7" * (2 << 20)
        answer = read_answer(contract, "match", 200, {"errcode": 0, "data": {"traceNo": huge}})
        assert not history.facts("match", answer).trace_seen
        assert serial_named(serials, f"s-{i}", huge) is None
    assert history.facts("match", answer).trace_seen  # the last one, answered again
    assert serial_named(serials, "s-99", huge) == "s-19"
    held = sum(map(len, history.traces)) + sum(map(len, serials))
    assert held < 20 * 200, held


def test_a_result_serialno_names_one_request_under_either_reading_of_e041():
    """FH-J16's history, shared by conformance's tracker and fuzz: an echo (E-041's default) or
    ids of the service's own (its alternative) name one request each; a constant id, or another
    request's serialNo, names the request it was first seen with. Sent serialNos that differ
    only in case are one (a service may normalise them); other shapes are not judged."""
    from harness.conformance._tracker import serial_named

    echo: dict[str, str] = {}
    assert serial_named(echo, "s-1", "s-1") is None and serial_named(echo, "s-2", "s-2") is None
    assert serial_named(echo, "s-1", "s-1") is None  # the same serialNo sent again, echoed
    own: dict[str, str] = {}
    assert serial_named(own, "s-1", "u-1") is None and serial_named(own, "s-2", "u-2") is None
    constant: dict[str, str] = {}
    assert serial_named(constant, "s-1", "uuid") is None
    assert serial_named(constant, "s-2", "uuid") == "s-1"
    crossed: dict[str, str] = {}
    assert serial_named(crossed, "s-1", "s-1") is None
    assert serial_named(crossed, "s-2", "s-1") == "s-1"
    folded: dict[str, str] = {}
    assert serial_named(folded, "ABC", "ABC") is None and serial_named(folded, "abc", "ABC") is None
    odd: dict[str, str] = {}
    assert serial_named(odd, "a b", "x") is None and serial_named(odd, "a c", "x") is None


def test_tracker_counts_codes_as_every_suite_spells_them(contract):
    t = RunTracker()
    _observe(t, "match", "match", {"errcode": 42900, "errmsg": "x"}, "a")
    _observe(t, "jd", "faceCompareNew", {"code": "10000", "result": {"code": 1155}}, "b")
    _observe(t, "jd", "faceCompareNew", {"code": "10000", "result": {"code": 0}}, "c", status=503)
    assert t.codes == {
        "match:errcode:42900": 1,
        "jd:gateway:10000": 1,
        "jd:business:1155": 1,
        "http:503": 1,
    }


def test_tracker_budget_stops_the_run(contract):
    stopped = []
    t = RunTracker(budget=Budget(3), on_budget=lambda: stopped.append(True))
    for i in range(3):
        t.ensure_budget()
        _observe(t, "match", "liveCode", {"errcode": 0}, str(i))
    assert stopped and t.budget_hit and not t.time_hit and t.budget.used == 3
    with pytest.raises(BudgetExhausted):
        t.ensure_budget()


def test_tracker_stops_the_engine_at_its_share_and_the_probes_still_get_theirs(contract):
    stopped = []
    budget = Budget(10)
    t = RunTracker(budget=budget, on_budget=lambda: stopped.append(t.budget.used))
    budget.share(6)  # schemathesis' share
    for i in range(6):
        _observe(t, "match", "liveCode", {"errcode": 0}, str(i))
    assert stopped == [6] and t.budget_hit
    t.on_budget = None
    budget.share(2)  # the probes' part
    for i in range(2):
        t.ensure_budget()
        _observe(t, "match", "liveCode", {"errcode": 0}, f"p{i}")
    with pytest.raises(BudgetExhausted, match="request budget of 10 spent"):
        t.ensure_budget()
    assert t.budget.used == 8 and t.by_operation["liveCode"] == 8


def test_a_slow_targets_skipped_probes_name_the_time_they_need():
    """Session 21: at 800 ms an answer even the engine's keeping cannot fit the probes in the
    gate's quick 96 s; the reason says how much does, from the pace the target answered at
    (both APIs' kept requests, a quarter more), as conform's option and the gate's key."""
    from harness.conformance._run import seconds_for_probes, unprobed_reason
    from harness.results import ApiRun
    from harness.suite import STAGE_SHARE

    needed = seconds_for_probes({"match": 0.85, "jd": 0.84}, 2, {"match": 157, "jd": 100}, 96.0)
    assert needed is not None and needed >= 2 * 157 * 0.85  # both APIs' probes at 0.85 s each
    skipped = {"match": ApiRun(probes_skipped=["FH-L20"]), "jd": ApiRun()}
    why, when = unprobed_reason(skipped, {}, "time", needed) or ("", "")
    assert "1 of 31 match probes (FH-L20)" in why, why  # FH-L35 since session 26, FH-L36 27
    gate = int(re.search(r"run\.stage_timeout_s = (\d+)", when)[1])  # type: ignore[index]
    assert f"--max-seconds {needed:g} (conform)" in when and gate * STAGE_SHARE >= needed, when
    assert (
        seconds_for_probes({"match": None, "jd": 0.01}, 2, {"match": 157}, 3.0) is None
    )  # no pace known
    _, general = unprobed_reason(skipped, {}, "request", needed) or ("", "")
    assert "--max-requests" in general  # the request budget: no time to name


def test_the_time_a_slow_targets_probes_need_puts_the_margin_on_their_need_once():
    """Session 25's leftover: a keep is ``probe_keep``'s, PROBE_MARGIN on the probes' need and
    PROBE_SPARE in it already, and the time named for them put the margin on it again. Two APIs
    at 2 s an answer and match's default keep (255: 196 x 1.25 + 10, since session 29's round 18):
    255 x 2 x 2 s = 1020 s, named in whole tens; (245 x 1.25 + 10) x 4 = 1265 s with the margin
    twice; the engine keeps that same time."""
    from harness.conformance._run import (
        PROBE_MARGIN,
        PROBE_RESERVE,
        PROBE_SPARE,
        URL_DEFAULT_MAX_REQUESTS,
        probe_keep,
        seconds_for_probes,
    )

    share = (URL_DEFAULT_MAX_REQUESTS - 5) // 2
    keeps = {api: probe_keep(share, api) for api in ("match", "jd")}
    need = PROBE_RESERVE["match"] - PROBE_SPARE
    assert keeps["match"] == math.ceil(need * PROBE_MARGIN) + PROBE_SPARE == 255
    assert seconds_for_probes({"match": 2.0, "jd": 2.0}, 2, keeps, 96.0) == 1020.0
    assert seconds_for_probes({"match": 8.0}, 1, {"match": 5}, None) == 40.0


def test_the_time_named_for_the_probes_fits_the_api_that_keeps_most():
    """Session 23's leftover: under ``--api all`` the time named was told from the last API's
    keep (JD's, ``APIS`` ends with it), understating match's: each API's even part must fit the
    largest keep, whichever API ran last."""
    from harness.conformance._run import probe_keep, seconds_for_probes

    share = 300
    keeps = {api: probe_keep(share, api) for api in ("match", "jd")}
    assert keeps["match"] > keeps["jd"]
    both = seconds_for_probes({"match": 2.0, "jd": 2.0}, 2, keeps, None)
    as_match = seconds_for_probes(
        {"match": 2.0, "jd": 2.0}, 2, dict.fromkeys(keeps, keeps["match"]), None
    )
    as_jd = seconds_for_probes(
        {"match": 2.0, "jd": 2.0}, 2, dict.fromkeys(keeps, keeps["jd"]), None
    )
    assert both == as_match and as_jd is not None and both > as_jd


# --- credentials and exchanges --------------------------------------------------------------
def test_jd_directives_make_fresh_credentials_and_describe_them_without_secrets(contract):
    window = contract.jd_timestamp_window_ms
    query: dict = {}
    VALID.put("jd", {}, query, DEMO, window_ms=window)
    assert query["appkey"] == DEMO.jd_appkey and query["sign"] == jd_sign(
        DEMO.jd_secretkey, query["timestamp"]
    )
    assert jd_auth_of(query, DEMO, window) == VALID
    assert jd_auth_of(query, DEMO, window).directive("jd") == {}
    broken = Auth(timestamp=How.EXPIRED, sign=How.INVALID, appkey=How.ABSENT)
    broken.put("jd", {}, query, DEMO, window_ms=window)
    assert "appkey" not in query and query["sign"] != jd_sign(DEMO.jd_secretkey, query["timestamp"])
    described = jd_auth_of(query, DEMO, window)
    assert described.appkey == How.ABSENT and described.sign == How.INVALID
    assert described.directive("jd")["timestamp"] == {"literal": query["timestamp"]}
    assert Auth.from_directive("jd", broken.directive("jd")) == broken
    assert broken.describe("jd") == "absent appkey, expired timestamp, invalid sign"
    assert Auth(token=token_of({"Authorization": DEMO.token}, DEMO)).directive("match") == "fresh"
    assert (
        Auth(token=token_of({"Authorization": DEMO.token + "x"}, DEMO)).directive("match")
        == "invalid"
    )  # contains the secret
    assert Auth(token=token_of({}, DEMO)).directive("match") == "absent"


def test_fuzz_modes_and_directives_name_the_same_credentials():
    """The two spellings in replay files (fuzz modes, conformance directives) read back the same."""
    for mode in ("signed", "signed:-250000", "no_appkey", "wrong_appkey", "no_timestamp",
                 "no_timestamp:empty", "malformed_timestamp:abc", "expired_timestamp:360000",
                 "future_timestamp:360000", "no_sign", "no_sign:empty", "bad_sign:other",
                 "bad_sign:upper", "bad_sign:swapped", "bad_sign:tsonly", "bad_sign:secretonly",
                 "bad_sign:appkeyts", "seconds_timestamp", "bad_sign:truncated",
                 "micros_timestamp", "wrong_appkey:tsonly", "bad_sign:samets",
                 "bad_sign:lastdigit", "bad_sign:example", "wrong_appkey:nullts",
                 "wrong_appkey:nonets", "wrong_appkey:undefts"):  # fmt: skip
        assert Auth.from_mode("jd", mode).mode("jd") == mode
    for mode in ("token", "no_token", "bad_token", "bad_token:extended", "bad_token:truncated",
                 "bad_token:bearer", "no_token:empty"):  # fmt: skip
        assert Auth.from_mode("match", mode).mode("match") == mode
    assert Auth.from_mode("jd", "bad_sign:upper") == Auth.from_directive("jd", {"sign": "upper"})
    with pytest.raises(ValueError, match="not one of the auth modes"):
        Auth.from_mode("jd", "token")


def test_replay_exchange_round_trip_keeps_no_secret(contract):
    body = {**contract.jd_fixed_fields, "serialNo": "s"}
    request = Request(
        "jd", "faceCompareNew", "POST", "/jdai/faceCompareNew", json=body, auth=Auth(sign=How.UPPER)
    )
    text = json.dumps(exchange_of(request, contract, lambda r: r.json))
    for secret in (*DEMO.secrets(), contract.jd_fixed_fields["appAuthorityKey"]):
        assert secret not in text
    assert MARK_VALID in text
    assert request_of(json.loads(text), contract, lambda b: b) == request


def test_a_near_authority_key_is_named_in_a_replay_file_and_sent_again_as_it_was(contract):
    """Session 23: FH-J23 and fuzz's fixed-field send appAuthorityKey one character short or
    changed (``...DmBA=``, ``XADsk3...``); the replay file wrote those as they were (most of the
    key), since only a value containing the whole key was masked. Each is now a mark naming the
    variant, and the replay sends the same value."""
    right = contract.jd_fixed_fields["appAuthorityKey"]
    for value in not_fixed(right):
        body = {**contract.jd_fixed_fields, "appAuthorityKey": value, "serialNo": "s"}
        request = Request("jd", "faceCompareNew", "POST", "/jdai/faceCompareNew", json=body)
        text = json.dumps(exchange_of(request, contract, lambda r: r.json))
        assert right[1:-1] not in text, value
        assert request_of(json.loads(text), contract, lambda b: b) == request


def test_a_probe_derives_a_changed_request_and_leaves_the_original_as_it_was():
    from harness.clients import ImagePart

    face = ImagePart(("faceData", "data"), "builtin:x")
    body = {"image": {"data": "a"}, "faceData": {"videoType": "LIP", "data": "b"}, "liveCode": "1"}
    request = Request("match", "match", "POST", "/m", json=body, images=(face,))
    changed = request.with_json(("image", "data"), "c").with_json(("liveCode",))
    dropped = request.with_json(("faceData",), {"type": "video"})
    assert changed.json == {"image": {"data": "c"}, "faceData": body["faceData"]}
    assert changed.images == (face,) and dropped.images == ()
    assert request.json == {
        "image": {"data": "a"},
        "faceData": {"videoType": "LIP", "data": "b"},
        "liveCode": "1",
    }


# --- payloads -------------------------------------------------------------------------------
def test_jpeg_padding_hits_the_size_to_the_byte_and_stays_a_picture(pool):
    for size in (307_200, 307_203, 200_001, len(pool.reference.data) + 2):
        data = padded(pool.reference.data, size)
        assert len(data) == size
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            assert im.size == Image.open(io.BytesIO(pool.reference.data)).size
    assert pool.locate(padded(pool.reference.data, 307_203)) == (pool.reference, None, 307_203)
    with pytest.raises(ValueError):
        padded(pool.reference.data, len(pool.reference.data) - 1)


def test_pool_respects_each_api_limit_and_has_a_real_video(contract, pool):
    from harness.emulator._media import video_frames

    assert all(len(m.b64) <= contract.match_base64_max_chars for m in pool.match_images)
    assert all(len(m.data) < contract.jd_image_max_bytes for m in pool.jd_images)
    assert pool.video.data[4:8] == b"ftyp" and video_frames(pool.video.data, 3, "video")


# --- injection ------------------------------------------------------------------------------
def test_injection_gives_valid_fields_real_media_and_keeps_invalid_ones(contract, pool):
    inject = PayloadInjector(contract, pool, ("11010519491231002X", "张三")).inject
    body = {"image": {"data": "AAAA"}, "faceData": {"type": "video", "data": "AAAA"}}
    out = inject("match", body, positive=True)
    assert body["image"]["data"] == "AAAA"  # the original is never changed
    assert base64.b64decode(out["image"]["data"])[:3] == b"\xff\xd8\xff"
    assert out["faceData"]["data"] == pool.video.b64
    broken = inject(
        "match",
        {"image": {"data": "not base64!"}, "faceData": {"type": "image", "data": "AAAA"}},
        positive=False,
    )
    assert broken["image"]["data"] == "not base64!"
    remote = inject(
        "match",
        {
            "image": {"origin": "uri", "data": "http://example.com/a.jpg"},
            "faceData": {"type": "image", "data": "AAAA"},
        },
        positive=True,
    )
    assert (
        remote["image"]["origin"] == "self"
    )  # a positive case never makes the service fetch a URL
    negative = inject(
        "match",
        {
            "image": {"origin": "uri", "data": "http://example.com/a.jpg"},
            "faceData": {"type": "bogus", "data": "AAAA"},
        },
        positive=False,
    )
    assert negative["image"]["data"] == SAFE_URL


def test_injection_fixes_id_check_digits_and_jd_sources(contract, pool):
    inject = PayloadInjector(contract, pool, None).inject
    out = inject(
        "matchIdno",
        {"idNum": "110105194912310020", "name": "x", "faceData": {"type": "image", "data": "AAAA"}},
        positive=True,
    )
    assert valid_id_number(out["idNum"])
    jd = inject(
        "faceCompareNew",
        {
            **contract.jd_fixed_fields,
            "serialNo": "s",
            "compareImageItem": {"imgType": "IDP", "imgUrl": "http://example.com/x.jpg"},
            "collectionImageItems": [{"imgType": "SFF", "imgArr": [1, 2.0, -3]}],
        },
        positive=True,
    )
    assert "imgUrl" not in jd["compareImageItem"] and jd["compareImageItem"]["imgBase64"]
    # `imgArr byte[]` names no range (E-078; legit_variants imgarr-signed got FH-S02): a case
    # expected accepted carries the picture as base64, valid under every reading
    item = jd["collectionImageItems"][0]
    assert "imgArr" not in item and base64.b64decode(item["imgBase64"])[:3] == b"\xff\xd8\xff"
    # review of session 22: the emulator takes both forms, so its cases keep the imgArr (a
    # picture's bytes), as E-078 says; before, nothing sent it one expected accepted
    emulated = PayloadInjector(contract, pool, None, live=False).inject(
        "faceCompareNew",
        {
            **contract.jd_fixed_fields,
            "serialNo": "s",
            "compareImageItem": {"imgType": "IDP", "imgBase64": "AAAA"},
            "collectionImageItems": [{"imgType": "SFF", "imgArr": [1, 2.0, -3]}],
        },
        positive=True,
    )
    kept = emulated["collectionImageItems"][0]
    assert "imgBase64" not in kept and bytes(kept["imgArr"])[:3] == b"\xff\xd8\xff"
    negative = inject(
        "faceCompareNew",
        {
            **contract.jd_fixed_fields,
            "serialNo": "s",
            "compareImageItem": {"imgType": "NOT-A-TYPE", "imgBase64": "AAAA"},
            "collectionImageItems": [{"imgType": "SFF", "imgArr": [1, 2.0, -3]}],
        },
        positive=False,
    )
    assert bytes(v & 0xFF for v in negative["collectionImageItems"][0]["imgArr"])[:3] == (
        b"\xff\xd8\xff"
    )


def test_positive_cases_are_valid_under_every_reading(contract, pool):
    """Issue 14: /idno gets videoType (是, E-010), JD a short alphanumeric serialNo never sent
    before (随机唯一, E-043), images stay under 400,000 characters (E-012); a negative case keeps
    what the generator made, but for a serialNo valid under every reading."""
    inject = PayloadInjector(contract, pool, None).inject
    idno = inject(
        "matchIdno",
        {"idNum": "110105194912310020", "name": "x", "faceData": {"type": "image", "data": "AAAA"}},
        positive=True,
    )
    assert idno["faceData"]["videoType"] == "SILENT" and len(idno["faceData"]["data"]) < 400_000
    body = {
        **contract.jd_fixed_fields,
        "serialNo": "a:b.c-" + "x" * 58,
        "compareImageItem": {"imgType": "IDP", "imgBase64": "AAAA"},
        "collectionImageItems": [{"imgType": "SFF", "imgBase64": "AAAA"}],
    }
    serials = [inject("faceCompareNew", body, positive=True)["serialNo"] for _ in range(3)]
    serials.append(
        PayloadInjector(contract, pool, None).inject("faceCompareNew", body, positive=True)[
            "serialNo"
        ]
    )
    assert all(re.fullmatch(r"[0-9A-Za-z]{1,32}", s) for s in serials)
    assert len(set(serials)) == 4  # 随机唯一: never repeated, within a run or across runs
    # one only the spec takes (E-043) may be a negative case's point: its shape is kept, but
    # it is sent once (jd-serial-idempotent answered a repeat with its first answer: FH-J12)
    kept = {inject("faceCompareNew", body, positive=False)["serialNo"] for _ in range(2)}
    assert len(kept) == 2 and body["serialNo"] not in kept
    assert all(len(s) == 64 and s[:52] == body["serialNo"][:52] and s.isascii() for s in kept)
    beyond = {**body, "serialNo": "×ø"}  # none the spec takes: maybe the case's point, kept
    assert inject("faceCompareNew", beyond, positive=False)["serialNo"] == "×ø"
    # a negative case is invalid for something else when its serialNo is valid under every
    # reading: a repeat (the document's example, again and again) would be refused before it
    negative = {**body, "serialNo": "1621270610624", "timestamp": -1}
    fresh = {inject("faceCompareNew", negative, positive=False)["serialNo"] for _ in range(2)}
    assert len(fresh) == 2 and "1621270610624" not in fresh
    assert inject("faceCompareNew", {**negative, "serialNo": 7}, positive=False)["serialNo"] == 7


def test_positive_cases_carry_only_named_fields_and_a_chinese_name(contract, pool):
    """No table says a field it does not name is ignored, and /idno's 验证人的姓名 may be held
    to a Chinese name: a case expected accepted carries neither (legit round 9: schemathesis'
    extra properties and a name "0" refused as invalid input were FH-S02 medium findings against
    unknown-fields-refused and names-chinese-only). extData stays any object; a negative case
    keeps what it was made with."""
    inject = PayloadInjector(contract, pool, None).inject
    idno = {
        "idNum": "110105194912310020",
        "name": "0",
        "extData": {"bizNo": "1"},
        "faceData": {"type": "image", "data": "AAAA", "x": [1]},
        "": {},
    }
    out = inject("matchIdno", idno, positive=True)
    assert set(out) == {"idNum", "name", "extData", "faceData"} and "x" not in out["faceData"]
    assert out["name"] == "张三" and out["extData"] == {"bizNo": "1"}
    assert inject("matchIdno", idno, positive=False)["name"] == "0"
    assert "" in inject("matchIdno", idno, positive=False)
    jd = inject(
        "faceCompareNew",
        {
            **contract.jd_fixed_fields,
            "serialNo": "s",
            "k": True,
            "compareImageItem": {"imgType": "IDP", "imgBase64": "AAAA", "q": {}},
            "collectionImageItems": [{"imgType": "SFF", "imgBase64": "AAAA", "": []}],
        },
        positive=True,
    )
    assert "k" not in jd and "q" not in jd["compareImageItem"]
    assert set(jd["collectionImageItems"][0]) == {"imgType", "imgBase64", "encryptionType"}
    named = PayloadInjector(contract, pool, ("11010519491231002X", "Zhang San")).inject
    kept = {"idNum": "11010519491231002X", "name": "Zhang San", "faceData": {"type": "image"}}
    assert named("matchIdno", kept, positive=True)["name"] == "Zhang San"


def test_positive_jd_items_carry_encryption_type(contract, pool):
    """必填 is empty (E-023): a service requiring encryptionType follows the document, so a JD item
    the harness expects accepted carries the documented "NON"; a negative case keeps its items."""
    inject = PayloadInjector(contract, pool, None).inject
    body = {
        **contract.jd_fixed_fields,
        "serialNo": "s",
        "compareImageItem": {"imgType": "IDP", "imgBase64": "AAAA"},
        "collectionImageItems": [{"imgType": "SFF", "imgBase64": "AAAA"}],
    }
    out = inject("faceCompareNew", body, positive=True)
    items = [out["compareImageItem"], *out["collectionImageItems"]]
    assert [item.get("encryptionType") for item in items] == ["NON", "NON"]
    negative = inject("faceCompareNew", body, positive=False)
    assert "encryptionType" not in negative["compareImageItem"]


# --- package surface, settings, isolation ---------------------------------------------------
def test_public_names_resolve():
    """The names other packages and commands import from the package."""
    import harness.conformance as package

    names = "DEFAULT_EXAMPLES RULES CheckFailed ConformanceSuite Facts RuleContext"
    names += " conformance_target prepare_out_dir replay_finding run_conformance validate_options"
    assert all(getattr(package, name, None) is not None for name in names.split())


def test_config_section_is_validated(tmp_path):
    from harness.config import read_config
    from harness.errors import ConfigError

    good = tmp_path / "good.toml"
    good.write_text(
        '[conformance]\nid_num = "11010519491231002X"\nname = "张三"\njd_qps = 5\n'
        "max_response_time_ms = 800\n",
        encoding="utf-8",
    )
    settings = read_config(good).conformance
    assert settings.identity == ("11010519491231002X", "张三") and dict(settings.qps) == {"jd": 5.0}
    for text, fragment in (
        ("[conformance]\nqps = 5\n", "not a known key"),
        ('[conformance]\njd_qps = "fast"\n', "jd_qps ..fast..: expected a number"),
        ('[conformance]\nname = "x"\n', "go together"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=fragment):
            read_config(bad)


def test_checks_do_nothing_in_somebody_elses_schemathesis_run(contract):
    import httpx
    import schemathesis

    from harness.conformance._st_checks import (
        faceharness_negative_data_rejection,
        faceharness_positive_data_acceptance,
        faceharness_rules,
    )

    foreign = schemathesis.openapi.from_dict(contract.match.raw)
    case = foreign["/tech/ai/face/match"]["POST"].Case(body={})
    answer = httpx.Response(200, json={"errcode": 0})
    for check in (
        faceharness_rules,
        faceharness_negative_data_rejection,
        faceharness_positive_data_acceptance,
    ):
        assert check(None, answer, case) is True


_B64 = "/9j/4AAQSkZJRg=="
_JD_ITEM = {"encryptionType": "NON", "imgType": "SFF", "imgBase64": _B64}
_JD_BODY = {
    "businessId": "JDT-NUEHUB-COM-FACE",
    "appName": "FACE_ALGORITHM",
    "appAuthorityKey": "sADsk3+58E9yf/fUN9DmBA==",
    "collectionImageItems": [_JD_ITEM],
    "compareImageItem": {**_JD_ITEM, "imgType": "IDP"},
    "serialNo": "s-1",
}


_MATCH_FACE = {"type": "image", "origin": "self", "data": _B64}
_MATCH_BODY = {"image": {"origin": "self", "data": _B64}, "faceData": _MATCH_FACE}
_VIDEO = {**_MATCH_FACE, "type": "video", "videoType": "SILENT"}


def _jd_check_fails(contract, pool, schema, check, case, answer, readings=None):
    """The CheckFailed a schemathesis check of the harness files for ``answer`` (a JD envelope
    at HTTP 200) to ``case``, in a live target's session (``readings``: a policy's)."""
    from harness.conformance._failures import CheckFailed

    with pytest.raises(CheckFailed) as filed:
        _check_verdict(contract, pool, "jd", schema, check, case, answer, readings)
    return filed.value


def _check_verdict(
    contract, pool, api, schema, check, case, answer, readings=None, target="http://127.0.0.1:9"
):
    """What a schemathesis check of the harness returns for ``answer`` (``api``'s envelope at
    HTTP 200) to ``case``, in a live target's session (``readings``: a policy's; ``target``: where
    the session's own requests go, by default nowhere)."""
    import requests
    from schemathesis.core.transport import Response

    from harness.clients import DEMO
    from harness.conformance._session import Session

    sent = requests.Request("POST", f"http://127.0.0.1:9{case.operation.path}").prepare()
    headers = {"content-type": ["application/json"]}
    response = Response(200, headers, json.dumps(answer).encode(), sent, 0.01, True)
    with Session(
        contract=contract,
        api=api,
        creds=DEMO,
        tracker=RunTracker(),
        pool=pool,
        is_emulator=False,
        target=target,
        identity=None,
        raw_schema=schema.raw_schema,
        readings=ReadingLog() if readings is None else readings,
    ):
        return check(None, response, case)


def _without(path: tuple[str | int, ...]) -> dict:
    body = json.loads(json.dumps(_JD_BODY))
    *parent, last = path
    holder = body
    for key in parent:
        holder = holder[key]
    del holder[last]
    return body


@pytest.mark.parametrize(
    ("operation", "body", "reading"),
    [
        # the 必填 column is empty (E-023): only faceharness' reading requires these
        ("faceCompareNew", _without(("serialNo",)), "E-023"),
        ("faceCompareNew", _without(("businessId",)), "E-023"),
        ("faceCompareNew", _without(("appName",)), "E-023"),
        ("faceCompareNew", _without(("appAuthorityKey",)), "E-023"),
        ("faceCompareNew", _without(("compareImageItem", "imgType")), "E-023"),
        ("faceCompareNew", _without(("collectionImageItems", 0, "imgType")), "E-023"),
        # two faces under every reading ("计算两张脸的相似程度"), a 固定值 is fixed
        ("faceCompareNew", _without(("compareImageItem",)), None),
        ("faceCompareNew", _without(("collectionImageItems",)), None),
        ("faceCompareNew", {**_JD_BODY, "businessId": "OTHER"}, None),
        ("faceCompareNew", {k: v for k, v in _JD_BODY.items() if "Item" in k}, "E-023"),
        # faceharness' formats (as before)
        ("faceCompareNew", {**_JD_BODY, "serialNo": "s 1"}, "E-043"),
        ("liveCode", {"x": 1}, "E-032"),
        # E-085: what Jackson's defaults bind (legit_variants jackson-coercion, round 13): a
        # number for a String, "true" or 0 for a boolean, null for a field not required (its own
        # reading since session 25; E-043's family before)
        ("faceCompareNew", {**_JD_BODY, "serialNo": 12345}, "E-085"),
        ("faceCompareNew", {**_JD_BODY, "compareImageItem": {**_JD_ITEM, "imgArr": None}}, "E-085"),
        ("match", {**_MATCH_BODY, "async": "true", "liveCode": 1232, "extData": None}, "E-085"),
        ("match", {**_MATCH_BODY, "async": 0}, "E-085"),
        # Jackson binds any int (!= 0) and "True"/"TRUE" too (review session 24)
        ("match", {**_MATCH_BODY, "async": 2}, "E-085"),
        ("match", {**_MATCH_BODY, "async": -1, "liveCode": "2312"}, "E-085"),
        ("match", {**_MATCH_BODY, "async": "TRUE"}, "E-085"),
        ("match", {**_MATCH_BODY, "async": "False"}, "E-085"),
        # digits to str.isdigit but not to int() (review session 24: ValueError): no integer
        *(
            ("faceCompareNew", {**_JD_BODY, "compareImageItem": {**_JD_ITEM, "imgArr": [v]}}, None)
            for v in ("²", "①", "--1", "١٢")
        ),
        # round 15: FastAPI's pydantic (lax mode) binds "yes", "on", "t", "1", 1.0 and "no",
        # "off", "0", 0.0 to a boolean; Gson reads any other string as false (legit_variants
        # fastapi-pydantic: a high FH-S01 "negative data accepted" before)
        ("match", {**_MATCH_BODY, "async": "yes"}, "E-085"),
        ("match", {**_MATCH_BODY, "async": "ON"}, "E-085"),
        ("match", {**_MATCH_BODY, "async": "0"}, "E-085"),
        ("match", {**_MATCH_BODY, "async": 1.0}, "E-085"),
        ("match", {**_MATCH_BODY, "async": "maybe"}, "E-085"),
        # ... and what none binds: an object for a String, a list or a fraction for a boolean,
        # a required part null
        ("faceCompareNew", {**_JD_BODY, "serialNo": {"x": 1}}, None),
        ("faceCompareNew", {**_JD_BODY, "compareImageItem": None}, None),
        ("match", {**_MATCH_BODY, "async": [True]}, None),
        ("match", {**_MATCH_BODY, "async": 0.5}, None),
        ("match", {**_MATCH_BODY, "async": {"on": True}}, None),
        ("match", {**_MATCH_BODY, "faceData": None}, None),
        # a required part null where a oneOf names it twice (a KeyError before: mended twice)
        ("match", {**_MATCH_BODY, "faceData": {**_MATCH_FACE, "data": None}}, None),
        # E-085: more of what binds (any scalar for a String) and what does not (a 固定值, an enum)
        ("faceCompareNew", {**_JD_BODY, "serialNo": 16212706106}, "E-085"),
        ("faceCompareNew", {**_JD_BODY, "serialNo": True}, "E-085"),
        # bound, and outside faceharness' serialNo pattern too ("1e+300"): two readings, E-043's
        ("faceCompareNew", {**_JD_BODY, "serialNo": 1e300}, "E-043"),
        ("faceCompareNew", {**_JD_BODY, "serialNo": ["s-1"]}, None),
        ("faceCompareNew", {**_JD_BODY, "businessId": 1}, None),  # a 固定值 no number becomes
        ("faceCompareNew", {**_JD_BODY, "compareImageItem": {**_JD_ITEM, "imgBase64": 1}}, None),
        ("match", {**_MATCH_BODY, "async": "true"}, "E-085"),
        ("match", {**_MATCH_BODY, "liveCode": 1232}, "E-085"),
        ("match", {**_MATCH_BODY, "faceData": {**_VIDEO, "videoType": 1}}, None),  # enum missed
    ],
)
def test_a_request_invalid_only_by_a_reading_names_that_reading(contract, operation, body, reading):
    """FH-S01 and fuzz expect refused only what every reading refuses; a body invalid only by
    faceharness' reading names the erratum that reading belongs to."""
    from harness.conformance._st_checks import invalid_only_by_reading

    api = contract.operation(operation).api
    assert invalid_only_by_reading(contract, api, operation, body) == reading
    if operation != "liveCode":  # still refused by default
        spec = contract.spec(api)
        assert not spec.validator(contract.operation(operation).request_schema).is_valid(body)


def test_a_positive_case_names_face_kinds_and_a_refused_one_is_judged(contract, pool, monkeypatch):
    """E-094: a JD positive case drawn with IDN (the back of an ID card, no face on it) is sent
    naming a kind a face is on, as fuzz's valid requests are; FH-S02 judges every refusal of it.
    Review of session 25: FH-S02 skipped any positive case with an IDN item anywhere (~31 % of
    them), so a service wrongly refusing imgType AP beside it was unjudged."""
    import schemathesis
    from schemathesis.generation import meta
    from schemathesis.specs.openapi import checks

    from harness.conformance._inject import PayloadInjector
    from harness.conformance._st_checks import faceharness_positive_data_acceptance

    # schemathesis' verdict without its exemptions (none applies here), so no engine context
    monkeypatch.delattr(checks, "_openapi_positive_data_acceptance")
    kinds = contract.jd_face_img_types
    assert set(kinds) < set(contract.enum("jd", "ImageItem", "imgType"))
    injector = PayloadInjector(contract, pool, None)
    drawn = {
        **_JD_BODY,
        "collectionImageItems": [{**_JD_ITEM, "imgType": "IDN"}, {**_JD_ITEM, "imgType": "FF"}],
        "compareImageItem": {**_JD_ITEM, "imgType": "AP"},
    }
    body = injector.inject("faceCompareNew", drawn, positive=True)
    sent = [i["imgType"] for i in [*body["collectionImageItems"], body["compareImageItem"]]]
    assert sent[1:] == ["FF", "AP"] and sent[0] in kinds, sent  # face kinds stay as drawn
    negative = injector.inject("faceCompareNew", drawn, positive=False)
    assert negative["collectionImageItems"][0]["imgType"] == "IDN"  # a negative case keeps it

    # a service refusing AP (43011 请求参数不在接受范围) beside the drawn IDN: FH-S02's finding
    schema = schemathesis.openapi.from_dict(contract.jd.raw)
    positive = meta.GenerationMode.POSITIVE
    phase = meta.PhaseInfo(meta.TestPhase.FUZZING, meta.FuzzingPhaseData(None, None, None, None))
    case = schema["/jdai/faceCompareNew"]["POST"].Case(
        body=body,
        _meta=meta.CaseMetadata(
            meta.GenerationInfo(0.0, positive),
            {meta.ParameterLocation.BODY: meta.ComponentInfo(positive)},
            phase,
        ),
    )
    refused = {
        "code": "10000",
        "msg": "查询成功",
        "result": {"code": 43011, "msg": "请求参数不在接受范围"},
    }
    filed = _jd_check_fails(
        contract, pool, schema, faceharness_positive_data_acceptance, case, refused
    )
    assert filed.rule_id == "FH-S02", filed


@pytest.mark.parametrize("operation", ["match", "matchIdno"])
def test_async_true_refused_as_invalid_input_is_e013_s_reading_not_fh_s02(
    contract, pool, monkeypatch, operation
):
    """Session 26's closing note: `async ... 是否开启异步反馈模式` says nothing of how the
    feedback arrives, so a service offering it to callers with a registered callback alone may
    refuse async true from one without, with the parameter code our own table names (legit
    ``async-callback-input-code``: 40004). FH-S02 filed that as schema-valid data refused; it is
    E-013's refused-without-callback reading, observed. The same refusal without async true, or
    under a policy requiring E-013's default, is still a finding."""
    import schemathesis
    from schemathesis.generation import meta
    from schemathesis.specs.openapi import checks

    from harness.conformance._failures import CheckFailed
    from harness.conformance._st_checks import faceharness_positive_data_acceptance
    from harness.contract import ReadingLog

    monkeypatch.delattr(checks, "_openapi_positive_data_acceptance")
    schema = schemathesis.openapi.from_dict(contract.match.raw)
    path = contract.operation(operation).path
    positive = meta.GenerationMode.POSITIVE
    phase = meta.PhaseInfo(meta.TestPhase.FUZZING, meta.FuzzingPhaseData(None, None, None, None))

    def case(body):
        return schema[path]["POST"].Case(
            body=body,
            _meta=meta.CaseMetadata(
                meta.GenerationInfo(0.0, positive),
                {meta.ParameterLocation.BODY: meta.ComponentInfo(positive)},
                phase,
            ),
        )

    body = (
        {**_MATCH_BODY, "async": True}
        if operation == "match"
        else {"idNum": "11010519491231002X", "name": "张三", "faceData": _MATCH_FACE, "async": True}
    )
    refused = {"errcode": 40004, "errmsg": "参数不合法: async", "data": None}
    check = faceharness_positive_data_acceptance
    seen = ReadingLog()
    assert _check_verdict(contract, pool, "match", schema, check, case(body), refused, seen) is None
    assert seen.observed("E-013") == "alternative", seen.to_dict()
    assert "async true" in seen.evidence("E-013")["example"]
    [line] = [x for x in seen.lines(contract) if x.startswith("reading E-013:")]
    assert "refused-without-callback" in line, line  # the console names every alternative
    with pytest.raises(CheckFailed) as plain:  # the same refusal, async left out: FH-S02's
        _check_verdict(
            contract, pool, "match", schema, check, case({**body, "async": False}), refused
        )
    assert (plain.value.rule_id, plain.value.basis) == ("FH-S02", "seed"), plain.value
    required = ReadingLog({"E-013": "default"})
    with pytest.raises(CheckFailed) as filed:
        _check_verdict(contract, pool, "match", schema, check, case(body), refused, required)
    assert (filed.value.rule_id, filed.value.basis, filed.value.erratum) == (
        "FH-S02",
        "reading",
        "E-013",
    )
    assert "default reading of E-013" in filed.value.message
    # session 27 review: a service taking the small canonical /match with async true refused
    # this one for its own sake (async-big-refused: its size), not by E-013's reading
    from fixtures.mutant_match import serve

    with serve("async-big-refused", contract) as url:
        with pytest.raises(CheckFailed) as own:
            _check_verdict(contract, pool, "match", schema, check, case(body), refused, None, url)
    assert (own.value.rule_id, own.value.basis) == ("FH-S02", "seed"), own.value


def test_an_accepted_request_invalid_only_by_a_required_reading_is_filed_by_that_reading(
    contract, pool, monkeypatch
):
    """A [readings] policy requiring the default: an accepted body outside only faceharness'
    formats (E-043) is FH-S01 on the basis of that reading, naming it. It was filed with basis
    seed (E-015), which only a quote of the documents may have."""
    import schemathesis
    from schemathesis.generation import meta
    from schemathesis.specs.openapi import checks

    from harness.conformance._st_checks import faceharness_negative_data_rejection
    from harness.contract import ReadingLog

    # schemathesis' verdict without its exemptions (none applies here), so no engine context
    monkeypatch.delattr(checks, "_openapi_negative_data_rejection")
    schema = schemathesis.openapi.from_dict(contract.jd.raw)
    negative = meta.GenerationMode.NEGATIVE
    phase = meta.PhaseInfo(meta.TestPhase.FUZZING, meta.FuzzingPhaseData(None, None, None, None))
    body_only = {meta.ParameterLocation.BODY: meta.ComponentInfo(negative)}
    case = schema["/jdai/faceCompareNew"]["POST"].Case(
        body={**_JD_BODY, "serialNo": "s 1"},
        _meta=meta.CaseMetadata(meta.GenerationInfo(0.0, negative), body_only, phase),
    )
    accepted = {"code": "10000", "msg": "查询成功", "result": {"code": 0, "msg": "success"}}
    found = _jd_check_fails(
        contract,
        pool,
        schema,
        faceharness_negative_data_rejection,
        case,
        accepted,
        readings=ReadingLog({"E-043": "default"}),
    )
    assert (found.rule_id, found.basis, found.erratum) == ("FH-S01", "reading", "E-043")
    assert "Required: the default reading of E-043 (gate policy [readings])" in found.message
    assert "request outside the default reading of E-043" in found.message
    assert "schema-violating" not in found.message  # the documents' schema allows it


# --- how the probes read an answer ----------------------------------------------------------
@pytest.mark.parametrize(
    ("api", "status", "body", "place"),
    [
        ("match", 500, {"errcode": 0}, "none"),  # another HTTP status: the HTTP rules judge it
        ("match", 200, [1], "none"),
        ("match", 200, {"errcode": 0, "data": {"status": "FAIL"}}, "zero"),  # E-039: FH-M01's
        ("match", 200, {"errcode": "0"}, "zero"),
        ("match", 200, {"errcode": 0.0}, "zero"),  # the Num 0 (E-054)
        ("match", 200, {"errcode": 0.5}, "errcode"),  # not 0: the answer rules judge the type
        ("jd", 200, {"code": "10000", "result": {"code": 0}}, "business"),
        ("jd", 200, {"code": 10000, "result": {"code": 0}}, "gateway"),  # a number: the gateway's
        ("jd", 200, {"code": "10000", "result": "x"}, "gateway"),
    ],
)
def test_probes_read_the_shared_answer_as_before(contract, api, status, body, place):
    """The probes read the contract's ``Answer`` and keep the places they judged before."""
    from harness.conformance._probes import business, enveloped, zero
    from harness.contract import read_answer

    a = read_answer(contract, api, status, body)
    seen = (
        "none"
        if not enveloped(a)
        else "zero"
        if zero(a)
        else "business"
        if business(a)
        else "gateway"
        if api == "jd"
        else a.where
    )
    assert seen == place


@pytest.mark.parametrize(
    ("status", "body", "hit"),
    [
        (200, {"errcode": 42900}, True),
        (200, {"errcode": 49999}, True),  # the service's own code, outside the table (E-014)
        (429, {"errcode": 42900}, True),  # the status is FH-H02's (E-015), the code counts
        (500, {"errcode": 42900}, False),  # a 5xx is FH-H01's finding: no code to count
        (200, {"errcode": 0, "data": {"status": "42900"}}, False),  # errcode 0, a failed status
        (200, {"errcode": 0}, False),
        (200, {}, False),
    ],
)
def test_qps_probe_counts_throttling_answers(contract, status, body, hit):
    from harness.conformance._probes import _refused_as
    from harness.contract import read_answer

    expected = contract.codes.code_for("match", "errcode", "too many requests")
    assert _refused_as(read_answer(contract, "match", status, body), expected) is hit


def test_a_finding_excerpt_of_json_nested_past_the_stack_keeps_its_text():
    from harness.conformance._engine import excerpt

    nested = b"[" * 5_000 + b"]" * 5_000  # short enough to be parsed for the excerpt
    answer = Exchange(status=200, content_type="application/json", content=nested)
    assert excerpt(answer) == {
        "status": 200,
        "content_type": "application/json",
        "body": "[" * 2000,
    }


def test_a_lip_video_refused_by_a_liveness_check_is_not_a_refusal_for_its_live_code(
    tmp_path: Path,
) -> None:
    """FH-L07, FH-L21 and FH-L22 judge refusals for the liveCode itself: a team's own code for a
    failed LIP check (category liveness) answers the harness's videos, which read no digits out."""
    from harness.conformance._probes import refused_for_live_code
    from harness.contract import read_answer

    own = tmp_path / "codes.yaml"
    own.write_text("codes:\n  - {code: 40090, en: lip reading failed, category: liveness}\n")
    contract = load_contract(codes=own)

    def refused(code: int, errmsg: str = "数字验证码错误") -> bool:
        body = {"errcode": code, "errmsg": errmsg, "data": {"traceNo": "t", "status": "FAIL"}}
        return refused_for_live_code(read_answer(contract, "match", 200, body), contract.codes.own)

    assert refused(40090) is False
    assert [refused(c) for c in (40011, 40012, 40013, 40014)] == [True] * 4
    assert refused(40012, "Invalid liveCode") is True
    # E-014: 40011..40014 are faceharness's numbers; a live service's own 40012 saying something
    # else (no face in the picture) is no refusal for the liveCode
    assert refused(40012, "no face detected") is False


def test_no_rule_quotes_the_authority_key(contract):
    """Session 23: FH-J23's quote gave appAuthorityKey's value, so a report naming a finding of it
    carried the key (a report holds no credential, the appAuthorityKey included)."""
    from harness.conformance import RULES

    key = contract.jd_fixed_fields["appAuthorityKey"]
    assert not [r.id for r in RULES if key in (r.quote or "")]


def test_examples_of_a_bug_merge_into_one_finding_made_from_the_smallest(
    contract, pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run meets one bug many times (a JD mutant's run: up to 78 examples of one finding): the
    examples merge by bug (count, worst severity, the smallest request kept), and only the kept
    example's finding is made. Before, each example's request was redacted when it was met (a JD
    image's base64 each time), most of a short JD run's time."""
    from harness.conformance import _failures

    def failed(rule_id: str, level: str, size: int) -> CheckFailed:
        request = Request("jd", "faceCompareNew", "POST", "/x", json={"pad": "x" * size})
        raw = CheckFailed(
            rule_id=rule_id, check="c", operation="faceCompareNew", message=f"m {size}",
            severity=level, request=request, basis="seed",
        )  # fmt: skip
        return raw.recorded("jd", "faceCompareNew", request, {"status": 200})

    made: list[Any] = []
    view = _failures.request_view
    monkeypatch.setattr(_failures, "request_view", lambda r, c: made.append(r) or view(r, c))
    # the smallest example is not the worst: the merged severity is every example's worst
    levels = [("FH-J01", "high", 30), ("FH-J01", "medium", 10), ("FH-J02", "low", 5),
              ("FH-J01", "low", 20)]  # fmt: skip
    raws = [failed(*level) for level in levels]
    findings = _failures.build_findings(
        raws, seed=1, out_dir=tmp_path, target={}, secrets=[], pool=pool, contract=contract
    )
    got = [(f.rule_id, f.count, f.severity, f.message) for f in findings]
    assert got == [("FH-J01", 3, "high", "m 10"), ("FH-J02", 1, "low", "m 5")], got
    assert [r.json["pad"] for r in made] == ["x" * 10, "x" * 5]  # the kept examples' alone
    assert json.loads((tmp_path / "findings" / "F-001.json").read_text())["finding"]["count"] == 3


def test_the_rules_of_an_operation_are_in_id_order_and_a_callers_own_list():
    """`rules_for` keeps each operation's rules once (asked for every answer): in id order, the
    rules that apply and only those, a list the caller may change without changing the book's."""
    rules = RULES.rules_for("jd", "faceCompareNew")
    expected = [
        r
        for r in sorted(RULES, key=lambda r: r.id)
        if r.kind == "rule" and r.applies_to("jd", "faceCompareNew")
    ]
    assert rules == expected and [r.id for r in RULES] == sorted(r.id for r in RULES)
    rules.clear()
    assert RULES.rules_for("jd", "faceCompareNew") == expected
    book = Registry()
    book.add(expected[1])
    assert book.rules_for("jd", "faceCompareNew") == [expected[1]]
    book.add(expected[0])  # added later, listed first
    assert book.rules_for("jd", "faceCompareNew") == expected[:2]
