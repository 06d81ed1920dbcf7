"""`faceharness specs|codes|call` as a user runs them: a real process, real emulator, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.cli import one_line_error, run_cli

from harness.clients import DEMO
from harness.imaging import builtin_faces, builtin_non_faces


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("img")
    faces = {f.name: f.data for f in builtin_faces()}
    out = {}
    for name in ("eileen_collins_jpeg", "eileen_collins_rot", "grace_hopper_orig"):
        (root / f"{name}.jpg").write_bytes(faces[name])
        out[name] = root / f"{name}.jpg"
    (root / "cat.jpg").write_bytes(builtin_non_faces()[0].data)
    (root / "notes.txt").write_text("not an image")
    out["cat"], out["notes"] = root / "cat.jpg", root / "notes.txt"
    return out


def test_specs_validate_and_show(cli):
    """Each command once in a real process, its other uses in-process through the entry point
    (a process costs about two CPU seconds of imports)."""
    r = run_cli("specs", "validate")
    assert r.returncode == 0 and "5 operations" in r.stdout
    shown = cli("specs", "show")
    assert shown.returncode == 0
    for text in ("/jdai/faceCompareNew", "10047", "E-004", "asyncResult", "(extension)"):
        assert text in shown.stdout


def test_codes_explains_a_code_in_every_place(cli):
    r = run_cli("codes", "1172")
    assert r.returncode == 0 and "image quality unacceptable" in r.stdout
    one_line_error(cli("codes", "77777"), "not in specs/codes.yaml")


def test_call_match_and_jd_against_the_emulator(images, cli):
    r = run_cli(
        "call",
        "match",
        "--image",
        str(images["eileen_collins_jpeg"]),
        "--face",
        str(images["eileen_collins_rot"]),
    )
    assert r.returncode == 0 and '"errcode": 0' in r.stdout and '"success"' in r.stdout
    jd = run_cli(
        "call",
        "jd",
        "--compare",
        str(images["eileen_collins_jpeg"]),
        "--collection",
        str(images["eileen_collins_jpeg"]),
        "--as-array",
    )
    assert jd.returncode == 0 and '"code": "10000"' in jd.stdout and '"result": true' in jd.stdout
    code = cli("call", "livecode")
    assert code.returncode == 0 and '"code"' in code.stdout
    idno = cli(
        "call",
        "idno",
        "--id-num",
        "11010519491231002X",
        "--name",
        "李四",
        "--face",
        str(images["eileen_collins_jpeg"]),
    )
    assert idno.returncode == 1 and "40023" in idno.stderr and "name does not match" in idno.stderr
    for out in (r, jd, code, idno):
        for secret in (DEMO.token, DEMO.jd_appkey, DEMO.jd_secretkey):
            assert secret not in out.stdout + out.stderr


@pytest.mark.parametrize(
    "args, text",
    [
        (
            ("call", "match", "--image", "/nonexistent.jpg", "--face", "/nonexistent.jpg"),
            "no such file",
        ),
        (("call", "match", "--image", "NOTES", "--face", "NOTES"), "not an image"),
        (
            (
                "call",
                "jd",
                "--compare",
                "FACE",
                "--collection",
                "FACE",
                "--target",
                "http://127.0.0.1:9",
            ),
            "cannot connect",
        ),
        (
            ("call", "jd", "--compare", "FACE", "--collection", "FACE", "--target", "ftp://x"),
            "expected 'emulator'",
        ),
        (("specs", "validate", "--specs", "/nonexistent"), "does not exist"),
        (("call", "match", "--bogus"), "No such option"),
        (("call", "match", "--image", "", "--face", "FACE"), "'--image': empty path"),
        (("call", "jd", "--compare", "FACE", "--collection", ""), "'--collection': empty path"),
        (("codes", "--specs", "", "10047"), "'--specs': empty path"),
        (("report", ""), "Invalid value for 'RUN': empty path; expected a file or folder"),
        (("replay", ""), "Invalid value for 'FINDING': empty path; expected a file or folder"),
        (("emulate", "--config", ""), "'--config': empty path"),
        (("report", "FACE"), ".jpg is not UTF-8 text; expected a summary.json"),
    ],
    ids=[
        "missing-file",
        "not-image",
        "unreachable",
        "bad-target",
        "bad-specs",
        "bad-option",
        "empty-image",
        "empty-collection",
        "empty-specs",
        "empty-run",
        "empty-finding",
        "emulate-empty-config",
        "report-not-utf8",
    ],
)
def test_bad_input_is_one_line_and_exit_2(images, cli, args, text):
    """In-process through the entry point: a refusal needs no process of its own."""
    args = tuple(
        str(images["notes"])
        if a == "NOTES"
        else str(images["eileen_collins_jpeg"])
        if a == "FACE"
        else a
        for a in args
    )
    env = {"FACEHARNESS_JD_APPKEY": "k", "FACEHARNESS_JD_SECRETKEY": "s"}
    one_line_error(cli(*args, env=env), text)


def test_live_target_without_credentials_says_which_variable(images, cli):
    env = {
        k: "" for k in ("FACEHARNESS_TOKEN", "FACEHARNESS_JD_APPKEY", "FACEHARNESS_JD_SECRETKEY")
    }
    r = cli("call", "livecode", "--target", "http://127.0.0.1:9", env=env)
    one_line_error(r, "FACEHARNESS_TOKEN")


def test_call_masks_the_credentials_a_service_echoes_in_its_answer(cli, images):
    """The answer `call` prints is a log: a service that echoes the token, the appkey or the
    request line (its sign) back must not put them on the terminal or in a CI log."""
    from fixtures.servers import ThreadedServer
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def echo(request: Request) -> JSONResponse:
        said = f"{request.url} {request.headers.get('authorization')}"
        if "jdai" in request.url.path:
            result = {"code": 0, "result": True, "score": 0.9, "msg": said}
            return JSONResponse({"code": "10000", "msg": said, "result": result})
        data = {"status": "SUCCESS", "traceNo": said, "result": {"success": "true", "score": "9"}}
        return JSONResponse({"errcode": 0, "errmsg": said, "data": data})

    secrets = {
        "FACEHARNESS_TOKEN": "token-0123456789-echoed-back",
        "FACEHARNESS_JD_APPKEY": "appkey-0123456789-echoed-back",
        "FACEHARNESS_JD_SECRETKEY": "secret-0123456789-never-sent",
    }
    face = str(images["eileen_collins_jpeg"])
    with ThreadedServer(Starlette(routes=[Route("/{p:path}", echo, methods=["POST"])])) as url:
        ran = [
            cli("call", "match", "--target", url, "--image", face, "--face", face, env=secrets),
            cli(
                "call", "jd", "--target", url, "--compare", face, "--collection", face, env=secrets
            ),
        ]
        # a one-letter credential is masked in the values, not in the JSON's syntax or keys
        one = {"FACEHARNESS_JD_APPKEY": "t", "FACEHARNESS_JD_SECRETKEY": "e"}
        short = cli("call", "jd", "--target", url, "--compare", face, "--collection", face, env=one)
    assert short.returncode == 0 and '"result": true' in short.stdout, short.stdout + short.stderr
    for r in ran:
        assert r.returncode == 0 and "echoed-back" not in r.stdout + r.stderr, r.stdout
        assert "127.0.0.1" in r.stdout  # the rest of what the service said is printed as sent
    assert "sign=***" in ran[1].stdout


def test_call_idno_sends_what_every_reading_accepts(cli, emulator, images):
    """/idno marks liveCode and videoType 是 (E-008): a service that refuses /idno without them
    (its other reading) answers `call idno` as the default reading's service does."""
    from harness.conformance._emulator import emulator_settings

    url = emulator(readings={"E-008": "alternative"}, **emulator_settings())
    face = str(images["eileen_collins_jpeg"])
    env = {"FACEHARNESS_TOKEN": DEMO.token or ""}
    args = ("--id-num", "11010519491231002X", "--name", "张三", "--face", face)
    r = cli("call", "idno", "--target", url, *args, env=env)
    assert r.returncode == 0 and '"errcode": 0' in r.stdout, r.stdout + r.stderr


