"""`faceharness fuzz`: bad input is one line and exit 2; a run writes its reports and exits 0 or
1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.cli import InProcess


@pytest.fixture
def fuzz_cli(cli: InProcess) -> Callable[..., tuple[int, str, str]]:
    """`faceharness fuzz ARGS` in-process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        done = cli("fuzz", *args)
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--api", "both"], "--api 'both': expected match, jd or all", id="api"),
        pytest.param(
            ["--target", "http://127.0.0.1:9", "--break", "accept-bad-sign"],
            "applies to --target emulator only",
            id="break-on-url",
        ),
        pytest.param(
            ["--target", "http://127.0.0.1:9", "--engine", "dlib"],
            "applies to --target emulator only",
            id="engine-on-url",
        ),
        pytest.param(
            ["--break", "accept-bad-sgn"], "did you mean 'accept-bad-sign'", id="unknown-break"
        ),
        pytest.param(["--engine", "fastest"], "expected fast or dlib", id="engine"),
        pytest.param(["--max-examples", "0"], "expected at least 1", id="max-examples"),
        pytest.param(
            ["--max-rps", "-1"], "expected requests per second >= 0 (0: unlimited)", id="max-rps"
        ),
        pytest.param(["--max-requests", "-5"], "expected 0 (unlimited)", id="max-requests"),
        pytest.param(["--max-seconds", "0"], "positive number of seconds", id="max-seconds"),
        pytest.param(["--faces", "/nonexistent/faces"], "not a directory", id="faces"),
        pytest.param(
            ["--target", "ftp://example"],
            "expected 'emulator' or an http(s) URL",
            id="target-scheme",
        ),
        pytest.param(["--target", "http://127.0.0.1:9"], "unreachable", id="target-down"),
        pytest.param(
            ["--property", "jd:invalid-request"],
            "did you mean 'jd:invalid-requests'",
            id="property",
        ),
        pytest.param(
            ["--max-examples", "many"], "Invalid value for '--max-examples'", id="not-a-number"
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    fuzz_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], message: str
) -> None:
    for name in ("FACEHARNESS_TOKEN", "FACEHARNESS_JD_APPKEY", "FACEHARNESS_JD_SECRETKEY"):
        monkeypatch.setenv(
            name, "fuzz-cli-test-credential"
        )  # a URL target needs credentials to get that far
    code, out, err = fuzz_cli("--out", str(tmp_path / "run"), *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("faceharness: ") and message in lines[0], err
    assert "Traceback" not in err + out


def test_url_target_without_credentials_is_a_config_error(
    fuzz_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("FACEHARNESS_TOKEN", "FACEHARNESS_JD_APPKEY", "FACEHARNESS_JD_SECRETKEY"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = fuzz_cli("--out", str(tmp_path), "--target", "http://127.0.0.1:9")
    assert (
        code == 2
        and err.strip()
        == "faceharness: no token: set FACEHARNESS_TOKEN or 'token' in the config file"
    )


def test_missing_out_is_a_usage_error(fuzz_cli) -> None:
    code, _, err = fuzz_cli("--api", "jd")
    assert code == 2 and "--out" in err and len(err.strip().splitlines()) == 1


def test_run_writes_reports_and_exit_code_follows_findings(fuzz_cli, tmp_path: Path) -> None:
    common = [
        "--api",
        "jd",
        "--seed",
        "3",
        "--max-examples",
        "8",
        "--property",
        "jd:invalid-requests/bad-sign",
    ]
    code, out, _ = fuzz_cli("--out", str(tmp_path / "clean"), *common)
    assert code == 0, out
    assert json.loads((tmp_path / "clean" / "findings.json").read_text()) == []

    code, out, _ = fuzz_cli(
        "--out", str(tmp_path / "broken"), *common, "--break", "accept-bad-sign"
    )
    assert code == 1 and "F-001 high jd faceCompareNew invalid_refused (bad-sign)" in " ".join(
        out.split()
    )
    run = tmp_path / "broken"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["verdict"] == "fail" and summary["suites"]["fuzz"]["status"] == "fail"
    junit = (run / "junit.xml").read_text()
    assert "<failure" in junit and "invalid_refused" in junit
    assert (run / "findings" / "F-001.json").is_file() and (run / "report.html").is_file()
