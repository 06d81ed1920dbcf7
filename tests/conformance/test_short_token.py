"""FH-A17 with a token of one character: its "last character cut" is an empty token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.clients import DEMO
from harness.conformance._emulator import emulator_settings

from .conftest import probe_session, run_probes_alone


def test_a_one_character_token_is_not_cut_to_an_empty_one(
    emulator: Callable[..., str], contract: Any
) -> None:
    """``FACEHARNESS_TOKEN=t``: FH-A17 sent the token cut to nothing, expected the bad-token code
    and failed the emulator (high, seed) for answering 缺少授权token, the very answer the same
    probe demands for an empty Authorization header. A cut token is another value only while
    something is left of it."""
    creds = DEMO.model_copy(update={"token": "t"})
    url = emulator(**emulator_settings(creds))
    with probe_session(contract, "match", url, is_emulator=True, creds=creds) as session:
        found, unjudged = run_probes_alone(session, ("FH-A17",))
    assert found == [] and unjudged == [], found + unjudged
