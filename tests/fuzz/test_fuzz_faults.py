"""Fuzzing an emulator that drops, cuts off or hangs answers: findings, not errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.fuzz import emulator_overrides

from .conftest import explain, fuzz


def _answered(result, operation):
    return [f for f in result.findings if f.check == "answered" and f.operation == operation]


@pytest.mark.parametrize("fault", ["reset", "chunked"])
def test_a_dropped_answer_is_a_finding_per_operation_and_the_run_goes_on(
    emulator: Callable[..., str], tmp_path: Path, fault: str
) -> None:
    url = emulator(faults=(f"liveCode={fault}:1.0",), **emulator_overrides())
    result = fuzz(
        url,
        tmp_path,
        only=["match:valid-requests", "match:invalid-requests/extra-field"],
        max_examples=20,
        request_timeout_s=5.0,
    )
    assert result.status == "fail" and result.error is None, explain(result)
    found = _answered(result, "liveCode")
    assert len(found) == 1, explain(result)  # both properties hit it: still one finding
    finding = found[0]
    assert finding.message.startswith("no answer: cut-off body, ") and "\n" not in finding.message
    assert finding.count == 2 and finding.unique_key == "fuzz:match:liveCode:answered:cut-off body"
    assert finding.response["error"].startswith("cut-off body") and finding.reproduce
    assert {c.status for c in result.checks} == {"fail"}
    assert not [f for f in result.findings if f.operation != "liveCode"], explain(result)
    assert result.metrics.requests_by_operation["match"] > 0  # the other operations were fuzzed too


@pytest.fixture(scope="module")
def hang_run(
    module_emulator: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Any]:
    """(url, result): one 1 s-timeout run against an emulator whose liveCode hangs, judged by the
    two tests below (the emulator stays up for the replay)."""
    url = module_emulator(faults=("liveCode=hang:1.0",))
    out = tmp_path_factory.mktemp("hang")
    return url, fuzz(
        url, out, only=["match:valid-requests"], max_examples=10, request_timeout_s=1.0
    )


def test_a_hang_ends_by_the_client_timeout_as_a_finding(hang_run: tuple[str, Any]) -> None:
    _, result = hang_run
    assert result.status == "fail" and result.error is None, explain(result)
    found = _answered(result, "liveCode")
    assert [f.message.split(" (")[0] for f in found] == [
        "no answer: timeout, nothing within the 1 s client timeout"
    ]


@pytest.mark.slow
def test_a_replay_waits_as_long_as_the_run_did(hang_run: tuple[str, Any], monkeypatch) -> None:
    """A timeout finding from a 1 s run is judged with 1 s again, not the client's 30 s default."""
    import json
    import time

    from harness.clients import DEMO
    from harness.fuzz import replay_finding

    monkeypatch.setenv(
        "FACEHARNESS_TOKEN", DEMO.token
    )  # a URL target: credentials from the environment
    url, result = hang_run
    path = Path(_answered(result, "liveCode")[0].reproduce.removeprefix("faceharness replay "))
    assert json.loads(path.read_text(encoding="utf-8"))["check"]["timeout_s"] == 1.0
    started = time.monotonic()
    again = replay_finding(path, target=url)
    assert again.still_failing and "1 s client timeout" in again.detail, again.detail
    assert time.monotonic() - started < 20


def test_state_machines_under_random_faults_end_with_findings_not_errors(
    emulator: Callable[..., str], tmp_path: Path
) -> None:
    """A faulted answer changes what a state machine draws next, so hypothesis's replay differs
    ("flaky data generation"); the failure seen first is the finding, marked flaky."""
    url = emulator(faults=("http500:0.03", "reset:0.03", "badjson:0.03"), **emulator_overrides())
    result = fuzz(
        url,
        tmp_path,
        only=["match:livecode-lifecycle", "match:async-result", "jd:quota-countdown"],
        max_examples=20,
        seed=1,
        request_timeout_s=2.0,
    )
    assert result.status == "fail" and result.error is None, explain(result)
    assert {c.status for c in result.checks} == {"fail"}, explain(result)
    assert any("flaky" in f.message for f in result.findings), explain(result)


@pytest.mark.parametrize("grouped", [False, True])
def test_a_failure_found_before_the_budget_ran_out_is_kept(grouped: bool) -> None:
    """A property that failed, then met the end of the budget while shrinking, keeps its failure:
    hypothesis may raise the budget's stop alone or inside an exception group (hostile round 7:
    one fuzz run against bare 204 answers passed with 8 of 15 answers wrong)."""
    from types import SimpleNamespace

    from harness.fuzz._runner import _execute_one, _Outcome
    from harness.pacing import BudgetExhausted

    found = object()
    run = SimpleNamespace(last_failure={}, steps=[])
    stop = BudgetExhausted("time budget spent")

    def test() -> None:
        run.last_failure["p"] = found
        raise BaseExceptionGroup("stopped", [stop]) if grouped else stop

    out = _Outcome()
    _execute_one(run, SimpleNamespace(id="p"), test, out)  # type: ignore[arg-type]
    assert out.stopped and out.failures == [(found, False)], out


