"""Outcome classes for load requests and the default, HTTP-status-only classifier.

A classifier is ``(status_code, body, exception) -> (klass, code)``: ``status_code`` is 0
when no HTTP response arrived (then ``exception`` says why); ``code`` is a short label
such as ``"HTTP 429"`` or ``"JD 10043"`` used for the ``errors_by_code`` breakdown.
API-specific classifiers (JSON business codes) live with the API wiring, not here.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

SUCCESS = "success"
BUSINESS_FAILURE = "business_failure"
THROTTLED = "throttled"
AUTH_ERROR = "auth_error"
INPUT_ERROR = "input_error"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"

KLASSES: tuple[str, ...] = (
    SUCCESS,
    BUSINESS_FAILURE,
    THROTTLED,
    AUTH_ERROR,
    INPUT_ERROR,
    SERVER_ERROR,
    TIMEOUT,
    CONNECTION_ERROR,
)

Classification = tuple[str, str]
Classifier = Callable[[int, bytes, "BaseException | None"], Classification]

_TIMEOUT_NAMES = frozenset({"Timeout", "TimeoutError", "timeout", "ReadTimeout", "ConnectTimeout"})


def root_exception(exc: BaseException) -> BaseException:
    """Unwrap geventhttpclient's ``RetriesExceeded(original=...)`` and chained causes."""
    seen = 0
    while seen < 8:
        inner = getattr(exc, "original", None) or exc.__cause__
        if not isinstance(inner, BaseException) or inner is exc:
            break
        exc = inner
        seen += 1
    return exc


def is_timeout(exc: BaseException) -> bool:
    """True for socket, gevent and errno-style timeouts (checked by name: no gevent import)."""
    root = root_exception(exc)
    if isinstance(root, TimeoutError):
        return True
    if any(cls.__name__ in _TIMEOUT_NAMES for cls in type(root).__mro__):
        return True
    return isinstance(root, OSError) and root.errno == errno.ETIMEDOUT


def exception_code(exc: BaseException) -> str:
    """Short code label for a transport failure, e.g. ``"EXC ConnectionRefusedError"``."""
    return f"EXC {type(root_exception(exc)).__name__}"


def default_classifier(
    status_code: int, body: bytes, exception: BaseException | None
) -> Classification:
    """Classify by HTTP status only; never reports ``business_failure``."""
    del body  # the status-only classifier does not look at payloads
    if status_code == 0:
        if exception is not None and is_timeout(exception):
            return TIMEOUT, "EXC timeout"
        return CONNECTION_ERROR, exception_code(exception) if exception else "EXC none"
    code = f"HTTP {status_code}"
    if 200 <= status_code < 300:
        return SUCCESS, code
    if status_code == 429:
        return THROTTLED, code
    if status_code in (401, 403, 407):
        return AUTH_ERROR, code
    if status_code == 408:
        return TIMEOUT, code
    if 400 <= status_code < 500:
        return INPUT_ERROR, code
    return SERVER_ERROR, code
