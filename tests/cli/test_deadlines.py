"""Every command that sends ends in time against a hostile target: a per-request deadline and a run
budget.

The target (tests/fixtures/hostile_target.py) is a raw asyncio server on 127.0.0.1 port 0 that
drips its answers one byte every 0.5 s, resets connections, hangs, or sends 2 MB bodies, request by
request.

Times are measured where the bound applies, not around the process: a request's deadline on the
target's clock (from the request read to the connection's end), a run's budget by the suite's own
``duration_s`` in summary.json (from the suite's start). A Python process's start-up on a loaded
machine (20-25 s under a 2-core busy load) is none of either; the run's whole wall time is bounded
by ``run``'s timeout.
"""

from __future__ import annotations

import json
import time

import pytest
from fixtures.cli import Ran, run_cli
from fixtures.hostile_target import HostileTarget

ENV = {
    "FACEHARNESS_TOKEN": "hostile-test-token-7f3a",
    "FACEHARNESS_JD_APPKEY": "hostiletestappkey9c2e",
    "FACEHARNESS_JD_SECRETKEY": "hostile-test-secret-41b8",
}
MIX = ("ok", "drip", "reset", "hang", "oversized")


def run(*args: str, timeout: float = 240) -> tuple[Ran, float]:
    """`faceharness ARGS` in a real process with the hostile-test credentials; (result, seconds).
    ``timeout``: the whole run's bound, start-up included (a hang fails the test)."""
    r = run_cli(*args, env=ENV, timeout=timeout)
    return r, r.seconds


def suite_seconds(out_dir, suite: str) -> float:
    """The suite's own time, from its start to its verdict (summary.json)."""
    return json.loads((out_dir / "summary.json").read_text())["suites"][suite]["duration_s"]


def findings_of(out_dir) -> list[dict]:
    data = json.loads((out_dir / "findings.json").read_text())
    return data["findings"] if isinstance(data, dict) else data


def test_call_ends_a_dripped_answer_at_its_timeout_with_one_line():
    with HostileTarget(("drip",), drip_interval=0.5) as target:  # the whole answer would take 65 s
        r, _ = run("call", "livecode", "--target", target.url, "--timeout", "2")
        # the target sees the close at its next byte's write or the one after (0.5 s apart)
        for _ in range(100):
            if target.ended_at:
                break
            time.sleep(0.1)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "2 s request deadline" in lines[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert len(target.asked_at) == 1 and len(target.ended_at) == 1, target.served
    # given up at its 2 s deadline: not before it (half of it, for the request's way there), and
    # nowhere near the answer's end (65 s); the target notices a close up to 1 s late
    held = target.ended_at[0] - target.asked_at[0]
    assert 1.0 <= held <= 2 + 1 + 8, held


def test_call_refuses_a_timeout_that_is_not_positive(cli):
    """In-process (refused before anything is sent); `call` in a real process: the test above."""
    r = cli("call", "livecode", "--target", "http://127.0.0.1:9", "--timeout", "0", env=ENV)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "--timeout" in r.stderr


@pytest.mark.slow
def test_conform_against_a_hostile_target_ends_within_its_budget(tmp_path):
    # 12 s: the preflight and a /idno case's fresh liveCode come first; the budget must reach a
    # reset
    with HostileTarget(MIX, drip_interval=0.5, oversized_bytes=2 * 1024 * 1024) as target:
        r, _ = run(
            "conform",
            "--target",
            target.url,
            "--api",
            "match",
            "--phases",
            "examples",
            "--examples",
            "2",
            "--seed",
            "1",
            "--timeout",
            "2",
            "--max-seconds",
            "12",
            "--max-requests",
            "60",
            "--out",
            str(tmp_path / "run"),
        )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert suite_seconds(tmp_path / "run", "conformance") <= 12 + 2 + 10  # budget, a last deadline
    answered = [f for f in findings_of(tmp_path / "run") if f["check"] == "answered"]
    kinds = {f["message"].split(",")[0].removeprefix("no answer: ") for f in answered}
    assert "deadline" in kinds, answered
    assert kinds & {"reset", "timeout"}, kinds


@pytest.mark.slow
def test_conform_stops_sending_when_its_time_budget_is_spent(tmp_path):
    # every other request hangs: the preflight's and conform's reachability checks may each meet
    # a hang, and a target that answers half its requests is measured, not "could not run"
    with HostileTarget(("ok", "hang"), drip_interval=0.5) as target:
        r, _ = run(
            "conform",
            "--target",
            target.url,
            "--api",
            "all",
            "--examples",
            "5",
            "--seed",
            "1",
            "--timeout",
            "1",
            "--max-seconds",
            "8",
            "--max-requests",
            "400",
            "--out",
            str(tmp_path / "run"),
        )
    assert r.returncode == 1, r.stdout + r.stderr
    # the budget starts after the preflight (whose hang check may wait REACH_S twice), as the
    # suite's own time does; then one last deadline and a margin for a loaded machine
    assert suite_seconds(tmp_path / "run", "conformance") <= 8 + 1 + 10
    assert "time budget of 8 s spent" in " ".join(r.stdout.split()), r.stdout
    # session 21: and says the bound, not --examples, ended schemathesis' cases
    assert "examples cut: schemathesis (" in r.stdout and "--examples 5 per" in r.stdout, r.stdout
    summary = (tmp_path / "run" / "findings.json").read_text()
    assert "deadline" in summary or "timeout" in summary


@pytest.mark.slow
def test_fuzz_against_a_hostile_target_ends_within_its_budget(tmp_path):
    with HostileTarget(MIX, drip_interval=0.5, oversized_bytes=2 * 1024 * 1024) as target:
        r, _ = run(
            "fuzz",
            "--target",
            target.url,
            "--api",
            "match",
            "--max-examples",
            "3",
            "--seed",
            "1",
            "--timeout",
            "2",
            "--max-seconds",
            "6",
            "--max-requests",
            "60",
            "--max-rps",
            "0",
            "--out",
            str(tmp_path / "run"),
        )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert suite_seconds(tmp_path / "run", "fuzz") <= 6 + 2 + 10  # budget, a last deadline
    answered = [f for f in findings_of(tmp_path / "run") if f["check"] == "answered"]
    assert answered, r.stdout
    assert any("deadline" in f["message"] for f in answered) or "time limit" in r.stdout, answered


@pytest.mark.slow
def test_call_match_on_the_emulator_uses_the_real_face_engine(faces_dir):
    same = [str(faces_dir / "angelina_jolie_1.jpg"), str(faces_dir / "angelina_jolie_2.jpg")]
    r, _ = run("call", "match", "--image", same[0], "--face", same[1], timeout=300)
    assert r.returncode == 0, r.stderr
    assert "face engine dlib" in r.stderr
    assert json.loads(r.stdout)["data"]["result"]["success"] == "true"
    r, _ = run(
        "call", "match", "--image", same[0], "--face", same[1], "--engine", "fast", timeout=300
    )
    assert "face engine fast (not biometric)" in r.stderr


@pytest.mark.parametrize("command", ["conform", "accuracy", "fuzz"])
def test_a_run_budget_that_is_not_positive_is_refused(command, tmp_path, cli):
    r = cli(
        command,
        "--target",
        "emulator",
        "--max-seconds",
        "0",
        "--out",
        str(tmp_path / "out"),
        env=ENV,
    )
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--max-seconds" in lines[0] and "Traceback" not in r.stderr
