"""Runs that cannot judge, or are stopped, end honestly: real signals to real processes, loopback
only.

* wrong credentials or a dead target: exit 2 at once, one line naming the code, nothing filed;
* Ctrl-C (SIGINT) or SIGTERM: exit 130 within seconds, one line, summary.json ``interrupted``,
  JUnit marks it; never PASS.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from fixtures.cli import DEMO_ENV, InProcess, Ran, start_cli, stopped
from fixtures.servers import closed_port

WRONG_TOKEN = "wrong-token-0123456789"
WRONG_SECRET = "wrong-secretkey-0123456789"


def _env(**extra: str) -> dict[str, str]:
    return {"COLUMNS": "200", **extra}


def _demo_env(**extra: str) -> dict[str, str]:
    return _env(**{**DEMO_ENV, **extra})


@pytest.fixture
def run(cli: InProcess) -> Callable[..., tuple[Ran, float]]:
    """`faceharness ARGS` through its entry point, in-process (a refusal needs no process of its
    own), with no FACEHARNESS_* but ``env``'s; (result, seconds)."""

    def run(*args: str, env: dict[str, str]) -> tuple[Ran, float]:
        done = cli(*args, env=env)
        return done, done.seconds

    return run


def _requests(url: str) -> int:
    stats = httpx.get(f"{url}/_emulator/stats", timeout=10).json()
    return sum(stats["requests"].values())


