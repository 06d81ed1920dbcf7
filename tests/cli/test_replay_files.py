"""One replay format for every suite: `faceharness replay FILE` reads a file of either suite (and
the version-1 files of earlier releases), prints the same two lines, and never holds an image or a
secret."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.clients import DEMO
from harness.conformance._payloads import PayloadPool, from_refs
from harness.errors import InputError
from harness.findings import read_replay
from harness.fuzz import emulator_overrides, load_replay, run_fuzz

REPLAY_FILES = Path(__file__).parents[1] / "conformance" / "replay_files"
DEMO_ENV = {
    "FACEHARNESS_TOKEN": DEMO.token,
    "FACEHARNESS_JD_APPKEY": DEMO.jd_appkey,
    "FACEHARNESS_JD_SECRETKEY": DEMO.jd_secretkey,
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        env={**os.environ, **DEMO_ENV},
    )


def one_line_error(r: subprocess.CompletedProcess[str], text: str) -> None:
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0] and "Traceback" not in r.stderr, r.stderr


def _as_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """A fuzz file as releases before the shared format wrote it: nested image entries,
    ``fuzz.images``."""
    old = copy.deepcopy(data)
    old["version"] = 1
    images = []

    def walk(value: Any, path: tuple[Any, ...]) -> Any:
        if isinstance(value, dict) and "$image" in value:
            entry = {"recipe": value["$image"], "encoding": value["as"], "sha256": value["sha256"]}
            images.append({"path": list(path), **entry})
            return {"$image": entry}
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    old["exchange"]["body"] = walk(old["exchange"]["body"], ())
    old["fuzz"]["images"] = images
    return old


@pytest.fixture(scope="module")
def fuzz_finding(
    contract: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """One fuzz run whose finding both tests read; each writes its own copies."""
    from harness.emulator import EmulatorServer, build_settings, create_app

    settings = build_settings(engine="fast", breaks=("accept-bad-sign",), **emulator_overrides())
    server = EmulatorServer(create_app(settings, contract=contract))
    url = server.start()
    out = tmp_path_factory.mktemp("fuzz-finding")
    try:
        result = run_fuzz(
            url,
            out_dir=out / "run",
            is_emulator=True,
            credentials=DEMO,
            seed=1,
            only=["jd:invalid-requests/bad-sign"],
        )
        assert result.status == "fail" and result.findings, result.error
        yield url, out / "run" / "findings" / "F-001.json"
    finally:
        server.stop()


@pytest.mark.slow
def test_a_fuzz_file_has_the_shared_shape_and_replays_like_a_conformance_one(
    fuzz_finding, tmp_path
):
    url, path = fuzz_finding
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert (
        data["format"] == "faceharness-replay" and data["version"] == 2 and data["suite"] == "fuzz"
    )
    image = data["exchange"]["body"]["compareImageItem"]["imgBase64"]
    assert set(image) == {"$image", "as", "sha256"} and len(image["sha256"]) == 64, image
    assert not re.search(r"[A-Za-z0-9+/]{300}", text), "image bytes in the replay file"
    assert DEMO.jd_secretkey not in text and DEMO.jd_appkey not in text
    r = cli("replay", str(path), "--target", url)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 2, r.stdout + r.stderr
    assert lines[0] == f"{data['id']} {data['check']['name']}: still failing", lines

    old = tmp_path / "v1.json"  # a file written by an earlier release still replays
    old.write_text(json.dumps(_as_version_1(data)), encoding="utf-8")
    assert (
        load_replay(
            old, __import__("harness.contract", fromlist=["x"]).load_contract()
        ).request.json
        == load_replay(
            path, __import__("harness.contract", fromlist=["x"]).load_contract()
        ).request.json
    )
    again = cli("replay", str(old), "--target", url)
    assert again.returncode == 1 and again.stdout.splitlines()[0] == lines[0], (
        again.stdout + again.stderr
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("image", "said"),
    [
        ({"sha256": "0" * 64}, "sha256 differs"),
        # an image no recipe names is written as a placeholder: its request is not replayed
        ({"$unreplayable": "image", "sha256": "ab" * 32, "bytes": 9}, "cannot be replayed"),
    ],
    ids=["other-bytes", "placeholder"],
)
def test_an_image_that_rebuilds_to_other_bytes_is_refused_in_one_line(
    fuzz_finding, tmp_path, image, said
):
    url, path = fuzz_finding
    data = json.loads(path.read_text(encoding="utf-8"))
    item = data["exchange"]["body"]["compareImageItem"]
    item["imgBase64"] = image if "$unreplayable" in image else item["imgBase64"] | image
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data), encoding="utf-8")
    one_line_error(cli("replay", str(tampered), "--target", url), said)


def test_a_version_1_conformance_file_reads_into_the_shared_references(contract, tmp_path):
    pool = PayloadPool(contract)
    face = pool.match_images[0]
    body = {
        "image": {"data": {"$media": face.name, "as": "base64"}},
        "faceData": {"type": "image", "data": {"$media": pool.small[0].name, "as": "bytes"}},
    }
    old = {
        "format": "faceharness-replay",
        "version": 1,
        "id": "F-001",
        "target": {"kind": "emulator", "breaks": []},
        "check": {"name": "rules", "rule_id": "FH-M02", "timeout_s": 7.5},
        "finding": {},
        "exchange": {
            "api": "match",
            "operation": "match",
            "method": "POST",
            "path": "/face/match",
            "body": body,
        },
    }
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    replay = read_replay(path)
    assert replay.suite == "conformance" and replay.rule_id == "FH-M02" and replay.timeout_s == 7.5
    assert replay.exchange["body"]["image"]["data"] == {"$image": face.name, "as": "b64"}
    resolved = from_refs(replay.exchange["body"], pool)
    assert resolved["image"]["data"] == base64.b64encode(face.data).decode("ascii")
    assert resolved["faceData"]["data"] == list(pool.small[0].data)
    # a version-2 reference is checked against its sha256
    bad = {"$image": face.name, "as": "b64", "sha256": hashlib.sha256(b"other").hexdigest()}
    with pytest.raises(InputError, match="sha256 differs"):
        from_refs({"image": {"data": bad}}, pool)


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"version": 9}, "version 9"),
        ({"suite": "load"}, "suite 'load'"),
        ({"exchange": "x"}, "is not a faceharness replay file"),
        ({"target": [1, 2]}, "its 'target' is not an object"),
        ({"finding": "x"}, "its 'finding' is not an object"),
        ({"target": {"kind": "emulator", "breaks": 5}}, "'breaks' is not a list of break-mode"),
        (
            {
                "exchange": {
                    "api": "jd",
                    "operation": "faceCompareNew",
                    "method": "POST",
                    "path": "/jdai/faceCompareNew",
                    "body": {},
                    "splice": [1, 2],
                }
            },
            "splice spec '2': expected obj:N or arr:N",
        ),
        (  # review of session 27: sent, and its refusal blamed on the target
            {
                "exchange": {
                    "api": "match",
                    "operation": "liveCode",
                    "method": "GET\r\nX: y",
                    "path": "/tech/ai/face/match/validateData",
                    "body": {},
                }
            },
            "malformed replay file: its method 'GET\\r\\nX: Y' is not an HTTP token",
        ),
        ({"check": {"name": "x", "rule_id": ["FH-H02"]}}, "its check's 'rule_id' is not a string"),
    ],
    ids=[
        "future-version",
        "unknown-suite",
        "no-exchange",
        "target-list",
        "finding-text",
        "breaks-number",
        "splice-not-a-spec",
        "method-with-crlf",
        "rule-id-list",
    ],
)
def test_files_this_release_cannot_read_are_one_line_exit_2(tmp_path, change, text):
    data = {
        "format": "faceharness-replay",
        "version": 2,
        "id": "F-001",
        "suite": "fuzz",
        "target": {},
        "check": {"name": "x"},
        "exchange": {},
        **change,
    }
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    one_line_error(cli("replay", str(path)), text)


def test_replay_masks_the_credentials_a_target_quotes_in_the_field_a_rule_quotes(cli, tmp_path):
    """`replay` prints the rule's message, which quotes the answer: a target that put the token
    it was sent into its score had it printed on the terminal (and a CI log); so did `fuzz` and
    `conform` for their findings (masked only in the files, whose writers know the secrets)."""
    from fixtures.hostile_target import HostileTarget

    data = json.loads((REPLAY_FILES / "rule-FH-M01.json").read_text(encoding="utf-8"))
    data["check"] = {"name": "response_schema", "rule_id": "FH-H05", "timeout_s": 5.0}
    path = tmp_path / "F-002.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    token = "token-5e1d-quoted-in-a-score"
    with HostileTarget(("echo_in_score",)) as target:
        r = cli("replay", str(path), "--target", target.url, env={"FACEHARNESS_TOKEN": token})
    assert r.returncode == 1 and "data.result.score" in r.stdout, r.stdout + r.stderr
    assert token not in r.stdout + r.stderr and "***" in r.stdout, r.stdout


def test_conform_and_fuzz_print_their_findings_masked_for_a_short_token(tmp_path, capsys):
    """Review of session 16: a token under 8 characters is not remembered for redaction, and the
    console printed findings as made (the files were masked): the tables now print the summary
    as redacted for the reports, with the run's own credentials."""
    from datetime import UTC, datetime

    import typer

    from harness.commands._verdict import conclude, summarize
    from harness.commands.conform import render_summary
    from harness.results import ConformanceMetrics, ConformanceSuiteResult, Finding

    token = "tk-5e1d"
    finding = Finding(
        suite="conformance", api="match", operation="match", check="response_schema",
        severity="high", message=f"Received: score {token!r}", rule_id="FH-H05",
    )  # fmt: skip
    result = ConformanceSuiteResult(
        name="conformance", status="fail", findings=[finding], metrics=ConformanceMetrics()
    )
    summary = summarize(
        result, "conformance", target="http://127.0.0.1:9", started=datetime.now(UTC)
    )
    with pytest.raises(typer.Exit):
        conclude(
            summary,
            tmp_path,
            secrets=[token],
            details=lambda shown: render_summary(shown.suites.conformance or result),
        )
    printed = capsys.readouterr()
    assert "Received: score" in printed.out and token not in printed.out + printed.err, printed.out


