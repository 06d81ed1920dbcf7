"""End to end against real emulators: quiet when the emulator keeps its contract, loud when it
breaks one rule, with findings that are shrunk, replayable, secret-free and remembered."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.clients import DEMO
from harness.fuzz import DEFAULT_MAX_EXAMPLES, load_replay, replay_finding
from harness.fuzz._properties import FUZZ_QUOTA_SECRETKEY

from .conftest import explain, fuzz

CLEAN_EXAMPLES = 15  # the default is 50; two seeds at 15 keep this folder inside its time budget


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
    fuzz_emulator: Callable[..., str], tmp_path: Path
) -> None:
    """The seed never says a liveCode is single-use (E-042): observed; a policy requiring it fails
    it."""
    url = fuzz_emulator("livecode-reusable")
    seen = fuzz(
        url,
        tmp_path / "seen",
        only=["match:livecode-lifecycle"],
        breaks=("livecode-reusable",),
        max_examples=DEFAULT_MAX_EXAMPLES,
    )
    assert seen.status == "pass", explain(seen)
    assert seen.metrics.readings["E-042"]["observed"] in ("alternative", "mixed")
    required = fuzz(
        url,
        tmp_path / "req",
        only=["match:livecode-lifecycle"],
        breaks=("livecode-reusable",),
        max_examples=DEFAULT_MAX_EXAMPLES,
        required_readings={"E-042": "default"},
    )
    assert required.status == "fail", explain(required)
    finding = required.findings[0]
    assert (
        finding.check == "invalid_refused"
        and finding.basis == "reading"
        and finding.erratum == "E-042"
    )
    replayed = replay_finding(
        tmp_path / "req" / "findings" / "F-001.json"
    )  # a sequence: the machine re-runs
    assert replayed.still_failing and "-step sequence was re-run" in replayed.detail, (
        replayed.detail
    )


def test_findings_are_shrunk_replayable_secret_free_and_remembered(
    fuzz_emulator: Callable[..., str], tmp_path: Path
) -> None:
    url = fuzz_emulator("accept-bad-sign")
    first = fuzz(url, tmp_path, only=["jd:invalid-requests/bad-sign"], breaks=("accept-bad-sign",))
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

    again = fuzz(url, tmp_path, only=["jd:invalid-requests/bad-sign"], breaks=("accept-bad-sign",))
    assert again.status == "fail"
    assert again.metrics.requests < first.metrics.requests / 2, (
        "the database should replay the failure first"
    )


def test_a_valid_request_refused_as_invalid_replays_as_still_failing(
    fuzz_emulator: Callable[..., str], tmp_path: Path
) -> None:
    """A replay judges a valid request's refusal as the run does (it once never judged it, and
    called every `valid_request_accepted` finding fixed)."""
    url = fuzz_emulator("accept-bad-sign")
    run = fuzz(url, tmp_path, only=["jd:invalid-requests/bad-sign"], breaks=("accept-bad-sign",))
    assert run.status == "fail", explain(run)
    path = tmp_path / "findings" / "F-001.json"
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
    fuzz_emulator: Callable[..., str], tmp_path: Path, monkeypatch
) -> None:
    """A target that resets (or sends a gzip bomb) has not fixed a refusal finding: the replay
    says it cannot judge (exit 2), as conformance's replay does, never "holds now" (exit 0)."""
    from fixtures.hostile_target import HostileTarget

    from harness.errors import TargetError

    url = fuzz_emulator("accept-bad-sign")
    first = fuzz(url, tmp_path, only=["jd:invalid-requests/bad-sign"], breaks=("accept-bad-sign",))
    assert first.status == "fail" and first.findings[0].check == "invalid_refused"
    monkeypatch.setenv("FACEHARNESS_JD_APPKEY", DEMO.jd_appkey or "")
    monkeypatch.setenv("FACEHARNESS_JD_SECRETKEY", DEMO.jd_secretkey or "")
    with HostileTarget(("reset",)) as hostile, pytest.raises(TargetError) as failed:
        replay_finding(tmp_path / "findings" / "F-001.json", target=hostile.url)
    assert str(failed.value) == (
        "F-001: the target gave no answer (reset, the connection was reset before an answer "
        "began), so the finding cannot be judged"
    )


def test_a_sequence_replayed_without_answers_cannot_judge_its_finding(
    fuzz_emulator: Callable[..., str], tmp_path: Path, monkeypatch
) -> None:
    """The state machine re-run against a target that resets two requests in three: a step without
    an answer judged nothing, so the finding is not "holding now" (exit 0); the replay cannot
    judge it (exit 2)."""
    from fixtures.hostile_target import HostileTarget

    from harness.errors import TargetError

    required = fuzz(
        fuzz_emulator("livecode-reusable"),
        tmp_path,
        only=["match:livecode-lifecycle"],
        breaks=("livecode-reusable",),
        max_examples=DEFAULT_MAX_EXAMPLES,
        required_readings={"E-042": "default"},
    )
    assert required.status == "fail" and required.findings[0].check == "invalid_refused"
    monkeypatch.setenv("FACEHARNESS_TOKEN", DEMO.token or "")
    with HostileTarget(("ok", "reset", "reset")) as hostile, pytest.raises(TargetError) as failed:
        replay_finding(tmp_path / "findings" / "F-001.json", target=hostile.url)
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
