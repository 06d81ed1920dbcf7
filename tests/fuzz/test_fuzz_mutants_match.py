"""Fuzz's faceless-never-matched sends what conformance's FH-L26 and FH-L27 send (a picture or video
of no one, right after a comparison that matches) and asks the same verdicts (``scored_as_same``,
``idno_verified``): each mutant of tests/fixtures/mutant_match.py those probes catch, which
`fuzz --seed 1` missed at b642650, is a problem now, and the emulator behind the same middleware
none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.cli import DEMO_ENV
from fixtures.mutant_match import DEFECTS, serve
from hypothesis import HealthCheck, given, settings

from harness.clients import DEMO
from harness.clients._auth import Given, How
from harness.fuzz import FuzzClient, replay_finding
from harness.fuzz._checks import check_answer, outcome
from harness.fuzz._invalid import InvalidCase, invalid_cases, mutators_for, pins_for
from harness.fuzz._pool import image_pool
from harness.fuzz._properties import faceless_matched, faceless_request
from harness.fuzz._rules import Codes
from harness.fuzz._valid import Gen, match_pair

from .conftest import explain, fuzz

# (defect, the mode of faceless-never-matched that shows it, the rule whose verdict names it)
CASES = [
    ("match-image-compared-with-itself", "image", "FH-L26"),
    ("match-facedata-compared-with-itself", "faceData", "FH-L26"),
    ("match-answers-previous-result", "faceData", "FH-L26"),
    ("extdata-merged-into-result", "extData", "FH-L26"),
    ("match-video-unused", "video", "FH-L27"),
    ("idno-video-unused", "idno-video", "FH-L27"),
]


@pytest.fixture(scope="module")
def gen(contract: Any) -> Gen:
    return Gen(contract, image_pool())


_URL = {"is_emulator": False, "max_examples": 5, "max_rps": 0}  # `fuzz --target URL --max-rps 0`


def _problems(url: str, gen: Gen, mode: str) -> list[str]:
    face, faceless = gen.pool.faces[0], gen.pool.synthetic[0]
    request = faceless_request(gen, mode, face, faceless)
    with FuzzClient(url, credentials=DEMO, contract=None) as client:
        client.send(match_pair(gen, face, face))  # a match first, as the property sends
        exchange = client.send(request)
    found = outcome(client.contract, request, exchange)
    return [
        f"{p.rule}: {p.message}" for p in faceless_matched(gen.contract, request, found, exchange)
    ]


@pytest.mark.parametrize(("defect", "mode", "rule_id"), CASES, ids=[c[0] for c in CASES])
def test_each_faceless_defect_is_a_fuzz_problem(contract, gen, defect, mode, rule_id):
    assert DEFECTS[defect].quote
    with serve(defect, contract) as url:
        found = _problems(url, gen, mode)
    assert found and all(f.startswith(f"{rule_id}: ") for f in found), found


def test_a_short_fuzz_run_names_the_defect_and_the_emulator_nothing(
    contract, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The property in a short `fuzz --target URL` run: every mode is pinned, so seed 1 and five
    examples send each; the control gets no finding, a mutant the rule's, and its replay judges
    it as the run did."""
    options = dict(is_emulator=False, api="match", max_examples=5, max_rps=0)
    only = ["match:faceless-never-matched"]
    with serve(None, contract) as url:
        result = fuzz(url, tmp_path / "control", only=only, **options)
    assert result.findings == [], explain(result)
    monkeypatch.setenv("FACEHARNESS_TOKEN", DEMO.token)  # the replay's credentials
    with serve("match-video-unused", contract) as url:
        result = fuzz(url, tmp_path / "mutant", only=only, **options)
        assert {f.rule_id for f in result.findings} == {"FH-L27"}, explain(result)
        replayed = replay_finding(next((tmp_path / "mutant" / "findings").glob("F-*.json")))
    assert replayed.still_failing and "SILENT video" in replayed.detail, replayed.detail


def test_an_unknown_facedata_type_is_sent_on_each_comparison_whatever_the_seed(contract, gen):
    """enum-outside pins faceData.type on /match and /idno (conformance's FH-L14, FH-L30): a
    service reading it only for "video" (unknown-type-accepted) is found by any seed; before, a
    seed drew it or not among every enum of every operation."""
    cases = _pinned(contract, gen, ("match", "matchIdno"), "enum-outside")
    assert {(c.request.operation, c.field) for c in cases} == {
        ("match", "faceData.type"),
        ("matchIdno", "faceData.type"),
    }
    on_match = next(c for c in cases if c.request.operation == "match")
    with serve("unknown-type-accepted", contract) as url:
        with FuzzClient(url, credentials=DEMO, contract=None) as client:
            exchange = client.send(on_match.request)
    problems = check_answer(contract, on_match.request, exchange, case=on_match, strict=False)
    assert any(p.check == "invalid_refused" for p in problems), problems


