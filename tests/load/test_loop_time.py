"""Locust's ``--run-time`` counts from the run's start, not from gevent's last look at the clock.

Locust starts its run-time timer on libev's cached loop time, which stands still while the
locustfile is imported; on a loaded machine a plain ``-t 8s`` run ended 2 s after its users
started. Both locustfiles (the plain users' and the harness's entry) register
``transport.loop_time_now`` on Locust's ``init``. In a subprocess: importing Locust patches the
process (gevent's monkey patching).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.cli import cli_env

REPO = Path(__file__).resolve().parents[2]

_SCRIPT = """
import runpy, sys
import gevent
from gevent.monkey import get_original
from locust import events
from locust.env import Environment

runpy.run_path(sys.argv[1])  # the locustfile, as Locust loads it
loop = gevent.get_hub().loop
loop.update_now()
stale = loop.now()
get_original("time", "sleep")(0.05)  # time passes while nothing runs the loop (an import)
assert loop.now() == stale, "libev's loop time moved by itself"
events.init.fire(environment=Environment(), runner=None, web_ui=None)
print(loop.now() - stale)
"""


@pytest.mark.parametrize(
    "locustfile",
    [REPO / "load" / "locustfile.py", REPO / "harness" / "loadgen" / "_entry" / "locustfile.py"],
    ids=["plain", "entry"],
)
def test_locusts_init_brings_the_loop_time_up_to_now(locustfile: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(locustfile)],
        capture_output=True, text=True, timeout=120, env=cli_env(), cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) >= 0.05, done.stdout  # the 0.05 s that passed are counted
