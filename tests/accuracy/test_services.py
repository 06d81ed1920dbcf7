"""How answers of both APIs become outcomes, and when a run stops calling a target."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace
from typing import Any

import pytest

from harness.accuracy._data import Outcome, PairImages
from harness.accuracy._run import FTA_CATEGORIES, ServiceCompare, outcome_of
from harness.contract import read_answer
from harness.errors import TargetError

from .conftest import image


def _match(errcode: int, result: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"errcode": errcode, "errmsg": "x"}
    if result is not None:
        body["data"] = {"status": "SUCCESS", "traceNo": "1", "result": result}
    return body


def _jd(gateway: str = "10000", **result: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": gateway, "msg": "查询成功"}
    if result:
        body["result"] = {"msg": "m", "serialNo": "s", "timestamp": 1, **result}
    return body


def classify_match(body: dict[str, Any], contract: Any) -> Outcome:
    return outcome_of(read_answer(contract, "match", 200, body))


def classify_jd(body: dict[str, Any], contract: Any) -> Outcome:
    return outcome_of(read_answer(contract, "jd", 200, body))


def test_match_success_parses_the_string_score(contract: Any) -> None:
    got = classify_match(_match(0, {"success": "false", "score": "61"}), contract)
    assert got == Outcome(score=61.0, decision=False, code="0", category="ok")
    got = classify_match(_match(0, {"success": "true", "score": "99.5"}), contract)
    assert (got.score, got.decision, got.category) == (99.5, True, "ok")


@pytest.mark.parametrize(
    "result",
    [None, {}, {"score": "high"}, {"score": "nan"}],
    ids=["no-data", "no-score-no-decision", "not-a-number", "nan"],
)
def test_match_success_without_a_usable_score_is_an_error(
    contract: Any, result: dict[str, Any] | None
) -> None:
    assert classify_match(_match(0, result), contract).category == "error"


@pytest.mark.parametrize("success", ["true", "false"])
def test_match_decision_without_a_score_is_a_comparison(contract: Any, success: str) -> None:
    """/match `score | String | 否` (E-011): a service may answer success alone; the pair was
    compared, and the claims count its score as unknown."""
    got = classify_match(_match(0, {"success": success}), contract)
    assert got == Outcome(score=None, decision=success == "true", code="0", category="ok")
    # a score that is no number beside the decision: the decision counts, the score is unknown
    # (session 29, match-comma: "85,50" read "no usable answer", the run stopped with exit 2)
    for text in ("85,50", "NaN"):
        got = classify_match(_match(0, {"success": success, "score": text}), contract)
        assert got == Outcome(None, success == "true", "score unreadable", "ok"), text


def test_every_internal_code_is_classified_by_its_category(contract: Any) -> None:
    codes = [c for c in contract.codes.of("match", "errcode") if c.category != "success"]
    assert any(c.category in FTA_CATEGORIES for c in codes)
    for code in codes:
        got = classify_match(_match(int(code.code)), contract)
        expected = "fta" if code.category == "image_quality" else "error"
        assert (got.code, got.category) == (code.code, expected), code.describe()
    assert classify_match(_match(49999), contract).category == "error"  # not in the table


def test_jd_same_and_different_person_are_both_comparisons(contract: Any) -> None:
    same = classify_jd(_jd(code=0, result=True, score=0.93), contract)
    assert same == Outcome(score=0.93, decision=True, code="0", category="ok")
    other = classify_jd(
        _jd(code=contract.jd_not_same_person_code, result=False, score=0.61), contract
    )
    assert (other.decision, other.category, other.code) == (False, "ok", "1155")


def test_every_jd_business_code_is_classified_by_its_category(contract: Any) -> None:
    not_same = str(contract.jd_not_same_person_code)
    too_low = contract.code_named("jd", "score_too_low")  # a non-match (E-044), tested below
    codes = [
        c
        for c in contract.codes.of("jd", "business")
        if c.category != "success" and c.code not in (not_same, str(too_low))
    ]
    for code in codes:
        got = classify_jd(_jd(code=int(code.code)), contract)
        expected = "fta" if code.category == "image_quality" else "error"
        assert got.category == expected, code.describe()
    fta = {c.code for c in codes if c.category == "image_quality"}
    assert {"1152", "1172", "103", "1171", "1173"} <= fta  # no face, several, small, blur, pose


def test_jd_score_too_low_is_a_non_match(contract: Any) -> None:
    """`1115 采集照对比分值过低,未通过!` answers valid data: not passed (E-044), not an error, with
    or without its score (E-023: a business error may hold only code and msg)."""
    code = contract.code_named("jd", "score_too_low")
    assert classify_jd(_jd(code=code, result=False, score=0.61), contract) == Outcome(
        score=0.61, decision=False, code=str(code), category="ok"
    )
    assert classify_jd(_jd(code=code), contract) == Outcome(None, False, str(code), "ok")


OFF = Outcome(None, None, "score out of range", "error")


@pytest.mark.parametrize(
    ("api", "body", "decision"),
    [
        ("match", _match(0, {"success": "true", "score": "1e308"}), True),
        ("match", _match(0, {"success": "true", "score": "100.5"}), True),
        ("match", _match(0, {"success": "false", "score": "-1"}), False),
        ("jd", _jd(code=0, result=True, score=1e308), True),
        ("jd", _jd(code=1155, result=False, score=1.5), False),
        ("jd", _jd(code=0, result=True, score=85), True),  # a 0..100 scale where 0..1 is documented
        ("jd", _jd(code=1115, result=False, score=-0.2), False),  # score_too_low, E-044
    ],
    ids=["match-1e308", "match-100.5", "match-neg", "jd-1e308", "jd-1.5", "jd-85", "jd-1115-neg"],
)
def test_a_score_off_the_documented_scale_is_no_score_but_the_decision_counts(
    contract: Any, api: str, body: dict[str, Any], decision: bool
) -> None:
    """A finite score outside /match's 0..100 or JD's 0..1 (E-004) is no score on the scale the
    claims are about: never read as a match or a non-match at a threshold, counted apart (its
    code). The decision sent with it is still the service's answer: JD's ``result`` counts for
    ``jd.result`` (the conformance rule on the range is the one that fails the scale)."""
    assert outcome_of(read_answer(contract, api, 200, body)) == Outcome(
        None, decision, "score out of range", "ok"
    )


def test_a_score_off_the_scale_without_a_decision_is_no_answer(contract: Any) -> None:
    assert classify_match(_match(0, {"score": "150"}), contract) == OFF
    assert classify_jd(_jd(code=0, score=85), contract) == OFF


def test_jd_score_that_is_no_number_counts_by_its_result(contract: Any) -> None:
    """The score unknown, the ``result`` sent with it still the service's decision (session 29:
    it read as no usable answer, and a run of them stopped with exit 2)."""
    got = classify_jd(_jd(code=0, result=True, score="high"), contract)
    assert (got.score, got.decision, got.category, got.code) == (
        None,
        True,
        "ok",
        "score unreadable",
    )
    assert classify_jd(_jd(code=0, score="high"), contract).category == "error"


def test_jd_gateway_failures_and_missing_results_are_errors(contract: Any) -> None:
    for code in [c.code for c in contract.codes.of("jd", "gateway") if c.category != "success"]:
        got = classify_jd(_jd(gateway=code), contract)
        assert (got.code, got.category) == (f"gateway:{code}", "error")
    assert classify_jd(_jd(), contract) == Outcome(None, None, "malformed", "error")


class Scripted(ServiceCompare):
    """A ServiceCompare whose answers are given in advance (the stop rules are the subject)."""

    def __init__(self, outcomes: list[Outcome], contract: Any, api: str, heard: bool) -> None:
        self.client = SimpleNamespace(api=api, contract=contract)  # type: ignore[assignment]
        self.target, self.outcomes, self.last_error = "T", list(outcomes), None
        self._streak, self._answered, self._heard, self.hears = 0, False, False, heard
        self.waited, self._unanswered = 0.0, 0  # no timeouts waited for: compare() is scripted

    def compare(self, pair: PairImages, *, swapped: bool = False) -> Outcome:
        self._heard = self._heard or self.hears  # as compare() records an HTTP answer
        return self.outcomes.pop(0)


PAIR = PairImages(image("a", "1"), image("b", "2"), genuine=False)
OK = Outcome(50.0, False, "0")
TRANSPORT = Outcome(None, None, "transport", "error")


def _guard(
    outcomes: list[Outcome], contract: Any, api: str = "match", *, heard: bool = True
) -> ServiceCompare:
    """``heard``: whether the calls got an HTTP answer (an error code, a 503) or none at all."""
    return Scripted(outcomes, contract, api, heard)


def test_bad_credentials_stop_at_once(contract: Any) -> None:
    guard = _guard([OK, Outcome(None, None, "40002", "error")], contract)
    guard(PAIR)
    with pytest.raises(TargetError, match="refused the credentials"):
        guard(PAIR)
    jd = _guard([Outcome(None, None, "gateway:10047", "error")], contract, api="jd")
    with pytest.raises(TargetError, match="invalid sign"):
        jd(PAIR)


def test_spent_daily_quota_stops_but_throttling_does_not(contract: Any) -> None:
    guard = _guard([OK, Outcome(None, None, "gateway:10043", "error"), OK], contract, api="jd")
    assert [guard(PAIR).category for _ in range(3)] == ["ok", "error", "ok"]
    spent = _guard([OK, Outcome(None, None, "gateway:10040", "error")], contract, api="jd")
    spent(PAIR)
    with pytest.raises(TargetError, match="quota spent.*resume"):
        spent(PAIR)


def test_errors_before_any_answer_stop_early_then_only_long_streaks(contract: Any) -> None:
    never = _guard([TRANSPORT] * 3, contract, heard=False)  # no HTTP answer: nobody serves it
    never(PAIR), never(PAIR)
    with pytest.raises(TargetError, match="no usable match answer in 3 calls"):
        never(PAIR)

    # errcode 0 without a usable score (E-011: /match always returns one) says so, not "success"
    unscored = _guard([Outcome(None, None, "0", "error")] * 10, contract)
    for _ in range(9):
        unscored(PAIR)
    with pytest.raises(TargetError, match=r"10 calls \(last: success without a usable score\)"):
        unscored(PAIR)

    off = _guard([OFF] * 10, contract, "jd")
    for _ in range(9):
        off(PAIR)
    with pytest.raises(TargetError, match=r"\(last: a score outside the documented 0\.\.1\)"):
        off(PAIR)

    flaky = _guard([OK, *[TRANSPORT] * 9, OK, *[TRANSPORT] * 10], contract)
    for _ in range(20):
        flaky(PAIR)  # nine in a row after an answer, then an answer resets the streak
    with pytest.raises(TargetError, match="10 match errors in a row") as stopped:
        flaky(PAIR)
    assert "--codes" not in str(stopped.value)  # no code at all: nothing for a table to name

    # a code no table names may be the service's own "no face" (E-014): say how to name it
    own = _guard([OK, *[Outcome(None, None, "46001", "error")] * 10], contract)
    for _ in range(10):
        own(PAIR)
    with pytest.raises(TargetError, match=r"46001\); if that code is the service's "
                       r"own refusal of an image .* name it in --codes"):  # fmt: skip
        own(PAIR)


def test_a_cold_start_answering_errors_first_is_not_stopped(contract: Any) -> None:
    """A service whose first answers are errors (a 503 while it warms up, an internal error
    code) answered: three of those are chance for a flaky service, so only 10 in a row stop."""
    internal = Outcome(None, None, "50000", "error")
    cold = _guard([TRANSPORT, TRANSPORT, internal, *[TRANSPORT] * 5, OK], contract)
    assert [cold(PAIR).category for _ in range(9)] == ["error"] * 8 + ["ok"]


@pytest.mark.parametrize(("status", "stops_at"), [(0, 3), (503, 10)], ids=["silent", "503"])
def test_compare_tells_an_http_answer_from_none(contract: Any, status: int, stops_at: int) -> None:
    """compare() itself records whether a call got an HTTP answer: none (a timeout, no
    connection) stops after 3 calls, a 503 only after 10 in a row."""
    from harness.clients import Exchange, TransportFailure
    from harness.pacing import Budget

    def envelope(exchange: Exchange, operation: str) -> dict[str, Any]:
        raise TransportFailure("no usable answer")

    client = SimpleNamespace(
        api="match",
        contract=contract,
        budget=Budget(0),
        ask=lambda operation, body: Exchange(status=status),
        envelope=envelope,
    )
    from harness.faces import PoolImage

    jpeg = PoolImage("a.jpg", b"\xff\xd8\xff\xe0" + b"0" * 16)
    payloads = SimpleNamespace(payload=lambda image: jpeg)
    compare = ServiceCompare(client, payloads, target="T", sleep=lambda s: None)  # type: ignore[arg-type]
    for _ in range(stops_at - 1):
        assert compare(PAIR).category == "error"
    with pytest.raises(TargetError, match=f"no usable match answer in {stops_at} calls"):
        compare(PAIR)


@pytest.mark.parametrize(
    ("cause", "calls", "slept"),
    [("read", 4, [5.0, 10.0, 5.0]), ("connect", 3, [])],
    ids=["hang", "refused"],
)
def test_timeouts_before_any_answer_get_a_bounded_patience(
    contract: Any, cause: str, calls: int, slept: list[float]
) -> None:
    """Timeouts on an accepted connection before any answer (a backlog draining) are sent again
    after pauses totalling 2 request timeouts, nothing sent meanwhile; a service that never
    answers still stops (a hang: exit 2), after 4 calls. A refused connection gets no patience."""
    import httpx

    from harness.clients import Exchange, TransportFailure
    from harness.faces import PoolImage
    from harness.pacing import Budget

    error = httpx.ReadTimeout("slow") if cause == "read" else httpx.ConnectError("refused")
    sent: list[str] = []

    def ask(operation: str, body: Any) -> Exchange:
        sent.append(operation)
        return Exchange(status=0, cause=error)

    def envelope(exchange: Exchange, operation: str) -> dict[str, Any]:
        raise TransportFailure("no answer")

    client = SimpleNamespace(
        api="match", contract=contract, budget=Budget(0), ask=ask, envelope=envelope, timeout_s=10.0
    )
    jpeg = PoolImage("a.jpg", b"\xff\xd8\xff\xe0" + b"0" * 16)
    payloads = SimpleNamespace(payload=lambda image: jpeg)
    pauses: list[float] = []
    compare = ServiceCompare(client, payloads, target="T", sleep=pauses.append)  # type: ignore[arg-type]
    with pytest.raises(TargetError, match=f"no usable match answer in {calls} calls") as stopped:
        for _ in range(calls):
            compare(PAIR)
    assert len(sent) == calls and pauses == slept
    assert ("20 s of pauses for a backlog" in str(stopped.value)) == bool(slept)


def test_a_documented_deterministic_refusal_is_cached_and_not_sent_again(
    contract: Any, tmp_path: Any
) -> None:
    """40005 (image data unusable, not retryable) refuses these bytes again next time: cached
    like an answer, so a re-run does not bill it again; a 50000 (internal, retryable) is not."""
    from harness.accuracy._data import OutcomeCache
    from harness.accuracy._result import run_accuracy
    from harness.accuracy._run import _notes

    refused, internal = Outcome(None, None, "40005", "error"), Outcome(None, None, "50000", "error")
    pairs = [PairImages(image("a", f"a{n}"), image("b", f"b{n}"), genuine=False) for n in range(3)]
    guard = _guard([refused, internal, OK], contract)
    assert not guard.final(refused)  # a live service: 40005 is faceharness' guess (E-014)
    guard.trusts_codes = True  # the emulator's own table
    with OutcomeCache(tmp_path / "c.jsonl") as cache:
        first = run_accuracy(pairs, guard, cache=cache, claims=[], target="T", api="match",
                             keeps=guard.final)  # fmt: skip
    assert first.run["final_errors"] == 1
    assert "2 pair(s) got no usable answer (see codes); 1 of them are retried" in " ".join(
        _notes(first, 0, "match", contract)
    )
    again = _guard([OK], contract)  # only the pair refused for the moment is sent again
    again.trusts_codes = True
    with OutcomeCache(tmp_path / "c.jsonl") as cache:
        second = run_accuracy(pairs, again, cache=cache, claims=[], target="T", api="match",
                              keeps=again.final)  # fmt: skip
        kept = [cache.get("T", "match", pair.key) for pair in pairs]
    assert refused in kept and internal not in kept
    assert (second.run["calls"], second.run["from_cache"]) == (1, 2)
    assert second.codes == {"40005": 1, "0": 2}
    jd = _guard([], contract, "jd")
    assert jd.final(Outcome(None, None, "100", "error"))  # JD's invalid parameter
    # review of session 18: risk control, the account and its configuration are not the bytes'
    # review of session 24: one attribute (codes.yaml ``about``) decides both what is cached and
    # what counts in FRR: liveness is about the images; 3000, 1103, 1109 about the caller
    for code in ("1159", "1107", "1162", "1109", "1103", "3000", "gateway:10003"):
        assert not jd.final(Outcome(None, None, code, "error")), code
    for code in ("43011", "1157", "1174", "1183"):
        assert jd.final(Outcome(None, None, code, "error")), code
    assert not jd.final(Outcome(None, None, "gateway:10020", "error"))  # system busy
    assert not jd.final(Outcome(None, None, "transport", "error"))


class Declining(Scripted):
    """A JD service comparing perfectly that declines ``declined`` pairs with ``code``."""

    def __init__(self, contract: Any, declined: set[str], code: str) -> None:
        super().__init__([], contract, "jd", True)
        self.declined, self.code = declined, code

    def compare(self, pair: PairImages, *, swapped: bool = False) -> Outcome:
        self._heard = True
        if pair.key in self.declined:
            return Outcome(None, None, self.code, "error")
        return Outcome(0.95 if pair.genuine else 0.1, pair.genuine, "0")


@pytest.mark.parametrize(("code", "in_frr"), [("1157", True), ("1159", False)])
def test_a_run_from_the_cache_counts_the_declines_the_live_run_did(
    contract: Any, tmp_path: Any, code: str, in_frr: bool
) -> None:
    """Review of session 24: a genuine pair declined with 1157 (attack detected) counted in the
    live run's FRR but was not cached (``final`` knew only its own list of codes), so the run
    re-judged from its cache (``--from-cache``, a resumed run) read a lower FRR. Both now read
    codes.yaml's ``about``: a refusal about the images is cached and counted alike."""
    from harness.accuracy._data import OutcomeCache
    from harness.accuracy._result import run_accuracy
    from harness.accuracy._stats import score_claims

    pairs = [PairImages(image(f"g{n}", f"g{n}a"), image(f"g{n}", f"g{n}b"), genuine=True)
             for n in range(6)]  # fmt: skip
    pairs += [PairImages(image(f"i{n}", "x"), image(f"j{n}", "y"), genuine=False) for n in range(6)]
    declined = {pairs[0].key, pairs[1].key, pairs[7].key}
    claims = score_claims("jd", {0.7: 1e-2})
    rows = []
    for cache_only in (False, True):
        live = Declining(contract, declined, code)
        with OutcomeCache(tmp_path / "c.jsonl") as cache:
            result = run_accuracy(pairs, live, cache=cache, claims=claims, target="T", api="jd",
                                  keeps=live.final, cache_only=cache_only,
                                  bootstrap_replicates=5)  # fmt: skip
        rows.append(result.thresholds[0])
    live_row, cached_row = rows
    assert live_row["frr_errors"] == (2 if in_frr else 0), live_row
    if in_frr:  # cached: the same FRR, from the same declines
        assert (cached_row["frr_errors"], cached_row["frr_trials"]) == (
            live_row["frr_errors"],
            live_row["frr_trials"],
        )
        assert cached_row["frr"] == live_row["frr"] and cached_row["declined"]["genuine"] == 2
    else:  # risk control is not cached (about the caller): sent again, in no FRR either way
        assert cached_row["frr_errors"] == 0 and cached_row["declined"]["genuine"] == 0


