"""Answers in each API's envelope, with texts taken from the code table."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse, Response

from harness.contract import Contract


class Answer(Exception):
    """Raised anywhere in a handler to answer at once with a documented error."""

    def __init__(self, code: int | str, detail: str = "", *, where: str = "") -> None:
        self.code, self.detail, self.where = code, detail, where
        super().__init__(f"{code}: {detail}")


class FastJSONResponse(JSONResponse):
    """JSONResponse rendered by orjson in a fifth of the time: the same JSON values (floats may
    be spelled differently, e.g. ``1e-7``); the emulator never answers NaN, which orjson would
    write as ``null`` where Starlette refuses it. Status 200 and the two headers JSONResponse
    sends (content-length, then content-type), set directly: every answer is built this way."""

    def __init__(self, content: Any) -> None:
        self.status_code, self.background = 200, None
        try:
            self.body = orjson.dumps(content)
        except orjson.JSONEncodeError:  # what orjson cannot write (ints over 64 bits)
            self.body = self.render(content)  # the stdlib's way
        self.raw_headers = [
            (b"content-length", str(len(self.body)).encode()),
            (b"content-type", b"application/json"),
        ]


def json_response(body: dict[str, Any], *, content_type: str = "application/json") -> Response:
    response = FastJSONResponse(body)
    if content_type != "application/json":
        response.headers["content-type"] = content_type
    return response


def match_error(contract: Contract, code: int, detail: str = "") -> dict[str, Any]:
    meaning = contract.code("match", "errcode", code)
    text = meaning.zh + (f": {detail}" if detail else "")
    return {"errcode": code, "errmsg": text[:300]}


def match_success(
    trace_no: str, result: dict[str, Any] | None, status: str = "SUCCESS"
) -> dict[str, Any]:
    data: dict[str, Any] = {"status": status, "traceNo": trace_no}
    if result is not None:
        data["result"] = result
    return {
        "errcode": 0,
        "data": data,
        "errmsg": "SUCCESS",
    }  # errmsg as the examples have it (E-006)


def jd_gateway_error(contract: Contract, code: str, detail: str = "") -> dict[str, Any]:
    meaning = contract.code("jd", "gateway", code)
    return {"code": code, "charge": False, "msg": meaning.zh + (f": {detail}" if detail else "")}


def business_msg(contract: Contract, code: int, detail: str = "") -> str:
    """A business msg begins with the code's document text, "!" dropped (E-027)."""
    prefix = contract.code("jd", "business", code).msg_prefix
    return (prefix + (f" :{detail}" if detail else ""))[:300]
