"""A probe's request and the reconnect retry it may have cost are spent from the run's one
budget (a live service may bill both), never from a second budget beside it."""

from __future__ import annotations

from fixtures.servers import DropsFirstConnection

from harness.clients import DEMO
from harness.conformance._engine import load_schema
from harness.conformance._payloads import PayloadPool
from harness.conformance._probes import ProbeContext
from harness.conformance._registry import RULES
from harness.conformance._session import Session
from harness.conformance._tracker import RunTracker
from harness.contract import Contract, load_contract
from harness.pacing import Budget


def _live_session(contract: Contract, api: str, url: str, tracker: RunTracker) -> Session:
    """A probe session against a live (non-emulator) target at ``url``, spending ``tracker``."""
    raw = load_schema(
        contract.spec(api).raw, base_url=url, seed=0, examples=1, max_rps=None, request_timeout_s=10
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
    """Review 2: at the default pace (a live target without ``--max-rps 0``) the probes that send
    requests in flight together returned silently, so a default run's PASS never said the race
    defects were left untried; each now notes itself (``ApiRun.probes_unpaced``) and sends
    nothing."""
    contract = load_contract()
    for api, rule_id in (("match", "FH-L29"), ("jd", "FH-L12")):  # FH-L18 sends in turn first
        tracker = RunTracker(budget=Budget(10))
        url = "http://127.0.0.1:9"  # never contacted: the probe sends nothing at this pace
        session = _live_session(contract, api, url, tracker)
        entry = next(e for e in RULES if e.id == rule_id)
        ctx = ProbeContext(session=session)
        entry.fn(ctx)
        assert ctx.paced_out and tracker.budget.used == 0, rule_id
        unpaced = ProbeContext(session=session, may_burst=True)  # --max-rps 0: it may burst
        assert unpaced.bursts() and not unpaced.paced_out, rule_id
