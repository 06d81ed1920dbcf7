"""Raw HTTP helpers: the emulator tests craft requests the typed clients would refuse to build."""

from __future__ import annotations

import base64
import struct
import time
import zlib
from typing import Any

import httpx

from harness.clients import DEMO, jd_sign
from harness.imaging import builtin_faces, synthetic_image

FACES = {f.name: f.data for f in builtin_faces()}
FACE_A = FACES["eileen_collins_jpeg"]
FACE_B = FACES["eileen_collins_rot"]
FIXED = {
    "businessId": "JDT-NUEHUB-COM-FACE",
    "appName": "FACE_ALGORITHM",
    "appAuthorityKey": "sADsk3+58E9yf/fUN9DmBA==",
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def post_match(
    url: str, path: str, body: Any, *, token: str | None = DEMO.token, raw: bytes | None = None
) -> httpx.Response:
    headers = {"Authorization": token} if token is not None else {}
    if raw is not None:
        return httpx.post(
            url + path,
            content=raw,
            headers={**headers, "content-type": "application/json"},
            timeout=30,
        )
    return httpx.post(url + path, json=body, headers=headers, timeout=30)


def match_body(image: bytes = FACE_A, face: bytes = FACE_B, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "image": {"data": b64(image)},
        "faceData": {"type": "image", "data": b64(face)},
    }
    body.update(over)
    return body


def jd_params(
    appkey: str = DEMO.jd_appkey, secret: str = DEMO.jd_secretkey, ts_ms: int | None = None
) -> dict[str, str]:
    ts = int(time.time() * 1000) if ts_ms is None else ts_ms
    return {"appkey": appkey, "timestamp": str(ts), "sign": jd_sign(secret, ts)}


def jd_body(
    compare: bytes = FACE_A, collection: tuple[bytes, ...] = (FACE_B,), **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        **FIXED,
        "collectionImageItems": [{"imgType": "SFF", "imgBase64": b64(c)} for c in collection],
        "compareImageItem": {"imgType": "IDP", "encryptionType": "NON", "imgBase64": b64(compare)},
        "serialNo": f"t-{time.time_ns()}",
    }
    body.update(over)
    return body


def post_jd(
    url: str, body: Any, params: dict[str, str] | None = None, *, raw: bytes | None = None
) -> httpx.Response:
    params = jd_params() if params is None else params
    if raw is not None:
        return httpx.post(url + "/jdai/faceCompareNew", params=params, content=raw, timeout=60)
    return httpx.post(url + "/jdai/faceCompareNew", params=params, json=body, timeout=60)


def png_of_size(total: int, seed: int = 0) -> bytes:
    """A valid PNG padded with a private ancillary chunk to exactly `total` bytes."""
    base = synthetic_image(32, 32, seed=seed, fmt="png")
    iend = base.rindex(b"IEND") - 4
    pad = total - len(base) - 12
    assert pad >= 0
    ctype = b"prVt"
    chunk = (
        struct.pack(">I", pad)
        + ctype
        + b"\0" * pad
        + struct.pack(">I", zlib.crc32(ctype + b"\0" * pad))
    )
    out = base[:iend] + chunk + base[iend:]
    assert len(out) == total
    return out
