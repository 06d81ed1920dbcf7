"""The internal face-match API (seed 000); a route follows an alternative reading when told
(``emulate --reading``, ``emulator_serves`` in specs/readings.yaml; envelope ones: _readings.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope

from . import _readings as alt
from ._context import Emulator, header, read_json
from ._envelope import Answer, FastJSONResponse, match_error, match_success
from ._media import MediaError, fetch, refusal, template_of_image, template_of_video
from ._validation import check, valid_id_number
from .engines import FaceRejected, calibration

_IMAGE_FORMATS = ("jpeg", "png")
ALTERNATIVE_BASE64_MAX = 400_000  # E-012's other reading of "400k"


async def _guard(emu: Emulator, scope: Scope, receive: Receive, operation: str) -> dict[str, Any]:
    """Auth, throttling, body size and JSON: the steps every operation shares."""
    emu.state.requests[operation] += 1
    raw_token = header(scope, b"authorization")
    if not raw_token:
        raise emu.refuse("match", "token_missing", "Authorization header missing")
    token = raw_token.removeprefix("Bearer ").strip()
    if token not in emu.settings.tokens:
        bad = "invalid_parameter" if emu.broken("wrong-code-bad-token") else "token_invalid"
        raise emu.refuse("match", bad, "token not recognised")
    qps = emu.settings.throttle.qps
    if qps > 0 and not emu.state.allow("token:" + token, qps):
        raise emu.refuse("match", "too_many_requests", f"over {qps:g} requests per second")
    limit = 2 * emu.contract.match_base64_max_chars + 64 * 1024
    body = await read_json(emu, scope, receive, limit, ("match", "too_large", "body_not_object"))
    if not isinstance(body, dict):
        raise emu.refuse("match", "body_not_object", "body is not a JSON object")
    return body


def _answer(emu: Emulator, body: dict[str, Any]) -> Response:
    if emu.settings.readings:
        body = alt.match_body(emu, body)
    emu.state.codes[f"match:errcode:{body['errcode']}"] += 1
    response = FastJSONResponse(body)
    if emu.settings.breaks and emu.broken("wrong-content-type"):
        response.headers["content-type"] = "text/plain"
    return response


def _operation(operation: str, work: Any) -> Any:
    """The handler of one operation: ``work`` turns the guarded body into the answer."""

    async def handle(emu: Emulator, scope: Scope, receive: Receive) -> Response:
        try:
            return _answer(emu, await work(emu, await _guard(emu, scope, receive, operation)))
        except Answer as ans:
            too_large = emu.contract.code_named("match", "too_large")
            if ans.code == too_large and emu.broken("oversize-500"):
                return JSONResponse({"error": "internal"}, status_code=500)
            code = int(ans.code)
            error = match_error(emu.contract, code, ans.detail)
            if "E-039" in emu.settings.alternatives and getattr(
                emu.contract.codes.get("match", "errcode", code), "category", None
            ) in ("business", "image_quality"):
                # the two-level reading: the transaction went through, the business step failed
                body = match_success(emu.state.trace_no(), None, status="FAIL")
                return _answer(emu, {**body, "errmsg": error["errmsg"]})
            return _answer(emu, error)

    return handle


async def _live_code(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    body = alt.bind(emu, "match", "LiveCodeRequest", body)
    check(emu.contract, "match", "LiveCodeRequest", body, emu.settings.lenient)
    trace = emu.state.trace_no()
    code = emu.state.issue_live_code(emu.settings.livecode_ttl_s, trace)
    if code is None:
        live = emu.state.max_live_codes
        raise Answer(emu.match_busy, f"{live} liveCodes are live; try again when some expire")
    return _success(
        emu, {"code": code}, trace_no=None if emu.broken("duplicate-traceno") else trace
    )


async def _async_result(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    body = alt.bind(emu, "match", "AsyncResultRequest", body)
    check(emu.contract, "match", "AsyncResultRequest", body)
    job = emu.state.jobs.get(body["traceNo"])
    if job is None:
        raise emu.refuse("match", "unknown_trace", "no async request with this traceNo")
    if job.envelope is None:
        return match_success(body["traceNo"], None, status="PROCESSING")
    return job.envelope


def _success(emu: Emulator, result: dict[str, Any], trace_no: str | None = None) -> dict[str, Any]:
    if not emu.settings.breaks:
        return match_success(trace_no or emu.state.trace_no(), result)
    trace = trace_no or ("1" if emu.broken("duplicate-traceno") else emu.state.trace_no())
    body = match_success(trace, result)
    if emu.broken("missing-traceno"):
        del body["data"]["traceNo"]
    if emu.broken("errcode-status-mismatch"):
        body["data"]["status"] = "FAIL"
    return body


def _check(emu: Emulator, schema: str, body: dict[str, Any]) -> None:
    try:
        check(emu.contract, "match", schema, body, emu.settings.lenient)
    except Answer as ans:
        if not (
            ans.code == emu.contract.code_named("match", "livecode_missing")
            and emu.broken("lip-without-livecode")
        ):
            raise
    if "E-012" in emu.settings.alternatives:
        for part in ("image", "faceData"):
            item = body.get(part)
            if (
                isinstance(item, dict)
                and (item.get("origin") or "self") == "self"
                and len(str(item.get("data", ""))) > ALTERNATIVE_BASE64_MAX
            ):
                raise emu.refuse(
                    "match", "too_large", f"{part}.data: over {ALTERNATIVE_BASE64_MAX} characters"
                )


def _redeem_live_code(emu: Emulator, body: dict[str, Any]) -> str | None:
    """Redeem a LIP video's liveCode; the traceNo to answer with under E-068's other reading
    (the business the code was issued for), else None (a fresh one)."""
    face = body["faceData"]
    if face.get("type") != "video" or face.get("videoType") != "LIP":
        return None
    code = str(body.get("liveCode", ""))
    outcome = emu.state.redeem_live_code(
        code,
        consume=not emu.broken("livecode-reusable") and "E-042" not in emu.settings.alternatives,
    )
    if outcome != "ok" and not (emu.broken("lip-without-livecode") and "liveCode" not in body):
        raise emu.refuse("match", "livecode_" + outcome, "liveCode " + outcome)
    if outcome == "ok" and "E-068" in emu.settings.alternatives:
        return emu.state.live_code_trace(code) or None
    return None


async def _source_bytes(emu: Emulator, part: dict[str, Any], what: str) -> bytes:
    origin = part.get("origin") or "self"
    if origin == "self":
        return alt.decode_base64(emu, part["data"], what)
    return await asyncio.to_thread(fetch, emu.settings, origin, part["data"], what)


async def _compare(
    emu: Emulator, operation: str, reference: bytes, what: str, face: dict[str, Any]
) -> dict[str, Any]:
    """Compare the face in ``reference`` with faceData's, as ``operation`` decides and scores."""
    ref = await template_of_image(emu, reference, _IMAGE_FORMATS, what)
    data = await _source_bytes(emu, face, "faceData")
    if face["type"] == "video":
        probe = await template_of_video(emu, data, "faceData")
    else:
        probe = await template_of_image(emu, data, _IMAGE_FORMATS, "faceData")
    threshold = emu.contract.success_threshold(operation)
    if "E-011" in emu.settings.alternatives:
        threshold = 0.0 if operation == "match" else threshold + 10
    points = calibration.internal_score(emu.engine.distance(ref, probe))
    success = points >= threshold
    # E-072: the string a language writes for the double ("8.123400E+01")
    score: Any = f"{points:E}" if "E-072" in emu.settings.alternatives else str(points)
    if emu.settings.breaks:  # each test of a break costs a call: none unless one is on
        success = success != emu.broken("success-inconsistent")
        if emu.broken("score-out-of-range"):
            score = str(points + 101)
        elif emu.broken("score-as-number"):
            score = points
    result: dict[str, Any] = {"success": "true" if success else "false"}
    if emu.contract.operation(operation).facts["score_returned"] == "always" or success:
        result["score"] = score
    return result


