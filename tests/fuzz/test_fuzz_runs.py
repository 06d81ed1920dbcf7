"""End to end against real emulators: quiet when the emulator keeps its contract, loud when it
breaks one rule, with findings that are shrunk, replayable, secret-free and remembered."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.clients import DEMO
from harness.fuzz import DEFAULT_MAX_EXAMPLES, load_replay, replay_finding
from harness.fuzz._properties import FUZZ_QUOTA_SECRETKEY

from .conftest import explain, fuzz

CLEAN_EXAMPLES = 15  # the default is 50; two seeds at 15 keep this folder inside its time budget
BAD_SIGN = {"only": ["jd:invalid-requests/bad-sign"], "breaks": ("accept-bad-sign",)}
LIFECYCLE = {"only": ["match:livecode-lifecycle"], "breaks": ("livecode-reusable",)}


class Shared:
    """A fuzz run of a broken emulator that several tests judge: the emulator stays up for their
    replays, and a test that writes into the run's folder works on its own copy (`copy`)."""

    def __init__(self, url: str, out: Path, result: Any) -> None:
        self.url, self.out, self.result = url, out, result

    def copy(self, to: Path) -> Path:
        shutil.copytree(self.out, to, dirs_exist_ok=True)
        return to


@pytest.fixture(scope="module")
def bad_sign(
    module_emulator: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> Shared:
    """The bad-sign rule against an emulator that accepts a wrong sign (one run, seed 1)."""
    url, out = module_emulator("accept-bad-sign"), tmp_path_factory.mktemp("bad-sign")
    return Shared(url, out, fuzz(url, out, **BAD_SIGN))


@pytest.fixture(scope="module")
def reusable_livecode(
    module_emulator: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Shared, Shared]:
    """The liveCode lifecycle against an emulator whose liveCodes can be used again: observed, then
    with E-042's default reading required (two runs, seed 1, on one emulator)."""
    url, out = module_emulator("livecode-reusable"), tmp_path_factory.mktemp("livecode")
    seen = fuzz(url, out / "seen", **LIFECYCLE, max_examples=DEFAULT_MAX_EXAMPLES)
    required = fuzz(
        url, out / "req", **LIFECYCLE, max_examples=DEFAULT_MAX_EXAMPLES,
        required_readings={"E-042": "default"},
    )  # fmt: skip
    return Shared(url, out / "seen", seen), Shared(url, out / "req", required)


@pytest.mark.parametrize("seed", [11, 12])
def test_unbroken_emulator_gives_no_findings(
    fuzz_emulator: Callable[..., str], tmp_path: Path, seed: int
) -> None:
    result = fuzz(fuzz_emulator(), tmp_path, seed=seed, max_examples=CLEAN_EXAMPLES)
    assert result.status == "pass", explain(result)
    statuses = {c.operation: c.status for c in result.checks}
    assert set(statuses.values()) == {"pass", "skipped"}
    skipped = {c.operation: c.message for c in result.checks if c.status == "skipped"}
    assert set(skipped) == {"match:reencoding-matches", "jd:reencoding-matches"}
    assert all("fast engine compares byte hashes" in reason for reason in skipped.values())
    assert result.metrics.requests > 300 and result.metrics.seed == seed
    assert (tmp_path / "findings.json").read_text() == "[]"


# The modes issue 6 names; each is found by the property (or rule part) that owns the rule, at the
# default example budget. benchmarks/bench_fuzz.py runs every mode against every property.
@pytest.mark.parametrize(
    ("mode", "prop", "check"),
    [
        ("remaintimes-stuck", "jd:quota-countdown", "remaintimes_counts_down"),
        ("score-out-of-range", "match:valid-requests", "response_schema"),
        ("lip-without-livecode", "match:invalid-requests/lip-without-livecode", "invalid_refused"),
    ],
)  # accept-bad-sign: test_findings_are_shrunk_replayable_secret_free_and_remembered
def test_break_mode_is_found(
    fuzz_emulator: Callable[..., str], tmp_path: Path, mode: str, prop: str, check: str
) -> None:
    result = fuzz(
        fuzz_emulator(mode),
        tmp_path,
        only=[prop],
        breaks=(mode,),
        max_examples=DEFAULT_MAX_EXAMPLES,
    )
    assert result.status == "fail", f"{mode} was not found by {prop}"
    assert check in {f.check for f in result.findings}, explain(result)
    finding = result.findings[0]
    assert (
        finding.seed == 1
        and finding.reproduce
        and finding.reproduce.startswith("faceharness replay ")
    )
    assert finding.basis in ("seed", "convention")


def test_reusable_livecode_is_a_reading_and_a_finding_only_when_required(
    reusable_livecode: tuple[Shared, Shared],
) -> None:
    """The seed never says a liveCode is single-use (E-042): observed; a policy requiring it fails
    it."""
    seen, required = (run.result for run in reusable_livecode)
    assert seen.status == "pass", explain(seen)
    assert seen.metrics.readings["E-042"]["observed"] in ("alternative", "mixed")
    assert required.status == "fail", explain(required)
    finding = required.findings[0]
    assert (
        finding.check == "invalid_refused"
        and finding.basis == "reading"
        and finding.erratum == "E-042"
    )
    replayed = replay_finding(
        reusable_livecode[1].out / "findings" / "F-001.json"
    )  # a sequence: the machine re-runs
    assert replayed.still_failing and "-step sequence was re-run" in replayed.detail, (
        replayed.detail
    )


def test_findings_are_shrunk_replayable_secret_free_and_remembered(
    bad_sign: Shared, tmp_path: Path
) -> None:
    url, first = bad_sign.url, bad_sign.result
    bad_sign.copy(tmp_path)  # the second run below writes into the first one's folder
    assert first.status == "fail", explain(first)
    finding = first.findings[0]
    # the same severity as conformance's FH-A10 (one defect, one severity, whichever suite finds it)
    assert (
        finding.check == "invalid_refused"
        and finding.severity == "high"
        and finding.rule_id == "bad-sign"
    )
    assert finding.basis == "seed"
    # shrunk: the minimal request has one collection item, whose items hold only what every
    # request expected accepted carries: imgType, encryptionType "NON" (E-023), one image source
    body = finding.request["body"]
    assert len(body["collectionImageItems"]) == 1 and set(body["compareImageItem"]) in (
        {"imgType", "encryptionType", source} for source in ("imgBase64", "imgArr")
    )

    replay = tmp_path / "findings" / "F-001.json"
    data = json.loads(replay.read_text())
    assert (
        data["format"] == "faceharness-replay"
        and data["suite"] == "fuzz"
        and data["fuzz"]["seed"] == 1
    )
    for path in tmp_path.rglob("*.json"):
        text = path.read_text()
        for secret in (
            DEMO.token,
            DEMO.jd_appkey,
            DEMO.jd_secretkey,
            FUZZ_QUOTA_SECRETKEY,
            "sADsk3+58E9yf/fUN9DmBA==",
        ):
            assert secret not in text, f"{secret[:6]}… leaked into {path.name}"
        assert not re.search(r"[A-Za-z0-9+/]{300}", text), f"image bytes in {path.name}"
    loaded = load_replay(replay, __import__("harness.contract", fromlist=["x"]).load_contract())
    assert loaded.request.auth_mode == "bad_sign" and loaded.case is not None

    still = replay_finding(replay)  # the recorded target: an emulator with the break
    assert still.still_failing and still.exit_code == 1, still.detail
    fixed = replay_finding(replay, target="emulator")  # an unbroken emulator
    assert not fixed.still_failing and "holds now" in fixed.detail

    again = fuzz(url, tmp_path, **BAD_SIGN)
    assert again.status == "fail"
    # the database replays the failure first: no search, no shrinking. Every mode of the rule is
    # sent in both runs whatever the seed (session 28: 20 bad-sign modes; the runs took 62 and 30
    # requests with 15, 72 and 40 with 20), so the saving is counted, not halved
    from harness.fuzz._invalid import _GATEWAY_MODES

    spared = first.metrics.requests - again.metrics.requests
    assert spared > len(_GATEWAY_MODES["bad-sign"]), (
        "the database should replay the failure first",
        first.metrics.requests,
        again.metrics.requests,
    )


def test_a_valid_request_refused_as_invalid_replays_as_still_failing(
    bad_sign: Shared, tmp_path: Path
) -> None:
    """A replay judges a valid request's refusal as the run does (it once never judged it, and
    called every `valid_request_accepted` finding fixed)."""
    assert bad_sign.result.status == "fail", explain(bad_sign.result)
    path = bad_sign.copy(tmp_path) / "findings" / "F-001.json"
    data = json.loads(path.read_text())
    # the file a valid-requests finding writes, for a request this target refuses as invalid
    data["check"]["name"] = "valid_request_accepted"
    data["fuzz"].update(property="jd:valid-requests", case=None)
    data["exchange"]["body"]["serialNo"] = ""
    path.write_text(json.dumps(data))
    still = replay_finding(path)  # the recorded emulator (its break accepts the bad sign)
    assert still.still_failing, still.detail
    assert still.detail.startswith("a valid request was refused as invalid: business code"), (
        still.detail
    )


def test_request_budget_stops_the_run_cleanly(
    fuzz_emulator: Callable[..., str], tmp_path: Path
) -> None:
    result = fuzz(fuzz_emulator(), tmp_path, max_requests=40, max_examples=10)
    assert result.status == "pass" and result.metrics.budget_exhausted is True
    assert result.metrics.requests <= 40
    skipped = [c for c in result.checks if c.status == "skipped" and "budget" in (c.message or "")]
    assert skipped, "properties after the budget ran out are skipped with the reason"


def test_unreachable_target_is_an_error_not_a_finding(tmp_path: Path) -> None:
    result = fuzz("http://127.0.0.1:9", tmp_path, is_emulator=False, max_examples=1)
    assert (
        result.status == "error" and "unreachable" in (result.error or "") and not result.findings
    )


def test_unknown_property_is_a_usage_error(tmp_path: Path) -> None:
    from harness.errors import UsageError

    with pytest.raises(UsageError, match="did you mean 'jd:invalid-requests'"):
        fuzz("http://127.0.0.1:9", tmp_path, only=["jd:invalid-request"])
    with pytest.raises(UsageError, match="one per rule"):
        fuzz("http://127.0.0.1:9", tmp_path, only=["jd:invalid-requests/bad-token"])


def test_a_replay_without_an_answer_cannot_judge_a_finding_about_the_answer(
    bad_sign: Shared, monkeypatch
) -> None:
    """A target that resets (or sends a gzip bomb) has not fixed a refusal finding: the replay
    says it cannot judge (exit 2), as conformance's replay does, never "holds now" (exit 0)."""
    from fixtures.hostile_target import HostileTarget

    from harness.errors import TargetError

    first = bad_sign.result
    assert first.status == "fail" and first.findings[0].check == "invalid_refused"
    monkeypatch.setenv("FACEHARNESS_JD_APPKEY", DEMO.jd_appkey or "")
    monkeypatch.setenv("FACEHARNESS_JD_SECRETKEY", DEMO.jd_secretkey or "")
    with HostileTarget(("reset",)) as hostile, pytest.raises(TargetError) as failed:
        replay_finding(bad_sign.out / "findings" / "F-001.json", target=hostile.url)
    assert str(failed.value) == (
        "F-001: the target gave no answer (reset, the connection was reset before an answer "
        "began), so the finding cannot be judged"
    )


def test_a_sequence_replayed_without_answers_cannot_judge_its_finding(
    reusable_livecode: tuple[Shared, Shared], monkeypatch
) -> None:
    """The state machine re-run against a target that resets two requests in three: a step without
    an answer judged nothing, so the finding is not "holding now" (exit 0); the replay cannot
    judge it (exit 2)."""
    from fixtures.hostile_target import HostileTarget

    from harness.errors import TargetError

    required = reusable_livecode[1]
    assert required.result.status == "fail"
    assert required.result.findings[0].check == "invalid_refused"
    monkeypatch.setenv("FACEHARNESS_TOKEN", DEMO.token or "")
    with HostileTarget(("ok", "reset", "reset")) as hostile, pytest.raises(TargetError) as failed:
        replay_finding(required.out / "findings" / "F-001.json", target=hostile.url)
    assert str(failed.value).startswith("F-001: the target gave no answer (reset, ")
    assert str(failed.value).endswith("), so the finding cannot be judged")


def test_a_throttled_validatedata_is_not_a_livecode_that_was_never_issued(
    emulator: Callable[..., str], tmp_path: Path
) -> None:
    """A service with a QPS limit (JD: `免费试用服务具有调用量、QPS限制`) answers a burst with its
    retryable throttling code (42900, or HTTP 429): the lifecycle has no code to use, which is no
    defect; every code it does issue is still judged."""
    url = emulator(throttle={"qps": 2})
    result = fuzz(
        url,
        tmp_path,
        is_emulator=False,
        only=["match:livecode-lifecycle"],
        max_examples=8,
        max_rps=0,
    )
    assert result.metrics.codes["match:errcode:42900"] > 0  # the service did throttle
    assert result.status == "pass", explain(result)


def test_a_proxy_throttling_without_the_envelope_is_no_livecode_never_issued(
    tmp_path: Path,
) -> None:
    """The internal API documents no rate limit: a front proxy throttling at 1/s with a bare
    HTTP 429 (text/plain, Retry-After; legit_variants match-429-plain) is throttling too (E-045);
    the lifecycle filed a high "validateData gave no code" on it. The 429s are FH-H02's and
    FH-H03's convention findings, listed without failing the run."""
    from fixtures.legit_variants import serve_variant

    with serve_variant("match-429-plain") as url:
        result = fuzz(
            url, tmp_path, is_emulator=False, only=["match:livecode-lifecycle"], max_examples=8,
            max_rps=0,
        )  # fmt: skip
    assert result.metrics.codes["http:429"] > 0  # the proxy did throttle
    assert {f.basis for f in result.findings} <= {"convention"}, explain(result)
    assert result.status == "pass", explain(result)


@pytest.mark.parametrize(
    ("name", "refused"),
    [("livecode-latest-only", "40012"), ("livecode-reissued", "40014")],
)
def test_a_service_keeping_only_the_newest_livecode_is_no_first_use_defect(
    tmp_path: Path, name: str, refused: str
) -> None:
    """`liveCode ... 值通过数字验证码接口获取` says nothing of how many codes are valid at once: a
    service keeping a token's newest code only (legit_variants livecode-latest-only, E-079) got
    a high livecode_first_use when the lifecycle used a code issued before the newest. The newest
    is still judged (the run used it: the service did refuse an older one).
    Round 14 (E-093): nor of whether two validateData calls give two codes: a service answering
    a token's pending code again (livecode-reissued) got the same high finding when the bundle
    held the code twice and its second draw was refused as used (40014)."""
    from fixtures.legit_variants import serve_variant

    with serve_variant(name) as url:
        result = fuzz(
            url, tmp_path, is_emulator=False, only=["match:livecode-lifecycle"], max_examples=5,
            seed=2,
            max_rps=0,
        )  # fmt: skip
    assert result.metrics.codes[f"match:errcode:{refused}"] > 0  # the service did refuse one
    assert result.status == "pass", explain(result)


def test_a_spent_livecode_handed_out_again_is_a_first_use_defect(tmp_path: Path) -> None:
    """E-093 lets validateData answer a pending code again, so a code sent since it was last
    issued is a second use; one handed out again after it was spent (mutant_match
    livecode-spent-handed-out: a per-token cache not dropped on use) is still a code issued and
    refused on its first use since, 40014."""
    from fixtures.mutant_match import FUZZ_DEFECTS, serve

    assert FUZZ_DEFECTS["livecode-spent-handed-out"].quote
    with serve("livecode-spent-handed-out") as url:
        result = fuzz(
            url, tmp_path, is_emulator=False, only=["match:livecode-lifecycle"], max_examples=20,
            max_rps=0,
        )  # fmt: skip
    found = [(f.check, f.severity) for f in result.findings]
    assert ("livecode_first_use", "high") in found, explain(result)


@pytest.mark.parametrize(
    ("name", "prop", "examples"),
    [("jd-idn-refused", "jd:valid-requests", 6), ("jd-id-card-checked", "jd:invalid-requests", 2)],
)
def test_a_service_refusing_the_back_of_an_id_card_is_sent_faces_only(
    tmp_path: Path, name: str, prop: str, examples: int
) -> None:
    """E-094 (`imgType ... IDN(身份证反面)`: the back of an ID card shows no face): a JD service
    refusing that kind 43011 (legit_variants jd-idn-refused) got a high valid_request_accepted
    when a valid request's image item said IDN; valid requests now name a kind a face is on.
    Round 16: nor IDP (身份证正面), which a service checking the picture refuses for a portrait
    (jd-id-card-checked, 1172: its invalid cases, built from a valid body, got seven high
    rule_code findings): a portrait is sent as a kind it is."""
    from fixtures.legit_variants import serve_variant

    with serve_variant(name) as url:
        result = fuzz(
            url, tmp_path, is_emulator=False, only=[prop], max_examples=examples,
            max_rps=0,
        )  # fmt: skip
    codes = result.metrics.codes
    assert codes.get("jd:business:0", 0) + codes.get("jd:business:1155", 0) > 0  # compared
    assert result.status == "pass", explain(result)


@pytest.mark.parametrize(
    ("variant", "observed"), [("jackson-coercion", "alternative"), (None, "default")]
)
def test_a_coercing_binder_is_observed_as_e085_its_own_reading(
    contract: Any, tmp_path: Path, variant: str | None, observed: str
) -> None:
    """Session 25: a value of another JSON type that a Java binder reads as the documented one
    (``"async":"true"``, E-085) was observed under E-043's family (formats the documents do not
    give), where the readings log and a policy could not tell it apart. A run now observes E-085
    itself: the Spring service of legit_variants jackson-coercion follows its alternative and
    gets no finding, the emulator its default."""
    from fixtures.legit_variants import serve_variant
    from fixtures.mutant_match import serve

    with serve_variant(variant, contract) if variant else serve(None, contract) as url:
        result = fuzz(
            url, tmp_path, is_emulator=False, only=["match:invalid-requests/wrong-type"],
            api="match", max_examples=10, seed=1, max_rps=0,
        )  # fmt: skip
    seen = result.metrics.readings.get("E-085")
    assert seen is not None and seen["observed"] == observed, result.metrics.readings
    assert result.findings == [], explain(result)


def test_an_http_conventions_problem_is_listed_not_shrunk(tmp_path: Path) -> None:
    """A service answering its errors with 4xx (E-015's other reading) breaks only an HTTP
    convention: fuzz lists it (basis convention) and goes on testing; raised, hypothesis spent
    the budget shrinking it and the properties after it never ran."""
    from fixtures.legit_variants import serve_variant

    only = ["match:invalid-requests", "jd:invalid-requests", "match:valid-requests"]
    with serve_variant("status-4xx") as url:
        result = fuzz(
            url, tmp_path, is_emulator=False, only=only, max_examples=10, max_requests=300,
            max_rps=0,
        )  # fmt: skip
    ran = {c.operation: c.status for c in result.checks}
    assert ran == dict.fromkeys(only, "pass"), [c.message for c in result.checks]
    assert result.findings and {f.basis for f in result.findings} == {"convention"}
    assert result.status == "pass", explain(result)


def test_a_livecode_issued_under_another_2xx_is_issued(tmp_path: Path) -> None:
    """The documents give no HTTP status (E-015): a service answering its successes HTTP 201
    (legit_variants `created-201`) issues liveCodes all the same; its 201s are FH-H02's convention
    finding, listed without failing the run (before: "validateData gave no code", high)."""
    from fixtures.legit_variants import serve_variant

    with serve_variant("created-201") as url:
        result = fuzz(
            url,
            tmp_path,
            is_emulator=False,
            only=["match:livecode-lifecycle"],
            max_examples=4,
            max_rps=0,
        )
    assert {f.basis for f in result.findings} <= {"convention"}, explain(result)
    assert result.status == "pass", explain(result)


def test_a_service_throttling_validatedata_does_not_break_the_livecode_lifecycle(
    tmp_path: Path,
) -> None:
    """`免费试用服务具有调用量、QPS限制` (E-045): against a service throttling at 2/s
    (legit_variants qps-2), the liveCode lifecycle's throttled validateData put nothing in its
    bundle, so hypothesis drew otherwise when it replayed the example and the run broke off
    (FlakyStrategyDefinition, exit 2); a throttled step now judges nothing and the run goes on."""
    from fixtures.legit_variants import serve_variant

    with serve_variant("qps-2") as url:
        result = fuzz(
            url, tmp_path, is_emulator=False, only=["match:livecode-lifecycle"], max_examples=50,
            max_rps=0,
        )  # fmt: skip
    assert [c.status for c in result.checks] == ["pass"], explain(result)
    assert result.status == "pass", explain(result)


def test_a_live_service_is_sent_nothing_for_the_async_extension(tmp_path: Path) -> None:
    """asyncResult is faceharness' own operation (E-013): a live service need not have its path.
    Fuzz's invalid requests sent it missing-field and not-json cases there all the same, and a
    service without it (legit_variants no-result-path, Spring's JSON 404) got a finding on an
    operation it never claimed; conform leaves it out without --include-extensions."""
    from fixtures.legit_variants import serve_variant

    only = ["match:invalid-requests/not-json"]
    with serve_variant("no-result-path") as url:
        result = fuzz(url, tmp_path, is_emulator=False, only=only, max_examples=6, max_rps=0)
    sent = {f.operation for f in result.findings} | set(result.metrics.requests_by_operation)
    assert "asyncResult" not in sent, explain(result)
    assert {"match", "liveCode"} <= sent, sent
    assert result.status == "pass", explain(result)
