"""FH-L12: the JD concurrency limit (43010 流量受限) probed against the emulator, planted defects
and a live URL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fixtures.rewrite import Reply, Scope
from fixtures.rewrite import rewriting as answers_rewritten

from harness.conformance._emulator import emulator_settings
from harness.conformance._failures import CheckFailed
from harness.conformance._probes import ProbeContext
from harness.conformance._registry import RULES
from harness.conformance._tracker import RunTracker
from harness.emulator import EmulatorServer, build_settings, create_app
from harness.emulator.engines import FastEngine

from .conftest import probe_session


class SlowEngine(FastEngine):
    """Comparisons that take long enough to overlap (the fast engine answers inline, one at a
    time)."""

    def template(self, image_bytes: bytes) -> Any:
        time.sleep(0.15)
        return super().template(image_bytes)


def probe(
    url: str,
    contract: Any,
    *,
    is_emulator: bool = True,
    may_burst: bool = True,
) -> tuple[CheckFailed | None, RunTracker, ProbeContext]:
    """Run FH-L12 alone, as a conformance run's probe phase does; the answer rules' failures on
    the burst's answers are findings too, so they come back first when there are any."""
    with probe_session(contract, "jd", url, is_emulator=is_emulator) as session:
        tracker = session.tracker
        ctx = ProbeContext(session=session, may_burst=may_burst)
        try:
            RULES.get("FH-L12").fn(ctx)
        except CheckFailed as failed:
            return failed, tracker, ctx
        return (ctx.failures[0] if ctx.failures else None), tracker, ctx


def _limited_to(rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[bytes], bytes]:
    """Rewrite the JSON answers that carry business 43010, leave every other answer as it is."""

    def apply(body: bytes) -> bytes:
        try:
            data = json.loads(body)
        except ValueError:
            return body
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, dict) and result.get("code") == 43010:
            return json.dumps(rewrite(data)).encode()
        return body

    return apply


def _as_invalid_parameter(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "result": {**data["result"], "code": 100, "msg": "参数不合法!"}}


def _at_the_gateway(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": "43010",
        "charge": False,
        "remainTimes": data.get("remainTimes"),
        "msg": "流量受限",
    }


def rewriting(app: Any, rewrite: Callable[[bytes], bytes]) -> Any:
    """An ASGI wrapper that rewrites complete answer bodies (the emulator's admin API passes
    through)."""

    def body(reply: Reply, scope: Scope) -> None:
        reply.body = rewrite(reply.body)

    return answers_rewritten(
        app, body, only=lambda scope: not scope["path"].startswith("/_emulator")
    )


@contextmanager
def slow_emulator(contract: Any, rewrite: Callable[[bytes], bytes] | None = None) -> Iterator[str]:
    app = create_app(
        build_settings(engine="dlib", **emulator_settings()), contract=contract, engine=SlowEngine()
    )
    with EmulatorServer(rewriting(app, rewrite) if rewrite else app) as url:
        yield url


def test_the_emulator_answers_its_limit_with_43010_and_the_probe_passes(contract):
    with slow_emulator(contract) as url:
        failed, tracker, _ = probe(url, contract)
        assert failed is None, failed.message
        assert tracker.codes["jd:business:43010"] > 0, (
            tracker.codes
        )  # the limit was reached and observed
        assert tracker.budget.used <= 1 + 3 * 6
        throttle = httpx.get(url + "/_emulator/config").json()["throttle"]
        assert not throttle.get("max_concurrency"), throttle  # the probe's limit is taken back


@pytest.mark.parametrize(
    ("rewrite", "received"),
    [
        (_as_invalid_parameter, "business code 100 (invalid parameter)"),
        (_at_the_gateway, "gateway code 43010"),
    ],
    ids=["refused-as-invalid-parameter", "43010-at-the-gateway"],
)
def test_a_limit_answered_otherwise_than_the_code_table_is_a_finding(contract, rewrite, received):
    with slow_emulator(contract, _limited_to(rewrite)) as url:
        failed, _, ctx = probe(url, contract)
    assert failed is not None and failed.rule_id == "FH-L12" and failed.basis == "seed"
    assert received in failed.message and "43010 (流量受限)" in failed.message, failed.message
    # the finding shows the answer it judged (the burst is sent from threads; the lone success
    # that holds the only slot answers last)
    shown = ctx.last_response.answer
    assert str(shown.code) == ("100" if "100" in received else "43010"), shown


def test_without_a_limit_nothing_is_a_finding(emulator, contract):
    """The fast engine answers one comparison at a time: no limit is ever reached, and none is
    required."""
    failed, tracker, _ = probe(emulator(**emulator_settings()), contract)
    assert (
        failed is None
        and tracker.codes["jd:business:43010"] == 0
        and tracker.budget.used == 1 + 3 * 6
    )


def test_a_live_target_is_burst_only_when_the_run_allows_bursts(emulator, contract):
    url = emulator(**emulator_settings())
    _, held, _ = probe(url, contract, is_emulator=False, may_burst=False)
    assert held.budget.used == 0
    failed, burst, _ = probe(url, contract, is_emulator=False, may_burst=True)
    assert failed is None and burst.budget.used == 1 + 6  # one round against a live target


def test_the_burst_sends_serial_numbers_of_the_documents_shape(contract):
    """Each request of the burst has a serialNo of its own shaped as the document's example (34
    characters): a service whose column is that long answers them all as comparisons (the burst
    appended "-n", 36 characters, and every answer was business 100)."""
    from fixtures.legit_variants import serve_variant

    with serve_variant("jd-serial-34", contract) as url:
        failed, tracker, _ = probe(url, contract)
    assert failed is None, failed.message
    assert tracker.codes["jd:business:100"] == 0, tracker.codes
    assert tracker.budget.used == 1 + 3 * 6