async def _run_or_queue(
    emu: Emulator, body: dict[str, Any], compute: Any, trace: str | None = None
) -> dict[str, Any]:
    """Synchronous answer, or (async=true) PROCESSING now and the result later (ERRATA E-013;
    the alternative reading, E-013 answered-synchronously, answers it like a synchronous one);
    ``trace``: the traceNo to answer with (E-068), else a fresh one."""
    if not body.get("async") or "E-013" in emu.settings.alternatives:
        return _success(emu, await _deferrable(emu, compute), trace_no=trace)
    trace = trace or emu.state.trace_no()
    job = emu.state.add_job(trace, emu.settings.async_ttl_s)
    if job is None:
        pending = emu.state.max_pending_jobs
        raise Answer(emu.match_busy, f"{pending} async requests are processing; try later")

    async def finish() -> None:
        envelope = None  # cancelled (shutdown): the job stays PROCESSING until it expires
        try:
            envelope = _success(emu, await _deferrable(emu, compute), trace_no=trace)
        except Answer as ans:
            envelope = match_error(emu.contract, int(ans.code), ans.detail)
        finally:
            emu.state.finish_job(job, envelope)

    task = asyncio.ensure_future(finish())
    emu.background.add(task)
    task.add_done_callback(emu.background.discard)
    return match_success(trace, None, status="PROCESSING")


async def _deferrable(emu: Emulator, compute: Any) -> dict[str, Any]:
    try:
        return await compute()  # type: ignore[no-any-return]
    except (FaceRejected, MediaError) as exc:
        raise refusal(emu.contract, "match", exc) from None


async def _match(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    body = alt.bind(emu, "match", "MatchRequest", body)
    _check(emu, "MatchRequest", body)
    trace = _redeem_live_code(emu, body)

    async def compute() -> dict[str, Any]:
        reference = await _source_bytes(emu, body["image"], "image")
        return await _compare(emu, "match", reference, "image", body["faceData"])

    return await _run_or_queue(emu, body, compute, trace)


async def _idno(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    body = alt.bind(emu, "match", "IdnoRequest", body)
    _check(emu, "IdnoRequest", body)
    alt.check_idno_photo_lip(emu, body)
    if not valid_id_number(body["idNum"]):
        if "E-067" in emu.settings.alternatives:  # not-verified: 验证不通过, no score
            return _success(emu, {"success": "false"})
        raise emu.refuse("match", "bad_idnum", "idNum check digit is wrong (GB 11643)")
    wanted = body["idNum"].upper()
    identity = next((i for i in emu.settings.registry if i.idNum.upper() == wanted), None)
    if identity is None:
        raise emu.refuse("match", "identity_unknown", "no registry photo for this idNum")
    if identity.name != body["name"]:
        raise emu.refuse("match", "name_mismatch", "name does not match the registry")
    alt.check_idno_live_code(emu, body)
    trace = _redeem_live_code(emu, body)

    async def compute() -> dict[str, Any]:
        photo = emu.registry_photo(identity)
        return await _compare(emu, "matchIdno", photo, "registry photo", body["faceData"])

    return await _run_or_queue(emu, body, compute, trace)


HANDLERS = {
    "match": _operation("match", _match),
    "matchIdno": _operation("matchIdno", _idno),
    "liveCode": _operation("liveCode", _live_code),
    "asyncResult": _operation("asyncResult", _async_result),
}