def test_call_says_in_one_line_that_a_score_off_the_documented_scale_is_no_usable_answer(
    cli, images
):
    """A service answering a score of 1e308 (JD's scale is 0..1, /match's 0..100) or one that is no
    number gave no comparison anybody can use (Contract.score_ranges; accuracy counts it as
    OFF_SCALE): exit 2 with one line, as for an answer that does not fit the documents."""
    from fixtures.servers import ThreadedServer
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    scores: dict[str, object] = {"jd": 1e308}

    async def answer(request: Request) -> JSONResponse:
        if "jdai" in request.url.path:
            result = {"code": 0, "msg": "success", "result": True, "score": scores["jd"]}
            return JSONResponse({"code": "10000", "msg": "查询成功", "result": result})
        result = {"success": "true", "score": scores["match"]}
        data = {"status": "SUCCESS", "traceNo": "t-1", "result": result}
        return JSONResponse({"errcode": 0, "errmsg": "SUCCESS", "data": data})

    env = {
        "FACEHARNESS_TOKEN": "token-of-the-test",
        "FACEHARNESS_JD_APPKEY": "appkey-of-the-test",
        "FACEHARNESS_JD_SECRETKEY": "secret-of-the-test",
    }
    face = str(images["eileen_collins_jpeg"])
    jd = ("call", "jd", "--compare", face, "--collection", face)
    match = ("call", "match", "--image", face, "--face", face)
    with ThreadedServer(Starlette(routes=[Route("/{p:path}", answer, methods=["POST"])])) as url:
        one_line_error(cli(*jd, "--target", url, env=env), "score '1e+308' is off the documented")
        scores.update(jd=0.93, match="abc")
        assert cli(*jd, "--target", url, env=env).returncode == 0  # on the scale: an answer
        one_line_error(cli(*match, "--target", url, env=env), "score 'abc' is not a number on")
