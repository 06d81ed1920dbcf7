"""Defects the emulator has no break mode for, each injected alone into a JD service
(tests/fixtures/mutant_jd.py): a user's short `conform` run names it with a finding the gate's
default policy counts, of basis seed.

Defects a short run cannot reach are caught by longer runs (the full table is in the session 12
report): schemathesis' coverage phase (refuse-png: FH-S02; fixed-fields-ignored: FH-S01) and
`fuzz` (refuse-several-items: valid_request_accepted; any-image-format: wrong-magic).
Session 13: the coverage phase catches imgtype-unchecked and empty-collection-self-compare
(FH-S01) and refuse-documented-imgtypes (FH-S02); fuzz catches imgarr-masked (out-of-range). A
short run catches appkey-unchecked (FH-A04), gateway-error-in-result (FH-A03..A13),
remaintimes-below-minus-one (FH-J12, FH-H05) and score-nan-for-non-matches (FH-J08) too; they are
left out here for time. refuse-imgarr was FH-S02's too until session 22 sent live targets their
images as imgBase64 (E-078): probe FH-A20 names it now (ROUND11), as fuzz's rule-probes do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from fixtures.mutant_jd import DEFECTS, mutant_jd

from harness.clients import Auth, How, Request
from harness.config import ConformanceSettings
from harness.conformance._failures import CheckFailed
from harness.conformance._probes import ProbeContext
from harness.conformance._registry import RULES
from harness.conformance._run import (
    APIS,
    URL_DEFAULT_MAX_REQUESTS,
    URL_DEFAULT_MAX_RPS,
    _run_probes,
    probe_reserve,
)
from harness.contract import jd_sign
from harness.gate._policy import FindingAllowance

from .conftest import conform, explain, probe_session, run_probes_alone

Change = Callable[[Request], Request]
REPLAY_FILES = Path(__file__).parent / "replay_files"

CAUGHT = [
    # the gateway
    ("window-15-minutes", "FH-A07"),
    ("future-unbounded", "FH-A08"),
    ("missing-appkey-wrong-code", "FH-A03"),
    ("missing-sign-as-bad-sign", "FH-A09"),
    ("gateway-error-code-number", "FH-J01"),
    # the envelope and the result
    ("success-without-result", "FH-J01"),
    ("remaintimes-as-string", "FH-H05"),
    ("remaintimes-rises", "FH-J12"),
    ("business-code-string", "FH-H05"),
    ("business-error-at-gateway", "FH-J02"),
    ("result-as-string", "FH-H05"),
    ("score-as-string", "FH-J08"),
    ("score-percent-for-matches", "FH-J08"),
    ("similarity-fraction", "FH-J09"),
    ("similarity-falls", "FH-J10"),
    ("threshold-as-strings", "FH-H05"),
    ("threshold-e7-missing", "FH-H05"),
    ("msg-threshold-below-score", "FH-J07"),
    ("result-timestamp-seconds", "FH-J13"),
    # the request
    ("refuse-over-1mb", "FH-L17"),
    ("accept-image-at-5mib", "FH-L04"),
]


def _run(name: str, contract, tmp_path):
    with mutant_jd(name, contract) as url:
        return conform(
            url,
            tmp_path,
            is_emulator=False,
            api="jd",
            seed=7,
            examples=2,
            phases=("examples",),
            max_rps=0,
        )


def test_the_middleware_alone_changes_nothing(contract, tmp_path):
    """Rewriting request and answer without a defect: no finding, so each finding below is the
    defect's."""
    result = _run("none", contract, tmp_path)
    assert result.findings == [], explain(result)


def test_a_service_reading_5m_as_base64_characters_gets_no_finding(contract, tmp_path):
    """E-020's under-5-MB-or-text reading refuses base64 of 5,000,000 characters: the image FH-L17
    expects accepted stays under it."""
    result = _run("5m-as-base64-characters", contract, tmp_path)
    assert result.findings == [], explain(result)


def test_a_service_answering_an_oversize_image_43011_gets_no_finding(contract, tmp_path):
    """The document ties no code to "小于5M": 43011 (请求参数不在接受范围) refuses a 5 MiB image as
    well as 100 (参数不合法) does (FH-L04 holds only the emulator to 100)."""
    result = _run("oversize-as-43011", contract, tmp_path)
    assert result.findings == [], explain(result)


@pytest.mark.parametrize(("defect", "rule_id"), CAUGHT, ids=[c[0] for c in CAUGHT])
def test_each_defect_gets_a_counted_seed_finding_naming_its_rule(
    contract, tmp_path, defect, rule_id
):
    assert DEFECTS[defect].quote  # each defect breaks a sentence of seed 004
    result = _run(defect, contract, tmp_path)
    allowance = FindingAllowance()  # the gate's default policy
    counted = {f.rule_id for f in result.findings if f.basis == "seed" and allowance.counts(f)}
    assert rule_id in counted, explain(result)
    assert result.status == "fail"


# Session 14 (round 3): defects `conform` (seed 7, every phase) missed at 9fd915c, each now named by
# one probe or rule run alone; all but empty-sign-skips-check (fuzz's bad-sign) `fuzz --seed 1`
# missed too. Of the round's other mutants a short run already caught window-300-ms (FH-A14),
# trusted-after-one-sign (FH-A09, FH-A10), score-document-example (FH-J07),
# traffic-limit-at-gateway (FH-J02, FH-L12), result-as-json-text (FH-J01) and
# one-threshold-for-every-far (FH-J06); fuzz catches signed-imgarr-refused
# (valid_request_accepted). compare-item-ignored (every valid comparison a self-match) is left to
# accuracy with a labelled face set: no sentence ties a score to two given faces.
PROBED = [
    ("sign-prefix-accepted", "FH-A15"),
    ("empty-sign-skips-check", "FH-A09"),
    ("unsigned-call-accepted", "FH-A16"),
    ("timestamp-in-microseconds", "FH-A13"),
    ("serialno-over-32-refused", "FH-L17"),
    ("not-same-person-under-concurrency", "FH-L12"),
    ("remainseconds-counts-up", "FH-J15"),
    ("gateway-error-http-500", "FH-A03"),  # session 22: its HTTP 500 was dead code after a return
]


