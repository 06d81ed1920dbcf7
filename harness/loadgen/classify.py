"""Outcome classes of load requests: each answer classified by its JSON code's ``codes.yaml``
category (both APIs answer HTTP 200 with the outcome in the body, ERRATA E-015), labelled as
the other suites' ``codes`` (``Answer.code_key``, ``no_answer_key``) plus load's qualifier.
The classes and labels are documented in docs/load.md ("Outcome classes").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol

from harness.contract import (
    Answer,
    load_contract,
    no_answer_key,
    no_answer_kind,
    parse_json,
    read_answer,
)

SUCCESS = "success"
BUSINESS_FAILURE = "business_failure"
THROTTLED = "throttled"
AUTH_ERROR = "auth_error"
INPUT_ERROR = "input_error"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"

KLASSES: tuple[str, ...] = (SUCCESS, BUSINESS_FAILURE, THROTTLED, AUTH_ERROR, INPUT_ERROR,
                            SERVER_ERROR, TIMEOUT, CONNECTION_ERROR)  # fmt: skip

Classification = tuple[str, str]


class Classifier(Protocol):
    """``(status, body, exception, charset)``: ``charset`` is the one the answer's Content-Type
    declares (``harness.contract.declared_charset``, E-071), None for UTF-8 or none declared."""

    def __call__(
        self, status_code: int, body: bytes, exception: BaseException | None,
        charset: str | None = None,
    ) -> Classification: ...  # fmt: skip


def default_classifier(
    status_code: int, body: bytes, exception: BaseException | None, charset: str | None = None
) -> Classification:
    """Classify by HTTP status only; never reports ``business_failure``."""
    del body, charset
    if status_code == 0:
        kind = "connection" if exception is None else no_answer_kind(exception)
        klass = TIMEOUT if kind in ("timeout", "deadline") else CONNECTION_ERROR
        return klass, no_answer_key(kind)
    code = Answer("", status_code).code_key  # an answer without the API's envelope: http:503
    if 200 <= status_code < 300:
        return SUCCESS, code
    other = INPUT_ERROR if 400 <= status_code < 500 else SERVER_ERROR
    return _BY_STATUS.get(status_code, other), code


_BY_STATUS = {429: THROTTLED, 401: AUTH_ERROR, 403: AUTH_ERROR, 407: AUTH_ERROR, 408: TIMEOUT}


_BY_CATEGORY: dict[str, str] = {
    "success": SUCCESS,
    "auth": AUTH_ERROR,
    "input": INPUT_ERROR,
    "internal": SERVER_ERROR,
    "business": BUSINESS_FAILURE,
    "image_quality": BUSINESS_FAILURE,
    "liveness": BUSINESS_FAILURE,
}


def klass_of(category: str, retryable: bool) -> str:
    if category == "quota":
        return THROTTLED if retryable else AUTH_ERROR
    return _BY_CATEGORY.get(category, SERVER_ERROR)


@functools.cache
def _contract_reader() -> Callable[[int, object], Answer]:
    return functools.partial(read_answer, load_contract(), None)


def _read(status_code: int, body: bytes, charset: str | None) -> Answer:
    """The answer as every suite reads it: ``harness.contract``'s reader, the body in the charset
    its headers declare (E-071; before, load read a GBK error answer as "not JSON")."""
    return _contract_reader()(status_code, parse_json(body, charset))


def api_classifier(
    status_code: int, body: bytes, exception: BaseException | None, charset: str | None = None
) -> Classification:
    if not 200 <= status_code < 300:  # another 2xx is read as a 200: a bare 204 is no success
        return _coded_4xx(status_code, body, charset) or default_classifier(
            status_code, body, exception
        )
    answer = _read(status_code, body, charset)
    label = answer.code_key
    if answer.where is None:
        what = "not JSON" if answer.body is None else "not the API's envelope"
        return SERVER_ERROR, f"{label} {what}"
    if answer.where == "status":
        return SERVER_ERROR, f"{label} status={answer.code_text}"
    unfinished = {"business": answer.code is None, "gateway": not answer.refused}
    if unfinished.get(answer.where or "", False):
        return SERVER_ERROR, f"{answer.code_keys[0]} without result.code"
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


def _coded_4xx(status_code: int, body: bytes, charset: str | None) -> Classification | None:
    """A 4xx carrying an error code of the table is classified by that code: the documents give
    no HTTP status (E-015), so the status alone must not turn a business failure into an error.
    A 503 carrying a throttling code is throttling (E-051: RFC 9110's temporary overload)."""
    if not (400 <= status_code < 500 or status_code == 503):
        return None
    answer = _read(status_code, body, charset)
    if answer.where == "status" or answer.meaning is None:
        return None
    klass = klass_of(answer.meaning.category, answer.meaning.retryable)
    if status_code == 503 and klass != THROTTLED:
        return None
    return (klass, answer.code_key) if klass != SUCCESS else None
