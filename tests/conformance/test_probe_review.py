"""The probes added in session 12, each run alone (as a conformance run's probe phase runs it)
against a service the documents allow or a hostile answer: no red verdict, no crash."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from fixtures.legit_variants import Reply, Scope, rewriting
from fixtures.rewrite import spring_400

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


def _spring_long_timestamp_400(reply: Reply, scope: Scope) -> None:
    """``@RequestParam long timestamp``: a timestamp that is no long (``.5``, an ISO date) is
    Spring's own 400 JSON before the controller runs, no JD envelope (E-015's other reading)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    stamp = (query.get("timestamp") or [""])[0]
    if reply.method == "POST" and stamp and not re.fullmatch(r"-?[0-9]+", stamp):
        reply.status = 400
        reply.set_json(spring_400(reply.path))


def _sign_format_100(reply: Reply, scope: Scope) -> None:
    """A service checking the sign's format (32 hex digits) in its business layer: business 100
    参数不合法 under the gateway's success, no comparison run."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    sign = (query.get("sign") or [""])[0]
    if reply.path.endswith("/faceCompareNew") and not re.fullmatch(r"[0-9a-fA-F]{32}", sign):
        result = {"code": 100, "msg": "参数不合法!sign格式错误", "serialNo": "s-100"}
        reply.set_json({"code": "10000", "charge": False, "msg": "成功", "result": result})


@pytest.mark.parametrize(
    ("rule_id", "api", "rewrite"),
    [
        ("FH-A13", "jd", _spring_long_timestamp_400),  # review session 24
        ("FH-A15", "jd", _sign_format_100),  # review session 24
        ("FH-A21", "jd", _sign_format_100),  # review session 24
    ],
)
def test_a_refusal_before_the_gateway_judges_is_a_refusal(rule_id, api, rewrite, contract) -> None:
    """A timestamp that is no long refused by the binder (HTTP 400 without JD's envelope), a sign
    that is no 32 hex digits refused by the business layer (100, not run): each refused, as
    FH-J21 and FH-A18 take it; the probe failed them before."""
    failed = run_probe(rule_id, api, contract, rewrite)
    assert failed is None, failed.message


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
