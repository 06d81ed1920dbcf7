"""Replay files a user kept from an earlier run replay with the same verdicts, in the same words.

The files in ``replay_files/`` were written by `faceharness conform` against the emulator with a
break mode (and one against an emulator dropping answers), before replays sent their requests
through the shared sender: a rule, a history rule (sent twice), an envelope check, a probe, a
request without an answer, and two of schemathesis' own checks (those two files are a rule's file
with its check renamed, as a run writes them). ``expected.json`` holds what each replay said then:
against the run's own target (the break is still there) and against a correct emulator (fixed).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.clients import DEMO
from harness.conformance import replay_finding
from harness.conformance._emulator import emulator_settings
from harness.errors import TargetError

FILES = Path(__file__).parent / "replay_files"
EXPECTED: dict[str, dict[str, list[object]]] = json.loads(
    (FILES / "expected.json").read_text(encoding="utf-8")
)


def test_every_kept_file_has_its_verdicts():
    assert sorted(p.name for p in FILES.glob("*.json") if p.name != "expected.json") == sorted(
        EXPECTED
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_kept_replay_file_replays_with_the_same_verdict(
    name: str, emulator: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var, value in {
        "FACEHARNESS_TOKEN": DEMO.token,
        "FACEHARNESS_JD_APPKEY": DEMO.jd_appkey,
        "FACEHARNESS_JD_SECRETKEY": DEMO.jd_secretkey,
    }.items():  # a URL target takes credentials from the environment only
        monkeypatch.setenv(var, value)
    targets: dict[str, str | None] = {"recorded": None, "emulator": "emulator"}
    if name.startswith("answered"):  # recorded against a URL: an emulator that drops the answer
        faulty = emulator(faults=("liveCode=chunked:1.0",), **emulator_settings())
        targets = {"faulty": faulty, "healthy": emulator(**emulator_settings())}
    seen = {
        label: [outcome.still_failing, outcome.detail]
        for label, target in targets.items()
        for outcome in [replay_finding(FILES / name, target=target)]
    }
    assert seen == EXPECTED[name]
    assert [failing for failing, _ in seen.values()] == (
        [False, False] if "unsupported_method" in name else [True, False]
    )  # the emulator answers an undeclared method as documented, with or without the break


def test_a_rule_whose_request_now_gets_no_answer_cannot_be_judged(
    emulator: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replay's request goes through the run's sender with the run's client timeout (kept in
    the file): a target that hangs is a one-line target error naming it, as for a probe."""
    monkeypatch.setenv("FACEHARNESS_TOKEN", DEMO.token)
    kept = json.loads((FILES / "rule-FH-M01.json").read_text(encoding="utf-8"))
    kept["check"]["timeout_s"] = 1.0
    path = tmp_path / "F-002.json"
    path.write_text(json.dumps(kept), encoding="utf-8")
    hanging = emulator(faults=("match=hang:1.0",), **emulator_settings())
    with pytest.raises(TargetError) as failed:
        replay_finding(path, target=hanging)
    assert str(failed.value) == (
        "F-002: the target gave no answer (timeout, nothing within the 1 s client timeout), "
        "so the finding cannot be judged"
    )
