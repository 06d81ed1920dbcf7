"""JD AI faceCompareNew (seed 004): gateway checks, accounting, business validation, comparison."""

from __future__ import annotations

import asyncio
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import Receive, Scope

from harness.contract import jd_sign

from . import _readings as alt
from ._context import Emulator, read_json
from ._envelope import Answer, FastJSONResponse, business_msg, jd_gateway_error
from ._media import MediaError, fetch, refusal, template_of_image
from ._settings import AppKey
from ._validation import check
from .engines import FaceRejected
from .engines.calibration import jd_score, jd_similarity

_SOURCES = ("imgBase64", "imgArr", "imgUrl")
_UNKNOWN_CODE = 9999
_SKEW_MS = 2_000  # E-019 past-only: a timestamp this far ahead is still now (clock skew)


async def face_compare_new(emu: Emulator, scope: Scope, receive: Receive) -> Response:
    emu.state.requests["faceCompareNew"] += 1
    try:
        appkey = _authenticate(emu, scope)
        remain = _count(emu, appkey)
    except Answer as g:  # the gateway's refusal
        emu.state.codes[f"jd:gateway:{g.code}"] += 1
        body = jd_gateway_error(emu.contract, str(g.code), g.detail)
        return FastJSONResponse(
            alt.jd_gateway_body(emu, body, str(g.code)) if emu.settings.readings else body
        )
    serial = ""
    try:
        per_item = 4 * emu.contract.jd_image_max_bytes // 3 + 1024
        limit = (emu.contract.jd_collection_bounds[1] + 1) * per_item + 64 * 1024
        refusals = ("jd", "invalid_parameter", "invalid_parameter")
        body = await read_json(emu, scope, receive, limit, refusals)
        body = alt.key_as_bytes(emu, alt.bind(emu, "jd", "CompareRequest", body))
        serial = str(body.get("serialNo", ""))[:64] if isinstance(body, dict) else ""
        _check(emu, body)
        most = emu.settings.throttle.max_concurrency  # the business level's (43010 流量受限)
        if most and emu.state.in_flight >= most:
            raise emu.refuse("jd", "traffic_limited", f"more than {most} comparisons in flight")
        emu.state.in_flight += 1
        try:
            result = await _compare(emu, body)
        finally:
            emu.state.in_flight -= 1
    except Answer as ans:
        code = int(ans.code)
        result = {"code": code, "msg": business_msg(emu.contract, code, ans.detail)}
    return _respond(emu, appkey, remain, serial, result)


def _query(scope: Scope) -> dict[str, str]:
    """The query as Starlette reads it (``parse_qsl`` keeping blanks, the last value of a name
    wins), split by hand where nothing needs unquoting (nearly every request)."""
    query = scope["query_string"].decode("latin-1")
    if "%" not in query and "+" not in query:
        fields = {}
        for field in query.split("&"):
            name, eq, value = field.partition("=")
            if not eq:  # a field without "=", or an empty one: parse_qsl's rules
                break
            fields[name] = value
        else:
            return fields
    return dict(parse_qsl(query, keep_blank_values=True))


def _authenticate(emu: Emulator, scope: Scope) -> AppKey:
    """The appkey of a signed, timely request within the gateway's rate limits."""
    q = _query(scope)
    appkey = q.get("appkey")
    if not appkey:
        raise emu.refuse("jd", "appkey_empty")
    key = emu.settings.appkey.get(appkey)
    if key is None:
        raise emu.refuse("jd", "wrong_appkey")
    if key.disabled:
        raise emu.refuse("jd", "user_disabled")
    ts = q.get("timestamp")
    if not ts:
        raise emu.refuse("jd", "timestamp_empty")
    if not (ts.isascii() and ts.isdigit()):  # "０１２" and "²" are str.isdigit() too
        raise emu.refuse("jd", "timestamp_malformed")
    window, ahead = (
        emu.contract.jd_timestamp_window_ms,
        int(ts) - time.time_ns() // 1_000_000,
    )  # ints: any digit count
    # E-019 alternative (past-only): the window runs forward from the timestamp
    if "E-019" in emu.settings.alternatives and ahead > _SKEW_MS:
        window = 0
    if abs(ahead) > window and not emu.broken("accept-expired-timestamp"):
        where = f"more than {window // 1000} s from" if window else "ahead of"
        raise emu.refuse("jd", "timestamp_expired", f"{where} server time")
    sign = q.get("sign")
    if not sign:
        raise emu.refuse("jd", "sign_empty")
    expected = jd_sign(key.secretkey, ts)
    if not (sign.isascii() and hmac.compare_digest(sign, expected)) and not (
        emu.broken("accept-bad-sign")
        or ("E-018" in emu.settings.alternatives and sign.lower() == expected)  # any case
    ):
        raise emu.refuse("jd", "bad_sign")
    t = emu.settings.throttle
    if t.cluster_qps and not emu.state.allow("jd-cluster", t.cluster_qps):
        raise emu.refuse("jd", "cluster_qps_limit")
    if (
        t.qps
        and not emu.broken("ignore-qps")
        and not emu.state.allow("appkey:" + key.appkey, t.qps)
    ):
        raise emu.refuse("jd", "qps_limit")
    return key