def test_off_scale_answers_are_counted_in_the_notes(contract: Any) -> None:
    from harness.accuracy._result import AccuracyResult
    from harness.accuracy._run import _notes

    errors = {
        "genuine": {"ok": 0, "fta": 0, "error": 1},
        "impostor": {"ok": 0, "fta": 0, "error": 2},
    }
    result = AccuracyResult(
        "jd", "t", {"genuine": 1, "impostor": 2}, errors, {"score out of range": 3}, [],
        None, None, None, {},
    )  # fmt: skip
    notes = _notes(result, 0, "jd", contract)
    assert notes[0].startswith("jd: 3 answer(s) carried a score outside the documented 0..1")
    assert "not read as a decision" in notes[0]
    assert "the result sent with it still counts (jd.result reads it" in notes[0]
    # /match's success is no match decision (E-011): the note said it "still counts" (round 11,
    # `logits`), where every claim of /match reads the score alone
    match = dataclasses.replace(result, api="match")
    (note,) = [n for n in _notes(match, 0, "match", contract) if "outside" in n]
    assert "still counts" not in note and "unknown at every score threshold" in note, note


def test_a_row_shows_frr_with_the_genuine_pairs_declined() -> None:
    """ISO/IEC 19795-1: FRR = FTA + FNMR (1 - FTA). 1 of 4 compared genuine pairs not matched
    and 4 more declined ("no face"): FNMR 1/4, FRR 5/8."""
    from harness.accuracy._result import _claim_row
    from harness.accuracy._stats import Claim

    genuine = [PairImages(image("p", f"g{n}"), image("p", f"h{n}"), genuine=True) for n in range(4)]
    ok = [(pair, Outcome(90.0 if n else 10.0, None, "0")) for n, pair in enumerate(genuine)]
    row = _claim_row(Claim("match.score>=70", 1e-3, 70.0), ok, {"genuine": 4, "impostor": 0})
    assert (row["fnmr"], row["frr"]) == (0.25, 0.625)
    assert (row["frr_errors"], row["frr_trials"]) == (5, 8)  # what the gate's max_frr reads
    assert row["frr_ci95"][0] < 0.625 < row["frr_ci95"][1]


