"""httpx clients of both APIs: auth, JD signing, image encoding, typed errors."""

from harness.config import (
    DEMO,
    DEMO_JD_APPKEY,
    DEMO_JD_SECRETKEY,
    DEMO_TOKEN,
    ENV_JD_APPKEY,
    ENV_JD_SECRETKEY,
    ENV_TOKEN,
    Credentials,
    load_credentials,
)
from harness.contract import jd_auth_params, jd_sign

from ._deadline import (
    DEFAULT_TIMEOUT_S,
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    AsyncDeadlineTransport,
    Deadline,
    DeadlineExceeded,
    DeadlineTransport,
    async_http_client,
    http_client,
)
from ._errors import (
    ApiError,
    AuthError,
    BusinessError,
    ImageQualityError,
    InputRejected,
    LivenessError,
    QuotaError,
    ServiceFailure,
    TransportFailure,
    error_for,
    raise_for_code,
)
from ._http import DEFAULT_TIMEOUT, NO_ANSWER, no_answer_text, request_timeout
from ._images import Payload, load_payload, sniff
from ._jd import AsyncJdFaceCompareClient, JdFaceCompareClient
from ._match import AsyncFaceMatchClient, FaceMatchClient

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_TIMEOUT_S",
    "MAX_ANSWER_BYTES",
    "AnswerTooLarge",
    "AsyncDeadlineTransport",
    "Deadline",
    "DeadlineExceeded",
    "DeadlineTransport",
    "async_http_client",
    "http_client",
    "DEMO",
    "DEMO_JD_APPKEY",
    "DEMO_JD_SECRETKEY",
    "DEMO_TOKEN",
    "ENV_JD_APPKEY",
    "ENV_JD_SECRETKEY",
    "ENV_TOKEN",
    "NO_ANSWER",
    "ApiError",
    "AsyncFaceMatchClient",
    "AsyncJdFaceCompareClient",
    "AuthError",
    "BusinessError",
    "Credentials",
    "FaceMatchClient",
    "ImageQualityError",
    "InputRejected",
    "JdFaceCompareClient",
    "LivenessError",
    "Payload",
    "QuotaError",
    "ServiceFailure",
    "TransportFailure",
    "error_for",
    "raise_for_code",
    "jd_auth_params",
    "jd_sign",
    "load_credentials",
    "load_payload",
    "no_answer_text",
    "request_timeout",
    "sniff",
]