def _probe(
    defect: str, rule_id: str, contract, change: Change | None = None, burst: bool = True
) -> list[str]:
    """The findings of ``rule_id`` run alone against the defect's service (a per-answer rule:
    over two valid comparisons, or two requests ``change`` makes of one), as a run's probe phase
    has them (``burst``: with ``--max-rps 0``); ``probe/rule``: the probe run, the rule named."""
    rule_id = rule_id.partition("/")[0]
    with mutant_jd(defect, contract) as url, probe_session(contract, "jd", url) as session:
        p = ProbeContext(session=session, may_burst=burst)
        entry = RULES.get(rule_id)
        try:
            if entry.kind == "probe":
                entry.fn(p)
            else:
                for _ in range(2):
                    request = p.canonical("faceCompareNew")
                    p.send(request if change is None else change(request))
        except CheckFailed as failed:
            p.failures.append(failed)
    return [f"{f.rule_id}: {f.message}" for f in p.failures]


@pytest.mark.parametrize(("defect", "rule_id"), PROBED, ids=[c[0] for c in PROBED])
def test_each_round_3_defect_is_named_by_its_probe(contract, defect, rule_id):
    assert DEFECTS[defect].quote
    found = _probe(defect, rule_id, contract)
    assert any(f.startswith(f"{rule_id}: ") for f in found), found


# Session 15 (round 4): defects `conform --seed 7` and `fuzz --seed 1` both missed at f363fe3, each
# now named by one probe or rule run alone (a per-answer rule over the answer that shows it: a
# refusal at the business level, a gateway error). Of the round's other mutants timestamp-optional
# is FH-A05's (and fuzz's bad-timestamp) and imgurl-beside-base64-ignored FH-S01's (coverage
# phase) and fuzz's image-sources.
def _bad_sign(request: Request) -> Request:
    return replace(request, auth=Auth(sign=How.INVALID))


def _bad_fixed_field(request: Request) -> Request:
    return request.with_json(("businessId",), "JDT-NOT-THE-FIXED-VALUE")


ROUND4: list[tuple[str, str, Change | None]] = [
    ("sign-first-32-compared", "FH-A15", None),
    ("sign-cached-any-timestamp", "FH-A15", None),
    ("appkey-prefix-accepted", "FH-A04", None),
    ("empty-appkey-default-account", "FH-A03", None),
    ("timestamp-decimal-accepted", "FH-A13", None),
    ("refusal-says-match", "FH-J07", _bad_fixed_field),
    ("gateway-error-with-comparison", "FH-J01", _bad_sign),
    ("five-m-for-all-images", "FH-L17", None),
    ("collection-size-unchecked", "FH-L04", None),
]


def test_a_serialno_of_the_request_before_is_named_without_a_burst(contract):
    """serialno-of-previous-request: FH-L18's burst (``--max-rps 0``) showed it before; at a URL
    target's default rate the probe sends no burst, and now still two requests one after the
    other."""
    found = _probe("serialno-of-previous-request", "FH-L18", contract, burst=False)
    assert any(f.startswith("FH-L18: ") for f in found), found


# Session 16 (round 5): defects `conform --seed 7` missed at 718547a, each now named by one probe
# or rule run alone. The round's other mutants are in the session 16 report's table.
ROUND5 = [
    ("window-beijing-time", "FH-A08"),
    ("missing-image-as-system-error", "FH-L25"),
    ("later-items-size-unchecked", "FH-L04"),
]


@pytest.mark.parametrize(
    "service",
    [
        "business-id-ignoring-case",
        "system-error-under-concurrency",
        "missing-image-as-1155",
        "missing-image-as-1161",
        "timestamp-window-in-business",
    ],
)
def test_what_breaks_no_sentence_is_no_probe_finding(contract, service):
    """Review of round 5: a 固定值 accepted in lowercase (a case-insensitive lookup; the document
    says nothing of case, E-044) and a failure of the service's own under a burst (10020
    系统繁忙,请稍后再试 is JD's documented overload answer; 50 there is load's error rate, no
    sentence of the documents), and a missing image refused 1155 比对失败 or 1161 图片上传失败!
    (how a service words it) fail no probe (FH-L24 failed the first, FH-L12 the second, FH-L25
    the next two); review of round 6: a timestamp of 0 refused by the business layer (43011) is
    refused (FH-A18 failed it as let through)."""
    found = []
    reserve = probe_reserve(URL_DEFAULT_MAX_REQUESTS, "jd")  # every JD probe fits (below)
    with (
        mutant_jd(service, contract) as url,
        probe_session(contract, "jd", url, budget=reserve) as session,
    ):
        for entry in RULES:
            if entry.kind == "probe" and entry.api == "jd":
                try:
                    entry.fn(ProbeContext(session=session, may_burst=True))
                except CheckFailed as exc:
                    found.append(f"{exc.rule_id}: {exc.message}")
    assert not found, found