@pytest.mark.parametrize(
    "scores", [(0.5, 0.5), (0.9, 0.2), (0.0, 0.0)], ids=["constant", "varied", "one-decision"]
)
def test_a_constant_score_is_noted_with_its_basis(
    contract: Any, tmp_path: Any, scores: Any
) -> None:
    """JD answering 0.5 for every pair, its result right: ties let E-061's check pass and the
    claim is judged on result, so only this note shows the score separates nothing (E-069).
    A score of 0 with every result false (audit round 15, identical-only: a byte comparator)
    gets the note without "its decisions differ", which it said of decisions all alike."""
    from harness.accuracy._data import OutcomeCache
    from harness.accuracy._result import run_accuracy
    from harness.accuracy._run import _notes

    pairs = [
        PairImages(image(f"p{n}", f"a{n}"), image(f"p{n}" if n < 6 else "q", f"b{n}"), n < 6)
        for n in range(12)
    ]
    outcomes = {
        p.key: Outcome(scores[not p.genuine], p.genuine and any(scores), "0") for p in pairs
    }
    with OutcomeCache(tmp_path / "c.jsonl") as cache:
        result = run_accuracy(pairs, lambda p: outcomes[p.key], cache=cache, claims=[],
                              target="T", api="jd", bootstrap_replicates=10)  # fmt: skip
    assert result.decisions is not None and result.decisions["against_score"] == 0
    noted = [n for n in _notes(result, 0, "jd", contract) if "E-069" in n]
    if scores[0] != scores[1]:
        assert noted == []
        return
    (note,) = noted
    assert note.startswith("jd: all 12 scored pairs, genuine and impostor alike, carried the same")
    assert "误识率为万分之一的阈值" in note
    assert ("by the tie at 0.5 (12 pairs)" in note) == any(scores), note
    assert ("its decisions differ" in note) == any(scores), note


