"""Credentials on schemathesis cases: which ones a negative case broke on purpose, and how the
ones a case carried were made (a typed :class:`harness.clients.Auth`, never the secrets).

Generated requests get fresh, valid credentials unless the generator deliberately negated one of
them (a negative case about auth); findings and replay files store the description, and a replay
makes the credentials again from the environment or config.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import Any

from harness.clients import Auth, Credentials, Given, How, jd_sign
from harness.clients._auth import JD_AUTH_PARAMS, given_or, token_of

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def negated_auth(case: Any, names: tuple[str, ...], location: str) -> set[str] | None:
    """Names among ``names`` a negative case mutated on purpose; None when unknowable (all of
    them)."""
    meta = getattr(case, "_meta", None)
    if meta is None or not meta.generation.mode.is_negative:
        return set()
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.generation.meta import negated_parameters

    loc = ParameterLocation(location)
    named = {name for name, where in negated_parameters(meta) if where == loc}
    if meta.is_negative_at(loc) and not named:
        return None
    return named & set(names)


def kept_auth(query: dict[str, Any], negated: set[str] | None) -> Auth:
    """Fresh credentials, except the ones a negative case negated: those as generated."""
    kept = {
        name: Given(str(query[name])) if name in query else How.ABSENT
        for name in JD_AUTH_PARAMS
        if negated is None or name in negated
    }
    return Auth(
        appkey=kept.get("appkey", How.VALID),
        timestamp=kept.get("timestamp", How.VALID),
        sign=kept.get("sign", How.VALID),
    )


def jd_auth_of(
    query: dict[str, Any],
    creds: Credentials,
    window_ms: int,
    clock: Callable[[], float] = time.time,
) -> Auth:
    """How the JD credentials a request carried were made, without any secret in the description."""
    appkey, secret = creds.jd_appkey or "", creds.jd_secretkey or ""
    value = query.get("appkey")
    key = (
        How.ABSENT
        if value is None
        else How.VALID
        if str(value) == appkey
        else given_or(str(value), How.INVALID, creds)
    )
    stamp = query.get("timestamp")
    when: How | Given
    if stamp is None:
        when = How.ABSENT
    elif str(stamp).isdigit() and abs(int(str(stamp)) - clock() * 1000) <= window_ms:
        when = How.VALID
    else:
        when = Given(str(stamp))
    sign = query.get("sign")
    made: How | Given
    if sign is None:
        made = How.ABSENT
    elif secret and str(sign) == jd_sign(secret, str(stamp or "")):
        made = How.VALID
    elif _HEX32.match(str(sign)):
        made = How.INVALID
    else:
        made = given_or(str(sign), How.INVALID, creds)
    return Auth(appkey=key, timestamp=when, sign=made)


def token_auth_of(headers: Any, creds: Credentials) -> Auth:
    return Auth(token=token_of(headers, creds))


def appkey_key(query: dict[str, Any]) -> str:
    return hashlib.sha256(str(query.get("appkey", "")).encode()).hexdigest()[:16]
