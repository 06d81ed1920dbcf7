"""Classify both APIs' answers by their JSON codes, using the categories of ``codes.yaml``.

Both APIs answer HTTP 200 with the outcome in the body (ERRATA E-015), so the status-only
:func:`~harness.loadgen.classify.default_classifier` would call every refusal a success.
The envelope tells the API apart: ``errcode`` is the internal API, a top-level ``code`` is
JD (gateway code, then ``result.code`` for the business code). Code labels:
``"MATCH 40031"``, ``"JD 10043"`` (gateway), ``"JD-BIZ 1155"`` (business),
``"MATCH 0 success=false"`` (no match); non-200 answers keep ``"HTTP 503"``.

Category -> class (decided here, see docs/load.md):

* ``success`` -> success; ``auth`` -> auth_error; ``input`` -> input_error;
  ``internal`` -> server_error;
* ``quota`` -> throttled when retryable (QPS/traffic limits: JD 10043, 10044, 43010,
  MATCH 42900), else auth_error (daily limit, payment: the account, not the rate);
* ``business``, ``image_quality``, ``liveness`` -> business_failure: the service did the
  work and answered a well-formed request with a negative verdict (JD 1155, no face ...);
* a code missing from the table, or a 200 answer that is not the API's envelope -> server_error.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from harness.loadgen.classify import (
    AUTH_ERROR,
    BUSINESS_FAILURE,
    INPUT_ERROR,
    SERVER_ERROR,
    SUCCESS,
    THROTTLED,
    Classification,
    default_classifier,
)

_BY_CATEGORY: dict[str, str] = {
    "success": SUCCESS,
    "auth": AUTH_ERROR,
    "input": INPUT_ERROR,
    "internal": SERVER_ERROR,
    "business": BUSINESS_FAILURE,
    "image_quality": BUSINESS_FAILURE,
    "liveness": BUSINESS_FAILURE,
}
_LABEL = {("match", "errcode"): "MATCH", ("jd", "gateway"): "JD", ("jd", "business"): "JD-BIZ"}


def klass_of(category: str, retryable: bool) -> str:
    """The load class of a code-table category (see the module docstring)."""
    if category == "quota":
        return THROTTLED if retryable else AUTH_ERROR
    return _BY_CATEGORY.get(category, SERVER_ERROR)


@functools.lru_cache(maxsize=2)
def _table(specs_dir: str | None) -> dict[tuple[str, str, str], str]:
    """``(api, where, code) -> klass`` for every code in ``codes.yaml``."""
    from harness.contract import load_contract

    contract = load_contract(Path(specs_dir)) if specs_dir else load_contract()
    return {
        (c.api, c.where, c.code): klass_of(c.category, c.retryable) for c in contract.codes.codes
    }


@functools.lru_cache(maxsize=2)
def _jd_success(specs_dir: str | None) -> str:
    from harness.contract import load_contract

    contract = load_contract(Path(specs_dir)) if specs_dir else load_contract()
    return contract.jd_success_code


def _lookup(api: str, where: str, code: object, specs_dir: str | None) -> Classification:
    label = f"{_LABEL[(api, where)]} {code}"
    klass = _table(specs_dir).get((api, where, str(code)))
    if klass is None:
        return SERVER_ERROR, f"{label} (undocumented)"
    return klass, label


def api_classifier(
    status_code: int, body: bytes, exception: BaseException | None, specs_dir: str | None = None
) -> Classification:
    """``(status, body, exception) -> (klass, code label)`` for either API's answers."""
    if status_code != 200:
        return default_classifier(status_code, body, exception)
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return SERVER_ERROR, "HTTP 200 not JSON"
    if not isinstance(data, dict):
        return SERVER_ERROR, "HTTP 200 not the API's envelope"
    if "errcode" in data:
        return _match(data, specs_dir)
    if "code" in data:
        return _jd(data, specs_dir)
    return SERVER_ERROR, "HTTP 200 not the API's envelope"


def _match(data: dict[str, Any], specs_dir: str | None) -> Classification:
    klass, label = _lookup("match", "errcode", data["errcode"], specs_dir)
    if klass != SUCCESS:
        return klass, label
    inner = data.get("data")
    if not isinstance(inner, dict):
        return SERVER_ERROR, f"{label} without data"
    status = inner.get("status")
    if status not in ("SUCCESS", "PROCESSING"):  # PROCESSING: an accepted async request
        return SERVER_ERROR, f"{label} status={status}"
    result = inner.get("result")
    if isinstance(result, dict) and "success" in result and result["success"] != "true":
        return BUSINESS_FAILURE, f"{label} success={result['success']}"
    return SUCCESS, label


def _jd(data: dict[str, Any], specs_dir: str | None) -> Classification:
    code = data["code"]
    if str(code) != _jd_success(specs_dir):
        return _lookup("jd", "gateway", code, specs_dir)
    result = data.get("result")
    if not isinstance(result, dict) or "code" not in result:
        return SERVER_ERROR, f"JD {code} without result.code"
    klass, label = _lookup("jd", "business", result["code"], specs_dir)
    if klass == SUCCESS and result.get("result") is False:
        return BUSINESS_FAILURE, f"{label} result=false"
    return klass, label