def _throttling(
    contract: Any, *headers: dict[str, str], max_seconds: float = 0, status: int = 429
) -> Any:
    """A ServiceCompare on a fake clock over a client answering ``status`` (429) with each of
    ``headers`` in turn, then no HTTP answer (an error outcome: the waits are the subject)."""
    from harness.clients import Exchange, TransportFailure
    from harness.faces import PoolImage
    from harness.pacing import Budget

    now, slept = [0.0], []
    answers = [Exchange.read(contract, "match", status, h, b"") for h in headers]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    def envelope(exchange: Exchange, operation: str) -> dict[str, Any]:
        raise TransportFailure("no usable answer")

    client = SimpleNamespace(
        api="match",
        contract=contract,
        budget=Budget(0, max_seconds, clock=lambda: now[0]),
        ask=lambda operation, body: answers.pop(0) if answers else Exchange(status=0),
        envelope=envelope,
    )
    jpeg = PoolImage("a.jpg", b"\xff\xd8\xff\xe0" + b"0" * 16)
    payloads = SimpleNamespace(payload=lambda image: jpeg)
    compare = ServiceCompare(client, payloads, target="T", clock=lambda: now[0], sleep=sleep)  # type: ignore[arg-type]
    return compare, slept


@pytest.mark.parametrize(
    ("header", "asked"),
    [
        ({"retry-after": "3599"}, "3599"),
        ({"retry-after": "3600"}, "3600"),
        ({"retry-after": "86400"}, "86400"),
        ({"retry-after": "1" + "0" * 400}, "more than 1e308"),  # float() reads inf
        (  # an HTTP-date two hours after the answer's Date (a lockout dated by its end)
            {
                "retry-after": "Sun, 06 Nov 1994 10:49:37 GMT",
                "date": "Sun, 06 Nov 1994 08:49:37 GMT",
            },
            "7200",
        ),
    ],
    ids=["3599", "3600", "a-day", "huge", "date-2h"],
)
def test_a_retry_after_past_the_cap_stops_the_calls_without_waiting(
    contract: Any, header: dict[str, str], asked: str
) -> None:
    """A 429 with ``Retry-After: 3599`` slept 3599 s, up to 5 times a pair, with nothing to cap
    it without --max-seconds: the calls stop at once with the reason (the throttling stop, so
    the run judges what it measured); one within the cap is waited out, from the answer's Date.
    An hour or more was read as no Retry-After at all (the sender's reading for load), so a
    longer lockout got the ordinary back-off and five more calls before the 6-in-a-row stop,
    whose reason did not say the service asked to wait (audit round 8)."""
    from harness.accuracy._run import Throttled
    from harness.pacing import BudgetExhausted

    compare, slept = _throttling(contract, header, *[header] * 5)
    with pytest.raises(Throttled, match=f"asked to wait {asked} s"):
        compare(PAIR)
    assert slept == [] and f"{asked} s (Retry-After)" in (compare.stopped or "")

    dated = {
        "retry-after": "Sun, 06 Nov 1994 08:49:57 GMT",
        "date": "Sun, 06 Nov 1994 08:49:37 GMT",
    }
    compare, slept = _throttling(contract, {"retry-after": "20"}, dated)
    assert compare(PAIR).code == "transport" and compare.stopped is None
    assert slept == [20.0, 20.0]  # the date counted from the server's clock, not from now

    compare, slept = _throttling(contract, {"retry-after": "20"}, max_seconds=15)
    with pytest.raises(BudgetExhausted, match="time budget of 15 s"):
        compare(PAIR)  # never a wait past --max-seconds
    assert slept == []


