"""Reports are written with the mode any new file gets (the umask decides), not 0600.

A CI job that uploads summary.json/junit.xml/report.html, or a teammate on a shared runner,
must be able to read them; they are redacted, so nothing in them needs 0600.
"""

from __future__ import annotations

import stat
import sys
import textwrap
from pathlib import Path

import pytest
from fixtures.cli import Ran, run_python

WRITE = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from harness.report import write_reports
    from harness.results import ConformanceSuiteResult, build_summary

    now = datetime.now(UTC)
    suite = ConformanceSuiteResult(name="conformance", status="pass")
    summary = build_summary(target="emulator", started_at=now, finished_at=now, suites=[suite])
    write_reports(summary, sys.argv[1])
""")


def _run(args: list[str], umask: int) -> Ran:
    return run_python(*args, umask=umask)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640)])
def test_reports_follow_the_umask(tmp_path, umask, expected):
    run_dir = tmp_path / "run"
    r = _run(["-c", WRITE, str(run_dir)], umask)
    assert r.returncode == 0, r.stderr
    written = {p.name: _mode(p) for p in run_dir.iterdir()}
    assert written == {"summary.json": expected, "junit.xml": expected, "report.html": expected}
    # `faceharness report` rewrites two of them in place: same modes
    r = _run(["-m", "harness.cli", "report", str(run_dir)], umask)
    assert r.returncode == 0, r.stderr
    assert {p.name: _mode(p) for p in run_dir.iterdir()} == written
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".")]  # no temporary file left
