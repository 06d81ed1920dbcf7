"""JD's request signature: lowercase hex MD5 of secretkey + timestamp (ERRATA E-018)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable


def jd_sign(secretkey: str, timestamp_ms: int | str) -> str:
    return hashlib.md5(f"{secretkey}{timestamp_ms}".encode()).hexdigest()


def jd_auth_params(
    appkey: str, secretkey: str, *, clock: Callable[[], float] = time.time
) -> dict[str, str]:
    """Fresh query parameters for one request; a signature is valid for five minutes only."""
    ts = int(clock() * 1000)
    return {"appkey": appkey, "timestamp": str(ts), "sign": jd_sign(secretkey, ts)}
