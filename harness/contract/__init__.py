"""The contract: the two documents as specs, codes and errata, read in this one place."""

from ._answer import Answer, no_answer_key, no_answer_kind, parse_score, read_answer
from ._contract import Code, Contract, Spec, jd_auth_params, jd_sign, load_contract
from ._models import (
    MODEL_SCHEMAS,
    CompareRequest,
    CompareResponse,
    FaceData,
    IdnoRequest,
    ImageItem,
    ImageRef,
    LiveCodeResponse,
    LiveCodeResult,
    MatchRequest,
    MatchResponse,
)
from ._readings import ReadingLog, Which, check_required, reading_lines

__all__ = [
    "MODEL_SCHEMAS",
    "Answer",
    "Code",
    "CompareRequest",
    "CompareResponse",
    "Contract",
    "FaceData",
    "IdnoRequest",
    "ImageItem",
    "ImageRef",
    "LiveCodeResponse",
    "LiveCodeResult",
    "MatchRequest",
    "MatchResponse",
    "ReadingLog",
    "Spec",
    "Which",
    "check_required",
    "jd_auth_params",
    "jd_sign",
    "load_contract",
    "no_answer_key",
    "no_answer_kind",
    "parse_score",
    "read_answer",
    "reading_lines",
]