@pytest.mark.parametrize("max_rps", [URL_DEFAULT_MAX_RPS, 0])
def test_the_probe_reserve_covers_every_jd_probe(contract, max_rps) -> None:
    """As for match: every JD probe fits in the reserve a default URL run (`conform`, 557 requests
    over both APIs) keeps for the probes, against a conforming service, at the URL default pace
    and under --max-rps 0 (its bursts in full). Session 21's review: JD kept match's 150 though
    its probes need about 81, so ~69 of its 250 were never sent; the engine gets the rest."""
    reserve = probe_reserve((URL_DEFAULT_MAX_REQUESTS - 5) // len(APIS), "jd")
    with (
        mutant_jd("none", contract) as url,
        probe_session(contract, "jd", url, budget=reserve, max_rps=max_rps) as s,
    ):
        raws, _, skipped, unpaced, _ = _run_probes(s, ConformanceSettings(), False, max_rps)
        used = s.tracker.budget.used
    assert skipped == unpaced == [] and not raws, (skipped, [f.message for f in raws])
    assert used + 10 <= reserve < used + 15, (used, reserve)  # what the probes need, 10 more


# Session 17 (round 6): defects `conform --seed 7` missed at 612ad9e, each now named by one probe or
# rule run alone (fuzz caught result-cache-by-base-image: self_match_passes, swap_symmetry). The
# probes and rules at 612ad9e already named the round's other mutants:
# app-authority-key-unchecked (FH-S01, fuzz's fixed-field), distance-threshold-on-score and
# score-of-previous-comparison (FH-J07), missing-timestamp-as-malformed (FH-A05),
# traffic-limit-as-43011 (FH-L12) and remaintimes-unlimited-on-refusal (FH-J12).
ROUND6 = [
    ("result-cache-by-base-image", "FH-L32"),
    ("timestamp-zero-never-expires", "FH-A18"),
    ("exif-jpeg-refused", "FH-L33"),
    ("sourceless-item-skipped", "FH-L34"),
    ("collection-object-accepted", "FH-L34"),
]


@pytest.mark.parametrize(
    ("defect", "rule_id"), ROUND5 + ROUND6, ids=[c[0] for c in ROUND5 + ROUND6]
)
def test_each_round_5_and_6_defect_is_named_by_its_probe(contract, defect, rule_id):
    assert DEFECTS[defect].quote
    found = _probe(defect, rule_id, contract)
    assert any(f.startswith(f"{rule_id}: ") for f in found), found


# Session 18 (round 7): defects `conform --seed 7` (the short run above) and `fuzz --seed 1` missed
# at b642650, each now named by one probe or rule run alone. The short run already named the round's
# hacknessvo-percent (FH-H05), quota-zero-still-served (FH-J12), score-random (FH-L12, FH-L32) and
# serialno-uuid-only (FH-S02); score-of-first-item (a match's score taken from another collection
# image) is left: no probe sends a collection whose first image is someone else's.
def _other_person(request: Request) -> Request:
    """The base image against another person's face: a comparison that does not match (1155 with
    a msg stating 分数 and 阈值, as the example)."""
    import base64

    from harness.imaging import builtin_faces

    other = next(f for f in builtin_faces() if f.name.startswith("grace_hopper"))
    image = base64.b64encode(other.data).decode("ascii")
    return request.with_json(("collectionImageItems", 0, "imgBase64"), image)


ROUND7: list[tuple[str, str, Change | None]] = [
    ("timestamp-twice-sign-first-window-last", "FH-A19", None),
    ("content-type-charset-refused", "FH-L40", None),
    ("serialno-document-example", "FH-J16", None),
    ("answer-cached-with-serialno", "FH-J16", None),
    ("serialno-echo-truncated", "FH-J16", None),
    ("msg-score-is-distance", "FH-J17", _other_person),
    ("charge-on-refused-credentials", "FH-J18", _bad_sign),
]


# Session 19 (round 8): each named by one probe or rule run alone. At db5a721 no probe sent a
# collection whose first image is another person's (a full `conform --seed 7` named the *-of-first-
# item mutants only where schemathesis happened to draw such a list; FH-L44 sends one), a timestamp
# of now with a minus sign, a progressive JPEG, an empty imgBase64 beside an image, a missing
# 固定值, or a burst of two pairs; no rule read msg's 结果 (FH-J19). Fuzz named none of them but
# missing-field-as-system-error (rule_code) and, once FH-J19 was in its book, msg-verdict-inverted;
# its negated_timestamp and empty-beside modes now name negative-timestamp-abs and
# empty-source-item-skipped (tests/fuzz/test_fuzz_mutants_jd.py). The round's
# non-match-as-invalid-parameter (FH-S02; fuzz's valid_request_accepted) was named; its
# thresholds-rising (FH-J06) is E-004's other reading since round 16 (mutant_jd READINGS).
ROUND8: list[tuple[str, str, Change | None]] = [
    ("score-of-first-item", "FH-L44", None),
    ("verdict-of-first-item", "FH-L44", None),
    ("similarity-of-first-item", "FH-L44", None),
    ("msg-verdict-inverted", "FH-J19", _other_person),
    ("negative-timestamp-abs", "FH-A18", None),
    ("empty-source-item-skipped", "FH-L34", None),
    ("missing-field-as-system-error", "FH-L25", None),
    ("progressive-jpeg-refused", "FH-L33", None),
    ("results-crossed-under-concurrency", "FH-L18", None),
]
# Session 20 (round 9): defects `conform --seed 7` and `fuzz --seed 1` (through the CLI) missed at
# daf844a, each now named by the probe its broken sentence belongs to. The round's other mutants
# were named at daf844a: wrong-appkey-as-bad-sign (FH-A04), malformed-timestamp-as-expired
# (FH-A06), trusted-connection (FH-A05..A19), traffic-limit-code-string and
# result-int-for-non-matches (FH-H05), sourceless-base-falls-back (FH-S01). far-for-threshold
# (each threshold written as its FAR, 1e-4 .. 1e-7) is left: the values fall as FAR tightens and no
# sentence gives the thresholds' scale (E-004), so only a check for those very numbers would see it.
ROUND9: list[tuple[str, str, Change | None]] = [
    ("sign-verdict-cached-by-timestamp", "FH-A15", None),
    ("window-int32-wrap", "FH-A07", None),
    ("window-beijing-behind", "FH-A07", None),
    ("unknown-appkey-empty-secret", "FH-A04", None),
]
# Session 21 (round 10): defects `conform --seed 7` and `fuzz --seed 1` (through the CLI) missed at
# 7b19696, each now named by the probe of its sentence: a timestamp in nanoseconds (FH-A13); a
# grayscale JPEG or an RGBA PNG refused (FH-L33); compareImageItem taken as a List (FH-L34); an
# oversize image, a wrong 固定值 or bytes that are no image answered 50 系统错误! (FH-L04 through
# FH-J20, FH-L25). Fuzz names them by FH-A13, FH-L33, FH-L34 (rule-probes) and FH-J20. Of the
# round's others, refusal-repeated-on-next-call was named (FH-S02; fuzz's valid_request_accepted)
# and png-never-same-person by fuzz alone (reencoding_matches): a conform probe holding a PNG of
# the photo to its JPEG's verdict fails the emulator's byte-hashing engine (session 23: FH-L33
# does, when the Exif and progressive JPEGs matched, which that engine's never do).
# imgarr-size-unchecked (5M checked on imgBase64 only) is left: 5 MiB as a JSON array is a 10-20
# MB request.
ROUND10: list[tuple[str, str, Change | None]] = [
    ("timestamp-in-nanoseconds", "FH-A13", None),
    ("grayscale-jpeg-refused", "FH-L33", None),
    ("rgba-png-refused", "FH-L33", None),
    # session 23: every PNG refused, or compared and never the same person (fuzz alone before)
    ("refuse-png", "FH-L33", None),
    ("png-never-same-person", "FH-L33", None),
    ("compare-item-list-accepted", "FH-L34", None),
    ("oversize-as-system-error", "FH-L04", None),
    ("wrong-fixed-field-as-system-error", "FH-L25", None),
    ("undecodable-image-as-system-error", "FH-L25", None),
]
# Session 22 (round 11): defects `conform --seed 7` and `fuzz --seed 1` (through the CLI) missed at
# 90ba70b, each now named by the probe or rule of its sentence: a window counted in whole minutes
# (5 min 45 s old or ahead taken for 5 minutes: FH-A07, FH-A08 alike), a sign over the timestamp in
# seconds kept beside the documented one (FH-A15), a GIF compared where it is the base image, the
# second collection image or an imgArr (FH-J21), each threshold written as its FAR (FH-J22), 50
# 系统错误! for a body that is no JSON, a List sent as a string or an item without imgType (FH-L25).
ROUND11: list[tuple[str, str, Change | None]] = [
    ("window-whole-minutes", "FH-A07", None),
    ("sign-of-seconds-accepted", "FH-A15", None),
    ("base-format-unchecked", "FH-J21", None),
    ("later-items-format-unchecked", "FH-J21", None),
    ("imgarr-format-unchecked", "FH-J21", None),
    ("far-for-threshold", "FH-J22", None),
    ("malformed-json-as-system-error", "FH-L25", None),
    ("wrong-type-field-as-system-error", "FH-L25", None),
    ("missing-imgtype-as-system-error", "FH-L25", None),
    # review of session 22: every imgArr refused (E-078 sent live targets none expected accepted)
    ("refuse-imgarr", "FH-A20", None),
]
# Session 23 (round 12): defects `conform --seed 7` and `fuzz --seed 1` (through the CLI) missed at
# 296e8f7, each now named by the probe of its sentence: a 固定值 taken by ``startsWith`` (fuzz's
# fixed-field named it, conform did not), appAuthorityKey without its base64 padding (FH-J23;
# E-055's compared-as-bytes since session 27's review, mutant_jd READINGS),
# a sign whose last hex digit is never compared (FH-A15), a CMYK JPEG or a palette PNG refused as
# invalid (FH-L33). The round's table is in the session 23 report.
ROUND12: list[tuple[str, str, Change | None]] = [
    ("fixed-field-prefix-accepted", "FH-J23", None),
    ("sign-last-digit-unchecked", "FH-A15", None),
    ("cmyk-jpeg-refused", "FH-L33", None),
    ("palette-png-refused", "FH-L33", None),
]
# Session 24 (round 13): defects `conform --seed 7` and `fuzz --seed 1` (through the CLI) missed at
# 528d560, each now named by the probe of its sentence: the expected sign made by
# ``BigInteger.toString(16)`` (a digest's leading 0 dropped: one right sign in 16 refused) or signs
# compared as numbers (FH-A21, also a fuzz rule-probe), a timestamp written as an ISO 8601 date
# accepted (FH-A13), an interlaced PNG refused (FH-L33). Both already named the round's
# expired-as-bad-sign (FH-A07, FH-A08, FH-A13), missing-timestamp-as-expired (FH-A05),
# similarity-as-string (FH-J09) and remainseconds-as-string, charge-as-number, imgmap-as-list,
# threshold-keys-uppercase (FH-H05); the table is in the session 24 report.
ROUND13: list[tuple[str, str, Change | None]] = [
    ("sign-hex-leading-zero-dropped", "FH-A21", None),
    ("sign-compared-as-number", "FH-A21", None),
    ("timestamp-iso-date-accepted", "FH-A13", None),
    ("interlaced-png-refused", "FH-L33", None),
]
# Session 25 (round 14): defects `conform --seed 7` and `fuzz --seed 1` missed at 2f56848, each now
# named by the probe of its sentence: the document's example sign accepted (a sandbox's hard-coded
# sign left in the gateway: FH-A15, fuzz's bad_sign:example), a PNG of 16 bits per sample refused
# (FH-L33, a fuzz rule-probe too), appAuthorityKey with a space for its '+' accepted (FH-J23,
# fuzz's fixed-field). The round's table is in the session 25 report.
ROUND14: list[tuple[str, str, Change | None]] = [
    ("example-sign-accepted", "FH-A15", None),
    ("png-16-bit-refused", "FH-L33", None),
    ("authority-key-space-for-plus", "FH-J23", None),
    # session 25: a latin1 column's 50 for a serialNo beyond ASCII (fuzz's unicode-control drew
    # it on some seeds only): FH-L25 sends a full-width serialNo, compared or refused (E-043)
    ("non-ascii-serialno-as-system-error", "FH-L25", None),
]


# Session 26 (round 15): defects `conform --seed 7` and `fuzz --seed 1` missed at 1911725, each now
# named by the probe of its sentence: a timestamp an hour old signed in uppercase hex (E-018's
# other path skipping the window: FH-A18, fuzz's expired_upper), a collection item with imgBase64
# and imgArr compared (FH-L05; fuzz's image-sources named it), a BMP compared where only a GIF is
# refused (FH-J21), ``Application/JSON`` refused (FH-L40, convention), a wrong sign's refusal
# handing out the secretkey or the right sign (FH-J25, convention: CWE-209), a serialNo beyond
# ASCII echoed with '?' for its characters (a latin1 column: FH-J16). The round's table is in the
# session 26 report.
def _wide_serial(request: Request) -> Request:
    """The serialNo in full-width characters, as FH-L25 sends it (compared or refused: E-043)."""
    serial = request.json["serialNo"]
    return request.with_json(("serialNo",), "".join(chr(ord(c) + 0xFEE0) for c in serial))


ROUND15: list[tuple[str, str, Change | None]] = [
    ("serialno-echo-latin1", "FH-J16", _wide_serial),
    ("expired-with-uppercase-sign", "FH-A18", None),
    ("collection-two-sources-accepted", "FH-L05", None),
    ("gif-only-refused", "FH-J21", None),
    ("media-type-case-sensitive", "FH-L40", None),
    ("refusal-discloses-expected-sign", "FH-J25", None),
    ("refusal-discloses-secretkey", "FH-J25", None),
]
# Session 27 (round 16): defects `conform --seed 7` and `fuzz --seed 1` missed at 2206e63, each now
# named by the probe of its sentence: appAuthorityKey in URL-safe base64's alphabet accepted
# (E-055's compared-as-bytes since the session's review: mutant_jd READINGS), a bad sign's
# expected sign in a header, and an expired
# timestamp's refusal handing out the server's time with its sign (FH-J25, convention), a
# timestamp of any age signed as sent with a '+', in full-width digits or after a space (a
# lenient parser behind a 13-digit guard: FH-A18, fuzz's bad-timestamp), an unknown appkey signed
# MD5("null" + timestamp), Java's missing secretkey (FH-A04, fuzz's wrong_appkey:nullts), a null
# second collection item skipped (FH-L34). The round's table is in the session 27 report.
ROUND16: list[tuple[str, str, Change | None]] = [
    ("expected-sign-in-header", "FH-J25", None),
    ("expired-refusal-hands-out-fresh-sign", "FH-J25", None),
    ("expired-with-plus-sign", "FH-A18", None),
    ("expired-with-full-width-digits", "FH-A18", None),
    ("expired-with-leading-space", "FH-A18", None),
    ("unknown-appkey-null-secret", "FH-A04", None),
    # session 27 review: Python's None and JavaScript's undefined written for the missing secret
    ("unknown-appkey-none-secret", "FH-A04", None),
    ("unknown-appkey-undefined-secret", "FH-A04", None),
    ("collection-null-item-skipped", "FH-L34", None),
]
# Session 28 (round 17): defects `conform --seed 7` and `fuzz --seed 1` missed at c16ec94, each now
# named by the probe of its sentence: a second sign formula over the secretkey kept beside the
# documented one (FH-A15, fuzz's bad_sign modes of the same names); a serialNo of digits echoed
# as a number (fuzz alone before: FH-L18's first request now sends one, FH-H05 reads the answer);
# the example timestamp with underscores between digit groups, signed as sent (Python's int()
# behind a 13-digit guard: FH-A18, fuzz's bad-timestamp). Both already named the round's
# app-name-unchecked (FH-J23, FH-S01; fixed-field), threshold-e5-e6-swapped (FH-J06),
# remaintimes-frozen (FH-J12) and answer-labelled-gzip (FH-H04), and listed with a convention
# finding answer-with-bom (FH-H09), answer-labelled-html (FH-H03) and secretkey-in-answer-header
# (FH-J25). The round's table is in the session 28 report.
ROUND17: list[tuple[str, str, Change | None]] = [
    ("sign-appkey-secret-timestamp-accepted", "FH-A15", None),
    ("sign-sha256-accepted", "FH-A15", None),
    ("sign-hmac-md5-accepted", "FH-A15", None),
    ("sign-literal-plus-accepted", "FH-A15", None),
    ("sign-double-md5-accepted", "FH-A15", None),
    ("result-serialno-as-number", "FH-A21/FH-H05", None),  # session 29: FH-L18 before
    ("expired-with-underscores", "FH-A18", None),
    # CAUGHT by the short run before; named by their probe alone for time (~1 s less each)
    ("sign-without-timestamp", "FH-A12", None),
    ("any-hex-sign", "FH-A10", None),
    ("sign-either-order", "FH-A15", None),
    ("sign-with-appkey", "FH-A15", None),
    ("window-1-minute", "FH-A14", None),
    ("timestamp-in-seconds", "FH-A13", None),
]
# Session 29 (round 18): defects `conform --seed 7` and `fuzz --seed 1` missed at cac0323, each now
# named by the probe of its sentence: SHA-1(secretkey+timestamp) accepted beside MD5, and a
# length-dispatching verifier taking any 40 hex digits (FH-A15's SHA-1, fuzz's bad_sign:sha1); a
# serialNo echoed with its letters' case folded (FH-A15's first accepted request carries capitals,
# FH-J16 reads the echo); an expired timestamp in scientific notation, signed as sent (FH-A18);
# the 固定值 written with '\/' refused (FH-L40's charset request, convention). Left: the
# secretkey in a comparison's answer (FH-J25 reads refusals alone). The round's table is in the
# session 29 report.
ROUND18: list[tuple[str, str, Change | None]] = [
    ("sign-sha1-accepted", "FH-A15", None),
    ("sign-any-40-hex-accepted", "FH-A15", None),
    ("serialno-echo-lowercased", "FH-A15/FH-J16", None),
    ("expired-in-scientific-notation", "FH-A18", None),
    ("authority-key-escaped-slash-refused", "FH-L40", None),
    # CAUGHT by the short run before; named by their probe's burst alone for time (~7 s less each)
    ("answers-crossed-under-concurrency", "FH-L18", None),
    ("5xx-under-concurrency", "FH-L18/FH-H01", None),
]
NAMED = (
    ROUND4 + ROUND7 + ROUND8 + ROUND9 + ROUND10 + ROUND11 + ROUND12 + ROUND13 + ROUND14 + ROUND15
    + ROUND16 + ROUND17 + ROUND18
)  # fmt: skip


def test_a_credential_a_refusal_discloses_is_masked_where_the_finding_shows_it(contract):
    """FH-J25 (session 26): a bad sign's 10047 naming the sign expected for its timestamp (应为...,
    no key name beside it); the finding names no value, and the answer it shows is masked: the
    right sign was never put on a request, so the redaction did not know it before."""
    from harness.clients import DEMO
    from harness.results import Finding

    _, secret = DEMO.require_jd()
    with (
        mutant_jd("refusal-discloses-expected-sign", contract) as url,
        probe_session(contract, "jd", url) as session,
    ):
        p = ProbeContext(session=session)
        with pytest.raises(CheckFailed) as failed:
            RULES.get("FH-J25").fn(p)
        shown = p.last_response
        stamp = p.last_request.auth.timestamp.value
    right = jd_sign(secret, stamp)
    assert f"(应为{right})" in shown.content.decode()
    finding = Finding(
        suite="conformance", api="jd", operation="faceCompareNew", check="x", severity="low",
        message=failed.value.message, response=shown.excerpt(),
    )  # fmt: skip
    shown_json = finding.model_dump_json()
    assert "应为" in shown_json and right not in shown_json and secret not in shown_json


def test_a_sign_an_answer_hands_out_for_another_timestamp_is_found_and_masked_later():
    """FH-J25 (session 27): a right sign for a timestamp the answer names, not the one sent (a
    pair valid for five minutes no request carried), is found; once found it is masked in any
    later text, with no key name beside it; the request's own sign echoed is not disclosure."""
    from harness.clients import DEMO
    from harness.conformance._probes import handed_sign
    from harness.redact import redact_text

    _, secret = DEMO.require_jd()
    sent, now = "1733000000000", "1733000400123"
    handed = jd_sign(secret, now)
    text = f"已过期 当前 {now} 应为 {handed}"
    assert handed_sign(secret, f"timestamp {sent} {jd_sign(secret, sent)}", sent=sent) is False
    assert handed_sign(secret, f"t={now} x={jd_sign('other', now)}", sent=sent) is False
    assert handed_sign(secret, text, sent=sent) is True
    assert handed not in redact_text(text) and now in redact_text(text)


def test_a_result_timestamp_in_beijing_time_gets_no_finding(contract):
    """Review of round 14: result.timestamp 8 h ahead (Beijing time written as UTC) breaks no
    sentence under every reading (E-029 holds it within a day of now; a full `conform --seed 7`
    and `fuzz --seed 1` named it nowhere): FH-J13 does not name it."""
    found = _probe("result-timestamp-beijing", "FH-J13", contract)
    assert not [f for f in found if f.startswith("FH-J13: ")], found


def test_a_layers_413_refuses_the_5_mib_image_but_not_one_within_5m(contract):
    """Session 25: FH-L04 filed a layer's 413 page (nginx's client_max_body_size 4m, mutant
    body-limit-4mib-413) for the image of 5 MiB as "Expected: business code 100", though FH-J21
    and FH-L25 take a layer's 4xx for a refusal (E-015) and the document ties no code to the size
    (E-020). The 413 passes FH-L04 now; two images within 5M under every reading refused so are
    still FH-L17's. (FH-L04 still names accept-image-at-5mib: CAUGHT.)"""
    assert DEFECTS["body-limit-4mib-413"].quote
    found = set()
    with (
        mutant_jd("body-limit-4mib-413", contract) as url,
        probe_session(contract, "jd", url) as session,
    ):
        p = ProbeContext(session=session, may_burst=True)
        for rule_id in ("FH-L04", "FH-L17"):
            try:
                RULES.get(rule_id).fn(p)
            except CheckFailed as failed:
                found.add(failed.rule_id)
            found |= {f.rule_id for f in p.failures if f.basis == "seed"}
            assert p.last_response is not None and p.last_response.status == 413
    assert found == {"FH-L17"}, found


@contextmanager
def _leaked_permits(contract) -> Iterator[ProbeContext]:
    """Probes on permits-leaked-on-refusal once 30 business refusals leaked its permits."""
    with (
        mutant_jd("permits-leaked-on-refusal", contract) as url,
        probe_session(contract, "jd", url) as session,
    ):
        p = ProbeContext(session=session, may_burst=True)
        bad = p.canonical("faceCompareNew").with_json(("businessId",), "other")
        for _ in range(30):
            p.send(bad)
        yield p


def test_a_service_throttling_a_lone_request_is_named(contract, monkeypatch):
    """Round 12: permits-leaked-on-refusal answers every comparison 43010 流量受限 after 30
    business refusals, one request at a time too; `conform --seed 7` passed it (each throttled
    answer judges nothing, E-045). FH-J24 sends a comparison alone, paused (shortened here)."""
    from harness.conformance import _probes

    assert DEFECTS["permits-leaked-on-refusal"].quote
    monkeypatch.setattr(_probes, "LONE_WAITS_S", (0.05, 0.05, 0.05))
    with _leaked_permits(contract) as p:
        try:
            RULES.get("FH-J24").fn(p)
        except CheckFailed as failed:
            p.failures.append(failed)
    assert [f for f in p.failures if f.rule_id == "FH-J24"], [f.message for f in p.failures]


def test_a_gate_stages_time_limit_ends_the_lone_requests_pause(contract, monkeypatch):
    """FH-J24 pauses up to 45 s between lone requests; a gate stage's time limit
    (``interrupt.cancel``, no signal) ended no plain ``time.sleep``: the pause ends at the cancel
    and the probe gives no verdict."""
    import threading
    import time

    from harness import interrupt
    from harness.conformance import _probes

    monkeypatch.setattr(_probes, "LONE_WAITS_S", (60.0, 60.0))
    with _leaked_permits(contract) as p:
        timer = threading.Timer(0.5, interrupt.cancel, args=("the stage's time limit",))
        started = time.monotonic()
        timer.start()
        try:
            RULES.get("FH-J24").fn(p)
        finally:
            timer.cancel()
            interrupt.reset()
        took = time.monotonic() - started
    assert took < 30, took  # one 60 s pause outlasted the cancel
    assert not [f for f in p.failures if f.rule_id == "FH-J24"]


@pytest.mark.parametrize("runner", ["conform", "fuzz"])
@pytest.mark.parametrize("service", ["jd-quota-40", "jd-quota-40-unsaid"])
def test_a_spent_call_quota_throttling_a_lone_request_is_unjudged(
    contract, monkeypatch, service, runner
):
    """E-045: `免费试用服务具有调用量、QPS限制` names a call quota (调用量) too. A service whose 40
    calls were spent answers every comparison 43010 流量受限 for good, however slowly sent, with
    remainTimes 0 or none: FH-J24 failed it (conformance's probe phase, and fuzz's rule-probes on
    a session of their own, which never saw the count fall) though a quota spent is no defect.
    Now the probe cannot judge (``unjudged``), as its remainTimes leaves no call. Replaying an
    FH-J24 finding there (each suite's replay) said "passes" / "holds now" (exit 0, fixed):
    nothing was judged, so it is ``inconclusive``."""
    from fixtures.cli import DEMO_ENV
    from fixtures.legit_variants import serve_variant

    from harness.clients import DEMO
    from harness.conformance import _probes
    from harness.fuzz import FuzzClient
    from harness.fuzz._probes import probe_session as fuzz_session
    from harness.fuzz._probes import run_probe

    pauses: list[float] = []  # FH-J24's pauses, recorded, not waited
    monkeypatch.setattr(_probes.interrupt, "sleep", pauses.append)
    # remainTimes 0 said on each refusal: the full 66.1 s (a word may come); none said: 6.1 s,
    # as only a served answer could judge then (66.1 s before session 24)
    waits = 6.1 if service.endswith("unsaid") else sum(_probes.LONE_WAITS_S)
    with serve_variant(service, contract) as url:
        if runner == "fuzz":
            with FuzzClient(url, credentials=DEMO, contract=contract) as client:
                session = fuzz_session(client, "jd", credentials=DEMO, is_emulator=False)
                canonical = ProbeContext(session).canonical
                answers = [client.send(canonical("faceCompareNew")).answer for _ in range(41)]
                pauses.clear()
                found = run_probe(session, "FH-J24", may_burst=True)
            assert answers[-1] is not None and answers[-1].code == "43010"
            assert not [p.rule for p, _, _ in found if p.rule == "FH-J24"], found
            assert sum(pauses) == pytest.approx(waits), pauses
            _an_unjudged_probe_replays_inconclusive(url, runner, monkeypatch, DEMO_ENV)
            return
        with probe_session(contract, "jd", url) as session:
            p = ProbeContext(session=session, may_burst=True)
            for _ in range(41):
                last = p.ask(p.canonical("faceCompareNew"))
            assert last.code == "43010" and last.throttled
            pauses.clear()
            try:
                RULES.get("FH-J24").fn(p)
            except CheckFailed as failed:
                p.failures.append(failed)
        assert sum(pauses) == pytest.approx(waits), pauses
        assert not [f for f in p.failures if f.rule_id == "FH-J24"], [f.message for f in p.failures]
        assert p.unjudged and "remainTimes" in p.unjudged[0], p.unjudged
        _an_unjudged_probe_replays_inconclusive(url, runner, monkeypatch, DEMO_ENV)


def _an_unjudged_probe_replays_inconclusive(
    url: str, suite: str, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    """An FH-J24 finding of ``suite`` replayed at ``url``, whose probe cannot judge now."""
    from harness.findings import Replay

    for name, value in env.items():  # a URL target's credentials come from the environment
        monkeypatch.setenv(name, value)
    kept = json.loads((Path(__file__).parent / "replay_files/probe-FH-A10.json").read_text())
    exchange = {k: v for k, v in kept["exchange"].items() if k != "auth"}
    fuzz = {"property": "jd:rule-probes", "steps": ["the rule book's probe FH-J24"]}
    replay = Replay(
        id="F-001",
        suite="conformance" if suite == "conform" else "fuzz",
        check="jd-lone-request-served",
        rule_id="FH-J24",
        target={"kind": "url", "url": url},
        exchange=exchange,
        extra=fuzz if suite == "fuzz" else {},
    )
    if suite == "fuzz":
        from harness.fuzz import replay_finding
    else:
        from harness.conformance import replay_finding
    outcome = replay_finding(replay)
    assert (outcome.state, outcome.exit_code) == ("inconclusive", 0), outcome
    assert outcome.detail.startswith("not judged: a valid comparison sent alone"), outcome.detail


@pytest.mark.parametrize(("defect", "rule_id", "change"), NAMED, ids=[c[0] for c in NAMED])
def test_each_round_4_or_7_defect_is_named_by_its_probe(contract, defect, rule_id, change):
    """Rounds 4, 7 and 8 (a request changed for some: a bad sign, another person's face)."""
    assert DEFECTS[defect].quote
    found = _probe(defect, rule_id, contract, change)
    named = rule_id.rpartition("/")[2]
    assert any(f.startswith(f"{named}: ") for f in found), found


# Review of session 18 (E-058): an int or long field written as a whole float is a reading (JSON has
# one number type), observed, not failed; session 16 and 17 listed these mutants as FH-J04, FH-J12
# and FH-J13 defects.
WHOLE_FLOATS = [
    ("business-code-float", "FH-J04"),
    ("remaintimes-float", "FH-J12"),
    ("result-timestamp-float", "FH-J13"),
]


@pytest.mark.parametrize(("service", "rule_id"), WHOLE_FLOATS, ids=[c[0] for c in WHOLE_FLOATS])
def test_whole_floats_are_observed_not_failed(contract, service, rule_id):
    assert DEFECTS[service].quote
    with mutant_jd(service, contract) as url, probe_session(contract, "jd", url) as session:
        p = ProbeContext(session=session)
        for _ in range(2):
            p.send(p.canonical("faceCompareNew"))
        # the mutant floats one field: the others are integers (mixed)
        assert session.readings.evidence("E-058")["counts"]["alternative"] > 0
    assert not [f for f in p.failures if f.rule_id == rule_id], [f.message for f in p.failures]


@pytest.mark.parametrize("rule_ids", [("FH-A07", "FH-A08"), ("FH-A14",)], ids=["A07-A08", "A14"])
@pytest.mark.parametrize("service", ["clock-50s-ahead", "clock-50s-behind", "stamp-60s-stale"])
def test_a_correct_service_whose_clock_is_50_s_off_ours_passes_the_window_probes(
    contract, service, rule_ids
):
    """Review of session 22 (E-019): the 5 min 45 s cases are sent on the service's clock, and
    only when it is within 10 s of ours; a correct service 50 s ahead or behind got FH-A07 or
    FH-A08 from the case 45 s outside the window on our clock. FH-A14's case 270 s old (30 s
    inside the window) is timed on the service's clock too: 50 s ahead, it was 320 s old there
    and refused 10045, a false HIGH finding. Each probe alone measures the clock itself.
    stamp-60s-stale: a correct service on our clock stamping result.timestamp a minute behind
    it; FH-A14's 270 s case on that stamp's clock arrived 330 s old: it is sent again on ours.
    Session 23 (E-082): their Date header is on our clock, so the two witnesses disagree: no
    clock is trusted, and the cases outside the window go on ours and on result.timestamp's, a
    finding only when misjudged on both. The near case 5 min 45 s old is refused on both (the one
    on the side the two clocks leave 45 s beyond the window each way): judged, where before it
    was not sent; the other side's is taken on one clock, not judged, never failed
    (test_jd_clock: services whose Date agrees are judged)."""
    with mutant_jd(service, contract) as url, probe_session(contract, "jd", url) as session:
        found, said = run_probes_alone(session, rule_ids)
        unjudged = {u.split(":", 1)[0] for u in said}
        assert found == [], found
        judged = "FH-A08" if service == "clock-50s-behind" else "FH-A07"
        assert judged not in unjudged and (set(unjudged) <= set(rule_ids)), unjudged
        offset = session.sender.service_clock.offset_ms
    off = 60_000 if service.startswith("stamp") else 50_000
    assert offset is not None and abs(abs(offset) - off) < 5_000  # measured, not guessed


def test_an_answer_of_the_examples_phase_shows_the_service_clock(contract):
    """E-019: a JD answer schemathesis got (``after_call``) gives the clock estimate, so the
    window probes need no comparison of their own for it."""
    path = contract.operation("faceCompareNew").path
    case = SimpleNamespace(id="c1", operation=SimpleNamespace(path=path), query={}, body={})
    with probe_session(contract, "jd", "http://127.0.0.1:9") as session:
        stamp = int(session.sender.clock() * 1000) + 50_000
        body = {"code": "10000", "result": {"code": 0, "timestamp": stamp}}
        content = json.dumps(body).encode()
        session.observe(
            case, SimpleNamespace(status_code=200, headers={}, content=content, elapsed=0.01)
        )
        offset = session.sender.service_clock.offset_ms
    assert offset is not None and abs(offset - 50_000) < 1_000


def test_a_layers_html_400_to_a_gif_or_a_string_list_is_a_refusal(contract):
    """Review of session 22: nginx's or Spring's own `400 Bad Request` page (no JD envelope) for a
    GIF image or collectionImageItems sent as a string refuses them, as the quotes ask: FH-J21 and
    FH-L25 filed it as a high "Expected: an envelope" (a missing envelope is E-015's FH-H02,
    low)."""
    found = _probe("html-400-for-gif-or-unbound", "FH-J21", contract)
    found += _probe("html-400-for-gif-or-unbound", "FH-L25", contract)
    assert not [f for f in found if f.startswith(("FH-J21", "FH-L25"))], found
    assert [f for f in found if f.startswith("FH-H02")], found  # the layer's 400 was seen


@pytest.mark.parametrize("service", ["imgarr-unsigned", "imgarr-signed"])
def test_an_imgarr_taken_in_one_range_only_is_no_finding(contract, service):
    """E-078: a service reading imgArr as 0..255 only, or as Java's -128..127 only, follows the
    document: FH-A20 fails only a service refusing both forms (refuse-imgarr, NAMED). Session
    23: it reports which reading (the readings report, summary.json ``errata[].observed``): each
    variant is E-078's alternative, named in the example; before, E-078 was not observed at all."""
    from fixtures.legit_variants import serve_variant

    with serve_variant(service, contract) as url, probe_session(contract, "jd", url) as session:
        p = ProbeContext(session=session, may_burst=True)
        try:
            RULES.get("FH-A20").fn(p)
        except CheckFailed as failed:
            p.failures.append(failed)
        seen, evidence = session.readings.observed("E-078"), session.readings.evidence("E-078")
    assert not p.failures, [f.message for f in p.failures]
    name = service.replace("imgarr-", "") + "-only"
    assert seen == "alternative" and name in evidence["example"], evidence


@pytest.mark.parametrize(
    ("service", "holds"), [("clock-50s-ahead", False), ("window-1-minute", True)]
)
def test_a_replayed_fh_a14_finding_is_timed_on_the_service_clock(
    contract, service, holds, tmp_path, monkeypatch
):
    """E-019: a replay runs FH-A14 again in a session of its own, so it measures the service's
    clock as the run did: a correct service 50 s ahead of ours is no longer failing, a window
    of one minute still is."""
    from harness.clients import DEMO
    from harness.conformance import replay_finding

    appkey, secret = DEMO.require_jd()
    for var, value in {"FACEHARNESS_JD_APPKEY": appkey, "FACEHARNESS_JD_SECRETKEY": secret}.items():
        monkeypatch.setenv(var, value)
    data = json.loads((REPLAY_FILES / "probe-FH-A10.json").read_text(encoding="utf-8"))
    data["check"] |= {"name": "auth-timestamp-within-window", "rule_id": "FH-A14"}
    data["finding"] |= {"check": "auth-timestamp-within-window", "rule_id": "FH-A14"}
    path = tmp_path / "probe-FH-A14.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with mutant_jd(service, contract) as url:
        outcome = replay_finding(path, target=url)
    assert outcome.still_failing is holds, outcome.detail


@pytest.mark.parametrize(
    ("secret", "answer", "shown"),
    [
        # a digit-only secretkey inside the answer's millisecond timestamp, by chance: no leak
        ("60012345", '{"result":{"timestamp":1733560012345678,"code":10047}}', False),
        ("60012345", '{"code":"10047","msg":"签名错误, secretkey=60012345"}', True),
        ("60012345", '{"msg":"expected MD5(60012345+1733560012345)"}', True),
        # one with a letter counts anywhere (MD5(secret+timestamp) runs into the digits)
        ("k3y2024", '{"msg":"md5(k3y20241733560012345)"}', True),
    ],
)
def test_fh_j25_tells_a_leaked_secretkey_from_digits_met_by_chance(secret, answer, shown) -> None:
    """Session 26 review: FH-J25 took a digit-only secretkey of 8 found anywhere in the answer
    for a leak; inside a longer run of digits (a millisecond timestamp) it is chance."""
    from harness.conformance._probes import credential_shown

    assert credential_shown(secret, answer.lower()) is shown


@pytest.mark.parametrize(
    ("defect", "probe"),
    [("refusal-discloses-secretkey", "FH-J25"), ("media-type-case-sensitive", "FH-L40")],
)
def test_a_service_failing_only_a_convention_probe_passes_with_it_listed(contract, defect, probe):
    """Session 27 (FH-J25: CWE-209; FH-L40, FH-L35: a media type's parameters and case): a
    convention rule's finding is low and listed, never failing a run or a default gate (README's
    verdicts, docs/gate.md); it says so where it is shown: the report quotes the norm it stands on
    (FH-J25 quoted the seed's sign sentence alone), the console that it is not counted, JUnit its
    basis. A policy counting conventions counts it."""
    import re

    from harness.report.junit import _findings_text
    from harness.results import Finding, derive_status

    with mutant_jd(defect, contract) as url, probe_session(contract, "jd", url) as session:
        p = ProbeContext(session=session)
        with pytest.raises(CheckFailed) as raised:
            RULES.get(probe).fn(p)
    found = raised.value
    finding = Finding(
        suite="conformance", api="jd", operation=found.operation, check=found.check,
        severity=found.level, message=found.message, rule_id=found.rule_id, basis=found.basis,
    )  # fmt: skip
    assert (finding.rule_id, finding.severity, finding.basis) == (probe, "low", "convention")
    assert derive_status([finding], requests=1) == "pass"
    assert not FindingAllowance().counts(finding) and FindingAllowance(conventions=True).counts(
        finding
    )
    assert "not counted" in finding.not_counted
    assert re.search(r"\b(RFC \d+|CWE-\d+)\b", RULES.get(probe).quote), RULES.get(probe).quote
    assert "basis: convention" in _findings_text([finding])


@pytest.mark.parametrize(
    "service", ["authority-key-urlsafe-accepted", "authority-key-unpadded-accepted", "none"]
)
def test_a_key_read_as_its_bytes_is_e055_s_reading_not_fh_j23(contract, service) -> None:
    """Session 27 review: a service comparing appAuthorityKey as the 16 bytes it encodes (a
    lenient decoder reads URL-safe base64's '-' and '_', and the key unpadded, as the same key)
    was red on FH-J23; it follows E-055's compared-as-bytes, observed (a finding only under a
    policy requiring the default). The control follows the default."""
    from harness.contract import ReadingLog

    with (
        mutant_jd(service, contract) as url,
        probe_session(contract, "jd", url) as session,
    ):
        found, unjudged = run_probes_alone(session, ("FH-J23",))
        seen = session.readings.observed("E-055")
        session.readings = ReadingLog({"E-055": "default"})
        required, _ = run_probes_alone(session, ("FH-J23",))
    assert not found and not unjudged, (found, unjudged)
    if service == "none":
        assert seen == "default" and not required, (seen, required)
    else:
        assert seen == "alternative", seen
        assert len(required) == 1 and "default reading of E-055" in required[0], required
