"""The one request model and HTTP layer (httpx), and the clients of both APIs over it."""

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

from ._auth import VALID, Auth, Given, How
from ._build import compare_body, idno_body, match_body
from ._clients import FaceMatchClient, JdFaceCompareClient, client_for
from ._deadline import (
    DEFAULT_TIMEOUT_S,
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    Deadline,
    DeadlineExceeded,
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
    raise_for_code,
)
from ._http import NO_ANSWER, Sender, check_reachable, no_answer_text
from ._images import load_payload
from ._request import Exchange, ImagePart, Request

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "DEMO",
    "DEMO_JD_APPKEY",
    "DEMO_JD_SECRETKEY",
    "DEMO_TOKEN",
    "ENV_JD_APPKEY",
    "ENV_JD_SECRETKEY",
    "ENV_TOKEN",
    "MAX_ANSWER_BYTES",
    "NO_ANSWER",
    "VALID",
    "AnswerTooLarge",
    "ApiError",
    "Auth",
    "AuthError",
    "BusinessError",
    "Credentials",
    "Deadline",
    "DeadlineExceeded",
    "Exchange",
    "FaceMatchClient",
    "Given",
    "How",
    "ImagePart",
    "ImageQualityError",
    "InputRejected",
    "JdFaceCompareClient",
    "LivenessError",
    "QuotaError",
    "Request",
    "Sender",
    "ServiceFailure",
    "TransportFailure",
    "check_reachable",
    "client_for",
    "compare_body",
    "http_client",
    "idno_body",
    "jd_auth_params",
    "jd_sign",
    "load_credentials",
    "load_payload",
    "match_body",
    "no_answer_text",
    "raise_for_code",
]