def test_a_limiter_throttling_a_share_of_the_calls_is_paced_at_the_wait_it_asks(
    contract: Any,
) -> None:
    """Audit round 12, ``retry-after-date``: a correct service throttles every fourth call with
    ``Retry-After: 1`` whatever the pace. Each throttle doubled the gap kept between calls and
    three answers narrowed it by only 0.9 ** 3, so it grew to the 10 s cap: ten times the wait
    asked, hours for a 1,000-call run. The wait the service states is now the gap."""
    from harness.clients import Exchange

    compare, slept = _throttling(contract)
    calls = [0]
    throttled = Exchange.read(contract, "match", 429, {"retry-after": "1"}, b"")
    answered = Exchange.read(contract, "match", 200, {}, b"")

    def ask(operation: str, body: Any) -> Any:
        calls[0] += 1
        return throttled if calls[0] % 4 == 0 else answered

    result = {"success": "true", "score": "85"}
    compare.client.ask = ask
    compare.client.envelope = lambda *_: {"errcode": 0, "errmsg": "ok", "data": {"result": result}}
    assert [compare(PAIR).category for _ in range(40)] == ["ok"] * 40
    assert compare.throttled == 13 and compare.stopped is None
    assert max(slept) <= 1.0 and sum(slept) <= calls[0] * 1.0, slept  # before: 10 s a call