def _one_line(done: Ran) -> str:
    """The one stderr line (stdout may only name the files a load run wrote for its error)."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stdout + done.stderr
    assert not done.stdout.strip() or done.stdout.startswith("written: "), done.stdout
    assert "Traceback" not in done.stderr
    return lines[0]


def _pre_check_at(monkeypatch: pytest.MonkeyPatch, secret: str, zero_led: bool) -> None:
    """The pre-check's clock set to a fresh timestamp whose sign with ``secret`` begins with 0
    (``zero_led``) or does not: the one in 16 made certain, either way."""
    from harness import preflight
    from harness.clients import Credentials, not_zero_led
    from harness.clients._auth import zero_led as led

    now_ms = int(time.time() * 1000)
    creds = Credentials(jd_appkey="k", jd_secretkey=secret)
    stamp = int(led(secret, now_ms) if zero_led else not_zero_led(creds, now_ms))
    monkeypatch.setattr(preflight, "now_s", lambda: stamp / 1000)


@pytest.mark.parametrize(
    ("env", "api", "names", "sent"),
    [
        (_demo_env(FACEHARNESS_TOKEN=WRONG_TOKEN), "match", "match errcode 40002", 1),
        (
            _demo_env(FACEHARNESS_JD_SECRETKEY=WRONG_SECRET),
            "jd",
            "jd gateway code 10047 (invalid sign)",
            1,
        ),
        (  # the wrong sign begins with 0: the pre-check signs once more, refused too
            _demo_env(FACEHARNESS_JD_SECRETKEY=WRONG_SECRET),
            "jd",
            "jd gateway code 10047 (invalid sign)",
            2,
        ),
    ],
    ids=["wrong-token", "wrong-jd-secret", "wrong-jd-secret-zero-led"],
)
def test_rejected_credentials_stop_conform_before_it_spends_anything(
    emulator: Callable[..., str],
    run: Callable[..., tuple[Ran, float]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    api: str,
    names: str,
    sent: int,
) -> None:
    _pre_check_at(monkeypatch, WRONG_SECRET, zero_led=sent == 2)
    url = emulator()
    before = _requests(url)
    out = tmp_path / "run"
    done, seconds = run(
        "conform", "--target", url, "--api", api, "--examples", "30", "--out", str(out), env=env
    )
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert line.startswith(f"faceharness: credentials rejected by {url}: {names}"), line
    assert WRONG_TOKEN not in done.stderr and WRONG_SECRET not in done.stderr
    assert _requests(url) - before == sent  # the preflight alone: no budget spent
    assert not (out / "findings.json").exists() and not list((out / "findings").glob("F-*.json"))
    assert seconds < 30


@pytest.mark.parametrize(
    "command",
    [
        ("conform", "--api", "match"),
        ("fuzz", "--api", "match"),
        ("accuracy", "--api", "match"),
        ("gate",),
        ("load", "run", "--rate", "2", "--duration", "3s"),
    ],
    ids=["conform", "fuzz", "accuracy", "gate", "load-run"],
)
def test_a_closed_port_is_exit_2_with_one_line(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path, command: tuple[str, ...]
) -> None:
    """README "Verdicts and exit codes": every command writes summary.json with the verdict
    ``error`` and the reason (with junit.xml and report.html), then one line and exit 2, every
    command's line led by ``faceharness:`` (session 27: the gate's by ``could not run:``)."""
    url = f"http://127.0.0.1:{closed_port()}"
    done, seconds = run(*command, "--target", url, "--out", str(tmp_path / "run"), env=_demo_env())
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert line.startswith("faceharness: "), line
    assert f"{url} is unreachable" in line and "Connection refused" in line, line
    assert seconds < 30
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "error"
    why = [summary.get("error")] + [s.get("error") for s in summary["suites"].values()]
    assert any(w and f"{url} is unreachable" in w for w in why), why
    assert (tmp_path / "run" / "junit.xml").is_file() and (
        tmp_path / "run" / "report.html"
    ).is_file()


@pytest.mark.parametrize(
    "command",
    [
        ("conform", "--examples", "2"),
        ("fuzz", "--max-examples", "2"),
        ("accuracy", "--max-pairs", "2"),
        ("gate",),
        ("load", "run", "--rate", "2", "--duration", "3s"),
    ],
    ids=["conform", "fuzz", "accuracy", "gate", "load-run"],
)
def test_an_out_dir_that_cannot_be_made_is_exit_2_before_any_work(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path, command: tuple[str, ...]
) -> None:
    """Found at the start, not after a run whose results it would lose."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    done, seconds = run(*command, "--out", str(blocker / "run"), env=_demo_env())
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert f"--out {blocker / 'run'}: cannot create the directory" in line, line
    assert seconds < 15


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("conform", "--faces", "{tmp}/none"), "--faces {tmp}/none: not a directory"),
        (("conform", "--break", "nope"), "--break 'nope' is not a break mode"),
        (("conform", "--reading", "E-999=alternative"), "--reading 'E-999=alternative': the emul"),
        (("fuzz", "--reading", "E-011=bogus"), "--reading 'E-011=bogus': expected default, alt"),
        (("conform", "--target", "notaurl"), "--target 'notaurl': expected 'emulator' or an http"),
        (("fuzz", "--target", "notaurl"), "--target 'notaurl': expected 'emulator' or an http"),
        (("fuzz", "--target", "http://127.0.0.1:99999"), "the port is not a number in 1-65535"),
        (("conform", "--target", "http://[::1"), "--target 'http://[::1': expected 'emulator'"),
        (("fuzz", "--target", "http://u:p@[::1"), "--target 'an unparseable URL': expected"),
        (("conform", "--target", "http://127.0.0.1:9"), "no token: set FACEHARNESS_TOKEN"),
        (("fuzz", "--target", "http://127.0.0.1:9", "--api", "jd"), "no JD credentials: set"),
        (("accuracy", "--target", "http://127.0.0.1:9"), "no token: set FACEHARNESS_TOKEN"),
        (("conform", "--faces", ""), "Invalid value for '--faces': empty path; expected a file"),
        (("fuzz", "--faces", " "), "Invalid value for '--faces': empty path; expected a file"),
        (("accuracy", "--faces", ""), "Invalid value for '--faces': empty path"),
        (("gate", "--policy", ""), "Invalid value for '--policy': empty path"),
        (("gate", "--baseline", ""), "Invalid value for '--baseline': empty path"),
        (("conform", "--config", ""), "Invalid value for '--config': empty path"),
        (("fuzz", "--codes", ""), "Invalid value for '--codes': empty path"),
        (("load", "run", "--rate", "2", "--faces", ""), "Invalid value for '--faces': empty pa"),
        (("load", "find-limit", "--idno-face", ""), "Invalid value for '--idno-face': empty pa"),
    ],
    ids=["faces", "break", "reading", "reading-name", "url", "fuzz-url", "port", "ipv6-unclosed",
         "ipv6-unclosed-user-info", "no-token",
         "fuzz-no-jd", "accuracy-no-token", "empty-faces", "blank-faces", "accuracy-empty-faces",
         "empty-policy", "empty-baseline", "empty-config", "empty-codes", "load-empty-faces",
         "load-empty-idno-face"],
)  # fmt: skip
def test_a_bad_option_or_missing_credential_is_refused_before_out_is_written(
    cli: InProcess, tmp_path: Path, command: tuple[str, ...], expected: str
) -> None:
    """README: "a bad option, config or input is refused before `--out` is written". Before,
    conform (and fuzz, accuracy on a URL) made --out (and findings/) first, then refused. An
    empty file or folder option (``--faces "$UNSET"``) was read as ``.``: conform and load ran
    with the working directory as their faces, the others named it in a puzzling refusal."""
    out = tmp_path / "run"
    done = cli(*(a.format(tmp=tmp_path) for a in command), "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected.format(tmp=tmp_path) in _one_line(done)
    assert not out.exists()


@pytest.mark.parametrize(
    "command",
    [("conform",), ("fuzz",), ("accuracy",), ("gate",), ("load", "run", "--rate", "2"),
     ("load", "worker", "--master", "127.0.0.1")],
    ids=["conform", "fuzz", "accuracy", "gate", "load-run", "load-worker"],
)  # fmt: skip
def test_an_empty_out_is_refused_not_read_as_the_working_directory(
    cli: InProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """`--out "$UNSET"`: before, Path("") ran the suite into the working directory (findings/,
    reports, caches). The other bad option shows which check came first (the --out's, now)."""
    monkeypatch.chdir(tmp_path)
    other = {"load worker": ("--wait", "0s"), "gate": ("--profile", "x")}
    wrong = other.get(" ".join(command[:2]), ("--timeout", "0"))
    done = cli(*command, "--out", "", *wrong)
    assert done.returncode == 2, done.stdout + done.stderr
    assert _one_line(done) == (
        "faceharness: Invalid value for '--out': empty path; expected a directory for the "
        "run's reports"
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "command",
    [
        ("fuzz", "--out", "{out}"),
        ("accuracy", "--out", "{out}"),
        ("gate", "--out", "{out}"),
        ("load", "run", "--rate", "2", "--duration", "3s", "--out", "{out}"),
        ("call", "jd", "--compare", "{image}", "--collection", "{image}"),
    ],
    ids=["fuzz", "accuracy", "gate", "load-run", "call"],
)
def test_every_command_refuses_an_unknown_engine_in_the_same_words(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path, command: tuple[str, ...]
) -> None:
    image = tmp_path / "face.jpg"
    image.write_bytes(b"\xff\xd8\xff")
    args = [a.format(out=tmp_path / "run", image=image) for a in command]
    done, _ = run(*args, "--engine", "dlib2", env=_demo_env())
    assert done.returncode == 2, done.stdout + done.stderr
    assert _one_line(done) == "faceharness: --engine 'dlib2': expected fast or dlib"


SERVED = 10  # requests the run's emulator answered before the signal: the suite is sending


def _served(proc: subprocess.Popen[str]) -> int:
    """Requests answered so far by the emulator ``proc`` serves itself (on a port it listens on,
    found by psutil); 0 before it listens."""
    try:
        ports = {c.laddr.port for c in psutil.Process(proc.pid).net_connections("tcp")
                 if c.status == psutil.CONN_LISTEN}  # fmt: skip
    except psutil.Error:
        return 0
    for port in sorted(ports):
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
            return _requests(f"http://127.0.0.1:{port}")
    return 0


def _stop(args: list[str], sig: int, after_s: float, out: Path) -> tuple[int, str, str, float]:
    """Start ``faceharness ARGS`` (on its own emulator), send ``sig`` ``after_s`` after that
    emulator answered ``SERVED`` requests; (exit code, stdout, stderr, seconds from the signal to
    the end). Before, ``after_s`` counted from the run directory's creation: on a loaded machine
    the run had not sent a request yet."""
    proc = start_cli(*args, "--out", str(out), env=_env(), clean=True)
    deadline = time.monotonic() + 120
    served = 0
    while served < SERVED and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        served = max(served, _served(proc))
    # else the signal came before the run sent a request, and the test stopped nothing it meant
    assert served >= SERVED, f"its emulator was not seen answering (exit {proc.poll()})"
    time.sleep(after_s)
    assert proc.poll() is None, "the run ended before the signal: give it more work"
    done, took = stopped(proc, sig)
    return done.returncode, done.stdout, done.stderr, took


def _assert_interrupted(
    out: Path, code: int, stdout: str, stderr: str, took: float, name: str
) -> None:
    assert code == 130, stdout + stderr
    assert not stdout.strip(), stdout
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert (
        len(lines) == 1
        and lines[0].startswith("interrupted after ")
        and lines[0].endswith(f": wrote {out}")
    ), stderr
    assert took < 15, f"took {took:.1f} s to stop"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (
        summary["verdict"] == "interrupted" and summary["suites"][name]["status"] == "interrupted"
    )
    root = ET.parse(out / "junit.xml").getroot()
    assert any(e.get("type") == "interrupted" for e in root.iter("error"))
    assert int(root.get("errors") or 0) >= 1 and "PASS" not in stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_conform_stopped_by_a_signal_writes_what_it_has_and_exits_130(
    tmp_path: Path, sig: int
) -> None:
    out = tmp_path / "run"
    code, stdout, stderr, took = _stop(["conform", "--examples", "30"], sig, 1.0, out)
    _assert_interrupted(out, code, stdout, stderr, took, "conformance")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"].startswith(signal.Signals(sig).name + " after ")
    assert summary["suites"]["conformance"]["metrics"]["requests"] > 0  # what ran is kept


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["fuzz", "--max-examples", "200"], "fuzz"),
        (["load", "run", "--rate", "5", "--duration", "60s"], "load"),
        (["gate"], "conformance"),
    ],
    ids=["fuzz", "load-run", "gate"],
)
def test_every_suite_command_stops_the_same_way(tmp_path: Path, args: list[str], name: str) -> None:
    out = tmp_path / "run"
    code, stdout, stderr, took = _stop(args, signal.SIGINT, 1.0, out)
    _assert_interrupted(out, code, stdout, stderr, took, name)


