"""Pydantic models of every request and response of both APIs, field for field as the specs
(responses allow extra fields: the spec validators, not these models, judge conformance)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Request(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class _Response(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")


# --- internal face-match API (seed 000) -------------------------------------------------


class ImageRef(_Request):
    origin: Literal["self", "fds", "uri"] | None = None
    data: str


class FaceData(_Request):
    type: Literal["image", "video"]
    videoType: Literal["SILENT", "LIP"] | None = None
    origin: Literal["self", "fds", "uri"] | None = None
    data: str


class MatchRequest(_Request):
    async_: bool | None = Field(default=None, alias="async")
    extData: dict[str, Any] | None = None
    liveCode: str | None = None
    image: ImageRef
    faceData: FaceData


class IdnoRequest(_Request):
    async_: bool | None = Field(default=None, alias="async")
    extData: dict[str, Any] | None = None
    idNum: str
    name: str
    liveCode: str | None = None
    faceData: FaceData
    personType: Literal["normal", "vip", "inner"] | None = None


class LiveCodeRequest(_Request):
    pass


class AsyncResultRequest(_Request):
    traceNo: str


class MatchResult(_Response):
    success: str | None = None
    score: str | None = None


class LiveCodeResult(_Response):
    code: str


class MatchData(_Response):
    """status and traceNo are 是 when errcode is 0 (the rules check that; E-039)."""

    status: str | None = None
    traceNo: str | None = None
    result: MatchResult | None = None


class LiveCodeData(_Response):
    status: str | None = None
    traceNo: str | None = None
    result: LiveCodeResult | None = None


class MatchResponse(_Response):
    errcode: int
    errmsg: str | None = None
    data: MatchData | None = None


class LiveCodeResponse(_Response):
    errcode: int
    errmsg: str | None = None
    data: LiveCodeData | None = None


# --- JD faceCompareNew (seed 004) --------------------------------------------------------


class ImageItem(_Request):
    encryptionType: Literal["NON"] | None = None
    imgBase64: str | None = None
    imgArr: list[int] | None = None
    imgUrl: str | None = None
    imgType: Literal["SFF", "FF", "IDP", "IDN", "AP", "COM"]


class CompareRequest(_Request):
    businessId: str
    appName: str
    appAuthorityKey: str
    collectionImageItems: list[ImageItem]
    compareImageItem: ImageItem
    serialNo: str


class Threshold(_Response):
    e4: float
    e5: float
    e6: float
    e7: float


class HacknessVo(_Response):
    liveScore: float | None = None
    hacknessScore: float | None = None


class ImgMapEntry(_Response):
    valid: bool
    filename: str | None = None


class BusinessResult(_Response):
    """The 必填 column is empty (E-023): only ``code`` is needed to read an answer."""

    code: int
    msg: str | None = None
    serialNo: str | None = None
    timestamp: int | None = None
    result: bool | None = None
    score: float | None = None
    similarity: int | None = None
    threshold: Threshold | None = None
    hacknessVo: HacknessVo | None = None
    imgMap: dict[str, ImgMapEntry] | None = None


class CompareResponse(_Response):
    code: str
    charge: bool | None = None
    remainTimes: int | None = None
    remainSeconds: int | None = None
    msg: str | None = None
    result: BusinessResult | None = None


# Which spec schema each model transcribes (the agreement test walks this table).
MODEL_SCHEMAS: dict[str, tuple[str, type[BaseModel]]] = {"Image": ("match", ImageRef)} | {
    model.__name__: (api, model)
    for api, models in (
        ("match", (FaceData, MatchRequest, IdnoRequest, LiveCodeRequest, AsyncResultRequest)),
        ("match", (MatchResult, LiveCodeResult, MatchData, LiveCodeData)),
        ("match", (MatchResponse, LiveCodeResponse)),
        ("jd", (ImageItem, CompareRequest, Threshold, HacknessVo, ImgMapEntry, BusinessResult)),
        ("jd", (CompareResponse,)),
    )
    for model in models
}