@pytest.mark.parametrize(("period", "most"), [(3.0, 6), (8.0, 10), (15.0, 24)])
def test_a_limiter_stating_a_wait_shorter_than_its_limit_is_paced_at_its_limit(
    contract: Any, period: float, most: int
) -> None:
    """Review of session 23: a limiter lets one call through every ``period`` s and answers
    every other with a fixed ``Retry-After: 1`` (a common constant). Taking that wait as the
    gap tried one pair 6 times 1 s apart and stopped the run after 2 pairs (8 s, 15 s), or sent
    87 throttled calls for 30 pairs (3 s, a live target's budget burnt). The stated wait is a
    floor: a gap as long that is throttled again doubles (296e8f7's pace, 8 s: 14 throttled)."""
    from harness.clients import Exchange

    compare, slept = _throttling(contract)
    last = [-math.inf]
    throttled = Exchange.read(contract, "match", 429, {"retry-after": "1"}, b"")
    answered = Exchange.read(contract, "match", 200, {}, b"")

    def ask(operation: str, body: Any) -> Any:
        if compare.clock() - last[0] < period:
            return throttled
        last[0] = compare.clock()
        return answered

    result = {"success": "true", "score": "85"}
    compare.client.ask = ask
    compare.client.envelope = lambda *_: {"errcode": 0, "errmsg": "ok", "data": {"result": result}}
    assert [compare(PAIR).category for _ in range(20)] == ["ok"] * 20  # before: Throttled
    assert compare.stopped is None and compare.throttled <= most, compare.throttled
    assert max(slept) <= compare.max_retry_after_s


