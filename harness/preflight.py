"""Before a suite judges a service, the run proves it can judge: the target answers, and the
run's credentials are accepted.

One cheap authenticated request per API the run will use, sent before any budget is
counted:

* internal API: ``validateData`` (asks for a live code; no comparison);
* JD: a freshly signed ``faceCompareNew`` with an empty body. The gateway checks appkey,
  timestamp and sign before the body; business validation then refuses the empty body, so
  credentials are proven without a billable comparison.

No connection (refused, unroutable) means the target is unreachable. An answer whose code
has category ``auth`` in ``specs/codes.yaml`` (or HTTP 401/403), or a quota code that is not
retryable (payment required, daily limit spent), means the credentials cannot be used.
Either way the run cannot judge: :class:`PreflightError` (exit 2) with one line naming the
code and the service's message, secrets masked. Any other answer, even a wrong one, and a
request the target took but never answered, pass: judging those is the suites' work. Every
suite command calls :func:`preflight` first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from harness.clients import (
    Credentials,
    FaceMatchClient,
    JdFaceCompareClient,
    request_timeout,
)
from harness.contract import Answer, Contract, load_contract, read_answer
from harness.errors import TargetError

__all__ = ["DEFAULT_TIMEOUT_S", "PreflightError", "apis_of", "apis_with_credentials", "preflight"]

DEFAULT_TIMEOUT_S = 10.0  # at most, per attempt: validateData and an empty JD body are cheap
ATTEMPTS = 4  # a reset is tried again (a faulty target may drop one request)
_REJECTED_HTTP = (401, 403)  # HTTP convention: the request's credentials were refused
_FIX = {
    "match": "check FACEHARNESS_TOKEN or token under [credentials]",
    "jd": "check FACEHARNESS_JD_APPKEY/FACEHARNESS_JD_SECRETKEY or jd_appkey/jd_secretkey "
          "under [credentials]",
}  # fmt: skip


class PreflightError(TargetError):
    """The target is unreachable or refused the run's credentials: nothing can be judged."""


def apis_with_credentials(credentials: Credentials) -> tuple[str, ...]:
    """The APIs a run can call with these credentials (the gate tests only those)."""
    return tuple(
        api
        for api, ok in (
            ("match", credentials.token),
            ("jd", credentials.jd_appkey and credentials.jd_secretkey),
        )
        if ok
    )


def apis_of(operations: Iterable[str], contract: Contract | None = None) -> tuple[str, ...]:
    """The APIs serving these contract operations (a load scenario's), in order."""
    contract = contract or load_contract()
    return tuple(dict.fromkeys(contract.operation(op).api for op in operations))


def preflight(
    url: str,
    *,
    apis: Iterable[str],
    credentials: Credentials,
    contract: Contract | None = None,
    timeout_s: float | None = None,
) -> list[str]:
    """One authenticated request per API in ``apis``; returns what each proved, one line each.

    Raises:
        PreflightError: no answer, or credentials refused (exit 2, one line, no secrets).
    """
    contract = contract or load_contract()
    seconds = min(timeout_s or DEFAULT_TIMEOUT_S, DEFAULT_TIMEOUT_S)
    timeout = request_timeout(seconds)
    secrets = credentials.secrets()
    proved = []
    for api in dict.fromkeys(apis):
        if api == "match":
            proved.append(_match(url, credentials, contract, timeout, secrets))
        elif api == "jd":
            proved.append(_jd(url, credentials, contract, timeout, secrets))
        else:
            raise ValueError(f"unknown api {api!r}")
    return proved


def _match(
    url: str, creds: Credentials, contract: Contract, timeout: httpx.Timeout, secrets: list[str]
) -> str:
    path = contract.operation("liveCode").path
    with FaceMatchClient(
        url, token=creds.require_token(), contract=contract, timeout=timeout
    ) as client:
        response = _send(
            url, path, secrets, lambda: client.http.post(path, json={}, headers=client.headers)
        )
    if isinstance(response, str):
        return _unproven("match", response)
    answer = read_answer(contract, "match", response.status_code, _json(response))
    where = f"POST {path}"
    _judge(url, "match", where, response, answer, secrets)
    return f"match: {where} answered HTTP {response.status_code}, errcode {answer.code}"


def _jd(
    url: str, creds: Credentials, contract: Contract, timeout: httpx.Timeout, secrets: list[str]
) -> str:
    appkey, secretkey = creds.require_jd()
    path = contract.operation("faceCompareNew").path
    with JdFaceCompareClient(
        url, appkey=appkey, secretkey=secretkey, contract=contract, timeout=timeout
    ) as client:
        response = _send(
            url, path, secrets, lambda: client.http.post(path, json={}, params=client.auth_params())
        )
    if isinstance(response, str):
        return _unproven("jd", response)
    answer = read_answer(contract, "jd", response.status_code, _json(response))
    where = f"POST {path} (signed, empty body)"
    _judge(url, "jd", where, response, answer, secrets)
    if answer.where == "gateway" and answer.refused:
        return f"jd: {where} answered gateway code {answer.code}"
    return f"jd: {where} passed the gateway, business code {answer.code}"


def _send(url: str, path: str, secrets: list[str], post: Any) -> httpx.Response | str:
    """The answer to ``post()``, or why there was none once the target took the connection.

    No connection at all (refused, unroutable, connect timeout) is final: the target is
    unreachable. A reset is tried again (one transient fault must not stop a run); a request
    that got no answer in time is not: it hangs one operation, which is the suites' to judge.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response: httpx.Response = post()
            return response
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            reason = _clean(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, secrets)
            raise PreflightError(f"target {url} is unreachable: {reason}") from None
        except httpx.TimeoutException:
            return f"no answer to POST {path} within the timeout"
        except httpx.HTTPError as exc:
            last = _clean(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, secrets)
            if attempt == ATTEMPTS:
                return f"POST {path}: {last} ({attempt} attempts)"
    raise AssertionError("unreachable")  # pragma: no cover


def _unproven(api: str, why: str) -> str:
    return f"{api}: {why}; credentials not proven, the suites judge the answers"


def _judge(
    url: str, api: str, where: str, response: httpx.Response, answer: Answer, secrets: list[str]
) -> None:
    """Raise when the answer says the run's credentials (or account) cannot be used."""
    meaning, said = answer.meaning, (answer.message or "")[:120]
    code = None if answer.code is None else answer.label
    if meaning is not None and meaning.category == "auth":
        why = f"{api} {code} ({meaning.en})"
    elif meaning is not None and meaning.category == "quota" and not meaning.retryable:
        why = f"{api} {code} ({meaning.en}): the account cannot make calls now"
    elif response.status_code in _REJECTED_HTTP:
        why = f"HTTP {response.status_code}" + (f" with {api} {code}" if code else "")
    else:
        return
    quoted = f"; service said: {_clean(said, secrets)!r}" if said else ""
    raise PreflightError(f"credentials rejected by {url}: {why} on {where}{quoted}; {_FIX[api]}")


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _clean(text: str, secrets: list[str]) -> str:
    from harness.redact import redact_text

    return " ".join(redact_text(text, secrets).split())
