"""`faceharness conform` and `faceharness replay` as a user runs them: real processes, exit codes
0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.cli import one_line_error, run_cli

from harness.clients import DEMO
from harness.conformance import replay_finding

from .conftest import conform, explain


@pytest.mark.slow
def test_conform_on_a_broken_emulator_then_replay_the_finding(tmp_path):
    out = tmp_path / "run"
    r = run_cli(
        "conform",
        "--target",
        "emulator",
        "--api",
        "jd",
        "--break",
        "accept-bad-sign",
        "--phases",
        "examples",
        "--examples",
        "2",
        "--seed",
        "1",
        "--out",
        str(out),
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "auth-wrong-sign" in r.stdout and "faceCompareNew" in r.stdout and "FAIL" in r.stdout
    assert (out / "junit.xml").is_file() and json.loads((out / "findings.json").read_text())
    finding = out / "findings" / "F-001.json"
    again = run_cli("replay", str(finding))  # the run's own target: an emulator with the same break
    assert again.returncode == 1 and "still failing" in again.stdout, again.stdout + again.stderr
    fixed = run_cli("replay", str(finding), "--target", "emulator")
    assert fixed.returncode == 0 and "fixed" in fixed.stdout, fixed.stdout + fixed.stderr


@pytest.mark.slow
def test_replay_against_broken_and_unbroken_urls(conformance_emulator, tmp_path, monkeypatch, cli):
    """`replay --target URL` through the entry point in-process (the command's real process is the
    test above)."""
    demo = {
        "FACEHARNESS_TOKEN": DEMO.token,
        "FACEHARNESS_JD_APPKEY": DEMO.jd_appkey,
        "FACEHARNESS_JD_SECRETKEY": DEMO.jd_secretkey,
    }
    for name, value in demo.items():  # a URL target takes credentials from the environment only
        monkeypatch.setenv(name, value)
    broken = conformance_emulator("thresholds-out-of-order")
    result = conform(
        broken,
        tmp_path,
        api="jd",
        seed=5,
        examples=2,
        phases=("examples",),
        emulator_breaks=("thresholds-out-of-order",),
    )
    finding = next((f for f in result.findings if f.rule_id == "FH-J06"), None)
    assert finding is not None, explain(result)
    path = Path(finding.reproduce.split(" ", 2)[2])
    unbroken = conformance_emulator()
    assert replay_finding(path, target=broken).still_failing
    assert not replay_finding(path, target=unbroken).still_failing
    r = cli("replay", str(path), "--target", broken, env=demo)
    assert r.returncode == 1 and "thresholds-fall" in r.stdout, r.stdout + r.stderr
    assert cli("replay", str(path), "--target", unbroken, env=demo).returncode == 0


CREDS = {"FACEHARNESS_TOKEN": "t", "FACEHARNESS_JD_APPKEY": "k", "FACEHARNESS_JD_SECRETKEY": "s"}


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--api", "both"], "--api 'both': expected match, jd or all"),
        (
            ["--target", "http://127.0.0.1:9", "--break", "accept-bad-sign"],
            "--break applies to --target emulator only",
        ),
        (["--target", "http://127.0.0.1:9"], "is unreachable"),
        (["--phases", "stateful"], "--phases"),
    ],
    ids=["unknown-api", "break-with-url", "unreachable-target", "unknown-phase"],
)
def test_conform_bad_input_is_one_line_and_exit_2(tmp_path, cli, args, text):
    one_line_error(cli("conform", *args, "--out", str(tmp_path / "out"), env=CREDS), text)


def test_conform_bad_out_and_replay_of_a_non_finding(tmp_path, cli):
    taken = tmp_path / "file"
    taken.write_text("x")
    one_line_error(cli("conform", "--out", str(taken)), "is not a directory")
    one_line_error(cli("replay", str(taken)), "is not JSON")
