"""The contract: the two documents as specs, codes and errata, read in this one place."""

from ._answer import Answer as Answer
from ._answer import no_answer_key as no_answer_key
from ._answer import no_answer_kind as no_answer_kind
from ._answer import parse_score as parse_score
from ._answer import read_answer as read_answer
from ._contract import Code as Code
from ._contract import Contract as Contract
from ._contract import ReadingLog as ReadingLog
from ._contract import Spec as Spec
from ._contract import Which as Which
from ._contract import check_required as check_required
from ._contract import jd_auth_params as jd_auth_params
from ._contract import jd_sign as jd_sign
from ._contract import load_contract as load_contract
from ._contract import reading_lines as reading_lines
from ._models import MODEL_SCHEMAS as MODEL_SCHEMAS
from ._models import CompareRequest as CompareRequest
from ._models import CompareResponse as CompareResponse
from ._models import FaceData as FaceData
from ._models import IdnoRequest as IdnoRequest
from ._models import ImageItem as ImageItem
from ._models import ImageRef as ImageRef
from ._models import LiveCodeResponse as LiveCodeResponse
from ._models import LiveCodeResult as LiveCodeResult
from ._models import MatchRequest as MatchRequest
from ._models import MatchResponse as MatchResponse
