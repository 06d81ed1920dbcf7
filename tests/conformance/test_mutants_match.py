"""Defects of the internal face-match API that the emulator's break modes do not have, each injected
alone in front of the emulator (tests/fixtures/mutant_match.py), are found by a short `conform`
run against the URL: a counted finding (the gate's default policy) of a seed rule names each.
A service that reads the document otherwise, within it, is found by nothing."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fixtures import mutant_match
from fixtures.mutant_match import DEFECTS, serve
from fixtures.same_photo import same_photos
from hypothesis import HealthCheck, given, settings

from harness.clients import DEMO
from harness.config import ConformanceSettings
from harness.conformance._emulator import emulator_settings
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
from harness.emulator import BREAKS, EmulatorServer, build_settings, create_app
from harness.fuzz import run_fuzz, strategies
from harness.fuzz._invalid import InvalidCase
from harness.gate._policy import FindingAllowance

from .conftest import conform, explain, probe_session, run_probes_alone

# defect -> the rule whose finding names it
CAUGHT_BY = {
    "errcode-string-zero": "FH-M01",
    "error-with-success-result": "FH-M01",
    "status-ok": "FH-M01",
    "traceno-missing-idno": "FH-M01",
    "traceno-repeated": "FH-M05",
    "traceno-number": "FH-M01",
    "score-percent": "FH-M03",
    "score-negative": "FH-M03",
    "success-yes": "FH-M03",
    "idno-true-without-score": "FH-M02",
    "livecode-letters": "FH-H05",
    "refusal-as-errcode-zero": "FH-M01",
    "lip-any-livecode": "FH-L13",
    "fresh-livecode-refused": "FH-L07",
    "idno-any-identity-verified": "FH-L10",
    "livecode-plain-text": "FH-H05",
    "idno-errors-other-shape": "FH-M01",
    "origin-self-refused": "FH-L19",  # and FH-S02, by the meaning of faceharness' code
    "persontype-refused": "FH-L19",
    "async-false-refused": "FH-L19",  # and FH-S02, by the meaning of faceharness' code
    "idno-livecode-on-image-refused": "FH-L11",
    "idno-check-char-ignored": "FH-L10",
    "video-as-image": "FH-S02",
    # round 4
    "livecode-empty-object-refused": "FH-S02",
    "idno-video-refused": "FH-S02",
    "match-silent-video-refused": "FH-S02",
    # round 15, caught before by conform (the request examples); fuzz missed them
    "idno-livecode-on-silent-refused": "FH-S02",  # /idno's example: liveCode with SILENT
}


# round 3: defect -> the rule whose finding names it, by the one probe that shows it, run alone
# (as a run's probe phase runs it: a whole run for each would cost ten times the time)
PROBED = {
    "facedata-oversize-accepted": ("FH-L16", "FH-L16"),
    "idno-oversize-accepted": ("FH-L16", "FH-L16"),
    "limit-300k-characters": ("FH-L20", "FH-L20"),
    "silent-video-needs-livecode": ("FH-L21", "FH-L21"),
    "lip-photo-needs-livecode": ("FH-L21", "FH-L21"),
    "idno-lip-any-livecode": ("FH-L22", "FH-L22"),
    "idno-lip-without-livecode-accepted": ("FH-L22", "FH-L22"),
    "idno-fresh-livecode-refused": ("FH-L22", "FH-L22"),
    "idno-prefix-verified": ("FH-L10", "FH-L10"),
    "token-with-suffix-accepted": ("FH-A17", "FH-A17"),
    "result-keys-capitalised": ("FH-L19", "FH-M01"),  # FH-L19 sends a comparison that runs
    # round 4
    "unknown-videotype-accepted": ("FH-L14", "FH-L14"),
    "match-without-image-accepted": ("FH-L14", "FH-L14"),
    "image-without-data-accepted": ("FH-L14", "FH-L14"),
    "idno-without-facedata-accepted": ("FH-L14", "FH-L14"),  # and FH-S01 before
    "idno-empty-idnum-accepted": ("FH-L14", "FH-L14"),
    "facedata-limit-300k": ("FH-L20", "FH-L20"),
    "livecode-without-token-accepted": ("FH-A01", "FH-A01"),
    "idno-any-token-accepted": ("FH-A02", "FH-A02"),
    "livecode-number": ("FH-L07", "FH-H05"),  # FH-L07 asks validateData first
    "idno-vip-verified-without-comparison": ("FH-L23", "FH-L23"),  # and FH-S01 before
    "image-origin-required": ("FH-L19", "FH-L19"),  # and FH-S02 in a full run before
    # round 5
    "match-image-compared-with-itself": ("FH-L26", "FH-L26"),
    "match-facedata-compared-with-itself": ("FH-L26", "FH-L26"),
    "match-answers-previous-result": ("FH-L26", "FH-L26"),
    "extdata-merged-into-result": ("FH-L26", "FH-L26"),
    "lip-empty-livecode-accepted": ("FH-L13", "FH-L13"),
    "request-limit-512k": ("FH-L20", "FH-L20"),
    "video-origin-defaults-to-fds": ("FH-L19", "FH-L19"),
    "match-photo-videotype-refused": ("FH-L19", "FH-L19"),
    # round 5, caught before too (by the same rule in a conform run): one probe shows each
    "livecode-get-only": ("FH-A01", "FH-A01"),  # validateData without a token: HTTP 405
    "score-float-noise": ("FH-L19", "FH-M04"),  # FH-L19 sends a comparison that runs
    "missing-token-plain-401": ("FH-A01", "FH-A01"),
    "server-error-on-fds-origin": ("FH-L15", "FH-L15"),
    # round 6
    "match-video-unused": ("FH-L27", "FH-L27"),
    "idno-video-unused": ("FH-L27", "FH-L27"),
    "lip-livecode-carried-over": ("FH-L28", "FH-L28"),
    "match-result-race": ("FH-L29", "FH-L29"),  # a burst: may_burst, as --max-rps 0 allows
    "errmsg-success-on-error": ("FH-L06", "FH-M09"),  # FH-L06's answer is a refusal
    "idno-unknown-type-accepted": ("FH-L30", "FH-L30"),
    "server-error-on-non-ascii-extdata": ("FH-L31", "FH-L31"),
    # round 6, caught before too (by the same rule in a conform run): one probe shows each
    "oversize-without-origin-accepted": ("FH-L16", "FH-L16"),
    "success-python-bool": ("FH-L19", "FH-M03"),  # FH-L19 sends a comparison that runs
    "traceno-per-second": ("FH-L07", "FH-M05"),  # its answers come within a second
    "livecode-trailing-newline": ("FH-L07", "FH-H05"),  # FH-L07 asks validateData first
    # round 7
    "livecode-last-digit-ignored": ("FH-L13", "FH-L13"),
    "oversize-video-accepted": ("FH-L16", "FH-L16"),
    "idno-missing-type-accepted": ("FH-L30", "FH-L30"),
    "idno-facedata-without-data-accepted": ("FH-L30", "FH-L30"),
    "async-without-traceno": ("FH-L15", "FH-M01"),  # FH-L15 sends async true
    "idno-verification-cached": ("FH-L23", "FH-L23"),  # a verification first, then no face
    "token-truncated-accepted": ("FH-A17", "FH-A17"),
    "match-concurrent-server-error": ("FH-L29", "FH-H01"),  # a burst: may_burst
    "match-livecode-on-silent-refused": ("FH-L19", "FH-L19"),  # and FH-S02 in a full run
    # round 7, caught before too (by the same rule in a conform run): one probe shows each
    "traceno-per-operation": ("FH-L07", "FH-M05"),  # validateData's "1", then /match's
    "match-success-inverted": ("FH-L19", "FH-M02"),  # FH-L19 sends a comparison that runs
    "idno-false-without-result": ("FH-L23", "FH-M01"),  # a picture of no one: "false"
    # round 8
    "bearer-any-token-accepted": ("FH-A17", "FH-A17"),
    "error-with-status-success": ("FH-A01", "FH-M01"),  # FH-A01's refusals, status SUCCESS
    "idno-image-field-compared": ("FH-L10", "FH-L10"),
    "idno-unknown-persontype-accepted": ("FH-L14", "FH-L14"),
    "server-error-on-lowercase-x": ("FH-L41", "FH-L41"),
    # round 8, caught before too (by a conform run): one probe shows each
    "token-checked-once-per-connection": ("FH-A01", "FH-A01"),
    "livecode-empty-code": ("FH-L07", "FH-M01"),  # FH-L07 asks validateData first
    "server-error-on-long-name": ("FH-L41", "FH-L41"),
    "errmsg-missing-on-error": ("FH-A01", "FH-M01"),  # FH-A01's refusals
    "idno-looked-up-by-name": ("FH-L10", "FH-L10"),  # the canonical name, another number
    "score-decimal-comma": ("FH-L19", "FH-M03"),  # FH-L19 sends a comparison that runs
    # round 9
    "livecode-prefix-accepted": ("FH-L13", "FH-L13"),
    "livecode-compared-as-number": ("FH-L13", "FH-L13"),
    "match-lip-video-unused": ("FH-L27", "FH-L27"),
    "idno-result-race": ("FH-L29", "FH-L29"),  # a burst: may_burst, as --max-rps 0 allows
    "videotype-lowercase-lip-unchecked": ("FH-L06", "FH-L06"),
    "idno-cached-by-face": ("FH-L10", "FH-L10"),  # the identity's own photo verified first
    # round 9, caught before too (by a conform run): one probe shows each
    "match-false-without-result": ("FH-L26", "FH-M01"),  # a reference photo of no one: "false"
    "traceno-per-connection": ("FH-L29", "FH-M05"),  # a burst opens connections of its own
    "idno-inner-score-number": ("FH-L19", "FH-M03"),  # FH-L19 sends each personType
    "errmsg-gbk-undeclared": ("FH-A01", "FH-H05"),  # FH-A01's refusals
    # round 10
    "async-default-true": ("FH-L19", "FH-L19"),  # async left out answered as async true
    "async-false-queued": ("FH-L19", "FH-L19"),  # async false answered as async true
    "idno-inner-lip-unchecked": ("FH-L22", "FH-L22"),
    "oversize-lip-video-accepted": ("FH-L16", "FH-L16"),
    "idno-video-identity-unchecked": ("FH-L10", "FH-L10"),
    "livecode-shared-in-flight": ("FH-L29", "FH-M05"),  # a burst: may_burst
    "server-error-on-png": ("FH-L15", "FH-L15"),  # a PNG of the reference photo
    # round 10, caught before too (by a conform run): one probe shows each
    "lip-check-skipped-after-first-pass": ("FH-L28", "FH-L28"),  # a LIP video passed first
    "match-cached-by-request": ("FH-L26", "FH-M05"),  # the canonical /match sent twice
    "idno-traceno-per-identity": ("FH-L23", "FH-M05"),  # two verifications of one identity
    "oversize-explicit-self-accepted": ("FH-L16", "FH-L16"),  # the canonical image says self
    # round 11
    "async-always-queued": ("FH-L19", "FH-L19"),  # async false, left out and true alike queued
    "livecode-per-connection": ("FH-L07", "FH-L07"),  # its code asked on a connection it closes
    "idno-empty-videotype-accepted": ("FH-L30", "FH-L30"),
    "idno-empty-origin-accepted": ("FH-L30", "FH-L30"),
    # round 11, caught before too (by a conform run): one probe shows each
    "limit-on-total": ("FH-L20", "FH-L20"),  # both parts at 400,000 characters at once
    "videotype-default-lip": ("FH-L21", "FH-L21"),
    "server-error-on-png-facedata": ("FH-L15", "FH-L15"),
    "facedata-origin-self-refused": ("FH-L19", "FH-L19"),
    "facedata-origin-required": ("FH-L19", "FH-L19"),
    "idno-persontype-normal-refused": ("FH-L19", "FH-L19"),
    "livecode-read-from-facedata": ("FH-L07", "FH-L07"),
    # round 12: missed by conform before
    "score-as-fraction": ("FH-L42", "FH-L42"),  # the same photo scored "1"
    "async-lip-livecode-dropped": ("FH-L43", "FH-L43"),
    "lip-numeric-livecode-unchecked": ("FH-L13", "FH-L13"),
    "lip-explicit-origin-unchecked": ("FH-L13", "FH-L13"),
    "server-error-on-nested-extdata": ("FH-L31", "FH-L31"),
    "server-error-on-idno-async": ("FH-L15", "FH-L15"),
    "async-processing-true-result": ("FH-L15", "FH-M01"),  # FH-L15 sends async true
    # round 12, caught before too (by a conform run): one probe shows each
    "idno-success-inverted": ("FH-L23", "FH-L23"),  # a picture of no one "false", inverted
    # round 13: missed by conform and fuzz before
    "livecode-suffix-accepted": ("FH-L13", "FH-L13"),
    "server-error-on-line-breaks": ("FH-L15", "FH-L15"),  # fuzz's bad-base64 found it
    "server-error-on-livecode-empty-body": ("FH-L19", "FH-L19"),  # fuzz's not-json found it
    # round 13, caught before too (by conform and fuzz runs): one probe shows each
    "limit-400000-exclusive": ("FH-L20", "FH-L20"),
    "traceno-counter-race": ("FH-L29", "FH-M05"),  # a burst: may_burst
    "livecode-traceno-missing": ("FH-L07", "FH-M01"),  # FH-L07 asks validateData first
    "refusal-as-http-500": ("FH-A01", "FH-A01"),  # FH-A01's refusals at HTTP 500
    "score-per-mille": ("FH-L19", "FH-M04"),  # FH-L19 sends a comparison that runs
    "padded-base64-refused": ("FH-L20", "FH-L20"),  # the reference photo's base64 ends "=="
    "idno-true-with-empty-score": ("FH-L19", "FH-M02"),  # FH-L19 sends each personType
    "livecode-key-lowercase": ("FH-L07", "FH-L07"),
    "invalid-parameter-framework-400": ("FH-L14", "FH-L14"),
    # session 24 (jdleft): one issued code in ten (a leading 0) refused; no probe drew one
    "livecode-leading-zero-refused": ("FH-A23", "FH-A23"),
    # session 25 (left): validateData with a field it does not take crashed; fuzz alone found it
    "server-error-on-livecode-field": ("FH-L19", "FH-L19"),
    # round 14: missed by conform and fuzz before (but server-error-on-png-image: fuzz's PNG bomb)
    "server-error-on-png-image": ("FH-L15", "FH-L15"),  # a PNG in both parts
    "server-error-on-line-breaks-facedata": ("FH-L15", "FH-L15"),  # lines in both parts
    "server-error-on-uri-origin": ("FH-L15", "FH-L15"),
    "idno-oversize-video-accepted": ("FH-L16", "FH-L16"),
    "empty-token-accepted": ("FH-A17", "FH-A17"),
    "idno-async-lip-livecode-dropped": ("FH-L43", "FH-L43"),
    "server-error-on-astral-extdata": ("FH-L31", "FH-L31"),
    "server-error-on-astral-name": ("FH-L41", "FH-L41"),
    "idno-normal-lip-unchecked": ("FH-L22", "FH-L22"),
    # round 15: missed by conform and fuzz before
    "async-token-unchecked": ("FH-A17", "FH-A17"),  # no token, async true
    "idno-identity-race": ("FH-L29", "FH-L29"),  # a number of no one beside the identity's own
    # round 15, caught before too (by conform and fuzz runs): one probe shows each
    "idno-inner-verified-without-comparison": ("FH-L23", "FH-L23"),
    "errcode-false-on-success": ("FH-L19", "FH-M01"),  # FH-L19 sends a comparison that runs
    "traceno-empty": ("FH-L07", "FH-M01"),  # FH-L07 asks validateData first
    "async-answer-204": ("FH-L15", "FH-L15"),  # FH-L15 sends async true
    "livecode-arabic-digits": ("FH-L07", "FH-H05"),
    "livecode-any-token-accepted": ("FH-A17", "FH-A17"),  # validateData, the token extended
    "idno-vip-lip-unchecked": ("FH-L22", "FH-L22"),
    "status-lowercase": ("FH-L19", "FH-M01"),
    "body-read-64k": ("FH-L20", "FH-L20"),
    "livecode-key-renamed": ("FH-L07", "FH-M01"),
    "idno-answer-written-twice": ("FH-L15", "FH-L15"),  # FH-L15 sends /idno
    # round 16: missed by conform and fuzz before
    "token-same-length-accepted": ("FH-A17", "FH-A17"),  # a middle character changed
    # round 16, caught before by conform (fuzz's missing-field pins them now)
    "match-missing-type-accepted": ("FH-L14", "FH-L14"),
    "match-facedata-without-data-accepted": ("FH-L14", "FH-L14"),
    # round 16: missed by conform and fuzz before (fuzz runs FH-L41 too)
    "server-error-on-15-digit-idnum": ("FH-L41", "FH-L41"),
    # round 17: missed by conform and fuzz (but lip-extdata-unchecked: fuzz's valid requests)
    "lip-extdata-unchecked": ("FH-L13", "FH-L13"),  # its forgeries with extData {}
    "lip-async-false-unchecked": ("FH-L13", "FH-L13"),  # and async false
    "idno-lip-extdata-unchecked": ("FH-L22", "FH-L22"),
    "idno-inner-token-unchecked": ("FH-A17", "FH-A17"),  # /idno's token extended, as inner
    "idno-server-error-on-spaced-name": ("FH-L41", "FH-L41"),
    "idno-vip-oversize-accepted": ("FH-L16", "FH-L16"),  # its /idno video sent as a vip's
    # session 28's audit: /idno's own decoders, missed by conform (fuzz's bomb, bad-base64)
    "idno-server-error-on-png": ("FH-L15", "FH-L15"),  # its every-optional /idno as a PNG
    "idno-server-error-on-line-breaks": ("FH-L15", "FH-L15"),
    # round 1's, named by a short conform run until session 28 (its two cases' time): FH-L15
    # sends every optional field
    "server-error-on-persontype": ("FH-L15", "FH-L15"),
    "server-error-on-extdata": ("FH-L15", "FH-L15"),
    # round 1's, named by a short conform run until round 17, which made their test this cheaper
    # one (its seven new cases' time): the probe that shows each
    "errmsg-empty": ("FH-A01", "FH-M01"),  # FH-A01's refusals
    "accept-missing-token": ("FH-A01", "FH-A01"),
    "accept-any-token": ("FH-A02", "FH-A02"),
    "errcode-string-error": ("FH-A01", "FH-M01"),  # and round 17's two fuzz cases' time
    # round 18: a branch that skips a check (async, extData, personType), missed by conform
    "async-oversize-accepted": ("FH-L16", "FH-L16"),  # fuzz missed it too
    "extdata-oversize-accepted": ("FH-L16", "FH-L16"),  # its async true, extData {} case
    "async-false-oversize-accepted": ("FH-L16", "FH-L16"),  # fuzz missed it too
    "idno-inner-oversize-accepted": ("FH-L16", "FH-L16"),  # fuzz missed it too
    "async-unknown-type-accepted": ("FH-L14", "FH-L14"),  # fuzz missed it too
    "idno-async-missing-name-accepted": ("FH-L14", "FH-L14"),  # fuzz missed it too
    "idno-inner-missing-name-accepted": ("FH-L14", "FH-L14"),  # fuzz missed it too
    "match-without-facedata-accepted": ("FH-L14", "FH-L14"),  # fuzz missed it too
    "idno-vip-unknown-type-accepted": ("FH-L30", "FH-L30"),  # fuzz missed it too
    "video-empty-origin-accepted": ("FH-L30", "FH-L30"),  # fuzz's empty-string found it
    "extdata-token-unchecked": ("FH-A17", "FH-A17"),  # fuzz's bad-token found it
    "idno-vip-token-unchecked": ("FH-A17", "FH-A17"),  # fuzz missed it too
    # the E-043 leftover: FH-L15's /idno PNG refused, its fields never reached the crash (a conform
    # run's schemathesis cases, JPEGs with async false, still met it: FH-H01)
    "idno-server-error-on-async-false-png-refused": ("FH-L15", "FH-L15"),
    # round 18, caught before (by conform, and fuzz but idno-concurrent-server-error)
    "idno-photo-videotype-refused": ("FH-L11", "FH-L11"),
    "idno-concurrent-server-error": ("FH-L29", "FH-H01"),  # a burst: may_burst
    "idno-score-per-mille": ("FH-L19", "FH-M04"),  # FH-L19 sends each personType
    "success-json-bool": ("FH-L19", "FH-M03"),  # FH-L19 sends a comparison that runs
    # round 1's, named by a short conform run until round 18, which made their test this cheaper
    # one (its new cases' time): the probe that shows each
    "empty-videotype-accepted": ("FH-L14", "FH-L14"),
    "empty-origin-accepted": ("FH-L14", "FH-L14"),
    "unknown-type-accepted": ("FH-L14", "FH-L14"),
    "unknown-origin-accepted": ("FH-L14", "FH-L14"),
    "idno-missing-name-accepted": ("FH-L14", "FH-L14"),  # sent as personType inner now
    "idno-missing-idnum-accepted": ("FH-L14", "FH-L14"),
    "oversize-accepted": ("FH-L16", "FH-L16"),
}

# round 15: defects of a hard HTTP convention, not of a sentence (a convention rule's finding,
# low: listed, counted only by a gate policy that counts them)
CONVENTION = {  # defect -> (the probe, what its finding says)
    "json-charset-refused": ("FH-L35", "charset=utf-8"),
    # round 16: the name in UTF-8 refused, the same name in \\u escapes accepted
    "idno-name-read-latin1": ("FH-L36", "with the name in UTF-8"),
    "json-type-case-refused": ("FH-L35", "Application/JSON"),  # round 16, a charset taken
    "json-charset-uppercase-refused": ("FH-L35", "charset=UTF-8"),  # round 17, Spring's own
}


def _conform(url: str, out: Path):  # type: ignore[no-untyped-def]
    return conform(
        url,
        out,
        is_emulator=False,
        api="match",
        seed=7,
        examples=1,
        phases=("examples",),
        max_rps=0,
    )


# services of the table that break no sentence of the document: the probe named fails them not
NO_DEFECT = {
    "idno-empty-name-accepted": "FH-L30",
    "match-video-as-reference-decoded": "FH-L26",  # E-033: a lenient decoder
    "token-case-insensitive": "FH-A17",  # E-076: a hex, UUID or base32 token is case-insensitive
    # review of round 12: PROCESSING (E-013's reading) with a result's defaults is no verdict
    "async-processing-false-result": "FH-L15",  # FH-L15 sends async true
    "idno-photo-lip-refused": "FH-L19",  # E-081: LIP:数字模式,视频需读出指定数字 read as a video's
    # s24 review: E-081 widened, a liveCode read as a LIP video's alone (round 13 failed it)
    "match-photo-livecode-refused": "FH-L19",
    "same-photo-scored-77": "FH-L42",  # 建议达到80分 is advice: 77 is no reading's miss
    "same-photo-no-face": "FH-L42",  # "false", "0": a face not found (E-011's other reading)
    "idno-name-ignored": "FH-L41",  # E-087: its long name with the registered number compared
}


def test_every_defect_is_named_and_none_is_a_break_mode() -> None:
    assert set(CAUGHT_BY) | set(PROBED) | set(NO_DEFECT) | set(CONVENTION) == set(DEFECTS)
    assert not set(CAUGHT_BY) & set(PROBED)
    assert not set(DEFECTS) & set(BREAKS)
    assert all(d.quote for d in DEFECTS.values())


def test_the_emulator_without_a_defect_gives_no_finding(contract, tmp_path: Path) -> None:
    with serve(None, contract) as url:
        result = _conform(url, tmp_path)
    assert result.findings == [], explain(result)


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_a_defect_is_found_by_a_counted_seed_finding(defect: str, contract, tmp_path: Path) -> None:
    with serve(defect, contract) as url:
        result = _conform(url, tmp_path)
    counted = {
        f.rule_id for f in result.findings if FindingAllowance().counts(f) and f.basis == "seed"
    }
    assert CAUGHT_BY[defect] in counted, explain(result)


def _probe_alone(defect: str, probe: str, contract) -> set[str]:  # type: ignore[no-untyped-def]
    with serve(defect, contract) as url, probe_session(contract, "match", url) as session:
        p = ProbeContext(session=session, may_burst=True)
        failed = list(p.failures)
        try:
            RULES.get(probe).fn(p)
        except CheckFailed as exc:
            failed.append(exc)
        failed += p.failures
    return {f.rule_id for f in failed if f.basis == "seed" and f.severity != "info"}


@pytest.mark.parametrize("defect", sorted(PROBED))
def test_a_defect_is_found_by_its_probe_alone(defect: str, contract) -> None:
    probe, rule_id = PROBED[defect]
    counted = _probe_alone(defect, probe, contract)
    assert rule_id in counted, counted


@pytest.mark.parametrize("defect", sorted(CONVENTION))
def test_a_convention_defect_is_found_by_its_probe_alone(defect: str, contract) -> None:
    """Round 15: /match refusing ``application/json; charset=utf-8`` (the header compared as a
    string) passed conform and fuzz; FH-L35 files it as FH-L40 does JD's: a convention finding.
    Round 16: /idno reading its body as ISO-8859-1 (a UTF-8 name refused) passed both; FH-L36."""
    probe, said = CONVENTION[defect]
    with serve(defect, contract) as url, probe_session(contract, "match", url) as session:
        with pytest.raises(CheckFailed) as raised:
            RULES.get(probe).fn(ProbeContext(session=session, may_burst=True))
    assert (raised.value.rule_id, raised.value.basis) == (probe, "convention"), raised.value
    assert said in raised.value.message, raised.value.message


@pytest.mark.parametrize("service", sorted(NO_DEFECT))
def test_a_service_within_the_document_fails_no_probe(service: str, contract) -> None:
    """Review of round 6: /idno taking name "" (for a name it does not check) breaks no sentence
    (the empty string is forbidden for videoType and origin alone, E-034); FH-L30 failed it.
    Round 12: a token compared without regard to letter case is E-076's other reading."""
    assert not _probe_alone(service, NO_DEFECT[service], contract)


