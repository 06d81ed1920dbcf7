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

from typing import Any

from harness.contract import Code
from harness.errors import TargetError


class ApiError(Exception):
    category = "unknown"

    def __init__(self, *, api: str, where: str, code: str, meaning: Code | None, message: str,
                 body: Any = None) -> None:
        self.api, self.where, self.code, self.meaning, self.body = api, where, code, meaning, body
        self.retryable = bool(meaning and meaning.retryable)
        text = meaning.en if meaning else "not in the code table"
        super().__init__(f"{api} {where} code {code}: {text} (service said: {message})")


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
    for cls in (AuthError, QuotaError, InputRejected, ImageQualityError, LivenessError,
                BusinessError, ServiceFailure)
}


def error_for(*, api: str, where: str, code: object, meaning: Code | None, message: str,
              body: Any = None) -> ApiError:
    cls = _BY_CATEGORY.get(meaning.category if meaning else "internal", ServiceFailure)
    return cls(api=api, where=where, code=str(code), meaning=meaning, message=message, body=body)
