"""The alternative readings the emulator serves (``emulate --reading``), each the member
``emulator_serves`` names in specs/readings.yaml; the one-line ones live in the routes."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import Any

from harness.contract import as_bound, same_key_bytes

from ._context import Emulator
from ._media import MediaError, from_base64, from_byte_array

OWN_CODE_OFFSET = 39_000  # E-014: the emulator's own numbering, errcode 40002 -> 1002
TABLE_SUCCESS = "1000"  # E-002: JD's gateway success as its table spells it (the example: 10000)


def bind(emu: Emulator, api: str, schema: str, body: Any) -> Any:
    """E-085 coercing-binder: ``body`` as Jackson's defaults bind it before it is validated (a
    number for a String its text, "true" or an integer a boolean, a null field not sent), when
    that binding is valid; else ``body`` itself, refused as the default reading refuses it."""
    if "E-085" not in emu.settings.alternatives or not isinstance(body, dict):
        return body
    spec = emu.contract.match if api == "match" else emu.contract.jd
    validator = spec.validator(schema, decode_base64=True, lenient=emu.settings.lenient)
    if validator.is_valid(body):
        return body
    return as_bound(validator, body) or body


def key_as_bytes(emu: Emulator, body: Any) -> Any:
    """E-055 compared-as-bytes: a 固定值 in base64 (appAuthorityKey) spelt otherwise for the same
    bytes (URL-safe, unpadded: ``same_key_bytes``) is taken as the 固定值 itself."""
    if "E-055" not in emu.settings.alternatives or not isinstance(body, dict):
        return body
    fixed = emu.contract.jd_fixed_fields
    return {
        k: fixed[k] if k in fixed and isinstance(v, str) and same_key_bytes(fixed[k], v) else v
        for k, v in body.items()
    }


def match_body(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """The internal API's envelope under E-014 (own codes) and E-006 (optional parts left out)."""
    errcode = body.get("errcode")
    if "E-014" in emu.settings.alternatives and isinstance(errcode, int) and errcode != 0:
        body = {**body, "errcode": errcode - OWN_CODE_OFFSET}
    if "E-006" in emu.settings.alternatives:
        if body.get("errcode") == 0:
            # errmsg: 否, errcode不为0时有值
            body = {k: v for k, v in body.items() if k != "errmsg"}
        else:
            body = {**body, "data": None}  # data: - (not always returned)
    return body


_DATA_URI = re.compile(r"^data:[^,]{0,100};base64,")
_SPACE = re.compile(r"\s+")


def decode_base64(emu: Emulator, text: str, what: str) -> bytes:
    """E-043 lenient: other base64 spellings decode too (line breaks, no padding, a data-URI prefix,
    the URL-safe alphabet); with the default reading only the strict form (``from_base64``)."""
    if "E-043" not in emu.settings.alternatives:
        return from_base64(text, what)
    cleaned = _SPACE.sub("", _DATA_URI.sub("", text)).rstrip("=")
    for altchars in (b"-_", None):  # the URL-safe alphabet, then the standard one
        try:
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise MediaError("undecodable", f"{what}: not base64 in any spelling")


def byte_array(emu: Emulator, values: list[int], what: str) -> bytes:
    """An imgArr's bytes; under E-078's alternative 0..255 only (Go's ``[]byte``): a Java-signed
    element below 0 is invalid input."""
    if "E-078" in emu.settings.alternatives and any(int(v) < 0 for v in values):
        raise emu.refuse("jd", "invalid_parameter", f"{what}: imgArr bytes are 0..255")
    return from_byte_array(values)


def check_idno_live_code(emu: Emulator, body: dict[str, Any]) -> None:
    """E-008 idno-requires-both: /idno marks liveCode and videoType 是; both must be sent, the
    liveCode one validateData issued and not yet expired (single use stays LIP's, E-042)."""
    if "E-008" not in emu.settings.alternatives:
        return
    code = body.get("liveCode")
    if "videoType" not in body.get("faceData", {}):
        name, detail = "invalid_parameter", "faceData.videoType is required (是)"
    elif not isinstance(code, str) or not code:
        name, detail = "livecode_missing", "liveCode is required (是)"
    elif (outcome := emu.state.redeem_live_code(code, consume=False)) in ("unknown", "expired"):
        name, detail = "livecode_" + outcome, "liveCode " + outcome
    else:
        return
    raise emu.refuse("match", name, detail)


def check_idno_photo_lip(emu: Emulator, body: dict[str, Any]) -> None:
    """E-081 lip-needs-video: LIP:数字模式,视频需读出指定数字 read as a video's mode, so /idno's
    photo sent with videoType LIP is invalid input."""
    face = body.get("faceData")
    if "E-081" in emu.settings.alternatives and isinstance(face, dict):
        if face.get("type") == "image" and face.get("videoType") == "LIP":
            raise emu.refuse("match", "invalid_parameter", "videoType LIP needs a video")


def jd_gateway_body(emu: Emulator, body: dict[str, Any], code: str) -> dict[str, Any]:
    """A gateway error under E-040 (English wording) and E-023 (``"result": null``)."""
    if "E-040" in emu.settings.alternatives:
        body = {**body, "msg": emu.contract.code("jd", "gateway", code).en}
    if "E-023" in emu.settings.alternatives:
        body = {**body, "result": None}
    return body


def jd_numbers(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """A comparison's answer under E-058: its int and long fields written as whole floats."""
    if "E-058" not in emu.settings.alternatives:
        return body
    result = body.get("result")
    if isinstance(result, dict):
        result = {k: float(v) if k in ("code", "timestamp") else v for k, v in result.items()}
    return {**body, "remainTimes": float(body["remainTimes"]), "result": result}


def jd_result(emu: Emulator, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` under E-027 (English msg), E-041 (service request id), E-023 (code and msg)."""
    code = result["code"]
    if "E-027" in emu.settings.alternatives and code != 0:
        detail = str(result.get("msg", "")).partition(" :")[2]
        text = emu.contract.code("jd", "business", code).en
        result["msg"] = (text + (f" :{detail}" if detail else ""))[:300]
    if "E-023" in emu.settings.alternatives and code not in (
        0,
        emu.contract.jd_not_same_person_code,
    ):
        return {"code": code, "msg": result["msg"]}
    if "E-041" in emu.settings.alternatives:
        result["serialNo"] = str(uuid.uuid4())  # like the example 98a39e53-84d4-... (请求id)
    return result
