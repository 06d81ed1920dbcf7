"""Request bodies of both APIs from local images, checked before anything is sent."""

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
from harness.errors import InputError
from harness.faces import PoolImage
from harness.imaging import encode_image, sniff_format


def load_payload(
    source: str | Path | bytes | PoolImage, *, allowed: tuple[str, ...], name: str | None = None
) -> PoolImage:
    """Read a file (or take bytes) and insist its magic bytes are one of `allowed` (a pool image
    is taken as it is)."""
    if isinstance(source, PoolImage):
        return source
    if isinstance(source, bytes):
        data, label = source, name or "<bytes>"
    else:
        path = Path(source)
        label = name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, expected an image file") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data:
        raise InputError(f"{label}: file is empty")
    fmt = "mp4" if len(data) >= 12 and data[4:8] == b"ftyp" else sniff_format(data)  # ISO BMFF
    if fmt not in allowed:
        found = fmt or "not an image or video"
        raise InputError(f"{label}: {found}; expected {' or '.join(allowed)}")
    return PoolImage(label, data)


Source = str | Path | bytes | PoolImage


def _b64(contract: Contract, source: Source, kind: str = "image") -> str:
    allowed = ("mp4",) if kind == "video" else ("jpeg", "png")
    payload = load_payload(source, allowed=allowed)
    size, limit = len(payload.b64), contract.match_base64_max_chars
    if size > limit:
        rule = "ERRATA E-012: 400k of base64"
        raise InputError(
            f"{payload.name}: {size} base64 characters, over the {limit} limit ({rule})"
        )
    return payload.b64


def _face_data(contract: Contract, face: Source, face_type: str, video_type: str | None) -> Any:
    data = _b64(contract, face, face_type)
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
        image=ImageRef(data=_b64(contract, image)),
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
    payload = load_payload(source, allowed=contract.jd_image_formats)
    if len(payload.data) >= (limit := contract.jd_image_max_bytes):
        raise InputError(
            f"{payload.name}: {len(payload.data)} bytes, must be under {limit} "
            "(ERRATA E-020: under 5 MiB)"
        )
    data: dict[str, Any] = (  # imgArr: Java-signed bytes, as a Java SDK's byte[] (ERRATA E-021)
        {"imgArr": encode_image(payload.data, "sbytes")} if as_array else {"imgBase64": payload.b64}
    )
    return ImageItem(encryptionType="NON", imgType=img_type, **data)  # type: ignore[arg-type]


SERIAL_LENGTH = 34  # the document's own example: "1621270610624-010221159145-1821391"


def new_serial() -> str:
    """A fresh JD serialNo (随机唯一) of the document's example length: a service whose column
    is that long refuses a longer one (legit variant jd-serial-34: `call jd`, accuracy and load
    sent 35 characters and were refused 100)."""
    return "fh-" + uuid.uuid4().hex[: SERIAL_LENGTH - 3]


def compare_body(
    contract: Contract,
    compare_image: Source,
    collection: Sequence[Source],
    *,
    compare_type: str = "COM",
    collection_type: str = "SFF",
    as_array: bool = False,
    serial_no: str | None = None,
) -> dict[str, Any]:
    """JD faceCompareNew: ``compare_image`` against each image of ``collection`` (a portrait is
    sent as a kind it is, never as IDP, the front of an ID card: E-094)."""
    return CompareRequest(
        **contract.jd_fixed_fields,
        collectionImageItems=[_item(contract, s, collection_type, as_array) for s in collection],
        compareImageItem=_item(contract, compare_image, compare_type, as_array),
        serialNo=serial_no or new_serial(),
    ).to_json()
