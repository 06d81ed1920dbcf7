"""`--timeout` of conform, fuzz, accuracy and load: bad values refused in one line, a hang reported
in time."""

from __future__ import annotations

import json
import time

import pytest
from fixtures.cli import run_cli

from harness.clients import DEMO


@pytest.mark.parametrize("command", ["conform", "fuzz", "accuracy", "load run"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_timeout_that_is_not_positive_is_refused(command, value, tmp_path, cli):
    r = cli(
        *command.split(), "--target", "emulator", "--timeout", value, "--out", str(tmp_path / "out")
    )
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--timeout" in lines[0] and "Traceback" not in r.stderr


def test_conform_reports_a_hang_as_unanswered_within_its_timeout(emulator, tmp_path):
    # each /idno case fetches a fresh liveCode (19 in this run), so every one waits out the
    # client timeout: 0.5 s, not 1 s, halves the wait; the hang (1 s) outlasts it either way
    url = emulator(faults=("liveCode=hang:1.0",))
    env = {"FACEHARNESS_TOKEN": DEMO.token}
    started = time.monotonic()
    r = run_cli(
        "conform",
        "--target",
        url,
        "--api",
        "match",
        "--phases",
        "examples",
        "--examples",
        "1",
        "--seed",
        "1",
        "--max-requests",
        "60",
        "--timeout",
        "0.5",
        "--out",
        str(tmp_path / "run"),
        env=env,
    )
    elapsed = time.monotonic() - started
    assert r.returncode == 1, r.stdout + r.stderr
    findings = json.loads((tmp_path / "run" / "findings.json").read_text())
    findings = findings["findings"] if isinstance(findings, dict) else findings
    hangs = [f for f in findings if f["check"] == "answered" and f["operation"] == "liveCode"]
    assert (
        hangs and "timeout" in hangs[0]["message"] and "0.5 s client timeout" in hangs[0]["message"]
    ), findings
    assert elapsed < 120
