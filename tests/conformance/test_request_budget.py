"""`conform --max-requests N` sends at most N requests in all: a live target bills every call, the
preflight's and the reachability check's and schemathesis' capability probes
(``schemathesis.engine.run.probes.PROBES``) as much as the generated cases."""

from __future__ import annotations

import json

from fixtures.servers import counting_emulator

from harness.clients import DEMO


def test_conform_sends_no_more_requests_than_its_budget_in_all(cli, contract, tmp_path):
    """Before: 13 requests reached the service for --max-requests 10 (the preflight's, GET /, a
    schemathesis probe)."""
    with counting_emulator(contract) as (url, seen):
        args = ("conform", "--target", url, "--api", "match", "--phases", "examples", "--seed", "1")
        out = ("--max-rps", "0", "--out", str(tmp_path / "run"))
        r = cli(*args, "--max-requests", "10", *out, env={"FACEHARNESS_TOKEN": DEMO.token or ""})
    assert r.returncode == 0 and "request budget spent" in r.stdout, r.stdout + r.stderr
    assert 0 < len(seen) <= 10, seen
    # the suite's result says it (one owner: the gate's summary.json reads as conform prints)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["suites"]["conformance"]["metrics"]["request_budget_spent"] is True
    # the probes the budget skipped could have found a defect: no PASS (before: PASS), and the
    # line says how many, for which API, and how to give more budget
    text = " ".join(r.stdout.split())
    assert "INCONCLUSIVE" in text and "PASS" not in text, text
    assert "match probes" in text and "--max-requests" in text, text


def test_a_share_spent_with_requests_left_is_no_spent_budget():
    """Session 21's review: JD's engine stopped at its share while its probes left ~69 requests
    unsent, and the run said "request budget spent"; it says so only when probes were skipped
    for the budget or (almost) nothing of --max-requests is left."""
    from harness.conformance._run import request_budget_spent
    from harness.results import ApiRun, ConformanceMetrics

    def metrics(requests: int, skipped: list[str]) -> ConformanceMetrics:
        runs = {"match": ApiRun(), "jd": ApiRun(probes_skipped=skipped)}
        return ConformanceMetrics(
            apis=runs, max_requests=500, requests=requests, budget_exhausted=True
        )

    assert not request_budget_spent(metrics(431, []))
    assert request_budget_spent(metrics(431, ["FH-L18"]))
    assert request_budget_spent(metrics(498, []))
    assert not request_budget_spent(metrics(498, []).model_copy(update={"budget_exhausted": False}))
