"""Answers in each API's envelope, texts from the code table; JSON both ways: orjson (twice as
fast), and ``json.loads`` for what orjson refuses or reads otherwise (NaN, a BOM, big integers),
so the emulator sees exactly what the standard library sees."""

from __future__ import annotations

import json
from itertools import compress
from typing import Any

import orjson
from starlette.responses import JSONResponse

from harness.contract import Contract


class Answer(Exception):
    """Raised anywhere in a handler to answer at once with a documented error."""

    def __init__(self, code: int | str, detail: str = "") -> None:
        self.code, self.detail = code, detail
        super().__init__(f"{code}: {detail}")


class FastJSONResponse(JSONResponse):
    """JSONResponse's status 200 and headers, rendered by orjson in a fifth of the time (floats
    may be spelled differently, e.g. ``1e-7``; the emulator never answers NaN)."""

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
    return {"errcode": 0, "data": data, "errmsg": "SUCCESS"}  # errmsg as the examples (E-006)


def jd_gateway_error(contract: Contract, code: str, detail: str = "") -> dict[str, Any]:
    meaning = contract.code("jd", "gateway", code)
    return {"code": code, "charge": False, "msg": meaning.zh + (f": {detail}" if detail else "")}


def business_msg(contract: Contract, code: int, detail: str = "") -> str:
    """A business msg begins with the code's document text, "!" dropped (E-027)."""
    prefix = contract.code("jd", "business", code).msg_prefix
    return (prefix + (f" :{detail}" if detail else ""))[:300]


_INT64 = 2.0**63  # orjson reads larger integers as floats
_NESTED = frozenset((dict, list)).__contains__
_SMALL = 16  # values a container may hold and still be scanned in a Python loop


def parse_json(raw: bytes) -> Any:
    """Raise ValueError (incl. UnicodeDecodeError) or RecursionError for what is not JSON."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)
    return json.loads(raw) if _has_huge_float(value) else value


def _has_huge_float(value: Any) -> bool:
    """Whether orjson produced a float of integer size. A large container (a JD ``imgArr``, one
    number per image byte) is scanned at C speed; a small one in a plain loop, a third the calls."""
    if not _NESTED(type(value)):
        return type(value) is float and abs(value) >= _INT64
    stack = [value]
    for item in stack:  # the nested containers found are appended, and scanned in turn
        values = item.values() if type(item) is dict else item
        if len(values) > _SMALL:
            kinds = set(map(type, values))
            if float in kinds and any(type(v) is float and abs(v) >= _INT64 for v in values):
                return True
            if dict in kinds or list in kinds:
                stack.extend(compress(values, map(_NESTED, map(type, values))))
            continue
        for v in values:
            kind = type(v)
            if kind is str:
                continue
            if kind is float:
                if abs(v) >= _INT64:
                    return True
            elif kind is dict or kind is list:
                stack.append(v)
    return False
