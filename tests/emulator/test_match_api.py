"""The internal API end to end: validation codes, limits, live codes, /idno, async, video."""

from __future__ import annotations

import time

import pytest

from harness.emulator import DEMO_ID_NUM, DEMO_NAME, check_char, valid_id_number
from harness.imaging import synthetic_image

from ._helpers import FACE_A, FACE_B, b64, match_body, png_of_size, post_match

MATCH, IDNO, LIVE, RESULT = (
    "/tech/ai/face/match",
    "/tech/ai/face/match/idno",
    "/tech/ai/face/match/validateData",
    "/tech/ai/face/match/result",
)


def test_gb11643_check_digit():
    assert check_char("11010519491231002") == "X"
    assert valid_id_number("11010519491231002X") and valid_id_number("11010519491231002x")
    assert not valid_id_number("110105194912310021")
    assert not valid_id_number("1101051949123100") and not valid_id_number("A1010519491231002X")
    # every digit position matters
    base = "11010519491231002"
    assert all(
        not valid_id_number(f"{base[:i]}{(int(base[i]) + 1) % 10}{base[i + 1 :]}X")
        for i in range(17)
    )


def test_base64_limit_is_409600_characters(emulator):
    url = emulator()
    at_limit = png_of_size(409600 * 3 // 4)
    assert len(b64(at_limit)) == 409600
    r = post_match(url, MATCH, match_body(image=at_limit, face=at_limit)).json()
    assert r["errcode"] == 0, r
    over = png_of_size(409600 * 3 // 4 + 3)
    assert len(b64(over)) == 409604
    assert post_match(url, MATCH, match_body(image=over)).json()["errcode"] == 40006
    assert post_match(url, MATCH, match_body(face=over)).json()["errcode"] == 40006


def test_huge_body_is_refused_before_buffering(emulator):
    url = emulator()
    r = post_match(url, MATCH, None, raw=b'{"image": {"data": "' + b"A" * 3_000_000 + b'"}}')
    assert r.status_code == 200 and r.json()["errcode"] == 40006


@pytest.mark.parametrize(
    "body, code",
    [
        (b"not json", 40003),
        (b"[1, 2]", 40003),
        (b'{"faceData": {"type": "image", "data": "QUJD"}}', 40004),
        (b'{"image": {"data": "QUJD"}, "faceData": {"type": "photo", "data": "QUJD"}}', 40004),
        (
            b'{"image": {"data": "QUJD"}, "faceData": {"type": "video", "videoType": "", "data": '
            b'"QUJD"}}',
            40004,
        ),
        (
            b'{"image": {"origin": "", "data": "QUJD"}, "faceData": {"type": "image", "data": '
            b'"QUJD"}}',
            40004,
        ),
        (b'{"image": {"data": "@@@@"}, "faceData": {"type": "image", "data": "QUJD"}}', 40005),
        (b'{"image": {"data": "QUJD"}, "faceData": {"type": "image", "data": "QUJD"}}', 40005),
        (
            b'{"image": {"data": "QUJD"}, "faceData": {"type": "video", "videoType": "LIP", '
            b'"data": "QUJD"}}',
            40011,
        ),
        (
            b'{"image": {"origin": "fds", "data": "a/b.jpg"}, "faceData": {"type": "image", '
            b'"data": "QUJD"}}',
            40007,
        ),
        (
            b'{"image": {"origin": "uri", "data": "http://127.0.0.1:9/a.jpg"}, "faceData": '
            b'{"type": "image", "data": "QUJD"}}',
            40007,
        ),
        (
            b'{"image": {"data": "QUJD"}, "faceData": {"type": "image", "data": "QUJD"}, "async": '
            b'"yes"}',
            40004,
        ),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-image",
        "bad-type",
        "empty-videotype",
        "empty-origin",
        "bad-base64",
        "not-an-image",
        "lip-no-livecode",
        "fds-disabled",
        "uri-disabled",
        "async-not-bool",
    ],
)
def test_malformed_requests_get_documented_codes(emulator, contract, body, code):
    url = emulator()
    r = post_match(url, MATCH, None, raw=body)
    assert r.status_code == 200
    assert r.json()["errcode"] == code
    assert contract.codes.get("match", "errcode", code) is not None


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda d: d[: len(d) // 2], 40005),  # truncated JPEG
        (lambda d: b"GIF89a" + d[6:], 40005),  # wrong magic
        (lambda d: b"", 40005),  # zero bytes (base64 "")
        (
            lambda d: (
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xc3\x50\x00\x00\xc3\x50\x08\x02\x00\x00\x00"
                + b"\x00" * 30
                + b"IEND\xaeB`\x82"
            ),
            40005,
        ),  # 50000 x 50000 declared
    ],
    ids=["truncated", "gif-magic", "zero-bytes", "decompression-bomb"],
)
def test_bad_images_never_500(emulator, mutate, code):
    url = emulator()
    r = post_match(url, MATCH, match_body(face=mutate(FACE_B)))
    assert r.status_code == 200 and r.json()["errcode"] in (code, 40004)


def test_livecode_single_use_expiry_and_unknown(emulator):
    url = emulator(livecode_ttl_s=0.5)

    def lip(code):
        return match_body(
            face=FACE_B,
            liveCode=code,
            faceData={"type": "video", "videoType": "LIP", "data": b64(FACE_B)},
        )

    code = post_match(url, LIVE, {}).json()["data"]["result"]["code"]
    assert len(code) == 4 and code.isdigit()
    first = post_match(url, MATCH, lip(code)).json()["errcode"]
    assert first == 40005  # the code was accepted; the "video" is a JPEG, refused as video data
    assert post_match(url, MATCH, lip(code)).json()["errcode"] == 40014
    other = next(c for c in (f"{i:04d}" for i in range(10000)) if c != code)
    assert post_match(url, MATCH, lip(other)).json()["errcode"] == 40012
    late = post_match(url, LIVE, {}).json()["data"]["result"]["code"]
    time.sleep(0.7)
    assert post_match(url, MATCH, lip(late)).json()["errcode"] == 40013
    assert post_match(url, LIVE, {"x": 1}).json()["errcode"] == 40004


def test_idno_registry(emulator):
    url = emulator()
    face = {"type": "image", "data": b64(FACE_A)}
    bad_digit = DEMO_ID_NUM[:-1] + ("0" if DEMO_ID_NUM[-1] != "0" else "1")
    assert (
        post_match(url, IDNO, {"idNum": bad_digit, "name": DEMO_NAME, "faceData": face}).json()[
            "errcode"
        ]
        == 40021
    )
    assert post_match(
        url, IDNO, {"idNum": "110101199003074477", "name": DEMO_NAME, "faceData": face}
    ).json()["errcode"] in (40021, 40022)
    other = "11010119900307" + "447"
    other += check_char(other)
    assert (
        post_match(url, IDNO, {"idNum": other, "name": DEMO_NAME, "faceData": face}).json()[
            "errcode"
        ]
        == 40022
    )
    assert (
        post_match(url, IDNO, {"idNum": DEMO_ID_NUM, "name": "李四", "faceData": face}).json()[
            "errcode"
        ]
        == 40023
    )
    ok = post_match(
        url, IDNO, {"idNum": DEMO_ID_NUM, "name": DEMO_NAME, "faceData": face, "personType": "vip"}
    ).json()
    assert (
        ok["errcode"] == 0 and ok["data"]["result"]["success"] == "true"
    )  # the registry photo itself
    assert (
        post_match(
            url,
            IDNO,
            {"idNum": DEMO_ID_NUM, "name": DEMO_NAME, "faceData": face, "personType": "boss"},
        ).json()["errcode"]
        == 40004
    )


def test_idno_omits_score_when_verification_fails(emulator):
    url = emulator()
    other = synthetic_image(120, 120, seed=3)
    r = post_match(
        url,
        IDNO,
        {
            "idNum": DEMO_ID_NUM,
            "name": DEMO_NAME,
            "faceData": {"type": "image", "data": b64(other)},
        },
    ).json()
    assert r["errcode"] == 0
    result = r["data"]["result"]
    assert result["success"] == "false" and "score" not in result


def test_async_request_then_result(emulator):
    url = emulator()
    queued = post_match(url, MATCH, match_body(image=FACE_A, face=FACE_A, **{"async": True})).json()
    assert (
        queued["errcode"] == 0
        and queued["data"]["status"] == "PROCESSING"
        and "result" not in queued["data"]
    )
    trace = queued["data"]["traceNo"]
    deadline = time.monotonic() + 10
    while True:
        got = post_match(url, RESULT, {"traceNo": trace}).json()
        if got["data"]["status"] != "PROCESSING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert got["data"]["status"] == "SUCCESS" and got["data"]["traceNo"] == trace
    assert got["data"]["result"] == {"success": "true", "score": "100"}
    assert post_match(url, RESULT, {"traceNo": "nope"}).json()["errcode"] == 40041


def test_trace_numbers_are_unique(emulator):
    url = emulator()
    traces = {post_match(url, LIVE, {}).json()["data"]["traceNo"] for _ in range(20)}
    assert len(traces) == 20


def test_success_follows_threshold_per_operation(emulator, contract):
    url = emulator()
    for seed in range(12):
        r = post_match(
            url, MATCH, match_body(image=FACE_A, face=synthetic_image(100, 100, seed=seed))
        ).json()
        result = r["data"]["result"]
        assert (result["success"] == "true") == (
            int(result["score"]) >= contract.success_threshold("match")
        )
        assert 0 <= int(result["score"]) <= 100


def _mp4_of(jpeg: bytes, tmp_path) -> bytes:
    import cv2
    import numpy as np

    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    frame = cv2.resize(frame, (frame.shape[1] // 2 * 2 // 2, frame.shape[0] // 2 * 2 // 2))
    path = str(tmp_path / "clip.mp4")
    writer = cv2.VideoWriter(
        path, cv2.VideoWriter_fourcc(*"mp4v"), 10, (frame.shape[1], frame.shape[0])
    )
    for _ in range(10):
        writer.write(frame)
    writer.release()
    return (tmp_path / "clip.mp4").read_bytes()


def test_video_face_data_with_the_dlib_engine(emulator, dlib_engine, tmp_path):
    url = emulator(engine="dlib", engine_obj=dlib_engine)
    video = _mp4_of(FACE_B, tmp_path)
    assert video[4:8] == b"ftyp" and len(b64(video)) <= 409600
    body = match_body(image=FACE_A, face=video)
    body["faceData"].update(type="video", videoType="SILENT")
    r = post_match(url, MATCH, body).json()
    assert r["errcode"] == 0 and r["data"]["result"]["success"] == "true", r
    code = post_match(url, LIVE, {}).json()["data"]["result"]["code"]
    body["faceData"]["videoType"] = "LIP"
    body["liveCode"] = code
    assert post_match(url, MATCH, body).json()["errcode"] == 0


def test_the_coercing_binder_reading_binds_before_validating(emulator):
    """E-085 coercing-binder (specs/readings.yaml): the emulator serving it reads a request as
    Jackson binds it (0 for a boolean is false, 1232 for a String "1232", a null field not sent);
    its default reading and what no binder coerces (a list for a boolean) stay refused; "yes" is
    pydantic's true (FastAPI, round 15)."""
    from ._helpers import jd_body, post_jd

    coerced = match_body(**{"async": 0, "liveCode": 1232, "extData": None})
    binder = emulator(readings={"E-085": "alternative"})
    assert post_match(binder, MATCH, coerced).json()["errcode"] == 0
    assert post_jd(binder, jd_body(serialNo=12345)).json()["result"]["code"] in (0, 1155)
    assert post_match(binder, MATCH, match_body(**{"async": [True]})).json()["errcode"] != 0
    assert post_match(binder, MATCH, match_body(**{"async": "yes"})).json()["errcode"] == 0
    schema_types = emulator()
    assert post_match(schema_types, MATCH, coerced).json()["errcode"] != 0
    assert post_jd(schema_types, jd_body(serialNo=12345)).json()["result"]["code"] not in (0, 1155)
