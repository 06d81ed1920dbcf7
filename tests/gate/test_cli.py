"""`faceharness gate` and `faceharness report` as a user runs them: exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from fixtures.cli import Ran

from .builders import finding, load, suite, summary


@pytest.fixture
def cli(cli, monkeypatch):
    """The shared in-process `faceharness` (tests/conftest.py), laid out 200 columns wide."""
    monkeypatch.setenv("COLUMNS", "200")
    return cli


def one_line(result: Ran) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--profile", "nightly"], "--profile 'nightly': expected one of quick, full"),
        (["--engine", "slow"], "--engine 'slow': expected fast or dlib"),
        (["--target", "ftp://x"], "--target 'ftp://x': expected 'emulator' or an http(s) URL"),
        (["--target", "http://127.0.0.1:9"], "no credentials for a live target"),
        (  # review of session 18: the user info went into every report (and as Basic auth)
            ["--target", "http://bob:pAsSwOrD@127.0.0.1:9/base"],
            "--target 'http://127.0.0.1:9/base': credentials in the URL",
        ),
        (["--target", "http://127.0.0.1:9/b?k=x"], "a base URL takes no query or fragment"),
        (
            ["--target", "http://127.0.0.1:9", "--engine", "dlib"],
            "--engine chooses the emulator's face engine",
        ),
        (["--faces", "/nonexistent"], "--faces /nonexistent: not a directory"),
        (["--policy", "/nonexistent.toml"], "policy file not found: /nonexistent.toml"),
        (["--baseline", "/nonexistent"], "summary not found"),
        (["--profile", "full"], "--profile full measures accuracy on --faces DIR"),
    ],
    ids=[
        "profile",
        "engine",
        "target",
        "credentials",
        "userinfo",
        "query",
        "engine-url",
        "faces",
        "policy",
        "baseline",
        "full",
    ],
)
def test_gate_refuses_bad_input_with_one_line_and_exit_2(cli, tmp_path, args, expected):
    result = cli("gate", "--out", str(tmp_path / "run"), *args)
    assert result.returncode == 2
    assert expected in one_line(result) and "pAsSwOrD" not in result.stderr
    assert not (tmp_path / "run" / "summary.json").exists()


def test_gate_refuses_a_bad_policy_naming_the_key(cli, tmp_path):
    policy = tmp_path / "gate.toml"
    policy.write_text("[load]\nmax_p99_ms = 'fast'\n", encoding="utf-8")
    result = cli("gate", "--policy", str(policy), "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert one_line(result) == f"faceharness: {policy}: load.max_p99_ms ('fast'): expected a number"


def test_report_rerenders_from_summary_json(cli, tmp_path):
    from harness.report import summary_to_json

    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text(
        summary_to_json(summary(suite("conformance", [finding("medium")]), load()))
    )
    result = cli("report", str(run))
    assert result.returncode == 0, result.stderr
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "FAIL" in html and "schema broke" in html
    assert "<testsuites" in (run / "junit.xml").read_text(encoding="utf-8")
    assert str(run / "report.html") in result.stdout
    again = cli("report", str(run / "summary.json"))
    assert again.returncode == 0


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing", "run directory not found"),
        (lambda d: d, "summary not found"),
        (
            lambda d: (d / "summary.json").write_text("{not json", encoding="utf-8") and d,
            "is not valid JSON",
        ),
        (
            lambda d: (
                (d / "summary.json").write_text(
                    json.dumps({"schema_version": "9"}), encoding="utf-8"
                )
                and d
            ),
            "has schema_version '9'",
        ),
    ],
    ids=["missing", "empty-dir", "not-json", "wrong-version"],
)
def test_report_on_a_bad_path_is_one_line_and_exit_2(cli, tmp_path, make, expected):
    result = cli("report", str(make(tmp_path)))
    assert result.returncode == 2
    assert expected in one_line(result)


def tiny_policy(path, fnmr_max: float) -> str:
    path.write_text(
        '[run]\nsuites = ["accuracy"]\naccuracy_engine = "fast"\naccuracy_max_pairs = 12\n'
        'accuracy_apis = ["match"]\n'
        f'[[accuracy]]\nclaim = "match.score>=80"\nmax_fmr = 0.5\nmax_fnmr = {fnmr_max}\n',
        encoding="utf-8",
    )
    return str(path)


def test_gate_end_to_end_pass_then_fail_by_policy(cli, tmp_path):
    """The whole command on a one-suite policy: exit 0 and the report path, then exit 1 naming the
    criterion.

    The fast engine scores different photos of one person as different (it hashes bytes), so
    its FNMR on the built-in faces is high: a policy allowing FNMR 1.0 passes, 0.0 fails.
    """
    run = tmp_path / "run"
    ok = cli("gate", "--policy", tiny_policy(tmp_path / "ok.toml", 1.0), "--out", str(run))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"report: {run / 'report.html'}" in ok.stdout and "PASS" in ok.stdout
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "pass" and summary["suites"]["conformance"]["status"] == "skipped"
    assert [c["name"] for c in summary["gate"]["criteria"]][-1] == "accuracy.match.score>=80"

    bad = cli(
        "gate",
        "--policy",
        tiny_policy(tmp_path / "bad.toml", 0.0),
        "--out",
        str(run),
        "--baseline",
        str(run),
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert bad.stderr.strip().splitlines()[-1] == "gate failed: accuracy.match.score>=80"
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    failed = [c for c in summary["gate"]["criteria"] if not c["passed"] and not c["inconclusive"]]
    assert [c["name"] for c in failed] == ["accuracy.match.score>=80"]
    untested = [c["name"] for c in summary["gate"]["criteria"] if c["inconclusive"]]
    assert untested == ["suite.accuracy"]  # built-in faces: no claim testable, never a pass
    assert failed[0]["reason"].startswith("FNMR ") and summary["baseline"]["regressions"] == []


def test_the_gates_reading_lines_are_conform_and_fuzz_lines():
    """docs/readings.md: `conform`, `fuzz` and `gate` print one line per reading, e.g. `reading
    E-011: alternative (comparison-ran), default x0 alternative x16: what success "false"
    means, ...`; the gate's line lacked the reading's name and quoted the erratum's title."""
    import io
    from datetime import UTC, datetime

    from rich.console import Console

    from harness.gate._display import print_outcome
    from harness.results import Erratum, build_summary

    now = datetime.now(UTC)
    counts = {"counts": {"default": 0, "alternative": 16}}
    erratum = Erratum(id="E-011", title="t", observed="alternative", evidence=counts)
    summary = build_summary(
        target="emulator", started_at=now, finished_at=now, suites=[], errata=[erratum]
    )
    shown = io.StringIO()
    print_outcome(Console(file=shown, width=300), summary, None)
    line = next(ln for ln in shown.getvalue().splitlines() if ln.startswith("reading E-011"))
    expected = "reading E-011: alternative (comparison-ran), default x0 alternative x16: "
    assert line.startswith(expected + 'what success "false"'), line


