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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from harness.contract import Answer

_BY_CATEGORY: dict[str, str] = {
    "success": SUCCESS,
    "auth": AUTH_ERROR,
    "input": INPUT_ERROR,
    "internal": SERVER_ERROR,
    "business": BUSINESS_FAILURE,
    "image_quality": BUSINESS_FAILURE,
    "liveness": BUSINESS_FAILURE,
}
_LABEL = {"errcode": "MATCH", "gateway": "JD", "business": "JD-BIZ"}


def klass_of(category: str, retryable: bool) -> str:
    """The load class of a code-table category (see the module docstring)."""
    if category == "quota":
        return THROTTLED if retryable else AUTH_ERROR
    return _BY_CATEGORY.get(category, SERVER_ERROR)


@functools.lru_cache(maxsize=2)
def _reader(specs_dir: str | None) -> Callable[[bytes], Answer]:
    """The contract's answer reader for HTTP 200 bodies (imported here: ``harness.loadgen`` stays
    light)."""
    from harness.contract import load_contract, read_answer

    contract = load_contract(Path(specs_dir)) if specs_dir else load_contract()
    return functools.partial(read_answer, contract, None, 200)


def api_classifier(
    status_code: int, body: bytes, exception: BaseException | None, specs_dir: str | None = None
) -> Classification:
    """``(status, body, exception) -> (klass, code label)`` for either API's answers."""
    if status_code != 200:
        return default_classifier(status_code, body, exception)
    answer = _reader(specs_dir)(body)
    if answer.where is None:
        return (
            SERVER_ERROR,
            "HTTP 200 not JSON" if answer.body is None else "HTTP 200 not the API's envelope",
        )
    if answer.where == "status":
        return SERVER_ERROR, f"MATCH 0 status={answer.code}"
    if (
        answer.where == "business"
        and answer.code is None
        or answer.where == "gateway"
        and not answer.refused
    ):
        return SERVER_ERROR, f"JD {answer.body['code']} without result.code"
    label = f"{_LABEL[answer.where]} {answer.code}"
    meaning = answer.meaning
    if meaning is None:
        return SERVER_ERROR, f"{label} (undocumented)"
    klass = klass_of(meaning.category, meaning.retryable)
    if klass != SUCCESS:
        return klass, label
    if not (answer.ran or answer.processing):
        return SERVER_ERROR, f"{label} without data.status"
    if answer.decision is False:
        return BUSINESS_FAILURE, f"{label} {'success' if answer.api == 'match' else 'result'}=false"
    return SUCCESS, label