def _pinned(
    contract: Any, gen: Gen, operations: tuple[str, ...], mutator: str
) -> list[InvalidCase]:
    """One case of ``mutator`` per pin (each mode it always sends, whatever the seed)."""
    pairs = tuple(mutators_for("match", operations, (mutator,)))
    cases: list[InvalidCase] = []
    for pin in pins_for(gen, pairs):

        @settings(max_examples=1, database=None, suppress_health_check=list(HealthCheck))
        @given(invalid_cases(gen, Codes(contract), pairs, pin))
        def collect(case: InvalidCase) -> None:
            cases.append(case)

        collect()
    return cases


def test_an_unknown_token_spelt_bearer_is_sent_and_refused(contract, gen):
    """bad-token pins an unknown token spelt ``Bearer <token>`` (as conformance's FH-A17): a
    service taking any bearer value (bearer-any-token-accepted) is found by any seed."""
    cases = _pinned(contract, gen, ("match",), "bad-token")
    [bearer] = [c for c in cases if c.request.auth.token == How.BEARER]
    with serve("bearer-any-token-accepted", contract) as url:
        with FuzzClient(url, credentials=DEMO, contract=None) as client:
            exchange = client.send(bearer.request)
    problems = check_answer(contract, bearer.request, exchange, case=bearer, strict=False)
    assert any(p.check == "invalid_refused" for p in problems), problems


