"""JD AI faceCompareNew (seed 004): gateway checks, accounting, business validation, comparison."""

from __future__ import annotations

import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import unquote

from starlette.responses import Response
from starlette.types import Receive, Scope

from harness.contract import jd_sign

from . import _readings as alt
from ._context import BodyTooLarge, Emulator, read_body
from ._envelope import Answer, FastJSONResponse, business_msg, jd_gateway_error, json_response
from ._faces import template_of_image
from ._json import parse_json
from ._media import MediaError, fetch, from_byte_array
from ._settings import AppKey
from ._validation import check_jd
from .engines import FaceRejected
from .engines.calibration import jd_score

_FACE_CODES = {
    "no_face": "no_face",
    "multiple_faces": "poor_quality",
    "face_too_small": "face_too_small",
    "blurry": "face_blurred",
    "bad_pose": "bad_pose",
}
_SOURCES = ("imgBase64", "imgArr", "imgUrl")
_UNKNOWN_CODE = 9999


class Gateway(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        self.code, self.detail = code, detail


def _body_limit(emu: Emulator) -> int:
    lo, hi = emu.contract.jd_collection_bounds
    per_item = 4 * emu.contract.jd_image_max_bytes // 3 + 1024
    return (hi + 1) * per_item + 64 * 1024


async def face_compare_new(emu: Emulator, scope: Scope, receive: Receive) -> Response:
    emu.state.requests["faceCompareNew"] += 1
    try:
        appkey = _authenticate(emu, scope)
        _throttle(emu, appkey)
        remain = _count(emu, appkey)
    except Gateway as g:
        emu.state.codes[f"jd:gateway:{g.code}"] += 1
        body = jd_gateway_error(emu.contract, g.code, g.detail)
        return json_response(
            alt.jd_gateway_body(emu, body, g.code) if emu.settings.readings else body
        )
    serial = ""
    try:
        body = await _read_json(emu, scope, receive)
        serial = str(body.get("serialNo", ""))[:64] if isinstance(body, dict) else ""
        _check(emu, body)
        result = await _limited(emu, body)
    except Answer as ans:
        result = {
            "code": int(ans.code),
            "msg": business_msg(emu.contract, int(ans.code), ans.detail),
        }
    return _respond(emu, appkey, remain, serial, result)


async def _limited(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """Business-level concurrency limit: answered 43010 (流量受限) when saturated."""
    limit = emu.settings.throttle.max_concurrency
    if limit and emu.state.in_flight >= limit:
        raise Answer(
            emu.contract.code_named("jd", "traffic_limited"),
            f"more than {limit} comparisons in flight",
        )
    emu.state.in_flight += 1
    try:
        return await _compare(emu, body)
    finally:
        emu.state.in_flight -= 1


def _query(scope: Scope) -> dict[str, str]:
    """The query as Starlette reads it (``parse_qsl`` keeping blanks, the last value of a name
    wins), without building its multidict: only fields with ``+`` or ``%`` need unquoting."""
    query = scope["query_string"].decode("latin-1")
    fields: dict[str, str] = {}
    if "%" not in query and "+" not in query:  # nothing to unquote (nearly every request)
        for field in query.split("&"):
            name, eq, value = field.partition("=")
            if not eq:  # a field without "=", or an empty one: the general loop below
                fields.clear()
                break
            fields[name] = value
        else:
            return fields
    for field in query.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in field or "+" in field:
            name, value = unquote(name.replace("+", " ")), unquote(value.replace("+", " "))
        fields[name] = value
    return fields


def _authenticate(emu: Emulator, scope: Scope) -> AppKey:
    q = _query(scope)
    appkey = q.get("appkey")
    if not appkey:
        raise Gateway(emu.contract.code_named("jd", "appkey_empty"))
    key = emu.settings.appkey.get(appkey)
    if key is None:
        raise Gateway(emu.contract.code_named("jd", "wrong_appkey"))
    if key.disabled:
        raise Gateway(emu.contract.code_named("jd", "user_disabled"))
    ts = q.get("timestamp")
    if not ts:
        raise Gateway(emu.contract.code_named("jd", "timestamp_empty"))
    if not (ts.isascii() and ts.isdigit()):  # "０１２" and "²" are str.isdigit() too
        raise Gateway(emu.contract.code_named("jd", "timestamp_malformed"))
    window = emu.contract.jd_timestamp_window_ms
    if abs(time.time() * 1000 - int(ts)) > window and not emu.broken("accept-expired-timestamp"):
        raise Gateway(
            emu.contract.code_named("jd", "timestamp_expired"),
            f"more than {window // 1000} s from server time",
        )
    sign = q.get("sign")
    if not sign:
        raise Gateway(emu.contract.code_named("jd", "sign_empty"))
    expected = jd_sign(key.secretkey, ts)
    if (
        not (sign.isascii() and hmac.compare_digest(sign, expected))
        and not emu.broken("accept-bad-sign")
        and not alt.sign_matches(emu, sign, expected)
    ):
        raise Gateway(emu.contract.code_named("jd", "bad_sign"))
    return key


def _throttle(emu: Emulator, key: AppKey) -> None:
    t = emu.settings.throttle
    if t.cluster_qps and not emu.state.allow("jd-cluster", t.cluster_qps):
        raise Gateway(emu.contract.code_named("jd", "cluster_qps_limit"))
    if (
        t.qps
        and not emu.broken("ignore-qps")
        and not emu.state.allow("appkey:" + key.appkey, t.qps)
    ):
        raise Gateway(emu.contract.code_named("jd", "qps_limit"))


def _count(emu: Emulator, key: AppKey) -> int:
    """Take one call from the appkey's quota (ERRATA E-028); -1 means unlimited."""
    if key.daily_quota < 0:
        return -1
    with emu.state.lock:
        left = emu.state.remaining.setdefault(key.appkey, key.daily_quota)
        step = alt.remain_step(emu)  # 2 with an appkey shared with another caller (E-028)
        if left < step:
            emu.state.remaining[key.appkey] = 0
            raise Gateway(
                emu.contract.code_named("jd", "daily_limit")
                if key.plan == "free"
                else emu.contract.code_named("jd", "payment_required")
            )
        if not emu.broken("remaintimes-stuck"):
            emu.state.remaining[key.appkey] = left - step
        return emu.state.remaining[key.appkey]


async def _read_json(emu: Emulator, scope: Scope, receive: Receive) -> Any:
    try:
        raw = await read_body(scope, receive, _body_limit(emu))
    except BodyTooLarge as exc:
        raise Answer(emu.contract.code_named("jd", "invalid_parameter"), str(exc)) from None
    try:
        return parse_json(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise Answer(
            emu.contract.code_named("jd", "invalid_parameter"), "body is not valid JSON"
        ) from None


def _check(emu: Emulator, body: Any) -> None:
    if emu.settings.breaks and emu.broken("two-image-sources") and isinstance(body, dict):
        trimmed = json.loads(json.dumps(body))
        for item in [trimmed.get("compareImageItem"), *(trimmed.get("collectionImageItems") or [])]:
            if isinstance(item, dict) and sum(s in item for s in _SOURCES) > 1:
                for extra in [s for s in _SOURCES if s in item][1:]:
                    del item[extra]
        body = trimmed
    check_jd(emu.contract, body, emu.settings.lenient)


async def _item_bytes(emu: Emulator, item: dict[str, Any], what: str, limit: int) -> bytes:
    if "imgBase64" in item:  # the first of _SOURCES present
        data = alt.decode_base64(emu, item["imgBase64"], what)
    elif "imgArr" in item:
        data = from_byte_array(item["imgArr"])
    else:
        import asyncio

        data = await asyncio.to_thread(fetch, emu.settings, "uri", item["imgUrl"], what)
    if len(data) >= limit:
        raise Answer(
            emu.contract.code_named("jd", "invalid_parameter"),
            f"{what}: {len(data)} bytes, must be under {limit}",
        )
    return data


async def _compare(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    formats, limit = emu.contract.jd_image_formats, alt.jd_image_max_bytes(emu)
    img_map: dict[str, dict[str, Any]] = {}
    try:
        ref_item = body["compareImageItem"]
        reference = await template_of_image(
            emu,
            await _item_bytes(emu, ref_item, "compareImageItem", limit),
            formats,
            "compareImageItem",
        )
        best = None
        for i, item in enumerate(body["collectionImageItems"]):
            what = f"collectionImageItems[{i}]"
            tpl = await template_of_image(
                emu, await _item_bytes(emu, item, what, limit), formats, what
            )
            img_map[item["imgType"]] = {
                "valid": True,
                "filename": f"COLLECTION_{body['serialNo']}_{i}",
            }
            d = emu.engine.distance(reference, tpl)
            best = d if best is None else min(best, d)
    except FaceRejected as exc:
        raise Answer(emu.contract.code_named("jd", _FACE_CODES[exc.reason]), exc.detail) from None
    except MediaError as exc:
        code = emu.contract.code_named(
            "jd",
            "unsupported_operation"
            if exc.kind == "not_enabled"
            else "upload_failed"
            if exc.kind == "fetch_failed"
            else "invalid_parameter",
        )
        raise Answer(code, exc.detail) from None
    assert best is not None
    s = jd_score(best)
    code = 0 if s.result else emu.contract.jd_not_same_person_code
    detail = (
        ""
        if s.result
        else f"人脸比对判断 分数:{s.score:.7f} 阈值:{s.operating_score:.4f} 结果:false"
    )
    answer = {
        "code": code,
        "msg": "success" if code == 0 else business_msg(emu.contract, code, detail),
        "result": s.result,
        "score": s.score,
        "similarity": s.similarity,
        "threshold": s.thresholds,
        "hacknessVo": {},
        "imgMap": img_map,
    }
    return _broken_result(emu, answer) if emu.settings.breaks else answer


def _broken_result(emu: Emulator, answer: dict[str, Any]) -> dict[str, Any]:
    """The comparison's deliberate defects, when a break asks for them."""
    answer["result"] = answer["result"] != emu.broken("result-inconsistent")
    if emu.broken("thresholds-out-of-order"):
        thresholds = answer["threshold"]
        values = sorted(thresholds.values())
        answer["threshold"] = dict(zip(sorted(thresholds), values, strict=True))
    answer["score"] += 1.0 if emu.broken("jd-score-out-of-range") else 0.0
    answer["similarity"] += 101 if emu.broken("similarity-out-of-range") else 0
    return answer


def _respond(
    emu: Emulator, key: AppKey, remain: int, serial: str, result: dict[str, Any]
) -> Response:
    code = result["code"]
    if emu.settings.breaks:
        if code != 0 and emu.broken("unknown-code"):
            result["code"] = _UNKNOWN_CODE
        if code != 0 and emu.broken("msg-mismatch"):
            result["msg"] = "success"
        if emu.broken("serialno-not-echoed"):
            serial = uuid.uuid4().hex
    result["serialNo"] = serial
    result["timestamp"] = int(time.time() * 1000)
    if emu.settings.readings:
        result = alt.jd_result(emu, result)
    emu.state.codes[f"jd:gateway:{emu.contract.jd_success_code}"] += 1
    emu.state.codes[f"jd:business:{result['code']}"] += 1
    body = {
        "code": emu.contract.jd_success_code,
        "charge": key.plan == "paid",
        "remainTimes": remain,
        "remainSeconds": key.remain_seconds if key.plan == "paid" else -1,
        "msg": emu.jd_success_msg,
        "result": result,
    }
    return FastJSONResponse(body)
