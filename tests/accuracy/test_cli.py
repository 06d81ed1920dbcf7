"""`faceharness accuracy` as a user runs it: a real process, real emulators, real files."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.cli import InProcess, Ran, run_cli

from harness.config import (
    DEMO_JD_APPKEY,
    DEMO_JD_SECRETKEY,
    DEMO_TOKEN,
    ENV_JD_APPKEY,
    ENV_JD_SECRETKEY,
    ENV_TOKEN,
)
from harness.imaging import builtin_faces
from harness.report import load_summary

from .conftest import builtin_folder


def _cli(*args: str, env: dict[str, str] | None = None) -> Ran:
    return run_cli("accuracy", *args, env={"COLUMNS": "120", **(env or {})}, clean=True)


def test_builtin_run_works_without_faces(tmp_path: Path) -> None:
    run = tmp_path / "run"
    done = _cli("--out", str(run))
    assert done.returncode == 0, done.stderr
    assert "No --faces DIR: using the built-in set" in done.stderr
    assert "cannot support or contradict" in done.stdout  # said again beside the results
    for shown in ("match: documented false-match claims", "score>=70", "result", "e7 (dist.)",
                  "EER (match)", "EER (jd)"):  # fmt: skip
        assert shown in done.stdout
    files = {p.name for p in run.iterdir()}
    assert {"accuracy.json", "accuracy-cache.jsonl", "summary.json", "junit.xml",
            "report.html"} <= files  # fmt: skip

    summary = load_summary(run / "summary.json")
    suite = summary.suites.accuracy
    assert summary.verdict == "inconclusive" and suite.status == "inconclusive"  # tested nothing
    assert "INCONCLUSIVE: all 6 documented claims are untestable" in " ".join(done.stdout.split())
    assert suite.metrics.target == "emulator:dlib"
    assert {row.verdict for row in suite.metrics.thresholds} == {"untestable"}

    prefixes = [base64.b64encode(f.data[:300]).decode()[:80] for f in builtin_faces()]
    for path in run.iterdir():
        text = path.read_text(encoding="utf-8")
        for needle in (DEMO_TOKEN, DEMO_JD_APPKEY, DEMO_JD_SECRETKEY, *prefixes):
            assert needle not in text, f"{needle[:20]!r} in {path.name}"


def _bad_labels(root: Path) -> list[str]:
    folder = root / "bad"
    folder.mkdir()
    (folder / "labels.csv").write_text("name,who\na.jpg,x\n", encoding="utf-8")
    return ["--faces", str(folder)]


def _missing_image(root: Path) -> list[str]:
    folder = root / "missing"
    folder.mkdir()
    (folder / "labels.csv").write_text("file,identity\nghost.jpg,ann\n", encoding="utf-8")
    return ["--faces", str(folder)]


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (
            lambda root: ["--faces", str(root / "absent")],
            "not a directory (expected a folder with labels.csv)",
        ),
        (_bad_labels, "missing column 'file'"),
        (_missing_image, "image 'ghost.jpg' not found"),
        (lambda root: ["--api", "both"], "--api 'both': expected match, jd or all"),
        (lambda root: ["--target", "http://127.0.0.1:9", "--engine", "fast"], "--engine applies"),
        (
            lambda root: ["--max-rps", "-1"],
            "--max-rps -1: expected requests per second >= 0 (0: unlimited)",
        ),
        # before: exit 0, "0 impostor pairs", and an --out of empty reports for a mistyped --out
        (lambda root: ["--from-cache"], "--from-cache: no accuracy-cache.jsonl in"),
    ],
    ids=[
        "missing-dir",
        "bad-labels",
        "missing-image",
        "unknown-api",
        "engine-with-url",
        "max-rps",
        "from-cache-without-cache",
    ],  # fmt: skip
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    make_args: Callable[[Path], list[str]],
    message: str,
    cli: InProcess,
) -> None:
    """In process (the entry point itself, argv and all): a subprocess per case costs seconds."""
    done = cli("accuracy", "--out", str(tmp_path / "run"), *make_args(tmp_path))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("faceharness: ") and message in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "run").exists()  # nothing started, nothing written


def test_a_contradicted_claim_exits_0_as_an_observed_reading(tmp_path: Path) -> None:
    """/match's claims stand in /idno's row (E-044): contradicted, the reading is observed and
    shown with the numbers, never failed by `accuracy` (a gate policy may require it)."""
    from fixtures.accuracy_variants import serve_accuracy_variant

    with serve_accuracy_variant("accept-all") as url:
        _contradicted_is_observed(url, tmp_path)


def _contradicted_is_observed(url: str, tmp_path: Path) -> None:
    folder = builtin_folder(tmp_path / "faces")
    env = {
        ENV_TOKEN: DEMO_TOKEN,
        ENV_JD_APPKEY: DEMO_JD_APPKEY,
        ENV_JD_SECRETKEY: DEMO_JD_SECRETKEY,
    }
    run = tmp_path / "run"
    done = _cli("--target", url, "--faces", str(folder), "--api", "match", "--max-rps", "0",
                "--out", str(run), env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    stdout = " ".join(done.stdout.split())  # rich wraps long lines
    assert "2 documented claim(s) contradicted under reading E-044" in stdout
    assert '[readings] E-044 = "default" fails them' in stdout  # how to make it fail
    assert "contradicted (worse) under reading E-044 (observed, not required)" in stdout
    assert "lies above the claimed 0.001" in stdout  # the numbers
    assert "reading E-044: alternative (match-own-calibration)" in stdout
    data = json.loads((run / "summary.json").read_text())
    findings = data["suites"]["accuracy"]["findings"]
    assert data["verdict"] == "pass" and findings == []
    errata = {e["id"]: e for e in data["errata"]}
    assert errata["E-044"]["observed"] == "alternative"
    assert str(folder) not in (run / "summary.json").read_text()

    again = _cli("--target", url, "--faces", str(folder), "--api", "match", "--from-cache",
                 "--out", str(run), env=env)  # fmt: skip
    assert again.returncode == 0, again.stderr  # the same verdict, judged from the cache alone
    metrics = json.loads((run / "summary.json").read_text())["suites"]["accuracy"]["metrics"]
    assert metrics["run"]["calls"] == 0 and metrics["run"]["from_cache"] > 0