def test_fuzz_runs_fh_a23_and_its_replay_draws_as_conformances(
    contract, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Session 25: a service refusing the liveCodes it issued with a leading 0 (one in ten:
    livecode-leading-zero-refused) was conform's FH-A23 alone; fuzz's rule-probes run it now, and
    its finding replays. A replay drawing no code beginning with 0 draws as conformance's replay
    does (up to 60) and is inconclusive, never "fixed" (run_probe's ``replaying``)."""
    from harness.conformance import _probes

    for name, value in DEMO_ENV.items():  # the replay's credentials
        monkeypatch.setenv(name, value)
    only = ["match:rule-probes/FH-A23"]
    with serve("livecode-leading-zero-refused", contract) as url:
        result = fuzz(url, tmp_path, api="match", only=only, **_URL)
        assert {(f.rule_id, f.basis) for f in result.findings} == {("FH-A23", "seed")}, explain(
            result
        )
        path = next((tmp_path / "findings").glob("F-*.json"))
        again = replay_finding(path)
        drawn: list[str] = []

        def no_zero(p: Any) -> str:
            drawn.append("1234")
            return "1234"

        monkeypatch.setattr(_probes, "_digit_code", no_zero)
        unjudged = replay_finding(path)
    assert again.still_failing, again.detail
    assert not unjudged.still_failing and not unjudged.judged, unjudged
    assert len(drawn) == _probes.LEADING_ZERO_REPLAY_DRAWS, len(drawn)


def test_an_empty_token_is_sent_and_refused(contract, gen):
    """bad-token pins an Authorization header sent empty (round 14, as conformance's FH-A17): a
    service checking the token only when it is truthy (empty-token-accepted) is found by any
    seed; before, fuzz sent a missing header and unknown tokens alone."""
    cases = _pinned(contract, gen, ("match",), "bad-token")
    [empty] = [c for c in cases if c.request.auth.token == Given("")]
    with serve("empty-token-accepted", contract) as url:
        with FuzzClient(url, credentials=DEMO, contract=None) as client:
            exchange = client.send(empty.request)
    problems = check_answer(contract, empty.request, exchange, case=empty, strict=False)
    assert any(p.check == "invalid_refused" for p in problems), problems


def test_a_comparison_sent_async_without_a_token_is_refused(contract, gen):
    """bad-token pins a /match without a token sent with async true (round 15, as conformance's
    FH-A17): a service whose async path skips the token check (async-token-unchecked) answered
    it errcode 0, and no seed sent async true with a bad token."""
    cases = _pinned(contract, gen, ("match",), "bad-token")
    [queued] = [c for c in cases if c.request.json.get("async") is True]
    assert queued.request.auth.token == How.ABSENT, queued.request.auth
    with serve("async-token-unchecked", contract) as url:
        with FuzzClient(url, credentials=DEMO, contract=None) as client:
            exchange = client.send(queued.request)
    problems = check_answer(contract, queued.request, exchange, case=queued, strict=False)
    assert any(p.check == "invalid_refused" for p in problems), problems


def test_a_token_as_long_as_the_valid_one_is_sent_and_refused(contract, gen):
    """bad-token pins the valid token with a character in its middle changed (round 16, as
    conformance's FH-A17): a service checking the token's length alone
    (token-same-length-accepted) answered it errcode 0; fuzz's other tokens are longer, shorter
    or unknown values of another length."""
    cases = _pinned(contract, gen, ("match",), "bad-token")
    [changed] = [c for c in cases if c.request.auth.token == How.LAST_DIGIT]
    with serve("token-same-length-accepted", contract) as url:
        with FuzzClient(url, credentials=DEMO, contract=None) as client:
            exchange = client.send(changed.request)
    problems = check_answer(contract, changed.request, exchange, case=changed, strict=False)
    assert any(p.check == "invalid_refused" for p in problems), problems


@pytest.mark.parametrize(
    ("defect", "field"),
    [
        ("match-missing-type-accepted", "faceData.type"),
        ("match-facedata-without-data-accepted", "faceData.data"),
        ("match-without-facedata-accepted", "faceData"),  # round 18: conform missed it too
    ],
)
def test_a_match_facedata_without_a_required_part_is_sent_and_refused(contract, gen, defect, field):
    """missing-field pins faceData's type and data on each comparison (round 16, as
    conformance's FH-L14): a /match service taking a faceData without them passed seed 1's
    five examples, which drew other fields; and /match's faceData itself (round 18: a service
    comparing the image with itself passed)."""
    cases = _pinned(contract, gen, ("match", "matchIdno"), "missing-field")
    assert {(c.request.operation, c.field) for c in cases} >= {
        ("match", "faceData.type"),
        ("match", "faceData.data"),
        ("matchIdno", "faceData.type"),
        ("matchIdno", "faceData.data"),
        ("match", "faceData"),
    }
    [case] = [c for c in cases if (c.request.operation, c.field) == ("match", field)]
    with serve(defect, contract) as url:
        with FuzzClient(url, credentials=DEMO, contract=None) as client:
            exchange = client.send(case.request)
    problems = check_answer(contract, case.request, exchange, case=case, strict=False)
    assert any(p.check == "invalid_refused" for p in problems), problems


def test_a_jwt_token_changed_in_its_middle_is_what_a_jwt_service_refuses(contract, gen):
    """Session 27 review: bad_token:lastdigit changed a JWT's last character, unused base64url
    bits a signature check ignores, and a JWT service (legit variant jwt-token) took it as the
    valid token: a false invalid_refused. The changed character is now one in the middle."""
    from fixtures.legit_variants import JWT_TOKEN, serve_variant

    creds = DEMO.model_copy(update={"token": JWT_TOKEN})
    cases = _pinned(contract, gen, ("match",), "bad-token")
    [changed] = [c for c in cases if c.request.auth.token == How.LAST_DIGIT]
    with serve_variant("jwt-token", contract) as url:
        with FuzzClient(url, credentials=creds, contract=None) as client:
            exchange = client.send(changed.request)
    assert not check_answer(contract, changed.request, exchange, case=changed, strict=False)


def test_an_async_refusal_of_a_big_body_alone_is_no_reading(contract, gen):
    """Session 27 review: E-013's reading (a service refusing async true, legit
    async-callback-input-code) excused any input refusal of an async-true request, so a service
    capping async bodies at 120 kB (async-big-refused) passed fuzz's valid requests; the small
    canonical /match with async true, taken, tells the refusal is the request's own. The legit
    service, refusing it too, still follows the reading."""
    from fixtures.legit_variants import serve_variant

    from harness.contract import ReadingLog
    from harness.fuzz._checks import refused_as_invalid, small_async_taken
    from harness.fuzz._pool import PoolImage, render

    name = "builtin:eileen_collins_jpeg"  # 75 kB: two of them are 200 kB of JSON
    big = PoolImage(name, render(name, None), gen.pool.faces[0].identity)
    request = match_pair(gen, big, big).with_json(("async",), True)
    assert len(request.body_bytes()) > 120_000
    for serving, caught in (
        (serve("async-big-refused", contract), True),
        (serve_variant("async-callback-input-code", contract), False),
    ):
        with serving as url, FuzzClient(url, credentials=DEMO, contract=None) as client:
            exchange = client.send(request)
            found = outcome(contract, request, exchange)
            assert found is not None and found.category == "input", found
            readings = ReadingLog()
            problems = refused_as_invalid(
                contract,
                found,
                exchange=exchange,
                request=request,
                readings=readings,
                small_async_taken=lambda: small_async_taken(
                    gen, lambda r: (e := client.send(r), outcome(contract, r, e))
                ),
            )
        assert [p.check for p in problems] == (["valid_request_accepted"] if caught else []), (
            problems
        )


def test_a_fuzz_run_with_the_face_set_finds_async_bodies_refused_by_size(
    contract, tmp_path: Path, faces_dir: Path
):
    """The same in a short `fuzz --target URL --faces DIR` run: its photos make valid async-true
    comparisons over 120 kB, which async-big-refused refuses (missed at d22374b: the reading)."""
    with serve("async-big-refused", contract) as url:
        result = fuzz(
            url,
            tmp_path,
            only=["match:valid-requests", "match:self-match"],
            faces_dir=faces_dir,
            **_URL | {"max_examples": 10},
        )
    assert any(f.check == "valid_request_accepted" for f in result.findings), explain(result)
