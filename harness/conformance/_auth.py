"""Credentials on requests: the internal API's token, JD's appkey + timestamp + sign.

Generated requests get fresh, valid credentials unless the generator deliberately negated one of
them (a negative case about auth). A request is also described by an *auth directive* that names
how its credentials were made ("fresh", "absent", "invalid", "expired", "future", or a literal
non-secret value), never the secrets themselves: findings and replay files store the directive,
and a replay rebuilds the credentials from the environment or config.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from harness.clients import Credentials, jd_sign

JD_AUTH_PARAMS = ("appkey", "timestamp", "sign")
TOKEN_HEADER = "Authorization"
INVALID_TOKEN = "faceharness-invalid-token"
INVALID_APPKEY = "faceharnessnosuchappkey"
_HEX32 = re.compile(r"^[0-9a-f]{32}$")

Directive = dict[str, Any]


def negated_auth(case: Any, names: tuple[str, ...], location: str) -> set[str] | None:
    """Names among ``names`` a negative case mutated on purpose; None when unknowable (all of them)."""
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


def apply_token(headers: MutableMapping[str, Any], directive: str, creds: Credentials) -> None:
    headers.pop(TOKEN_HEADER, None)
    if directive == "fresh":
        headers[TOKEN_HEADER] = creds.require_token()
    elif directive == "invalid":
        headers[TOKEN_HEADER] = INVALID_TOKEN
    elif isinstance(directive, dict) and "literal" in directive:
        headers[TOKEN_HEADER] = str(directive["literal"])


def apply_jd(
    query: dict[str, Any],
    directive: Directive,
    creds: Credentials,
    window_ms: int,
    clock: Callable[[], float] = time.time,
) -> None:
    """Set appkey/timestamp/sign on ``query`` as ``directive`` says (missing keys mean "fresh")."""
    appkey, secret = creds.require_jd()
    now = int(clock() * 1000)
    values: dict[str, str | None] = {}
    how = directive.get("appkey", "fresh")
    values["appkey"] = (
        {"fresh": appkey, "absent": None, "invalid": INVALID_APPKEY}.get(how)
        if isinstance(how, str)
        else str(how.get("literal", ""))
    )
    how = directive.get("timestamp", "fresh")
    offset = window_ms + 60_000
    values["timestamp"] = (
        {
            "fresh": str(now),
            "absent": None,
            "expired": str(now - offset),
            "future": str(now + offset),
            "malformed": "not-a-number",
        }.get(how)
        if isinstance(how, str)
        else str(how.get("literal", ""))
    )
    how = directive.get("sign", "fresh")
    stamp = values["timestamp"] or ""
    values["sign"] = (
        {
            "fresh": jd_sign(secret, stamp),
            "absent": None,
            "invalid": jd_sign(secret + "-wrong", stamp),
            "upper": jd_sign(secret, stamp).upper(),
        }.get(how)
        if isinstance(how, str)
        else str(how.get("literal", ""))
    )
    for name in JD_AUTH_PARAMS:
        query.pop(name, None)
        if values[name] is not None:
            query[name] = values[name]


def token_directive(headers: Any, creds: Credentials) -> Any:
    value = _header(headers, TOKEN_HEADER)
    if value is None:
        return "absent"
    if creds.token and value.removeprefix("Bearer ").strip() == creds.token:
        return "fresh"
    return _literal_or(value, "invalid", creds)


def jd_directive(
    query: dict[str, Any],
    creds: Credentials,
    window_ms: int,
    clock: Callable[[], float] = time.time,
) -> Directive:
    """Describe the JD credentials a request carried, without any secret in the description."""
    appkey, secret = creds.jd_appkey or "", creds.jd_secretkey or ""
    out: Directive = {}
    value = query.get("appkey")
    out["appkey"] = (
        "absent"
        if value is None
        else "fresh"
        if str(value) == appkey
        else _literal_or(str(value), "invalid", creds)
    )
    stamp = query.get("timestamp")
    if stamp is None:
        out["timestamp"] = "absent"
    elif str(stamp).isdigit() and abs(int(str(stamp)) - clock() * 1000) <= window_ms:
        out["timestamp"] = "fresh"
    else:
        out["timestamp"] = {"literal": str(stamp)}
    sign = query.get("sign")
    if sign is None:
        out["sign"] = "absent"
    elif secret and str(sign) == jd_sign(secret, str(stamp or "")):
        out["sign"] = "fresh"
    elif _HEX32.match(str(sign)):
        out["sign"] = "invalid"
    else:
        out["sign"] = _literal_or(str(sign), "invalid", creds)
    return out


def describe(directive: Any) -> str:
    """Plain words for a report (no key=value pairs, so redaction leaves it readable)."""
    if isinstance(directive, str):
        return {
            "fresh": "valid token",
            "absent": "no Authorization header",
            "invalid": "an unknown token",
        }.get(directive, directive)
    if not isinstance(directive, dict):
        return "unknown credentials"
    words = []
    for name in JD_AUTH_PARAMS:
        how = directive.get(name, "fresh")
        if how != "fresh":
            label = how if isinstance(how, str) else "generated"
            words.append(f"{label} {name}")
    return ", ".join(words) or "valid appkey, timestamp and sign"


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _literal_or(value: str, fallback: str, creds: Credentials) -> Any:
    """A generated value is kept verbatim unless it contains a secret."""
    if any(secret and secret in value for secret in creds.secrets()):
        return fallback
    return {"literal": value}


def appkey_key(query: dict[str, Any]) -> str:
    return hashlib.sha256(str(query.get("appkey", "")).encode()).hexdigest()[:16]
