"""A probe's request and the reconnect retry it may have cost are spent from the run's one
budget (a live service may bill both), never from a second budget beside it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fixtures import mutant_match
from fixtures.cli import DEMO_ENV
from fixtures.mutant_jd import mutant_jd
from fixtures.servers import DropsFirstConnection

import harness.conformance._run as conformance_run
from harness.clients import DEMO
from harness.config import ConformanceSettings
from harness.conformance import replay_finding
from harness.conformance._engine import load_schema
from harness.conformance._failures import CheckFailed, build_findings
from harness.conformance._payloads import PayloadPool
from harness.conformance._probes import ProbeContext
from harness.conformance._registry import RULES
from harness.conformance._session import Session
from harness.conformance._tracker import RunTracker
from harness.contract import Contract, load_contract
from harness.emulator import EmulatorServer
from harness.errors import InputError
from harness.gate._policy import QUICK
from harness.pacing import Budget
from harness.suite import STAGE_SHARE

from .conftest import conform, explain, probe_session


def _live_session(
    contract: Contract, api: str, url: str, tracker: RunTracker, max_rps: float = 0.0
) -> Session:
    """A probe session against a live (non-emulator) target at ``url``, spending ``tracker``,
    its requests paced at ``max_rps`` (0: unpaced)."""
    raw = load_schema(
        contract.spec(api).raw, base_url=url, seed=0, examples=1, request_timeout_s=10
    ).raw_schema
    return Session(
        contract=contract,
        api=api,
        creds=DEMO,
        tracker=tracker,
        pool=PayloadPool(contract),
        is_emulator=False,
        target=url,
        identity=None,
        raw_schema=raw,
        timeout_s=10,
        max_rps=max_rps,
    )


def test_a_probe_retry_that_reached_the_service_is_spent_from_the_runs_budget():
    contract = load_contract()
    server = DropsFirstConnection()
    tracker = RunTracker(budget=Budget(10))
    try:
        session = _live_session(contract, "match", server.url, tracker)
        with session:
            ctx = ProbeContext(session=session)
            answer = ctx.send(ctx.canonical("liveCode"))
    finally:
        server.close()
    assert answer.status == 200 and server.requests == 2  # the service saw the request twice
    assert session.sender.budget is tracker.budget
    assert tracker.budget.used == 2  # one probe request, one paid retry: both spent, once each
    assert tracker.by_operation["liveCode"] == 1 and session.sender.reconnects == 1


def test_a_probe_that_bursts_is_noted_not_run_at_a_clients_pace():
    """Review 2: at a pace (a live target without ``--max-rps 0``) the probes that send
    requests in flight together returned silently, so a run's PASS never said the race defects
    were left untried; below 2 requests/s (no mini-burst fits) each notes itself
    (``ApiRun.probes_unpaced``) and sends nothing."""
    contract = load_contract()
    for api, rule_id in (("match", "FH-L29"), ("jd", "FH-L12")):  # FH-L18 sends in turn first
        tracker = RunTracker(budget=Budget(10))
        url = "http://127.0.0.1:9"  # never contacted: the probe sends nothing at this pace
        session = _live_session(contract, api, url, tracker, max_rps=1.5)
        entry = next(e for e in RULES if e.id == rule_id)
        ctx = ProbeContext(session=session)
        entry.fn(ctx)
        assert ctx.paced_out and tracker.budget.used == 0, rule_id
        unpaced = ProbeContext(session=session, may_burst=True)  # --max-rps 0: it may burst
        assert unpaced.bursts() == 6 and not unpaced.paced_out, rule_id


def test_a_race_is_crossed_by_a_mini_burst_within_the_pace():
    """Session 20 left it: at a live target's pace the race probes did not run at all. A
    mini-burst of a second's worth (here 4 at 4 requests/s, counted in the budget, no second
    above the pace) crosses JD answers a shared buffer hands to each other (FH-L18)."""
    contract = load_contract()
    tracker = RunTracker(budget=Budget(40))
    with mutant_jd("answers-crossed-under-concurrency", contract) as url:
        with _live_session(contract, "jd", url, tracker, max_rps=4) as session:
            ctx = ProbeContext(session=session)
            assert ctx.bursts() == 4 and not ctx.paced_out
            with pytest.raises(CheckFailed, match="while 4 comparisons"):
                RULES.get("FH-L18").fn(ctx)
    assert tracker.budget.used <= 8  # two in turn, the other face alone, the burst of 4


def test_a_race_found_at_a_pace_replays_with_its_burst(
    contract: Contract, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 21's review: a race a mini-burst found replayed unpaced with no burst at all
    (``may_burst`` off: nothing in flight together), so the unchanged broken service replayed
    "fixed". The replay file records the burst (``conformance.burst``) and the replay sends it;
    a file that does not say it (one written before) is not re-tested, never "fixed"."""
    monkeypatch.setattr(conformance_run, "RULES", [RULES.get("FH-L18")])  # that probe alone
    for name, value in DEMO_ENV.items():  # the replay's credentials
        monkeypatch.setenv(name, value)
    pace = conformance_run.URL_DEFAULT_MAX_RPS
    with mutant_jd("answers-crossed-under-concurrency", contract) as url:
        with probe_session(contract, "jd", url, max_rps=pace) as session:
            raws, *_ = conformance_run._run_probes(session, ConformanceSettings(), False, pace)
        path = _replay_file(raws, session, url, contract, tmp_path, "FH-L18")
        replayed = replay_finding(path)
        assert replayed.still_failing, replayed.detail
        kept = json.loads(path.read_text(encoding="utf-8"))
        assert kept["conformance"] == {"burst": 5}  # the URL default pace's mini-burst
        del kept["conformance"]
        (old := tmp_path / "old.json").write_text(json.dumps(kept), encoding="utf-8")
        with pytest.raises(InputError, match="FH-L18 sends requests in flight.*not re-tested"):
            replay_finding(old)


