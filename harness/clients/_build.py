"""Request bodies of both APIs from local images: the one builder the clients, accuracy and the
load scenarios share (images read, sniffed and size-checked before anything is sent)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.contract import (
    CompareRequest,
    Contract,
    FaceData,
    IdnoRequest,
    ImageItem,
    ImageRef,
    MatchRequest,
)
from harness.faces import PoolImage
from harness.imaging import encode_image

from ._images import check_base64_chars, check_bytes, load_payload

Source = str | Path | bytes | PoolImage


def _match_payload(contract: Contract, source: Source, kind: str) -> PoolImage:
    allowed = ("mp4",) if kind == "video" else ("jpeg", "png")
    payload = source if isinstance(source, PoolImage) else load_payload(source, allowed=allowed)
    check_base64_chars(payload, contract.match_base64_max_chars, "ERRATA E-012: 400k of base64")
    return payload


def _face_data(contract: Contract, face: Source, face_type: str, video_type: str | None) -> Any:
    data = _match_payload(contract, face, face_type).b64
    return FaceData(type=face_type, videoType=video_type, data=data)  # type: ignore[arg-type]


def match_body(
    contract: Contract,
    image: Source,
    face: Source,
    *,
    face_type: str = "image",
    video_type: str | None = None,
    live_code: str | None = None,
    async_: bool | None = None,
    ext_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``POST /tech/ai/face/match``: ``image`` against ``face`` (a photo or an mp4)."""
    return MatchRequest(
        image=ImageRef(data=_match_payload(contract, image, "image").b64),
        faceData=_face_data(contract, face, face_type, video_type),
        liveCode=live_code,
        extData=ext_data,
        **{"async": async_},
    ).to_json()


def idno_body(
    contract: Contract,
    id_num: str,
    name: str,
    face: Source,
    *,
    face_type: str = "image",
    video_type: str | None = None,
    live_code: str | None = None,
    person_type: str | None = None,
    async_: bool | None = None,
) -> dict[str, Any]:
    """``POST /tech/ai/face/match/idno``: ``face`` against the registry photo of ``id_num``."""
    return IdnoRequest(
        idNum=id_num,
        name=name,
        faceData=_face_data(contract, face, face_type, video_type),
        liveCode=live_code,
        personType=person_type,  # type: ignore[arg-type]
        **{"async": async_},  # type: ignore[arg-type]
    ).to_json()


def _item(contract: Contract, source: Source, img_type: str, as_array: bool) -> ImageItem:
    payload = (
        source
        if isinstance(source, PoolImage)
        else load_payload(source, allowed=contract.jd_image_formats)
    )
    check_bytes(payload, contract.jd_image_max_bytes, "ERRATA E-020: under 5 MiB")
    data: dict[str, Any] = (  # imgArr: Java-signed bytes, as a Java SDK's byte[] (ERRATA E-021)
        {"imgArr": encode_image(payload.data, "sbytes")} if as_array else {"imgBase64": payload.b64}
    )
    return ImageItem(encryptionType="NON", imgType=img_type, **data)  # type: ignore[arg-type]


def compare_body(
    contract: Contract,
    compare_image: Source,
    collection: Sequence[Source],
    *,
    compare_type: str = "IDP",
    collection_type: str = "SFF",
    as_array: bool = False,
    serial_no: str | None = None,
) -> dict[str, Any]:
    """JD faceCompareNew: ``compare_image`` against each image of ``collection``."""
    return CompareRequest(
        **contract.jd_fixed_fields,
        collectionImageItems=[_item(contract, s, collection_type, as_array) for s in collection],
        compareImageItem=_item(contract, compare_image, compare_type, as_array),
        serialNo=serial_no or f"fh-{uuid.uuid4().hex}",
    ).to_json()