@pytest.mark.parametrize(
    ("rule", "suite", "outcome"),
    [("FH-J06", "conformance", "inconclusive"), ("FH-J06", "fuzz", "inconclusive"),
     ("FH-M01", "conformance", "inconclusive"), ("FH-H02", "conformance", "still failing"),
     ("FH-J06", "in-probe", "inconclusive")],
    ids=["jd-rule", "jd-rule-fuzz", "match-rule", "http-rule-judges-it", "jd-rule-in-a-burst"],
)  # fmt: skip
def test_a_rule_replayed_on_an_answer_it_cannot_read_is_not_judged_never_fixed(
    cli, tmp_path, rule, suite, outcome
):
    """Hostile session 25: a target answering a 400 page (not the API's envelope) to everything
    made the replay of FH-J06 (thresholds fall) say "fixed", exit 0: the rule applies to nothing
    in such an answer, so it judged nothing. An HTTP rule (FH-H02, any answer) still judges it."""
    from fixtures.hostile_target import HostileTarget

    name = "rule-FH-M01.json" if rule == "FH-M01" else "rule-FH-J06.json"
    data = json.loads((REPLAY_FILES / name).read_text(encoding="utf-8"))
    if rule == "FH-H02":
        data["check"] = {"name": "http-200", "rule_id": "FH-H02", "timeout_s": 5.0}
    if suite == "fuzz":
        from harness.fuzz._pool import image_pool

        face = image_pool().faces[0]  # fuzz names its images by recipe
        ref = {"$image": face.name, "as": "b64", "sha256": hashlib.sha256(face.data).hexdigest()}
        body = data["exchange"]["body"]
        body["compareImageItem"]["imgBase64"] = body["collectionImageItems"][0]["imgBase64"] = ref
        data["suite"], data["fuzz"] = "fuzz", {"property": "jd:valid-requests"}
    if suite == "in-probe":  # found in a probe's burst: the probe again, the rule on its answers
        data["conformance"] = {"probe": "FH-L18", "burst": 2}
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with HostileTarget(("text_400",)) as target:
        r = cli("replay", str(path), "--target", target.url, env=DEMO_ENV)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == (1 if outcome == "still failing" else 0), r.stdout + r.stderr
    assert lines[0].endswith(f": {outcome}"), lines
    if outcome == "inconclusive":
        assert (
            "not judged: the answer (HTTP 400, text/plain) is not the API's envelope" in (lines[1])
        ), lines


