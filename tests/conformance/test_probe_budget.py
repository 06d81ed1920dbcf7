"""A probe's request and the reconnect retry it may have cost are spent from the run's one
budget (a live service may bill both), never from a second budget beside it."""

from __future__ import annotations

from fixtures.servers import DropsFirstConnection

from harness.clients import DEMO
from harness.conformance._engine import load_schema
from harness.conformance._payloads import PayloadPool
from harness.conformance._probes import ProbeContext
from harness.conformance._session import Session
from harness.conformance._tracker import RunTracker
from harness.contract import load_contract
from harness.pacing import Budget


def test_a_probe_retry_that_reached_the_service_is_spent_from_the_runs_budget():
    contract = load_contract()
    server = DropsFirstConnection()
    tracker = RunTracker(budget=Budget(10))
    try:
        session = Session(
            contract=contract,
            api="match",
            creds=DEMO,
            tracker=tracker,
            pool=PayloadPool(contract),
            is_emulator=False,
            target=server.url,
            identity=None,
            raw_schema=load_schema(
                contract.spec("match").raw,
                base_url=server.url,
                seed=0,
                examples=1,
                max_rps=None,
                request_timeout_s=10,
            ).raw_schema,
            timeout_s=10,
        )
        with session:
            ctx = ProbeContext(session=session)
            answer = ctx.send(ctx.canonical("liveCode"))
    finally:
        server.close()
    assert answer.status == 200 and server.requests == 2  # the service saw the request twice
    assert session.sender.budget is tracker.budget
    assert tracker.budget.used == 2  # one probe request, one paid retry: both spent, once each
    assert tracker.by_operation["liveCode"] == 1 and session.sender.reconnects == 1
