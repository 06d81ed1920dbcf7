"""The pytest plugin: QA engineers' own @given tests against --faceharness-target, in a real
pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from harness.clients import DEMO

USER_TESTS = """
from hypothesis import given, settings
from harness.fuzz import strategies

@settings(max_examples=8, deadline=None)
@given(strategies.valid_match_request(video=False))
def test_match_conforms(faceharness_target, request_):
    faceharness_target.assert_conforms(request_, faceharness_target.send(request_))

@settings(max_examples=8, deadline=None)
@given(strategies.invalid_requests("jd", rules=["bad-sign"]))
def test_bad_sign_is_refused(faceharness_target, case):
    faceharness_target.assert_refused(case, faceharness_target.send(case.request))
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {
        **os.environ,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # load exactly this plugin, once
        # a URL target takes credentials from the environment, as a live service would
        "FACEHARNESS_TOKEN": DEMO.token,
        "FACEHARNESS_JD_APPKEY": DEMO.jd_appkey,
        "FACEHARNESS_JD_SECRETKEY": DEMO.jd_secretkey,
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "harness.fuzz.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "test_user.py",
            *args,
        ],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_user_properties_run_against_the_target(
    fuzz_emulator: Callable[..., str], tmp_path: Path
) -> None:
    good = _pytest(tmp_path, "--faceharness-target", fuzz_emulator(), "--faceharness-max-rps", "0")
    assert good.returncode == 0 and "2 passed" in good.stdout, good.stdout + good.stderr

    broken = _pytest(
        tmp_path,
        "--faceharness-target",
        fuzz_emulator("accept-bad-sign"),
        "--faceharness-max-rps",
        "0",
    )
    assert broken.returncode == 1 and "1 failed, 1 passed" in broken.stdout, broken.stdout
    assert "invalid_refused" in broken.stdout and DEMO.jd_secretkey not in broken.stdout

    skipped = _pytest(tmp_path)
    assert skipped.returncode == 0 and "2 skipped" in skipped.stdout, skipped.stdout