def test_a_bare_503_asking_to_retry_later_is_throttling_not_an_error(contract: Any) -> None:
    """Audit round 11, ``shed-503``: a correct service behind a proxy's rate limit (nginx's
    ``limit_req``) answers a bare HTTP 503 with ``Retry-After: 1`` over 5/s. Each was an error,
    and ten in a row stopped ``accuracy --max-rps 0`` with exit 2; RFC 9110's temporary overload
    that says when to come back refuses the call, not the pair (E-057): waited out and sent
    again. Without ``Retry-After`` a 503 may be a failing backend and stays an error."""
    compare, slept = _throttling(contract, {"retry-after": "2"}, status=503)
    assert compare(PAIR).code == "transport" and (compare.throttled, compare.shed) == (1, 1)
    assert slept == [2.0]
    compare, slept = _throttling(contract, {}, status=503)
    assert compare(PAIR).category == "error" and compare.throttled == 0 and slept == []


@pytest.mark.parametrize(
    ("retry_after", "calls"), [("1", 6), ("3600", 1)], ids=["every-back-off", "lockout"]
)
def test_a_service_that_only_ever_answers_a_bare_503_could_not_run(
    contract: Any, retry_after: str, calls: int
) -> None:
    """Review of session 22: a service that is down behind a proxy answers every call an HTML
    503 with ``Retry-After: 1``. Read as throttling, it ended the run INCONCLUSIVE (exit 0),
    blaming the request or time budget; before, it stopped with exit 2 and one line. A run that
    never got a usable answer, only bare 503s, still could not run, with the same line."""
    compare, _ = _throttling(contract, *[{"retry-after": retry_after}] * calls, status=503)
    with pytest.raises(
        TargetError,
        match=rf"^T: no usable match answer in {calls} calls \(last: no usable answer\); "
        r"is the URL right and the service up\?$",
    ):
        compare(PAIR)
    assert compare.shed == compare.throttled == calls


def test_a_decision_that_changes_at_the_same_score_is_not_called_an_order_dependent_score() -> None:
    """Audit round 11, ``jd-coin-near-threshold``: JD's result drawn per call near the threshold,
    the score honest. Swapped, two decisions changed with a score difference of 0, and the
    finding read "the score depends on which image is sent as the reference": the score had not
    moved. A difference of the decision alone now says so; a score that moved keeps the text."""
    from harness.accuracy._repeat import repeat_findings

    def repeats(delta: float) -> dict[str, Any]:
        tally = {"compared": 4, "differ": 2, "decisions_differ": 2, "max_delta": delta}
        return {
            "pairs": 4, "tolerance": 1e-4, "again": {**tally, "differ": 0, "decisions_differ": 0},
            "swapped": tally, "examples": {"swapped": "ab12-cd34"},
        }  # fmt: skip

    (finding,) = repeat_findings("jd", "faceCompareNew", "T", repeats(0.0), "faceharness ...")
    assert finding.check == "order_free_score"
    assert "the score depends" not in finding.message
    assert "the decision changed at the same score" in finding.message, finding.message
    (finding,) = repeat_findings("jd", "faceCompareNew", "T", repeats(0.05), "faceharness ...")
    assert "the score depends on which image is sent as the reference" in finding.message


def test_a_code_that_is_a_lone_surrogate_is_counted_as_its_escape(contract: Any) -> None:
    """Hostile session 24 (surrogate_code): JSON's ``"\\udfff"`` as the code; accuracy counted
    pairs by it and ended writing its summary (pydantic and UTF-8 refuse a lone surrogate)."""
    for body, code in (({"errcode": "\udfff"}, "\\udfff"), (_jd("\ud800"), "gateway:\\ud800")):
        got = outcome_of(read_answer(contract, "jd" if "code" in body else "match", 200, body))
        assert got.code == code and got.category == "error", got


def test_every_repeat_answer_deciding_an_impostor_pair_is_one_more_trial() -> None:
    """Review of session 25 (ERRATA E-098): a repeat answer (asked again, swapped) counted as
    an impostor comparison only when it decided otherwise than the first, so a borderline pair
    crossing the threshold once added a false match in one trial while the repeats that agreed
    added none: 8 repeats, 1 crossing, counted 1 of 1. Every swapped answer that decides counts;
    a service answering alike each time is judged exactly as without its repeats. One asked
    again in the same order is the same comparison, no trial, unless the service decides per
    call (review of session 26: a deterministic service's repeats were counted twice)."""
    from harness.accuracy._result import _claim_row
    from harness.accuracy._stats import Claim

    claim = Claim("match.score>=70", 1e-3, 70.0)
    impostors = [PairImages(image(f"p{n}", "a"), image(f"q{n}", "b"), False) for n in range(60)]
    ok = [(p, Outcome(10.0, None, "0")) for p in impostors[:-1]]
    border = impostors[-1]
    ok.append((border, Outcome(69.9, None, "0")))
    alike = [(p, o, o, True) for p, o in ok[:8]]
    crossing = [(border, Outcome(69.9, None, "0"), Outcome(70.1, None, "0"), True)]
    plain = _claim_row(claim, ok, {})
    steady = _claim_row(claim, ok, {}, retold=alike)
    assert steady == plain
    assert (steady["impostor"], steady["false_matches"], steady["retold_impostor"]) == (60, 0, 0)
    row = _claim_row(claim, ok, {}, retold=[*alike, *crossing])
    assert (row["impostor"], row["false_matches"], row["retold_impostor"]) == (60 + 9, 1, 9)
    assert "9 of the impostor comparisons are the repeat sample's" in row["verdict_reason"]
    assert "1 of them decided otherwise" in row["verdict_reason"]
    # the same 8 pairs asked again in the same order, alike: the same comparisons, no trials
    again = [(p, o, o, False) for p, o in ok[:8]]
    row = _claim_row(claim, ok, {}, retold=[*again, *crossing])
    assert (row["impostor"], row["false_matches"], row["retold_impostor"]) == (60 + 1, 1, 1)
    assert row["retold_drawn"] is False


