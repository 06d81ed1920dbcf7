"""The one request model and HTTP layer (httpx), and the clients of both APIs over it."""

from harness.config import DEMO as DEMO
from harness.config import DEMO_JD_APPKEY as DEMO_JD_APPKEY
from harness.config import DEMO_JD_SECRETKEY as DEMO_JD_SECRETKEY
from harness.config import DEMO_TOKEN as DEMO_TOKEN
from harness.config import Credentials as Credentials
from harness.config import load_credentials as load_credentials
from harness.contract import jd_auth_params as jd_auth_params
from harness.contract import jd_sign as jd_sign

from ._auth import VALID as VALID
from ._auth import Auth as Auth
from ._auth import Given as Given
from ._auth import How as How
from ._build import compare_body as compare_body
from ._build import idno_body as idno_body
from ._build import load_payload as load_payload
from ._build import match_body as match_body
from ._deadline import DEFAULT_TIMEOUT_S as DEFAULT_TIMEOUT_S
from ._deadline import MAX_ANSWER_BYTES as MAX_ANSWER_BYTES
from ._deadline import AnswerTooLarge as AnswerTooLarge
from ._deadline import Deadline as Deadline
from ._deadline import DeadlineExceeded as DeadlineExceeded
from ._deadline import http_client as http_client
from ._http import NO_ANSWER as NO_ANSWER
from ._http import ApiError as ApiError
from ._http import FaceMatchClient as FaceMatchClient
from ._http import JdFaceCompareClient as JdFaceCompareClient
from ._http import Sender as Sender
from ._http import TransportFailure as TransportFailure
from ._http import check_reachable as check_reachable
from ._http import client_for as client_for
from ._http import no_answer_text as no_answer_text
from ._http import redacted_line as redacted_line
from ._request import Exchange as Exchange
from ._request import ImagePart as ImagePart
from ._request import Request as Request