@pytest.mark.parametrize("mode", ["refuse_all", "flip", "refuse_all-in-a-burst"])
def test_a_rule_replayed_on_an_answer_lacking_what_it_judged_is_not_judged(cli, tmp_path, mode):
    """Session 25's leftover: FH-M01's finding (errcode 0 without a traceNo) replayed against a
    service refusing everything (errcode 1001, an envelope of the right format) said "fixed":
    the rule reads a traceNo on an answer that ran and returned on the refusal, lacking it. A
    replay meeting another kind of answer than its finding's is not judged. Found in a probe's
    burst (FH-L26's two /match), every answer of the burst is asked, not the last alone."""
    from fixtures.hostile_target import HostileTarget

    data = json.loads((REPLAY_FILES / "rule-FH-M01.json").read_text(encoding="utf-8"))
    if mode != "refuse_all":  # review of session 26: a burst of refusals alone said "fixed"
        data["conformance"] = {"probe": "FH-L26", "burst": 2}
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with HostileTarget((mode.removesuffix("-in-a-burst"),)) as target:
        r = cli("replay", str(path), "--target", target.url, env=DEMO_ENV)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and lines[0].endswith(": inconclusive"), r.stdout + r.stderr
    assert "not judged" in lines[1], lines
    if mode == "flip":  # the burst met a 500 page: FH-M01 could not read it
        assert "answers)" in lines[1], lines
    if mode.endswith("burst"):  # no answer of the burst to /match ran: none of the finding's kind
        assert "the fresh one is refused (errcode)" in lines[1], lines
        assert re.search(r"\(each of \d+ answers\)$", lines[1]), lines