def test_a_target_resetting_every_connection_stops_the_gate_at_its_preflight(
    cli, tmp_path, monkeypatch
):
    """Hostile session 26 (rst_on_accept, and reset: each request read, then the connection
    reset): the preflight read four resets as "credentials not proven, the suites judge the
    answers", so the gate ran its four stages against it (58 requests), each of which could not
    run in its own words, and printed five lines. It now asks the base URL, as after four answers
    that are not HTTP, and stops with one line."""
    from fixtures.cli import DEMO_ENV
    from fixtures.hostile_target import HostileTarget

    waited: list[float] = []  # the pre-check's pauses between resets, counted, not slept
    monkeypatch.setattr("harness.preflight.pause", waited.append)
    with HostileTarget(("reset",)) as target:
        r = cli("gate", "--target", target.url, "--out", str(tmp_path / "g"), env=DEMO_ENV)
    assert r.returncode == 2, r.stdout + r.stderr
    line = one_line(r)
    assert f"target {target.url} is unreachable: " in line, line
    assert json.loads((tmp_path / "g" / "summary.json").read_text())["verdict"] == "error"
    assert len(target.served) <= 12, target.served  # the preflight's four, two checks' two each
    assert 0 < sum(waited) <= 5, waited  # a few seconds in all before it says so


def test_a_target_resetting_only_while_it_starts_is_waited_for(monkeypatch):
    """Review of session 26: the pre-check tried a reset request four times with no pause and
    asked the base URL once, nine resets in 0.8 s, so a target resetting only while it started (a
    balancer before its backend is up) was "unreachable", exit 2. It now waits between attempts
    (``PAUSES_S``, 4.5 s at most) and asks the base URL once more after a pause. Here the target
    answers once the pre-check has waited 1 s (the pauses are its clock: no real time)."""
    from fixtures.hostile_target import HostileTarget

    from harness import preflight
    from harness.clients import DEMO

    waited: list[float] = []
    with HostileTarget(("reset",)) as target:

        def pause(seconds: float) -> None:
            waited.append(seconds)
            if sum(waited) >= 1.0:
                target.switch_to("success")

        monkeypatch.setattr(preflight, "pause", pause, raising=False)  # the code before: none
        proved = preflight.preflight(target.url, apis=("match",), credentials=DEMO)
    assert proved == [
        "match: POST /tech/ai/face/match/validateData answered HTTP 200, errcode 0"
    ], proved
    assert target.served[0] == "reset" and target.served[-1] == "success", target.served