# "400k" (E-012) as 400 KiB of decoded bytes: the largest reading's limit, in base64 characters
_LARGEST_400K = 409_600 * 4 // 3


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(strategies.invalid_requests("match", rules=["oversize"], operations=["match"]))
def test_fuzz_oversize_images_are_over_400k_under_every_reading(case: InvalidCase) -> None:
    """Fuzz's oversize image is refused under every reading of "400k" (E-012), 400 KiB of decoded
    bytes included: one of 307,201 bytes (409,604 characters) is within that reading."""
    images = [s for s in _strings(case.request.json) if len(s) > 409_600]
    assert all(len(s) > _LARGEST_400K for s in images), case.detail


def test_a_limit_of_400_kib_decoded_is_no_fuzz_finding(contract, tmp_path: Path) -> None:
    """A service reading "400k" as 400 KiB of decoded bytes (E-012's other-limit) gets no oversize
    finding from fuzz's invalid requests."""
    with serve("limit-400KiB-decoded", contract) as url:
        result = run_fuzz(
            url,
            is_emulator=False,
            api="match",
            seed=1,
            max_examples=50,
            credentials=DEMO,
            out_dir=tmp_path,
            max_rps=0,
            only=["match:invalid-requests"],
        )
    assert result.findings == [], [f.message for f in result.findings]


