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
from typing import Any

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


def test_a_replay_sends_a_serial_number_of_its_own_in_every_suite(
    contract: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serialNo ... 随机唯一` (seed 004): a service holding callers to it refuses a serialNo it has
    answered. A replay once re-sent the recorded one (a history rule twice), so a second look at
    an unchanged broken service said "fixed"; each send now carries its own, in either suite."""
    from fixtures.legit_variants import jd_serial_unique
    from fixtures.rewrite import rewriting

    from harness.emulator import EmulatorServer, build_settings, create_app
    from harness.fuzz import replay_finding as replay_fuzz

    monkeypatch.setenv("FACEHARNESS_JD_APPKEY", DEMO.jd_appkey)
    monkeypatch.setenv("FACEHARNESS_JD_SECRETKEY", DEMO.jd_secretkey)
    breaks = ("thresholds-out-of-order", "remaintimes-stuck")
    settings = build_settings(engine="fast", breaks=breaks, **emulator_settings())
    app = rewriting(create_app(settings, contract=contract), jd_serial_unique())
    # the same finding as fuzz files it (a valid request; images by fuzz's recipe)
    data = json.loads((FILES / "rule-FH-J06.json").read_text(encoding="utf-8"))
    body = data["exchange"]["body"]
    for item in (body["collectionImageItems"][0], body["compareImageItem"]):
        item["imgBase64"] = {"$image": "builtin:eileen_collins_jpeg|fit:320", "as": "b64"}
    data |= {"suite": "fuzz", "fuzz": {"property": "jd:valid-requests", "steps": []}}
    as_fuzz = tmp_path / "F-001.json"
    as_fuzz.write_text(json.dumps(data), encoding="utf-8")
    with EmulatorServer(app) as url:
        seen = {
            "first": replay_finding(FILES / "rule-FH-J06.json", target=url),
            "again": replay_finding(FILES / "rule-FH-J06.json", target=url),
            "sent twice": replay_finding(FILES / "history-FH-J12.json", target=url),
            "fuzz": replay_fuzz(as_fuzz, target=url),
        }
    assert {k: o.still_failing for k, o in seen.items()} == dict.fromkeys(seen, True), {
        k: o.detail for k, o in seen.items()
    }


@pytest.mark.parametrize("serial", ["", "9" * 65, "a b", "x\n", 5, None])
def test_a_replay_keeps_a_serial_number_the_finding_may_be_about(contract: Any, serial: Any):
    """Only a serialNo valid under every reading is replaced (by one as valid, of its length, each
    character by one of its kind: a service reading digits alone as a number, mutant_jd
    result-serialno-as-number, was replayed as fixed): one outside the spec's pattern or lengths,
    or absent, is what an invalid case may be about."""
    import re

    from harness.clients import Request
    from harness.findings import fresh_serial

    body = {"appName": "FACE_ALGORITHM"} | ({} if serial is None else {"serialNo": serial})
    request = Request("jd", "faceCompareNew", "POST", "/jdai/faceCompareNew", json=body)
    assert fresh_serial(request, contract) == request
    long = "1621270610624-010221159145-1821391"  # the document's example
    fresh = [fresh_serial(request.with_json(("serialNo",), s), contract) for s in ("7", long)]
    assert [len(r.json["serialNo"]) for r in fresh] == [13, len(long)]
    assert fresh[0].json["serialNo"].startswith("7") and fresh[1].json["serialNo"] != long
    assert fresh[1].json["serialNo"].startswith(long[:-12]) and fresh[1].json["appName"]
    # each replaced character of its kind: the serialNo a service read as a number stays digits
    digits = fresh_serial(request.with_json(("serialNo",), "000001234567"), contract)
    assert digits.json["serialNo"].isdigit() and len(digits.json["serialNo"]) == 24
    kinds = fresh_serial(request.with_json(("serialNo",), "ab-CD_12:x.y"), contract)
    assert re.fullmatch(
        r"ab-CD_12:x\.y[a-z]{2}-[A-Z]{2}_\d{2}:[a-z]\.[a-z]", kinds.json["serialNo"]
    )
