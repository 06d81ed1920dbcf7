"""Typed errors for answers that are not success, carrying the code's meaning from codes.yaml.

::

    ApiError                      the service answered with a non-success code
    ├── AuthError                 category auth
    ├── QuotaError                category quota (throttling, daily limits); see .retryable
    ├── InputRejected             category input
    ├── ImageQualityError         category image_quality
    ├── LivenessError             category liveness
    ├── BusinessError             category business
    └── ServiceFailure            category internal, or a code the table does not know
    TransportFailure (TargetError) no usable answer: timeout, connection, non-JSON body
"""

from __future__ import annotations

from harness.contract import Answer
from harness.errors import TargetError


class ApiError(Exception):
    category = "unknown"

    def __init__(self, answer: Answer) -> None:
        self.answer, self.code, self.meaning, self.retryable = (
            answer, answer.code, answer.meaning, answer.retryable
        )  # fmt: skip
        text = answer.meaning.en if answer.meaning else "not in the code table"
        super().__init__(
            f"{answer.api} {answer.where} code {answer.code}: {text} "
            f"(service said: {answer.message or ''})"
        )


class AuthError(ApiError):
    category = "auth"


class QuotaError(ApiError):
    category = "quota"


class InputRejected(ApiError):
    category = "input"


class ImageQualityError(ApiError):
    category = "image_quality"


class LivenessError(ApiError):
    category = "liveness"


class BusinessError(ApiError):
    category = "business"


class ServiceFailure(ApiError):
    category = "internal"


class TransportFailure(TargetError):
    """No usable answer at all; the CLI maps it to exit 2 like any unreachable target."""


_BY_CATEGORY: dict[str, type[ApiError]] = {
    cls.category: cls
    for cls in (
        AuthError,
        QuotaError,
        InputRejected,
        ImageQualityError,
        LivenessError,
        BusinessError,
        ServiceFailure,
    )
}


def raise_for_code(answer: Answer) -> None:
    """A refusal by code raises its typed error; "not the same person" (JD 1155) is a result, and so
    is a failed ``data.status`` under errcode 0 (E-039: the answer carries it)."""
    if answer.refused and answer.where != "status":
        raise _BY_CATEGORY.get(answer.category or "internal", ServiceFailure)(answer)