def _count(emu: Emulator, key: AppKey) -> int:
    """Take one call from the appkey's quota (ERRATA E-028); -1 means unlimited."""
    if key.daily_quota < 0:
        return -1
    with emu.state.lock:
        left = emu.state.remaining.setdefault(key.appkey, key.daily_quota)
        # E-028 shared-appkey: another caller of the appkey spends one call between ours; when
        # one call is left that caller takes it and ours is refused as over quota
        step = 2 if "E-028" in emu.settings.alternatives else 1
        if left < step:
            emu.state.remaining[key.appkey] = 0
            raise emu.refuse("jd", "daily_limit" if key.plan == "free" else "payment_required")
        if not emu.broken("remaintimes-stuck"):
            emu.state.remaining[key.appkey] = left - step
        return emu.state.remaining[key.appkey]


def _check(emu: Emulator, body: Any) -> None:
    if emu.settings.breaks and emu.broken("two-image-sources") and isinstance(body, dict):
        trimmed = json.loads(json.dumps(body))
        for item in [trimmed.get("compareImageItem"), *(trimmed.get("collectionImageItems") or [])]:
            for extra in [s for s in _SOURCES if s in item][1:] if isinstance(item, dict) else []:
                del item[extra]
        body = trimmed
    check(emu.contract, "jd", "CompareRequest", body, emu.settings.lenient)


async def _item_bytes(emu: Emulator, item: dict[str, Any], what: str, limit: int) -> bytes:
    if "imgBase64" in item:  # the first of _SOURCES present
        data = alt.decode_base64(emu, item["imgBase64"], what)
    elif "imgArr" in item:
        data = alt.byte_array(emu, item["imgArr"], what)
    else:
        data = await asyncio.to_thread(fetch, emu.settings, "uri", item["imgUrl"], what)
    if len(data) >= limit:
        detail = f"{what}: {len(data)} bytes, must be under {limit}"
        raise emu.refuse("jd", "invalid_parameter", detail)
    return data


async def _compare(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    # E-020 alternative: "5M" as 5,000,000 decoded bytes
    limit = 5_000_000 if "E-020" in emu.settings.alternatives else emu.contract.jd_image_max_bytes
    formats = emu.contract.jd_image_formats
    collection = body["collectionImageItems"]
    items = [("compareImageItem", body["compareImageItem"])]
    items += [(f"collectionImageItems[{i}]", item) for i, item in enumerate(collection)]
    templates = []
    try:
        for what, item in items:
            data = await _item_bytes(emu, item, what, limit)
            templates.append(await template_of_image(emu, data, formats, what))
    except (FaceRejected, MediaError) as exc:
        raise refusal(emu.contract, "jd", exc) from None
    best = min(emu.engine.distance(templates[0], t) for t in templates[1:])
    img_map = {
        item["imgType"]: {"valid": True, "filename": f"COLLECTION_{body['serialNo']}_{i}"}
        for i, item in enumerate(collection)
    }
    s = jd_score(best)
    not_same = emu.contract.jd_not_same_person_code
    # E-047 alternative: the verdict in result alone, the call's status code 0
    code = 0 if s.result or "E-047" in emu.settings.alternatives else not_same
    msg = "success"
    if not s.result:
        detail = f"人脸比对判断 分数:{s.score:.7f} 阈值:{s.operating_score:.4f} 结果:false"
        msg = business_msg(emu.contract, not_same, detail)
    answer = {
        "code": code,
        "msg": msg,
        "result": s.result,
        "score": s.score,
        "similarity": s.similarity,
        # E-004's other reading: the thresholds on score's similarity scale, rising as FAR tightens
        "threshold": (
            {k: jd_similarity(v) for k, v in s.thresholds.items()}
            if "E-004" in emu.settings.alternatives
            else s.thresholds
        ),
        "hacknessVo": {},
        "imgMap": img_map,
    }
    return _broken_result(emu, answer) if emu.settings.breaks else answer


def _broken_result(emu: Emulator, answer: dict[str, Any]) -> dict[str, Any]:
    """The comparison's deliberate defects, when a break asks for them."""
    answer["result"] = answer["result"] != emu.broken("result-inconsistent")
    if emu.broken("thresholds-out-of-order"):
        thresholds = answer["threshold"]
        # neither falling nor rising (a rise is E-004's other reading): the middle two swapped
        values = sorted(thresholds.values(), reverse=True)
        values[1:3] = values[2:0:-1]
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
    ok = alt.TABLE_SUCCESS if emu.settings.alternative("E-002") else emu.contract.jd_success_code
    emu.state.codes[f"jd:gateway:{ok}"] += 1
    emu.state.codes[f"jd:business:{result['code']}"] += 1
    body = {
        "code": ok,
        "charge": key.plan == "paid",
        "remainTimes": remain,
        "remainSeconds": key.remain_seconds if key.plan == "paid" else -1,
        "msg": emu.jd_success_msg,
        "result": result,
    }
    if emu.settings.readings:
        body = alt.jd_numbers(emu, body)
    return FastJSONResponse(body)