def test_an_answer_rules_finding_in_a_burst_replays_with_that_burst(
    contract: Contract, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 21's review: an answer rule's finding (FH-H01, a 5xx) raised during FH-L29's
    burst replayed as one request alone, so the unchanged broken service replayed "fixed". Its
    file names the probe and its burst, and the replay runs that probe with that burst."""
    monkeypatch.setattr(conformance_run, "RULES", [RULES.get("FH-L29")])  # that probe alone
    for name, value in DEMO_ENV.items():  # the replay's credentials
        monkeypatch.setenv(name, value)
    with mutant_match.serve("match-concurrent-server-error") as url:
        with probe_session(contract, "match", url) as session:
            raws, *_ = conformance_run._run_probes(session, ConformanceSettings(), False, 0)
        path = _replay_file(raws, session, url, contract, tmp_path, "FH-H01")
        replayed = replay_finding(path)
        assert replayed.still_failing, replayed.detail
        kept = json.loads(path.read_text(encoding="utf-8"))
        assert kept["conformance"]["probe"] == "FH-L29" and kept["conformance"]["burst"] > 1
        del kept["conformance"]["burst"]  # a probe named without its burst: not re-tested
        (old := tmp_path / "old.json").write_text(json.dumps(kept), encoding="utf-8")
        with pytest.raises(InputError, match="FH-L29 sends requests in flight.*not re-tested"):
            replay_finding(old)


class _Slow:
    """Virtual time: each answer took ``latency`` seconds more, on the run's clock (the service
    counts its answers) and in the answer times its budget reads the target's pace from, so no
    test waits for a slow service. Real time counts a tenth (``REAL``): CI's stop 38 ran this
    test on a loaded machine where the harness's own real seconds ate the 70 s the probes had
    over their need, and FH-L29 was skipped; the virtual seconds are the ones under test."""

    REAL = 0.1

    def __init__(self, latency: float) -> None:
        self.latency, self.start, self.answered = latency, time.monotonic(), 0

    def __call__(self) -> float:
        return (time.monotonic() - self.start) * self.REAL + self.latency * self.answered

    def budget(self, *args: Any, **kwargs: Any) -> Budget:
        latency = self.latency

        class SlowBudget(Budget):
            def answered(self, seconds: float) -> None:
                super().answered(seconds * _Slow.REAL + latency)

        return SlowBudget(*args, clock=self, **kwargs)

    def serve(self, app: Any) -> EmulatorServer:
        async def counted(scope: Any, receive: Any, send: Any) -> None:
            await app(scope, receive, send)
            self.answered += scope["type"] == "http"

        return EmulatorServer(counted)


def test_a_slow_targets_engine_leaves_the_probes_their_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Session 20 left it: at 300 ms an answer, the gate's quick conformance (96 s: 48 s an API)
    gave schemathesis half of each part, and 10 of 26 match probes were skipped: a correct
    service read inconclusive (exit 0), and a defect only they see slipped by the same way. The
    engine now stops when what is left of the API's part is the probes' reserve at its own
    pace, so the probes all run: here FH-L20 names a service refusing past 300k characters.
    Scaled by ten on a virtual clock (3 s an answer, 540 s for the API: the probes need 498
    since round 14's six requests, 480 of the 480 s before), so the real time the run takes on a
    loaded machine is small beside it."""
    slow = _Slow(3.0)
    monkeypatch.setattr(conformance_run, "Budget", slow.budget)
    monkeypatch.setattr(mutant_match, "EmulatorServer", slow.serve)
    with mutant_match.serve("limit-300k-characters") as url:
        result = conform(
            url,
            tmp_path,
            is_emulator=False,
            api="match",
            max_rps=0,
            max_seconds=540,
            examples=10,
            seed=1,
        )
    run = result.metrics.apis["match"]
    assert run.probes_skipped == [] and run.stop_reason == "interrupted", run
    assert result.metrics.time_budget_spent  # the engine stopped by time, for the probes
    assert "FH-L20" in {f.rule_id for f in result.findings}, explain(result)
    assert result.status == "fail"