def test_a_lip_video_it_cannot_verify_answered_success_false_is_no_finding(contract, tmp_path):
    """E-011's other reading takes success "false" for a comparison that went wrong: a service
    answering so to a LIP video whose liveCode it did not issue refused it under that reading,
    so FH-L13 files nothing (a match is an acceptance under every reading: lip-any-livecode)."""
    with serve("lip-unverified-as-success-false", contract) as url:
        result = _conform(url, tmp_path)
    assert "FH-L13" not in {f.rule_id for f in result.findings}, explain(result)


@pytest.mark.parametrize("defect", [None, "server-error-on-long-name"])
def test_the_probe_reserve_covers_every_match_probe(contract, defect) -> None:
    """A default URL run (`conform`, 557 requests over both APIs) keeps a reserve from the engine
    for the probes: every match probe fits in it against a conforming service at the URL default
    pace (FH-L29's mini-bursts of 5 too), so none is skipped (at 80, FH-L23 and FH-L26,
    registered last, never ran; a quarter of 250 was 62). Session 21's review: FH-L29's bursts,
    run before FH-L30, FH-L31 and FH-L41 in 132, skipped them: a single FH-L41 defect read
    inconclusive (exit 0) and a correct service too; the races now run last, in 150. Session 22's
    review: they needed 149 of the 148 a run's share (after the preflight's requests) kept, and
    FH-L29 was skipped on seeds 1-3: the reserve keeps 10 more than the probes need, of the share
    a default run has; since session 25 FH-A23's liveCode draws are in it too."""
    reserve = probe_reserve((URL_DEFAULT_MAX_REQUESTS - 5) // len(APIS), "match")
    with (
        serve(defect, contract) as url,
        probe_session(contract, "match", url, budget=reserve, max_rps=URL_DEFAULT_MAX_RPS) as s,
    ):
        raws, _, skipped, unpaced, _ = _run_probes(
            s, ConformanceSettings(), False, URL_DEFAULT_MAX_RPS
        )
        used = s.tracker.budget.used
    assert skipped == unpaced == [] and used + 10 <= reserve, (skipped, used, reserve)
    found = {f.rule_id for f in raws}
    assert found == ({"FH-L41"} if defect else set()), [f.message for f in raws]


# an emulator seed whose first 300 liveCodes hold one beginning with 0 in every 15 and never
# three such in a row: FH-A23 draws a zero-led code wherever the run's other requests leave it in
# the sequence, and then a control code without one (seed 0 issues 41 in a row without a 0,
# where a default run's FH-A23 draws)
_ZERO_LED_EVERY_15 = 8110


def test_a_default_url_run_draws_fh_a23s_codes(contract, tmp_path: Path) -> None:
    """Session 25: FH-A23, run last, drew liveCodes from what the other probes left, and in a
    default URL run (--max-requests 500 then) the engine spent its whole part of the share, so
    the probes were left the reserve, of which FH-A23 keeps the spare: it drew no code and a
    service refusing its own zero-led codes passed `conform --target URL` (only the probe run
    alone found it). Its draws are part of the match reserve now. The run's request budget is
    the default; --max-rps 0 and five examples an operation keep it short (the engine still
    spends its whole part: the budget's share ran out)."""
    with serve("livecode-leading-zero-refused", contract, seed=_ZERO_LED_EVERY_15) as url:
        result = conform(
            url, tmp_path, is_emulator=False, api="match", seed=1, examples=5, max_rps=0
        )
    run = result.metrics.apis["match"]
    assert result.metrics.max_requests == URL_DEFAULT_MAX_REQUESTS and run.probes_skipped == []
    assert result.metrics.budget_exhausted  # the engine stopped at its part, not short of it
    assert "FH-A23" in {f.rule_id for f in result.findings}, explain(result)


@pytest.mark.parametrize(
    ("service", "reading"),
    [("match-photo-livecode-refused", "E-081"), ("idno-photo-lip-refused", "E-081")],
)
def test_fh_l19_observes_a_photo_refused_for_a_lip_only_value(
    service: str, reading: str, contract
) -> None:
    """s24 review: /match's photo refused for a fresh liveCode (liveCode | 否 | 传入对比数据为视频并
    选择LIP模式时必传: no sentence says a photo takes it) is E-081's other reading, as /idno's
    photo with LIP is: FH-L19 raises it observed, a reading and never a seed finding."""
    with serve(service, contract) as url, probe_session(contract, "match", url) as session:
        p = ProbeContext(session=session, may_burst=True)
        RULES.get("FH-L19").fn(p)  # an observed reading raises nothing under the default policy
        assert session.readings.observed(reading) == "alternative", session.readings.evidence(
            reading
        )
    assert not p.failures, [f.message for f in p.failures]


def _photo_livecode_500(x: Any) -> None:
    """/match's photo with a liveCode answered HTTP 500, no envelope."""
    face = mutant_match._face(x)
    if x.path == mutant_match._MATCH and face and face.get("type") == "image":
        if "liveCode" in x.body and mutant_match._errcode(x) == 0:
            x.status, x.answer, x.kind = 500, "Internal Server Error", "text/plain"


def _silent_video_livecode_refused(x: Any) -> None:
    """A liveCode taken for a LIP video alone: a SILENT video with one refused."""
    face = mutant_match._face(x)
    if x.path == mutant_match._MATCH and face and face.get("videoType") == "SILENT":
        if face.get("type") == "video" and "liveCode" in x.body:
            mutant_match._refuse(x, "invalid_parameter", "liveCode: only for a LIP video")


def _empty_body_bare_200(x: Any) -> None:
    """validateData without a body answered a bare 200, no envelope (a layer's 4xx without one
    is a refusal since the session 25 review, E-015: legit_variants go-validate-400)."""
    if x.path == mutant_match._LIVECODE and x.body is None:
        x.status, x.answer, x.kind = 200, "OK", "text/plain"


@pytest.mark.parametrize(
    ("step", "said"),
    [
        (_photo_livecode_500, "/match's photo with a liveCode"),
        (_silent_video_livecode_refused, "/match SILENT video with a liveCode"),
        (_empty_body_bare_200, "an envelope with an errcode (errcode 是), taken or refused"),
    ],
)
def test_fh_l19_still_fails_what_no_reading_allows(step: Any, said: str, contract) -> None:
    """s24 review: with /match's photo refused for a liveCode made a reading (E-081), FH-L19
    still fails that refusal as a server error, a SILENT video refused for the liveCode the
    request example sends it with, and validateData without a body answered a 2xx with no
    envelope (its finding shows that request, sent without a body)."""
    from fixtures.same_photo import same_photos

    from harness.conformance._emulator import emulator_settings
    from harness.emulator import build_settings, create_app

    app = same_photos(
        create_app(build_settings(engine="fast", **emulator_settings()), contract=contract)
    )
    failed = _probe_fails(contract, app, step, "FH-L19")
    assert (failed.basis, failed.rule_id) == ("seed", "FH-L19"), failed
    assert said in failed.message, failed.message
    if step is _empty_body_bare_200:
        assert failed.request is not None and failed.request.raw_body == b"", failed.request


def _probe_fails(contract, app: Any, step: Any, rule_id: str) -> CheckFailed:
    """What the probe ``rule_id`` alone files against ``app`` with one answer step ``after``."""
    server = EmulatorServer(mutant_match.mutant(app, mutant_match.Defect("x", "x", after=step)))
    with server as url, probe_session(contract, "match", url) as session:
        with pytest.raises(CheckFailed) as raised:
            RULES.get(rule_id).fn(ProbeContext(session=session, may_burst=True))
    return raised.value


def _by_link(x: Any) -> bool:
    return x.path in mutant_match._COMPARE and any(
        p.get("origin") == "uri" for p in mutant_match._parts(x)
    )


def _uri_500_enveloped(x: Any) -> None:
    """A link's fetch crashing the comparison, its handler still writing the envelope: HTTP 500
    is an unexpected condition (RFC 9110 15.6.1), never a failed fetch's status."""
    if _by_link(x):
        x.status = 500


def _uri_502_page(x: Any) -> None:
    """The service behind a gateway crashed by the link: the gateway's 502 page, no envelope."""
    if _by_link(x):
        x.status, x.answer, x.kind = 502, "<html>502 Bad Gateway</html>", "text/html"


@pytest.mark.parametrize("step", [_uri_500_enveloped, _uri_502_page])
def test_fh_l15_still_fails_a_crash_on_a_link(step: Any, contract) -> None:
    """Session 25 review: FH-L15 takes a link's failed fetch answered 502/503/504 with the
    envelope (E-017; legit_variants fetch-failed-502), so FH-H01 lists it no more; a 500, even
    enveloped, and a 502 without the envelope stay a crash (FH-L15, seed)."""
    app = create_app(build_settings(engine="fast", **emulator_settings()), contract=contract)
    failed = _probe_fails(contract, app, step, "FH-L15")
    assert (failed.basis, failed.rule_id) == ("seed", "FH-L15"), failed
    assert "origin uri" in failed.message, failed.message


def _livecode_fields_ignored(seen: list[list[str]], x: Any) -> None:
    """validateData ignoring fields it does not take (E-032's other reading)."""
    if x.path == mutant_match._LIVECODE and isinstance(x.body, dict) and x.body:
        seen.append(sorted(x.body))
        x.body.clear()


def test_fh_l19_passes_validatedata_ignoring_a_field_it_does_not_take(contract) -> None:
    """Session 25: FH-L19 sends validateData a field it does not take (a body bound to a class
    without fields crashed: server-error-on-livecode-field, which fuzz's extra-field alone found).
    Refused in an envelope (E-032's default: the emulator, the control) or ignored (its other
    reading, E-073's too) it passes; only an answer without the envelope fails it (E-015: a 5xx
    is a finding, as FH-H01's)."""
    from fixtures.same_photo import same_photos

    from harness.conformance._emulator import emulator_settings
    from harness.emulator import EmulatorServer, build_settings, create_app

    app = same_photos(
        create_app(build_settings(engine="fast", **emulator_settings()), contract=contract)
    )
    seen: list[list[str]] = []
    ignored = mutant_match.Defect("x", "x", before=partial(_livecode_fields_ignored, seen))
    with (
        EmulatorServer(mutant_match.mutant(app, ignored)) as url,
        probe_session(contract, "match", url) as session,
    ):
        p = ProbeContext(session=session, may_burst=True)
        RULES.get("FH-L19").fn(p)
    assert seen == [["faceharnessExtra"]], seen  # the field, sent once
    assert not p.failures, [f.message for f in p.failures]


def test_fh_a23_passes_a_service_taking_its_leading_zero_codes(contract) -> None:
    """Session 24: FH-A23 draws codes until one begins with 0 and sends it; the legit variant
    issuing 5-digit codes that all begin with 0 takes them (the emulator, one code in ten: the
    control conform run above)."""
    from fixtures.legit_variants import serve_variant

    with (
        serve_variant("livecode-leading-zero", contract) as url,
        probe_session(contract, "match", url) as session,
    ):
        p = ProbeContext(session=session, may_burst=True)
        RULES.get("FH-A23").fn(p)
        sent = [r.json.get("liveCode") for r in [p.last_request] if r is not None and r.json]
    assert not p.failures and not p.unjudged, (p.failures, p.unjudged)
    assert sent and str(sent[0]).startswith("0"), sent  # a zero-led code was drawn and sent


@pytest.mark.parametrize("table", ["DEFECTS", "FUZZ_DEFECTS", "READINGS"])
def test_no_defect_crashes_on_a_request_without_a_body(table: str) -> None:
    """s24 review: a step reading ``x.body.get`` unguarded raised on FH-L19's validateData sent
    without a body (HTTP 500 from the mutant: a second defect beside its own). Every ``after``
    step takes a request whose body is no JSON object (``before`` is never given one)."""
    import asyncio
    import inspect

    crashed = {}
    for name, defect in getattr(mutant_match, table).items():
        if defect.after is None:
            continue
        x = mutant_match.Exchanged(
            mutant_match._LIVECODE,
            {},
            None,
            answer={"errcode": 0, "errmsg": "", "data": {"code": "0472", "traceNo": "t-1"}},
        )
        try:
            step = defect.after(x)
            if inspect.iscoroutine(step):
                asyncio.run(asyncio.wait_for(step, 2))
        except Exception as exc:  # noqa: BLE001 - each crash named
            crashed[name] = repr(exc)
    assert crashed == {}, crashed


def test_fh_a23_replay_without_a_zero_led_code_is_not_judged(contract, monkeypatch) -> None:
    """s24 review: a replay of FH-A23's finding that drew no code beginning with 0 (0.9^20, 12 %)
    said "fixed". It draws up to 60 codes in a replay and, none drawn, is not judged
    (inconclusive); a conform run's draw without one stays a pass, no unjudged entry."""
    from types import SimpleNamespace

    from harness.conformance import _probes
    from harness.conformance._replay import _replay_probe

    drawn: list[int] = []

    def no_zero(p: ProbeContext) -> str:
        drawn.append(1)
        return "1234"

    monkeypatch.setattr(_probes, "_digit_code", no_zero)
    entry, data = RULES.get("FH-A23"), SimpleNamespace(path="", id="F-001", extra={})
    with (
        serve("livecode-leading-zero-refused", contract) as url,
        probe_session(contract, "match", url) as session,
    ):
        outcome = _replay_probe("F-001", entry, session, data)  # type: ignore[arg-type]
        replayed = len(drawn)
        p = ProbeContext(session=session, may_burst=True)
        entry.fn(p)
    assert not outcome.still_failing and not outcome.judged, outcome
    assert replayed == _probes.LEADING_ZERO_REPLAY_DRAWS, replayed
    assert p.unjudged == [] and len(drawn) - replayed == _probes.LEADING_ZERO_DRAWS


def _livecode_reworded(x: Any) -> None:
    """The service's own words for its liveCode refusals (E-014's own numbers served beside):
    none says 验证码 or liveCode."""
    body = x.answer
    if isinstance(body, dict) and isinstance(body.get("errmsg"), str):
        own = {"数字验证码错误": "动态码不符", "LIP模式缺少数字验证码": "LIP digits missing"}
        said = body["errmsg"]
        body["errmsg"] = next((v for k, v in own.items() if said.startswith(k)), said)


def _every_lip_refused(x: Any) -> None:
    """A liveness check before the code's: every LIP video, coded or not, refused alike (the
    harness's videos read no digits out), with an own code and words."""
    face = mutant_match._face(x)
    if x.path in mutant_match._COMPARE and face and face.get("videoType") == "LIP":
        x.status, x.answer = 200, {"errcode": 7301, "errmsg": "lip check failed", "data": {}}


@pytest.mark.parametrize(
    ("before", "after", "fails"),
    [
        (mutant_match._async_lip_code_dropped, _livecode_reworded, True),
        (mutant_match._idno_async_lip_code_dropped, _livecode_reworded, True),
        (None, _livecode_reworded, False),  # the control: the same words and numbers, no defect
        (None, _every_lip_refused, False),
    ],
)
def test_fh_l43_tells_a_livecode_refusal_in_a_services_own_numbers_and_words(
    contract, before: Any, after: Any, fails: bool
) -> None:
    """Session 25's leftover: FH-L43 knew a refusal for the liveCode by codes.yaml's number and
    验证码 in its errmsg, so a service with its own numbers (E-014's other reading) or words
    passed with its async path dropping the code. It now asks the service: the refusal is the
    one it gives the same request without the code (LIP模式时必传) and not one with a code never
    issued. A service refusing every LIP video alike (its liveness check) is not red."""
    settings = build_settings(engine="fast", readings={"E-014": "own-codes"}, **emulator_settings())
    app = same_photos(create_app(settings, contract=contract))
    defect = mutant_match.Defect("x", "x", before=before, after=after)
    with EmulatorServer(mutant_match.mutant(app, defect)) as url:
        with probe_session(contract, "match", url) as session:
            found, unjudged = run_probes_alone(session, ("FH-L43",))
    assert bool(found) is fails and not unjudged, found
    if fails:
        assert "async true" in found[0], found


def _every_lip_refused_control_throttled(x: Any) -> None:
    """Every LIP video refused alike (a liveness check first), but a never-issued code's request,
    which lands on the QPS limit, throttled with HTTP 429 (E-045): a control throttled tells
    nothing (the session 26 review's counter-example: FH-L07 and FH-L22 failed it)."""
    face = mutant_match._face(x)
    if x.path in mutant_match._COMPARE and face and face.get("videoType") == "LIP":
        if isinstance(x.answer, dict) and x.answer.get("errcode") == 40012:
            x.status, x.answer = 429, {"errcode": 42900, "errmsg": "请求过于频繁", "data": {}}
        else:
            x.status, x.answer = 200, {"errcode": 7301, "errmsg": "lip check failed", "data": {}}


def test_a_lip_refusal_with_a_throttled_control_fails_no_livecode_probe(contract) -> None:
    settings = build_settings(engine="fast", readings={"E-014": "own-codes"}, **emulator_settings())
    app = same_photos(create_app(settings, contract=contract))
    defect = mutant_match.Defect("x", "x", after=_every_lip_refused_control_throttled)
    with EmulatorServer(mutant_match.mutant(app, defect)) as url:
        with probe_session(contract, "match", url) as session:
            found, _ = run_probes_alone(session, ("FH-L43", "FH-L07", "FH-L22"))
    assert not found, found


def _busy_on_charset(x: Any) -> None:
    """The engine busy (50000 系统错误, retryable) on the request that carried a charset."""
    if x.path in mutant_match._COMPARE and "charset" in x.headers.get("content-type", ""):
        x.status, x.answer = 200, {"errcode": 50000, "errmsg": "引擎繁忙,请稍后重试", "data": {}}


def test_fh_l35_takes_a_transient_refusal_for_no_fault_of_the_header(contract) -> None:
    """Session 26 review: FH-L35 counted any refusal of the charset request but throttling as the
    header's; an engine busy (a retryable, internal code) says nothing of the header."""
    settings = build_settings(engine="fast", **emulator_settings())
    app = same_photos(create_app(settings, contract=contract))
    defect = mutant_match.Defect("x", "x", after=_busy_on_charset)
    with EmulatorServer(mutant_match.mutant(app, defect)) as url:
        with probe_session(contract, "match", url) as session:
            found, _ = run_probes_alone(session, ("FH-L35",))
    assert not found, found


def test_fh_s02_takes_an_async_refusal_for_e_013_only_when_async_is_refused_throughout(contract):
    """Session 27 review: FH-S02 called any input refusal of an async-true request E-013's
    reading (refused-without-callback); a service capping async bodies at 120 kB
    (async-big-refused) takes the small canonical /match with async true, so its refusal of a
    big one is a finding; the legit service refusing async true throughout keeps the reading.
    One request a run asks it."""
    from fixtures.legit_variants import serve_variant

    from harness.conformance._st_checks import async_refused
    from harness.contract import read_answer

    refusal = read_answer(contract, "match", 200, {"errcode": 40004, "errmsg": "参数不合法"})
    body = {"async": True}
    for serving, reading in (
        (serve("async-big-refused", contract), False),
        (serve_variant("async-callback-input-code", contract), True),
    ):
        with serving as url, probe_session(contract, "match", url) as session:
            assert async_refused(body, refusal, session.small_async_taken) is reading
            assert async_refused(body, refusal, session.small_async_taken) is reading
            assert session.tracker.budget.used == 1