@pytest.mark.parametrize(
    "command",
    [
        ("fuzz", "--api", "match"),
        ("accuracy", "--api", "match"),
        ("gate",),
        ("load", "run", "--scenario", "match", "--rate", "2", "--duration", "3s"),
    ],
    ids=["fuzz", "accuracy", "gate", "load-run"],
)
def test_every_suite_command_refuses_to_judge_with_a_rejected_token(
    emulator: Callable[..., str],
    run: Callable[..., tuple[Ran, float]],
    tmp_path: Path,
    command: tuple[str, ...],
) -> None:
    url = emulator()
    before = _requests(url)
    done, seconds = run(
        *command,
        "--target",
        url,
        "--out",
        str(tmp_path / "run"),
        env=_demo_env(FACEHARNESS_TOKEN=WRONG_TOKEN),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert f"credentials rejected by {url}: match errcode 40002" in line, line
    assert WRONG_TOKEN not in done.stdout + done.stderr
    assert _requests(url) - before <= 2  # the preflight's requests: no suite traffic
    assert seconds < 30


@pytest.mark.parametrize(
    "command",
    [("conform", "--api", "match", "--examples", "2"), ("fuzz", "--api", "match")],
    ids=["conform", "fuzz"],
)
def test_a_run_that_sent_no_request_is_inconclusive_never_a_pass(
    emulator: Callable[..., str],
    run: Callable[..., tuple[Ran, float]],
    tmp_path: Path,
    command: tuple[str, ...],
) -> None:
    """A time budget spent before the first request leaves nothing judged: a PASS would vouch
    for a target the suite never asked."""
    url = emulator()
    done, _ = run(
        *command,
        "--target",
        url,
        "--max-seconds",
        "0.001",
        "--out",
        str(tmp_path / "run"),
        env=_demo_env(),
    )
    assert "PASS" not in done.stdout + done.stderr, done.stdout
    # the console says why (conform blamed its request budget, fuzz printed no verdict)
    said = " ".join(done.stdout.split())
    assert "INCONCLUSIVE: it sent no request" in said and "budget spent)" not in said, said
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    suite = summary["suites"][command[0].replace("conform", "conformance")]
    assert suite["metrics"]["requests"] == 0, suite["metrics"]
    assert suite["status"] == "inconclusive", suite
    assert "sent no request" in suite["reason"]
    assert summary["verdict"] == "inconclusive"
    junit = ET.parse(tmp_path / "run" / "junit.xml").getroot()
    assert junit.get("failures") in (None, "0"), ET.tostring(junit)


_ECHOED = {
    "FACEHARNESS_TOKEN": "tok-echoed-5e1f0a",
    "FACEHARNESS_JD_APPKEY": "appkey-echoed-7c2d9b",
    "FACEHARNESS_JD_SECRETKEY": "secretkey-echoed-3a8e41",
}
SHORT_TOKEN = "tk7abcd"  # under redact.SECRET_MIN_CHARS: no redaction remembers it by itself


def _b32(value: bytes) -> bytes:
    return base64.b32encode(value)


def _qp(value: bytes) -> bytes:
    return b"".join(b"=%02X" % b for b in value)


def _echo_target(garbled: bytes, encode: Callable[[bytes], bytes] = bytes) -> object:
    """Answers a success until a POST comes; from then on, to every request starting with
    ``garbled`` (b"": all, b"GET": the reachability check alone), a status line that is not HTTP's
    quoting the query values and ``Authorization`` of every request so far (each ``encode``d):
    the token, or the JD appkey and its sign."""
    from fixtures.hostile_target import HostileTarget, _said

    class EchoSeen(HostileTarget):
        async def _echo_seen(self, writer: object, request: bytes) -> bool:
            posted = any(head.startswith(b"POST ") for head in self.heads)
            if not (posted and request.startswith(garbled)):
                return await self._success(writer, request)  # type: ignore[arg-type]
            said = b" ".join(encode(v.split(b" ")[-1]) for head in self.heads
                             for v in _said(head))  # fmt: skip
            return await self._send(writer, b"HTTQ/9 " + said + b"\r\n\r\n", keep=False)  # type: ignore[arg-type]

    return EchoSeen(("echo_seen",))


_CONFORM_1 = ("conform", "--api", "match", "--examples", "1")
_FUZZ_1 = ("fuzz", "--api", "match", "--max-examples", "1")


@pytest.mark.parametrize(
    ("command", "garbled", "env", "encode"),
    [
        (("accuracy", "--api", "jd"), b"", _ECHOED, bytes),
        (("gate",), b"", _ECHOED, bytes),
        (("conform", "--api", "jd"), b"", _ECHOED, bytes),
        (_CONFORM_1, b"GET", {"FACEHARNESS_TOKEN": SHORT_TOKEN}, bytes),
        (_FUZZ_1, b"GET", {"FACEHARNESS_TOKEN": SHORT_TOKEN}, bytes),
        (_CONFORM_1, b"GET", {"FACEHARNESS_TOKEN": SHORT_TOKEN}, _b32),
        (_FUZZ_1, b"GET", {"FACEHARNESS_TOKEN": SHORT_TOKEN}, _qp),
    ],
    ids=["accuracy-jd", "gate-match", "conform-jd", "conform-own-check", "fuzz-own-check",
         "conform-short-base32", "fuzz-short-quoted-printable"],
)  # fmt: skip
def test_credentials_echoed_into_a_malformed_status_line_never_reach_the_line(
    run: Callable[..., tuple[Ran, float]],
    tmp_path: Path,
    command: tuple[str, ...],
    garbled: bytes,
    env: dict[str, str],
    encode: Callable[[bytes], bytes],
) -> None:
    """Review session 22: after its POSTs got no HTTP, the preflight asks the base URL, and the
    line it raised quoted the status line unmasked; a hostile target answered that GET with the
    token, appkey and sign of the requests before it (exit 2, the credentials on stderr). Conform's
    and fuzz's own check comes after the preflight too: a short token leaked there alone.
    Session 23: a short token (under 8 characters) echoed as base32 or quoted-printable reached
    the line; its encoded forms of 8 characters or more are masked now."""
    with _echo_target(garbled, encode) as target:  # type: ignore[attr-defined]
        done, _ = run(*command, "--target", target.url, "--out", str(tmp_path / "run"),
                      env=_env(**env))  # fmt: skip
        heads = list(target.heads)
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert "answered with malformed HTTP: illegal status line" in line and "***" in line, line
    signs = [h.split(b"sign=")[1].split(b"&")[0].split(b" ")[0].decode() for h in heads
             if b"sign=" in h]  # fmt: skip
    assert bool(signs) == ("jd" in command) and heads[-1].startswith(b"GET "), heads
    written = (
        done.stdout
        + done.stderr
        + "".join(
            p.read_text(errors="replace") for p in (tmp_path / "run").rglob("*") if p.is_file()
        )
    )
    for secret in [*env.values(), *signs]:
        assert secret not in written and encode(secret.encode()).decode() not in written, secret


# the commands that open a URL of their own: one each of the client, a suite and a replay
_EVERY_COMMAND = [
    ("call", "livecode", "--timeout", "3"),
    ("conform", "--api", "match", "--examples", "1"),
    ("replay", "tests/conformance/replay_files/rule-FH-M01.json"),
]


@pytest.mark.parametrize("command", _EVERY_COMMAND, ids=["call", "conform", "replay"])
def test_an_https_url_of_a_plain_http_port_is_named_so_by_every_command(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path, command: tuple[str, ...]
) -> None:
    """Session 23 (hostile: TLS spoken to a plain port that answers at once): replay named it,
    the preflight said the target "is unreachable" and call "cannot connect"."""
    from fixtures.hostile_target import HostileTarget

    out = () if command[0] != "conform" else ("--out", str(tmp_path / "run"))
    with HostileTarget(("greet_first",)) as target:
        url = target.url.replace("http://", "https://")
        done, _ = run(*command, "--target", url, *out, env=_env(FACEHARNESS_TOKEN=WRONG_TOKEN))
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert "TLS handshake failed (is it an http:// port?)" in line and url in line, line


@pytest.mark.parametrize("command", _EVERY_COMMAND, ids=["call", "conform", "replay"])
def test_a_content_length_h11_refuses_is_worded_alike_by_every_command(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path, command: tuple[str, ...]
) -> None:
    """Hostile session 25 (cl_leading_zeros: a Content-Length of 40 leading zeros, which h11
    refuses): every command exits 2, but `call` said ``RemoteProtocolError: bad Content-Length``
    where the others say the target answered with malformed HTTP."""
    from fixtures.hostile_target import HostileTarget

    out = () if command[0] != "conform" else ("--out", str(tmp_path / "run"))
    with HostileTarget(("cl_leading_zeros",)) as target:
        done, _ = run(*command, "--target", target.url, *out, env=_env(**_ECHOED))
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    said = f"target {target.url} answered with malformed HTTP: bad Content-Length"
    assert said in line and "RemoteProtocolError" not in line, line


def test_a_page_quoting_the_token_split_by_markup_is_masked_in_the_one_line(
    run: Callable[..., tuple[Ran, float]],
) -> None:
    """Hostile session 25 (echo_markup): a 400 HTML page quoting the token split by tags
    (``tok-ec<b>hoed-5e</b>1f0a``) and a character a ``<span>``; `call` quoted the page in its
    one line, the token readable in it."""
    import re

    from fixtures.hostile_target import HostileTarget

    with HostileTarget(("echo_markup",)) as target:
        done, _ = run("call", "livecode", "--target", target.url, env=_env(**_ECHOED))
    line = _one_line(done)
    assert done.returncode == 2 and "HTTP 400 with a body that is not JSON" in line, line
    letters = re.sub(r"<[^<>]*>|&#?[a-z0-9]+;|[^a-z0-9]", "", line.lower())
    assert "tokechoed5e1f0a" not in letters and "***" in line, line


def test_a_code_that_is_an_array_is_no_success_code_to_a_replayed_rule(
    run: Callable[..., tuple[Ran, float]],
) -> None:
    """Session 23 (hostile code_unhashable: ``"code": ["10000"]``): the JD rules looked the code
    up in a set, and replay (and gate's conformance) ended in "internal error: TypeError:
    unhashable type: 'list'". A code that is an array is no success code: the rule, which judges
    gateway successes, does not apply, and the replay says so: not judged (a refusal where the
    finding's comparison ran; review of session 26: never "holds")."""
    from fixtures.hostile_target import HostileTarget

    from harness.contract import load_contract

    codes = load_contract().jd_success_codes
    assert ["10000"] not in codes and {"code": "10000"} not in codes and "10000" in codes
    with HostileTarget(("code_unhashable",)) as target:
        done, _ = run("replay", "tests/conformance/replay_files/rule-FH-J06.json",
                      "--target", target.url, env=_env(**_ECHOED))  # fmt: skip
    assert done.returncode == 0 and "internal error" not in done.stderr, done.stdout + done.stderr
    assert "inconclusive\nnot judged: the finding's answer was ran (business)" in done.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("conform", "--examples", "1", "--phases", "examples"),
        ("fuzz", "--property", "jd:rule-probes/FH-A21"),
    ],
    ids=["conform", "fuzz"],
)
def test_a_right_sign_refused_for_its_leading_zero_is_no_credentials_refusal(
    contract: Any,
    run: Callable[..., tuple[Ran, float]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
) -> None:
    """Session 24: a service building the expected sign with ``BigInteger.toString(16)`` drops a
    digest's leading 0 and refuses one right sign in 16 (10047); when the pre-check's timestamp was
    such a one, conform and fuzz stopped with exit 2 "credentials rejected" and named no sentence.
    The pre-check signs once more with a sign without a leading 0: the run goes on, FH-A21 names
    the defect (conform runs that probe alone here: the pre-check is the point, not the others)."""
    from fixtures.mutant_jd import mutant_jd

    from harness.clients import DEMO
    from harness.conformance import RULES, _run
    from harness.preflight import preflight

    monkeypatch.setattr(_run, "RULES", [RULES.get("FH-A21")])  # conform's other probes: 5 s
    _pre_check_at(monkeypatch, DEMO_ENV["FACEHARNESS_JD_SECRETKEY"], zero_led=True)
    out = tmp_path / "run"
    with mutant_jd("sign-hex-leading-zero-dropped", contract) as url:
        done, _ = run(
            *command, "--target", url, "--api", "jd", "--max-rps", "0", "--out", str(out),
            env=_demo_env(),
        )  # fmt: skip
        proved = preflight(url, apis=("jd",), credentials=DEMO, contract=contract)
    assert "FH-A21" in proved[0] and "passed the gateway" in proved[0], proved  # what it saw
    assert "credentials rejected" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert "FH-A21" in {f["rule_id"] for f in findings}, [f["rule_id"] for f in findings]


@pytest.mark.parametrize("behaviour", ["accept_close"])
def test_an_answer_httpx_refuses_is_worded_by_call_as_by_the_suites(
    run: Callable[..., tuple[Ran, float]], behaviour: str
) -> None:
    """Hostile session 26 (accept_close: the request read, then a close without a byte;
    redirect_octal: a 307 to ``http://0313.0.113.7``, a Location httpx cannot read): `call` said
    ``RemoteProtocolError: Server disconnected ...`` where conform, fuzz, load, accuracy and the
    gate say the target answered with malformed HTTP (session 25 mended h11's refusals only)."""
    from fixtures.hostile_target import HostileTarget

    with HostileTarget((behaviour,)) as target:
        done, _ = run("call", "livecode", "--target", target.url, env=_env(**_ECHOED))
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert f"target {target.url} answered with malformed HTTP: " in line, line
    assert "RemoteProtocolError" not in line, line


@pytest.mark.parametrize("command", ["call", "conform"])
@pytest.mark.parametrize("behaviour", ["redirect_octal", "redirect_away"])
def test_a_redirect_is_worded_alike_by_every_command_whatever_its_location(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path, behaviour: str, command: str
) -> None:
    """Hostile session 27: a 307 to ``http://0313.0.113.7`` (a Location httpx cannot parse)
    was "answered with malformed HTTP" and sent twice (the refusal read as a dropped
    connection), where a 307 elsewhere was the redirect line; `call` said "HTTP 307 with a body
    that is not JSON" of any redirect. Every command now says the one redirect line, once sent,
    and follows none."""
    from fixtures.hostile_target import HostileTarget

    more = (
        ("--examples", "1", "--api", "match", "--out", str(tmp_path))
        if command == "conform"
        else ()
    )
    with HostileTarget((behaviour,)) as target:
        done, _ = run(command, "livecode" if command == "call" else "--max-rps", *(
            () if command == "call" else ("0", *more)), "--target", target.url,
            env=_env(**_ECHOED))  # fmt: skip
        served = list(target.served)
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done) if command == "call" else done.stderr.strip().splitlines()[-1]
    assert f"{target.url} answers POST /tech/ai/face/match/validateData with HTTP 307, a " in line
    assert "follows no redirect" in line and "malformed" not in line, line
    assert served == [behaviour], served  # sent once: not again as if the connection dropped