@pytest.mark.parametrize(
    ("behaviour", "status"),
    [("text_404", "inconclusive"), ("text_500", "fail"), ("text_400", "fail")],
)
def test_a_target_answering_everything_alike_without_envelope(
    tmp_path: Path, behaviour: str, status: str
) -> None:
    """A bare 404 to every request (a wrong base URL) judged nothing: inconclusive. A 500 to
    every request is a service that crashes: a fail, as it was before session 20's rule
    (the rule is conformance's too: `harness.results.contract_status`). Session 22: a text or
    HTML 400 to every valid request is a refusal of a valid request (conform failed it; fuzz
    passed it)."""
    from fixtures.hostile_target import HostileTarget

    with HostileTarget((behaviour,)) as target:
        result = fuzz(
            target.url, tmp_path, is_emulator=False, only=["match:valid-requests"],
            max_examples=3, max_requests=8, request_timeout_s=3.0,
        )  # fmt: skip
    assert result.status == status, explain(result)
    assert result.findings
    assert ("nothing could be judged" in (result.reason or "")) == (status == "inconclusive")


def test_a_target_refusing_everything_with_its_own_code_is_inconclusive_as_in_conform(
    tmp_path: Path,
) -> None:
    """Hostile session 25: every request refused with errcode 1001 (a code no table names, E-014's
    own codes): fuzz and conform disagreed on it (one passed, the other not). Nothing that needs
    an accepted answer was judged (`harness.results.none_accepted`): inconclusive, with why, and
    validateData's refusal is no livecode_issued failure (its reason unreadable)."""
    from fixtures.hostile_target import HostileTarget

    with HostileTarget(("refuse_all",)) as target:
        result = fuzz(
            target.url, tmp_path, is_emulator=False, max_examples=2, max_requests=24,
            only=["match:valid-requests", "match:livecode-lifecycle"], request_timeout_s=3.0,
        )  # fmt: skip
    assert result.status == "inconclusive", explain(result)
    assert "no answer accepted a request" in (result.reason or ""), result.reason
    assert "match:errcode:1001 x" in (result.reason or "") and result.testable_when
    assert not any(f.fails for f in result.findings), explain(result)


def test_a_service_whose_answer_changes_type_between_calls_gets_findings_not_an_error(
    tmp_path: Path,
) -> None:
    """A service answering result.serialNo as a number on some calls only (a seeded fifth of its
    comparisons) failed a quota-countdown step that hypothesis' replay of the example passed and
    drew on from: FlakyStrategyDefinition beside the failure in one group, and the fuzz run broke
    off (exit 2). The failure is a finding, marked flaky, and the run a fail."""
    import random

    from fixtures.mutant_jd import Defect, _on_result, mutant_jd

    rng = random.Random(3)  # its own: hypothesis seeds the global one for each example

    def sometimes_a_number(result: dict[str, Any]) -> None:
        if rng.random() < 0.2:
            result["serialNo"] = 12345

    quote = "serialNo string 98a39e53-84d4-448e-9081-29f64a6cd984 请求id"
    with mutant_jd(
        Defect("serialno-type-changes", quote, answer=_on_result(sometimes_a_number))
    ) as url:
        result = fuzz(
            url,
            tmp_path,
            is_emulator=False,
            only=["jd:quota-countdown"],
            max_examples=6,
            max_rps=0,
        )
    assert result.error is None and result.status == "fail", explain(result)
    assert [c.status for c in result.checks] == ["fail"], explain(result)
    found = [f for f in result.findings if f.check == "response_schema"]
    assert found and "result.serialNo: 12345" in found[0].message, explain(result)


def test_a_failure_hypothesis_could_not_repeat_is_a_flaky_finding() -> None:
    """What hypothesis raises when a state machine's step failed and its replay passed and drew
    on: the failure and FlakyStrategyDefinition in one FlakyFailure group. The failure is the
    finding, flaky; the run is not an error."""
    from types import SimpleNamespace

    from hypothesis.errors import FlakyFailure, FlakyStrategyDefinition

    from harness.fuzz._checks import Problem, PropertyFailed
    from harness.fuzz._runner import _execute_one, _Outcome

    failure = PropertyFailed(Problem("response_schema", "high", "x"), None, None, property_name="p")  # type: ignore[arg-type]
    run = SimpleNamespace(last_failure={}, steps=[])

    def test() -> None:
        run.last_failure["p"] = failure
        drew_on = FlakyStrategyDefinition("The second run drew more data than the first run.")
        raise FlakyFailure("Inconsistent results from replaying a test case!", [failure, drew_on])

    out = _Outcome()
    _execute_one(run, SimpleNamespace(id="p"), test, out)  # type: ignore[arg-type]
    assert out.error is None and out.failures == [(failure, True)], out