def test_the_gate_quick_run_leaves_each_apis_engine_answers_at_the_url_pace():
    """Session 25's leftover: the gate's quick conformance against a URL (96 s, 5 requests/s,
    550 requests) split the time evenly, 48 s an API, under match's keep (250 requests: 50 s),
    so match's engine stopped after the 3 answers that tell its pace while JD's got ~125. Each
    API now gets its probes' keep and an even part of the time over every API's keep: here each
    engine gets at least 45 answers (JD's 58 since round 16's seven probe requests; 60 before;
    match's 48 since session 28's round 17, its reserve 203 and JD's 146; 42 in 96 s with round
    18's 206 and 148, so the quick stage is 125 s since: 100 s of conformance), and both APIs'
    probes their need, within the 100 s. The run's own phases on a clock that moves a request's
    time per request sent."""
    rps, seconds = conformance_run.URL_DEFAULT_MAX_RPS, QUICK.stage_timeout_s * STAGE_SHARE
    pace, now = 1 / rps, [0.0]
    budget = Budget(conformance_run.URL_DEFAULT_MAX_REQUESTS, seconds, clock=lambda: now[0])
    budget.started = 0.0
    share = (conformance_run.URL_DEFAULT_MAX_REQUESTS - 5) // len(conformance_run.APIS)
    keeps = tuple(conformance_run.probe_keep(share, api) for api in conformance_run.APIS)
    needs = tuple(conformance_run.probe_need(share, api) for api in conformance_run.APIS)
    answers: dict[str, int] = {}
    for index, api in enumerate(conformance_run.APIS):
        left = len(keeps) - index
        until = conformance_run.time_share(budget, left, keeps[index:], pace, needs[index:])
        assert until is not None
        part = until - now[0]
        budget.share_time(part / 2, keep=keeps[index], of=part, pace=pace)
        answers[api] = 0
        while (budget.seconds_left() or 0) > 0 and answers[api] < 1000:  # the engine's requests
            now[0] += pace
            budget.answered(pace / 2)  # a target quicker than the pace: the pace is the time
            answers[api] += 1
        budget.share_time(until - now[0], pace=pace)
        assert (budget.seconds_left() or 0) >= (keeps[index] - 1) * pace, api  # the probes keep
        now[0] += needs[index] * pace
        budget.share_time(None)  # the API's part ends (run_conformance's)
    assert now[0] <= seconds and min(answers.values()) >= 45, answers


@pytest.mark.parametrize(("api", "keep"), [("match", 255), ("jd", 183)])
def test_the_engine_keeps_the_probes_time_without_a_margin_on_the_spare(api: str, keep: int):
    """Session 22's review: each reserve holds PROBE_SPARE (10) requests over the probes' need,
    and the time the engine keeps for them multiplied those by PROBE_MARGIN (1.25) too, so in the
    gate's quick run (96 s at 5 requests a second) the match engine's time fell from ~11 s to
    ~6.6 s. The margin is on the need only (match 160 since round 12's FH-L42 and FH-L43, 161
    since session 25's FH-L19 field, 167 since round 14's six cases, 192 since session 25's
    FH-A23 draws (25) joined them, JD 105 since its FH-J23 and FH-J24, 110 since round 13's
    FH-A21, 113 since round 14's three cases, 114 since session 25's
    full-width serialNo (FH-L25), 121 since round 15's seven requests (FH-A18, FH-L05, FH-J21,
    FH-L40, FH-J25), 128 since round 16's seven (FH-J23, FH-J25, FH-A18, FH-A04, FH-L34), 130
    since session 27's review (FH-A04's None and undefined secrets), 136 since round 17's six
    (FH-A15's five second formulas, FH-A18's underscores), 138 since round 18's two (FH-A15's
    SHA-1, FH-A18's scientific notation), of a default run's share,
    272 since the URL default of 550; match 193 since session 28's /idno in base64 lines, of a
    share of 273 since the URL default of 552; match 196 since round 18's three, of a share of
    276 since the URL default of 557)."""
    share = (conformance_run.URL_DEFAULT_MAX_REQUESTS - 5) // len(conformance_run.APIS)
    assert (
        share == 276
        and conformance_run.probe_reserve(share, api)
        == (
            conformance_run.PROBE_RESERVE[api]  # a default run's share holds the whole reserve
        )
    )
    assert share - conformance_run.probe_reserve(share, "match") >= 70  # the engine's part
    assert conformance_run.probe_keep(share, api) == keep  # 254 for match with the margin on it
    assert (
        conformance_run.probe_keep(8, api) == 6
    )  # a reserve (75 % of 8) under the spare: no margin


def _replay_file(raws, session, url: str, contract: Contract, tmp_path: Path, rule_id: str) -> Path:
    """The replay file of the one finding of ``rule_id`` the probes' results make."""
    found = build_findings(
        raws,
        seed=1,
        out_dir=tmp_path,
        target={"kind": "url", "url": url},
        secrets=[],
        pool=session.pool,
        contract=contract,
    )
    [finding] = [f for f in found if f.rule_id == rule_id]
    return Path(str(finding.reproduce).removeprefix("faceharness replay "))