def test_a_burst_replay_is_still_failing_only_on_the_findings_operation(cli, tmp_path, contract):
    """Review of session 26: a finding made in a probe's burst was "still failing" when its rule
    failed on any operation the probe sent. FH-M01's finding on /match (no traceNo), in FH-L28
    (validateData, then LIP comparisons), against a service whose validateData answers lack the
    traceNo and whose comparisons carry it: /match is mended, so its replay says fixed; the
    validateData answers are that operation's own finding."""
    from fixtures.rewrite import Reply, rewriting

    from harness.conformance._emulator import emulator_settings
    from harness.emulator import EmulatorServer, build_settings, create_app

    def no_trace_on_validate(reply: Reply, scope: Any) -> None:
        body = reply.json()
        if reply.path.endswith("/validateData") and isinstance(body, dict):
            body.get("data", {}).pop("traceNo", None)
            reply.set_json(body)

    settings = build_settings(engine="fast", **emulator_settings())
    app = rewriting(create_app(settings, contract=contract), no_trace_on_validate)
    data = json.loads((REPLAY_FILES / "rule-FH-M01.json").read_text(encoding="utf-8"))
    data["conformance"] = {"probe": "FH-L28", "burst": 1}
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with EmulatorServer(app) as url:
        r = cli("replay", str(path), "--target", url, env=DEMO_ENV)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and lines[0].endswith(": fixed"), r.stdout + r.stderr
    assert "envelope-consistent holds on every answer of probe" in lines[1], lines


