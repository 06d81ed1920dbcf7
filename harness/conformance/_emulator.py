"""The embedded emulator as conformance runs it: fast engine, the run's credentials, and an appkey
with a daily quota (unlimited, ``remainTimes`` stays -1 and E-028 is never exercised).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.clients import DEMO, Credentials

COUNTED_QUOTA = 1_000_000


def emulator_settings(creds: Credentials = DEMO) -> dict[str, Any]:
    appkey, secret = creds.require_jd()
    return {
        "tokens": (creds.require_token(),),
        "appkeys": ({"appkey": appkey, "secretkey": secret, "daily_quota": COUNTED_QUOTA},),
    }


@contextmanager
def conformance_target(
    target: str = "emulator",
    breaks: tuple[str, ...] = (),
    creds: Credentials = DEMO,
    readings: dict[str, str] | None = None,
) -> Iterator[str]:
    """The URL as given, or a conformance emulator on 127.0.0.1:0 with ``breaks`` (``readings``:
    the alternative readings it serves, ``{"E-011": "alternative"}``)."""
    from harness.target import open_target

    settings: dict[str, Any] = {}
    if target == "emulator":
        settings = {"engine": "fast", "breaks": tuple(breaks), **emulator_settings(creds)}
        settings |= {"readings": readings} if readings else {}
    with open_target(target, **settings) as opened:
        # schemathesis probes the server with malformed HTTP on purpose; uvicorn warns of each
        logging.getLogger("uvicorn.error").setLevel(logging.ERROR)
        yield opened.url
