"""A gate run against an emulator with every fault mode on: it ends in time, reports, never crashes."""

from __future__ import annotations

import json
import time

import pytest

from harness.emulator import FAULT_KINDS
from harness.gate import run_gate
from harness.report import validate_summary_data

from .conftest import SECRETS, SMALL, emulator_config
from .test_gate_run import leaks_in

RATE = 0.04  # per kind; nine kinds: about 30% of requests are faulted
BUDGET_S = 100.0

FAULTY = SMALL.model_copy(update={
    "name": "test-faults",
    "limit_search": "never",
    "request_timeout_s": 2.0,
    "stage_timeout_s": 40.0,
})


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory, secret_env):
    from harness.emulator.middleware import faults

    root = tmp_path_factory.mktemp("faults")
    specs = ", ".join(f'"{kind}:{RATE}"' for kind in FAULT_KINDS)
    config = emulator_config(root / "emulator.toml", f"faults = [{specs}]")
    with pytest.MonkeyPatch.context() as mp:
        # The emulator's own bound on a hang and a slow body; clients that do not expose a
        # timeout (see the report) would otherwise wait out the defaults.
        mp.setattr(faults, "HANG_LIMIT_S", 2.0)
        mp.setattr(faults, "SLOW_BODY_S", 1.0)
        t0 = time.monotonic()
        outcome = run_gate(out_dir=root / "run", profile=FAULTY, config=config)
        seconds = time.monotonic() - t0
    return outcome, root / "run", seconds


def test_the_run_ends_within_its_budget_with_a_verdict(faulty_run):
    outcome, out_dir, seconds = faulty_run
    assert seconds < BUDGET_S
    summary = outcome.summary
    assert summary.verdict in ("fail", "error") and outcome.exit_code in (1, 2)
    validate_summary_data(json.loads((out_dir / "summary.json").read_text(encoding="utf-8")))
    assert (out_dir / "report.html").stat().st_size > 0
    for name, suite in summary.suites.items():
        assert suite.status in ("pass", "fail", "error"), (name, suite.status)
        if suite.status == "error":
            assert suite.error and "\n" not in suite.error and "Traceback" not in suite.error


def test_faults_surface_as_findings(faulty_run):
    outcome, _, _ = faulty_run
    findings = outcome.summary.findings()
    text = " ".join(f"{f.check} {f.message}".lower() for f in findings)
    assert findings and outcome.summary.gate is not None and not outcome.summary.gate.passed
    assert "5xx" in text or "http 50" in text, "HTTP 500/502/503 faults"
    assert "json" in text, "invalid JSON and empty bodies"
    assert "no answer" in text or "timeout" in text, "hangs, resets and cut-off bodies"
    load = outcome.summary.suites.load
    assert load.status == "fail" and any(f.check == "error_rate" for f in load.findings)


def test_fault_findings_leak_no_secret_or_image(faulty_run, contract):
    _, out_dir, _ = faulty_run
    leaks = leaks_in(out_dir, [*SECRETS, contract.jd_fixed_fields["appAuthorityKey"]])
    assert not leaks, leaks[:10]
