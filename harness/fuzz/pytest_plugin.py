"""pytest plugin: ``--faceharness-target URL|emulator`` and the ``faceharness_target`` fixture.

QA engineers write their own properties with the fuzzer's strategies::

    from hypothesis import given
    from harness.fuzz import strategies

    @given(strategies.valid_match_request())
    def test_match_conforms(faceharness_target, request_):
        faceharness_target.assert_conforms(request_, faceharness_target.send(request_))

Run with ``pytest --faceharness-target emulator`` (an embedded emulator for the session) or
``--faceharness-target http://host:port`` (credentials from the environment or
``--faceharness-config``). Without the option, tests using the fixture are skipped. A URL
target is paced (``--faceharness-max-rps``, default 5) and budgeted
(``--faceharness-max-requests``, default 2000); a spent budget skips the remaining tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.clients import Exchange, Request
from harness.errors import HarnessError
from harness.pacing import BudgetExhausted

from ._checks import FuzzTarget
from ._client import FuzzClient

_OPTIONS = (  # --faceharness-NAME, its type, metavar and help
    ("target", str, "URL", "'emulator' (embedded, for the session) or the service's base URL"),
    ("max-rps", float, "R", "requests per second to a URL target (default 5; 0: unlimited)"),
    ("max-requests", int, "N", "request budget for a URL target (default 2000; 0: unlimited)"),
    ("config", str, "TOML", "TOML file with [credentials] (never put secrets on the command line)"),
)


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("faceharness", "faceharness fuzz target")
    for name, kind, metavar, text in _OPTIONS:
        group.addoption(
            f"--faceharness-{name}", type=kind, default=None, metavar=metavar, help=text
        )


class _SkippingTarget(FuzzTarget):
    """A spent request budget skips the test instead of failing it."""

    def send(self, request: Request) -> Exchange:
        try:
            return super().send(request)
        except BudgetExhausted as exc:
            pytest.skip(f"faceharness: {exc}")


@pytest.fixture(scope="session")
def faceharness_target(pytestconfig: Any) -> Iterator[FuzzTarget]:
    """The target named by ``--faceharness-target`` (skips the test when none was given)."""
    from harness.clients import load_credentials
    from harness.contract import load_contract
    from harness.target import open_target

    from ._properties import emulator_overrides

    where = pytestconfig.getoption("faceharness_target")
    if not where:
        pytest.skip("no --faceharness-target given")
    config = pytestconfig.getoption("faceharness_config")
    rps = pytestconfig.getoption("faceharness_max_rps")
    budget = pytestconfig.getoption("faceharness_max_requests")
    try:
        with open_target(where, **(emulator_overrides() if where == "emulator" else {})) as t:
            credentials = load_credentials(
                Path(config) if config else None, demo_defaults=t.is_emulator
            )
            with FuzzClient.paced(
                t.url, t.is_emulator, rps, budget, credentials=credentials
            ) as client:
                yield _SkippingTarget(t.url, t.is_emulator, client, load_contract())
    except HarnessError as exc:
        raise pytest.UsageError(f"--faceharness-target: {exc}") from None
