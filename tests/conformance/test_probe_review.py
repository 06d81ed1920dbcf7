"""The probes added in session 12, each run alone (as a conformance run's probe phase runs it)
against a service the documents allow or a hostile answer: no red verdict, no crash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fixtures.legit_variants import Reply, Scope, rewriting

from harness.conformance._emulator import emulator_settings
from harness.conformance._failures import CheckFailed
from harness.conformance._probes import ProbeContext
from harness.conformance._registry import RULES
from harness.emulator import EmulatorServer, build_settings, create_app

from .conftest import probe_session


def run_probe(
    rule_id: str, api: str, contract: Any, rewrite: Callable[[Reply, Scope], Any]
) -> CheckFailed | None:
    """The probe's verdict on the emulator behind ``rewrite``, taken for a live URL."""
    app = create_app(build_settings(engine="fast", **emulator_settings()), contract=contract)
    with EmulatorServer(rewriting(app, rewrite)) as url:
        with probe_session(contract, api, url) as session:
            try:
                RULES.get(rule_id).fn(ProbeContext(session=session, may_burst=True))
            except CheckFailed as failed:
                return failed
    return None


def _superscript_live_code(reply: Reply, scope: Scope) -> None:
    """A hostile validateData: its code is digits to str.isdigit ('²'), not to int()."""
    body = reply.json()
    if reply.path.endswith("/validateData") and isinstance(body, dict):
        body["data"]["result"]["code"] = "²³⁴⁵"
        reply.set_json(body)


def test_livecode_probe_survives_a_code_of_superscript_digits(contract) -> None:
    assert run_probe("FH-L13", "match", contract, _superscript_live_code) is None


def _jd_throttled(reply: Reply, scope: Scope) -> None:
    """`免费试用服务具有调用量、QPS限制`: every comparison over the service's own limit (10043)."""
    if reply.path.endswith("/faceCompareNew"):
        reply.set_json({"code": "10043", "charge": False, "msg": "超过QPS限制", "result": None})


def _throttled_429(reply: Reply, scope: Scope) -> None:
    """A QPS limit answered as HTTP 429 with a proxy's text (E-045, E-015's other reading)."""
    if reply.path.endswith(("/match", "/idno", "/faceCompareNew")):
        reply.status, reply.body = 429, b"Too Many Requests"
        reply.set_header(b"content-type", b"text/plain")


@pytest.mark.parametrize(
    ("rule_id", "api", "rewrite"),
    [
        ("FH-A12", "jd", _jd_throttled),
        ("FH-A13", "jd", _jd_throttled),
        ("FH-A13", "jd", _throttled_429),
        ("FH-A14", "jd", _throttled_429),
        ("FH-L14", "match", _throttled_429),
        ("FH-L15", "match", _throttled_429),
        ("FH-L16", "match", _throttled_429),
        ("FH-L17", "jd", _throttled_429),
        ("FH-L44", "jd", _jd_throttled),  # session 19
    ],
)
def test_a_throttled_probe_judges_nothing(rule_id: str, api: str, rewrite: Any, contract) -> None:
    """E-045: a throttling answer is the documented refusal of a rate, never a defect by itself."""
    failed = run_probe(rule_id, api, contract, rewrite)
    assert failed is None, failed.message