def test_a_genuine_pair_rejected_when_asked_again_or_swapped_is_a_false_non_match() -> None:
    """Audit round 15 (order-rejects): the repeat sample's answers counted for impostor pairs
    alone (E-098), so a service rejecting every genuine pair sent the other way round kept FNMR
    0 and passed a gate's FNMR limit. A genuine pair's repeats that decide otherwise than its
    first answer count as genuine comparisons (the rejections false non-matches, in FRR too);
    repeats answering alike count for nothing, as for impostor pairs."""
    from harness.accuracy._result import _claim_row
    from harness.accuracy._stats import Claim

    claim = Claim("match.score>=70", 1e-3, 70.0)
    genuine = [PairImages(image(f"p{n}", "a"), image(f"p{n}", "b"), True) for n in range(10)]
    impostor = [PairImages(image(f"p{n}", "a"), image(f"q{n}", "b"), False) for n in range(10)]
    ok = [(p, Outcome(95.0, None, "0")) for p in genuine] + [
        (p, Outcome(5.0, None, "0")) for p in impostor
    ]
    alike = [(p, o, o, kind) for p, o in ok[:2] for kind in (False, True)]
    swapped = [(p, Outcome(95.0, None, "0"), Outcome(5.0, None, "0"), True) for p in genuine[:2]]
    again = [(p, o, o, False) for p, o in ok[:2]]  # the same pairs asked again: alike
    assert _claim_row(claim, ok, {}, retold=alike) == _claim_row(claim, ok, {})
    row = _claim_row(claim, ok, {}, retold=[*again, *swapped])
    # the swapped answers are one more comparison per pair; those asked again in the same
    # order the same comparisons (review of session 26: counted, 2 in 14)
    assert (row["genuine"], row["false_non_matches"]) == (12, 2)
    assert (row["frr_errors"], row["frr_trials"]) == (2, 12)
    assert (row["impostor"], row["false_matches"], row["retold_impostor"]) == (10, 0, 0)
    assert row["retold_genuine"] == 2
    assert "2 of the genuine comparisons are the repeat sample's" in row["verdict_reason"]
    assert "2 a false non-match: ERRATA E-098" in row["verdict_reason"]


def test_a_claim_is_not_held_by_pooling_the_answers_the_order_decides() -> None:
    """Audit round 15 (order-accepts on the whole shared set): every impostor pair accepted the
    other way round, so the repeat sample's 1 false match in 2 answers, pooled with thousands
    of the run's order, read as an FMR far under the claim. A claim those answers alone cannot
    hold is untestable, never consistent (nor contradicted: a handful of repeats)."""
    from harness.accuracy._result import _claim_row
    from harness.accuracy._stats import Claim

    claim = Claim("match.score>=70", 1e-3, 70.0, at_most=True)
    genuine = [PairImages(image(f"p{n}", "a"), image(f"p{n}", "b"), True) for n in range(10)]
    impostor = [PairImages(image(f"p{n}", "a"), image(f"q{n}", "b"), False) for n in range(3000)]
    ok = [(p, Outcome(95.0, None, "0")) for p in genuine] + [
        (p, Outcome(5.0, None, "0")) for p in impostor
    ]
    first = Outcome(5.0, None, "0")
    again = (impostor[0], first, first, False)
    swapped = (impostor[0], first, Outcome(90.0, None, "0"), True)
    assert _claim_row(claim, ok, {}, retold=[again])["verdict"] == "consistent"
    row = _claim_row(claim, ok, {}, retold=[again, swapped])
    assert (row["false_matches"], row["impostor"], row["fmr_ci95"][1] < 2e-3) == (1, 3001, True)
    assert row["verdict"] == "untestable", row["verdict_reason"]
    assert row["retold_false_matches"] == 1
    assert "(1 false matches in 1 of its answers, above the claimed 0.001)" in row["verdict_reason"]
    # decisions drawn per call (a pair asked again decided otherwise at the claim): the repeats
    # are more draws, fairly pooled
    coin = (genuine[0], Outcome(95.0, None, "0"), Outcome(60.0, None, "0"), False)
    drawn = _claim_row(claim, ok, {}, retold=[again, swapped, coin])
    assert drawn["retold_drawn"] is True and drawn["verdict"] == "consistent"
    assert (drawn["impostor"], drawn["retold_impostor"], drawn["genuine"]) == (3002, 2, 11)