_OTHER_KIND = {  # rule: (the kept file whose request it sends, the refusal its finding was on)
    "FH-M09": ("rule-FH-M01.json", {"errcode": 42900, "errmsg": "SUCCESS"}),
    "FH-M08": ("rule-FH-M01.json", {"errcode": 40004, "errmsg": "参数不合法", "data": None}),
    "FH-J18": ("rule-FH-J06.json", {"code": "10047", "charge": True, "msg": "签名无效"}),
    "FH-J07": (
        "rule-FH-J06.json",
        {"code": "10000", "charge": False, "msg": "查询成功",
         "result": {"code": 100, "msg": "参数不合法", "result": True}},
    ),
}  # fmt: skip


@pytest.mark.parametrize("rule", [*sorted(_OTHER_KIND), "FH-J18-fuzz"])
def test_a_refusals_rule_replayed_on_a_success_is_not_judged(cli, tmp_path, rule):
    """Review of session 26: a finding about a refusal (FH-M09: an error whose errmsg says
    SUCCESS, recorded while the service throttled; FH-M08's "errors carry no data"; FH-J18's
    refused credentials charged; FH-J07's verdict on a failed call) replayed when its request is
    accepted said "fixed", exit 0: a success has every field a refusal has, so the rule that
    returned on it was taken to hold. FH-M09's replay here meets a service that still says
    SUCCESS in its refusals. An answer of another kind is not judged, unless the rule judges
    both (``Rule.any_outcome``)."""
    from fixtures.mutant_match import serve

    from harness.conformance import RULES

    suite, rule = ("fuzz", rule.removesuffix("-fuzz")) if rule.endswith("-fuzz") else ("", rule)
    name, refusal = _OTHER_KIND[rule]
    data = json.loads((REPLAY_FILES / name).read_text(encoding="utf-8"))
    if suite == "fuzz":  # fuzz's replay asks the rule book alike (its images named by recipe)
        from harness.fuzz._pool import image_pool

        face = image_pool().faces[0]
        ref = {"$image": face.name, "as": "b64", "sha256": hashlib.sha256(face.data).hexdigest()}
        body = data["exchange"]["body"]
        body["compareImageItem"]["imgBase64"] = body["collectionImageItems"][0]["imgBase64"] = ref
        data["suite"], data["fuzz"] = "fuzz", {"property": "jd:valid-requests"}
    data["check"] = {"name": RULES.get(rule).name, "rule_id": rule, "timeout_s": 10.0}
    data["finding"] |= {"rule_id": rule, "check": RULES.get(rule).name}
    data["finding"]["response"] = {"status": 200, "body": refusal}
    data["target"] = {"kind": "emulator", "breaks": []}
    if rule == "FH-M08":  # a reading rule's finding: the run's policy required E-006's default
        data["target"]["readings_required"] = {"E-006": "default"}
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    if rule == "FH-M09":
        with serve("errmsg-success-on-error") as url:
            r = cli("replay", str(path), "--target", url, env=DEMO_ENV)
    else:
        r = cli("replay", str(path), "--target", "emulator", env=DEMO_ENV)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and lines[0].endswith(": inconclusive"), r.stdout + r.stderr
    assert "not judged: the finding's answer was refused (" in lines[1], lines
    assert "the fresh one is ran (" in lines[1] and f"rule {rule} " in lines[1], lines


def test_a_history_rule_judges_both_kinds_at_its_place_only(cli, tmp_path):
    """FH-J12 (remainTimes) judges a business refusal and a comparison that ran alike
    (``any_outcome``): its kept file, recorded on a refusal, is judged on a comparison (the kept
    files' test); a gateway refusal carries no count it reads, so meeting one is not judged."""
    from fixtures.hostile_target import HostileTarget

    path = tmp_path / "F-001.json"
    path.write_bytes((REPLAY_FILES / "history-FH-J12.json").read_bytes())
    with HostileTarget(("refuse_all",)) as target:
        r = cli("replay", str(path), "--target", target.url, env=DEMO_ENV)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and lines[0].endswith(": inconclusive"), r.stdout + r.stderr
    assert "was refused (business), the fresh one is refused (gateway)" in lines[1], lines


