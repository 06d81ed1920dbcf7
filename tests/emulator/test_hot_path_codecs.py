"""The emulator's fast codecs (pybase64, orjson) accept and write exactly what the slow ones do."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from harness.emulator._envelope import FastJSONResponse, parse_json
from harness.emulator._media import MediaError, from_base64

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def _spec_pattern(contract) -> re.Pattern[str]:
    """The `pattern` the match spec gives base64 image data (the emulator decodes instead)."""
    return re.compile(contract.match.raw["components"]["schemas"]["Base64Data"]["pattern"])


def _accepts(text: str) -> bool:
    try:
        from_base64(text, "image.data")
    except MediaError as exc:
        assert exc.kind == "undecodable" and exc.detail == "image.data: not valid base64"
        return False
    return True


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet=ALPHABET + " \n-_.", max_size=14)
    | st.binary(max_size=10).map(lambda b: __import__("base64").b64encode(b).decode())
)
def test_base64_decoding_accepts_exactly_the_spec_pattern(contract, text):
    assert _accepts(text) == bool(_spec_pattern(contract).fullmatch(text)), text


def test_base64_decoding_refuses_text_beyond_ascii():
    assert not _accepts("QUJD\u00e9")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": NaN}',
        b'{"a": 123456789012345678901234567890}',
        b'\xef\xbb\xbf{"a": 1}',
        b'{"a": "\\ud800"}',
        b'{"a": 1, "a": 2}',
        b'{"a": 1.0e400}',
        b"[" * 50 + b"]" * 50,
        b"null",
        b"7",
        b'"text"',
        b"123456789012345678901234567890",
        b"[]",
        b"{}",
    ],
)
def test_json_corners_orjson_refuses_are_judged_by_the_standard_library(raw):
    assert parse_json(raw) == json.loads(raw) or repr(parse_json(raw)) == repr(json.loads(raw))


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b'{"a": 1} x', b"\xff\xfe", b'{"a": Infinity', b"[" * 2000 + b"]" * 2000],
)
def test_what_neither_parser_accepts_is_refused(raw):
    with pytest.raises((ValueError, RecursionError)):
        json.loads(raw)
    with pytest.raises((ValueError, RecursionError)):
        parse_json(raw)


def test_a_huge_integer_deep_in_a_byte_array_is_read_as_the_standard_library_reads_it():
    raw = b'{"imgArr": [1, 2, [3, {"x": [123456789012345678901234567890]}]], "f": 1.5}'
    assert parse_json(raw) == json.loads(raw)
    assert type(parse_json(raw)["imgArr"][2][1]["x"][0]) is int


HUGE = "123456789012345678901234567890"
FILLER = ", ".join(["7", '"s"', "0.5"] * 10)  # a container over the small-container loop's size


@pytest.mark.parametrize(
    "raw",
    [
        f'{{"a": "x", "b": {HUGE}}}',  # a small dict
        f'{{"a": [{FILLER}, {HUGE}]}}',  # a large list, at C speed
        f'{{"a": [{FILLER}, {{"b": [1, -{HUGE}]}}]}}',  # small, inside a large one
        f'{{"a": [1, [{FILLER}, [{HUGE}]]]}}',  # large, inside a small one
        f"[{FILLER}, [{FILLER}, {HUGE}.0]]",  # a float as large, spelled as one
    ],
)
def test_a_huge_integer_in_any_container_is_read_as_the_standard_library_reads_it(raw):
    assert repr(parse_json(raw.encode())) == repr(json.loads(raw))


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda f: f == 0 or 1e-5 < abs(f) < 1e15
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(max_size=8), JSONISH, max_size=6))
def test_responses_carry_the_same_json_as_starlettes(body):
    fast, slow = FastJSONResponse(body).body, JSONResponse(body).body
    assert json.loads(fast) == json.loads(slow)
    assert parse_json(fast) == body


def test_responses_carry_starlettes_status_headers_and_bytes():
    body = {"errcode": 0, "data": {"status": "SUCCESS", "score": "81"}, "errmsg": "成功"}
    fast, slow = FastJSONResponse(body), JSONResponse(body)
    assert (fast.status_code, fast.raw_headers, fast.body) == (
        slow.status_code,
        slow.raw_headers,
        slow.body,
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", "=", "&", "%41", "%zz", "+", "%", "é", "sign", ""]), max_size=12
    )
)
def test_jd_query_reads_as_starlette_does(parts):
    """The JD route's own query reader (the auth fields of every request) must give what
    Starlette's query_params give for any query string, the last value of a name winning."""
    from starlette.requests import Request

    from harness.emulator._jd_routes import _query

    scope = {"type": "http", "query_string": "".join(parts).encode("utf-8")}
    assert _query(scope) == dict(Request(scope).query_params)


@pytest.mark.parametrize("path", ["/match", "/jdai/faceCompareNew"])
def test_operations_send_the_messages_starlettes_response_sends(contract, path):
    """The operations' answers skip Response.__call__: the ASGI messages must be its own."""
    import asyncio

    from harness.emulator import create_app

    path = next(op.path for op in contract.operations.values() if op.path.endswith(path))
    app = create_app(contract=contract)
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def run(target, scope):
        sent: list = []

        async def send(message):
            sent.append(message)

        await target(scope, receive, send)
        return sent

    sent = asyncio.run(run(app, dict(scope)))
    answer = FastJSONResponse(json.loads(sent[1]["body"]))
    assert sent == asyncio.run(run(answer, dict(scope)))
    assert [k for k, _ in sent[0]["headers"]] == [b"content-length", b"content-type"]


@pytest.mark.parametrize("faults", [(), ("http500:0.0",)])
def test_an_unexpected_error_answers_starlettes_500_and_is_raised_on(contract, faults, monkeypatch):
    """The operations answered ahead of Starlette's middleware (no faults configured) and those
    taking the stack (faults configured, none drawn) fail alike: ServerErrorMiddleware's 500,
    byte for byte, and the exception raised on for the server to log."""
    import asyncio

    from starlette.middleware.errors import ServerErrorMiddleware

    from harness.emulator import _app, build_settings, create_app

    class Boom(Exception):
        pass

    async def boom(*args):
        raise Boom

    monkeypatch.setitem(_app._HANDLERS, "faceCompareNew", boom)
    path = contract.operation("faceCompareNew").path
    app = create_app(build_settings(engine="fast", faults=faults), contract=contract)
    scope = {"type": "http", "method": "POST", "path": path, "root_path": "", "headers": []}

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    def sent_by(target) -> list:
        sent: list = []

        async def send(message):
            sent.append(message)

        with pytest.raises(Boom):
            asyncio.run(target(dict(scope), receive, send))
        return sent

    sent = sent_by(app)
    assert sent == sent_by(ServerErrorMiddleware(boom))
    assert sent[0]["status"] == 500 and sent[1]["body"] == b"Internal Server Error"