def test_a_redirect_to_a_location_that_is_not_a_url_is_worded_not_an_internal_error(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path
) -> None:
    """Review of session 27: a 307 to ``http://[::1...`` (urljoin raises ValueError) ended every
    command in "internal error", no report written. `call` says the redirect line; conform
    judges the answers (a redirect that names no moved base is the suites' to judge) and
    writes its reports."""
    from fixtures.hostile_target import HostileTarget

    with HostileTarget(("redirect_not_url",)) as target:
        called, _ = run("call", "livecode", "--target", target.url, env=_env(**_ECHOED))
        conformed, _ = run("conform", "--max-rps", "0", "--examples", "1", "--api", "match",
                           "--max-requests", "40", "--out", str(tmp_path), "--target",
                           target.url, env=_env(**_ECHOED))  # fmt: skip
    assert called.returncode == 2, called.stdout + called.stderr
    line = _one_line(called)
    assert "HTTP 307, a redirect to a Location that is not a URL" in line, line
    assert "follows no redirect" in line and "internal error" not in line, line
    assert conformed.returncode == 1, conformed.stdout + conformed.stderr
    assert "internal error" not in conformed.stderr, conformed.stderr
    assert (tmp_path / "summary.json").is_file(), sorted(tmp_path.iterdir())


def test_accuracy_whose_every_call_had_no_usable_answer_could_not_run(
    run: Callable[..., tuple[Ran, float]], tmp_path: Path
) -> None:
    """Hostile session 27 (empty_ok: a 200 with an empty body to everything): accuracy of two
    pairs, both without a usable answer, said "INCONCLUSIVE: untestable at this data size" and
    exit 0, where a run of 10 such calls stops with exit 2: nothing was measured either way."""
    from fixtures.hostile_target import HostileTarget

    out = tmp_path / "run"
    with HostileTarget(("empty_ok",)) as target:
        done, _ = run("accuracy", "--api", "match", "--max-pairs", "2", "--max-rps", "0",
                      "--target", target.url, "--out", str(out), env=_env(**_ECHOED))  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith(f"faceharness: {target.url}: no usable match answer in 2 calls"), line
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "error", summary["verdict"]


@pytest.mark.parametrize("behaviour", ["echo_partial_escapes", "echo_partial_refs"])
def test_a_page_quoting_the_token_partly_escaped_is_masked_in_the_one_line(
    run: Callable[..., tuple[Ran, float]], behaviour: str
) -> None:
    """Hostile session 26: a 400 text or HTML page quoting the token with every other character
    escaped (``t%6Fk%2De...``, ``t\\u006fk``, ``t&#x6f;k``); `call` quoted the page in its one
    line, the token readable in it once the escapes are read."""
    from urllib.parse import unquote

    from fixtures.hostile_target import HostileTarget

    with HostileTarget((behaviour,)) as target:
        done, _ = run("call", "livecode", "--target", target.url, env=_env(**_ECHOED))
    line = _one_line(done)
    assert done.returncode == 2 and "HTTP 400 with a body that is not JSON" in line, line
    read = html.unescape(unquote(line)).encode("latin-1", "replace").decode("unicode_escape")
    assert "tok-echoed" not in read and "***" in line, line