_ANY_OUTCOME = {  # rule: its finding's answer, another kind than the emulator's comparison
    "FH-J02": {"code": "10099", "msg": "未知错误"},  # a gateway code outside JD's table
    "FH-J11": (  # a business refusal naming the service's own request id (E-041's other reading)
        {"code": "10000", "charge": False, "msg": "查询成功",
         "result": {"code": 100, "msg": "参数不合法", "serialNo": "own-id-1"}}
    ),
    "FH-J13": (  # a business refusal stamped in seconds
        {"code": "10000", "charge": False, "msg": "查询成功",
         "result": {"code": 100, "msg": "参数不合法", "timestamp": 1627977407}}
    ),
}  # fmt: skip


def test_a_rule_judging_every_answer_replayed_after_a_fix_that_changed_its_kind_is_fixed(
    cli, tmp_path, contract
):
    """Session 26's closing note: FH-J02 (the gateway code, which every envelope carries) and
    FH-J13 (result.timestamp, which a business refusal carries as a comparison does; FH-J11's
    result.serialNo too) judge a refusal and a comparison alike, yet had no
    ``Rule.any_outcome``: a finding replayed after a fix that also made the request's answer a
    comparison read "not judged" (inconclusive). FH-J02's replayed whole; each rule's answers
    asked of ``other_kind`` (a gateway refusal stays another place for FH-J11 and FH-J13)."""
    from harness.clients import Exchange
    from harness.conformance import RULES
    from harness.conformance._replay import other_kind
    from harness.contract import read_answer

    ran = {"code": "10000", "charge": True, "msg": "查询成功", "result": {"code": 0, "msg": "成功"}}
    fresh = Exchange.read(
        contract, "jd", 200, {"content-type": "application/json"}, json.dumps(ran).encode()
    )
    for rule, body in _ANY_OUTCOME.items():
        found = read_answer(contract, "jd", 200, body)
        assert other_kind(RULES.get(rule), fresh, found) is None, rule
    gateway = read_answer(contract, "jd", 200, {"code": "10047", "msg": "签名无效"})
    assert other_kind(RULES.get("FH-J13"), fresh, gateway) is not None

    rule = "FH-J02"
    data = json.loads((REPLAY_FILES / "rule-FH-J06.json").read_text(encoding="utf-8"))
    data["check"] = {"name": RULES.get(rule).name, "rule_id": rule, "timeout_s": 10.0}
    data["finding"] |= {"rule_id": rule, "check": RULES.get(rule).name}
    data["finding"]["response"] = {"status": 200, "body": _ANY_OUTCOME[rule]}
    data["target"] = {"kind": "emulator", "breaks": []}
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = cli("replay", str(path), "--target", "emulator", env=DEMO_ENV)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and lines[0].endswith(": fixed"), r.stdout + r.stderr
    assert "holds on 1 fresh answer" in lines[1], lines


def test_a_malformed_success_replayed_on_a_whole_one_is_judged(cli, tmp_path):
    """FH-M01's finding on an errcode 0 without a status (a success the contract cannot read as
    one) replayed on a service answering a whole success: the rule judged it, so it is fixed,
    not "another kind of answer"."""
    data = json.loads((REPLAY_FILES / "rule-FH-M01.json").read_text(encoding="utf-8"))
    body = {"errcode": 0, "errmsg": "SUCCESS", "data": {"traceNo": "1"}}
    data["finding"]["response"] = {"status": 200, "body": body}
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    r = cli("replay", str(path), "--target", "emulator", env=DEMO_ENV)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and lines[0].endswith(": fixed"), r.stdout + r.stderr
